"""Each segment's position file (indexer/whoosh_backend/positions.py) holds exactly the
positions Whoosh's own postings hold, for segments written in one process, in forked ones,
from spilled runs and by merges; phrases read from it rank as phrases read from Whoosh do;
a segment without a usable file is read through Whoosh with the same answer (issue 12)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from archive.extract import extract_file
from indexer.ingest import ingest
from indexer.whoosh_backend import positions, ranking
from indexer.whoosh_backend.documents import index_document
from indexer.whoosh_backend.parse import make_parser, text_query
from indexer.whoosh_backend.schema import build_schema
from indexer.whoosh_backend.store import open_index
from indexer.whoosh_backend.writer import replace_documents

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402

FIELD = "content"


def whoosh_positions(leaf, term: str) -> list[tuple[int, list[int]]]:
    """(document, positions) of each posting of a term, as Whoosh's matcher decodes them."""
    m = leaf.postings(FIELD, term)
    out = []
    while m.is_active():
        out.append((m.id(), m.value_as("positions")))
        m.next()
    return out


def file_positions(leaf, side, term: str) -> list[tuple[int, list[int]]]:
    """The same, with the documents from Whoosh's postings and the positions from the file."""
    ids = []
    m = leaf.postings(FIELD, term)
    while m.is_active():
        ids.append(m.id())
        m.next()
    counts, flat = side.of(term)
    assert counts.size == len(ids), term
    ends = np.cumsum(counts)
    return [
        (doc, flat[end - n : end].tolist())
        for doc, n, end in zip(ids, counts.tolist(), ends.tolist(), strict=True)
    ]


def assert_files_match_whoosh(folder: Path) -> int:
    """Every segment has a position file equal to its postings; the number of segments."""
    ix = whoosh_index.open_dir(folder)
    with ix.searcher() as searcher:
        leaves = [leaf for leaf, _ in searcher.ixreader.leaf_readers()]
        for leaf in leaves:
            side = positions.open_position_file(leaf)
            assert side is not None, leaf.segment()
            terms = [t.decode() for t in leaf.lexicon(FIELD)]
            assert side.n_terms == len(terms) > 100
            for term in terms:
                assert file_positions(leaf, side, term) == whoosh_positions(leaf, term), term
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
def test_position_files_hold_whoosh_positions(tmp_path, corpus, options):
    docs = documents(corpus)
    ix = whoosh_index.create_in(tmp_path, build_schema())
    replace_documents(ix, sorted(docs), docs.get, **options)
    assert assert_files_match_whoosh(tmp_path) == options["procs"]


def test_merged_segments_get_position_files_and_gone_ones_lose_them(tmp_path, corpus):
    docs = documents(corpus)
    ids = sorted(docs)
    ix = whoosh_index.create_in(tmp_path, build_schema())
    commits = 9
    for k in range(commits):
        replace_documents(ix, ids[k::commits], docs.get)
    segments = assert_files_match_whoosh(tmp_path)
    assert segments < commits  # Whoosh merged small segments into new ones on the way
    files = {p.name.split(".")[0] for p in tmp_path.glob("*" + positions.EXTENSION)}
    assert len(files) == segments  # a merged-away segment's file went with its segment


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


@pytest.fixture(scope="module")
def archive(tmp_path_factory, corpus) -> Path:
    """An archive of three ingests with stories deleted by the last one."""
    root = tmp_path_factory.mktemp("archive")
    files = sorted(corpus.rglob("story-*"))
    for part in range(3):
        folder = root / "corpus" / f"part{part}"
        folder.mkdir(parents=True)
        for path in files[part::3]:
            shutil.copy(path, folder / path.name)
        ingest([folder], root / "index")
    for path in sorted((root / "corpus" / "part1").iterdir())[::4]:
        path.unlink()
    ingest([root / "corpus" / "part1"], root / "index", prune=True)
    return root / "index"


def rank_all(searcher, queries) -> list:
    """Each phrase query's (documents, scores) from the numpy path, caches emptied first."""
    ranking.forget_all()
    out = []
    for q in queries:
        docs, scores = ranking.numpy_ranked(searcher, q)
        out.append((docs.tolist(), scores.tolist()))
    return out


def test_phrases_rank_alike_with_and_without_position_files(archive, monkeypatch):
    with open_index(archive).searcher() as searcher:
        assert searcher.ixreader.has_deletions()
        queries = [q for q in phrase_queries(searcher) if ranking.phrase_parts(q)]
        assert len(queries) >= 40
        from_files = rank_all(searcher, queries)
        assert sum(bool(docs) for docs, _ in from_files) >= 30
        monkeypatch.setattr(ranking, "open_position_file", lambda leaf: None)
        assert rank_all(searcher, queries) == from_files
    ranking.forget_all()


def test_a_damaged_position_file_is_ignored(archive, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(archive, copy)
    with open_index(archive).searcher() as searcher:
        queries = [q for q in phrase_queries(searcher) if ranking.phrase_parts(q)]
        expected = rank_all(searcher, queries)
    for path in (copy / "whoosh").glob("*" + positions.EXTENSION):
        path.write_bytes(path.read_bytes()[:-5])  # the footer's magic cut off
    with open_index(copy).searcher() as searcher:
        for leaf, _ in searcher.ixreader.leaf_readers():
            assert positions.open_position_file(leaf) is None
        assert rank_all(searcher, queries) == expected
    ranking.forget_all()
