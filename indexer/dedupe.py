"""Two captures of one story (same URL, or near-identical text) become one search result."""

from __future__ import annotations

import hashlib
import itertools
import re
import zlib
from array import array
from collections.abc import Iterator, Sequence

import numpy as np

NUM_HASHES = 32
BANDS = 8  # 8 bands of 4 rows: pairs above ~0.7 Jaccard nearly always meet in a band
# Estimated Jaccard of 4-word shingles above which two bodies are the same story.
SAME_STORY = 0.8
SHINGLE = 4
_SEEDS = np.array(
    [int(hashlib.sha1(str(i).encode()).hexdigest()[:16], 16) for i in range(NUM_HASHES)],
    dtype=np.uint64,
)[:, None]
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHINGLE_MIX = np.uint64(0x100000001B3)


def normal_url(url: str | None) -> str | None:
    """URL key that ignores scheme, www., trailing slash, query string and fragment."""
    if not url:
        return None
    url = re.sub(r"^https?://(www\.)?", "", url.strip().lower())
    return re.split(r"[?#]", url)[0].rstrip("/") or None


def signature(text: str) -> list[int]:
    """MinHash signature of the text's word 4-shingles (vectorised: a CRC per distinct word,
    shingle hashes and permutations in numpy arithmetic, which wraps by design)."""
    words = re.findall(r"\w+", text.lower()) or [""]
    words += [""] * (SHINGLE - len(words))
    codes: dict[str, int] = {}
    ids = np.fromiter(
        (codes.setdefault(w, zlib.crc32(w.encode())) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    count = len(words) - SHINGLE + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for k in range(SHINGLE):
        shingles = (shingles * _SHINGLE_MIX) ^ ids[k : k + count]
    shingles = np.unique(shingles)
    return ((shingles[None, :] ^ _SEEDS) * _MIX).min(axis=1).tolist()


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / NUM_HASHES


def band_keys(sig: Sequence[int]) -> list[int]:
    """One key per LSH band: records sharing a key are compared. Stable 64-bit integers (a
    keyed hash, not Python's hash()), so the keys stored by one ingest match the next's."""
    rows = NUM_HASHES // BANDS
    keys = []
    for band in range(BANDS):
        text = f"{band}:" + ",".join(map(str, sig[band * rows : (band + 1) * rows]))
        digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def group(records: list[tuple[str, str | None, Sequence[int]]]) -> dict[str, str]:
    """Map each record id to its group's primary id (the smallest id: deterministic), from
    each record's (id, normal_url key, signature): grouping needs no text.

    Groups are the connected records: the same URL key, or a shared LSH band with estimated
    similarity of at least SAME_STORY. The band keys of every record are held as one int64
    array and sorted, so that only records sharing a key are looked at: a dict of buckets
    held about 1.6 KB a record, most of an ingest's memory per capture (#12)."""
    ids = [rid for rid, _, _ in records]
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)  # the smaller rank: the smaller id, below

    # Records ranked in id order, so that the root of every group is its smallest id.
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = [0] * len(ids)
    for r, i in enumerate(order):
        rank[i] = r
    by_url: dict[str, int] = {}
    for i in order:
        key = records[i][1]
        if key:
            if key in by_url:
                union(by_url[key], rank[i])
            by_url.setdefault(key, rank[i])
    del by_url
    signatures = [records[i][2] for i in order]
    keys = np.empty((len(signatures), BANDS), dtype=np.int64)
    for r, sig in enumerate(signatures):
        keys[r] = band_keys(sig)
    for members in shared_bands(keys):
        for a, b in itertools.combinations(members, 2):
            if find(a) != find(b) and similarity(signatures[a], signatures[b]) >= SAME_STORY:
                union(a, b)
    return {ids[order[r]]: ids[order[find(r)]] for r in range(len(order))}


def shared_bands(keys: np.ndarray) -> Iterator[list[int]]:
    """The records (rows of keys, one column per band) sharing each band key that more than
    one record has, each list in row order."""
    flat = keys.ravel()
    owner = np.repeat(np.arange(keys.shape[0]), BANDS)
    by_key = np.argsort(flat, kind="stable")
    flat, owner = flat[by_key], owner[by_key]
    del by_key
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    ends = np.r_[starts[1:], flat.size]
    shared = ends - starts > 1
    for start, end in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
        yield sorted(set(owner[start:end].tolist()))


def compact(sig: Sequence[int]) -> array:
    """A signature in 8 bytes a hash (a list of Python ints takes 45): an ingest keeps one
    for every record it groups."""
    return array("Q", sig)
