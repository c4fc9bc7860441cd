"""Faults: kill -9 during an ingest, a full disk, a read-only index, a corrupted index file.
Afterwards the index answers exactly as before the ingest or as after it, never in between,
and every failure is a clear message."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.backend import open_backend
from indexer.ingest import ingest
from indexer.lock import IndexError_
from indexer.query import parse_request
from indexer.whoosh_backend.backend import PARALLEL_INDEX_MIN
from indexer.whoosh_backend.store import open_index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402

# Kills, full disks and corrupted indexes on real ingests: a minute in all.
pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("ARCHIVE_KILLS", "6"))
PROBES = ["", "union", "court trial", "election", "drugs", "land eviction"]


def answers(index_dir: Path) -> dict:
    """What the index answers to a fixed set of searches: ids in order per query."""
    with open_backend(index_dir) as backend:
        return {
            q: [h.id for h in backend.iter_hits(parse_request({"q": [q]}), 10_000)] for q in PROBES
        }


@pytest.fixture(scope="module")
def two_corpora(tmp_path_factory):
    """A first corpus, and a second with more stories; the before and after answers."""
    base = tmp_path_factory.mktemp("kill")
    write_corpus(400, base / "all")
    first = base / "first"
    first.mkdir()
    for path in sorted((base / "all").rglob("*.*"))[:150]:
        target = first / path.relative_to(base / "all")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    seed = base / "seed-index"
    ingest([first], seed)
    after = base / "after-index"
    shutil.copytree(seed, after)
    ingest([base / "all"], after, prune=True)
    return {
        "base": base,
        "first": first,
        "all": base / "all",
        "seed": seed,
        "before": answers(seed),
        "after": answers(after),
    }


def no_survivors(index_dir: Path, wait: float = 5.0) -> bool:
    """True once no process working on index_dir is left (workers die with their ingest)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        alive = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(index_dir).encode() in cmdline.read_bytes():
                    alive.append(cmdline)
            except OSError:
                continue
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_kill_9_during_ingest_leaves_before_or_after(two_corpora, tmp_path, artifacts):
    rng = random.Random(3)
    outcomes = []
    for attempt in range(KILLS):
        index_dir = tmp_path / f"ix{attempt}"
        shutil.copytree(two_corpora["seed"], index_dir)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "archive_cli",
                "ingest",
                str(two_corpora["all"]),
                "--prune",
                "--index",
                str(index_dir),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert no_survivors(index_dir), "worker processes outlived the killed ingest"
        got = answers(index_dir)
        assert got in (two_corpora["before"], two_corpora["after"])
        outcomes.append("after" if got == two_corpora["after"] else "before")
        # The lock died with the process: the next ingest runs and completes the job.
        report = ingest([two_corpora["all"]], index_dir, prune=True)
        assert answers(index_dir) == two_corpora["after"], report
    (artifacts / "kill9.json").write_text(json.dumps(outcomes))


def test_kill_9_while_forked_segment_writers_run(two_corpora, tmp_path):
    """Past PARALLEL_INDEX_MIN documents, forked processes write the new segments: killing
    the ingest then leaves the old index answering, no process behind, and the next ingest
    completes and removes the dead run's files."""
    big = tmp_path / "big"
    write_corpus(PARALLEL_INDEX_MIN + 100, big)
    index_dir = tmp_path / "ix"
    shutil.copytree(two_corpora["seed"], index_dir)
    segment_files = set((index_dir / "whoosh").iterdir())
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive_cli", "ingest", str(big), "--index", str(index_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    # The writers' first files appear once extraction is over and they are running.
    while set((index_dir / "whoosh").iterdir()) <= segment_files:
        assert proc.poll() is None, "the ingest ended before its writers started"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(random.Random(5).uniform(0.05, 0.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert no_survivors(index_dir), "segment writers outlived the killed ingest"
    assert answers(index_dir) == two_corpora["before"]
    report = ingest([big], index_dir)
    assert not report.failed and report.added == PARALLEL_INDEX_MIN + 100
    ix = open_index(index_dir)
    kept = {f"_{ix.indexname}_{ix.latest_generation()}.toc", f"{ix.indexname}_WRITELOCK"}
    kept |= {
        f.name
        for seg in ix._segments()
        for f in (index_dir / "whoosh").iterdir()
        if f.name.startswith(f"{ix.indexname}_{seg.segid}.")
    }
    assert {f.name for f in (index_dir / "whoosh").iterdir()} == kept


# A write that fails mid-commit leaves Whoosh's half-written files for the garbage collector
# to close; in a real ingest the process ends there.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_full_disk_is_a_clear_error_and_loses_nothing(two_corpora, tmp_path, monkeypatch):
    from whoosh.filedb import structfile

    index_dir = tmp_path / "ix"
    shutil.copytree(two_corpora["seed"], index_dir)
    real_write = structfile.StructFile.write

    def full_disk(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(structfile.StructFile, "write", full_disk)
    with pytest.raises(OSError, match="No space left"):
        ingest([two_corpora["all"]], index_dir, prune=True)
    monkeypatch.setattr(structfile.StructFile, "write", real_write)
    assert answers(index_dir) == two_corpora["before"]
    ingest([two_corpora["all"]], index_dir, prune=True)
    assert answers(index_dir) == two_corpora["after"]


def test_cli_reports_a_write_failure_clearly(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder should be")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "archive_cli",
            "ingest",
            str(ROOT / "raw"),
            "--index",
            str(blocker / "index"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "archive ingest: cannot write the index" in run.stderr
    assert "Traceback" not in run.stderr


# A write that fails mid-commit leaves Whoosh's half-written files for the garbage collector
# to close; in a real ingest the process ends there.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_read_only_index_is_a_clear_error(two_corpora, tmp_path, monkeypatch):
    from whoosh.filedb.filestore import FileStorage

    index_dir = tmp_path / "ix"
    shutil.copytree(two_corpora["seed"], index_dir)

    def read_only(self, name, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system", name)

    monkeypatch.setattr(FileStorage, "create_file", read_only)
    with pytest.raises(OSError, match="Read-only"):
        ingest([two_corpora["all"]], index_dir)
    monkeypatch.undo()
    assert answers(index_dir) == two_corpora["before"]


# Whoosh leaves the damaged file's handle open when it fails to parse it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["truncate-segment", "garbage-toc", "delete-segment"])
def test_corrupted_index_is_detected_with_a_rebuild_command(two_corpora, tmp_path, damage):
    index_dir = tmp_path / "ix"
    shutil.copytree(two_corpora["seed"], index_dir)
    whoosh_dir = index_dir / "whoosh"
    if damage == "garbage-toc":
        toc = next(whoosh_dir.glob("_MAIN_*.toc"))
        toc.write_bytes(b"\x00garbage" * 10)
    else:
        segment = max(whoosh_dir.glob("*.trm"), key=lambda p: p.stat().st_size)
        if damage == "delete-segment":
            segment.unlink()
        else:
            segment.write_bytes(segment.read_bytes()[:17])
    with pytest.raises(IndexError_, match="archive ingest --rebuild"):
        open_index(index_dir)
    run = subprocess.run(
        [sys.executable, "-m", "archive_cli", "search", "union", "--index", str(index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2 and "--rebuild" in run.stderr and "Traceback" not in run.stderr
    from webui import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir), "SECRET_KEY": "t"})
    response = app.test_client().get("/search?q=union")
    assert response.status_code == 503
    assert b"--rebuild" in response.data
    ingest([two_corpora["first"]], index_dir, rebuild=True)
    assert answers(index_dir) == two_corpora["before"]
