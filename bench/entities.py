"""Who-said-what accuracy on the labelled set, and the cost of entity extraction.

Usage: python bench/entities.py [--json]
Prints speaker precision/recall/F1, quote attribution accuracy and topic precision/recall over
tests/fixtures/entities/articles.json, then extraction time with and without entities on the
seeds and layout captures, 40 real HTML pages, and synthetic text captures."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_corpus import write_corpus  # noqa: E402

from archive import extract as extract_module  # noqa: E402
from archive.entities import Analysis, analyse  # noqa: E402
from archive.topics import topics_for  # noqa: E402

BENCH_HTML = ROOT.parent / "shared" / "bench" / "article-extraction" / "html"
LABELLED = ROOT / "tests" / "fixtures" / "entities" / "articles.json"
SYNTHETIC = 500  # captures written for the cost on news-length text (about 330 are text)


def score(articles: list[dict]) -> dict:
    """Micro-averaged speaker P/R/F1, quote attribution accuracy, topic P/R."""
    tp = fp = fn = 0
    quotes_right = quotes_total = 0
    ttp = tfp = tfn = 0
    errors = []
    for art in articles:
        found = analyse(art["title"], art["body"], art["reporters"])
        got, want = set(found.speakers), set(art["speakers"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got != want:
            errors.append(
                {"id": art["id"], "extra": sorted(got - want), "missing": sorted(want - got)}
            )
        for speaker, phrase in art["quotes"]:
            quotes_total += 1
            owners = {q.speaker for q in found.quotes if phrase in q.text}
            quotes_right += owners == {speaker}
        topics, expected = set(topics_for(art["title"], art["body"])), set(art["topics"])
        ttp, tfp, tfn = (
            ttp + len(topics & expected),
            tfp + len(topics - expected),
            tfn + len(expected - topics),
        )
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {
        "articles": len(articles),
        "speaker_precision": p,
        "speaker_recall": r,
        "speaker_f1": 2 * p * r / max(p + r, 1e-9),
        "quote_accuracy": quotes_right / max(quotes_total, 1),
        "topic_precision": ttp / max(ttp + tfp, 1),
        "topic_recall": ttp / max(ttp + tfn, 1),
        "errors": errors,
    }


def cost(paths: list[Path], rounds: int = 5) -> dict:
    """Seconds per file for extract_file with and without the entity step."""

    def timed() -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            for path in paths:
                extract_module.extract_file(path)
        return (time.perf_counter() - started) / (rounds * len(paths))

    with_entities = timed()
    original_analyse, original_topics = extract_module.analyse, extract_module.topics_for
    extract_module.analyse = lambda *a: Analysis([], [], [], [])
    extract_module.topics_for = lambda *a: []
    try:
        without = timed()
    finally:
        extract_module.analyse, extract_module.topics_for = original_analyse, original_topics
    return {
        "ms_per_file_with": 1000 * with_entities,
        "ms_per_file_without": 1000 * without,
        "ratio": with_entities / without,
    }


def main() -> int:
    """Print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = score(json.loads(LABELLED.read_text(encoding="utf-8")))
    files = sorted((ROOT / "raw").glob("*.txt")) + sorted(
        p for p in (ROOT / "tests/fixtures/captures").glob("*.*") if not p.name.endswith(".json")
    )
    result["cost"] = cost(files)
    html = sorted(BENCH_HTML.glob("*.html.gz"))[:40] if BENCH_HTML.exists() else []
    result["cost_html"] = cost(html, rounds=1) if html else None
    with tempfile.TemporaryDirectory() as folder:
        # News-length text captures with chrome, as the 100k benchmark ingests them.
        write_corpus(SYNTHETIC, Path(folder))
        text = sorted(Path(folder).rglob("*.txt"))
        result["cost_synthetic_text"] = {"files": len(text), **cost(text, rounds=2)}
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"Labelled set: {result['articles']} articles ({LABELLED.relative_to(ROOT)})\n")
    print("| measure | value |\n|---|---|")
    for key in (
        "speaker_precision",
        "speaker_recall",
        "speaker_f1",
        "quote_accuracy",
        "topic_precision",
        "topic_recall",
    ):
        print(f"| {key.replace('_', ' ')} | {result[key]:.3f} |")
    c = result["cost"]
    print(
        f"\nExtraction cost on {len(files)} files: {c['ms_per_file_with']:.1f} ms/file with "
        f"entities, {c['ms_per_file_without']:.1f} without (ratio {c['ratio']:.2f})"
    )
    if result["cost_html"]:
        c = result["cost_html"]
        print(
            f"Extraction cost on 40 real news HTML pages: {c['ms_per_file_with']:.1f} ms/file "
            f"with entities, {c['ms_per_file_without']:.1f} without (ratio {c['ratio']:.2f})"
        )
    c = result["cost_synthetic_text"]
    print(
        f"Extraction cost on {c['files']} synthetic text captures (bench/make_corpus.py): "
        f"{c['ms_per_file_with']:.1f} ms/file with entities, {c['ms_per_file_without']:.1f} "
        f"without (ratio {c['ratio']:.2f})"
    )
    for err in result["errors"]:
        print(f"  {err['id']}: extra {err['extra']}, missing {err['missing']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
