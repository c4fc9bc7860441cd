"""Each segment's flat file (indexer/whoosh_backend/flatpostings.py) holds exactly the
postings and positions Whoosh's own postings hold, for segments written in one process, in
forked ones, from spilled runs and by merges; searches read from it rank as searches read
from Whoosh do; a segment without a usable file is read through Whoosh with the same answer
(issue 12)."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sys
from array import array
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query
from whoosh.formats import Positions

from archive.extract import extract_file
from indexer.ingest import ingest
from indexer.whoosh_backend import flatpostings, ranking
from indexer.whoosh_backend import schema as schema_module
from indexer.whoosh_backend.analysis import FastPositions, RawPositions
from indexer.whoosh_backend.documents import index_document
from indexer.whoosh_backend.parse import make_parser, text_query
from indexer.whoosh_backend.schema import build_schema
from indexer.whoosh_backend.store import open_index
from indexer.whoosh_backend.writer import replace_documents

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402

FIELD = "content"


def whoosh_postings(leaf, term: str) -> list[tuple[int, float, list[int]]]:
    """(document, weight, positions) of each posting of a term, as Whoosh's matcher reads
    them (deleted documents included: the file keeps the segment's postings as written)."""
    m = leaf.postings(FIELD, term)
    while not hasattr(m, "_atend") and hasattr(m, "child"):
        m = m.child
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value_as("positions")))
        m.next()
    return out


def file_postings(flat, term: str) -> list[tuple[int, float, list[int]]]:
    """The same, read from the flat file."""
    docs, weights = flat.postings(term)
    _, counts, flat_positions = flat.positions(term, np.arange(docs.size))
    ends = np.cumsum(counts)
    return [
        (doc, weight, flat_positions[end - n : end].tolist())
        for doc, weight, n, end in zip(
            docs.tolist(), weights.tolist(), counts.tolist(), ends.tolist(), strict=True
        )
    ]


def assert_files_match_whoosh(folder: Path) -> int:
    """Every segment has a flat file equal to its postings; the number of segments."""
    ix = whoosh_index.open_dir(folder)
    with ix.searcher() as searcher:
        leaves = [leaf for leaf, _ in searcher.ixreader.leaf_readers()]
        for leaf in leaves:
            flat = flatpostings.open_flat(leaf)
            assert flat is not None, leaf.segment()
            terms = [t.decode() for t in leaf.lexicon(FIELD)]
            assert flat.n_terms == len(terms) > 100
            for term in terms:
                assert file_postings(flat, term) == whoosh_postings(leaf, term), term
            assert flat.postings("no-such-term") is None
            # Weights are the counts here and every value fits two bytes: stored narrow.
            assert "weights" not in flat.sections
            assert {flat.sections[k][2] for k in ("docs", "positions")} <= {"|u1", "<u2"}
    return len(leaves)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Synthetic captures: stories with headlines, quotes and captions."""
    folder = tmp_path_factory.mktemp("positions") / "corpus"
    write_corpus(90, folder)
    return folder


def documents(corpus: Path) -> dict[str, dict]:
    """Index documents for the corpus, by id."""
    articles = [extract_file(path) for path in sorted(corpus.rglob("story-*"))]
    return {a.id: index_document(a.id, [a]) for a in articles}


@pytest.mark.parametrize(
    "options",
    [{"procs": 1}, {"procs": 2}, {"procs": 2, "limitmb": 0.02}],
    ids=["one process", "two processes", "spilled runs"],
)
def test_flat_files_hold_whoosh_postings_and_positions(tmp_path, corpus, options):
    docs = documents(corpus)
    ix = whoosh_index.create_in(tmp_path, build_schema())
    replace_documents(ix, sorted(docs), docs.get, **options)
    assert assert_files_match_whoosh(tmp_path) == options["procs"]


def test_position_bounds_remembered_or_dropped_read_alike(tmp_path, corpus, monkeypatch):
    """Each term's position bounds are remembered within BOUNDS_MEMO_BYTES: with room for
    only a few, every term read twice (dropped and read again) still gives its postings."""
    docs = documents(corpus)
    ix = whoosh_index.create_in(tmp_path, build_schema())
    replace_documents(ix, sorted(docs), docs.get, procs=1)
    monkeypatch.setattr(flatpostings, "BOUNDS_MEMO_BYTES", 512)
    with ix.searcher() as searcher:
        (leaf, _), *_ = searcher.ixreader.leaf_readers()
        flat = flatpostings.open_flat(leaf)
        terms = [t.decode() for t in leaf.lexicon(FIELD)]
        held = []
        for term in terms + terms[::-1]:
            assert file_postings(flat, term) == whoosh_postings(leaf, term), term
            largest = max(b.nbytes for b in flat.bounds_memo.values())
            assert flat.bounds_bytes == sum(b.nbytes for b in flat.bounds_memo.values())
            assert flat.bounds_bytes <= max(512, largest)
            held.append(len(flat.bounds_memo))
        assert 1 < max(held) < len(terms)  # several kept, most dropped


def test_merged_segments_get_flat_files_and_gone_ones_lose_them(tmp_path, corpus):
    docs = documents(corpus)
    ids = sorted(docs)
    ix = whoosh_index.create_in(tmp_path, build_schema())
    commits = 9
    for k in range(commits):
        replace_documents(ix, ids[k::commits], docs.get)
    segments = assert_files_match_whoosh(tmp_path)
    assert segments < commits  # Whoosh merged small segments into new ones on the way
    files = {p.name.split(".")[0] for p in tmp_path.glob("*" + flatpostings.EXTENSION)}
    assert len(files) == segments  # a merged-away segment's file went with its segment
    assert not list(tmp_path.glob(f"*{flatpostings.EXTENSION}.*"))  # no scratch file left


def phrase_queries(searcher) -> list:
    """Two- and three-word phrases and names in quotes taken from the stored bodies."""
    parser = make_parser(searcher.schema)
    texts = []
    for docnum in range(0, searcher.doc_count_all(), 3):
        stored = searcher.stored_fields(docnum)
        words = re.findall(r"[A-Za-z]{3,}", stored["body"])
        speakers = json.loads(stored["record"]).get("speakers") or []
        texts += [f'"{" ".join(words[5:7])}"', f'"{" ".join(words[10:13])}"']
        texts += [f'"{name}"' for name in speakers[:1]]
    return [text_query(parser, t)[0] for t in dict.fromkeys(texts)]


@pytest.fixture(scope="module", params=["raw", "pickled"])
def archive(request, tmp_path_factory, corpus) -> Path:
    """An archive of three ingests with stories deleted by the last one, its positions
    encoded as RawPositions writes them, or pickled as in indexes written before it."""
    root = tmp_path_factory.mktemp("archive")
    files = sorted(corpus.rglob("story-*"))
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "pickled":
            patch.setattr(schema_module, "RawPositions", FastPositions)
        for part in range(3):
            folder = root / "corpus" / f"part{part}"
            folder.mkdir(parents=True)
            for path in files[part::3]:
                shutil.copy(path, folder / path.name)
            ingest([folder], root / "index")
        for path in sorted((root / "corpus" / "part1").iterdir())[::4]:
            path.unlink()
        ingest([root / "corpus" / "part1"], root / "index", prune=True)
    fmt = open_index(root / "index").schema[FIELD].format
    assert type(fmt) is (FastPositions if request.param == "pickled" else RawPositions)
    return root / "index"


def rank_all(searcher, queries) -> list:
    """Each query's (documents, scores) from the numpy path, caches emptied first."""
    ranking.forget_all()
    out = []
    for q in queries:
        docs, scores = ranking.numpy_ranked(searcher, q)
        out.append((docs.tolist(), scores.tolist()))
    return out


def test_searches_rank_alike_with_and_without_flat_files(archive, monkeypatch):
    with open_index(archive).searcher() as searcher:
        assert searcher.ixreader.has_deletions()
        queries = [q for q in phrase_queries(searcher) if ranking.phrase_parts(q)]
        assert len(queries) >= 40
        words = {w for q in queries for w in ranking.phrase_parts(q)[0]}
        queries += [query.Term(FIELD, w) for w in sorted(words)]
        queries += [
            query.Or([query.Term(FIELD, a), query.Term(FIELD, b)])
            for a, b in itertools.pairwise(sorted(words))
        ]
        from_files = rank_all(searcher, queries)
        assert sum(bool(docs) for docs, _ in from_files) >= 100
        monkeypatch.setattr(ranking, "open_flat", lambda leaf: None)
        assert rank_all(searcher, queries) == from_files
    ranking.forget_all()


def test_a_damaged_flat_file_is_ignored(archive, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(archive, copy)
    with open_index(archive).searcher() as searcher:
        queries = [q for q in phrase_queries(searcher) if ranking.phrase_parts(q)]
        expected = rank_all(searcher, queries)
    for path in (copy / "whoosh").glob("*" + flatpostings.EXTENSION):
        path.write_bytes(path.read_bytes()[:-5])  # the footer's magic cut off
    with open_index(copy).searcher() as searcher:
        for leaf, _ in searcher.ixreader.leaf_readers():
            assert flatpostings.open_flat(leaf) is None
        assert rank_all(searcher, queries) == expected
    ranking.forget_all()


@pytest.mark.parametrize("fmt", [Positions(), RawPositions()], ids=["pickled", "raw"])
def test_wide_values_and_odd_weights_are_kept(tmp_path, fmt):
    """Both posting value formats (Whoosh's pickles, in indexes written before RawPositions,
    and RawPositions' arrays) give the same flat file."""

    class Segment:
        def make_filename(self, ext):
            return "MAIN_test" + ext

    terms = [  # (field, term, documents, weights, positions of each posting)
        # A long report: positions past 65,535, a word 300 times in one document.
        (FIELD, b"long", [3], [2.0], [[5, 70_000]]),
        # A weight that is not the count.
        (FIELD, b"often", [3, 70_000], [300.0, 1.5], [list(range(0, 600, 2)), [7]]),
        ("title", b"often", [3], [1.0], [[0]]),  # another field: not recorded
    ]
    writer = flatpostings.FlatWriter(str(tmp_path), Segment(), fmt)
    for field, btext, docs, weights, positions in terms:
        values = [fmt.encode(found) for found in positions]
        writer.add_term(field, btext, array("I", docs), array("f", weights), values)
    writer.close()
    flat = flatpostings.FlatPostings(str(tmp_path / "MAIN_test.flat"))
    docs, weights = flat.postings("often")
    assert docs.tolist() == [3, 70_000] and weights.tolist() == [300.0, 1.5]
    n_postings, counts, found = flat.positions("often", np.array([0, 1]))
    assert n_postings == 2
    assert counts.tolist() == [300, 1] and found.tolist() == [*range(0, 600, 2), 7]
    assert flat.positions("long", np.array([0]))[2].tolist() == [5, 70_000]
    # Some rows only: the positions of those postings alone.
    _, counts, found = flat.positions("often", np.array([1]))
    assert counts.tolist() == [1] and found.tolist() == [7]
    assert flat.positions("often", np.array([0]))[2].tolist() == list(range(0, 600, 2))
    assert flat.postings("title") is None and flat.n_terms == 2
    kinds = {name: section[2] for name, section in flat.sections.items()}
    assert kinds["positions"] == kinds["docs"] == "<u4" and kinds["counts"] == "<u2"
    assert kinds["weights"] == "<f4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MAIN_test.flat"]
