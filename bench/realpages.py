"""Extraction quality on real pages labelled independently of our rules (issue 11).

Usage: python bench/realpages.py [DIR] [--split tune|check|all] [--verbose] [--json]

DIR (default tests/fixtures/realpages, a copy of ../shared/data/realpages) holds NNN.txt
captures and NNN.json labels. The set is split once, by `split_of` below, into a part the
rules may be tuned on and a part only checked at the end. Scores use the definitions of
../shared/tools/score_extract.py (same normalisation, same line rules), computed in-process:
chrome lines removed, body characters kept, exact title, null title kept null, listing
recognised, speakers P/R/F1 on full names (optional speakers neither help nor hurt),
reporters, dates. One table: each split, each outlet and each template era."""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.extract import extract_file  # noqa: E402
from archive.record import ExtractionError  # noqa: E402

DEFAULT_DIR = ROOT / "tests" / "fixtures" / "realpages"
# Every third page of each outlet's articles and of each outlet's listings (by number) is
# held out for checking; the rest is for tuning. Fixed before any rule was changed.
CHECK_EVERY = 3
SHORT_OUTLET = {
    "The Phnom Penh Post": "Post",
    "The Cambodia Daily": "Cambodia Daily",
    "VOA Khmer (Voice of America)": "VOA",
    "Radio Free Asia": "RFA",
    "VOD (Voice of Democracy)": "VOD",
    "Cambodianess": "Cambodianess",
    "CamboJA News": "CamboJA",
}
# Template eras of Post pages, from the `tpl` column of the set's README page list.
POST_ERAS = (
    ("legacy", "Post 1996-2002 (legacy, C)"),
    ("C (1998)", "Post 1996-2002 (legacy, C)"),
    ("C (2002)", "Post 1996-2002 (legacy, C)"),
    ("listing", "Post listings"),
    ("C (20", "Post 2007-2018 (A, B, C, live, dated)"),
    ("B′", "Post 2019-2024 (B′, D, E)"),
    ("D body", "Post 2019-2024 (B′, D, E)"),
    ("E pay", "Post 2019-2024 (B′, D, E)"),
    ("m. body", "Post 2019-2024 (B′, D, E)"),
)
POST_ERA_DEFAULT = "Post 2007-2018 (A, B, C, live, dated)"


@dataclass
class Page:
    """One labelled capture."""

    id: str
    txt: Path
    gold: dict
    outlet: str
    era: str
    split: str = "tune"


@dataclass
class Tally:
    """Counts behind the measures, summed over pages."""

    pages: int = 0
    extracted: int = 0
    chrome_total: int = 0
    chrome_leaked: int = 0
    body_chars: int = 0
    body_kept: int = 0
    title_n: int = 0
    title_ok: int = 0
    nulltitle_n: int = 0
    nulltitle_ok: int = 0
    date_n: int = 0
    date_ok: int = 0
    date_false: int = 0
    rep_n: int = 0
    rep_ok: int = 0
    type_n: int = 0
    type_ok: int = 0
    sp_tp: int = 0
    sp_fp: int = 0
    sp_fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Sum another page's counts into this one."""
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)

    def measures(self) -> dict[str, float]:
        """The scorer's figures from the counts."""

        def ratio(a: int, b: int) -> float:
            return a / b if b else 1.0

        p = ratio(self.sp_tp, self.sp_tp + self.sp_fp)
        r = ratio(self.sp_tp, self.sp_tp + self.sp_fn)
        return {
            "pages": self.pages,
            "chrome_removed": 1 - self.chrome_leaked / self.chrome_total
            if self.chrome_total
            else 1.0,
            "body_kept": ratio(self.body_kept, self.body_chars),
            "title_acc": ratio(self.title_ok, self.title_n),
            "null_title_acc": ratio(self.nulltitle_ok, self.nulltitle_n),
            "date_acc": ratio(self.date_ok, self.date_n),
            "invented_dates": self.date_false,
            "reporters_acc": ratio(self.rep_ok, self.rep_n),
            "listing_acc": ratio(self.type_ok, self.type_n),
            "speaker_p": p,
            "speaker_r": r,
            "speaker_f1": 2 * p * r / (p + r) if p + r else 0.0,
        }


def norm(text: str | None) -> str | None:
    """The scorer's comparison form: NFKC, straight quotes, single spaces, case-folded."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text)
    for curly, straight in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, straight)
    return re.sub(r"\s+", " ", text).strip().casefold()


def era_of(outlet: str, tpl: str) -> str:
    """Template era of a page: Post pages by layout, other outlets as one era each."""
    if outlet != "Post":
        return outlet
    for prefix, era in POST_ERAS:
        if tpl.startswith(prefix) or prefix in tpl:
            return era
    return POST_ERA_DEFAULT


def readme_layouts(folder: Path) -> dict[str, str]:
    """Page id -> `tpl` column of the README's page list (empty when there is none)."""
    readme = folder / "README.md"
    rows = readme.read_text("utf-8").splitlines() if readme.exists() else []
    out = {}
    for row in rows:
        cells = [c.strip() for c in row.split("|")]
        if len(cells) > 6 and re.fullmatch(r"\d{3}", cells[1]):
            out[cells[1]] = cells[5]
    return out


def split_of(pages: list[Page]) -> None:
    """The one fixed split: within each outlet's articles and each outlet's listings, in
    page-number order, the 2nd, 5th, 8th ... page is for checking, the others for tuning."""
    groups: dict[tuple[str, str], list[Page]] = {}
    for page in sorted(pages, key=lambda p: p.id):
        groups.setdefault((page.outlet, page.gold.get("page_type")), []).append(page)
    for group in groups.values():
        for position, page in enumerate(group):
            page.split = "check" if position % CHECK_EVERY == 1 else "tune"


def load_pages(folder: Path) -> list[Page]:
    """Every labelled page in folder, with its outlet, era and split."""
    layouts = readme_layouts(folder)
    pages = []
    for label in sorted(folder.glob("*.json")):
        gold = json.loads(label.read_text("utf-8"))
        outlet = SHORT_OUTLET.get(gold["source"], gold["source"])
        era = era_of(outlet, layouts.get(label.stem, ""))
        pages.append(Page(label.stem, label.with_suffix(".txt"), gold, outlet, era))
    split_of(pages)
    return pages


def gold_body(text: str, gold: dict) -> tuple[list[str], list[str]]:
    """(body lines the labels keep, lines after a `chrome_from` cut), as the scorer reads them."""
    lines = [line.strip() for line in text.split("\n")]
    tail: list[str] = []
    if gold.get("chrome_from"):
        cut = lines.index(gold["chrome_from"])
        tail = [line for line in lines[cut:] if line]
        lines = lines[:cut]
    skip = set(gold.get("chrome", [])) | set(gold.get("title_lines", []))
    skip |= set(gold.get("captions", []))
    return [line for line in lines if line and line not in skip], tail


def score_page(page: Page, record: dict | None) -> Tally:
    """The scorer's counts for one page and its extracted record (None: extraction failed)."""
    tally, gold, miss = Tally(pages=1), page.gold, []
    if record is None:
        tally.misses.append(f"{page.id}: no record")
        return tally
    tally.extracted = tally.type_n = 1
    is_listing = gold.get("page_type") == "listing"
    tally.type_ok = (record.get("page_type") == "listing") == is_listing
    if not tally.type_ok:
        miss.append(f"page_type {record.get('page_type')} != {gold.get('page_type')}")
    if not is_listing:
        score_article(page, record, tally, miss)
    tally.misses = [f"{page.id}: {m}" for m in miss]
    return tally


def score_article(page: Page, record: dict, tally: Tally, miss: list[str]) -> None:
    """Body, chrome, title, date, reporter and speaker counts of one article page."""
    gold = page.gold
    body = record.get("body") or ""
    nbody = norm(body)
    blines = {norm(line) for line in body.split("\n") if line.strip()}
    keep, tail = gold_body(page.txt.read_text("utf-8"), gold)
    for line in keep:
        tally.body_chars += len(line)
        if norm(line) in nbody:
            tally.body_kept += len(line)
        else:
            miss.append(f"lost body line {line[:70]!r}")
    kept_norm = " ".join(norm(line) for line in keep)
    captions = gold.get("captions", [])
    for line in [c for c in gold.get("chrome", []) if c not in captions] + tail:
        tally.chrome_total += 1
        nc = norm(line)
        if nc in blines or (len(nc) >= 25 and nc in nbody and nc not in kept_norm):
            tally.chrome_leaked += 1
            miss.append(f"chrome leaked {line[:70]!r}")
    if gold.get("title"):
        tally.title_n = 1
        tally.title_ok = norm(record.get("title")) == norm(gold["title"])
        if not tally.title_ok:
            miss.append(f"title {record.get('title')!r} != {gold['title']!r}")
    else:
        tally.nulltitle_n = 1
        tally.nulltitle_ok = not record.get("title")
        if not tally.nulltitle_ok:
            miss.append(f"invented title {record.get('title')!r}")
    got_date = (record.get("date") or "")[:10] or None
    if gold.get("date"):
        tally.date_n, tally.date_ok = 1, got_date == gold["date"]
        if not tally.date_ok:
            miss.append(f"date {got_date} != {gold['date']}")
    elif got_date and not record.get("date_inferred"):
        tally.date_false = 1
        miss.append(f"invented date {got_date}")
    tally.rep_n = 1
    want_rep = {norm(x) for x in gold.get("reporters", [])}
    tally.rep_ok = {norm(x) for x in record.get("reporters") or []} == want_rep
    if not tally.rep_ok:
        miss.append(f"reporters {record.get('reporters')} != {gold.get('reporters')}")
    want = {norm(x) for x in gold.get("speakers", [])}
    optional = {norm(x) for x in gold.get("speakers_optional", [])}
    got = {norm(x) for x in record.get("speakers") or []}
    tally.sp_tp, tally.sp_fp = len(got & want), len(got - want - optional)
    tally.sp_fn = len(want - got)
    if got - want - optional or want - got:
        miss.append(f"speakers extra={sorted(got - want - optional)} missing={sorted(want - got)}")


def extract_record(path: Path) -> dict | None:
    """`archive extract --json`'s record for one file, or None when it is skipped."""
    try:
        return extract_file(path).as_dict()
    except ExtractionError:
        return None


def evaluate(
    pages: list[Page], extract: Callable[[Path], dict | None] = extract_record
) -> dict[str, Tally]:
    """Tallies per row of the table: splits, the whole set, outlets and eras."""
    rows: dict[str, Tally] = {}
    for page in pages:
        tally = score_page(page, extract(page.txt))
        names = [f"split {page.split}", "all pages", f"outlet {page.outlet}"]
        if page.era != page.outlet:  # other outlets are one era each: their outlet row
            names.append(f"era {page.era}")
        for row in names:
            rows.setdefault(row, Tally()).add(tally)
    order = ["split tune", "split check", "all pages"]
    return {k: rows[k] for k in order + sorted(set(rows) - set(order)) if k in rows}


COLUMNS = (
    ("pages", "pages", "{:d}"),
    ("chrome", "chrome_removed", "{:.3f}"),
    ("body", "body_kept", "{:.3f}"),
    ("title", "title_acc", "{:.3f}"),
    ("null t.", "null_title_acc", "{:.3f}"),
    ("listing", "listing_acc", "{:.3f}"),
    ("sp P", "speaker_p", "{:.3f}"),
    ("sp R", "speaker_r", "{:.3f}"),
    ("sp F1", "speaker_f1", "{:.3f}"),
    ("report.", "reporters_acc", "{:.3f}"),
    ("dates", "date_acc", "{:.3f}"),
    ("inv. d.", "invented_dates", "{:d}"),
)


def table(rows: dict[str, Tally]) -> str:
    """Markdown table, one row per split, outlet and era."""
    head = "| row | " + " | ".join(c[0] for c in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 1)]
    for name, tally in rows.items():
        m = tally.measures()
        cells = [fmt.format(m[key]) for _, key, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Print the table (or JSON), and with --verbose every miss of the chosen split."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--split", choices=("tune", "check", "all"), default="all")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true", help="measures as one JSON object")
    args = parser.parse_args()
    pages = [p for p in load_pages(args.folder) if args.split in ("all", p.split)]
    rows = evaluate(pages)
    if args.json:
        print(json.dumps({k: t.measures() for k, t in rows.items()}, indent=1))
    else:
        print(table(rows))
    if args.verbose:
        for miss in rows["all pages"].misses:
            print(" ", miss)


if __name__ == "__main__":
    main()
