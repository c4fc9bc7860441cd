"""Incremental ingest: extract what changed, group duplicates, commit the index once."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import astuple, dataclass, field
from pathlib import Path

from archive.extract import capture_key
from archive.ingest import (
    Capture,
    Outcome,
    extract_many,
    extract_one,
    extract_web_archive,
    find_captures,
    is_web_archive,
)
from indexer import dedupe, state
from indexer.backend import SearchBackend, open_backend
from indexer.lock import IndexError_, ingest_lock
from indexer.staging import BATCH, RecordReader, Staging, StoryIds, batches, fill
from indexer.state import open_state


@dataclass
class IngestReport:
    """What an ingest did, for the summary line and for tests."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    listings: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Web archives: HTML pages read from them, and records passed over, counted by reason.
    archive_pages: int = 0
    archive_passed: dict[str, int] = field(default_factory=dict)
    records: int = 0
    documents: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for bench/

    def as_dict(self) -> dict:
        """Plain dict for --json output."""
        return dict(self.__dict__)


@dataclass
class FileRow:
    """One row of the files table: what the last ingest saw of one path."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    record_id: str | None
    status: str  # "ok" | "listing" | "error"
    reason: str | None = None


def ingest(
    paths: Iterable[Path | str],
    index_dir: Path,
    *,
    prune: bool = False,
    rebuild: bool = False,
    wait: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    follow_links: bool = False,
    backend: SearchBackend | None = None,
) -> IngestReport:
    """Bring the index in index_dir up to date with the files under paths. The ingest's state
    and lock live in index_dir whatever the backend; the stories go to `backend` (the one
    ARCHIVE_BACKEND names, by default Whoosh in index_dir)."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    paths = list(paths)
    backend = backend or open_backend(index_dir, create=True)
    with ingest_lock(index_dir, wait=wait):
        # A rebuild writes a fresh state beside the live one and replaces every document in
        # one index commit: until then searches see the old index, and a stop leaves it (#15).
        conn = state.fresh_state(index_dir) if rebuild else open_state(index_dir)
        if not rebuild:
            check_generation(conn, backend)
        report = IngestReport()
        staging = Staging(index_dir)
        try:
            # The state's connection sees the scratch file as `stg`: the commit joins the
            # two in SQL, so that no per-capture table is held in memory (#12).
            conn.execute("attach database ? as stg", (str(staging.path),))
            run = _Run(conn, report, staging, rebuild)
            naming = state.RootNames(conn)
            skipped: list[Outcome] = []
            for capture in find_captures(paths, skipped, follow_links, naming):
                staging.see(capture.key, capture.path, is_web_archive(capture))
            report.failed.extend((o.path, o.error) for o in skipped)
            run.migrate()
            run.changed_files()
            report.phases["scan"] = time.perf_counter() - started
            todo = staging.count("todo", "not archive")
            captures = run.todo(archive=False)
            for done, found in enumerate(extract_many(captures, workers, extract_signed), 1):
                run.take(*found)
                if progress:
                    progress(done, todo)
            for capture in run.todo(archive=True):  # streamed here, one page at a time
                run.take_archive(capture, extract_web_archive(capture))
            if prune:
                run.prune({root_key(naming, Path(p)) for p in paths})
            report.phases["extract"] = time.perf_counter() - started - report.phases["scan"]
            run.commit(backend)
            report.records = conn.execute("select count(*) from records").fetchone()[0]
            report.documents = conn.execute(
                "select count(distinct group_id) from records"
            ).fetchone()[0]
            conn.close()
        finally:
            staging.close()
        if rebuild:
            state.replace_state(index_dir)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def check_generation(conn: sqlite3.Connection, backend: SearchBackend) -> None:
    """Refuse to go on when the state describes another index generation than the one on
    disk: an ingest stopped between the index's commit and the state's."""
    recorded = state.generation(conn)
    on_disk = backend.generation()
    if recorded is not None and on_disk >= 0 and on_disk != recorded:
        conn.close()
        raise IndexError_(
            f"the index (generation {on_disk}) and its bookkeeping (generation {recorded}) "
            "disagree: the last ingest stopped between them. Rebuild with: archive ingest "
            "--rebuild"
        )


def root_key(naming: state.RootNames, path: Path) -> str:
    """The capture key a given file or folder has: what --prune looks under."""
    return capture_key(path, *naming(path if path.is_dir() else path.parent))


def in_archive(path: str, archives: set[str]) -> bool:
    """True when path names a page inside one of the web archives (key#url@date)."""
    at = path.find("#")
    while at >= 0:
        if path[:at] in archives:
            return True
        at = path.find("#", at + 1)
    return False


def extract_signed(capture: Capture) -> tuple[Outcome, dedupe.Keys | None, str | None]:
    """Extract one file, compute its duplicate keys and serialise its record, all in the
    worker process (the ingest's main process, which stages every record, has one core)."""
    outcome = extract_one(capture)
    if not outcome.article:
        return outcome, None, None
    record_json = json.dumps(outcome.article.as_dict())
    return outcome, dedupe.keys(outcome.article.body), record_json


FILE_COLUMNS = "path, size, mtime_ns, content_hash, record_id, status, reason"


class _Run:
    """State of one ingest between reading the disk and committing the index. What it knows
    of each file and record is in the state and the scratch file (`stg`), not in memory:
    only what changed (deleted records, files gone) is held as sets."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        report: IngestReport,
        staging: Staging,
        rebuild: bool = False,
    ):
        self.conn = conn
        self.report = report
        self.staging = staging
        self.rebuild = rebuild
        self.deletes: set[str] = set()
        self.gone: set[str] = set()  # file rows to forget

    def keep_row(self, row: FileRow) -> None:
        """A file row for the state, kept in the staging file until the commit."""
        self.staging.put_file(astuple(row))

    def old(self, path: str) -> FileRow | None:
        """What the last ingest saw of one path."""
        row = self.conn.execute(
            f"select {FILE_COLUMNS} from files where path = ?", (path,)
        ).fetchone()
        return FileRow(*row) if row else None

    def forget(self, path: str, record_id: str | None) -> None:
        """A file row goes, and with it its record."""
        self.gone.add(path)
        if record_id:
            self.deletes.add(record_id)
            self.report.removed += 1

    def migrate(self) -> None:
        """Files the state knows under an older name (a path from the working folder, before
        capture keys): their old records go and they are extracted again under their key, in
        this ingest's one commit."""
        self.staging.flush()
        unseen = "path not in (select key from stg.seen)"
        indexed = False
        for path, record_id in batches(self.conn, "files", "path, record_id", unseen):
            if not indexed:  # needed only by a state that knows files under other names
                self.conn.execute("create index if not exists stg.seen_abs on seen(abs)")
                indexed = True
            query = "select 1 from stg.seen where abs = ?"
            if self.conn.execute(query, (os.fsencode(os.path.abspath(path)),)).fetchone():
                self.forget(path, record_id)

    def changed_files(self) -> None:
        """Note the files whose size or modification time differ from the last ingest as
        to do; the others count as unchanged."""
        self.staging.flush()
        query = (
            "select s.key, s.path, s.archive, f.size, f.mtime_ns, f.status from stg.seen s "
            "left join files f on f.path = s.key where s.key > ? order by s.key limit ?"
        )
        last = ""
        while rows := self.conn.execute(query, (last, BATCH)).fetchall():
            last = rows[-1][0]
            for key, path, archive, size, mtime, status in rows:
                try:
                    st = os.stat(path)
                except OSError as exc:
                    self.report.failed.append((key, f"cannot read: {exc.strerror or exc}"))
                    continue
                stat = (st.st_size, st.st_mtime_ns)
                if status is not None and (size, mtime) == stat and status != "error":
                    # An unchanged web archive is not opened: its pages count as unchanged.
                    pages = len(self.members(key)) if status == "archive" else 1
                    self.report.unchanged += pages
                else:
                    self.staging.want(key, path, stat, archive)

    def todo(self, archive: bool) -> Iterator[Capture]:
        """The files to extract (or the web archives to read), in key order."""
        self.staging.flush()
        rows = batches(self.conn, "stg.todo", "path, key", f"archive = {int(archive)}")
        return (Capture(Path(os.fsdecode(path)), key) for path, key in rows)

    def members(self, archive_key: str) -> list[tuple[str, str | None]]:
        """(key, record id) of the pages the state knows inside one web archive
        (key#url@date): the file rows whose key starts with the archive's and '#', a range
        of the state's index ('$' follows '#')."""
        query = "select path, record_id from files where path >= ? and path < ?"
        return self.conn.execute(query, (archive_key + "#", archive_key + "$")).fetchall()

    def take_archive(self, capture: Capture, items: Iterable[Outcome | str]) -> None:
        """Record the pages of one web archive as read; pages no longer in it go."""
        key = capture.key
        stat = self.staging.stat(key)
        passed = self.report.archive_passed
        produced: set[str] = set()
        damage = []
        for item in items:
            if isinstance(item, str):
                passed[item] = passed.get(item, 0) + 1
            elif item.path.startswith(key + "#"):
                produced.add(item.path)
                self.report.archive_pages += 1
                self.take(item, stat=stat)
            else:  # damage: named by file and offset, the good records are kept
                damage.append(item.error)
                self.report.failed.append((item.path, item.error))
        # Pages not read again go, unless the archive was damaged: then they may only be
        # unreadable this time, and a failure keeps the last good records, as for files.
        for path, record_id in [] if damage else self.members(key):
            if path not in produced and path not in self.gone:
                self.forget(path, record_id)
        status, reason = ("error", damage[0]) if damage else ("archive", "web archive")
        self.keep_row(FileRow(key, *stat, None, None, status, reason))

    def take(
        self,
        outcome: Outcome,
        keys: dedupe.Keys | None = None,
        record_json: str | None = None,
        stat: tuple[int, int] | None = None,
    ) -> None:
        """Record one extraction outcome; a failure keeps the file's last good record."""
        size, mtime = stat or self.staging.stat(outcome.path)
        old = self.old(outcome.path)
        if outcome.error:
            self.report.failed.append((outcome.path, outcome.error))
            keep = old.record_id if old else None
            self.keep_row(FileRow(outcome.path, size, mtime, None, keep, "error", outcome.error))
            return
        article = outcome.article
        if article.page_type == "listing":
            self.report.listings.append(outcome.path)
            if old and old.record_id:
                self.deletes.add(old.record_id)
            self.keep_row(
                FileRow(
                    outcome.path,
                    size,
                    mtime,
                    article.content_hash,
                    None,
                    "listing",
                    "listing page, not a story",
                )
            )
            return
        if old and old.status == "ok" and old.content_hash == article.content_hash:
            self.report.unchanged += 1
        else:
            self.staging.put(article, record_json, keys)
            if old and old.record_id:
                self.report.updated += 1
            else:
                self.report.added += 1
        self.keep_row(FileRow(outcome.path, size, mtime, article.content_hash, article.id, "ok"))

    def prune(self, roots: set[str]) -> None:
        """Forget files under the ingested roots that are no longer on disk (a page inside a
        web archive is there while its archive is)."""
        self.staging.flush()
        archives = {key for (key,) in self.conn.execute("select key from stg.seen where archive")}
        present = "select 1 from stg.seen where key = ?"
        for path, record_id in batches(self.conn, "files", "path, record_id"):
            if path in self.gone:
                continue
            under = any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)
            if (
                under
                and not in_archive(path, archives)
                and not self.conn.execute(present, (path,)).fetchone()
            ):
                self.forget(path, record_id)

    def commit(self, backend: SearchBackend) -> None:
        """Regroup duplicates, rewrite the affected stories in one index commit, then record
        the new state: a crash before the commit leaves the old index whole."""
        self.staging.flush()
        fill(self.conn, "dropped", self.deletes)
        if not self.staging.count("staged") and not self.deletes and not self.rebuild:
            # Nothing to re-index (a re-run): only file bookkeeping changes.
            backend.replace([], dict.get)  # creates the index when missing, writes nothing
            self.report.phases["index"] = 0.0
            self.stage()
            self.finish(backend)
            return
        mark = time.perf_counter()
        self.reachable()
        dedupe.group_table(self.conn)
        self.mark_affected()
        self.report.phases["group"] = time.perf_counter() - mark
        mark = time.perf_counter()
        # The state's changes are written first, uncommitted: whatever fails before the index
        # commits (a name SQLite cannot store, a full disk) leaves both as they were (#15).
        self.stage()
        # Each story's records are read when its document is built: new ones from the staging
        # file, the others from the state as last committed (WAL: the open transaction is
        # not seen, and the records it changes are all staged).
        state_file = self.conn.execute("pragma database_list").fetchone()[2]
        reader = RecordReader(self.staging.path, Path(state_file))
        stories = StoryIds(self.staging.path)
        try:
            backend.replace(stories, reader.story, clear=self.rebuild)
        except BaseException:
            self.conn.execute("rollback")
            raise
        finally:
            reader.close()
            stories.close()
        self.report.phases["index"] = time.perf_counter() - mark
        mark = time.perf_counter()
        self.finish(backend)
        self.report.phases["save"] = time.perf_counter() - mark

    def reachable(self) -> None:
        """Fill stg.reach with the records whose grouping this ingest can change, ranked in id
        order, and stg.rbands with their band keys: the changed ones, the other members of
        their old groups (a group may split), and every record joined to those through a
        shared URL or near-identical text (groups may merge), followed until nothing new
        turns up. Groups outside stay as they are."""
        conn = self.conn
        conn.execute(
            "insert into stg.cand select s.id, s.url_key, s.signature, r.group_id, 1 "
            "from stg.staged s left join records r on r.id = s.id"
        )
        touched = "select id from stg.staged union select id from stg.dropped"
        changed = conn.execute(f"select count(*) from ({touched})").fetchone()[0]
        stored = "select id, url_key, signature, group_id, 0 from records"
        if changed * 5 >= state.record_count(conn):
            # A large share of the archive changed: reading it all is cheaper than walking.
            conn.execute(f"insert or ignore into stg.cand {stored} where id not in stg.dropped")
        else:
            query = f"select group_id from records where id in ({touched})"
            old = {gid for (gid,) in conn.execute(query)}
            upserted = self.staging.ids()
            fill(conn, "wanted", self.walk(state.members_of(conn, old) | upserted, upserted))
            conn.execute(f"insert or ignore into stg.cand {stored} where id in stg.wanted")
        conn.execute(
            "insert into stg.reach (rank, id, url_key, signature, old_gid, touched) "
            "select row_number() over (order by id) - 1, id, url_key, signature, old_gid, "
            "touched from stg.cand"
        )
        conn.execute(
            "insert into stg.rbands select j.value, r.rank from stg.reach r "
            "join stg.staged s on s.id = r.id, json_each(s.bands) j where r.touched"
        )
        conn.execute(
            "insert into stg.rbands select b.key, r.rank from stg.reach r "
            "join bands b on b.record_id = r.id where not r.touched"
        )

    def walk(self, seeds: set[str], upserted: set[str]) -> set[str]:
        """Stored records connected to the seeds (new versions of changed records count)."""
        seen: set[str] = set()
        queue = list(seeds)
        while queue:
            rid = queue.pop()
            if rid in seen or rid in self.deletes:
                continue
            seen.add(rid)
            if rid in upserted:
                keys = self.staging.keys(rid)
            else:
                keys = state.keys_of(self.conn, rid)
            queue.extend(state.neighbours(self.conn, *keys) - seen - upserted)
        return seen - upserted

    def mark_affected(self) -> None:
        """Fill stg.affected with the stories to rewrite, sorted: the old and new groups of
        every changed record, and both groups of every record whose group changed."""
        conn = self.conn
        conn.execute("create index stg.reach_gid on reach(gid)")
        conn.execute(
            "insert into stg.affected select row_number() over (order by gid) - 1, gid from ("
            " select old_gid as gid from stg.reach where touched and old_gid is not null"
            " union select gid from stg.reach where touched"
            " union select gid from stg.reach where old_gid is not gid"
            " union select old_gid from stg.reach where old_gid is not null"
            "   and old_gid is not gid"
            " union select group_id from records where id in stg.dropped"
            "   and group_id is not null)"
        )

    def stage(self) -> None:
        """Write records and file rows in an SQLite transaction left open; a failure rolls
        it back and is raised."""
        conn = self.conn
        conn.execute("begin")
        try:
            self.write_rows()
        except BaseException:
            conn.execute("rollback")
            raise

    def finish(self, backend: SearchBackend) -> None:
        """Commit the state with the index generation it describes."""
        state.set_generation(self.conn, backend.generation())
        self.conn.execute("commit")

    def write_rows(self) -> None:
        """The state's changes, in SQL from the scratch file: records, their band keys and
        groups, file rows."""
        conn = self.conn
        gone = "select id from stg.dropped where id not in (select id from stg.reach)"
        conn.execute(f"delete from bands where record_id in ({gone})")
        conn.execute(f"delete from records where id in ({gone})")
        conn.execute(
            "insert or replace into records (id, path, json, signature, group_id, url_key) "
            "select s.id, s.path, s.json, s.signature, r.gid, s.url_key "
            "from stg.staged s join stg.reach r on r.id = s.id"
        )
        conn.execute("delete from bands where record_id in (select id from stg.staged)")
        conn.execute(
            "insert into bands select j.value, s.id from stg.staged s, json_each(s.bands) j"
        )
        conn.execute(
            "update records set group_id = (select gid from stg.reach r where r.id = records.id)"
            " where id in (select id from stg.reach where not touched and old_gid is not gid)"
        )
        conn.execute(
            f"insert or replace into files ({FILE_COLUMNS}, root) "
            f"select {FILE_COLUMNS}, null from stg.files order by rowid"
        )
        conn.executemany("delete from files where path = ?", ((p,) for p in self.gone))
