"""Body extraction on ../shared/bench/article-extraction: our HTML path beside trafilatura.

Usage: python bench/extraction.py [--data DIR] [--json]
Prints F1 / precision / recall (the benchmark's 4-gram shingle metric) for both in one run."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import trafilatura

from archive.decode import decode
from archive.htmlpage import parse_html

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/bench/article-extraction"


def shingles(text: str) -> Counter:
    """Runs of 4 consecutive \\w+ tokens, with multiplicity."""
    tokens = re.findall(r"\w+", text or "")
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(len(tokens) - 3, 0)))


def page_scores(predicted: str, truth: str) -> tuple[float | None, float | None]:
    """(precision, recall) of one page, per the benchmark README."""
    pred, true = shingles(predicted), shingles(truth)
    tp = sum((pred & true).values())
    fp, fn = sum(pred.values()) - tp, sum(true.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return None, None
    tp, fp, fn = tp / total, fp / total, fn / total
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp > 0 else None
    recall = tp / (tp + fn) if tp + fn > 0 else None
    return precision, recall


def evaluate(extract, pages: list[tuple[str, str]]) -> dict:
    """Mean precision and recall over pages, F1 of the means, and time per page."""
    precisions, recalls = [], []
    started = time.perf_counter()
    for html, truth in pages:
        p, r = page_scores(extract(html), truth)
        if p is not None:
            precisions.append(p)
        if r is not None:
            recalls.append(r)
    seconds = time.perf_counter() - started
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return {
        "f1": 2 * p * r / (p + r),
        "precision": p,
        "recall": r,
        "ms_per_page": 1000 * seconds / len(pages),
    }


def ours(html: str) -> str:
    """Our HTML path: the body the ingester would store."""
    return "\n\n".join(parse_html(html)["paragraphs"])


def load(data: Path) -> list[tuple[str, str]]:
    """(html, true body) for every page in the benchmark."""
    truth = json.loads((data / "ground-truth.json").read_text())
    pages = []
    for key, item in sorted(truth.items()):
        raw = gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes())
        pages.append((decode(raw), item["articleBody"]))
    return pages


def main() -> int:
    """Run both extractors and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"benchmark data not found in {args.data}", file=sys.stderr)
        return 2
    pages = load(args.data)
    rows = {
        "archive (ours)": evaluate(ours, pages),
        f"trafilatura {trafilatura.__version__} (defaults)": evaluate(
            lambda h: trafilatura.extract(h) or "", pages
        ),
    }
    if args.json:
        print(json.dumps({"pages": len(pages), "results": rows}))
        return 0
    print(f"Body extraction on {len(pages)} real news pages (4-gram shingle metric)\n")
    print("| extractor | F1 | precision | recall | ms/page |\n|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['f1']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} "
            f"| {r['ms_per_page']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
