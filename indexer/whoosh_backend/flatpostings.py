"""The search field's postings and positions kept beside each segment as flat arrays (#12).

Whoosh stores postings in zlib-compressed blocks and each posting's positions as a small
pickle inside them, so a search decoded a block per 128 postings and a phrase of common
words ("said environment") hundreds of thousands of pickles. The segment writer (writer.py)
also writes the content field's postings into one file per segment, `<segment>.flat`, in
Whoosh's own order (terms sorted, each term's postings by document, each posting's
positions ascending): a search then reads a term's documents, weights and positions as
array slices. Whoosh's postings stay as they were (its own matchers, title: queries and
highlighting read them), and a segment without the file is read through Whoosh
(ranking.py), with the same answer.

Layout: per posting its document (uint32), weight (float32) and number of positions
(uint32); every position (uint32); the terms (utf-8, concatenated) with three uint64 arrays
of n_terms + 1 offsets (into the terms, the postings and the positions); a JSON footer
naming each section's place, the footer's length as 8 bytes, and MAGIC."""

from __future__ import annotations

import json
import os
import struct
import weakref
from array import array
from collections.abc import Iterator
from pickle import loads

import numpy as np

FIELD = "content"
MAGIC = b"FLATPST1"
EXTENSION = ".flat"
# Pending postings and positions are written out past this many, so the writer holds a
# bounded buffer whatever the segment's size (its memory limit is the posting pool's).
FLUSH_EVERY = 1 << 20
# The per-posting sections: name, array typecode, numpy dtype (each 4 bytes an entry).
POSTING_SECTIONS = (
    ("docs", "I", np.uint32),
    ("weights", "f", np.float32),
    ("counts", "I", np.uint32),
)

Posting = tuple  # (fieldname, term bytes, docnum, weight, value bytes or None)


def decode(value: bytes) -> list[int]:
    """A Positions posting value (whoosh3 3.54.0: count, then pickled deltas) as positions."""
    deltas = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
    out, position = [], 0
    for delta in deltas:
        position += delta
        out.append(position)
    return out


class FlatWriter:
    """Writes one segment's flat file from the postings stream the field writer reads."""

    def __init__(self, folder: str, segment):
        self.path = os.path.join(folder, segment.make_filename(EXTENSION))
        # One scratch file per section, appended as postings come and joined by close().
        self.parts = {name: open(f"{self.path}.{name}", "wb") for name, *_ in POSTING_SECTIONS}  # noqa: SIM115
        self.parts["positions"] = open(f"{self.path}.positions", "wb")  # noqa: SIM115
        self.pending = {name: array(code) for name, code, _ in POSTING_SECTIONS}
        self.pending["positions"] = array("I")
        self.terms: list[bytes] = []
        self.posting_starts = array("Q")
        self.position_starts = array("Q")
        self.postings = 0
        self.positions = 0

    def tap(self, items: Iterator[Posting]) -> Iterator[Posting]:
        """Pass every posting on unchanged, recording the content field's."""
        last = None
        docs, weights, counts = (self.pending[n] for n, *_ in POSTING_SECTIONS)
        positions = self.pending["positions"]
        for item in items:
            if item[0] == FIELD:
                if item[1] != last:
                    last = item[1]
                    self.terms.append(last)
                    self.posting_starts.append(self.postings)
                    self.position_starts.append(self.positions)
                found = decode(item[4])
                docs.append(item[2])
                weights.append(item[3])
                counts.append(len(found))
                positions.extend(found)
                self.postings += 1
                self.positions += len(found)
                if len(positions) >= FLUSH_EVERY or len(docs) >= FLUSH_EVERY:
                    self._flush()
            yield item

    def _flush(self) -> None:
        """Append the pending entries to their scratch files."""
        for name, pending in self.pending.items():
            pending.tofile(self.parts[name])
            del pending[:]

    def close(self) -> None:
        """Join the sections, the terms and the footer into the segment's file."""
        self._flush()
        offsets = np.zeros(len(self.terms) + 1, dtype=np.uint64)
        np.cumsum([len(t) for t in self.terms], out=offsets[1:])
        self.posting_starts.append(self.postings)
        self.position_starts.append(self.positions)
        sections = {}
        with open(self.path, "wb") as out:
            for name, part in self.parts.items():
                part.close()
                sections[name] = (out.tell(), os.path.getsize(part.name))
                with open(part.name, "rb") as f:
                    while chunk := f.read(FLUSH_EVERY):
                        out.write(chunk)
                os.remove(part.name)
            for name, data in (
                ("terms", b"".join(self.terms)),
                ("term_offsets", offsets.tobytes()),
                ("posting_starts", self.posting_starts.tobytes()),
                ("position_starts", self.position_starts.tobytes()),
            ):
                out.write(b"\0" * (-out.tell() % 8))  # each array starts aligned
                sections[name] = (out.tell(), len(data))
                out.write(data)
            footer = json.dumps({"terms": len(self.terms), "sections": sections}).encode()
            out.write(footer + struct.pack("<Q", len(footer)) + MAGIC)

    def abandon(self) -> None:
        """Close and delete what was written (the segment is not being committed)."""
        for part in self.parts.values():
            part.close()
        for path in [self.path, *(p.name for p in self.parts.values())]:
            if os.path.exists(path):
                os.remove(path)


def flat_writer(storage, segment) -> FlatWriter | None:
    """A flat file writer for a new segment in a folder (None for in-memory storage)."""
    folder = getattr(storage, "folder", None)
    return FlatWriter(folder, segment) if folder else None


class FlatPostings:
    """One segment's flat file: the terms in memory, a term's arrays read from the file on
    demand (pread, not mmap: pages touched by searches would count as the server's memory)."""

    def __init__(self, path: str):
        # Open while the object lives: a searcher of an older generation can still read a
        # segment merged away since (as Whoosh's own open files let it).
        self.fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)
        size = os.fstat(self.fd).st_size
        tail = self._bytes(max(0, size - 16), 16)
        if size < 16 or tail[8:] != MAGIC:
            raise ValueError(f"{path} is not a flat postings file")
        (length,) = struct.unpack("<Q", tail[:8])
        footer = json.loads(self._bytes(size - 16 - length, length))
        self.sections = footer["sections"]
        self.n_terms = footer["terms"]
        self.terms = self._bytes(*self.sections["terms"])
        self.term_offsets, self.posting_starts, self.position_starts = (
            np.frombuffer(self._bytes(*self.sections[name]), dtype=np.uint64)
            for name in ("term_offsets", "posting_starts", "position_starts")
        )

    def _bytes(self, start: int, size: int) -> bytes:
        """size bytes of the file from start."""
        return os.pread(self.fd, size, start)

    def _array(self, name: str, dtype, first: int, last: int) -> np.ndarray:
        """Entries first..last (exclusive) of a section."""
        start = self.sections[name][0] + 4 * first
        return np.frombuffer(self._bytes(start, 4 * (last - first)), dtype=dtype)

    def find(self, term: str) -> int:
        """The index of a term among the file's sorted terms, or -1."""
        btext = term.encode("utf-8")
        lo, hi = 0, self.n_terms
        offsets, terms = self.term_offsets, self.terms
        while lo < hi:
            mid = (lo + hi) // 2
            found = terms[int(offsets[mid]) : int(offsets[mid + 1])]
            if found < btext:
                lo = mid + 1
            elif found > btext:
                hi = mid
            else:
                return mid
        return -1

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(documents, weights) of a term's postings, or None when the term is not here."""
        i = self.find(term)
        if i < 0:
            return None
        first, last = int(self.posting_starts[i]), int(self.posting_starts[i + 1])
        docs = self._array("docs", np.uint32, first, last).astype(np.int64)
        return docs, self._array("weights", np.float32, first, last)

    def positions(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(positions per posting, every position in posting order) of a term, or None."""
        i = self.find(term)
        if i < 0:
            return None
        first, last = int(self.posting_starts[i]), int(self.posting_starts[i + 1])
        counts = self._array("counts", np.uint32, first, last)
        start, end = int(self.position_starts[i]), int(self.position_starts[i + 1])
        return counts, self._array("positions", np.uint32, start, end)


def open_flat(leaf) -> FlatPostings | None:
    """The flat file of a segment reader's segment, or None when it has no usable one."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    folder = getattr(getattr(leaf, "_storage", None), "folder", None)
    if segment is None or folder is None:
        return None
    try:
        return FlatPostings(os.path.join(folder, segment.make_filename(EXTENSION)))
    except (OSError, ValueError, KeyError):
        return None
