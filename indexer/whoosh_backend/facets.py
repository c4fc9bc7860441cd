"""Facet values of every document as numpy arrays, built per segment from a compact column,
and counted over boolean document masks (bincount), so facet counts stay fast at 100k."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import numpy as np

from indexer.registry import FACET_NAMES, facet_values

_segment_cache: dict[tuple, SegmentFacets] = {}
_table_cache: dict[tuple, FacetTable] = {}
_lock = threading.Lock()


def encode(record: dict, day: int, doc_id: str) -> bytes:
    """The per-document column value: facet display values, the day number and the id."""
    data = {"d": day, "i": doc_id, **facet_values(record)}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@dataclass
class Column:
    """One multi-valued facet: value ordinals per document in CSR form."""

    keys: list[str]  # ordinal -> case-folded key
    display: list[str]  # ordinal -> how the value is shown
    rows: np.ndarray  # int32[nnz]: document number of each (doc, value) pair
    ords: np.ndarray  # int32[nnz]: value ordinal of each pair
    index: dict[str, int]  # key -> ordinal


class SegmentFacets:
    """Arrays for one segment, built once from its facet column and reused across refreshes."""

    def __init__(self, reader):
        n = reader.doc_count_all()
        self.n = n
        self.day = np.zeros(n, dtype=np.int32)
        ids = [""] * n
        pairs: dict[str, tuple[list[int], list[str]]] = {f: ([], []) for f in FACET_NAMES}
        column = reader.column_reader("facetdata") if reader.has_column("facetdata") else None
        for doc in range(n):
            raw = column[doc] if column is not None else b""
            if not raw:
                continue
            data = json.loads(raw)
            self.day[doc] = data.get("d", 0)
            ids[doc] = data.get("i", "")
            for name in FACET_NAMES:
                rows, values = pairs[name]
                for value in data.get(name, ()):
                    rows.append(doc)
                    values.append(value)
        self.ids = np.array(ids or [""], dtype=str)[:n]
        # Kept as arrays: (document, value) pairs as Python lists of strings were most of a
        # server's memory at 300,000 stories (#12).
        self.pairs = {name: compact_pairs(*pairs[name]) for name in FACET_NAMES}
        self.live = np.ones(n, dtype=bool)
        if reader.has_deletions():
            self.live[[d for d in range(n) if reader.is_deleted(d)]] = False


def compact_pairs(rows: list[int], values: list[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(document of each pair, the distinct values in first-seen order, each pair's index
    into them): the same pairs in arrays."""
    index: dict[str, int] = {}
    which = np.fromiter((index.setdefault(v, len(index)) for v in values), np.int32, len(values))
    return np.asarray(rows, dtype=np.int32), list(index), which


class FacetTable:
    """Facet arrays over a whole searcher (all segments, docnums as the searcher numbers them)."""

    def __init__(self, pieces: list[tuple[SegmentFacets, int]]):
        self.n = sum(p.n for p, _ in pieces)
        self.day = np.zeros(self.n, dtype=np.int32)
        self.live = np.zeros(self.n, dtype=bool)
        gathered: dict[str, list] = {f: [] for f in FACET_NAMES}
        # Document ids, for breaking ties between equal dates the same way in any layout.
        self.ids = np.concatenate([piece.ids for piece, _ in pieces] or [np.array([""])])
        for piece, offset in pieces:
            self.day[offset : offset + piece.n] = piece.day
            self.live[offset : offset + piece.n] = piece.live
            for name in FACET_NAMES:
                rows, values, which = piece.pairs[name]
                gathered[name].append((rows.astype(np.int64) + offset, values, which))
        self.columns = {name: build_column(gathered[name]) for name in FACET_NAMES}

    def mask(self, docnums) -> np.ndarray:
        """Boolean mask of the given document numbers (live documents only)."""
        out = np.zeros(self.n, dtype=bool)
        # fromiter would make a numpy scalar of each of an array's numbers: 1.3 ms for a
        # common word's 33,000 documents.
        docs = docnums if isinstance(docnums, np.ndarray) else np.fromiter(docnums, np.int64)
        if docs.size:
            out[docs] = True
        return out & self.live

    def select(self, name: str, values) -> np.ndarray:
        """Mask of documents having any of the values in one facet (case-insensitive)."""
        column = self.columns[name]
        wanted = [column.index[v.lower()] for v in values if v.lower() in column.index]
        out = np.zeros(self.n, dtype=bool)
        if wanted:
            out[column.rows[np.isin(column.ords, wanted)]] = True
        return out & self.live

    def count(self, name: str, mask: np.ndarray) -> dict[str, int]:
        """key -> number of documents in mask carrying that value."""
        column = self.columns[name]
        if not column.keys:
            return {}
        counts = np.bincount(column.ords[mask[column.rows]], minlength=len(column.keys))
        return {column.keys[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def display(self, name: str, key: str) -> str:
        """How a facet value is shown."""
        column = self.columns[name]
        return column.display[column.index[key]] if key in column.index else key

    def days_between(self, lo: int | None, hi: int | None) -> np.ndarray:
        """Mask of dated documents whose day lies in [lo, hi]."""
        out = self.live & (self.day > 0)
        if lo is not None:
            out &= self.day >= lo
        if hi is not None:
            out &= self.day <= hi
        return out


def build_column(parts: list[tuple[np.ndarray, list[str], np.ndarray]]) -> Column:
    """CSR arrays with ordinals assigned in first-seen order of the case-folded key (each
    part's distinct values come in first-seen order, so taking them in turn keeps it)."""
    index: dict[str, int] = {}
    display: list[str] = []
    rows, ords = [], []
    for part_rows, values, which in parts:
        local = np.empty(len(values), dtype=np.int32)
        for i, value in enumerate(values):
            key = value.lower()
            ordinal = index.get(key)
            if ordinal is None:
                ordinal = index[key] = len(display)
                display.append(value)
            local[i] = ordinal
        rows.append(part_rows)
        ords.append(local[which])
    return Column(
        keys=list(index),
        display=display,
        rows=np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
        ords=np.concatenate(ords) if ords else np.zeros(0, dtype=np.int32),
        index=index,
    )


def segment_key(reader) -> tuple:
    """Identity of a segment's contents: its id and how many of its documents are deleted."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    if segment is None:
        return (id(reader),)
    return (segment.segment_id(), segment.deleted_count())


def index_identity(searcher) -> str | int:
    """What names the index a searcher reads: its folder (ids of caches built from it)."""
    index = getattr(searcher, "_ix", None)
    return str(getattr(getattr(index, "storage", None), "folder", "")) or id(searcher)


def table_for(searcher) -> FacetTable:
    """The FacetTable of this searcher's index generation; unchanged segments are reused."""
    folder = index_identity(searcher)
    key = (folder, searcher.ixreader.generation())
    with _lock:
        table = _table_cache.get(key)
        if table is not None:
            return table
        pieces, live_keys = [], set()
        for reader, offset in searcher.ixreader.leaf_readers():
            seg_key = (folder, *segment_key(reader))
            live_keys.add(seg_key)
            piece = _segment_cache.get(seg_key)
            if piece is None:
                piece = _segment_cache[seg_key] = SegmentFacets(reader)
            pieces.append((piece, offset))
        for stale in [k for k in _segment_cache if k[0] == folder and k not in live_keys]:
            del _segment_cache[stale]  # merged or replaced segments
        for stale in [k for k in _table_cache if k[0] == folder]:
            del _table_cache[stale]
        table = _table_cache[key] = FacetTable(pieces)
    return table
