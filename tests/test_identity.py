"""Stable identity (#15 item 2): a capture keeps its id and link whatever folder a command
runs from, and an index written with working-folder paths is migrated once."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from indexer.ingest import ingest
from indexer.store import open_index

ROOT = Path(__file__).resolve().parents[1]


def ids(index_dir: Path) -> dict[str, str]:
    """source_path -> id of every record in the index."""
    with open_index(index_dir).searcher() as searcher:
        return {
            json.loads(f["record"])["source_path"]: f["id"] for f in searcher.all_stored_fields()
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
