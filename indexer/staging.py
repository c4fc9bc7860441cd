"""What one ingest has found and extracted, kept on disk until its commit rather than in
memory (#12: an ingest's peak memory must not grow with the archive), and readers that
forked index writers can use: each process opens its own connections.

The scratch file holds, per ingest: the files found on disk (`seen`), the ones to extract
(`todo`), the records extracted (`staged`, with their duplicate keys), the state's file rows
to write (`files`), and the commit's duplicate grouping (`reach`, `rbands`, `affected`; see
indexer/dedupe.py and indexer/ingest.py). The ingest's state connection attaches it as
`stg`, so that the commit joins it with the state in SQL instead of in Python dicts."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from archive.record import Article
from indexer import dedupe
from indexer.state import chunks, load_articles

STAGED_DB = "ingest.staged.sqlite"
# Staged rows are committed this often: few enough transactions to keep extraction's pace,
# and what a crash loses is re-extracted by the next ingest anyway.
COMMIT_EVERY = 500
# Rows read per query when walking a staged table: each query ends before the next, so no
# read stays open across the ingest (an open read would keep SQLite's write-ahead log from
# being folded back into the file, and the log would grow by every record staged).
BATCH = 1000
SCHEMA = """
create table seen (key text primary key, path blob not null, abs blob, archive integer);
create table todo (key text primary key, path blob, size integer, mtime_ns integer,
                   archive integer);
create table staged (id text primary key, path text, json text, url_key text,
                     signature text, bands text);
create table files (path text, size integer, mtime_ns integer, content_hash text,
                    record_id text, status text, reason text);
create table dropped (id text primary key);
create table wanted (id text primary key);
create table cand (id text primary key, url_key text, signature text, old_gid text,
                   touched integer);
create table reach (rank integer primary key, id text unique, url_key text, signature text,
                    old_gid text, touched integer, gid text);
create table rbands (key integer, rank integer);
create table affected (n integer primary key, gid text);
"""


class Staging:
    """The scratch SQLite file beside the state. Created empty by each ingest and removed
    when it ends; never read by anything else."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / STAGED_DB
        remove_db(self.path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("pragma journal_mode=wal")
        self.conn.execute("pragma synchronous=off")  # scratch: a crash throws it away
        self.conn.executescript(SCHEMA)
        self.pending = 0

    def see(self, key: str, path: Path, archive: bool) -> None:
        """A file found on disk under its capture key; the first path found for a key wins
        (two roots may reach one file). Paths are kept as the bytes the system gave, since
        a file name need not be UTF-8 (#15)."""
        self._write(
            "insert or ignore into seen values (?, ?, ?, ?)",
            (key, os.fsencode(path), os.fsencode(os.path.abspath(path)), int(archive)),
        )

    def want(self, key: str, path: bytes, stat: tuple[int, int], archive: bool) -> None:
        """A file to extract, with the size and modification time its file row will keep."""
        row = (key, path, *stat, int(archive))
        self._write("insert or replace into todo values (?, ?, ?, ?, ?)", row)

    def stat(self, key: str) -> tuple[int, int]:
        """(size, mtime_ns) noted for a file to extract, or (0, 0)."""
        row = self.conn.execute("select size, mtime_ns from todo where key = ?", (key,)).fetchone()
        return tuple(row) if row else (0, 0)

    def put(self, article: Article, record_json: str | None, keys: dedupe.Keys | None) -> None:
        """Keep one extracted record (its JSON and duplicate keys when the worker made them)
        until the commit."""
        record = record_json or json.dumps(article.as_dict())
        sig, bands = keys or dedupe.keys(article.body)
        self._write(
            "insert or replace into staged values (?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.source_path,
                record,
                dedupe.normal_url(article.url),
                json.dumps(sig),
                json.dumps(bands),
            ),
        )

    def put_file(self, row: tuple) -> None:
        """Keep one file row (path, size, mtime_ns, content hash, record id, status, reason)."""
        self._write("insert into files values (?, ?, ?, ?, ?, ?, ?)", tuple(row))

    def _write(self, sql: str, values: tuple) -> None:
        """One insert, in the transaction open since the last flush."""
        if not self.pending:
            self.conn.execute("begin")
        self.conn.execute(sql, values)
        self.pending += 1
        if self.pending >= COMMIT_EVERY:
            self.flush()

    def flush(self) -> None:
        """Commit what has been staged, so other connections (the state's, forked writers)
        see it."""
        if self.pending:
            self.conn.execute("commit")
            self.pending = 0

    def count(self, table: str, where: str = "1") -> int:
        """Rows of one staged table."""
        return self.conn.execute(f"select count(*) from {table} where {where}").fetchone()[0]

    def keys(self, rid: str) -> tuple[str | None, list[int]] | None:
        """A staged record's URL key and signature, or None."""
        row = self.conn.execute(
            "select url_key, signature from staged where id = ?", (rid,)
        ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def ids(self) -> set[str]:
        """Every staged record's id (for a small change's walk: as many as it changed)."""
        return {rid for (rid,) in self.conn.execute("select id from staged")}

    def close(self) -> None:
        """Close and remove the scratch file."""
        self.conn.close()
        remove_db(self.path)


def remove_db(path: Path) -> None:
    """Delete an SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def batches(conn: sqlite3.Connection, table: str, columns: str, where: str = "1") -> Iterator:
    """The rows of a rowid table in rowid order, BATCH at a time, each batch its own query
    (see BATCH)."""
    last = -1
    while True:
        rows = conn.execute(
            f"select rowid, {columns} from {table} where rowid > ? and ({where}) "
            f"order by rowid limit {BATCH}",
            (last,),
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        for row in rows:
            yield row[1:]


class _PerProcess:
    """Read-only connections opened again in each process that uses them (after a fork,
    a parent's SQLite connection must not be used)."""

    def __init__(self, *paths: Path):
        self.paths = paths
        self.pid = None
        self.conns: tuple[sqlite3.Connection, ...] = ()

    def connections(self) -> tuple[sqlite3.Connection, ...]:
        """This process's connections, one per path."""
        if self.pid != os.getpid():
            self.conns = tuple(
                sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                for path in self.paths
            )
            self.pid = os.getpid()
        return self.conns

    def close(self) -> None:
        """Close this process's connections."""
        if self.conns and self.pid == os.getpid():
            for conn in self.conns:
                conn.close()
        self.conns = ()


class RecordReader(_PerProcess):
    """A story's records, by its group id: this ingest's staged records, else the state's
    committed ones. Safe across fork."""

    def __init__(self, staged: Path, state: Path):
        super().__init__(staged, state)

    def members(self, gid: str) -> list[str]:
        """The ids of a story's records as grouped by this ingest, in id order."""
        staged_conn, _ = self.connections()
        query = "select id from reach where gid = ? order by rank"
        return [rid for (rid,) in staged_conn.execute(query, (gid,))]

    def story(self, gid: str) -> list[Article] | None:
        """A story's records, or None when it has none left (it is deleted)."""
        return self(self.members(gid)) or None

    def __call__(self, ids: list[str]) -> list[Article]:
        """The records with these ids, in that order."""
        staged_conn, state_conn = self.connections()
        found: dict[str, Article] = {}
        for part in chunks(ids):
            marks = ",".join("?" * len(part))
            query = f"select id, json from staged where id in ({marks})"
            found.update(
                (rid, Article.from_dict(json.loads(js)))
                for rid, js in staged_conn.execute(query, part)
            )
        found.update(load_articles(state_conn, [i for i in ids if i not in found]))
        return [found[i] for i in ids]


class StoryIds(_PerProcess, Sequence[str]):
    """The ids of the stories a commit rewrites, sorted, read from the staged `affected`
    table rather than held as a list (a rebuild rewrites every story). Slices are views;
    safe across fork, so that forked writers each read their own share."""

    def __init__(self, staged: Path, start: int = 0, stop: int | None = None):
        super().__init__(staged)
        if stop is None:
            (conn,) = self.connections()
            stop = conn.execute("select count(*) from affected").fetchone()[0]
        self.start, self.stop = start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, at):
        if isinstance(at, slice):
            start, stop, step = at.indices(len(self))
            if step != 1:
                raise ValueError("story ids are sliced in contiguous shares only")
            return StoryIds(self.paths[0], self.start + start, self.start + max(start, stop))
        if not -len(self) <= at < len(self):
            raise IndexError(at)
        (conn,) = self.connections()
        n = self.start + at % len(self)
        return conn.execute("select gid from affected where n = ?", (n,)).fetchone()[0]

    def __iter__(self) -> Iterator[str]:
        (conn,) = self.connections()
        for low in range(self.start, self.stop, BATCH):
            high = min(low + BATCH, self.stop)
            query = "select gid from affected where n >= ? and n < ? order by n"
            yield from (gid for (gid,) in conn.execute(query, (low, high)).fetchall())


def fill(conn: sqlite3.Connection, table: str, values: Iterable[str]) -> None:
    """Insert ids into a one-column staged table (through the state's connection)."""
    conn.executemany(f"insert or ignore into stg.{table} values (?)", ((v,) for v in values))
