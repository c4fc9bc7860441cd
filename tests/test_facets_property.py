"""Facet counts equal brute-force counts computed straight from the records, for random
queries and filter combinations (disjunctive: each facet counted without its own selection)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.facets import facet_values
from indexer.query import parse_request
from indexer.search import iter_hits, search
from indexer.store import open_index

WORDS = [
    "",
    "rights",
    "said",
    "human rights",
    "drugs",
    "police",
    "court",
    "the",
    "government",
    "minister",
    "trafficking OR wage",
    "-rights",
]
FILTER_POOL = {
    "speaker": ["Hun Sen", "Chin Malin", "Am Sam Ath", "Kin Phea", "Nobody Here"],
    "topic": ["Human rights", "Drugs", "Courts and justice", "Labour and wages"],
    "year": ["2016", "2021", "undated", "2013"],
    "source": ["Phnom Penh Post", "Khmer Times"],
    "type": ["article", "report"],
}


@pytest.fixture(scope="module")
def records(index_dir):
    """Every stored record with its facet values, keyed by document id."""
    with open_index(index_dir).searcher() as searcher:
        return {
            f["id"]: facet_values(json.loads(f["record"])) for f in searcher.all_stored_fields()
        }


def brute_force(records, text_ids, filters):
    """Expected total and per-facet counts, from plain Python sets."""

    def keep(doc, skip=None):
        return all(
            not values or any(v.lower() in (x.lower() for x in records[doc][name]) for v in values)
            for name, values in filters.items()
            if name != skip
        )

    total = sum(1 for doc in text_ids if keep(doc))
    counts = {}
    for name in ("year", "speaker", "topic", "source", "type"):
        counter = Counter()
        for doc in text_ids:
            if keep(doc, skip=name):
                counter.update(v.lower() for v in records[doc][name])
        counts[name] = counter
    return total, counts


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.sampled_from(WORDS),
    picks=st.dictionaries(
        st.sampled_from(sorted(FILTER_POOL)), st.integers(min_value=1, max_value=3), max_size=3
    ),
    data=st.data(),
)
def test_facet_counts_match_brute_force(index_dir, records, q, picks, data):
    filters = {
        name: data.draw(
            st.lists(st.sampled_from(FILTER_POOL[name]), min_size=1, max_size=n, unique=True)
        )
        for name, n in picks.items()
    }
    with open_index(index_dir).searcher() as searcher:
        text_ids = {h["id"] for h in iter_hits(searcher, parse_request({"q": [q]}), 10_000)}
        params = {"q": [q], "more": list(FILTER_POOL), **filters}
        result = search(searcher, parse_request(params))
    total, expected = brute_force(records, text_ids, filters)
    assert result["total"] == total
    for name, counter in expected.items():
        got = {
            v["value"].lower(): v["count"] for v in result["facets"][name]["values"] if v["count"]
        }
        assert got == dict(counter), name
