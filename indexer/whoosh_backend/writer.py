"""Writing one ingest's documents into the Whoosh index in a single commit, fast.

Whoosh's own writer spent most of an ingest's index phase in its posting pool: every
posting becomes a tuple, millions of tuples are sorted, and past the memory limit they are
pickled to disk one at a time and merged back in Python. Documents arrive in document
order, so grouping postings by term as they come gives each term's postings already sorted;
writing the segment then sorts only the distinct terms (TermPool), and records the search
field's postings as flat arrays on the way (flatpostings.py). Big batches are split
between forked processes that each write one segment from the records they inherit, and
the parent commits all segments at once, as Whoosh's multiprocessing writer does.

Relies on SegmentWriter internals of the pinned whoosh3 3.54.0 (see README)."""

from __future__ import annotations

import gc
import heapq
import itertools
import operator
import os
import pickle
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from operator import itemgetter

from whoosh import writing
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.whoosh_backend.flatpostings import flat_writer

# The pickle protocol of a posting block's data (Whoosh writes 2). Protocol 2 has no opcode
# for bytes: each posting's value (its positions) became a call of _codecs.encode on a
# latin-1 string re-encoded as UTF-8, memoised. From protocol 4 a value is its length and
# its bytes: 8,000 stories' postings file took 24 instead of 51 MB and its writing 5.3
# instead of 8.4 CPU seconds (zlib had twice the bytes to compress). Protocol 3 has the
# opcode but memoises each value in two bytes (29 MB); 5 is what this Python writes best.
BLOCK_PROTOCOL = 5
# Rough bytes held per distinct term and per posting, for the pool's memory limit.
TERM_COST = 320
POSTING_COST = 60
# A run is written and read back in pickled chunks of about this many (estimated) bytes. A
# chunk of a fixed number of terms was 0-142 MB (common words sort together), and pickling
# it doubled the writer's memory for a moment; and the final merge holds one chunk of every
# run, and the runs grow in number with the archive: at 8 MB a chunk the writer's peak grew
# from 158 to 205 MB between 10,000 and 30,000 captures with a 64 MB pool, at 1 MB it
# stayed at 161 MB (same index time), so the merge costs about 1 MB a run (#12).
RUN_CHUNK_BYTES = 1024 * 1024

Posting = tuple  # (fieldname, term bytes, docnum, weight, value bytes or None)
# (fieldname, term bytes, documents array, weights array, values list): one term's postings.
Term = tuple


class TermPool:
    """Whoosh's posting pool, grouped by term as postings arrive (see the module docstring).
    Past its memory limit it writes the terms it holds, sorted, as a run in temporary
    storage; runs are merged term by term at the end, in the order they were written."""

    def __init__(self, tempstore, limitmb: int):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        # Each field's terms: term bytes -> (documents, weights, values). One dict per field,
        # so that a posting's term is looked up by its bytes, without a (field, term) tuple.
        self.fields: dict[str, dict[bytes, tuple[array, array, list]]] = {}
        self.size = 0
        self.runs: list[str] = []
        self.in_order = True  # False once a term's document numbers went backwards
        self.last_doc = -1  # the highest document number added

    def _terms_of(self, fieldname: str) -> dict[bytes, tuple[array, array, list]]:
        """The terms held in memory for one field."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        return terms

    def add(self, item: Posting) -> None:
        """Add one posting (Whoosh's merges call it once for each)."""
        fieldname, btext, docnum, weight, value = item
        terms = self._terms_of(fieldname)
        postings = terms.get(btext)
        if postings is None:
            postings = self._new_term(terms, btext)
        docs, weights, values = postings
        if docs and docnum < docs[-1]:
            self.in_order = False
        docs.append(docnum)
        weights.append(weight)
        values.append(value)
        self.last_doc = max(self.last_doc, docnum)
        self.size += POSTING_COST + len(value) if value else POSTING_COST
        if self.size > self.limit:
            self.save()

    def add_field(self, fieldname: str, docnum: int, items: Iterable, boost: float) -> int:
        """Add one document's postings of one field, as field.index() gives them (term
        bytes, frequency, weight, value); the sum of their frequencies. Whoosh's
        add_document built a tuple per posting and called add() with it: a fifth of the
        index phase went to those calls (py-spy, 3,000 stories in one process)."""
        if docnum < self.last_doc:  # as add() would see it: some term may go backwards
            length = 0
            for btext, freq, weight, value in items:
                self.add((fieldname, btext, docnum, weight * boost, value))
                length += freq
            return length
        self.last_doc = docnum
        terms = self._terms_of(fieldname)
        find, new_term = terms.get, self._new_term
        items = items if isinstance(items, list) else list(items)
        size = POSTING_COST * len(items)
        length = 0
        for btext, freq, weight, value in items:
            docs, weights, values = find(btext) or new_term(terms, btext)
            docs.append(docnum)
            weights.append(weight * boost if boost != 1 else weight)
            values.append(value)
            if value:
                size += len(value)
            length += freq
        self.size += size
        if self.size > self.limit:
            self.save()
        return length

    def _new_term(self, terms: dict, btext: bytes) -> tuple[array, array, list]:
        """The empty postings of a term seen for the first time."""
        postings = terms[btext] = (array("q"), array("d"), [])
        self.size += TERM_COST + len(btext)
        return postings

    def _sorted_terms(self) -> Iterator[tuple[tuple[str, bytes], tuple]]:
        """((field, term bytes), postings) of the terms held in memory, sorted."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                yield (fieldname, btext), terms[btext]

    def save(self) -> None:
        """Write the terms held in memory to a new run and forget them."""
        if not self.fields:
            return
        name = f"{random_name()}.terms"
        f = self.tempstore.create_file(name)
        try:
            chunk, size = [], 0
            for item in self._sorted_terms():
                chunk.append(item)
                size += TERM_COST + POSTING_COST * len(item[1][0])
                if size >= RUN_CHUNK_BYTES:
                    pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                    chunk, size = [], 0
            if chunk:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        finally:
            f.close()
        self.runs.append(name)
        self.fields = {}
        self.size = 0

    def _read_run(self, name: str) -> Iterator[tuple]:
        """The (term, postings) items of one run, in term order."""
        f = self.tempstore.open_file(name).raw_file()
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()

    def _term_groups(self) -> Iterator[tuple[tuple[str, bytes], list[tuple]]]:
        """Each term with its postings parts, one per run that holds it, in run order."""
        if not self.runs:
            for key, postings in self._sorted_terms():
                yield key, [postings]
            return
        self.save()
        merged = heapq.merge(*(self._read_run(name) for name in self.runs), key=itemgetter(0))
        for key, items in itertools.groupby(merged, key=itemgetter(0)):
            yield key, [postings for _, postings in items]

    def iter_terms(self) -> Iterator[Term]:
        """Every term with its postings, sorted by field and term, each term's by document
        (documents equal across runs stay in run order, as a stable sort keeps them)."""
        for (fieldname, btext), parts in self._term_groups():
            if self.in_order and all(a[0][-1] < b[0][0] for a, b in itertools.pairwise(parts)):
                if len(parts) == 1:
                    docs, weights, values = parts[0]
                else:
                    docs, weights, values = array("q"), array("d"), []
                    for part in parts:
                        docs.extend(part[0])
                        weights.extend(part[1])
                        values.extend(part[2])
            else:
                rows = sorted(
                    (row for part in parts for row in zip(*part, strict=True)), key=itemgetter(0)
                )
                docs = array("q", (row[0] for row in rows))
                weights = array("d", (row[1] for row in rows))
                values = [row[2] for row in rows]
            yield fieldname, btext, docs, weights, values

    def cleanup(self) -> None:
        """Delete the run files."""
        for name in self.runs:
            try:
                self.tempstore.delete_file(name)
            except OSError:
                pass
        self.runs = []


class _Lengths:
    """The new segment's field lengths, read into memory once per field (Whoosh's field
    writer otherwise reads one byte from disk for every posting it writes)."""

    def __init__(self, pdr):
        self.pdr = pdr

    def doc_field_length_reader(self, fieldname: str, default: int = 0) -> Callable[[int], int]:
        """docnum -> length of fieldname in that document."""
        reader = self.pdr._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return lambda docnum: default
        return [byte_to_length(b) if b else None for b in reader].__getitem__


class BlockPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer (3.54.0) with each block's data pickled with BLOCK_PROTOCOL;
    Whoosh's reader unpickles any protocol, so the postings read back the same."""

    def _mini_ids(self) -> tuple:
        """The block's document numbers as Whoosh's _mini_ids gives them (the first, then
        each one's gap from the one before), computed in C instead of by a generator."""
        ids = self._ids
        if self._byteids:
            return tuple(ids)
        return tuple(map(operator.sub, ids, itertools.chain((0,), ids)))

    def _write_block(self, last: bool = False) -> None:
        """Write the buffered block as W3PostingsWriter._write_block does."""
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, BLOCK_PROTOCOL)
        comp = self._compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        ids = self._ids
        info = (
            len(ids),
            ids[-1],
            self._maxweight,
            comp,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = pickle.dumps(info, 2)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)  # negative: the last
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class BlockCodec(W3Codec):
    """Whoosh's codec writing postings with BlockPostingsWriter (kept with each segment it
    writes, as Whoosh keeps its codec; reading is W3Codec's)."""

    def postings_writer(self, dbfile, byteids: bool = False) -> BlockPostingsWriter:
        """A postings writer for one field of a new segment."""
        return BlockPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class SegmentBuilder(SegmentWriter):
    """Whoosh's segment writer with the TermPool, lengths read once and BlockCodec."""

    def __init__(self, ix, limitmb: int = 512, **kwargs):
        kwargs.setdefault("codec", BlockCodec())
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, limitmb)
        # add_document below copies Whoosh's for fields without spelling words or vectors
        # (this archive's schema has neither); any other schema keeps Whoosh's own.
        self.plain = not any(f.separate_spelling() or f.vector for _, f in self.schema.items())

    def add_document(self, **fields):
        """Whoosh's SegmentWriter.add_document (3.54.0), each field's postings given to the
        pool at once (TermPool.add_field) instead of one tuple and call per posting."""
        if not self.plain:
            return super().add_document(**fields)
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    items = field.index(value)
                    added = self.pool.add_field(fieldname, docnum, items, boost)
                    length = added if field.scorable else 0
                customval = fields.get(f"_stored_{fieldname}", value)
                stored = customval if field.stored else None
                perdocwriter.add_field(fieldname, field, stored, length)
                column = field.column_type
                if column and customval is not None:
                    cv = field.to_column_value(customval)
                    perdocwriter.add_column_value(fieldname, column, cv)
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        """Write the pooled postings into the segment's files."""
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        flat = flat_writer(self.storage, self.newsegment, self.schema)
        try:
            lengths = _Lengths(pdr) if pdr else None
            write_terms(self.fieldwriter, self.schema, lengths, self.pool.iter_terms(), flat)
            self.fieldwriter.close()
            if flat:
                flat.close()
        except BaseException:
            if flat:
                flat.abandon()
            raise
        finally:
            if pdr:
                pdr.close()


def write_terms(fieldwriter, schema, lengths, terms: Iterable[Term], flat=None) -> None:
    """Write what Whoosh's FieldWriter.add_postings writes for these terms' postings (the
    same bytes: tests/test_writer.py compares them), a block of postings at a time: its
    calls per posting (and the flat file's) were half of the flush's time."""
    fieldname = None
    for field, btext, docs, weights, values in terms:
        if field != fieldname:
            if fieldname is not None:
                fieldwriter.finish_field()
            fieldname = field
            fieldwriter.start_field(field, schema[field])
            length_of = lengths.doc_field_length_reader(field) if lengths else _no_length
        ids = array("I", docs)  # a document number past 2**32 - 1 raises, as Whoosh's does
        fweights = array("f", weights)
        fieldwriter.start_term(btext)
        fill_blocks(fieldwriter._postwriter, ids, weights, fweights, values, length_of)
        fieldwriter.finish_term()
        if flat:
            flat.add_term(field, btext, ids, fweights, values)
    if fieldname is not None:
        fieldwriter.finish_field()


def _no_length(docnum: int) -> int:
    """A field's length when the codec keeps none (as Whoosh's add_postings has it)."""
    return 0


def fill_blocks(postwriter, ids, weights, fweights, values, length_of) -> None:
    """Give Whoosh's postings writer one term's postings a block at a time, with the block
    statistics its add_posting keeps; the last block is left for finish_postings to write,
    as add_posting leaves it."""
    limit = postwriter._blocklimit
    for start in range(0, len(ids), limit):
        if start:
            postwriter._write_block()
        end = start + limit
        postwriter._ids = ids[start:end]
        postwriter._weights = fweights[start:end]
        postwriter._values = [v for v in values[start:end] if v]
        postwriter._maxweight = max(0, max(weights[start:end]))
        found = [n for n in map(length_of, postwriter._ids) if n]
        postwriter._minlength = min(found) if found else None
        postwriter._maxlength = max(found, default=0)


# What forked segment writers inherit: (index, shares of ids, build function, options).
_inherited: tuple | None = None


# Collections of the middle generation before a full one, in a forked writer (Python's
# default is 10): the pool's postings are long-lived and free of cycles, and every full
# collection walked all of them (at 20,000 stories, 16 of them took 2.0 of the writer's
# 69 CPU seconds, each longer as the pool grew). Young collections still free any cyclic
# garbage a document leaves; the child exits once its segment is written. At 30,000 stories
# the writer's peak memory was the same with the collector off altogether (834 MB).
FULL_COLLECTION_EVERY = 1_000_000


def _write_share(k: int):
    """In a forked child: write the k-th share of documents as one new segment."""
    gc.freeze()  # what the child inherited is never garbage here
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    ix, shares, build, options = _inherited
    writer = SegmentBuilder(ix, _lk=False, **options)
    try:
        add_all(writer, shares[k], build)
        return writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise


def add_all(writer, ids: Iterable[str], build: Callable[[str], dict | None]) -> None:
    """Add the document built for each id (None means the id is only deleted)."""
    for doc_id in ids:
        fields = build(doc_id)
        if fields is not None:
            writer.add_document(**fields)


def split(ids: Sequence[str], parts: int) -> list[Sequence[str]]:
    """ids in `parts` contiguous shares of nearly equal size."""
    size, extra = divmod(len(ids), parts)
    shares, start = [], 0
    for k in range(parts):
        end = start + size + (k < extra)
        shares.append(ids[start:end])
        start = end
    return shares


def replace_documents(
    ix,
    ids: Sequence[str],
    build: Callable[[str], dict | None],
    *,
    procs: int = 1,
    limitmb: int = 512,
    clear: bool = False,
) -> None:
    """Delete the documents with these ids and add what build(id) returns, in one commit.
    With procs > 1 the new documents are written by that many forked processes, one segment
    each; until the commit, readers see the old index, and a failure leaves it untouched.
    With clear, the commit drops every existing segment (a rebuild in one generation)."""
    global _inherited
    writer = SegmentBuilder(ix, limitmb=limitmb, compound=False)
    try:
        for doc_id in ids:
            writer.delete_by_term("id", doc_id)
        if procs <= 1:
            add_all(writer, ids, build)
            writer.commit(mergetype=writing.CLEAR if clear else None)
            return
        _inherited = (ix, split(ids, procs), build, {"limitmb": limitmb, "compound": False})
        try:
            with ProcessPoolExecutor(procs, mp_context=get_context("fork")) as pool:
                segments = list(pool.map(_write_share, range(procs)))
        finally:
            _inherited = None
        # As whoosh.multiproc.MpWriter does with multisegment=True.
        final = [] if clear else writer._merge_segments(None, None, None)
        final += [s for s in segments if s.doc_count_all()]
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final)
        writer._finish()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def default_procs(documents: int, minimum: int) -> int:
    """Processes for writing this many documents: all cores (up to 4) for big batches."""
    cores = os.cpu_count() or 1
    return min(cores, 4) if documents >= minimum and cores > 1 else 1
