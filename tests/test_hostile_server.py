"""Hostile input against the running server (`archive serve`, waitress, loopback only), and
load: 50 concurrent readers while an ingest commits. Every answer has the right status,
escaped output, and never a 500."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from indexer.ingest import ingest
from tests.helpers import XSS_PAYLOADS, assert_no_injection, http_get, running_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402

LOAD_SECONDS = float(os.environ.get("ARCHIVE_LOAD_SECONDS", "15"))
CLIENTS = int(os.environ.get("ARCHIVE_LOAD_CLIENTS", "50"))


def get(url: str, data: bytes | None = None, headers: dict | None = None):
    """(status, body text) of one request, with the 30 s timeout the load figures assume."""
    return http_get(url, data, headers, timeout=30)


@pytest.fixture(scope="module")
def hostile_server(corpus, tmp_path_factory):
    """An index with documents whose titles and bodies carry payloads, served for real."""
    base = tmp_path_factory.mktemp("hostile")
    raw = base / "raw"
    shutil.copytree(corpus / "raw", raw)
    for i, payload in enumerate(XSS_PAYLOADS):
        (raw / f"evil-{i:02d}.txt").write_text(
            f"{payload} evil headline {i} | Phnom Penh Post\n\n{payload} evil headline {i}\n\n"
            f"Reporter : Sok {chr(65 + i % 26)}ara\n\n"
            f"The body mentions {payload} as written, and payload number {i} is quoted here. "
            f"“{payload} is what they typed,” said Chin Malin, a ministry spokesman.\n",
            encoding="utf-8",
        )
    index_dir = base / "index"
    report = ingest([raw], index_dir)
    assert report.records == 5 + len(XSS_PAYLOADS)
    with running_server(index_dir, threads=16) as (url, _):
        yield {"url": url, "index": index_dir, "raw": raw}


def test_payloads_in_queries_facets_and_documents_are_escaped(hostile_server):
    base = hostile_server["url"]
    tried = 0
    for payload in XSS_PAYLOADS:
        quoted = urllib.parse.quote(payload)
        for path in (
            f"/search?q={quoted}",
            f"/search?q=evil&speaker={quoted}",
            f"/search?q=evil&topic={quoted}&reporter={quoted}",
            "/search?q=evil+headline",
            f"/search?q={quoted}&sort=newest",
        ):
            status, body = get(base + path)
            assert status == 200, (path, status)
            assert_no_injection(body)
            tried += 1
    listing = json.loads(get(base + "/api/search?q=evil+headline&more=reporter")[1])
    for hit in listing["hits"]:
        status, body = get(base + f"/article/{hit['id']}?q=evil")
        assert status == 200
        assert_no_injection(body)
        tried += 1
    status, body = get(base + "/speaker/Chin%20Malin")
    assert status == 200
    assert_no_injection(body)
    assert tried >= 5 * 50


def test_payloads_in_saved_search_names_are_escaped(hostile_server):
    import http.cookiejar
    import re

    base = hostile_server["url"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/search?q=evil").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    for payload in XSS_PAYLOADS:
        form = urllib.parse.urlencode(
            {"name": payload, "query": "q=evil", "csrf_token": token}
        ).encode()
        opener.open(base + "/save", data=form).read()
    listing = opener.open(base + "/saved").read().decode()
    assert_no_injection(listing)
    feed_links = re.findall(r'href="(/s/[^"]+/feed.atom)"', listing)
    assert len(feed_links) == len(set(XSS_PAYLOADS))
    import xml.etree.ElementTree as ET

    for link in feed_links[:10]:
        ET.fromstring(opener.open(base + link).read())  # well-formed, payload escaped


@pytest.mark.parametrize(
    "path,status",
    [
        ("/search?q=" + "x" * 20000, 200),
        ("/search?page=" + "9" * 50, 400),
        ("/search?page=-5", 400),
        ("/search?from=2016-02-30", 400),
        ("/search?from=2016&to=1999", 400),
        ("/search?to=" + "1" * 5000, 400),
        ("/search?sort=%3Cscript%3E", 400),
        ("/search?favourite_colour=red", 400),
        ("/search?more=%3Cb%3E", 400),
        ("/api/search?page=0", 400),
        ("/article/%3Cscript%3E", 404),
        ("/article/" + "a" * 16, 404),
        ("/s/%3Cscript%3E", 404),
        ("/s/nope-000000/feed.atom", 404),
        ("/speaker/" + "x" * 300, 404),
        ("/export.csv?page=x", 400),
    ],
)
def test_bad_parameters_get_the_right_status(hostile_server, path, status):
    got, body = get(hostile_server["url"] + path)
    assert got == status
    assert "Traceback" not in body
    if got == 400:
        assert_no_injection(body)


def test_malformed_json_and_wrong_methods_are_not_500(hostile_server):
    base = hostile_server["url"]
    for path in ("/api/search", "/search", "/"):
        status, body = get(
            base + path, data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert status == 405, (path, status)
    status, body = get(base + "/api/search?q=%7B%22a%22", headers={"Accept": "application/json"})
    assert status == 200 and json.loads(body)["total"] >= 0


@pytest.mark.parametrize(
    "form",
    [
        {"name": "forged", "query": "q=evil"},
        {"name": "forged", "query": "q=evil", "csrf_token": "guess"},
        {"name": "forged", "query": "q=evil", "csrf_token": ""},
    ],
)
def test_csrf_attempts_are_refused(hostile_server, form):
    status, body = get(
        hostile_server["url"] + "/save",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Origin": "http://evil.example"},
    )
    assert status == 400
    assert "did not come from this site" in body


@pytest.mark.slow
def test_load_while_ingesting(hostile_server, tmp_path, artifacts):
    base = hostile_server["url"]
    extra = tmp_path / "extra"
    write_corpus(300, extra)
    for path in extra.rglob("*.*"):
        shutil.copy(path, hostile_server["raw"] / path.name)
    latencies, errors, totals = [], [], []
    lock = threading.Lock()
    stop = time.monotonic() + LOAD_SECONDS
    queries = ["union", "evil headline", "court", "rights", "election drugs", "land"]

    def reader(n: int) -> None:
        i = n
        while time.monotonic() < stop:
            q = queries[i % len(queries)]
            i += 1
            started = time.perf_counter()
            try:
                status, body = get(base + "/api/search?" + urllib.parse.urlencode({"q": q}))
                ok = status == 200
                total = json.loads(body)["total"] if ok else None
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                ok, total = False, repr(exc)
            with lock:
                latencies.append(time.perf_counter() - started)
                if not ok:
                    errors.append((q, total))
                elif q == "union":
                    totals.append(total)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    report = ingest([hostile_server["raw"]], hostile_server["index"])
    for t in threads:
        t.join()
    p95 = statistics.quantiles(latencies, n=20)[18] * 1000
    (artifacts / "load.json").write_text(
        json.dumps(
            {
                "clients": CLIENTS,
                "seconds": LOAD_SECONDS,
                "requests": len(latencies),
                "errors": len(errors),
                "p95_ms": p95,
                "ingested": report.added,
            }
        )
    )
    assert errors == []
    assert len(latencies) > CLIENTS
    assert report.added == 300
    # Readers were answered from the old index while the ingest ran, and the server serves
    # the new one once it committed, without a restart.
    final = json.loads(get(base + "/api/search?q=union")[1])["total"]
    assert min(totals) < final
    assert set(totals) <= {min(totals), final}
