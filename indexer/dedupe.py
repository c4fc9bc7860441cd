"""Two captures of one story (same URL, or near-identical text) become one search result."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sqlite3
import zlib
from array import array
from collections.abc import Sequence

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
# Signatures read in one query while grouping (SQLite's limit on a query's values is higher).
SIGNATURES_AT_ONCE = 500
# A record's duplicate keys: its MinHash signature and that signature's LSH band keys.
Keys = tuple[list[int], list[int]]


def normal_url(url: str | None) -> str | None:
    """URL key that ignores scheme, www., trailing slash, query string and fragment."""
    if not url:
        return None
    url = re.sub(r"^https?://(www\.)?", "", url.strip().lower())
    return re.split(r"[?#]", url)[0].rstrip("/") or None


class WordCodes(dict):
    """word -> CRC-32 of its UTF-8, computed on a miss and kept (up to WORD_CODES_KEPT)."""

    def __missing__(self, word: str) -> int:
        """The code of a word not seen before."""
        if len(self) >= WORD_CODES_KEPT:
            self.clear()
        code = self[word] = zlib.crc32(word.encode())
        return code


# Words whose CRC a process keeps: news vocabularies are Zipfian, so a few hundred thousand
# words answer nearly every lookup, at about 130 bytes each (40 MB at most, measured).
WORD_CODES_KEPT = 300_000
WORD_CODES = WordCodes()


def signature(text: str) -> list[int]:
    """MinHash signature of the text's word 4-shingles (vectorised: a CRC per distinct word,
    shingle hashes and permutations in numpy arithmetic, which wraps by design)."""
    words = re.findall(r"\w+", text.lower()) or [""]
    words += [""] * (SHINGLE - len(words))
    # Each word's CRC looked up in C (a generator calling setdefault computed every word's
    # CRC again, half of the signature's time), from codes kept across captures: a set of
    # each text's words and their CRCs was a third of it (110 of 335 microseconds).
    ids = np.fromiter(map(WORD_CODES.__getitem__, words), dtype=np.uint64, count=len(words))
    count = len(words) - SHINGLE + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for k in range(SHINGLE):
        shingles = (shingles * _SHINGLE_MIX) ^ ids[k : k + count]
    # Repeated shingles stay: a minimum is the same with them, and sorting them away cost
    # more than the few repeats in a story do.
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


def keys(text: str) -> Keys:
    """A body's duplicate keys: its signature and that signature's band keys."""
    sig = signature(text)
    return sig, band_keys(sig)


def group_table(conn: sqlite3.Connection, schema: str = "stg") -> None:
    """Set each record's group in the `reach` table of `schema` (rank, id, url_key,
    signature, gid; ranks 0..n-1 in id order) from its band keys in `rbands` (key, rank):
    gid is the group's smallest id, so that it is deterministic.

    Groups are the connected records: the same URL key, or a shared LSH band with estimated
    similarity of at least SAME_STORY. SQLite finds the records sharing a URL or a band key,
    so that memory holds one 8-byte parent per record, whatever the archive's size (#12: a
    dict of buckets, then sorted key arrays, held hundreds of bytes a record)."""
    reach, rbands = f"{schema}.reach", f"{schema}.rbands"
    n = conn.execute(f"select count(*) from {reach}").fetchone()[0]
    parent = array("q", range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)  # the smaller rank: the smaller id

    same_url = (
        f"select group_concat(rank) from {reach} where url_key is not null "
        "group by url_key having count(*) > 1"
    )
    for (ranks,) in conn.execute(same_url):
        first, *others = sorted(map(int, ranks.split(",")))
        for other in others:
            union(first, other)
    shared = f"select group_concat(rank) from {rbands} group by key having count(*) > 1"
    for (ranks,) in conn.execute(shared):
        members = sorted(set(map(int, ranks.split(","))))
        decoded = {}
        for start in range(0, len(members), SIGNATURES_AT_ONCE):
            part = members[start : start + SIGNATURES_AT_ONCE]
            query = (
                f"select rank, signature from {reach} where rank in ({','.join('?' * len(part))})"
            )
            decoded.update((r, json.loads(sig)) for r, sig in conn.execute(query, part))
        # Records with one signature are one group, and compare alike with the others: one
        # of them is compared (thousands of identical "page not found" captures would
        # otherwise be millions of pairs).
        first_of: dict[tuple, int] = {}
        for r in members:
            union(first_of.setdefault(tuple(decoded[r]), r), r)
        distinct = list(first_of.values())
        for a, b in itertools.combinations(distinct, 2):
            if find(a) != find(b) and similarity(decoded[a], decoded[b]) >= SAME_STORY:
                union(a, b)
    roots = np.array(parent, dtype=np.int64)
    while not np.array_equal(hop := roots[roots], roots):  # every record to its root
        roots = hop
    conn.execute(f"update {reach} set gid = id")
    joined = np.flatnonzero(roots != np.arange(n))
    conn.executemany(
        f"update {reach} set gid = (select id from {reach} where rank = ?) where rank = ?",
        zip(roots[joined].tolist(), joined.tolist(), strict=True),
    )


def group(records: list[tuple[str, str | None, Sequence[int]]]) -> dict[str, str]:
    """Map each record id to its group's primary id, from each record's (id, normal_url
    key, signature): group_table over a scratch database in memory, for callers that hold
    their records already (tests, small archives)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(
        "create table reach (rank integer primary key, id text, url_key text, "
        "signature text, gid text)"
    )
    conn.execute("create table rbands (key integer, rank integer)")
    ordered = sorted(records, key=lambda r: r[0])
    conn.executemany(
        "insert into reach values (?, ?, ?, ?, null)",
        ((r, rid, key, json.dumps(list(sig))) for r, (rid, key, sig) in enumerate(ordered)),
    )
    conn.executemany(
        "insert into rbands values (?, ?)",
        ((k, r) for r, (_, _, sig) in enumerate(ordered) for k in band_keys(sig)),
    )
    group_table(conn, "main")
    found = dict(conn.execute("select id, gid from reach"))
    conn.close()
    return found
