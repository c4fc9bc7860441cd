"""The fast indexing path writes exactly the index Whoosh's own writer and analyzer would,
and the fast highlighting tokens are exactly the analyzer's."""

from __future__ import annotations

import pickle
import re
import shutil
import zlib
from array import array
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import highlight
from whoosh import index as whoosh_index
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.qparser import QueryParser
from whoosh.util.numlists import delta_encode

from archive.extract import extract_file
from indexer.ingest import ingest
from indexer.results import hit_card, lede_words
from indexer.whoosh_backend import backend as backend_module
from indexer.whoosh_backend import store
from indexer.whoosh_backend import writer as writer_module
from indexer.whoosh_backend.analysis import (
    BULK_VALUES,
    HIGHLIGHT_CALL,
    PART_BREAK,
    FastPositions,
    HighlightAnalyzer,
    RawPositions,
    text_analyzer,
)
from indexer.whoosh_backend.documents import index_document
from indexer.whoosh_backend.schema import FastText, build_schema
from indexer.whoosh_backend.search import FRAGMENTER, WHOLE, formatter, hit_of
from indexer.whoosh_backend.writer import replace_documents

ROOT = Path(__file__).resolve().parents[1]
CAPTURES = ROOT / "tests" / "fixtures" / "captures"

ANALYZER = text_analyzer()
# Words that exercise every filter: stop words, one-letter words, accents and ligatures,
# dotted abbreviations and numbers, Khmer runs of every length, mixed case.
WORDS = st.sampled_from(
    "the a of to and is The THE x I s Ministry ministries said SAID Hun Sen's "
    "Phnom Penh U.S. 3.5 1,000 café Café Æsop straße İstanbul naïve "
    "ក ខ្ញុំ កម្ពុជា ស្រឡាញ់ប្រទេសកម្ពុជា ៥០ _ __init__ x2 2x".split()
)
# PART_BREAK: the gap between the parts of the search field must be numbered alike too.
SEPARATORS = st.sampled_from(
    [" ", "  ", "\n", ", ", ". ", '"', "-", "—", "(", ")", "", f"\n{PART_BREAK}\n", PART_BREAK]
)


def postings(fmt, text: str) -> list:
    """(term, frequency, weight, positions) for every term, sorted, each value decoded by
    the format that encoded it."""
    return sorted(
        (term, freq, weight, fmt.decode_positions(value))
        for term, freq, weight, value in fmt.word_values(text, ANALYZER)
    )


FAST_FIELD = build_schema()["content"]
WHOOSH_FIELD = TEXT(analyzer=FAST_FIELD.analyzer)
WHOOSH_FIELD.format = FAST_FIELD.format


def field_items_agree(text: str) -> bool:
    """FastText's index() gives the items, in the order, TEXT's own gives."""
    assert isinstance(FAST_FIELD, FastText)
    return FAST_FIELD.index(text) == list(WHOOSH_FIELD.index(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPARATORS), max_size=40))
def test_fast_terms_equal_the_analyzer_chain_on_any_word_mix(parts):
    text = "".join(w + s for w, s in parts)
    assert postings(RawPositions(), text) == postings(Positions(), text)
    # FastPositions, which indexes written before RawPositions keep, encodes as Whoosh does.
    fast, whoosh = FastPositions(), Positions()
    assert sorted(fast.word_values(text, ANALYZER)) == sorted(whoosh.word_values(text, ANALYZER))
    assert field_items_agree(text)


def test_fast_terms_equal_the_analyzer_chain_on_real_documents():
    files = sorted((ROOT / "raw").glob("*.*")) + sorted(CAPTURES.glob("*.*"))
    files = [f for f in files if not f.name.endswith(".json")]
    assert len(files) >= 10
    for path in files:
        article = extract_file(path)
        for text in (article.body, article.title or "", " ".join(q.text for q in article.quotes)):
            assert postings(RawPositions(), text) == postings(Positions(), text), path.name
            assert field_items_agree(text), path.name


def test_fast_terms_equal_the_analyzer_chain_past_65535_positions():
    # RawPositions encodes a document's positions as one uint16 array; a longer document
    # (a 200-page report) goes term by term, some terms' positions in uint32.
    words = "Ministry officials said the land dispute in Koh Kong was settled".split()
    text = " ".join(words[i % len(words)] + str(i % 7) * (i % 3 == 0) for i in range(90_000))
    text += " lateword"
    assert field_items_agree(text)
    values = {term: value for term, _, _, value in FAST_FIELD.index(text)}
    assert values[b"lateword"][4:5] == b"I" and values[b"ministri"][4:5] == b"I"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 70_000), min_size=1, max_size=6).map(sorted),
        min_size=1,
        max_size=100,
    )
)
def test_positions_of_many_values_equal_one_value_at_a_time(poslists):
    """The flat file's bulk decoding of a term's values (RawPositions.extend_many, numpy
    from 64 values on) gives the positions and counts decoding each value gives, two- and
    four-byte values mixed or not."""
    fmt = FAST_FIELD.format
    long = poslists * (BULK_VALUES // len(poslists) + 1)
    for lists in (poslists, long, [[p % 65536 for p in ps] for ps in long]):
        values = [fmt.encode(sorted(ps)) for ps in lists]
        one, many = array("I"), array("I")
        counts = [fmt.extend_positions(value, one) for value in values]
        assert fmt.extend_many(values, many) == counts
        assert many == one


def test_block_ids_are_whoosh_gaps():
    """BlockPostingsWriter's document gaps are Whoosh's delta encoding of them."""
    block = writer_module.BlockPostingsWriter(None, 128)
    for ids in ([5], [0, 3, 4, 90, 91, 4_000_000_000]):
        block._ids, block._byteids = array("I", ids), False
        assert block._mini_ids() == tuple(delta_encode(ids))


def documents() -> dict[str, dict]:
    """Index documents for the seeds and layout captures, by id."""
    files = sorted((ROOT / "raw").glob("*.*")) + sorted(CAPTURES.glob("*.*"))
    articles = [extract_file(f) for f in files if not f.name.endswith(".json")]
    return {a.id: index_document(a.id, [a]) for a in articles if a.page_type != "listing"}


def contents(folder: Path) -> dict:
    """Everything a search can read from an index, keyed by document id (not by docnum,
    which depends on how documents were split into segments)."""
    ix = whoosh_index.open_dir(folder)
    with ix.searcher() as searcher:
        ids = {}
        for reader_, base in searcher.leaf_searchers():
            for docnum in range(reader_.doc_count_all()):
                ids[base + docnum] = searcher.stored_fields(base + docnum)["id"]
        reader = searcher.reader()
        terms = {}
        for field, term in reader.all_terms():
            m = reader.postings(field, term)
            found = set()
            positions = m.supports("positions")  # compared decoded: the encodings differ
            while m.is_active():
                value = tuple(m.value_as("positions")) if positions else m.value()
                found.add((ids[m.id()], m.weight(), value))
                m.next()
            terms[field, term] = found
        stored = {ids[d]: searcher.stored_fields(d) for d in ids}
        lengths = {ids[d]: searcher.doc_field_length(d, "content") for d in ids}
    return {"terms": terms, "stored": stored, "lengths": lengths}


def build(folder: Path, docs: dict[str, dict], **options) -> Path:
    """A fresh index of docs, written by replace_documents or (no options) Whoosh's writer."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    schema = build_schema()
    if options.pop("whoosh", False):
        for name in ("content", "title"):
            schema[name].format = Positions()
    ix = whoosh_index.create_in(folder, schema)
    if options:
        replace_documents(ix, sorted(docs), docs.get, **options)
    else:
        with ix.writer() as writer:
            for doc_id in sorted(docs):
                writer.add_document(**docs[doc_id])
    return folder


def test_segments_equal_whoosh_writer_in_one_process_in_two_and_with_spilled_runs(tmp_path):
    docs = documents()
    expected = contents(build(tmp_path / "whoosh", docs, whoosh=True))
    assert len(expected["stored"]) == len(docs) >= 10
    for name, options in {
        "one": {"procs": 1},
        "two": {"procs": 2},
        # A 20 KB pool limit writes dozens of runs to disk and merges them back.
        "spilled": {"procs": 2, "limitmb": 0.02},
    }.items():
        assert contents(build(tmp_path / name, docs, **options)) == expected, name


def whoosh_flush(self) -> None:
    """SegmentBuilder's flush as Whoosh writes it: every posting of the same pool, one at a
    time, through FieldWriter.add_postings, with the segment's own length reader."""
    self.perdocwriter.close()
    pdr = self.per_document_reader()
    postings = (
        (field, btext, docnum, weight, value)
        for field, btext, docs, weights, values in self.pool.iter_terms()
        for docnum, weight, value in zip(docs, weights, values, strict=True)
    )
    self.fieldwriter.add_postings(self.schema, pdr, postings)
    self.fieldwriter.close()
    pdr.close()


def segment_bytes(folder: Path) -> dict[str, bytes]:
    """The terms and postings files of an index's one segment, by extension."""
    files = {p.suffix: p.read_bytes() for p in folder.iterdir() if p.suffix in (".trm", ".pst")}
    assert len(files) == 2, sorted(p.name for p in folder.iterdir())
    return files


def test_term_blocks_write_the_bytes_whoosh_writes_one_posting_at_a_time(tmp_path, monkeypatch):
    """Terms written a block at a time (write_terms) give the same terms and postings files,
    block statistics included, as Whoosh's add_postings fed one posting at a time: with
    terms of more than one block (each story 30 times over) and runs spilled to disk."""
    docs = {
        f"{doc_id}-{k}": dict(fields, id=f"{doc_id}-{k}")
        for doc_id, fields in documents().items()
        for k in range(30)
    }
    assert len(docs) > 2 * 128
    for limitmb in (512, 0.05):
        ours = segment_bytes(build(tmp_path / f"ours-{limitmb}", docs, procs=1, limitmb=limitmb))
        with monkeypatch.context() as m:
            m.setattr(writer_module.SegmentBuilder, "_flush_segment", whoosh_flush)
            theirs = build(tmp_path / f"whoosh-{limitmb}", docs, procs=1, limitmb=limitmb)
        assert ours == segment_bytes(theirs), limitmb


def test_blocks_of_whoosh_codec_and_ours_read_and_merge_alike(tmp_path, monkeypatch):
    """An index whose first segment Whoosh's own codec wrote (every index before
    BlockCodec), then added to and merged by ours, holds what Whoosh's writer alone
    writes; our blocks are pickled with BLOCK_PROTOCOL and the postings file is smaller."""
    docs = documents()
    expected = contents(build(tmp_path / "whoosh", docs, whoosh=True))
    first, rest = sorted(docs)[: len(docs) // 2], sorted(docs)[len(docs) // 2 :]
    folder = build(tmp_path / "mixed", {d: docs[d] for d in first})
    ix = whoosh_index.open_dir(folder)
    assert [type(s.codec()).__name__ for s in ix._segments()] == ["W3Codec"]
    replace_documents(ix, rest, docs.get, procs=2)
    codecs = {type(s.codec()).__name__ for s in whoosh_index.open_dir(folder)._segments()}
    assert "BlockCodec" in codecs
    assert contents(folder) == expected
    ours = build(tmp_path / "ours", docs, procs=1)
    (segment,) = whoosh_index.open_dir(ours)._segments()
    with whoosh_index.open_dir(ours).reader() as reader:
        info = reader.term_info("content", "said")
    postfile = ours / segment.make_filename(".pst")
    blocks = postfile.read_bytes()[info.extent()[0] :]
    length = int.from_bytes(blocks[4:8], "big", signed=True)  # after the W3Bl magic
    header = pickle.loads(blocks[8 : 8 + abs(length)])  # the info, then the data
    data = blocks[8 + len(pickle.dumps(header, 2)) : 8 + abs(length)]
    data = zlib.decompress(data) if header[3] else data
    assert data[:2] == bytes([0x80, writer_module.BLOCK_PROTOCOL])
    monkeypatch.setattr(writer_module, "BLOCK_PROTOCOL", 2)  # as Whoosh pickles blocks
    old = build(tmp_path / "protocol-2", docs, procs=1)
    assert contents(old) == expected
    assert postfile.stat().st_size < 0.8 * next(old.glob("*.pst")).stat().st_size


def test_replacing_documents_keeps_the_others_and_commits_once(tmp_path):
    docs = documents()
    folder = build(tmp_path / "ix", docs, procs=2)
    ix = whoosh_index.open_dir(folder)
    generation = ix.latest_generation()
    gone, changed = sorted(docs)[:2]
    edited = dict(docs[changed], title="A replaced headline", content="replaced headline")
    replace_documents(ix, [gone, changed], {changed: edited}.get, procs=2)
    assert ix.latest_generation() == generation + 1
    with ix.searcher() as searcher:
        ids = {searcher.stored_fields(d)["id"] for d in searcher.document_numbers()}
        assert ids == set(docs) - {gone}
        query = QueryParser("content", ix.schema).parse("replaced headline")
        assert [hit["id"] for hit in searcher.search(query)] == [changed]


def highlight_tokens(analyzer, text: str) -> list[tuple]:
    """What the highlighter reads of each token."""
    tokens = analyzer(text, **HIGHLIGHT_CALL)
    return [(t.text, t.startchar, t.endchar, t.stopped, t.boost) for t in tokens]


def snippets(analyzer, text: str, terms: set[str]) -> list[str]:
    """The snippet and the whole-text marking a results page and an article page show."""
    return [
        highlight.highlight(text, terms, analyzer, FRAGMENTER, formatter(), top=2),
        highlight.highlight(text, terms, analyzer, WHOLE, formatter(), top=3),
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(WORDS, SEPARATORS), max_size=60), st.lists(WORDS, max_size=4))
def test_fast_highlight_tokens_equal_the_analyzer_chain_on_any_word_mix(parts, words):
    text = "".join(w + s for w, s in parts)
    fast = HighlightAnalyzer(ANALYZER)
    assert highlight_tokens(fast, text) == highlight_tokens(ANALYZER, text)
    terms = {t.text for w in words for t in ANALYZER(w)}
    assert snippets(fast, text, terms) == snippets(ANALYZER, text, terms)


def test_fast_highlight_equals_the_analyzer_chain_on_real_documents():
    files = sorted((ROOT / "raw").glob("*.*")) + sorted(CAPTURES.glob("*.*"))
    fast = HighlightAnalyzer(ANALYZER)
    marked = 0
    for path in [f for f in files if not f.name.endswith(".json")]:
        article = extract_file(path)
        words = re.findall(r"\w{4,}", article.body)
        for text in (article.body, article.title or "", *(q.text for q in article.quotes)):
            assert highlight_tokens(fast, text) == highlight_tokens(ANALYZER, text), path.name
            for k in range(0, len(words), max(1, len(words) // 5)):
                terms = {t.text for w in words[k : k + 2] for t in ANALYZER(w)}
                expected = snippets(ANALYZER, text, terms)
                assert snippets(fast, text, terms) == expected, path.name
                marked += "<mark" in expected[0]
    assert marked >= 50


def test_hits_from_cards_equal_hits_from_stored_records(tmp_path, monkeypatch):
    """A result row read from the card column is the row the whole stored record gives, for
    every story of the real pages and raw/, and an index written before cards (no card
    field in its schema) gives the same rows from its stored records."""
    pages = tmp_path / "pages"
    shutil.copytree(ROOT / "tests" / "fixtures" / "realpages", pages)
    for label in pages.glob("*.json"):
        label.unlink()

    def rows(index: Path) -> list:
        ix = whoosh_index.open_dir(index / "whoosh")
        with ix.searcher() as searcher:
            live = [
                d for d in range(searcher.doc_count_all()) if not searcher.ixreader.is_deleted(d)
            ]
            found = [hit_of(searcher, d, None, 1.5, snippet=False) for d in live]
            return sorted(found, key=lambda h: h.id), searcher.schema

    ingest([pages, ROOT / "raw"], tmp_path / "index")
    from_cards, schema = rows(tmp_path / "index")
    assert "card" in schema
    with monkeypatch.context() as patch:
        without = build_schema()
        without.remove("card")
        patch.setattr(store, "build_schema", lambda: without)
        document = backend_module.index_document
        patch.setattr(
            backend_module,
            "index_document",
            lambda *args: {k: v for k, v in document(*args).items() if k != "card"},
        )
        ingest([pages, ROOT / "raw"], tmp_path / "old")
    from_stored, schema = rows(tmp_path / "old")
    assert "card" not in schema
    assert len(from_cards) >= 60
    assert from_cards == from_stored


@given(
    st.lists(st.sampled_from(["word", "Kem", "Sokha", "ស្រុក", " ", "\n", "-"]), max_size=40),
    st.lists(st.sampled_from(["more", "words", "\n\n"]), max_size=5),
)
def test_a_cards_lede_shows_what_the_body_shows(lede, rest):
    body = " ".join(lede) + "\n\n" + " ".join(rest)
    assert lede_words(hit_card("x", {}, body)["lede"]) == lede_words(body)
