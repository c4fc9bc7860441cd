"""From a SearchRequest to OpenSearch query DSL: pure functions, golden-tested.

The shape follows what our Whoosh backend computes with masks:
- `query`: the typed text and the filters typed in the box (the "base" set of documents);
- `post_filter`: the facet selections and the from/to range, so that hits are the final set;
- one `filter` aggregation per facet holding every *other* selection and the range, so each
  facet is counted as if its own selection were lifted (disjunctive faceting);
- the timeline and the counts-without-each-filter as filter aggregations of their own."""

from __future__ import annotations

from indexer.opensearch.mapping import TEXT_FIELDS
from indexer.query import (
    MAX_EXPANSIONS,
    ParsedQuery,
    SearchRequest,
    minus_to_not,
    parse_day,
    split_filters,
)
from indexer.registry import FACETS, FACETS_BY_NAME

SNIPPET_CHARS = 160  # per fragment; two fragments make our 320-character snippet
MARK = ('<mark class="hl">', "</mark>")
# Words of the box users type before a colon for the full text.
FIELD_ALIASES = {"text:": "body:", "content:": "body:"}


# Dated hits per month, the unit every timeline and comparison is built from (indexer/periods):
# a date histogram keyed yyyymm, empty months left out.
MONTHS = {
    "months": {
        "date_histogram": {
            "field": "date",
            "calendar_interval": "month",
            "format": "yyyyMM",
            "min_doc_count": 1,
        }
    }
}


def text_clause(text: str) -> dict:
    """The free text as a query_string query with our syntax: all words required, "phrases",
    OR, NOT/-word, prefix*, fuzzy~ (edit distance capped as ours), title:/body: fields."""
    if not text.strip():
        return {"match_all": {}}
    for alias, field in FIELD_ALIASES.items():
        text = text.replace(alias, field)
    return {
        "query_string": {
            "query": minus_to_not(text),
            "fields": list(TEXT_FIELDS),
            "default_operator": "AND",
            "lenient": True,  # bad syntax in one part does not fail the whole query
            "fuzziness": 1,  # `word~` without a number, as Whoosh reads it (~2 at most)
            "fuzzy_max_expansions": MAX_EXPANSIONS,
            "max_determinized_states": 10000,
        }
    }


def values_clause(name: str, values: list[str]) -> dict:
    """Stories having any of the values in one facet, or mentioning one of the people."""
    field = "people" if name == "person" else f"facet.{name}.folded"
    return {"terms": {field: [v.lower() for v in values]}}


def day_range(lo: int | None, hi: int | None) -> dict:
    """Dated stories between two yyyymmdd bounds (either open)."""
    bounds = {"gte": lo or 1}
    if hi:
        bounds["lte"] = hi
    return {"range": {"day": bounds}}


def request_range(request: SearchRequest) -> dict | None:
    """The from/to range of a request, or None when none is set."""
    if not request.date_from and not request.date_to:
        return None
    lo = parse_day(request.date_from, end=False) if request.date_from else None
    hi = parse_day(request.date_to, end=True) if request.date_to else None
    return day_range(lo, hi)


def base_query(parsed: ParsedQuery) -> dict:
    """The typed text and the field filters typed in the box."""
    clause = {"must": [text_clause(parsed.text)]}
    filters = [values_clause(name, values) for name, values in parsed.include]
    if parsed.day_range:
        filters.append(day_range(*parsed.day_range))
    if filters:
        clause["filter"] = filters
    if parsed.exclude:
        clause["must_not"] = [values_clause(n, vs) for n, vs in parsed.exclude.items()]
    return {"bool": clause}


def selection_filters(request: SearchRequest, lifted: str | None = None) -> list[dict]:
    """The facet selections (each an OR of its values) and the range, one lifted if named
    (`date` lifts the range)."""
    out = [values_clause(n, vs) for n, vs in request.filters.items() if n != lifted]
    in_range = request_range(request)
    if in_range and lifted != "date":
        out.append(in_range)
    return out


def all_of(filters: list[dict]) -> dict:
    """A filter matching every one of filters (everything when there are none)."""
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def facet_aggregation(request: SearchRequest, name: str) -> dict:
    """One facet counted under the other selections: the top values (one more than shown,
    to know whether the list is truncated), the selected ones whatever their rank, and for
    each value its most common spelling."""
    size = request.facet_more_size if name in request.more else request.facet_size
    spelling = {"spelling": {"terms": {"field": f"facet.{name}", "size": 1}}}
    terms = {"field": f"facet.{name}.folded", "size": size + 1, "order": facet_order(name)}
    aggs = {"values": {"terms": terms, "aggs": spelling}}
    selected = [v.lower() for v in request.filters.get(name, [])]
    if selected:
        chosen = {"field": f"facet.{name}.folded", "include": selected, "size": len(selected)}
        aggs["selected"] = {"terms": chosen, "aggs": spelling}
    return {"filter": all_of(selection_filters(request, lifted=name)), "aggs": aggs}


def facet_order(name: str) -> list[dict]:
    """Most stories first (ties by value); years newest first, as the sidebar lists them."""
    if FACETS_BY_NAME[name].order == "newest":
        return [{"_key": "desc"}]
    return [{"_count": "desc"}, {"_key": "asc"}]


def sort_clause(request: SearchRequest, text: str) -> list:
    """Relevance (ties by id), newest or oldest first; browsing without words is newest first."""
    sort = request.sort
    if sort == "relevance" and not text.strip():
        sort = "newest"
    if sort == "newest":
        return [{"day": "desc"}, {"id": "desc"}]
    if sort == "oldest":
        return [{"day_asc": "asc"}, {"id": "asc"}]
    return ["_score", {"id": "asc"}]


def highlight_clause() -> dict:
    """Snippets: two fragments of the body or one of a quote, HTML-escaped, matches marked."""
    return {
        "encoder": "html",
        "pre_tags": [MARK[0]],
        "post_tags": [MARK[1]],
        "fields": {
            "quote_text": {"number_of_fragments": 1, "fragment_size": 2 * SNIPPET_CHARS},
            "body": {"number_of_fragments": 2, "fragment_size": SNIPPET_CHARS},
            "title": {"number_of_fragments": 0},
        },
    }


def search_body(
    request: SearchRequest, *, facets: bool = True, snippets: bool = True, offset: int | None = None
) -> dict:
    """The body of one _search call answering a request: hits of its page, every facet,
    timeline, spelling suggestion and counts without each filter."""
    parsed = split_filters(request.q)
    start = (request.page - 1) * request.page_size if offset is None else offset
    body = {
        "query": base_query(parsed),
        "post_filter": all_of(selection_filters(request)),
        "sort": sort_clause(request, parsed.text),
        "from": start,
        "size": request.page_size,
        "track_total_hits": True,
        "_source": ["id", "record", "body"],
    }
    if snippets and parsed.text.strip():
        body["highlight"] = highlight_clause()
    if facets:
        aggs = {f"facet:{f.name}": facet_aggregation(request, f.name) for f in FACETS}
        selections = [values_clause(n, vs) for n, vs in request.filters.items()]
        aggs["timeline"] = {"filter": all_of(selection_filters(request)), "aggs": MONTHS}
        for name in request.filters:
            aggs[f"without:{name}"] = {"filter": all_of(selection_filters(request, lifted=name))}
        if request_range(request):
            aggs["without:date"] = {"filter": all_of(selections)}
        body["aggs"] = aggs
    if parsed.text.strip():
        body["suggest"] = {
            "text": parsed.text,
            "words": {"term": {"field": "body", "suggest_mode": "missing", "max_edits": 2}},
        }
    return body


def summary_body(request: SearchRequest) -> dict:
    """Total, first and last day and dated hits per month, without fetching hits."""
    parsed = split_filters(request.q)
    dated = {"range": {"day": {"gte": 1}}}
    return {
        "query": base_query(parsed),
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "matched": {
                "filter": all_of(selection_filters(request)),
                "aggs": {
                    "dated": {
                        "filter": dated,
                        "aggs": {
                            "first": {"min": {"field": "day"}},
                            "last": {"max": {"field": "day"}},
                            **MONTHS,
                        },
                    }
                },
            }
        },
    }


def story_query(story_id: str) -> dict:
    """One story by its own id or the id of any capture grouped into it."""
    return {
        "query": {
            "bool": {
                "should": [{"term": {"id": story_id}}, {"term": {"captures": story_id}}],
                "minimum_should_match": 1,
            }
        },
        "size": 1,
        "_source": ["id", "record", "body"],
    }


def speaker_body(name: str, q: str, start: int, size: int) -> dict:
    """A person's stories newest first, each with the person's quotes (only those holding
    every word of q, marked, when q is given) as inner hits."""
    quote = {"term": {"quotes.speaker.folded": name.lower()}}
    must = [quote]
    if q.strip():
        words = {
            "query_string": {
                "query": minus_to_not(split_filters(q).text),
                "fields": ["quotes.text"],
                "default_operator": "AND",
                "lenient": True,
            }
        }
        must.append(words)
    said = {"bool": {"must": must}}
    nested = {
        "nested": {
            "path": "quotes",
            "query": said,
            "inner_hits": {
                "size": 100,
                "highlight": {
                    "encoder": "html",
                    "pre_tags": [MARK[0]],
                    "post_tags": [MARK[1]],
                    "fields": {"quotes.text": {"number_of_fragments": 0}},
                },
            },
        }
    }
    return {
        "query": nested,
        "sort": [{"day": "desc"}, {"id": "asc"}],
        "from": start,
        "size": size,
        "track_total_hits": True,
        "_source": ["id", "record", "body"],
        "aggs": {
            **MONTHS,
            "quotes": {"nested": {"path": "quotes"}, "aggs": {"said": {"filter": said}}},
        },
    }
