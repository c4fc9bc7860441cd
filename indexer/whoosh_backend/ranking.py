"""BM25 ranking in numpy for the common query shapes (words that must all match, phrases and
names in quotes, any of several words, a prefix), over posting lists sliced from each
segment's flat file (flatpostings.py) and cached: a search then costs a few array
operations instead of scoring every match in Python. Other shapes go through Whoosh."""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from math import log

import numpy as np
from whoosh import query

from indexer.whoosh_backend.facets import index_identity, segment_key
from indexer.whoosh_backend.flatpostings import FlatPostings, open_flat, positions_extender

FIELD = "content"
B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults, so both paths rank alike
CACHED_TERMS = 4096  # posting lists kept per process (most recent first)
# ... and at most this many bytes of them: a common word's list is 12 bytes a document, so
# 4,096 lists alone would pass 1 GiB at 300,000 stories; a list dropped is read again from
# the flat file as one slice.
CACHED_POSTINGS_BYTES = 192 * 1024 * 1024
# whoosh.query.compound.Or._matcher's thresholds (whoosh3 3.54.0): past them a union of
# three or more words preloads its matches with a constant score (see prefix_ranked()).
OR_PRELOAD_DOCS = 5000
OR_TOO_MANY_CLAUSES = 1024
# Position lists kept per process, for words in at most CACHED_POSITIONS_MAX documents of a
# segment (the words of names, asked again and again); a commoner word's positions are read
# for the phrase's candidate documents only, since all of them would be many times its
# postings in memory.
CACHED_POSITIONS = 512
CACHED_POSITIONS_MAX = 1000


class PostingCache(OrderedDict):
    """Posting lists by (segment, term), most recently used last, bounded in number and in
    bytes (see CACHED_POSTINGS_BYTES)."""

    def __init__(self):
        super().__init__()
        self.bytes = 0

    def put(self, key: tuple, postings: tuple[np.ndarray, np.ndarray]) -> None:
        """Keep a list, dropping the least recently used past either bound."""
        if key not in self:
            super().__setitem__(key, postings)
            self.bytes += size_of(postings)
        while len(self) > CACHED_TERMS or self.bytes > CACHED_POSTINGS_BYTES:
            oldest = next(iter(self))
            del self[oldest]

    def __delitem__(self, key: tuple) -> None:
        """Forget one list."""
        self.bytes -= size_of(self[key])
        super().__delitem__(key)

    def clear(self) -> None:
        """Forget every list."""
        super().clear()
        self.bytes = 0


def size_of(postings: tuple[np.ndarray, np.ndarray]) -> int:
    """Bytes held by one cached posting list."""
    return postings[0].nbytes + postings[1].nbytes


_postings = PostingCache()
_positions: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_lengths: dict[tuple, np.ndarray] = {}
_flat_files: dict[tuple, FlatPostings | None] = {}  # per segment (flatpostings.py)
_deleted: dict[tuple, np.ndarray] = {}  # per segment with deletions
_segments_seen: dict[object, frozenset] = {}  # per index: the segments last searched
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
    """(document numbers, term frequencies) of one term in one segment, cached: sliced from
    the segment's flat file when it has one, else decoded from Whoosh's blocks."""
    cache_key = (*key, term)
    with _lock:
        found = _postings.get(cache_key)
        if found is not None:
            _postings.move_to_end(cache_key)
            return found
    flat = flat_file(leaf, key)
    found = flat.postings(term) if flat is not None else None
    if found is None:
        found = whoosh_postings(leaf, term)
    with _lock:
        _postings.put(cache_key, found)
    return found


def raw_postings(leaf, term: str):
    """A term's block matcher over every posting of the segment, deleted documents included
    as in the flat files (the reader's own matcher is wrapped in a deletion filter that has
    already stepped past the leading deleted ones). Deletions are applied in bm25()."""
    return leaf._terms.matcher(FIELD, leaf._text_to_bytes(FIELD, term), leaf.schema[FIELD].format)


def whoosh_postings(leaf, term: str) -> tuple[np.ndarray, np.ndarray]:
    """leaf_postings() read from Whoosh's postings, a whole block at a time (pinned whoosh3
    3.54.0 internals) instead of one posting at a time."""
    if (FIELD, term) not in leaf:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    m = raw_postings(leaf, term)
    ids, weights = [], []
    while not m._atend:
        m._read_ids()
        m._read_weights()
        ids.append(np.asarray(m._ids, dtype=np.int64))
        weights.append(np.asarray(m._weights, dtype=np.float32)[: len(m._ids)])
        m._next_block()
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(ids), np.concatenate(weights)


def phrase_parts(q: query.Query) -> tuple[list[str], list[list[str]]] | None:
    """(every word, the phrases) of a query made only of required words and exact phrases
    in the content field ('"kem sokha" trial'), else None. Whoosh scores such a phrase as
    the sum of its words' BM25 (SpanNear2 over an intersection), so bm25() of all the words
    over the documents holding the phrases ranks exactly as Whoosh does. A word used twice
    would be scored twice by Whoosh: such queries stay with Whoosh."""
    parts = q.subqueries if isinstance(q, query.And) else [q]
    words: list[str] = []
    phrases: list[list[str]] = []
    for part in parts:
        if part.boost != 1.0 or getattr(part, "fieldname", None) != FIELD:
            return None
        if isinstance(part, query.Term):
            words.append(part.text)
        elif isinstance(part, query.Phrase) and part.slop == 1 and len(part.words) >= 2:
            phrases.append(list(part.words))
            words.extend(part.words)
        else:
            return None
    if not phrases or len(set(words)) != len(words):
        return None
    return words, phrases


def leaf_positions(
    leaf, key: tuple, term: str, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(document number, position) of every occurrence of one term in the candidate
    documents of one segment, decoded from Whoosh's postings (only the candidates'; a rare
    term's whole list, a name's words, is decoded once and kept): for a segment without a
    usable flat file (flat_phrase reads those)."""
    cache_key = (*key, term)
    with _lock:
        found = _positions.get(cache_key)
        if found is not None:
            _positions.move_to_end(cache_key)
    if found is None:
        if (FIELD, term) not in leaf:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        whole = leaf.doc_frequency(FIELD, term) <= CACHED_POSITIONS_MAX
        found = read_positions(leaf, term, None if whole else candidates)
        if not whole:
            return found
        with _lock:
            _positions[cache_key] = found
            while len(_positions) > CACHED_POSITIONS:
                _positions.popitem(last=False)
    keep = wanted_mask(leaf, candidates)[found[0]]
    return found[0][keep], found[1][keep]


def flat_file(leaf, key: tuple) -> FlatPostings | None:
    """The segment's flat postings file (flatpostings.py), opened once per process, or None."""
    with _lock:
        if key in _flat_files:
            return _flat_files[key]
    found = open_flat(leaf)
    with _lock:
        _flat_files[key] = found
    return found


def flat_phrase(flat: FlatPostings, phrase: list[str], postings: list, candidates: np.ndarray):
    """Which candidates (documents of the segment holding every word of the phrase) hold the
    words side by side in order, from the flat file: positions are read for the candidates
    still in the running only, keyed by candidate index. None when the file does not list a
    word's postings as the segment does (then Whoosh's own are read)."""

    def occurrences(k: int, alive: np.ndarray):
        ids = postings[k][0]
        found = flat.positions(phrase[k], np.searchsorted(ids, candidates[alive]))
        if found is None or found[0] != ids.size:
            return None
        return np.repeat(alive, found[1]), found[2]

    held = in_order(len(phrase), occurrences, np.arange(candidates.size))
    if held is None:
        return None
    holds = np.zeros(candidates.size, dtype=bool)
    holds[held] = True
    return holds


def in_order(n_words: int, occurrences, alive: np.ndarray) -> np.ndarray | None:
    """The owners among alive (sorted numbers: documents, or candidates' indexes) in which
    n_words words stand side by side in order. occurrences(k, alive) gives word k's
    (owner, position) pairs in the owners still in the running, or None to give up (then
    None). Occurrences are (owner, position) keys, and each next word must sit at the next
    position."""
    starts = None
    for offset in range(n_words):
        found = occurrences(offset, alive)
        if found is None:
            return None
        owners, positions = found
        keys = ascending((owners << 32) + positions)
        starts = keys if starts is None else starts[sorted_in(starts + offset, keys)]
        if not starts.size:
            return alive[:0]
        held = starts >> 32
        alive = held[first_of_runs(held)]  # sorted: unique
    return alive


def wanted_mask(leaf, candidates: np.ndarray) -> np.ndarray:
    """A boolean mask over the segment's documents, true for the candidates (indexing it
    costs a lookup per posting; np.isin would hash the candidates again for every block)."""
    mask = np.zeros(leaf.doc_count_all(), dtype=bool)
    mask[candidates] = True
    return mask


def read_positions(leaf, term: str, candidates: np.ndarray | None):
    """leaf_positions() read from the segment: postings block by block (pinned whoosh3
    3.54.0 internals, as in leaf_postings), each wanted posting's positions decoded by the
    field's own format."""
    m = raw_postings(leaf, term)
    extend = positions_extender(leaf.schema[FIELD].format)
    docs: list[int] = []
    counts: list[int] = []
    positions = array("q")
    mask = None if candidates is None else wanted_mask(leaf, candidates)
    low = 0  # the smallest document number the next block can hold
    while not m._atend:
        if mask is not None and not mask[low : m._maxid + 1].any():
            low = m._maxid + 1  # no candidate here: the block is not even decompressed
            m._next_block()
            continue
        low = m._maxid + 1
        m._read_ids()
        m._read_values()
        ids, values = m._ids, m._values
        wanted = (
            range(len(ids))
            if mask is None
            else np.flatnonzero(mask[np.asarray(ids, dtype=np.int64)]).tolist()
        )
        for i in wanted:
            docs.append(ids[i])
            counts.append(extend(values[i], positions))
        m._next_block()
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    repeated = np.repeat(np.asarray(docs, dtype=np.int64), counts)
    return repeated, np.frombuffer(positions, dtype=np.int64)


def phrase_docs(leaf, key: tuple, phrase: list[str], candidates: np.ndarray) -> np.ndarray:
    """The candidate documents (segment numbers) in which the words stand side by side in
    order, from Whoosh's postings, each word read only for the documents still in the
    running."""
    return in_order(
        len(phrase), lambda k, alive: leaf_positions(leaf, key, phrase[k], alive), candidates
    )


def first_of_runs(values: np.ndarray) -> np.ndarray:
    """A mask of the values that differ from the one before (np.r_ costs ten times this)."""
    first = np.empty(values.size, dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return first


def ascending(values: np.ndarray) -> np.ndarray:
    """values sorted (they come sorted from the postings; checking costs one pass)."""
    return values if values.size < 2 or (values[1:] >= values[:-1]).all() else np.sort(values)


def sorted_in(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which values are among the sorted keys, by binary search: np.isin hashes both arrays,
    13x slower on the sizes a phrase of common words reads (numpy 2.4)."""
    if not keys.size:
        return np.zeros(values.size, dtype=bool)
    at = np.searchsorted(keys, values)
    return keys[np.minimum(at, keys.size - 1)] == values


def phrase_bm25(searcher, words: list[str], phrases: list[list[str]]):
    """bm25() of all the words, kept to the documents that hold every phrase. Per segment,
    the documents holding every word are found first, the phrases are checked in those,
    and only the documents left are scored: the same floats, elementwise, as scoring all."""
    leaves, idf, avg_length = scoring_context(searcher, words)
    docs_parts, score_parts = [], []
    for leaf, offset, key, per_leaf in leaves:
        docs = live_docs(leaf, key, common_docs(per_leaf, leaf.doc_count_all()))
        if docs.size:
            docs = docs[holds_phrases(leaf, key, words, phrases, per_leaf, docs)]
        if docs.size:
            docs_parts.append(docs + offset)
            score_parts.append(scores_of(per_leaf, idf, docs, leaf_lengths(leaf, key), avg_length))
    return joined(docs_parts, score_parts)


def holds_phrases(leaf, key: tuple, words: list[str], phrases: list[list[str]], per_leaf, docs):
    """A mask over docs (segment numbers, each holding every word) of those holding every
    phrase: from the segment's flat file, else from Whoosh's postings."""
    flat = flat_file(leaf, key)
    keep = np.ones(docs.size, dtype=bool)
    for phrase in phrases:
        alive = np.flatnonzero(keep)
        postings = [per_leaf[words.index(term)] for term in phrase]
        holds = flat_phrase(flat, phrase, postings, docs[alive]) if flat is not None else None
        if holds is None:
            holds = sorted_in(docs[alive], phrase_docs(leaf, key, phrase, docs[alive]))
        keep[alive[~holds]] = False
    return keep


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


def forget_gone(folder, segments: frozenset) -> None:
    """Drop what the caches hold for segments the index no longer has (merged away, or
    changed by deletions: their key holds the deleted count). Checked when a searcher of the
    index shows another set of segments than the last one."""
    with _lock:
        if _segments_seen.get(folder) == segments:
            return
        _segments_seen[folder] = segments
        for cache in (_postings, _positions, _lengths, _flat_files, _deleted):
            gone = [
                k
                for k in cache
                if k[0] == folder and not any(k[: len(seg)] == seg for seg in segments)
            ]
            for k in gone:
                del cache[k]


def forget_all() -> None:
    """Empty every cache (the benchmark's passes start cold on the same footing)."""
    with _lock:
        for cache in (_postings, _positions, _lengths, _flat_files, _deleted, _segments_seen):
            cache.clear()


def scoring_context(searcher, terms: list[str]):
    """([(segment reader, offset, cache key, each term's postings there)], each term's idf,
    the average length): what BM25 needs of the index for these terms."""
    n_docs = searcher.doc_count_all()
    avg_length = (searcher.field_length(FIELD) / n_docs) if n_docs else 1.0
    folder = index_identity(searcher)
    leaves = [
        (leaf, offset, (folder, *segment_key(leaf)))
        for leaf, offset in searcher.ixreader.leaf_readers()
    ]
    forget_gone(folder, frozenset(key for _, _, key in leaves))
    with_postings = [
        (leaf, offset, key, [leaf_postings(leaf, key, term) for term in terms])
        for leaf, offset, key in leaves
    ]
    # A term's document frequency is its number of postings, deleted documents included,
    # as Whoosh counts it (its term info is bumped once per posting written).
    frequency = [sum(leaf[3][t][0].size for leaf in with_postings) for t in range(len(terms))]
    # max(): an index whose every document was deleted still has a segment (#14).
    idf = [log(max(n_docs, 1) / (df + 1)) + 1 for df in frequency]
    return with_postings, idf, avg_length


def bm25(searcher, terms: list[str], every: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, scores) of the documents containing every term (or, with
    every=False, any of them), BM25-scored: a document's score is the sum of its terms'
    scores, as Whoosh's intersection and union matchers add them."""
    leaves, idf, avg_length = scoring_context(searcher, list(dict.fromkeys(terms)))
    docs_parts, score_parts = [], []
    for leaf, offset, key, per_leaf in leaves:
        lengths = leaf_lengths(leaf, key)
        if every:
            docs = common_docs(per_leaf, leaf.doc_count_all())
            scores = scores_of(per_leaf, idf, docs, lengths, avg_length)
        else:
            parts = []
            for (ids, tf), term_idf in zip(per_leaf, idf, strict=True):
                parts.append((ids, term_score(term_idf, tf, lengths[ids], avg_length)))
            docs, scores = any_term(parts)
        if docs.size:
            deleted = leaf_deleted(leaf, key)
            live = ~deleted[docs] if deleted is not None else slice(None)
            docs_parts.append(docs[live] + offset)
            score_parts.append(scores[live])
    return joined(docs_parts, score_parts)


def joined(docs_parts: list, score_parts: list) -> tuple[np.ndarray, np.ndarray]:
    """The segments' (documents, scores) one after another."""
    if not docs_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return np.concatenate(docs_parts), np.concatenate(score_parts)


def live_docs(leaf, key: tuple, docs: np.ndarray) -> np.ndarray:
    """docs (segment numbers) without the segment's deleted documents."""
    deleted = leaf_deleted(leaf, key)
    return docs if deleted is None else docs[~deleted[docs]]


def leaf_deleted(leaf, key: tuple) -> np.ndarray | None:
    """A mask of one segment's deleted documents, cached (its key holds the deleted count),
    or None when it has none."""
    if not leaf.has_deletions():
        return None
    with _lock:
        found = _deleted.get(key)
    if found is None:
        found = np.zeros(leaf.doc_count_all(), dtype=bool)
        found[list(leaf.deleted_docs_set)] = True
        with _lock:
            _deleted[key] = found
    return found


def term_score(term_idf: float, tf: np.ndarray, lengths: np.ndarray, avg_length: float):
    """One term's BM25 score in each of its documents (tf and lengths per document)."""
    norm = K1 * ((1 - B) + B * lengths / avg_length)
    return term_idf * tf * (K1 + 1) / (tf + norm)


def common_docs(per_term: list[tuple[np.ndarray, np.ndarray]], size: int) -> np.ndarray:
    """The documents holding every term (each term's (ids, frequencies)) in a segment of
    `size` documents, found from the shortest posting list: a name's common first word has
    many postings its second word's few documents need not be looked at in."""
    docs = min((ids for ids, _ in per_term), key=len)
    for ids, _ in per_term:
        if ids is not docs:
            docs = docs[among(docs, ids, size)]
    return docs


def among(docs: np.ndarray, ids: np.ndarray, size: int) -> np.ndarray:
    """Which of the sorted documents docs are among the sorted ids (documents of a segment
    of `size`): by binary search, or by a mask over the segment when the searches would
    cost more. Measured on numpy 2.4: a search step costs about a nanosecond, as does
    marking an id or reading a document in the mask, and clearing the mask about one per
    64 documents; for two words of 2,000 postings in 33,000 documents the mask is 4x
    faster, for a rare word's few documents the search is."""
    if docs.size * ids.size.bit_length() > ids.size + docs.size + size // 64:
        mask = np.zeros(size, dtype=bool)
        mask[ids] = True
        return mask[docs]
    return sorted_in(docs, ids)


def scores_of(
    per_term: list[tuple[np.ndarray, np.ndarray]],
    idf: list[float],
    docs: np.ndarray,
    lengths: np.ndarray,
    avg_length: float,
) -> np.ndarray:
    """The BM25 score of docs (each holding every term): only theirs are computed, and the
    terms' scores are added in float32 in term order, as Whoosh's intersection adds them."""
    scores = None
    for (ids, tf), term_idf in zip(per_term, idf, strict=True):
        part = term_score(term_idf, tf[np.searchsorted(ids, docs)], lengths[docs], avg_length)
        scores = part.astype(np.float32) if scores is None else scores + part.astype(np.float32)
    return scores


def any_term(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Documents in any (ids, scores) part, with the scores of the parts they are in added
    (in float64: the sums of a union tie less often than float32 would make them)."""
    docs, where = np.unique(np.concatenate([ids for ids, _ in parts]), return_inverse=True)
    scores = np.bincount(where, weights=np.concatenate([part for _, part in parts]))
    return docs, scores


def any_terms(q: query.Query) -> list[str] | None:
    """The words of a query asking for any of two or more distinct words in the content
    field ('land OR forest'), else None."""
    if not isinstance(q, query.Or) or len(q.subqueries) < 2 or q.boost != 1.0:
        return None
    if q.scale or q.minmatch:
        return None
    if not all(
        isinstance(s, query.Term) and s.fieldname == FIELD and s.boost == 1.0 for s in q.subqueries
    ):
        return None
    words = [s.text for s in q.subqueries]
    return words if len(set(words)) == len(words) else None


def numpy_ranked(searcher, q: query.Query) -> tuple[np.ndarray, np.ndarray] | None:
    """(documents, BM25 scores) for the query shapes ranked here (required words, phrases and
    names in quotes with words, any of several words); None leaves the query to Whoosh."""
    terms = simple_terms(q)
    if terms:
        return bm25(searcher, terms)
    phrased = phrase_parts(q)
    if phrased:
        return phrase_bm25(searcher, *phrased)
    either = any_terms(q)
    if either:
        return bm25(searcher, either, every=False)
    return prefix_ranked(searcher, q)


def prefix_ranked(searcher, q: query.Query) -> tuple[np.ndarray, np.ndarray] | None:
    """A bare `word*` on the content field, scored as Whoosh scores it (measured on its
    matchers, checked in tests/test_ranking.py): the BM25 of the matching words added as a
    union, except where Whoosh's preloading union gives every document 1.0 (below)."""
    if not (
        isinstance(q, query.Prefix) and q.fieldname == FIELD and q.boost == 1.0 and q.constantscore
    ):
        return None
    words = [w.decode("utf-8") if isinstance(w, bytes) else w for w in q._btexts(searcher.reader())]
    if not words:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    docs, scores = bm25(searcher, words, every=False)
    scores = scores.astype(np.float64)
    # Whoosh expands the prefix segment by segment, and picks its union matcher by the
    # segment's size (compound.Or._matcher): the preloading one, which drops the scores,
    # for three or more words in a segment of at most 5,000 documents or 1,024 words or more.
    for leaf, offset in searcher.ixreader.leaf_readers():
        present = sum((FIELD, w) in leaf for w in words)
        size = leaf.doc_count_all()
        if present >= 3 and (size <= OR_PRELOAD_DOCS or present >= OR_TOO_MANY_CLAUSES):
            scores[(docs >= offset) & (docs < offset + size)] = 1.0
    return docs, scores


def top(docs: np.ndarray, scores: np.ndarray, allowed: np.ndarray, limit: int) -> list[tuple]:
    """The `limit` best-scoring (document, score) pairs among docs that the allowed mask
    keeps, best first."""
    keep = allowed[docs]
    docs, scores = docs[keep], scores[keep]
    if docs.size > limit:
        # Everything scoring at least the limit-th best score: argpartition alone would cut
        # a tie at the boundary anywhere, where Whoosh keeps the lower document numbers.
        kth = np.partition(scores, docs.size - limit)[docs.size - limit]
        keep = scores >= kth
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:limit]  # best first; equal scores by document number
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))
