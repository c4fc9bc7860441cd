"""The Whoosh index: incremental ingest, duplicates, locking, and searches users run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from indexer.backend import open_backend
from indexer.ingest import ingest
from indexer.lock import IndexError_, ingest_lock
from indexer.query import parse_request
from indexer.whoosh_backend.store import open_index

CAPTURES = Path(__file__).resolve().parent / "fixtures" / "captures"


def run(index_dir: Path, **params) -> dict:
    """Search the index with URL-style parameters; the answer as the API gives it."""
    request = parse_request({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    with open_backend(index_dir) as backend:
        return backend.search(request).as_dict()


def titles(result: dict) -> list[str]:
    return [h["source_path"].rsplit("/", 1)[-1] for h in result["hits"]]


def test_drugs_finds_the_hun_manet_story(index_dir):
    result = run(index_dir, q="drugs")
    assert titles(result)[0] == "ppp-2024-hun-manet-drug-users-blacklist.txt"


def test_speaker_filter_in_query_finds_chin_malin(index_dir):
    result = run(index_dir, q='speaker:"Chin Malin"')
    assert titles(result) == ["ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"]


def test_year_filter_in_query(index_dir):
    result = run(index_dir, q="year:2016")
    assert titles(result) == ["ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt"]


def test_speaker_facet_for_human_rights_counts_seed_speakers(index_dir):
    assert run(index_dir, q="human rights")["facets"]["speaker"]["truncated"]
    facet = run(index_dir, q="human rights", more="speaker")["facets"]["speaker"]
    assert not facet["truncated"]
    counts = {v["value"]: v["count"] for v in facet["values"]}
    assert counts == {
        "Am Sam Ath": 2,
        "António Guterres": 1,
        "Chin Malin": 1,
        "Hun Manet": 1,
        "Hun Sen": 1,
        "Keo Thea": 1,
        "Kin Phea": 1,
        "Sar Kheng": 1,
        "Yang Kim Eng": 1,
        "Yim Sovann": 1,
        "Yong Kim Eng": 1,
    }


def test_stemming_finds_other_word_forms(index_dir):
    assert "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt" in titles(
        run(index_dir, q="trafficking")
    )
    assert titles(run(index_dir, q="traffickers")) == titles(run(index_dir, q="trafficker"))


def test_accents_fold(index_dir):
    assert titles(run(index_dir, q="Guterres")) == titles(run(index_dir, q="Gutérres"))
    assert titles(run(index_dir, q="antonio guterres"))


def test_khmer_word_matches_inside_longer_text(index_dir):
    result = run(index_dir, q="គ្រឿងញៀន")
    assert titles(result) == ["khmer-language-drugs.txt"]


@pytest.mark.parametrize(
    "q,expected",
    [
        ('"human trafficking"', {"ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt"}),
        ("rapporteur -Vitit", {"cambodia-mission-geneva-2021-human-rights-situationer-ii.txt"}),
        ("blacklist OR bokator", {"ppp-2024-hun-manet-drug-users-blacklist.txt"}),
        ("Muntarb*", {"ppp-2022-hun-sen-meets-un-rapporteur-vitit.txt"}),
        ("Muntarbhirn~", {"ppp-2022-hun-sen-meets-un-rapporteur-vitit.txt"}),
        ("vendors NOT eviction", {"ppp-2000-hardwrapped-cooking.txt"}),
        (
            'speaker:"chin malin" persecution',
            {"ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"},
        ),
        ("date:2016-12..2017-03", {"ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt"}),
        (
            "year:2016..2017 -topic:drugs",
            {
                "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt",
                "ppp-2017-night-market.txt",
            },
        ),
    ],
)
def test_query_language(index_dir, q, expected):
    assert set(titles(run(index_dir, q=q))) == expected


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "((((",
        "AND",
        "OR OR",
        ")",
        "x" * 10_000,
        "a\x00b\x07c",
        "speaker:",
        'speaker:"',
        "-",
        "*",
        "~",
        "date:..",
        "title:",
        "NOT",
        "[1 TO",
        "🙂",
        "<script>alert(1)</script>",
    ],
)
def test_malformed_query_answers_without_error(index_dir, q):
    result = run(index_dir, q=q)
    assert isinstance(result["total"], int)


def test_overlong_query_says_it_was_cut(index_dir):
    assert any("cut" in n for n in run(index_dir, q="rights " * 2000)["notices"])


def test_did_you_mean_uses_the_archive_vocabulary(index_dir):
    result = run(index_dir, q="trafickers")
    assert result["total"] == 0
    assert result["suggestion"] == "traffickers"


def test_a_prefix_is_not_corrected_as_a_misspelling(index_dir):
    """A word cut short before * is meant to be partial: "trafick*" finds nothing, and
    correcting it (to a whole word, at the cost of a search of the vocabulary) misleads."""
    result = run(index_dir, q="trafick*")
    assert result["total"] == 0
    assert result["suggestion"] is None
    assert run(index_dir, q="trafickers")["suggestion"] == "traffickers"


def test_multiselect_is_or_within_and_across_facets(index_dir):
    both = run(index_dir, speaker=["Chin Malin", "Kin Phea"])
    assert both["total"] == 2
    narrowed = run(index_dir, speaker=["Chin Malin", "Kin Phea"], topic="Courts and justice")
    assert titles(narrowed) == ["ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"]


def test_disjunctive_counts_lift_the_facets_own_selection(index_dir):
    result = run(index_dir, q="human rights", speaker="Chin Malin")
    speakers = {v["value"]: v for v in result["facets"]["speaker"]["values"]}
    assert speakers["Chin Malin"]["selected"] and speakers["Hun Sen"]["count"] == 1
    assert result["total"] == 1


def test_undated_bucket_and_date_range(index_dir):
    years = {v["value"]: v["count"] for v in run(index_dir)["facets"]["year"]["values"]}
    assert years["undated"] == 5
    ranged = run(index_dir, **{"from": "2016-12", "to": "2017-03"})
    assert titles(ranged) == ["ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt"]


def test_sort_newest_and_oldest_put_undated_last(index_dir):
    newest = [h["date"] for h in run(index_dir, sort="newest")["hits"]]
    oldest = [h["date"] for h in run(index_dir, sort="oldest")["hits"]]
    dated = [d for d in newest if d]
    assert dated == sorted(dated, reverse=True) and newest[: len(dated)] == dated
    assert [d for d in oldest if d] == sorted(dated) and oldest[-1] is None


def test_quote_match_says_whose(index_dir):
    hit = run(index_dir, q="persecution judicial mechanisms")["hits"][0]
    result = run(index_dir, q='"not difficult to understand"')
    assert result["hits"][0]["quote_by"] == "Chin Malin"
    assert "<mark" in hit["snippet"]


def test_pagination_covers_every_hit_once(index_dir):
    first = run(index_dir, sort="oldest")
    pages = [run(index_dir, sort="oldest", page=str(p)) for p in range(1, first["pages"] + 1)]
    ids = [h["id"] for page in pages for h in page["hits"]]
    assert len(ids) == len(set(ids)) == first["total"]


def copy_raw(tmp_path: Path, corpus: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(corpus / "raw", raw)
    return raw


def test_reingest_of_unchanged_folder_changes_nothing(tmp_path, corpus):
    raw = copy_raw(tmp_path, corpus)
    first = ingest([raw], tmp_path / "ix")
    generation = open_index(tmp_path / "ix").latest_generation()
    again = ingest([raw], tmp_path / "ix")
    assert (first.added, again.added, again.updated, again.unchanged) == (5, 0, 0, 5)
    assert open_index(tmp_path / "ix").latest_generation() == generation


def test_changed_file_replaces_its_record_and_prune_removes_gone_files(tmp_path, corpus):
    raw = copy_raw(tmp_path, corpus)
    ingest([raw], tmp_path / "ix")
    story = raw / "ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"
    story.write_text(
        story.read_text(encoding="utf-8").replace("Chin Malin", "Chin Malinx"), encoding="utf-8"
    )
    (raw / "ppp-2024-hun-manet-drug-users-blacklist.txt").unlink()
    report = ingest([raw], tmp_path / "ix", prune=True)
    assert (report.updated, report.removed, report.documents) == (1, 1, 4)
    assert run(tmp_path / "ix", q="Malinx")["total"] == 1
    assert run(tmp_path / "ix", q="blacklist")["total"] == 0


def test_two_captures_of_one_story_are_one_result(tmp_path, corpus):
    raw = copy_raw(tmp_path, corpus)
    original = raw / "ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"
    text = original.read_text(encoding="utf-8")
    # A second crawl: other chrome, a typo fixed, otherwise the same story.
    (raw / "recrawl-justice-ministry.txt").write_text(
        "Search form\n\n" + text.replace("adultrous", "adulterous"), encoding="utf-8"
    )
    report = ingest([raw], tmp_path / "ix")
    assert (report.records, report.documents) == (6, 5)
    hits = run(tmp_path / "ix", q="persecution")["hits"]
    assert len(hits) == 1 and len(hits[0]["captures"]) == 2


def test_one_commit_and_many_commits_answer_identically(tmp_path, corpus):
    files = sorted((corpus / "raw").glob("*.txt")) + sorted((corpus / "captures").glob("*.*"))
    one, many = tmp_path / "one", tmp_path / "many"
    staging = tmp_path / "staging"
    staging.mkdir()
    for path in files:
        shutil.copy(path, staging / path.name)
        meta = path.with_name(path.stem + ".meta.json")
        if meta.exists():
            shutil.copy(meta, staging / meta.name)
        ingest([staging], many)
    ingest([staging], one)
    for params in (
        {},
        {"q": "human rights"},
        {"q": "said"},
        {"speaker": "Hun Sen"},
        {"q": "rights", "topic": "Human rights", "sort": "newest"},
    ):
        a, b = run(one, **params), run(many, **params)
        assert a["total"] == b["total"] and a["facets"] == b["facets"]
        ranked_a, ranked_b = every_hit(one, params), every_hit(many, params)
        assert sorted(ranked_a) == sorted(ranked_b)
        if "q" not in params or params.get("sort"):
            assert ranked_a == ranked_b


def every_hit(index_dir: Path, params: dict) -> list[str]:
    """File names of all hits in rank order (date sorts are fully ordered; relevance scores
    move by a fraction of a percent between segment layouts, so ties may swap)."""
    request = parse_request({k: [v] for k, v in params.items()})
    with open_backend(index_dir) as backend:
        return [Path(h.source_path).name for h in backend.iter_hits(request, 1000)]


def test_second_ingest_stops_with_a_clear_message(tmp_path):
    with ingest_lock(tmp_path):
        with pytest.raises(IndexError_, match="another ingest is writing"):
            ingest([CAPTURES], tmp_path)


def test_missing_index_has_a_clear_message(tmp_path):
    with pytest.raises(IndexError_, match="archive ingest"):
        open_index(tmp_path / "nothing")


def test_a_search_marks_its_snippets_alike_whatever_was_searched_before(index_dir):
    """The marks' classes ("termN") were numbered by one formatter shared by every request,
    so a search's HTML depended on the searches before it (and on other server threads):
    now each snippet numbers its own marked words from term0, in the order they come."""
    first = [h["snippet"] for h in run(index_dir, q="land OR drugs")["hits"]]
    snippets = []
    for q in ("Hun Sen", "trafficking", "ministry", "human rights", "kheng~2"):
        snippets += [h["snippet"] for h in run(index_dir, q=q)["hits"] if h["snippet"]]
    assert [h["snippet"] for h in run(index_dir, q="land OR drugs")["hits"]] == first
    assert len(snippets) >= 8
    for snippet in snippets:
        numbers = list(dict.fromkeys(re.findall(r'class="hl term(\d+)"', snippet)))
        assert numbers == [str(n) for n in range(len(numbers))], snippet
