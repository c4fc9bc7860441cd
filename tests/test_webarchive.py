"""Web archives in: WARC, WARC.gz and WACZ files built here with warcio's own writer from
the layout fixtures, ingested through the real CLI into a real index (issue 14)."""

from __future__ import annotations

import html
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive.ingest
from indexer.backend import open_backend
from indexer.ingest import ingest
from indexer.query import parse_request

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "tests" / "fixtures" / "captures"
CLI = [sys.executable, str(ROOT / "archive_cli.py")]
POST = ["ppp-2017-night-market", "ppp-2013-police-blotter", "ppp-2000-hardwrapped-cooking"]
NIGHT_URL = "https://www.phnompenhpost.com/business/night-market-vendors-fear-eviction"


def post_page(name: str) -> bytes:
    """A Post text capture as the HTML page it was rendered from: one element per line."""
    lines = [ln.strip() for ln in (CAPTURES / f"{name}.txt").read_text("utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    body = "".join(f"<p>{html.escape(ln)}</p>" for ln in lines)
    return f"<html><head><title>{html.escape(lines[0])}</title></head><body>{body}</body></html>"


def expected(name: str) -> dict:
    return json.loads((CAPTURES / f"{name}.expect.json").read_text("utf-8"))


def response(writer, url, body: bytes, status="200 OK", mime="text/html; charset=utf-8", date=""):
    """One response record (with an HTTP header block) written by warcio."""
    http = StatusAndHeaders(status, [("Content-Type", mime)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),  # known: warcio then writes without a temporary file
        http_headers=http,
        warc_headers_dict={"WARC-Date": date or "2019-03-02T10:00:00Z"},
    )
    writer.write_record(record)


def crawl(gzip: bool = True) -> tuple[bytes, list[int]]:
    """A crawl of three Post stories (one captured twice), a Khmer Times page, and records
    to pass over; returns the bytes and each record's offset."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    offsets = []

    def add(*args, **kwargs):
        offsets.append(buf.tell())
        response(writer, *args, **kwargs)

    add(NIGHT_URL, post_page(POST[0]).encode(), date="2017-11-20T08:00:00Z")
    add("https://www.phnompenhpost.com/national/police-blotter", post_page(POST[1]).encode())
    add("https://www.phnompenhpost.com/lifestyle/cooking", post_page(POST[2]).encode())
    add(NIGHT_URL, post_page(POST[0]).encode(), date="2018-05-01T08:00:00Z")
    kt = (CAPTURES / "khmer-times-2022-wages.html").read_bytes()
    add("https://www.khmertimeskh.com/wages", kt)
    add("https://www.phnompenhpost.com/logo.png", b"\x89PNG\r\n", mime="image/png")
    add("https://www.phnompenhpost.com/old", b"", status="301 Moved Permanently")
    add("https://www.phnompenhpost.com/gone", b"<html>gone</html>", status="404 Not Found")
    offsets.append(buf.tell())
    revisit = writer.create_revisit_record(
        NIGHT_URL, digest="sha1:AAAA", refers_to_uri=NIGHT_URL, refers_to_date="2017-11-20"
    )
    writer.write_record(revisit)
    return buf.getvalue(), offsets


def cli(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def hits(index: Path, q: str) -> dict:
    with open_backend(index) as backend:
        return backend.search(parse_request({"q": [q]})).as_dict()


@pytest.fixture()
def warc(tmp_path) -> Path:
    folder = tmp_path / "crawls"
    folder.mkdir()
    path = folder / "post-crawl.warc.gz"
    path.write_bytes(crawl()[0])
    return path


def test_warc_pages_become_stories_with_url_capture_date_and_page_date(warc, tmp_path):
    index = tmp_path / "index"
    run = cli("ingest", str(warc), "--index", str(index))
    assert run.returncode == 0, run.stdout + run.stderr
    # five HTML pages, four stories (the night market twice); four records passed over
    assert "4 stories from 5 records" in run.stdout
    assert "5 HTML pages read" in run.stdout
    for reason in ("1 error status (4xx/5xx)", "1 not HTML", "1 redirect", "1 revisit without"):
        assert reason in run.stdout
    result = hits(index, '"night market"')
    assert result["total"] == 1
    hit = result["hits"][0]
    night = expected(POST[0])
    assert hit["title"] == night["title"]
    assert hit["date"].startswith("2017-11-16")  # the page's date, not WARC-Date
    assert hit["url"] == NIGHT_URL
    assert len(hit["captures"]) == 2  # one story, two captures
    assert {c["fetched"] for c in hit["captures"]} == {
        "2017-11-20T08:00:00Z",
        "2018-05-01T08:00:00Z",
    }


def test_post_profile_strips_chrome_from_archived_html_as_from_text(warc, tmp_path):
    run = cli("extract", str(warc), "--json")
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(records) == 5
    by_url = {}
    for r in records:
        by_url.setdefault(r["url"], r)
    for name, url in zip(
        POST,
        [
            NIGHT_URL,
            "https://www.phnompenhpost.com/national/police-blotter",
            "https://www.phnompenhpost.com/lifestyle/cooking",
        ],
        strict=True,
    ):
        record, want = by_url[url], expected(name)
        assert record["title"] == want["title"]
        assert record["reporters"] == want["reporters"]
        assert record["source"] == "Phnom Penh Post"
        for phrase in want["must_have"]:
            assert phrase in record["body"], (name, phrase)
        for phrase in want["must_not"]:
            assert phrase not in record["body"], (name, phrase)


def test_unchanged_warc_is_not_read_again_and_ids_do_not_depend_on_the_folder(
    warc, tmp_path, monkeypatch
):
    index = tmp_path / "index"
    first = ingest([warc], index)
    assert first.added == 5 and not first.failed

    def refuse(*args, **kwargs):
        raise AssertionError("an unchanged web archive was opened")

    monkeypatch.setattr(archive.ingest, "read_web_archive", refuse)
    again = ingest([warc.parent], index, prune=True)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)
    # The same WARC extracted from two working folders gives the same ids.
    ids = [
        {
            json.loads(line)["id"]
            for line in cli("extract", str(warc), "--json", cwd=cwd).stdout.splitlines()
        }
        for cwd in (ROOT, tmp_path)
    ]
    assert ids[0] == ids[1] and len(ids[0]) == 5


def test_changed_warc_drops_pages_no_longer_in_it(warc, tmp_path):
    index = tmp_path / "index"
    ingest([warc], index)
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    response(writer, NIGHT_URL, post_page(POST[0]).encode(), date="2017-11-20T08:00:00Z")
    warc.write_bytes(buf.getvalue())
    report = ingest([warc], index)
    assert (report.unchanged, report.removed) == (1, 4)
    assert hits(index, "blotter")["total"] == 0
    assert hits(index, '"night market"')["total"] == 1


def test_wacz_package_is_read(tmp_path):
    data, _ = crawl()
    wacz = tmp_path / "capture.wacz"
    with zipfile.ZipFile(wacz, "w") as package:
        package.writestr("archive/data.warc.gz", data, compress_type=zipfile.ZIP_STORED)
        package.writestr("datapackage.json", json.dumps({"profile": "data-package"}))
    index = tmp_path / "index"
    report = ingest([wacz], index)
    assert (report.added, report.documents, report.failed) == (5, 4, [])
    assert hits(index, '"minimum wage"')["total"] == 1


@pytest.mark.parametrize("gzip", [True, False])
def test_damaged_record_is_reported_by_offset_and_the_good_ones_kept(tmp_path, gzip):
    data, offsets = crawl(gzip=gzip)
    bad = bytearray(data)
    # Overwrite the start of the third record (the cooking story): its header is garbage.
    bad[offsets[2] : offsets[2] + 12] = b"\x00GARBAGE\x00\x00\x00\x00"
    path = tmp_path / ("damaged.warc.gz" if gzip else "damaged.warc")
    path.write_bytes(bytes(bad))
    index = tmp_path / "index"
    run = cli("ingest", str(path), "--index", str(index))
    assert run.returncode == 1
    assert f"{path.name} at offset {offsets[2]}" in run.stdout
    assert "damaged record" in run.stdout
    assert "Traceback" not in run.stderr
    assert hits(index, "blotter")["total"] == 1  # before the damage
    assert hits(index, '"minimum wage"')["total"] == 1  # after it
    assert hits(index, "cooking")["total"] == 0


def test_truncated_warc_keeps_what_came_before(tmp_path):
    data, offsets = crawl(gzip=True)
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: offsets[1] + 200])
    report = ingest([path], tmp_path / "index")
    assert report.added == 1
    assert report.failed and "cut.warc.gz at offset" in report.failed[0][0]
    assert "truncated" in report.failed[0][1]


def test_not_a_wacz(tmp_path):
    path = tmp_path / "broken.wacz"
    path.write_bytes(b"this is not a zip file at all")
    report = ingest([path], tmp_path / "index")
    assert report.added == 0
    assert report.failed[0][1].startswith("not a readable WACZ")


def test_a_damaged_archive_keeps_the_pages_it_had(warc, tmp_path):
    index = tmp_path / "index"
    ingest([warc], index)
    data = warc.read_bytes()
    warc.write_bytes(data[: len(data) // 3])  # cut short: later pages unreadable this time
    report = ingest([warc], index)
    assert report.failed and report.removed == 0
    assert hits(index, '"minimum wage"')["total"] == 1  # a page past the cut is still there
