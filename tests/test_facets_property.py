"""Facet counts equal brute-force counts computed straight from the records, for random
queries and filter combinations (disjunctive: each facet counted without its own selection)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.backend import open_backend
from indexer.query import parse_request
from indexer.registry import facet_values

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
    with open_backend(index_dir) as backend:
        return {story.id: facet_values(story.record) for story in backend.stories()}


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
    with open_backend(index_dir) as backend:
        text_ids = {h.id for h in backend.iter_hits(parse_request({"q": [q]}), 10_000)}
        params = {"q": [q], "more": list(FILTER_POOL), **filters}
        result = backend.search(parse_request(params))
    total, expected = brute_force(records, text_ids, filters)
    assert result.total == total
    for name, counter in expected.items():
        got = {v.value.lower(): v.count for v in result.facets[name].values if v.count}
        assert got == dict(counter), name


# Issue 15: field filters typed with boolean syntax. Each expression is one of the forms the
# search honours; the expected total comes from plain sets, with AND between expressions.
def filter_expression(name: str, values: list[str], form: str) -> tuple[str, str, list[str]]:
    """(query text, 'include' or 'exclude', values) for one typed filter form."""
    quoted = [f'{name}:"{v}"' for v in values]
    if form == "or":
        return " OR ".join(quoted), "include", values
    if form == "not":
        return f"NOT {quoted[0]}", "exclude", values[:1]
    if form == "minus":
        return f"-{quoted[0]}", "exclude", values[:1]
    if form == "paren":
        return f"({quoted[0]})", "include", values[:1]
    return quoted[0], "include", values[:1]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.sampled_from(["", "rights", "said", "police", "court"]),
    parts=st.lists(
        st.tuples(
            st.sampled_from(["speaker", "topic", "source", "type"]),
            st.sampled_from(["plain", "or", "not", "minus", "paren"]),
        ),
        min_size=1,
        max_size=3,
    ),
    data=st.data(),
)
def test_boolean_filters_in_the_box_match_brute_force(index_dir, records, q, parts, data):
    texts, groups, excluded = [q] if q else [], [], []
    for name, form in parts:
        values = data.draw(
            st.lists(st.sampled_from(FILTER_POOL[name]), min_size=2, max_size=2, unique=True)
        )
        text, kind, used = filter_expression(name, values, form)
        texts.append(text)
        (groups if kind == "include" else excluded).append((name, used))
    with open_backend(index_dir) as backend:
        text_ids = {h.id for h in backend.iter_hits(parse_request({"q": [q]}), 10_000)}
        result = backend.search(parse_request({"q": [" ".join(texts)]}))

    def has(doc, name, values):
        present = {x.lower() for x in records[doc][name]}
        return any(v.lower() in present for v in values)

    expected = sum(
        1
        for doc in text_ids
        if all(has(doc, n, vs) for n, vs in groups)
        and not any(has(doc, n, vs) for n, vs in excluded)
    )
    assert result.total == expected, " ".join(texts)


@pytest.mark.parametrize(
    "q",
    ["drugs OR topic:Drugs", 'topic:Drugs OR speaker:"Hun Sen"', "(topic:Drugs OR rights)"],
)
def test_filters_in_other_boolean_forms_are_refused_with_help(client, q):
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400
    assert "OR only between values of one filter" in response.get_json()["error"]
