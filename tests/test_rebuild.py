"""`archive ingest --rebuild` (#15 item 4): the new index is built beside the live one and
replaces it in one commit, so a running server keeps answering and a kill loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.ingest import ingest
from tests.helpers import http_get, running_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402

# Rebuilds beside a running server: seconds each.
pytestmark = pytest.mark.slow


def total(base: str, q: str) -> tuple[int, int]:
    """(status, total hits) of one API search."""
    status, body = http_get(f"{base}/api/search?q={q}", timeout=60)
    return status, json.loads(body)["total"] if status == 200 else -1


def rebuild_command(raw: Path, index: Path) -> list[str]:
    """`archive ingest RAW --rebuild` as a user runs it."""
    return [
        sys.executable,
        "-m",
        "archive_cli",
        "ingest",
        str(raw),
        "--index",
        str(index),
        "--rebuild",
    ]


@pytest.fixture()
def archive(tmp_path):
    """The seeds indexed, and a bigger synthetic folder to rebuild from."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", raw)
    write_corpus(800, raw / "more")
    index = tmp_path / "index"
    ingest([ROOT / "raw"], index)
    return raw, index


def test_a_running_server_answers_throughout_a_rebuild(archive):
    raw, index = archive
    with running_server(index) as (base, _):
        status, before = total(base, "trafficking")
        assert status == 200 and before >= 1
        answers: list[tuple[int, int]] = []
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                answers.append(total(base, "trafficking"))
                time.sleep(0.05)

        poller = threading.Thread(target=poll)
        poller.start()
        run = subprocess.run(
            rebuild_command(raw, index), cwd=ROOT, capture_output=True, timeout=600
        )
        done.set()
        poller.join()
        assert run.returncode in (0, 1), run.stderr.decode()[-2000:]
        assert len(answers) > 5
        assert all(status == 200 and hits >= before for status, hits in answers), answers[:20]
        status, after = total(base, "trafficking")
        assert status == 200 and after > before  # the synthetic stories are searchable now


def test_a_kill_during_a_rebuild_leaves_the_old_index(archive):
    raw, index = archive
    with running_server(index) as (base, _):
        before = total(base, "trafficking")
    state_before = (index / "state.sqlite").read_bytes()
    proc = subprocess.Popen(
        rebuild_command(raw, index), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.5)  # inside the extraction of 800 captures
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (index / "state.sqlite").read_bytes() == state_before
    with running_server(index) as (base, _):
        assert total(base, "trafficking") == before
    again = ingest([ROOT / "raw"], index)
    assert again.unchanged == 5 and again.records == 5
