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

Layout: per posting its document, weight (float32) and number of positions; every position;
the terms (utf-8, concatenated) with three uint64 arrays of n_terms + 1 offsets (into the
terms, the postings and the positions); a JSON footer naming each section's place and
type, the footer's length as 8 bytes, and MAGIC. Documents, counts and positions are stored
in the narrowest unsigned type their largest value fits (a segment of under 65,536
documents needs two bytes a document), and the weights only when some weight is not the
posting's number of positions (in this schema it always is): a third of the size of
four bytes for everything."""

from __future__ import annotations

import json
import os
import struct
import threading
import weakref
from array import array
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from whoosh.formats import Positions

FIELD = "content"
MAGIC = b"FLATPST2"
EXTENSION = ".flat"
# Pending postings and positions are written out past this many, so the writer holds a
# bounded buffer whatever the segment's size (its memory limit is the posting pool's).
FLUSH_EVERY = 1 << 20
# Term lookups remembered per file: a few hundred KB at most, and a query's words are
# looked up twice each (postings, then positions).
FOUND_MEMO = 4096
# Bytes of terms' position bounds (where each posting's positions start: 8 bytes a posting)
# remembered per file, most recent kept: the words of names come back query after query,
# and each would otherwise read its counts and add them up again. 16 MB holds about 500
# name words of a 50,000-story segment.
BOUNDS_MEMO_BYTES = 16 * 1024 * 1024
# The sections written as postings come: name and array typecode (4 bytes an entry).
SECTIONS = (("docs", "I"), ("weights", "f"), ("counts", "I"), ("positions", "I"))
NARROW = (np.uint8, np.uint16, np.uint32)  # tried in order for the unsigned sections


class FlatWriter:
    """Writes one segment's flat file from the terms the segment writer writes."""

    def __init__(self, folder: str, segment, fmt: Positions):
        self.extend_many = many_positions_extender(fmt)
        self.path = os.path.join(folder, segment.make_filename(EXTENSION))
        # One scratch file per section, appended as postings come and joined by close().
        self.parts = {name: open(f"{self.path}.{name}", "wb") for name, _ in SECTIONS}  # noqa: SIM115
        self.pending = {name: array(code) for name, code in SECTIONS}
        self.largest = dict.fromkeys(self.pending, 0)
        self.weights_are_counts = True
        self.terms: list[bytes] = []
        self.posting_starts = array("Q")
        self.position_starts = array("Q")
        self.postings = 0
        self.positions = 0

    def add_term(self, fieldname: str, btext: bytes, docs: array, weights: array, values) -> None:
        """Record one term's postings (documents ascending, as arrays of the pending
        sections' types) if it is the content field's."""
        if fieldname != FIELD:
            return
        self.terms.append(btext)
        self.posting_starts.append(self.postings)
        self.position_starts.append(self.positions)
        pending = self.pending
        pending["docs"].extend(docs)
        pending["weights"].extend(weights)
        counts = self.extend_many(values, pending["positions"])
        pending["counts"].extend(counts)
        self.postings += len(docs)
        self.positions += sum(counts)
        if len(pending["positions"]) >= FLUSH_EVERY or len(pending["docs"]) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        """Append the pending entries to their scratch files, noting their largest values."""
        self._note()
        for name, entries in self.pending.items():
            entries.tofile(self.parts[name])
            del entries[:]

    def _note(self) -> None:
        """Note the pending entries' largest values, and whether each weight is its count
        (the arrays' views are let go on return, so the arrays can be emptied)."""
        pending = self.pending
        if not pending["docs"]:
            return
        counts = np.frombuffer(pending["counts"], dtype=np.uint32)
        weights = np.frombuffer(pending["weights"], dtype=np.float32)
        self.weights_are_counts &= bool(np.array_equal(weights, counts))
        for name in ("docs", "counts", "positions"):
            if pending[name]:
                largest = int(np.frombuffer(pending[name], dtype=np.uint32).max())
                self.largest[name] = max(self.largest[name], largest)

    def close(self) -> None:
        """Join the sections, the terms and the footer into the segment's file."""
        self._flush()
        offsets = np.zeros(len(self.terms) + 1, dtype=np.uint64)
        np.cumsum([len(t) for t in self.terms], out=offsets[1:])
        self.posting_starts.append(self.postings)
        self.position_starts.append(self.positions)
        sections = {}
        with open(self.path, "wb") as out:
            for name, code in SECTIONS:
                part = self.parts[name]
                part.close()
                if name == "weights" and self.weights_are_counts:
                    os.remove(part.name)
                    continue
                wide = np.float32 if code == "f" else np.uint32
                dtype = wide if wide is np.float32 else narrowest(self.largest[name])
                out.write(b"\0" * (-out.tell() % 8))  # each array starts aligned
                start = out.tell()
                with open(part.name, "rb") as f:
                    while chunk := f.read(4 * FLUSH_EVERY):
                        out.write(np.frombuffer(chunk, dtype=wide).astype(dtype).tobytes())
                os.remove(part.name)
                sections[name] = (start, out.tell() - start, np.dtype(dtype).str)
            for name, data in (
                ("terms", b"".join(self.terms)),
                ("term_offsets", offsets.tobytes()),
                ("posting_starts", self.posting_starts.tobytes()),
                ("position_starts", self.position_starts.tobytes()),
            ):
                out.write(b"\0" * (-out.tell() % 8))
                sections[name] = (out.tell(), len(data), "<u8")
                out.write(data)
            footer = json.dumps({"terms": len(self.terms), "sections": sections}).encode()
            out.write(footer + struct.pack("<Q", len(footer)) + MAGIC)

    def abandon(self) -> None:
        """Close and delete what was written (the segment is not being committed)."""
        for part in self.parts.values():
            part.close()
        for path in [self.path, *(part.name for part in self.parts.values())]:
            if os.path.exists(path):
                os.remove(path)


def narrowest(largest: int):
    """The smallest unsigned type holding every value up to largest."""
    return next(t for t in NARROW if largest <= np.iinfo(t).max)


def positions_extender(fmt: Positions) -> Callable[[bytes, array], int]:
    """The field format's own decoding of a posting value, as a function appending its
    positions to an array and returning how many: RawPositions does it without a list."""
    if hasattr(fmt, "extend_positions"):
        return fmt.extend_positions

    def extend(value: bytes, out: array) -> int:
        found = fmt.decode_positions(value)
        out.extend(found)
        return len(found)

    return extend


def many_positions_extender(fmt: Positions) -> Callable[[list[bytes], array], list[int]]:
    """positions_extender for a list of values, returning each one's count: RawPositions
    reads a long list at once."""
    if hasattr(fmt, "extend_many"):
        return fmt.extend_many
    extend = positions_extender(fmt)
    return lambda values, out: [extend(value, out) for value in values]


def flat_writer(storage, segment, schema) -> FlatWriter | None:
    """A flat file writer for a new segment in a folder (None for in-memory storage)."""
    folder = getattr(storage, "folder", None)
    fmt = schema[FIELD].format
    return FlatWriter(folder, segment, fmt) if folder else None


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
        self.found: dict[str, int] = {}  # see find()
        self.bounds_memo: OrderedDict[int, np.ndarray] = OrderedDict()  # see bounds()
        self.bounds_bytes = 0
        self.lock = threading.Lock()  # the memos are shared by the server's threads
        self.terms = self._bytes(*self.sections["terms"][:2])
        self.term_offsets, self.posting_starts, self.position_starts = (
            np.frombuffer(self._bytes(*self.sections[name][:2]), dtype=np.uint64)
            for name in ("term_offsets", "posting_starts", "position_starts")
        )

    def _bytes(self, start: int, size: int) -> bytes:
        """size bytes of the file from start."""
        return os.pread(self.fd, size, start)

    def _array(self, name: str, first: int, last: int) -> np.ndarray:
        """Entries first..last (exclusive) of a section, in the type it is stored in."""
        start, _, kind = self.sections[name]
        dtype = np.dtype(kind)
        data = self._bytes(start + dtype.itemsize * first, dtype.itemsize * (last - first))
        return np.frombuffer(data, dtype=dtype)

    def find(self, term: str) -> int:
        """The index of a term among the file's sorted terms, or -1 (remembered for the last
        FOUND_MEMO terms: a phrase looks each word up for its postings, then its positions)."""
        found = self.found.get(term)
        if found is None:
            found = self._search(term)
            with self.lock:
                self.found[term] = found
                if len(self.found) > FOUND_MEMO:
                    del self.found[next(iter(self.found))]
        return found

    def _search(self, term: str) -> int:
        """Binary search of the sorted terms."""
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
        docs = self._array("docs", first, last).astype(np.int64)
        if "weights" in self.sections:
            return docs, self._array("weights", first, last)
        return docs, self._array("counts", first, last).astype(np.float32)

    def positions(self, term: str, rows: np.ndarray) -> tuple[int, np.ndarray, np.ndarray] | None:
        """(the term's number of postings, the positions per posting of the given rows of
        its postings (ascending), those postings' positions one after another), or None when
        the term is not here. Only the stretch of the file from the first row's positions
        to the last row's is read: a phrase's candidates are few beside a common word's
        postings."""
        i = self.find(term)
        if i < 0:
            return None
        bounds = self.bounds(i)
        low, high = bounds[rows], bounds[rows + 1]
        n = high - low
        if not n.size:
            return bounds.size - 1, n, n
        start = int(self.position_starts[i])
        window = self._array("positions", start + int(low[0]), start + int(high[-1]))
        placed = np.cumsum(n) - n  # where each row's positions start in the output
        take = np.repeat(low - low[0] - placed, n) + np.arange(int(placed[-1] + n[-1]))
        return bounds.size - 1, n, window[take].astype(np.int64)

    def bounds(self, i: int) -> np.ndarray:
        """Where each posting of term i starts in its positions, and where the last ends
        (remembered, see BOUNDS_MEMO_BYTES)."""
        with self.lock:
            found = self.bounds_memo.get(i)
            if found is not None:
                self.bounds_memo.move_to_end(i)
                return found
        first, last = int(self.posting_starts[i]), int(self.posting_starts[i + 1])
        found = np.zeros(last - first + 1, dtype=np.int64)
        np.cumsum(self._array("counts", first, last), out=found[1:])
        with self.lock:
            if i not in self.bounds_memo:
                self.bounds_memo[i] = found
                self.bounds_bytes += found.nbytes
            while self.bounds_bytes > BOUNDS_MEMO_BYTES and len(self.bounds_memo) > 1:
                self.bounds_bytes -= self.bounds_memo.popitem(last=False)[1].nbytes
        return found


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
