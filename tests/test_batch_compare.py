"""Batch search of a list of names and queries compared over time (issue 14), through the
API, the pages and the CLI, on the real index of the seeds and layout captures."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.compare import MAX_BATCH_LINES, as_phrase

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, str(ROOT / "archive_cli.py")]


def api_totals(client, q: str, **params) -> int:
    query = "&".join([f"q={q}", *(f"{k}={v}" for k, v in params.items())])
    return client.get(f"/api/search?{query}").get_json()["total"]


def test_api_batch_counts_each_line_like_the_search_box(client):
    answer = client.post("/api/batch", json={"queries": ["Sar Kheng", "trafficking", "zzzq"]})
    assert answer.status_code == 200
    rows = answer.get_json()["rows"]
    assert [r["query"] for r in rows] == ["trafficking", '"Sar Kheng"', "zzzq"]  # by hits
    by_query = {r["query"]: r for r in rows}
    assert by_query["trafficking"]["total"] == api_totals(client, "trafficking") == 2
    kheng = by_query['"Sar Kheng"']
    assert kheng["total"] == api_totals(client, "%22Sar+Kheng%22")
    assert kheng["as_speaker"] == api_totals(client, "", speaker="Sar+Kheng") == 1
    assert (kheng["first"], kheng["last"]) == ("2016-12-14", "2016-12-14")
    assert kheng["url"] == "/search?q=%22Sar+Kheng%22"
    assert by_query["zzzq"]["total"] == 0 and by_query["zzzq"]["first"] is None


def test_api_batch_form_field_and_the_current_filters(client):
    answer = client.post("/api/batch?year=2022", data={"q": "trafficking\nHun Sen\n\n"})
    data = answer.get_json()
    assert data["filters"] == {"year": ["2022"]}
    by_query = {r["query"]: r for r in data["rows"]}
    assert by_query["trafficking"]["total"] == api_totals(client, "trafficking", year=2022)
    assert by_query['"Hun Sen"']["url"].endswith("&year=2022")


def test_batch_lines_with_bad_queries_get_the_search_box_message(client):
    rows = client.post(
        "/api/batch", json={"queries": ["topic:drugs OR land", "trafficking"]}
    ).get_json()["rows"]
    assert rows[-1]["query"] == "topic:drugs OR land"
    assert "joined by OR" in rows[-1]["error"]
    assert rows[0]["error"] is None


@pytest.mark.parametrize(
    "body,message",
    [
        ({"json": {"queries": []}}, "The list is empty"),
        ({"json": {"queries": "Hun Sen"}}, '{"queries"'),
        ({"data": {"q": "\n".join(f"name {i}" for i in range(10_000))}}, "10,000 lines"),
        ({"data": {"q": "x"}, "query_string": {"colour": "red"}}, "unknown parameter"),
        ({"data": {"q": "x"}, "query_string": {"from": "yesterday"}}, "is not a date"),
    ],
)
def test_bad_batch_requests_are_400_with_a_message(client, body, message):
    answer = client.post("/api/batch", **body)
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]


def test_batch_page_upload_csv_and_binary(client):
    page = client.get("/batch?topic=Drugs")
    assert page.status_code == 200
    assert f"At most {MAX_BATCH_LINES} lines" in page.get_data(as_text=True)
    assert 'name="topic" value="Drugs"' in page.get_data(as_text=True)
    upload = io.BytesIO(b"name,notes\nSar Kheng,minister\ntrafficking,word\n")
    answer = client.post(
        "/batch",
        data={"file": (upload, "names.csv"), "format": "csv"},
        content_type="multipart/form-data",
    )
    table = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert table[0] == ["query", "total", "as_speaker", "first", "last", "error"]
    assert [row[:3] for row in table[1:]] == [["trafficking", "2", "0"], ['"Sar Kheng"', "1", "1"]]
    binary = client.post(
        "/batch",
        data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "photo.png")},
        content_type="multipart/form-data",
    )
    assert binary.status_code == 400
    assert "is not a text file" in binary.get_data(as_text=True)


def test_batch_page_escapes_what_it_echoes(client):
    answer = client.post("/batch", data={"q": '<script>alert(1)</script>\n"<img src=x>"'})
    text = answer.get_data(as_text=True)
    assert "<script>alert(1)" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;" in text


def test_plain_names_become_phrases_query_syntax_does_not():
    assert as_phrase("Kem Sokha") == '"Kem Sokha"'
    assert as_phrase("trafficking") == "trafficking"
    for query in ('"Hun Sen"', "speaker:Sokha", "land OR forest", "drug*", "Hun -Sen"):
        assert as_phrase(query) == query


def test_compare_series_match_the_search_page_counts(client):
    data = client.get("/compare.json?q=trafficking&q=%22Sar+Kheng%22&q=topic:Drugs").get_json()
    assert data["unit"] == "year"
    totals = [s["total"] for s in data["series"]]
    assert totals == [
        api_totals(client, "trafficking"),
        api_totals(client, "%22Sar+Kheng%22"),
        api_totals(client, "topic:Drugs"),
    ]
    for series in data["series"]:
        assert len(series["counts"]) == len(data["periods"]) == len(data["all_stories"])
        for count, share, everything in zip(
            series["counts"], series["shares"], data["all_stories"], strict=True
        ):
            assert count <= everything
            assert share == (round(count / everything, 4) if everything else 0.0)
    assert data["periods"] == sorted(data["periods"])


def test_compare_page_csv_and_errors(client):
    page = client.get("/compare?q=trafficking&q=%22Sar+Kheng%22&measure=share")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg class="compare"' in text and 'id="compare-data"' in text
    rows = list(
        csv.reader(io.StringIO(client.get("/compare.csv?q=trafficking").get_data(as_text=True)))
    )
    assert rows[0] == ["period", "all stories", "trafficking (count)", "trafficking (share)"]
    for url, status in [
        ("/compare?" + "&".join(f"q=w{i}" for i in range(6)), 400),
        ("/compare?q=x&unit=fortnight", 400),
        ("/compare?q=x&measure=ratio", 400),
        ("/compare.json?q=x&page=2", 400),
        ("/compare", 200),
    ]:
        assert client.get(url).status_code == status, url
    one_bad = client.get("/compare?q=trafficking&q=topic:drugs+OR+land").get_data(as_text=True)
    assert "joined by OR" in one_bad


def test_results_page_links_to_compare_and_batch_with_its_filters(client):
    text = client.get("/search?q=trafficking&year=2016").get_data(as_text=True)
    assert 'href="/compare?q=trafficking&amp;q=&amp;year=2016"' in text
    assert 'href="/batch?year=2016"' in text


def cli(*args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=120)


def test_cli_batch_json_csv_and_bad_files(index_dir, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("Sar Kheng\ntrafficking\n", encoding="utf-8")
    run = cli("batch", str(names), "--index", str(index_dir), "--json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)["rows"]
    assert [(r["query"], r["total"], r["as_speaker"]) for r in rows] == [
        ("trafficking", 2, 0),
        ('"Sar Kheng"', 1, 1),
    ]
    run = cli(
        "batch", "-", "--index", str(index_dir), "--csv", "--year", "2016", stdin=b"trafficking\n"
    )
    assert run.stdout.decode().splitlines()[1].startswith("trafficking,1,")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    run = cli("batch", str(binary), "--index", str(index_dir))
    assert run.returncode == 2 and b"not a UTF-8 text" in run.stderr
    run = cli("batch", str(tmp_path / "missing.txt"), "--index", str(index_dir))
    assert run.returncode == 2 and b"cannot read" in run.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    run = cli("batch", str(empty), "--index", str(index_dir))
    assert run.returncode == 2 and b"The list is empty" in run.stderr


def test_cli_compare(index_dir):
    run = cli("compare", "trafficking", '"Sar Kheng"', "--index", str(index_dir), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert [s["total"] for s in data["series"]] == [2, 1]
    run = cli("compare", *[f"w{i}" for i in range(6)], "--index", str(index_dir))
    assert run.returncode == 2 and b"At most 5 queries" in run.stderr


def test_openapi_describes_the_batch_and_compare_answers_as_sent(client):
    doc = client.get("/api/openapi.json").get_json()

    def schema(path, method):
        op = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        return op["schema"]

    batch = schema("/api/batch", "post")
    answer = client.post("/api/batch", json={"queries": ["Sar Kheng"]}).get_json()
    assert set(answer) == set(batch["properties"])
    assert set(answer["rows"][0]) == set(batch["properties"]["rows"]["items"]["properties"])
    compared = schema("/compare.json", "get")
    answer = client.get("/compare.json?q=trafficking").get_json()
    assert set(answer) == set(compared["properties"])
    assert set(answer["series"][0]) == set(compared["properties"]["series"]["items"]["properties"])
