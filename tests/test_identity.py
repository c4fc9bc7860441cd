"""Stable identity (#15 item 2): a capture keeps its id and link whatever folder a command
runs from, and an index written with working-folder paths is migrated once."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from indexer.ingest import ingest
from indexer.whoosh_backend.store import open_index

ROOT = Path(__file__).resolve().parents[1]


def ids(index_dir: Path) -> dict[str, str]:
    """source_path -> id of every capture in the index (a story may hold several)."""
    with open_index(index_dir).searcher() as searcher:
        return {
            capture["source_path"]: capture["id"]
            for stored in searcher.all_stored_fields()
            for capture in json.loads(stored["record"])["captures"]
        }


def test_ids_do_not_depend_on_the_working_folder(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "raw", tmp_path / "project" / "raw")
    index = tmp_path / "index"
    monkeypatch.chdir(tmp_path / "project")
    first = ingest([Path("raw")], index)
    before = ids(index)
    monkeypatch.chdir("/")
    again = ingest([tmp_path / "project" / "raw"], index, prune=True)
    monkeypatch.chdir(tmp_path)
    third = ingest([Path("project/raw")], index, prune=True)
    assert first.records == again.records == third.records == 5
    assert again.unchanged == third.unchanged == 5 and again.added == third.added == 0
    assert ids(index) == before
    assert sorted(before) == sorted(f"raw/{p.name}" for p in (ROOT / "raw").glob("*.txt"))


def test_a_subfolder_keeps_the_names_its_folder_gave(tmp_path):
    raw = tmp_path / "raw"
    (raw / "2016").mkdir(parents=True)
    shutil.copy(
        ROOT / "raw" / "ppp-2016-12-14-officials-enabling-traffickers-says-kheng.txt",
        raw / "2016" / "kheng.txt",
    )
    index = tmp_path / "index"
    ingest([raw], index)
    report = ingest([raw / "2016"], index)
    assert report.unchanged == 1 and report.records == 1
    assert list(ids(index)) == ["raw/2016/kheng.txt"]


def test_two_folders_of_one_name_do_not_overwrite_each_other(tmp_path):
    for outlet in ("a", "b"):
        shutil.copytree(ROOT / "raw", tmp_path / outlet / "raw")
    index = tmp_path / "index"
    ingest([tmp_path / "a" / "raw"], index)
    report = ingest([tmp_path / "b" / "raw"], index)
    assert report.records == 10
    names = {path.split("/", 1)[0] for path in ids(index)}
    assert len(names) == 2 and "raw" in names


def test_an_index_keyed_by_working_folder_paths_is_migrated_once(tmp_path):
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    index = tmp_path / "index"
    ingest([tmp_path / "raw"], index)
    # What an older version wrote when run from elsewhere: absolute paths as file names.
    conn = sqlite3.connect(index / "state.sqlite")
    conn.execute("update files set path = ? || substr(path, 4)", (str(tmp_path / "raw"),))
    conn.commit()
    conn.close()
    migrated = ingest([tmp_path / "raw"], index)
    assert migrated.removed == 5 and migrated.added == 5 and migrated.records == 5
    settled = ingest([tmp_path / "raw"], index)
    assert settled.unchanged == 5 and settled.added == settled.removed == 0
    conn = sqlite3.connect(index / "state.sqlite")
    paths = [row[0] for row in conn.execute("select path from files")]
    assert all(p.startswith("raw/") for p in paths) and len(paths) == 5


def test_a_file_name_that_is_not_utf8_is_indexed_and_named(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    good = ROOT / "raw" / "ppp-2023-justice-ministry-dismissive-of-persecution-claims.txt"
    (raw / os.fsdecode(b"caf\xe9.txt")).write_bytes(good.read_bytes())
    first = ingest([raw], tmp_path / "index")
    assert first.added == 1 and not first.failed
    assert list(ids(tmp_path / "index")) == ["raw/caf\\xe9.txt"]
    again = ingest([raw], tmp_path / "index")
    assert again.unchanged == 1 and again.added == 0


def test_a_failing_index_commit_leaves_index_and_state_as_they_were(tmp_path, monkeypatch):
    import indexer.whoosh_backend.backend as whoosh_backend

    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", raw)
    index = tmp_path / "index"
    ingest([raw], index)
    before = ids(index)
    (raw / "new.txt").write_text("A new story about land. " * 20, encoding="utf-8")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(whoosh_backend, "replace_documents", full_disk)
    with pytest.raises(OSError):
        ingest([raw], index)
    monkeypatch.undo()
    assert ids(index) == before
    conn = sqlite3.connect(index / "state.sqlite")
    assert conn.execute("select count(*) from records").fetchone()[0] == 5
    assert conn.execute("select count(*) from files where path like '%new.txt'").fetchone()[0] == 0
    conn.close()
    after = ingest([raw], index)
    assert after.added == 1 and after.records == 6
