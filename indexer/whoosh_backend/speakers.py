"""What one person is quoted saying across the archive: newest first, a page at a time, and
optionally only the quotes that contain the words a user asks about ("what did Sar Kheng say
about trafficking"). Plain data for the speaker page, the same shape for HTML and tests."""

from __future__ import annotations

import json

import numpy as np
from whoosh.searching import Searcher

from indexer.query import parse_request
from indexer.whoosh_backend.facets import table_for
from indexer.whoosh_backend.schema import text_analyzer_of
from indexer.whoosh_backend.search import WHOLE, content_terms, escape, mark, resolve

SPEAKER_PAGE_SIZE = 25  # documents per page: a person's quotes are longer than a hit row


def speaker_quotes(
    searcher: Searcher, name: str, q: str = "", page: int = 1, page_size: int = SPEAKER_PAGE_SIZE
) -> dict | None:
    """The person's quotes grouped by document, a page of documents at a time, or None when
    nobody by that name is quoted. With q, only quotes holding every word of q (stemmed, as
    searches match them) are kept, with those words marked."""
    table = table_for(searcher)
    everywhere = table.select("speaker", [name])
    if not everywhere.any():
        return None
    key = name.lower()
    analyzer = text_analyzer_of(searcher.schema)
    matches = resolve(searcher, parse_request({"q": [q], "speaker": [name]})) if q else None
    terms = content_terms(matches.text_q) if matches else set()
    start = (page - 1) * page_size
    if terms:
        # The index narrows the documents to those holding the words anywhere; the quotes
        # are then read, since a word may be in the article but not in this person's words.
        found = (
            entry(searcher, d, key, terms, analyzer) for d in newest_first(table, matches.final)
        )
        entries = [e for e in found if e]
        documents, quotes = len(entries), sum(len(e["quotes"]) for e in entries)
        years = year_counts(e["date"] for e in entries)
        shown = entries[start : start + page_size]
    else:
        # Only the page's documents are read; counts come from the facet arrays.
        order = newest_first(table, everywhere)
        documents, quotes = len(order), None
        years = year_counts(str(day) for day in table.day[order] if day)
        found = (entry(searcher, d, key, terms, analyzer) for d in order[start : start + page_size])
        shown = [e for e in found if e]
    roles: dict[str, int] = {}
    variants: set[str] = set()
    for e in shown:
        for quote in e["quotes"]:
            if quote.get("role"):
                roles[quote["role"]] = roles.get(quote["role"], 0) + 1
            variants.update(quote.get("as_written", []))
    display = table.display("speaker", key)
    return {
        "name": display,
        "q": q,
        "documents": documents,
        "all_documents": int(everywhere.sum()),
        "quotes": quotes,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-documents // page_size)),
        "entries": shown,
        "years": years,
        "roles": sorted(roles, key=roles.get, reverse=True),
        "variants": sorted(variants - {display}),
    }


def newest_first(table, mask: np.ndarray) -> list[int]:
    """The documents of a mask by date, newest first, undated last (ties by number, so pages
    are stable)."""
    docs = np.flatnonzero(mask)
    days = table.day[docs].astype(np.int64)
    return docs[np.lexsort((docs, -np.where(days > 0, days, -1)))].tolist()


def entry(searcher: Searcher, docnum: int, key: str, terms: set[str], analyzer) -> dict | None:
    """One document's quotes by the person (only those holding every term, marked, when
    terms are given); None when none is left."""
    stored = searcher.stored_fields(docnum)
    record = json.loads(stored["record"])
    quotes = []
    for quote in record.get("quotes", []):
        if quote["speaker"].lower() != key:
            continue
        html = escape(quote["text"])
        if terms:
            words = {t.text for t in analyzer(quote["text"])}
            if not terms <= words:
                continue
            html = mark(quote["text"], terms, analyzer, 3, WHOLE)
        quotes.append({**quote, "html": html})
    if not quotes:
        return None
    return {
        "id": stored["id"],
        "title": record.get("title") or stored["body"][:90] + "…",
        "date": record.get("date"),
        "source": record.get("source"),
        "quotes": quotes,
    }


def year_counts(dates) -> dict[str, int]:
    """Documents per year from yyyy… dates (None skipped), in year order."""
    counts: dict[str, int] = {}
    for date in dates:
        if date:
            counts[date[:4]] = counts.get(date[:4], 0) + 1
    return dict(sorted(counts.items()))
