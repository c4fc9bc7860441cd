"""Records extracted by one ingest, kept on disk until its commit rather than in memory (#12:
a million captures must fit one machine), and a reader of records by id that forked index
writers can use: each process opens its own connections."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from archive.record import Article
from indexer.state import chunks, load_articles

STAGED_DB = "ingest.staged.sqlite"
# Staged records are committed this often: few enough transactions to keep extraction's
# pace, and what a crash loses is re-extracted by the next ingest anyway.
COMMIT_EVERY = 500


class Staging:
    """A scratch SQLite file beside the state: id -> the record's JSON and path. Created
    empty by each ingest and removed when it ends; never read by anything else."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / STAGED_DB
        remove_db(self.path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("pragma journal_mode=wal")
        self.conn.execute("pragma synchronous=off")  # scratch: a crash throws it away
        self.conn.execute("create table staged (id text primary key, path text, json text)")
        # The state's file rows this ingest writes, in the order they came (as the state's
        # `files` table holds them): kept here too, not in a list of every file.
        self.conn.execute(
            "create table files (path text, size integer, mtime_ns integer, content_hash text,"
            " record_id text, status text, reason text)"
        )
        self.pending = 0

    def put(self, article: Article, record_json: str | None = None) -> None:
        """Keep one extracted record (its JSON when the worker made it) until the commit."""
        record = record_json or json.dumps(article.as_dict())
        self._write(
            "insert or replace into staged values (?, ?, ?)",
            (article.id, article.source_path, record),
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

    def files(self) -> Iterator[tuple]:
        """The file rows kept, in the order they came."""
        self.flush()
        yield from self.conn.execute("select * from files order by rowid")

    def flush(self) -> None:
        """Commit what has been staged, so other connections (forked writers) see it."""
        if self.pending:
            self.conn.execute("commit")
            self.pending = 0

    def rows(self, ids: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(id, path, JSON) of staged records."""
        self.flush()
        for part in chunks(ids):
            marks = ",".join("?" * len(part))
            yield from self.conn.execute(
                f"select id, path, json from staged where id in ({marks})", part
            )

    def close(self) -> None:
        """Close and remove the scratch file."""
        self.conn.close()
        remove_db(self.path)


def remove_db(path: Path) -> None:
    """Delete an SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


class RecordReader:
    """Articles by id: this ingest's staged records, else the state's committed ones. Safe
    across fork: a process opens its own read connections on first use."""

    def __init__(self, staged: Path, state: Path, staged_ids: set[str]):
        self.staged = staged
        self.state = state
        self.staged_ids = staged_ids
        self.pid = None
        self.conns: tuple[sqlite3.Connection, sqlite3.Connection] | None = None

    def connections(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        """This process's (staged, state) connections, read-only."""
        if self.pid != os.getpid():
            self.conns = tuple(
                sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                for path in (self.staged, self.state)
            )
            self.pid = os.getpid()
        return self.conns

    def __call__(self, ids: list[str]) -> list[Article]:
        """The records with these ids, in that order."""
        staged_conn, state_conn = self.connections()
        new = [i for i in ids if i in self.staged_ids]
        found = load_articles(state_conn, [i for i in ids if i not in self.staged_ids])
        for part in chunks(new):
            marks = ",".join("?" * len(part))
            query = f"select id, json from staged where id in ({marks})"
            found.update(
                (rid, Article.from_dict(json.loads(js)))
                for rid, js in staged_conn.execute(query, part)
            )
        return [found[i] for i in ids]

    def close(self) -> None:
        """Close this process's connections."""
        if self.conns and self.pid == os.getpid():
            for conn in self.conns:
                conn.close()
        self.conns = None
