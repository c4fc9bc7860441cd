"""Issue 15, security and crash items: links out of the ingest root, looping links outside
the working folder, `javascript:` URLs and the security headers. Built as an attacker would:
real files and links on disk, a real `archive serve`, real HTTP requests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from archive.extract import extract_file
from indexer.ingest import ingest
from tests.helpers import running_server

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "tests" / "fixtures" / "captures" / "ppp-2017-night-market.txt"
SECRET = "Classified ledger of the minister 7731"


def outside_and_inside(tmp_path: Path) -> tuple[Path, Path]:
    """A raw folder holding one good capture and a link to a capture outside it."""
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}. " * 20, encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(GOOD, raw / "good.txt")
    (raw / "leak.txt").symlink_to(outside / "secret.txt")
    (raw / "leakdir").symlink_to(outside, target_is_directory=True)
    return raw, outside


def test_links_leaving_the_ingest_root_are_reported_not_published(tmp_path):
    raw, _ = outside_and_inside(tmp_path)
    report = ingest([raw], tmp_path / "index")
    failed = {Path(path).name: reason for path, reason in report.failed}
    assert report.added == 1
    assert "leads outside" in failed["leak.txt"] and "--follow-links" in failed["leak.txt"]
    assert "leads outside" in failed["leakdir"]


def test_follow_links_says_to_follow_them(tmp_path):
    raw, _ = outside_and_inside(tmp_path)
    report = ingest([raw], tmp_path / "index", follow_links=True)
    assert report.added == 3 and not report.failed


def test_links_inside_the_root_are_followed(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2017").mkdir(parents=True)
    shutil.copy(GOOD, raw / "2017" / "good.txt")
    (raw / "latest").symlink_to(raw / "2017", target_is_directory=True)
    report = ingest([raw], tmp_path / "index")
    assert report.added >= 1 and not any("outside" in r for _, r in report.failed)


def test_self_loop_outside_the_working_folder_is_reported(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(GOOD, raw / "good.txt")
    (raw / "loop").symlink_to(raw / "loop")
    # Run from / so that the folder is outside the working folder, as in the report.
    out = subprocess.run(
        [sys.executable, "-m", "archive_cli", "ingest", str(raw), "--index", str(tmp_path / "i")],
        cwd="/",
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert "Traceback" not in out.stderr, out.stderr
    assert "loop" in out.stdout + out.stderr and "broken or looping" in out.stdout + out.stderr
    assert out.returncode == 1  # a file was skipped; the good one is indexed


def test_javascript_urls_never_become_links(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    html = (
        '<html><head><meta property="og:url" content="javascript:fetch(\'//evil\')">'
        "<title>Police seize drugs</title></head><body><article><h1>Police seize drugs</h1>"
        + "<p>Police in Phnom Penh seized 50 kilograms of drugs on Monday, officials said.</p>" * 8
        + "</article></body></html>"
    )
    (raw / "page.html").write_text(html, encoding="utf-8")
    shutil.copy(GOOD, raw / "side.txt")
    (raw / "side.meta.json").write_text('{"url": "JavaScript:alert(1)"}', encoding="utf-8")
    assert extract_file(raw / "page.html").url is None
    assert extract_file(raw / "side.txt").url is None
    ingest([raw], tmp_path / "index")
    with running_server(tmp_path / "index") as (base, _):
        listing = urllib.request.urlopen(base + "/search?q=police").read().decode()
        ids = {part.split('"')[0] for part in listing.split('href="/article/')[1:]}
        assert ids
        for article_id in ids:
            with urllib.request.urlopen(f"{base}/article/{article_id}") as answer:
                page = answer.read().decode().lower()
                headers = answer.headers
            assert "javascript:" not in page
            assert "default-src 'self'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "same-origin"
