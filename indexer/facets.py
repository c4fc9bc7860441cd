"""Facet values per document, built once per index generation, and counted over doc sets."""

from __future__ import annotations

import json
import threading
from collections import Counter

from indexer.schema import FACETS, UNDATED

_cache: dict[tuple, FacetTable] = {}
_lock = threading.Lock()


class FacetTable:
    """For every live document: its display values per facet, its day, and its record."""

    def __init__(self, searcher):
        # Per facet: doc -> case-folded keys, and key -> how the value is displayed.
        self.values: dict[str, dict[int, tuple[str, ...]]] = {f.name: {} for f in FACETS}
        self.display: dict[str, dict[str, str]] = {f.name: {} for f in FACETS}
        self.day: dict[int, int] = {}
        self.ids: dict[str, int] = {}
        reader = searcher.reader()
        for docnum, stored in reader.iter_docs():
            record = json.loads(stored["record"])
            self.day[docnum] = stored.get("day", 0)
            self.ids[stored["id"]] = docnum
            for capture in record.get("captures", []):
                self.ids.setdefault(capture["id"], docnum)
            for name, values in facet_values(record).items():
                keys = tuple(v.lower() for v in values)
                self.values[name][docnum] = keys
                for k, v in zip(keys, values, strict=True):
                    self.display[name].setdefault(k, v)
        self.all_docs = frozenset(self.day)

    def count(self, facet: str, docs) -> Counter:
        """How many of docs carry each value of one facet (key -> count)."""
        column = self.values[facet]
        counts: Counter = Counter()
        for doc in docs:
            counts.update(column.get(doc, ()))
        return counts


def facet_values(record: dict) -> dict[str, tuple[str, ...]]:
    """Display values of each facet for one stored record (one value per person etc.)."""
    sources = [c["source"] for c in record.get("captures", []) if c.get("source")]
    date = record.get("date")
    raw = {
        "year": [date[:4]] if date else [UNDATED],
        "speaker": record.get("speakers", []),
        "topic": record.get("topics", []),
        "reporter": record.get("reporters", []),
        "org": record.get("organisations", []),
        "source": sources or ([record["source"]] if record.get("source") else []),
        "section": [record["section"]] if record.get("section") else [],
        "type": [record.get("page_type", "article")],
    }
    out = {}
    for name, values in raw.items():
        seen = {}
        for v in values:
            v = " ".join(str(v).replace(",", " ").split())
            seen.setdefault(v.lower(), v)
        out[name] = tuple(seen.values())
    return out


def table_for(searcher) -> FacetTable:
    """The FacetTable of this searcher's index generation (built on first use)."""
    # Every thread's searcher on the same index generation shares one table.
    index = getattr(searcher, "_ix", None)
    folder = getattr(getattr(index, "storage", None), "folder", None) or id(searcher.ixreader)
    key = (folder, searcher.ixreader.generation())
    with _lock:
        table = _cache.get(key)
        if table is None:
            if len(_cache) > 4:  # old generations are garbage once searchers refresh
                _cache.clear()
            table = _cache[key] = FacetTable(searcher)
    return table
