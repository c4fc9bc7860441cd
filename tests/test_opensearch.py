"""The road to OpenSearch (#13), as far as a machine without an OpenSearch server allows: the
mapping accepts every document we would send, the query DSL built from a SearchRequest is the
recorded one and means what our search means, answers are read back into the same typed
results, the export feeds _bulk, and an unreachable server is a clear error, never a 500.
Run this file as a script to re-record the DSL (only when it is meant to change)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.backend import open_backend
from indexer.lock import IndexError_
from indexer.opensearch import dsl, response
from indexer.opensearch.documents import document_of
from indexer.opensearch.mapping import MAPPING_FILE, index_body, mapping_text
from indexer.query import parse_request
from indexer.registry import FACET_NAMES

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "opensearch_dsl.json"
REQUESTS = [
    "",
    "q=trafficking",
    "q=%22Hun+Sen%22",
    "q=land+OR+drugs+-blacklist",
    "q=traf*&sort=newest",
    "q=kheng~2&sort=oldest&page=3",
    "q=title:justice+text:court",
    "q=said&speaker=Sar+Kheng&speaker=Hun+Manet&topic=Drugs",
    "q=said&from=2016&to=2022-06&more=org",
    "q=speaker:%22Sar+Kheng%22+-topic:drugs+date:2016..2018+person:%22hun+sen%22",
]


def request_of(query: str):
    """A SearchRequest from a URL query string."""
    from urllib.parse import parse_qs

    return parse_request(parse_qs(query))


def bodies() -> dict:
    """The search and summary bodies of every recorded request."""
    out = {}
    for query in REQUESTS:
        out["search?" + query] = dsl.search_body(request_of(query))
        out["summary?" + query] = dsl.summary_body(request_of(query))
    out["speaker Sar Kheng, trafficking, page 2"] = dsl.speaker_body(
        "Sar Kheng", "trafficking", 25, 25
    )
    return out


def test_query_dsl_is_the_recorded_one():
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(bodies()))
    assert list(now) == list(recorded)
    for key, body in recorded.items():
        assert now[key] == body, key


def test_each_facet_is_counted_with_its_own_selection_lifted():
    body = dsl.search_body(request_of("q=said&speaker=Sar+Kheng&topic=Drugs&from=2016"))
    in_range = {"range": {"day": {"gte": 20160101}}}
    speaker = {"terms": {"facet.speaker.folded": ["sar kheng"]}}
    topic = {"terms": {"facet.topic.folded": ["drugs"]}}
    # Hits: every selection and the range, as a post_filter (aggregations see the base set).
    assert body["post_filter"] == {"bool": {"filter": [speaker, topic, in_range]}}
    assert body["aggs"]["facet:speaker"]["filter"] == {"bool": {"filter": [topic, in_range]}}
    assert body["aggs"]["facet:topic"]["filter"] == {"bool": {"filter": [speaker, in_range]}}
    assert body["aggs"]["facet:year"]["filter"] == body["post_filter"]
    # Selected values are counted whatever their rank.
    assert body["aggs"]["facet:speaker"]["aggs"]["selected"]["terms"]["include"] == ["sar kheng"]
    assert body["aggs"]["without:date"]["filter"] == {"bool": {"filter": [speaker, topic]}}


def test_typed_filters_narrow_the_base_query():
    body = dsl.search_body(request_of("q=court+-topic:drugs+speaker:%22Chin+Malin%22+date:2016"))
    query = body["query"]["bool"]
    assert query["must"][0]["query_string"]["query"] == "court"
    assert query["must"][0]["query_string"]["default_operator"] == "AND"
    assert {"terms": {"facet.speaker.folded": ["chin malin"]}} in query["filter"]
    assert {"range": {"day": {"gte": 20160101, "lte": 20161231}}} in query["filter"]
    assert query["must_not"] == [{"terms": {"facet.topic.folded": ["drugs"]}}]
    browsing = dsl.search_body(request_of(""))
    assert browsing["query"]["bool"]["must"] == [{"match_all": {}}]
    assert browsing["sort"] == [{"day": "desc"}, {"id": "desc"}] and "highlight" not in browsing


def test_every_document_fits_the_strict_mapping(index_dir):
    properties = index_body()["mappings"]["properties"]
    with open_backend(index_dir) as backend:
        stories = list(backend.stories())
    for story in stories:
        document = document_of(story)
        assert set(document) <= set(properties), set(document) - set(properties)
        assert set(document["facet"]) == set(FACET_NAMES) == set(properties["facet"]["properties"])
        quote_fields = set(properties["quotes"]["properties"])
        assert all(set(q) <= quote_fields for q in document["quotes"])
        assert document["day"] == (
            int(story.record["date"][:10].replace("-", "")) if story.record.get("date") else 0
        )


def test_the_mapping_file_is_generated_from_the_code():
    assert MAPPING_FILE.read_text(encoding="utf-8") == mapping_text()


def test_an_answer_is_read_into_the_same_typed_result():
    request = request_of("q=land&speaker=Rare+Person")
    hit = {
        "_score": 2.5,
        "_source": {
            "id": "a" * 16,
            "body": "First paragraph about land.\n\nSecond.",
            "record": {
                "title": None,
                "date": "2016-12-14",
                "source": "Phnom Penh Post",
                "quotes": [{"speaker": "Sar Kheng", "text": "The land is ours"}],
            },
        },
        "highlight": {"quote_text": ['The <mark class="hl">land</mark> is ours']},
    }
    spelling = {"buckets": [{"key": "Sar Kheng", "doc_count": 1}]}
    answer = {
        "hits": {"total": {"value": 1}, "hits": [hit]},
        "aggregations": {
            **{f"facet:{n}": {"doc_count": 1, "values": {"buckets": []}} for n in FACET_NAMES},
            "facet:speaker": {
                "doc_count": 1,
                "values": {
                    "sum_other_doc_count": 4,
                    "buckets": [{"key": "sar kheng", "doc_count": 1, "spelling": spelling}],
                },
                "selected": {"buckets": []},
            },
            "timeline": {
                "doc_count": 1,
                "months": {
                    "buckets": [
                        {"key_as_string": "201611", "key": 1477958400000, "doc_count": 0},
                        {"key_as_string": "201612", "key": 1480550400000, "doc_count": 1},
                    ]
                },
            },
        },
        "suggest": {"words": []},
    }
    result = response.result_of(request, answer)
    assert result.total == 1 and result.hits[0].score == 2.5
    assert result.hits[0].display_title == "First paragraph about land."
    assert (result.hits[0].snippet, result.hits[0].quote_by) == (
        'The <mark class="hl">land</mark> is ours',
        "Sar Kheng",
    )
    speaker = result.facets["speaker"]
    assert speaker.truncated and [(v.value, v.count, v.selected) for v in speaker.values] == [
        ("Sar Kheng", 1, False),
        ("Rare Person", 0, True),  # a selected value with no hits stays listed, as ours
    ]
    assert result.timeline.unit == "year" and result.timeline.buckets[0].key == "2016"


def cli(*args, env=None):
    """`archive ...` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "archive_cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_export_feeds_the_bulk_api(index_dir, tmp_path):
    with open_backend(index_dir) as backend:
        expected = {s.id: s for s in backend.stories()}
    out = cli(
        "export", "--index", str(index_dir), "--format", "opensearch-bulk", "--target", "news"
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    actions, documents = lines[0::2], lines[1::2]
    assert [a["index"]["_index"] for a in actions] == ["news"] * len(expected)
    assert [a["index"]["_id"] for a in actions] == [d["id"] for d in documents] == sorted(expected)
    assert all(d["body"] == expected[d["id"]].body for d in documents)
    target = tmp_path / "stories.jsonl"
    out = cli("export", "--index", str(index_dir), "--format", "jsonl", "-o", str(target))
    assert out.returncode == 0 and f"{len(expected)} stories written" in out.stderr
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert {r["id"]: r["record"] for r in records} == {i: s.record for i, s in expected.items()}
    missing = cli("export", "--index", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no index" in missing.stderr and not missing.stdout


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ARCHIVE_BACKEND", "opensearch")
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    with pytest.raises(IndexError_, match="needs OPENSEARCH_URL"):
        open_backend(tmp_path)
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("OPENSEARCH_URL", url)
    with open_backend(tmp_path) as backend, pytest.raises(IndexError_, match="cannot be reached"):
        backend.search(parse_request({"q": ["land"]}))
    from webui import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path), "SECRET_KEY": "t"})
    page = app.test_client().get("/search?q=land")
    assert page.status_code == 503 and b"cannot be reached" in page.data
    api = app.test_client().get("/api/search?q=land")
    assert api.status_code == 503 and "cannot be reached" in api.get_json()["error"]
    searched = cli(
        "search",
        "land",
        "--index",
        str(tmp_path),
        env={"ARCHIVE_BACKEND": "opensearch", "OPENSEARCH_URL": url},
    )
    assert searched.returncode == 2 and "cannot be reached" in searched.stderr


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(bodies(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"recorded {GOLDEN}")
