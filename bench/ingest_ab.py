"""Ingest speed of two revisions, side by side in one run (#12): `archive ingest` of the same
synthetic corpus into a fresh index, alternating revision A and B for a number of rounds.

Usage: python bench/ingest_ab.py REV_A REV_B [--captures 10000] [--rounds 3] [--json]

This machine's pace moves by up to half between hours, for any code, so one ingest's docs/s
says little about a change; runs alternated in the same window do. Each revision is checked
out in a temporary git worktree and run with this checkout's interpreter; wall seconds, CPU
seconds of the ingest and its children, and the phases the ingest reports are printed per
round, then the means."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from ingest_memory import corpus_for  # noqa: E402


def checkout_path(rev: str, into: Path) -> Path:
    """Where rev is checked out under into."""
    return into / rev.replace("/", "_")


def worktree(rev: str, into: Path) -> Path:
    """A detached checkout of rev under into."""
    path = checkout_path(rev, into)
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-f", str(path), rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return path


def ingest_once(code: Path, captures: Path, scratch: Path) -> dict:
    """One ingest of captures with the code in `code`: seconds, CPU seconds, phases."""
    index = scratch / "index"
    shutil.rmtree(index, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "archive_cli",
            "ingest",
            str(captures),
            "--index",
            str(index),
            "--json",
        ],
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(out.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": report["seconds"],
        "cpu": round(cpu, 1),
        "documents": report["documents"],
        "phases": {k: round(v, 1) for k, v in report["phases"].items()},
    }


def main() -> None:
    """Alternate the two revisions' ingests and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("rev_a")
    parser.add_argument("rev_b")
    parser.add_argument("--captures", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    captures = corpus_for(args.captures)
    scratch = Path(tempfile.mkdtemp(prefix="ingest-ab-"))
    runs: dict[str, list[dict]] = {args.rev_a: [], args.rev_b: []}
    try:
        codes = {rev: worktree(rev, scratch) for rev in runs}
        for _ in range(args.rounds):
            for rev, code in codes.items():
                runs[rev].append(ingest_once(code, captures, scratch))
    finally:
        for rev in runs:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(checkout_path(rev, scratch))],
                cwd=ROOT,
                capture_output=True,
            )
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        print(json.dumps({"captures": args.captures, "runs": runs}))
        return
    print(f"{args.captures} captures, {args.rounds} rounds, A = {args.rev_a}, B = {args.rev_b}\n")
    print("| round | A s (extract / index) | A CPU s | B s (extract / index) | B CPU s |")
    print("|---|---|---|---|---|")
    for n, (a, b) in enumerate(zip(runs[args.rev_a], runs[args.rev_b], strict=True), 1):
        cells = [
            f"{r['seconds']:.1f} ({r['phases']['extract']} / {r['phases'].get('index', 0)})"
            f" | {r['cpu']}"
            for r in (a, b)
        ]
        print(f"| {n} | {cells[0]} | {cells[1]} |")
    mean = {
        rev: (statistics.mean(r["seconds"] for r in rs), statistics.mean(r["cpu"] for r in rs))
        for rev, rs in runs.items()
    }
    (wa, ca), (wb, cb) = mean[args.rev_a], mean[args.rev_b]
    print(
        f"| mean | {wa:.1f} ({args.captures / wa:.0f} docs/s) | {ca:.1f} "
        f"| {wb:.1f} ({args.captures / wb:.0f} docs/s) | {cb:.1f} |"
    )
    print(f"\nB / A: wall {wb / wa:.2f}, CPU {cb / ca:.2f}")


if __name__ == "__main__":
    main()
