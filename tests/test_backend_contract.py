"""The search-backend contract (#13): the same behaviours asked of every backend, checked
against brute force over the stories the backend itself returns. Whoosh always runs; the
OpenSearch backend runs when OPENSEARCH_URL points at a server (none can be installed on
the machines CI uses), on an index of its own that is deleted afterwards."""

from __future__ import annotations

import os
import re
import uuid
from collections import Counter

import pytest

from indexer.backend import open_backend
from indexer.ingest import ingest
from indexer.query import parse_request
from indexer.registry import FACETS, UNDATED, facet_values


@pytest.fixture(scope="module", params=["whoosh", "opensearch"])
def backend(request, corpus, index_dir, tmp_path_factory):
    """Each backend holding the same corpus."""
    if request.param == "whoosh":
        with open_backend(index_dir, name="whoosh") as whoosh:
            yield whoosh
        return
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("OPENSEARCH_URL is not set: no OpenSearch server to run the contract on")
    from indexer.opensearch.backend import OpenSearchBackend

    server = OpenSearchBackend(url, f"archive-test-{uuid.uuid4().hex[:8]}")
    folder = tmp_path_factory.mktemp("opensearch-state")
    report = ingest([corpus / "raw", corpus / "captures"], folder, backend=server)
    assert not report.failed, report.failed
    yield server
    server.client.indices.delete(index=server.name)
    server.close()


@pytest.fixture(scope="module")
def stories(backend):
    """Every story with its facet values, as the backend returns them."""
    return {s.id: (s, facet_values(s.record)) for s in backend.stories()}


def search(backend, **params):
    """A search with URL-style parameters."""
    return backend.search(
        parse_request({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    )


def every_id(backend, **params) -> list[str]:
    """Ids of every hit, page by page."""
    first = search(backend, **params)
    ids = [h.id for h in first.hits]
    for page in range(2, first.pages + 1):
        ids += [h.id for h in search(backend, page=str(page), **params).hits]
    return ids


def test_browsing_everything_counts_every_story(backend, stories):
    result = search(backend)
    assert result.total == len(stories) == backend.document_count() > 5
    for facet in FACETS:
        expected = Counter(v.lower() for _, values in stories.values() for v in values[facet.name])
        got = {v.value.lower(): v.count for v in result.facets[facet.name].values}
        assert got == {k: expected[k] for k in got}, facet.name
        assert len(got) == min(len(expected), 10) or result.facets[facet.name].truncated


def test_facet_counts_are_disjunctive(backend, stories):
    speakers = Counter(v for _, values in stories.values() for v in values["speaker"])
    chosen = [name for name, _ in speakers.most_common(2)]
    result = search(backend, speaker=chosen, more="speaker")
    having = {i for i, (_, v) in stories.items() if set(v["speaker"]) & set(chosen)}
    assert result.total == len(having)
    # The speaker facet is counted as if its selection were lifted: every speaker is listed.
    listed = {v.value: v.count for v in result.facets["speaker"].values}
    assert listed == dict(speakers)
    assert all(v.selected == (v.value in chosen) for v in result.facets["speaker"].values)
    # Other facets count only the selected stories.
    topics = Counter(t for i in having for t in stories[i][1]["topic"])
    assert {v.value: v.count for v in result.facets["topic"].values} == dict(
        topics.most_common(10)
    ) or result.facets["topic"].truncated


def test_typed_filters_and_date_range(backend, stories):
    topic = Counter(t for _, v in stories.values() for t in v["topic"]).most_common(1)[0][0]
    without = set(every_id(backend, q=f'-topic:"{topic}"'))
    assert without == {i for i, (_, v) in stories.items() if topic not in v["topic"]}
    dated = every_id(backend, **{"from": "2016", "to": "2022-06"})
    expected = {
        i
        for i, (s, _) in stories.items()
        if s.record.get("date") and "2016" <= s.record["date"][:7] <= "2022-06"
    }
    assert set(dated) == expected and expected


def test_sorting_by_date_puts_undated_last(backend):
    for sort, step in (("newest", -1), ("oldest", 1)):
        hits = [h for page in (1, 2) for h in search(backend, sort=sort, page=str(page)).hits]
        dates = [h.date[:10] for h in hits if h.date]
        assert dates == sorted(dates, reverse=step < 0)
        undated = [i for i, h in enumerate(hits) if not h.date]
        assert all(i >= len(dates) for i in undated)


def test_phrases_are_adjacent_words(backend, stories):
    phrase_ids = set(every_id(backend, q='"human rights"'))
    words_ids = set(every_id(backend, q="human rights"))
    assert phrase_ids and phrase_ids <= words_ids
    for story_id in phrase_ids:
        story = stories[story_id][0]
        text = " ".join([story.record.get("title") or "", story.body])
        assert re.search(r"human\W+rights?", text, re.I), story_id


def test_pages_cover_the_total_without_repeats(backend):
    ids = every_id(backend, q="said")
    assert len(ids) == len(set(ids)) == search(backend, q="said").total > 10
    assert set(ids) == {h.id for h in backend.iter_hits(parse_request({"q": ["said"]}), 10_000)}


def test_snippets_and_article_highlights_mark_the_words(backend):
    hit = search(backend, q="trafficking").hits[0]
    assert re.search(r"<mark[^>]*>traffick", hit.snippet, re.I)
    story = backend.story(hit.id)
    marked = [p for p in backend.marked_paragraphs(story.body, "trafficking") if p]
    assert marked and all("<mark" in p for p in marked)


def test_a_story_is_found_by_any_capture_id(backend, stories):
    for story, _ in stories.values():
        for capture in story.record["captures"]:
            found = backend.story(capture["id"])
            assert (found.id, found.body) == (story.id, story.body)
    assert backend.story("0" * 16) is None


def test_summary_agrees_with_search(backend, stories):
    for q in ("", "said", '"human rights"'):
        request = parse_request({"q": [q]})
        summary = backend.summary(request)
        assert summary.total == backend.search(request).total
        dated = [
            stories[i][0].record["date"]
            for i in every_id(backend, q=q)
            if stories[i][1]["year"] != [UNDATED]
        ]
        assert sum(summary.periods.values()) == len(dated)
        assert summary.first == min(dated)[:10] and summary.last == max(dated)[:10]


def test_speaker_quotes_are_that_speakers(backend, stories):
    name = Counter(v for _, values in stories.values() for v in values["speaker"]).most_common(1)[
        0
    ][0]
    found = backend.speaker_quotes(name)
    assert found["all_documents"] == sum(1 for _, v in stories.values() if name in v["speaker"])
    assert found["entries"] and all(
        q["speaker"].lower() == name.lower() for e in found["entries"] for q in e["quotes"]
    )
    assert backend.speaker_quotes("Nobody Of That Name") is None
