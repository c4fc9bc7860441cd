"""Ingest memory by archive size (#12): one `archive ingest` of N synthetic captures into a
fresh index for each N, its time and the peak resident memory of its largest process
(extraction workers and forked segment writers included), side by side.

Usage: python bench/ingest_memory.py 10000 100000 300000 [--json] [--write-doc]

Corpora are cached in bench/.cache/corpus-N (written by make_corpus.py, the same ones
bench/run.py uses). Each ingest runs under its own small watcher process, so one size's
peak never counts in another's (getrusage's children maximum only grows)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
DOC = ROOT / "docs" / "INGEST-MEMORY.md"
# The watcher: runs one ingest and reports its seconds, report and largest process's peak.
WATCH = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
out = subprocess.run([sys.executable, "-m", "archive_cli", "ingest", sys.argv[1], "--index",
                      sys.argv[2], "--json"], cwd=sys.argv[3], capture_output=True, text=True)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "status": out.returncode,
                  "report": json.loads(out.stdout or "{}"), "stderr": out.stderr[-2000:]}))
"""


def corpus_for(n: int) -> Path:
    """The cached corpus of n captures, written once."""
    corpus = CACHE / f"corpus-{n}"
    if not (corpus / ".complete").exists():
        shutil.rmtree(corpus, ignore_errors=True)
        write_corpus(n, corpus)
        (corpus / ".complete").touch()
    return corpus


def measure(n: int) -> dict:
    """One fresh ingest of n captures."""
    corpus = corpus_for(n)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        out = subprocess.run(
            [sys.executable, "-c", WATCH, str(corpus), str(Path(tmp) / "index"), str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        )
    found = json.loads(out.stdout)
    if found["status"] not in (0, 1):
        raise SystemExit(f"ingest of {n} failed: {found['stderr']}")
    report = found["report"]
    return {
        "captures": n,
        "seconds": round(found["seconds"], 1),
        "docs_per_s": round(n / found["seconds"], 1),
        "peak_mb": round(found["peak_mb"]),
        "stories": report.get("documents"),
        "phases": {k: round(v, 1) for k, v in report.get("phases", {}).items()},
    }


def table(rows: list[dict]) -> str:
    """The figures as a Markdown table."""
    lines = [
        "| captures | ingest | docs/s | peak memory, largest process | per 1,000 captures |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        per = r["peak_mb"] / (r["captures"] / 1000)
        lines.append(
            f"| {r['captures']:,} | {r['seconds']:.0f} s | {r['docs_per_s']:.0f} | "
            f"{r['peak_mb']:,} MB | {per:.1f} MB |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure each size and print the table (or JSON lines)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        rows.append(measure(n))
        if args.json:
            print(json.dumps(rows[-1]), flush=True)
    text = table(rows)
    if not args.json:
        print(text)
    if args.write_doc:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        DOC.write_text(
            "# Ingest memory by archive size\n\n"
            f"`python bench/ingest_memory.py {' '.join(map(str, args.sizes))} --write-doc` on "
            f"{machine}: one `archive ingest` of N synthetic captures into a fresh index each.\n\n"
            + text
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
