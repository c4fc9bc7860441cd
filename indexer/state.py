"""The ingest's bookkeeping beside the index (SQLite): the files it saw, the records it
extracted, and each record's duplicate keys (normalised URL, MinHash bands), so that an ingest
regroups only the stories its changes can reach instead of loading the whole archive."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from archive.record import Article
from indexer import dedupe

STATE_DB = "state.sqlite"
# A rebuild's state, written beside the live one and renamed over it at the end.
REBUILD_DB = "state.rebuild.sqlite"
# Bumped when the schema gains something older databases must be brought up to.
VERSION = 1

SCHEMA = """
create table if not exists files (
    path text primary key, size integer, mtime_ns integer, content_hash text,
    record_id text, status text, reason text, root text);
create table if not exists records (
    id text primary key, path text, json text, signature text, group_id text, url_key text);
create table if not exists bands (key integer, record_id text);
create table if not exists roots (name text primary key, path text);
create table if not exists meta (key text primary key, value text);
"""
INDEXES = """
create index if not exists records_group on records(group_id);
create index if not exists records_url on records(url_key);
create index if not exists bands_key on bands(key);
create index if not exists bands_record on bands(record_id);
"""
# Ask SQLite for at most this many values in one `in (...)` list.
CHUNK = 500


def open_state(index_dir: Path, name: str = STATE_DB) -> sqlite3.Connection:
    """The ingest bookkeeping database, brought up to the current schema."""
    index_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(index_dir / name, isolation_level=None)
    conn.execute("pragma journal_mode=wal")
    conn.executescript(SCHEMA)
    if conn.execute("pragma user_version").fetchone()[0] < VERSION:
        upgrade(conn)
    conn.executescript(INDEXES)
    return conn


def upgrade(conn: sqlite3.Connection) -> None:
    """Give records written before version 1 their URL key and band keys (once)."""
    columns = {row[1] for row in conn.execute("pragma table_info(records)")}
    conn.execute("begin")
    if "url_key" not in columns:
        conn.execute("alter table records add column url_key text")
    conn.execute("delete from bands")
    rows = conn.execute("select id, json, signature from records").fetchall()
    for rid, js, sig in rows:
        url_key = dedupe.normal_url(json.loads(js).get("url"))
        conn.execute("update records set url_key = ? where id = ?", (url_key, rid))
        conn.executemany("insert into bands values (?, ?)", band_rows(rid, json.loads(sig)))
    conn.execute(f"pragma user_version = {VERSION}")
    conn.execute("commit")


class RootNames:
    """Names of ingested folders in capture keys, remembered so that they stay the same: a
    folder inside a known one is named under it ('raw/2016/x.txt' whether `raw/` or
    `raw/2016/` is ingested); a known folder that moved keeps its name; two live folders of
    one name are told apart by a short hash of the second one's path."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.known = dict(conn.execute("select name, path from roots"))

    def __call__(self, folder: Path) -> tuple[Path, str]:
        """(folder the keys are relative to, its name)."""
        folder = Path(os.path.abspath(folder))
        for name, path in self.known.items():
            if folder == Path(path) or Path(path) in folder.parents:
                return Path(path), name
        name = folder.name or "root"
        other = self.known.get(name)
        if other is not None and Path(other).exists():
            name = f"{name}-{hashlib.sha1(str(folder).encode()).hexdigest()[:6]}"
        self.known[name] = str(folder)
        self.conn.execute("insert or replace into roots values (?, ?)", (name, str(folder)))
        return folder, name


def fresh_state(index_dir: Path) -> sqlite3.Connection:
    """An empty state for a rebuild, beside the live one, knowing the live one's folder
    names (so that keys, and ids, stay what they were)."""
    (index_dir / REBUILD_DB).unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        (index_dir / (REBUILD_DB + suffix)).unlink(missing_ok=True)
    conn = open_state(index_dir, REBUILD_DB)
    if (index_dir / STATE_DB).exists():
        old = open_state(index_dir)
        conn.executemany(
            "insert or replace into roots values (?, ?)",
            old.execute("select name, path from roots"),
        )
        old.close()
    return conn


def replace_state(index_dir: Path) -> None:
    """Put the rebuilt state in the live one's place (its connection closed): one rename."""
    live = index_dir / STATE_DB
    if live.exists():
        old = sqlite3.connect(live)
        old.execute("pragma wal_checkpoint(truncate)")
        old.close()
    for suffix in ("-wal", "-shm"):
        (index_dir / (STATE_DB + suffix)).unlink(missing_ok=True)
    os.replace(index_dir / REBUILD_DB, live)


def set_generation(conn: sqlite3.Connection, generation: int) -> None:
    """Record which index generation this state describes (inside the open transaction)."""
    conn.execute("insert or replace into meta values ('generation', ?)", (str(generation),))


def generation(conn: sqlite3.Connection) -> int | None:
    """The index generation the state was last committed with, or None (older states)."""
    row = conn.execute("select value from meta where key = 'generation'").fetchone()
    return int(row[0]) if row else None


def band_rows(rid: str, sig: Sequence[int]) -> list[tuple[int, str]]:
    """The bands table rows of one record."""
    return [(key, rid) for key in dedupe.band_keys(sig)]


def chunks(values: Iterable[str]) -> Iterable[list[str]]:
    """values in lists small enough for one query."""
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def record_count(conn: sqlite3.Connection) -> int:
    """How many records the archive holds."""
    return conn.execute("select count(*) from records").fetchone()[0]


def members_of(conn: sqlite3.Connection, group_ids: Iterable[str]) -> set[str]:
    """Every record stored in these groups."""
    found: set[str] = set()
    for part in chunks(group_ids):
        marks = ",".join("?" * len(part))
        query = f"select id from records where group_id in ({marks})"
        found.update(rid for (rid,) in conn.execute(query, part))
    return found


def keys_of(conn: sqlite3.Connection, rid: str) -> tuple[str | None, Sequence[int]]:
    """A stored record's URL key and signature."""
    url_key, sig = conn.execute(
        "select url_key, signature from records where id = ?", (rid,)
    ).fetchone()
    return url_key, json.loads(sig)


def neighbours(conn: sqlite3.Connection, url_key: str | None, sig: Sequence[int]) -> set[str]:
    """Stored records that dedupe.group would join to a record with these keys: the same
    URL, or a shared band and near-identical text."""
    found: set[str] = set()
    if url_key:
        found.update(
            rid for (rid,) in conn.execute("select id from records where url_key = ?", (url_key,))
        )
    keys = dedupe.band_keys(sig)
    rows = conn.execute(
        "select distinct r.id, r.signature from bands b join records r on r.id = b.record_id "
        f"where b.key in ({','.join('?' * len(keys))})",
        keys,
    )
    found.update(
        rid for rid, other in rows if dedupe.similarity(sig, json.loads(other)) >= dedupe.SAME_STORY
    )
    return found


def load_articles(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Article]:
    """Stored records by id (missing ones left out)."""
    found = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        query = f"select id, json from records where id in ({marks})"
        found.update(
            (rid, Article.from_dict(json.loads(js))) for rid, js in conn.execute(query, part)
        )
    return found


def save_record(
    conn: sqlite3.Connection,
    rid: str,
    path: str,
    record_json: str,
    sig: Sequence[int],
    gid: str,
    url_key: str | None,
) -> None:
    """Store one record (its JSON as extracted) with its group and duplicate keys (inside
    the caller's transaction)."""
    conn.execute(
        "insert or replace into records values (?, ?, ?, ?, ?, ?)",
        (rid, path, record_json, json.dumps(list(sig)), gid, url_key),
    )
    conn.execute("delete from bands where record_id = ?", (rid,))
    conn.executemany("insert into bands values (?, ?)", band_rows(rid, sig))


def delete_record(conn: sqlite3.Connection, rid: str) -> None:
    """Forget one record and its duplicate keys (inside the caller's transaction)."""
    conn.execute("delete from records where id = ?", (rid,))
    conn.execute("delete from bands where record_id = ?", (rid,))
