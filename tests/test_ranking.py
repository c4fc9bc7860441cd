"""The numpy ranking paths (indexer/whoosh_backend/ranking.py) give what Whoosh's own
matchers and BM25F scorer give: the same documents, the same scores, the same order (issue
12). The index has several segments and deleted documents, as a real archive after a few
ingests does."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query

from indexer.ingest import ingest
from indexer.whoosh_backend import ranking
from indexer.whoosh_backend.parse import PLAIN_PHRASE, make_parser, parser_for, text_query
from indexer.whoosh_backend.schema import build_schema
from indexer.whoosh_backend.store import open_index

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from make_corpus import write_corpus  # noqa: E402


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, list[dict]]:
    """Three ingests (three segments), then some stories deleted."""
    root = tmp_path_factory.mktemp("ranking")
    corpus, index = root / "corpus", root / "index"
    write_corpus(360, corpus / "all")
    files = sorted((corpus / "all").rglob("story-*"))
    for part in range(3):
        folder = corpus / f"part{part}"
        folder.mkdir()
        for path in files[part::3]:
            (folder / path.name).write_bytes(path.read_bytes())
        ingest([folder], index)
    for path in sorted((corpus / "part1").iterdir())[::4]:
        path.unlink()
    ingest([corpus / "part1"], index, prune=True)
    state = sqlite3.connect(index / "state.sqlite")
    records = [json.loads(js) for (js,) in state.execute("select json from records order by id")]
    state.close()
    return index, records


def corpus_queries(records: list[dict], n: int = 100) -> list[str]:
    """Phrases, names in quotes, phrase plus word, words: drawn from the records."""
    rng = random.Random(3)
    out = []
    while len(out) < n:
        record = rng.choice(records)
        words = re.findall(r"[A-Za-z]{4,}", record["body"])
        if len(words) < 8:
            continue
        i = rng.randrange(len(words) - 3)
        names = record.get("speakers") or ["Nobody Here"]
        out += [
            f'"{words[i]} {words[i + 1]}"',
            f'"{rng.choice(names)}"',
            f'"{words[i]} {words[i + 1]} {words[i + 2]}" {rng.choice(words)}',
            f"{words[i]} {rng.choice(words)}",
            f"{words[i + 3]} OR {rng.choice(words)}",
            f"{words[i + 2][: rng.randint(2, 5)]}*",
        ]
    return list(dict.fromkeys(out))


def whoosh_ranking(searcher, q) -> dict[int, float]:
    """Every match and its score, as Whoosh's own matchers and scorer give them."""
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}


def test_numpy_ranking_equals_whoosh_on_words_phrases_and_or(archive):
    index, records = archive
    ix = open_index(index)
    checked = {"words": 0, "phrases": 0, "any": 0, "prefix of 1": 0, "prefix of 2": 0}
    checked["prefix of 3"] = checked["prefix of 0"] = 0  # 0: a prefix of stop words only
    with ix.searcher() as searcher:
        assert len(searcher.ixreader.leaf_readers()) > 1 and searcher.ixreader.has_deletions()
        parser = make_parser(searcher.schema)
        for text in corpus_queries(records):
            q, _ = text_query(parser, text)
            ranked = ranking.numpy_ranked(searcher, q)
            if ranked is None:
                continue
            docs, scores = ranked
            shape = "words" if ranking.simple_terms(q) else "phrases"
            if isinstance(q, query.Prefix):
                shape = f"prefix of {min(len(list(q._btexts(searcher.reader()))), 3)}"
            checked["any" if ranking.any_terms(q) else shape] += 1
            expected = whoosh_ranking(searcher, q)
            assert sorted(docs.tolist()) == sorted(expected), text
            ours = dict(zip(docs.tolist(), scores.tolist(), strict=True))
            for doc, score in expected.items():
                assert ours[doc] == pytest.approx(score, rel=1e-5), text
            best = ranking.top(docs, scores, np.ones(searcher.doc_count_all(), bool), 10)
            assert [doc for doc, _ in best] == [h.docnum for h in searcher.search(q, limit=10)]
            assert all(score == ours[doc] for doc, score in best), text
    assert min(checked.values()) >= 1 and checked["phrases"] >= 40, checked


def test_shapes_whoosh_keeps(archive):
    index, _ = archive
    ix = open_index(index)
    with ix.searcher() as searcher:
        parser = make_parser(searcher.schema)
        for text in ('"land land"', '"prime minister" minister', "land OR forest", "title:land"):
            q, _ = text_query(parser, text)
            assert ranking.phrase_parts(q) is None, text
        assert ranking.phrase_parts(query.Phrase("content", ["land", "disput"])) is not None


def test_a_phrase_does_not_run_across_two_parts_of_the_search_field(client):
    """The headline is indexed three times: "…, says Kheng" then "Gov’t officials …" again.
    Before issue 12 the joint made the phrase "kheng gov" match."""

    def total(q: str) -> int:
        return client.get("/api/search", query_string={"q": q}).get_json()["total"]

    assert total('"kheng gov"') == 0
    assert total('"says kheng"') == total('"gov officials enabling"') == 1
    assert total("kheng gov") == 1  # the words, not the phrase


def test_part_break_gaps_positions():
    from indexer.whoosh_backend.analysis import PART_BREAK, PART_GAP, index_terms, text_analyzer

    terms = index_terms(f"says kheng\n{PART_BREAK}\ngov officials", text_analyzer())
    assert terms["kheng"] == [1] and terms["gov"] == [2 + PART_GAP]  # the break counts as one


def test_caches_let_go_of_segments_the_index_no_longer_has(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(30, corpus)
    ingest([corpus], index)

    def cached_segments() -> set:
        folder = str(index / "whoosh")
        return {k[:3] for k in ranking._lengths if str(k[0]).startswith(folder)}

    with open_index(index).searcher() as searcher:
        ranking.bm25(searcher, ["land"])
        first = cached_segments()
    assert first
    for path in sorted(corpus.rglob("story-*"))[:5]:
        path.unlink()
    ingest([corpus], index, prune=True, rebuild=True)  # new segments, the old ones gone
    with open_index(index).searcher() as searcher:
        ranking.bm25(searcher, ["land"])
        assert cached_segments() and not cached_segments() & first


def test_the_posting_cache_is_bounded_in_bytes_and_answers_alike(archive, monkeypatch):
    index, records = archive
    words = sorted(
        {w.lower() for r in records[:40] for w in re.findall(r"[A-Za-z]{5,}", r["body"])}
    )
    with open_index(index).searcher() as searcher:
        ranking.forget_all()
        expected = [ranking.bm25(searcher, [w]) for w in words]
        monkeypatch.setattr(ranking, "CACHED_POSTINGS_BYTES", 4096)
        ranking.forget_all()
        for word, (docs, scores) in zip(words, expected, strict=True):
            found = ranking.bm25(searcher, [word])
            assert found[0].tolist() == docs.tolist() and found[1].tolist() == scores.tolist()
            cache = ranking._postings
            assert cache.bytes == sum(ranking.size_of(p) for p in cache.values()) <= 4096
    ranking.forget_all()
    assert ranking._postings.bytes == 0


def test_a_parser_is_made_once_per_schema_and_thread():
    """Making a parser cost as much as parsing a name: one is kept per thread and schema."""
    schema = build_schema()
    kept = parser_for(schema)
    assert parser_for(schema) is kept
    assert text_query(kept, '"Kem Sokha"')[0] == text_query(make_parser(schema), '"Kem Sokha"')[0]
    other: list = []
    thread = threading.Thread(target=lambda: other.append(parser_for(schema)))
    thread.start()
    thread.join()
    assert other[0] is not kept
    assert parser_for(build_schema()) is not kept


def phrase_texts() -> list[str]:
    """Quoted runs of two to four words, every one from the real pages' texts and raw/'s
    captures: the shapes plain_phrase() builds, with stop words, stems and numbers in them."""
    texts = []
    sources = sorted((ROOT / "tests" / "fixtures" / "realpages").rglob("*.*")) + sorted(
        (ROOT / "raw").glob("*.*")
    )
    for path in sources:
        words = re.findall(r"[A-Za-z0-9]+", path.read_text(errors="replace"))
        for i in range(0, max(len(words) - 4, 0), 7):
            texts.append('"' + " ".join(words[i : i + 2 + i % 3]) + '"')
    return list(dict.fromkeys(texts))


def test_a_quoted_phrase_is_built_as_the_parser_builds_it():
    """plain_phrase() skips the parser for a quoted run of plain words: the same query
    object, word for word and character range for range, Terms and NullQuery included."""
    parser = make_parser(build_schema())
    texts = phrase_texts() + ['"the of"', '"the land of"', '"Kem Sokha"', '"2017 elections"']
    assert len(texts) > 2000
    shapes = set()
    for text in texts:
        assert PLAIN_PHRASE.fullmatch(text), text
        built, parsed = text_query(parser, text)[0], parser.parse(text)
        assert type(built) is type(parsed) and vars(built) == vars(parsed), text
        shapes.add(type(built).__name__)
    assert shapes == {"Phrase", "Term", "_NullQuery"}  # one word left is a Term, none Null
    for text in ['"Kem Sokha', '"Kem" Sokha', '"Kem  Sokha"', ' "Kem Sokha"', '"Kem-Sokha x"']:
        assert not PLAIN_PHRASE.fullmatch(text)  # left to the parser


@given(
    st.integers(1, 5000).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.sets(st.integers(0, size - 1), max_size=400),
            st.sets(st.integers(0, size - 1), max_size=400),
        )
    )
)
@settings(max_examples=300, deadline=None)
def test_among_answers_as_a_set_would_by_either_method(case):
    """ranking.among picks a mask or binary search by their cost; both give the set answer."""
    size, docs, ids = case
    docs_a, ids_a = (np.array(sorted(x), dtype=np.int64) for x in (docs, ids))
    assert ranking.among(docs_a, ids_a, size).tolist() == [d in ids for d in sorted(docs)]


def test_among_masks_long_lists_and_searches_short_ones(monkeypatch):
    """The two ways among() has are both taken: a mask for two long posting lists, binary
    search for a few documents against a long list, each with the set answer."""
    searched = []
    real = ranking.sorted_in
    monkeypatch.setattr(ranking, "sorted_in", lambda v, k: searched.append(v.size) or real(v, k))
    evens, thirds = np.arange(0, 30000, 2), np.arange(0, 30000, 3)
    assert ranking.among(evens, thirds, 30000).tolist() == [d % 3 == 0 for d in evens.tolist()]
    assert searched == []  # the mask
    assert ranking.among(np.array([6, 9]), evens, 30000).tolist() == [True, False]
    assert searched == [2]  # the search
