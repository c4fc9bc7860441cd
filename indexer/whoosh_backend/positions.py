"""Word positions of the search field, kept beside each segment as flat arrays (issue 12).

Whoosh stores a posting's positions as a small pickle inside a zlib-compressed block, so a
phrase of common words ("said environment") decoded hundreds of thousands of pickles. The
segment writer (writer.py) also writes every position of the content field into one file
per segment, `<segment>.pos`, in the order of Whoosh's own postings: each term's postings
sorted by document, each posting's positions ascending. A phrase then reads the positions
it needs as array slices. Whoosh's postings keep their positions too (its own phrase
matcher, title: queries and older segments use them), and a segment without the file is
read through Whoosh (ranking.read_positions), with the same answer.

Layout: positions (uint32), then the position count of each posting (uint32), then the
terms (utf-8, concatenated) with three uint64 offset arrays of n_terms + 1 entries (into
the terms, the postings and the positions), then a JSON footer naming each section's place,
its length as 8 bytes and MAGIC."""

from __future__ import annotations

import json
import os
import struct
from array import array
from collections.abc import Iterator
from pickle import loads

import numpy as np

FIELD = "content"
MAGIC = b"WPOS0001"
EXTENSION = ".pos"
# Positions and counts are written out whenever this many are pending, so the writer holds
# a bounded buffer whatever the segment's size (its memory limit is the posting pool's).
FLUSH_EVERY = 1 << 20

Posting = tuple  # (fieldname, term bytes, docnum, weight, value bytes or None)


def decode(value: bytes) -> list[int]:
    """A Positions posting value (whoosh3 3.54.0: count, then pickled deltas) as positions."""
    deltas = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
    out, position = [], 0
    for delta in deltas:
        position += delta
        out.append(position)
    return out


class PositionsWriter:
    """Writes one segment's position file from the postings stream the field writer reads."""

    def __init__(self, storage, segment):
        self.name = segment.make_filename(EXTENSION)
        self.path = os.path.join(storage.folder, self.name)
        self.counts_path = self.path + ".counts"
        self.out = open(self.path, "wb")  # noqa: SIM115 - closed by close() or abandon()
        self.counts_out = open(self.counts_path, "wb")  # noqa: SIM115 - as above
        self.terms: list[bytes] = []
        self.posting_starts = array("Q")
        self.position_starts = array("Q")
        self.postings = 0
        self.positions_written = 0
        self.pending_positions = array("I")
        self.pending_counts = array("I")

    def tap(self, items: Iterator[Posting]) -> Iterator[Posting]:
        """Pass every posting on unchanged, recording the content field's positions."""
        last = None
        for item in items:
            if item[0] == FIELD:
                btext = item[1]
                if btext != last:
                    self.terms.append(btext)
                    self.posting_starts.append(self.postings)
                    self.position_starts.append(
                        self.positions_written + len(self.pending_positions)
                    )
                    last = btext
                positions = decode(item[4])
                self.pending_positions.extend(positions)
                self.pending_counts.append(len(positions))
                self.postings += 1
                if len(self.pending_positions) >= FLUSH_EVERY:
                    self._flush()
            yield item

    def _flush(self) -> None:
        """Write the pending positions and counts."""
        self.pending_positions.tofile(self.out)
        self.pending_counts.tofile(self.counts_out)
        self.positions_written += len(self.pending_positions)
        self.pending_positions = array("I")
        self.pending_counts = array("I")

    def close(self) -> None:
        """Append the counts, the terms and the footer, and close the file."""
        self._flush()
        self.counts_out.close()
        sections = {"positions": (0, self.positions_written * 4)}
        with open(self.counts_path, "rb") as counts:
            start = self.out.tell()
            while chunk := counts.read(FLUSH_EVERY):
                self.out.write(chunk)
        os.remove(self.counts_path)
        sections["counts"] = (start, self.postings * 4)
        blob = b"".join(self.terms)
        offsets = np.zeros(len(self.terms) + 1, dtype=np.uint64)
        np.cumsum([len(t) for t in self.terms], out=offsets[1:])
        self.posting_starts.append(self.postings)
        self.position_starts.append(self.positions_written)
        for name, data in (
            ("terms", blob),
            ("term_offsets", offsets.tobytes()),
            ("posting_starts", self.posting_starts.tobytes()),
            ("position_starts", self.position_starts.tobytes()),
        ):
            self._align()
            sections[name] = (self.out.tell(), len(data))
            self.out.write(data)
        footer = json.dumps({"terms": len(self.terms), "sections": sections}).encode()
        self.out.write(footer + struct.pack("<Q", len(footer)) + MAGIC)
        self.out.close()

    def _align(self) -> None:
        """Pad the file to a multiple of 8 bytes, so each array starts aligned."""
        self.out.write(b"\0" * (-self.out.tell() % 8))

    def abandon(self) -> None:
        """Close and delete what was written (the segment is not being committed)."""
        for f, path in ((self.out, self.path), (self.counts_out, self.counts_path)):
            f.close()
            if os.path.exists(path):
                os.remove(path)


def positions_writer(storage, segment) -> PositionsWriter | None:
    """A position file writer for a new segment in a folder (None for in-memory storage)."""
    return PositionsWriter(storage, segment) if getattr(storage, "folder", None) else None


class PositionFile:
    """One segment's position file, memory-mapped: a term's counts and positions as views."""

    def __init__(self, path: str):
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if data.size < 16 or bytes(data[-8:]) != MAGIC:
            raise ValueError(f"{path} is not a position file")
        (length,) = struct.unpack("<Q", bytes(data[-16:-8]))
        footer = json.loads(bytes(data[-16 - length : -16]))
        sections = footer["sections"]

        def section(name, dtype):
            start, size = sections[name]
            return data[start : start + size].view(dtype)

        self.positions = section("positions", np.uint32)
        self.counts = section("counts", np.uint32)
        self.terms = bytes(section("terms", np.uint8))
        self.term_offsets = section("term_offsets", np.uint64).tolist()
        self.posting_starts = section("posting_starts", np.uint64)
        self.position_starts = section("position_starts", np.uint64)
        self.n_terms = footer["terms"]

    def _find(self, btext: bytes) -> int:
        """The index of a term in the file's sorted terms, or -1."""
        lo, hi = 0, self.n_terms
        offsets, terms = self.term_offsets, self.terms
        while lo < hi:
            mid = (lo + hi) // 2
            found = terms[offsets[mid] : offsets[mid + 1]]
            if found < btext:
                lo = mid + 1
            elif found > btext:
                hi = mid
            else:
                return mid
        return -1

    def of(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(positions per posting, every position) of a term's postings, or None."""
        i = self._find(term.encode("utf-8"))
        if i < 0:
            return None
        p0, p1 = int(self.posting_starts[i]), int(self.posting_starts[i + 1])
        q0, q1 = int(self.position_starts[i]), int(self.position_starts[i + 1])
        return self.counts[p0:p1], self.positions[q0:q1]


def open_position_file(leaf) -> PositionFile | None:
    """The position file of a segment reader's segment, or None when it has none."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    folder = getattr(getattr(leaf, "_storage", None), "folder", None)
    if segment is None or folder is None:
        return None
    path = os.path.join(folder, segment.make_filename(EXTENSION))
    try:
        return PositionFile(path)
    except (OSError, ValueError):
        return None
