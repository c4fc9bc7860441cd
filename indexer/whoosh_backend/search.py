"""Search over the Whoosh index: the matching documents as numpy masks, disjunctive facet
counts, ranking, highlighted snippets and the timeline, answered as the typed records of
indexer/results.py (what every backend returns)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np
from whoosh import highlight, query
from whoosh.searching import Searcher

from indexer.periods import UNDATED_LAST, day_bounds, iso_day, per_unit, timeline_of
from indexer.query import MAX_EXPANSIONS, ParsedQuery, SearchRequest, split_filters
from indexer.registry import FACETS, FACETS_BY_NAME, UNDATED
from indexer.results import (
    FacetResult,
    FacetValue,
    Hit,
    SearchResult,
    Summary,
    Timeline,
    lede_words,
)
from indexer.whoosh_backend.analysis import highlight_analyzer
from indexer.whoosh_backend.facets import FacetTable, table_for
from indexer.whoosh_backend.parse import bound_query, parser_for, text_query
from indexer.whoosh_backend.ranking import numpy_ranked, top
from indexer.whoosh_backend.schema import text_analyzer_of

SNIPPET_CHARS = 320
# Corrections share this many first letters with the misspelt word: misspellings rarely
# touch the first letter, and Whoosh then compares the word with the terms of that letter
# only, not the whole vocabulary (150 ms a word at 100,000 stories, #12).
SUGGEST_PREFIX = 1
FRAGMENTER = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=80)
WHOLE = highlight.WholeFragmenter()  # a paragraph or a quote marked whole


@dataclass
class Matches:
    """The document masks one request resolves to, before any ranking or counting."""

    table: FacetTable
    text_q: query.Query
    parsed: ParsedQuery
    base: np.ndarray
    selections: dict[str, np.ndarray]
    in_range: np.ndarray | None
    final: np.ndarray
    notices: list[str]
    ranked: tuple[np.ndarray, np.ndarray] | None = None  # (docnums, BM25) from ranking.py

    @property
    def unfiltered(self) -> bool:
        """True when the hits are exactly the text query's matches: Whoosh needs no filter
        set then, and can skip low-scoring blocks when ranking the top N."""
        p = self.parsed
        return not (
            self.selections or self.in_range is not None or p.include or p.exclude or p.day_range
        )


# A pattern's MAX_EXPANSIONS most frequent words (indexer/query.py) are found among at
# most this many candidates in the vocabulary's order.
MAX_CANDIDATES = 5000


def cap_expansions(q, reader, notices: list[str]):
    """Patterns that match too many words become an OR of their most frequent matches."""

    def visit(node):
        if isinstance(node, query.FuzzyTerm | query.Prefix | query.Wildcard):
            words = [
                w.decode("utf-8") if isinstance(w, bytes) else w
                for w in islice(node._btexts(reader), MAX_CANDIDATES)
            ]
            if len(words) <= MAX_EXPANSIONS:
                return node
            freq = {w: reader.doc_frequency(node.fieldname, w) for w in words}
            top = sorted(words, key=lambda w: -freq[w])[:MAX_EXPANSIONS]
            notices.append(
                f"'{node.text}' matches more than {MAX_EXPANSIONS} words; searched for the "
                f"{MAX_EXPANSIONS} most frequent."
            )
            return query.Or([query.Term(node.fieldname, w) for w in top])
        return node if node.is_leaf() else node.apply(visit)

    return visit(q)


def resolve(searcher: Searcher, request: SearchRequest) -> Matches:
    """Documents matching the text, the typed field filters, the facets and the range."""
    table = table_for(searcher)
    parsed = split_filters(request.q)
    notices = list(request.notices)
    text_q, notice = text_query(parser_for(searcher.schema), parsed.text)
    if notice:
        notices.append(notice)
    text_q, bounded = bound_query(text_q)
    text_q = cap_expansions(text_q, searcher.reader(), bounded)
    notices.extend(bounded)
    ranked = numpy_ranked(searcher, text_q)
    base = base_docs(searcher, table, text_q, parsed, ranked)
    selections = {name: table.select(name, values) for name, values in request.filters.items()}
    in_range = range_mask(table, request)
    final = intersect(base, [in_range, *selections.values()])
    return Matches(table, text_q, parsed, base, selections, in_range, final, notices, ranked)


def search(
    searcher: Searcher, request: SearchRequest, *, facets: bool = True, snippets: bool = True
) -> SearchResult:
    """Run a request: hits for the page, disjunctive facet counts, timeline, suggestion.
    facets=False and snippets=False skip that work (the benchmark's plain query)."""
    m = resolve(searcher, request)
    counted = {}
    for facet in FACETS if facets else ():
        # Each facet is counted as if its own selection were lifted (disjunctive faceting).
        others = [s for name, s in m.selections.items() if name != facet.name]
        docs = intersect(m.base, [m.in_range, *others]) if facet.name in m.selections else m.final
        counted[facet.name] = facet_result(m.table, facet.name, docs, request)
    total = int(m.final.sum())
    return SearchResult.answering(
        request,
        total,
        hits=page_hits(searcher, m, request, snippets),
        facets=counted,
        timeline=timeline(m.table, intersect(m.base, list(m.selections.values())), request)
        if facets
        else None,
        suggestion=suggest(searcher, m.parsed.text) if total < 3 and m.parsed.text else None,
        without=relaxed_counts(m.base, m.in_range, m.selections) if total == 0 else {},
        notices=m.notices,
    )


def iter_hits(searcher: Searcher, request: SearchRequest, limit: int) -> Iterator[Hit]:
    """Every hit of a request (up to limit) in its sort order, without snippets: for exports."""
    m = resolve(searcher, request)
    for docnum, score in ordered(searcher, m, request, limit):
        yield hit_of(searcher, docnum, m.text_q, score, snippet=False)


def summary(searcher: Searcher, request: SearchRequest, unit: str) -> Summary:
    """How many documents match, their first and last day, and dated hits per year or month."""
    m = resolve(searcher, request)
    days = m.table.day[m.final & m.table.days_between(None, None)]
    months, counts = np.unique(days // 100, return_counts=True)
    return Summary(
        total=int(m.final.sum()),
        first=iso_day(int(days.min())) if days.size else None,
        last=iso_day(int(days.max())) if days.size else None,
        periods=per_unit(dict(zip(months.tolist(), counts.tolist(), strict=True)), unit),
        notices=m.notices,
    )


def intersect(docs: np.ndarray, others: list) -> np.ndarray:
    """docs AND each of others (None means 'no restriction')."""
    result = docs.copy()
    for other in others:
        if other is not None:
            result &= other
    return result


def docset(mask: np.ndarray) -> set[int]:
    """Document numbers of a mask, as the set Whoosh takes for `filter=`."""
    return set(np.flatnonzero(mask).tolist())


def base_docs(searcher, table: FacetTable, text_q, parsed: ParsedQuery, ranked) -> np.ndarray:
    """Documents matching the typed text and the field filters typed in the box."""
    if isinstance(text_q, query.Every):
        docs = table.live.copy()
    elif ranked is not None:
        docs = table.mask(ranked[0])
    else:
        docs = table.mask(searcher.docs_for_query(text_q))
    for name, values in parsed.include:
        docs &= field_mask(searcher, table, name, values)
    for name, values in parsed.exclude.items():
        docs &= ~field_mask(searcher, table, name, values)
    if parsed.day_range:
        docs &= table.days_between(*parsed.day_range)
    return docs


def field_mask(searcher, table: FacetTable, name: str, values: list[str]) -> np.ndarray:
    """Documents having any of values in one facet, or mentioning one of the people."""
    if name == "person":
        terms = query.Or([query.Term("person", v.lower()) for v in values])
        return table.mask(searcher.docs_for_query(terms))
    return table.select(name, values)


def range_mask(table: FacetTable, request: SearchRequest) -> np.ndarray | None:
    """Documents inside the from/to range, or None when no range is set."""
    if not request.date_from and not request.date_to:
        return None
    lo, hi = day_bounds(request)
    return table.days_between(lo, hi)


def facet_result(
    table: FacetTable, name: str, docs: np.ndarray, request: SearchRequest
) -> FacetResult:
    """One facet's fixed shape: label, truncated flag, values with counts and selection."""
    counts = table.count(name, docs)
    selected = {v.lower() for v in request.filters.get(name, [])}
    facet = FACETS_BY_NAME[name]
    if facet.order == "newest":
        order = sorted(counts, key=lambda k: (k == UNDATED, -int(k) if k.isdigit() else 0))
    else:
        order = sorted(counts, key=lambda k: (-counts[k], k))
    size = request.facet_more_size if name in request.more else request.facet_size
    shown = order[:size]
    # Selected values stay visible even when they fall outside the top N.
    shown += [k for k in order[size:] if k in selected]
    values = [FacetValue(table.display(name, k), counts[k], k in selected) for k in shown]
    for missing in selected - set(counts):
        original = next(v for v in request.filters[name] if v.lower() == missing)
        values.append(FacetValue(original, 0, True))
    return FacetResult(name, facet.label, len(order) > size, values)


def sort_spec(request: SearchRequest, text_q) -> tuple[list[str] | None, bool]:
    """(sort fields, reverse) for the request; browsing without words shows newest first.
    The id breaks ties between equal dates so that every index layout gives one order."""
    field = {"newest": "day", "oldest": "day_asc"}.get(request.sort)
    if field is None and isinstance(text_q, query.Every):
        field = "day"
    if field is None:
        return None, False
    return [field, "id"], field == "day"


def page_hits(searcher, m: Matches, request: SearchRequest, snippets: bool = True) -> list:
    """The hits of the requested page, in the requested order, with snippets."""
    limit = request.page * request.page_size
    start = (request.page - 1) * request.page_size
    page = ordered(searcher, m, request, limit)[start:limit]
    return [hit_of(searcher, docnum, m.text_q, score, snippets) for docnum, score in page]


def ordered(searcher, m: Matches, request: SearchRequest, limit: int) -> list[tuple]:
    """The first `limit` (docnum, score) pairs of the result in the requested order."""
    if not m.final.any():
        return []
    sortedby, reverse = sort_spec(request, m.text_q)
    if sortedby is not None:
        docs = np.flatnonzero(m.final)
        day = (
            m.table.day[docs]
            if sortedby[0] == "day"
            else np.where(m.table.day[docs] > 0, m.table.day[docs], UNDATED_LAST)
        )
        order = np.lexsort((m.table.ids[docs], day))  # by day, then id: one order everywhere
        if reverse:
            order = order[::-1]
        return [(int(d), None) for d in docs[order[:limit]]]
    if m.ranked is not None:
        return top(*m.ranked, m.final, limit)
    results = searcher.search(
        m.text_q, filter=None if m.unfiltered else docset(m.final), limit=limit
    )
    return [(hit.docnum, hit.score) for hit in results]


def hit_of(searcher, docnum: int, text_q, score, snippet: bool = True) -> Hit:
    """One hit: what a result row shows (from its card when it needs no snippet)."""
    if not snippet and (card := card_of(searcher, docnum)) is not None:
        return Hit.of_record(card["id"], card, card["lede"], score=score)
    stored = searcher.stored_fields(docnum)
    record = json.loads(stored["record"])
    body = stored.get("body", "")
    snippet_html, quote_by = (
        snippet_for(searcher, body, record, text_q) if snippet else (None, None)
    )
    return Hit.of_record(
        stored["id"],
        record,
        body,
        snippet=snippet_html,
        quote_by=quote_by,
        section_index=hit_section(searcher, body, record, text_q) if snippet else None,
        score=score,
    )


def card_of(searcher, docnum: int) -> dict | None:
    """A document's hit card (results.hit_card), or None in an index written before cards."""
    reader = searcher.ixreader
    if hasattr(reader, "_segment_and_docnum"):  # several segments
        segment, docnum = reader._segment_and_docnum(docnum)
        reader = reader.readers[segment]
    column = getattr(reader, "card_column", False)
    if column is False:  # each segment's column reader is made once, on first use
        has = "card" in reader.schema and reader.has_column("card")
        column = reader.column_reader("card") if has else None
        reader.card_column = column
    raw = column[docnum] if column is not None else b""
    return json.loads(raw) if raw else None


def hit_section(searcher, body: str, record: dict, text_q) -> int | None:
    """For a report: the index of the section holding the first match, to open the page there."""
    sections = record.get("sections") or []
    if not sections or isinstance(text_q, query.Every):
        return None
    terms = content_terms(text_q)
    analyzer = text_analyzer_of(searcher.schema)
    for token in analyzer(body, chars=True, mode="index"):
        if token.text in terms:
            return max(
                (i for i, s in enumerate(sections) if s["offset"] <= token.startchar), default=None
            )
    return None


def snippet_for(searcher, body: str, record: dict, text_q) -> tuple[str, str | None]:
    """Highlighted HTML around the matches, and whose quote it is when the match is a quote."""
    if isinstance(text_q, query.Every):
        return escape(lede_words(body, 45)), None
    terms = content_terms(text_q)
    analyzer = text_analyzer_of(searcher.schema)
    for quote in record.get("quotes", []):
        marked = mark(quote["text"], terms, analyzer, top=1)
        if marked:
            return marked, quote["speaker"]
    marked = mark(body, terms, analyzer) or mark(record.get("title") or "", terms, analyzer)
    return marked or escape(lede_words(body, 45)), None


def content_terms(text_q) -> set[str]:
    """The analysed words of a query that match document text."""
    return {text for field, text in text_q.iter_all_terms() if field == "content"}


def formatter() -> highlight.HtmlFormatter:
    """A snippet formatter for one snippet. Whoosh's numbers the words it marks ("termN")
    in a dict it keeps, so one shared formatter numbered them by every earlier request's
    words, from all of the server's threads: the same search gave other HTML."""
    return highlight.HtmlFormatter(tagname="mark", classname="hl", between=" … ")


def mark(text: str, terms: set[str], analyzer, top: int = 2, fragmenter=FRAGMENTER) -> str:
    """HTML fragments of text around the terms, terms wrapped in <mark> (text escaped); the
    analyzer's tokens come from HighlightAnalyzer (the same tokens, faster)."""
    if not terms or not text:
        return ""
    tokens = highlight_analyzer(analyzer)
    return highlight.highlight(text, terms, tokens, fragmenter, formatter(), top=top)


def escape(text: str) -> str:
    """HTML-escape plain text that will be shown next to highlighted snippets."""
    return highlight.htmlescape(text, quote=False)


def timeline(table: FacetTable, docs: np.ndarray, request: SearchRequest) -> Timeline:
    """Hits per year, or per month when the chosen range is narrow (dated documents only)."""
    lo, hi = day_bounds(request)
    months, counts = np.unique(
        table.day[docs & table.days_between(lo, hi)] // 100, return_counts=True
    )
    return timeline_of(dict(zip(months.tolist(), counts.tolist(), strict=True)), request)


def suggest(searcher, text: str) -> str | None:
    """The query with each unknown word corrected from the archive's own vocabulary.

    The index keeps stems only ("traffick"), so the stem of a misspelt word is corrected to the
    nearest indexed stem and the word's own ending is put back: "trafickers" -> "traffickers".
    """
    corrector = searcher.corrector("content")
    reader = searcher.reader()
    analyzer = text_analyzer_of(searcher.schema)
    changed = False
    out = []
    tokens = re.split(r"(\W+)", text)
    for i, token in enumerate(tokens):
        word = token.lower()
        # A long word costs seconds to correct and is no misspelling (#15); a field name
        # ("title:") is not a word of the text, and a prefix ("trafick*") is partial on
        # purpose.
        after = tokens[i + 1][:1] if i + 1 < len(tokens) else ""
        spelt = re.fullmatch(r"[a-z]{3,30}", word) and after not in (":", "*", "?")
        stems = [t.text for t in analyzer(word)] if spelt else []
        if len(stems) == 1 and not reader.doc_frequency("content", stems[0]):
            found = corrector.suggest(stems[0], limit=1, maxdist=2, prefix=SUGGEST_PREFIX)
            if found:
                out.append(found[0] + word[len(stems[0]) :])
                changed = True
                continue
        out.append(token)
    return "".join(out) if changed else None


def relaxed_counts(base: np.ndarray, in_range, selections: dict) -> dict:
    """For an empty result: how many hits there would be without each filter."""
    without = {}
    for name in selections:
        others = [s for n, s in selections.items() if n != name]
        without[name] = int(intersect(base, [in_range, *others]).sum())
    if in_range is not None:
        without["date"] = int(intersect(base, list(selections.values())).sum())
    return without
