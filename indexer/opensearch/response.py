"""From OpenSearch answers to the typed results every backend returns: pure functions."""

from __future__ import annotations

import html
import re

from indexer.opensearch.dsl import MARK
from indexer.periods import iso_day, per_unit, timeline_of
from indexer.query import SearchRequest, split_filters
from indexer.registry import FACETS, FACETS_BY_NAME
from indexer.results import FacetResult, FacetValue, Hit, SearchResult, Summary, lede_words

SNIPPET_LEDE_WORDS = 45  # a snippet without a match shows this much of the lede, as Whoosh's


def plain(fragment: str) -> str:
    """A highlighted fragment's text without the marks (still HTML-escaped)."""
    return fragment.replace(MARK[0], "").replace(MARK[1], "")


def hit_of(doc: dict, snippet: bool) -> Hit:
    """One hit of a _search answer."""
    source = doc["_source"]
    record, body = source["record"], source["body"]
    marked, quote_by = None, None
    if snippet:
        marked, quote_by = snippet_of(doc.get("highlight", {}), record, body)
    return Hit.of_record(
        source["id"],
        record,
        body,
        snippet=marked,
        quote_by=quote_by,
        section_index=section_of(record, body, doc.get("highlight", {})) if snippet else None,
        score=doc.get("_score"),
    )


def snippet_of(found: dict, record: dict, body: str) -> tuple[str, str | None]:
    """The snippet as ours: a matching quote (and whose it is), else body fragments, else
    the title, else the lede."""
    for fragment in found.get("quote_text", [])[:1]:
        text = html.unescape(plain(fragment))
        speaker = next((q["speaker"] for q in record.get("quotes", []) if text in q["text"]), None)
        return fragment, speaker
    if found.get("body"):
        return " … ".join(found["body"]), None
    if found.get("title"):
        return found["title"][0], None
    return html.escape(lede_words(body, SNIPPET_LEDE_WORDS), quote=False), None


def section_of(record: dict, body: str, found: dict) -> int | None:
    """For a report: the section holding the first body match."""
    sections = record.get("sections") or []
    if not sections or not found.get("body"):
        return None
    text = html.unescape(plain(found["body"][0]))
    at = body.find(text)
    if at < 0:
        return None
    first = found["body"][0].find(MARK[0])
    at += len(html.unescape(plain(found["body"][0][:first]))) if first > 0 else 0
    return max((i for i, s in enumerate(sections) if s["offset"] <= at), default=None)


def facet_of(request: SearchRequest, name: str, agg: dict) -> FacetResult:
    """One facet from its filter aggregation: the shown values, then selected ones."""
    size = request.facet_more_size if name in request.more else request.facet_size
    buckets = agg["values"]["buckets"]
    selected = {v.lower() for v in request.filters.get(name, [])}
    values = [value_of(b, selected) for b in buckets[:size]]
    shown = {b["key"] for b in buckets[:size]}
    for bucket in agg.get("selected", {}).get("buckets", []):
        if bucket["key"] not in shown:
            values.append(value_of(bucket, selected))
            shown.add(bucket["key"])
    for missing in selected - shown:
        original = next(v for v in request.filters[name] if v.lower() == missing)
        values.append(FacetValue(original, 0, True))
    truncated = len(buckets) > size or agg["values"].get("sum_other_doc_count", 0) > 0
    return FacetResult(name, FACETS_BY_NAME[name].label, truncated, values)


def value_of(bucket: dict, selected: set[str]) -> FacetValue:
    """A facet value shown in its most common spelling."""
    spellings = bucket.get("spelling", {}).get("buckets", [])
    shown = spellings[0]["key"] if spellings else bucket["key"]
    return FacetValue(shown, bucket["doc_count"], bucket["key"] in selected)


def months_of(agg: dict) -> dict[int, int]:
    """Dated hits per month (yyyymm) from the MONTHS date histogram."""
    return {int(b["key_as_string"]): b["doc_count"] for b in agg["buckets"] if b["doc_count"]}


def suggestion_of(text: str, answer: dict) -> str | None:
    """The query with each unknown word replaced by the term suggester's first option."""
    changed = False
    out = text
    for entry in answer.get("suggest", {}).get("words", []):
        if entry["options"]:
            word = entry["text"]
            out = re.sub(rf"\b{re.escape(word)}\b", entry["options"][0]["text"], out, count=1)
            changed = True
    return out if changed else None


def result_of(
    request: SearchRequest, answer: dict, *, facets: bool = True, snippets: bool = True
) -> SearchResult:
    """The SearchResult of a search_body() answer."""
    total = answer["hits"]["total"]["value"]
    aggs = answer.get("aggregations", {})
    text = split_filters(request.q).text
    without = {}
    if total == 0 and facets:
        without = {
            k.split(":", 1)[1]: v["doc_count"] for k, v in aggs.items() if k[:8] == "without:"
        }
    return SearchResult.answering(
        request,
        total,
        hits=[hit_of(doc, snippets) for doc in answer["hits"]["hits"]],
        facets={f.name: facet_of(request, f.name, aggs[f"facet:{f.name}"]) for f in FACETS}
        if facets
        else {},
        timeline=timeline_of(months_of(aggs["timeline"]["months"]), request) if facets else None,
        suggestion=suggestion_of(text, answer) if total < 3 and text else None,
        without=without,
        notices=list(request.notices),
    )


def summary_of(answer: dict, unit: str, notices: list[str]) -> Summary:
    """The Summary of a summary_body() answer."""
    matched = answer["aggregations"]["matched"]
    dated = matched["dated"]
    first, last = dated["first"].get("value"), dated["last"].get("value")
    return Summary(
        total=matched["doc_count"],
        first=iso_day(int(first)) if first else None,
        last=iso_day(int(last)) if last else None,
        periods=per_unit(months_of(dated["months"]), unit),
        notices=notices,
    )


def speaker_page(
    name: str, q: str, page: int, page_size: int, answer: dict, everywhere: dict
) -> dict:
    """The speaker page's data (the Whoosh backend's shape) from a speaker_body() answer
    and the same person's answer without q."""
    entries, roles, variants, display = [], {}, set(), name
    for doc in answer["hits"]["hits"]:
        source = doc["_source"]
        record = source["record"]
        quotes = []
        for inner in doc.get("inner_hits", {}).get("quotes", {}).get("hits", {}).get("hits", []):
            quote = record["quotes"][inner["_nested"]["offset"]]
            marked = inner.get("highlight", {}).get("quotes.text")
            quote_html = marked[0] if marked and q.strip() else html.escape(quote["text"], False)
            quotes.append({**quote, "html": quote_html})
            display = quote["speaker"]
            if quote.get("role"):
                roles[quote["role"]] = roles.get(quote["role"], 0) + 1
            variants.update(quote.get("as_written", []))
        entries.append(
            {
                "id": source["id"],
                "title": record.get("title") or source["body"][:90] + "…",
                "date": record.get("date"),
                "source": record.get("source"),
                "quotes": quotes,
            }
        )
    documents = answer["hits"]["total"]["value"]
    years = per_unit(months_of(answer["aggregations"]["months"]), "year")
    said = answer["aggregations"]["quotes"]["said"]["doc_count"]
    return {
        "name": display,
        "q": q,
        "documents": documents,
        "all_documents": everywhere["hits"]["total"]["value"],
        "quotes": said if q.strip() else None,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-documents // page_size)),
        "entries": entries,
        "years": {f"{y:04d}": c for y, c in sorted(years.items())},
        "roles": sorted(roles, key=roles.get, reverse=True),
        "variants": sorted(variants - {display}),
    }
