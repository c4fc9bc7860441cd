"""BM25 ranking in numpy for the common query shape (one word, or words that must all match),
over posting lists read once per segment and cached: a plain search then costs a few array
operations instead of scoring every match in Python. Other shapes go through Whoosh."""

from __future__ import annotations

import threading
from collections import OrderedDict
from math import log

import numpy as np
from whoosh import query

from indexer.facets import index_identity, segment_key

FIELD = "content"
B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults, so both paths rank alike
CACHED_TERMS = 4096  # posting lists kept per process (most recent first)

_postings: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_lengths: dict[tuple, np.ndarray] = {}
_lock = threading.Lock()


def simple_terms(q: query.Query) -> list[str] | None:
    """The words of a query made only of required words in the content field, else None."""
    if isinstance(q, query.Term) and q.fieldname == FIELD:
        return [q.text]
    if (
        isinstance(q, query.And)
        and q.subqueries
        and all(isinstance(s, query.Term) and s.fieldname == FIELD for s in q.subqueries)
    ):
        return [s.text for s in q.subqueries]
    return None


def leaf_postings(leaf, key: tuple, term: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of one term in one segment, cached."""
    cache_key = (*key, term)
    with _lock:
        found = _postings.get(cache_key)
        if found is not None:
            _postings.move_to_end(cache_key)
            return found
    if (FIELD, term) not in leaf:
        found = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    else:
        m = leaf.postings(FIELD, term)
        while not hasattr(m, "_atend") and hasattr(m, "child"):
            m = m.child  # the deleted-documents filter; deletions are applied in bm25()
        ids, weights = [], []
        # Read whole blocks (pinned whoosh3 3.54.0 internals) instead of one posting at a time.
        while not m._atend:
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            weights.append(np.asarray(m._weights, dtype=np.float32)[: len(m._ids)])
            m._next_block()
        found = (
            (np.concatenate(ids), np.concatenate(weights))
            if ids
            else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        )
    with _lock:
        _postings[cache_key] = found
        while len(_postings) > CACHED_TERMS:
            _postings.popitem(last=False)
    return found


def leaf_lengths(leaf, key: tuple) -> np.ndarray:
    """Length of the content field of every document in one segment, cached."""
    with _lock:
        found = _lengths.get(key)
    if found is None:
        n = leaf.doc_count_all()
        found = np.array(
            [leaf.doc_field_length(d, FIELD, 0) or 0 for d in range(n)], dtype=np.float32
        )
        with _lock:
            _lengths[key] = found
    return found


def bm25(searcher, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, scores) of the documents containing every term, BM25-scored."""
    n_docs = searcher.doc_count_all()
    avg_length = (searcher.field_length(FIELD) / n_docs) if n_docs else 1.0
    docs_parts, score_parts = [], []
    folder = index_identity(searcher)
    for leaf, offset in searcher.ixreader.leaf_readers():
        key = (folder, *segment_key(leaf))
        lengths = leaf_lengths(leaf, key)
        docs, scores = None, None
        for term in dict.fromkeys(terms):
            ids, tf = leaf_postings(leaf, key, term)
            # max(): an index whose every document was deleted still has a segment (#14).
            idf = log(max(n_docs, 1) / (searcher.doc_frequency(FIELD, term) + 1)) + 1
            norm = K1 * ((1 - B) + B * lengths[ids] / avg_length)
            part = (idf * tf * (K1 + 1) / (tf + norm)).astype(np.float32)
            if docs is None:
                docs, scores = ids, part
                continue
            keep = np.isin(docs, ids, assume_unique=True)
            docs, scores = docs[keep], scores[keep]
            scores = scores + part[np.searchsorted(ids, docs)]
        if docs is not None and docs.size:
            live = (
                np.array([not leaf.is_deleted(d) for d in docs])
                if leaf.has_deletions()
                else slice(None)
            )
            docs_parts.append(docs[live] + offset)
            score_parts.append(scores[live])
    if not docs_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(docs_parts), np.concatenate(score_parts)


def top(docs: np.ndarray, scores: np.ndarray, allowed: np.ndarray, limit: int) -> list[int]:
    """The `limit` best-scoring documents among docs that the allowed mask keeps."""
    keep = allowed[docs]
    docs, scores = docs[keep], scores[keep]
    if docs.size > limit:
        part = np.argpartition(-scores, limit - 1)[:limit]
        docs, scores = docs[part], scores[part]
    order = np.lexsort((docs, -scores))  # best first; equal scores by document number
    return docs[order].tolist()
