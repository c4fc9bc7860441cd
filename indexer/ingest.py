"""Incremental ingest: extract what changed, group duplicates, commit the index once."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path

from archive.extract import capture_key
from archive.ingest import (
    Capture,
    Outcome,
    collect,
    extract_many,
    extract_one,
    extract_web_archive,
    is_web_archive,
)
from indexer import dedupe, state
from indexer.backend import SearchBackend, open_backend
from indexer.lock import IndexError_, ingest_lock
from indexer.staging import RecordReader, Staging
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
            run = _Run(conn, report, staging, rebuild)
            naming = state.RootNames(conn)
            files, skipped = collect(paths, follow_links, naming)
            report.failed.extend((o.path, o.error) for o in skipped)
            run.migrate(files)
            todo = run.changed_files(files)
            report.phases["scan"] = time.perf_counter() - started
            files_todo = [c for c in todo if not is_web_archive(c)]
            for done, pair in enumerate(extract_many(files_todo, workers, extract_signed), 1):
                run.take(*pair)
                if progress:
                    progress(done, len(files_todo))
            for capture in todo:
                if is_web_archive(capture):  # streamed here, one page at a time
                    run.take_archive(capture, extract_web_archive(capture))
            if prune:
                run.prune(
                    {root_key(naming, Path(p)) for p in paths},
                    {f.key for f in files},
                    {f.key for f in files if is_web_archive(f)},
                )
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


def extract_signed(capture: Capture) -> tuple[Outcome, list[int] | None, str | None]:
    """Extract one file, compute its duplicate signature and serialise its record, all in the
    worker process (the ingest's main process, which stages every record, has one core)."""
    outcome = extract_one(capture)
    if not outcome.article:
        return outcome, None, None
    record_json = json.dumps(outcome.article.as_dict())
    return outcome, dedupe.signature(outcome.article.body), record_json


class _Run:
    """State of one ingest between reading the disk and committing the index."""

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
        self.known = {
            row[0]: FileRow(*row)
            for row in conn.execute(
                "select path, size, mtime_ns, content_hash, record_id, status, reason from files"
            )
        }
        self.stats: dict[str, tuple[int, int]] = {}
        # New or changed records: their text waits in the staging file; only what grouping
        # needs stays in memory (URL key and compact signature), so memory does not hold
        # every record of a big ingest (#12).
        self.upserts: dict[str, str | None] = {}  # id -> normal_url key
        self.signatures: dict[str, Sequence[int]] = {}
        self.deletes: set[str] = set()
        self.gone_paths: list[str] = []
        self.archive_pages: dict[str, list[str]] | None = None  # see members()

    def keep_row(self, row: FileRow) -> None:
        """A file row for the state, kept in the staging file until the commit."""
        self.staging.put_file(astuple(row))

    def migrate(self, files: list[Capture]) -> None:
        """Files the state knows under an older name (a path from the working folder, before
        capture keys): their old records go and they are extracted again under their key, in
        this ingest's one commit."""
        keys = {f.key for f in files}
        where = {os.path.abspath(f.path): f.key for f in files}
        for path, row in list(self.known.items()):
            if path in keys or os.path.abspath(path) not in where:
                continue
            self.gone_paths.append(path)
            del self.known[path]
            if row.record_id:
                self.deletes.add(row.record_id)
                self.report.removed += 1

    def changed_files(self, files: list[Capture]) -> list[Capture]:
        """Files whose size or modification time differ from the last ingest."""
        todo = []
        for capture in files:
            path, shown = capture
            try:
                st = path.stat()
            except OSError as exc:
                self.report.failed.append((shown, f"cannot read: {exc.strerror or exc}"))
                continue
            stat = (st.st_size, st.st_mtime_ns)
            old = self.known.get(shown)
            if old and (old.size, old.mtime_ns) == stat and old.status != "error":
                # An unchanged web archive is not opened: its pages count as unchanged.
                pages = len(self.members(shown)) if old.status == "archive" else 1
                self.report.unchanged += pages
            else:
                self.stats[shown] = stat  # only what take() will look up is kept
                todo.append(capture)
        return todo

    def members(self, archive_key: str) -> list[str]:
        """Keys of the pages the state knows inside one web archive (key#url@date). The
        index of them is built on first use, in one pass over the known files, so that
        each archive does not scan the whole state."""
        if self.archive_pages is None:
            self.archive_pages = {}
            for path in self.known:
                at = path.find("#")
                while at >= 0:
                    self.archive_pages.setdefault(path[:at], []).append(path)
                    at = path.find("#", at + 1)
        return self.archive_pages.get(archive_key, [])

    def take_archive(self, capture: Capture, items: Iterable[Outcome | str]) -> None:
        """Record the pages of one web archive as read; pages no longer in it go."""
        key = capture.key
        passed = self.report.archive_passed
        produced: set[str] = set()
        damage = []
        for item in items:
            if isinstance(item, str):
                passed[item] = passed.get(item, 0) + 1
            elif item.path.startswith(key + "#"):
                self.stats[item.path] = self.stats[key]
                produced.add(item.path)
                self.report.archive_pages += 1
                self.take(item)
            else:  # damage: named by file and offset, the good records are kept
                damage.append(item.error)
                self.report.failed.append((item.path, item.error))
        # Pages not read again go, unless the archive was damaged: then they may only be
        # unreadable this time, and a failure keeps the last good records, as for files.
        for path in set() if damage else set(self.members(key)) - produced:
            self.gone_paths.append(path)
            row = self.known.pop(path)
            if row.record_id:
                self.deletes.add(row.record_id)
                self.report.removed += 1
        size, mtime = self.stats[key]
        status, reason = ("error", damage[0]) if damage else ("archive", "web archive")
        self.keep_row(FileRow(key, size, mtime, None, None, status, reason))

    def take(
        self, outcome, signature: list[int] | None = None, record_json: str | None = None
    ) -> None:
        """Record one extraction outcome; a failure keeps the file's last good record."""
        size, mtime = self.stats.get(outcome.path, (0, 0))
        old = self.known.get(outcome.path)
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
            self.staging.put(article, record_json)
            self.upserts[article.id] = dedupe.normal_url(article.url)
            sig = signature or dedupe.signature(article.body)
            self.signatures[article.id] = dedupe.compact(sig)
            if old and old.record_id:
                self.report.updated += 1
            else:
                self.report.added += 1
        self.keep_row(FileRow(outcome.path, size, mtime, article.content_hash, article.id, "ok"))

    def prune(self, roots: set[str], present: set[str], archives: set[str]) -> None:
        """Forget files under the ingested roots that are no longer on disk (a page inside a
        web archive is there while its archive is)."""
        for path, row in self.known.items():
            under = any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)
            if under and path not in present and not in_archive(path, archives):
                self.gone_paths.append(path)
                if row.record_id:
                    self.deletes.add(row.record_id)
                    self.report.removed += 1

    def commit(self, backend: SearchBackend) -> None:
        """Regroup duplicates, rewrite the affected stories in one index commit, then record
        the new state: a crash before the commit leaves the old index whole."""
        if not self.upserts and not self.deletes and not self.rebuild:
            # Nothing to re-index (a re-run): only file bookkeeping changes.
            backend.replace([], dict.get)  # creates the index when missing, writes nothing
            self.report.phases["index"] = 0.0
            self.stage({}, {})
            self.finish(backend)
            return
        touched = set(self.upserts) | self.deletes
        current = self.reachable(touched)
        old_groups = state.groups_of(self.conn, set(current) | self.deletes)
        groups = dedupe.group([(rid, key, sig) for rid, (key, sig) in current.items()])
        mark = time.perf_counter()
        affected = {old_groups[r] for r in touched if old_groups.get(r)}
        affected |= {groups[r] for r in touched if r in groups}
        affected |= {g for r, g in groups.items() if old_groups.get(r) != g}
        affected |= {old_groups[r] for r, g in groups.items() if old_groups.get(r, g) != g}
        members: dict[str, list[str]] = {}
        for rid, gid in groups.items():
            if gid in affected:
                members.setdefault(gid, []).append(rid)
        # The state's changes are written first, uncommitted: whatever fails before the index
        # commits (a name SQLite cannot store, a full disk) leaves both as they were (#15).
        self.stage(current, groups)
        # Each story's records are read when its document is built: new ones from the staging
        # file, the others from the state as last committed (WAL: the open transaction is
        # not seen, and the records it changes are all staged).
        state_file = self.conn.execute("pragma database_list").fetchone()[2]
        reader = RecordReader(self.staging.path, Path(state_file), set(self.upserts))
        try:
            backend.replace(
                sorted(affected),
                lambda gid: reader(members[gid]) if gid in members else None,
                clear=self.rebuild,
            )
        except BaseException:
            self.conn.execute("rollback")
            raise
        finally:
            reader.close()
        self.report.phases["index"] = time.perf_counter() - mark
        mark = time.perf_counter()
        self.finish(backend)
        self.report.phases["save"] = time.perf_counter() - mark

    def reachable(self, touched: set[str]) -> dict[str, tuple[str | None, Sequence[int]]]:
        """The records whose grouping this ingest can change, with their signatures: the
        changed ones, the other members of their old groups (a group may split), and every
        record joined to those through a shared URL or near-identical text (groups may
        merge), followed until nothing new turns up. Groups outside stay as they are."""
        stored = state.record_count(self.conn)
        if len(touched) * 5 >= stored:
            # A large share of the archive changed: reading it all is cheaper than walking.
            reach = state.load_keys(self.conn)
        else:
            old = state.groups_of(self.conn, touched)
            seeds = state.members_of(self.conn, set(old.values())) | set(self.upserts)
            reach = state.load_keys(self.conn, self.walk(seeds))
        for rid in self.deletes:
            reach.pop(rid, None)
        for rid, url_key in self.upserts.items():
            reach[rid] = (url_key, self.signatures[rid])
        return reach

    def walk(self, seeds: set[str]) -> set[str]:
        """Stored records connected to the seeds (new versions of changed records count)."""
        upserted = set(self.upserts)  # all seeds already, with their new versions
        seen: set[str] = set()
        queue = list(seeds)
        while queue:
            rid = queue.pop()
            if rid in seen or rid in self.deletes:
                continue
            seen.add(rid)
            if rid in upserted:
                keys = self.upserts[rid], self.signatures[rid]
            else:
                keys = state.keys_of(self.conn, rid)
            queue.extend(state.neighbours(self.conn, *keys) - seen - upserted)
        return seen - upserted

    def stage(self, current: dict, groups: dict[str, str]) -> None:
        """Write records and file rows in an SQLite transaction left open; a failure rolls
        it back and is raised."""
        conn = self.conn
        conn.execute("begin")
        try:
            self.write_rows(current, groups)
        except BaseException:
            conn.execute("rollback")
            raise

    def finish(self, backend: SearchBackend) -> None:
        """Commit the state with the index generation it describes."""
        state.set_generation(self.conn, backend.generation())
        self.conn.execute("commit")

    def write_rows(self, current: dict, groups: dict[str, str]) -> None:
        """The state's changes: records, groups, file rows."""
        conn = self.conn
        for rid in self.deletes - set(current):
            state.delete_record(conn, rid)
        for rid, path, record_json in self.staging.rows(self.upserts):
            sig, url_key = self.signatures[rid], self.upserts[rid]
            state.save_record(conn, rid, path, record_json, sig, groups[rid], url_key)
        for rid, gid in groups.items():
            conn.execute(
                "update records set group_id = ? where id = ? and group_id is not ?",
                (gid, rid, gid),
            )
        for row in self.staging.files():
            conn.execute("insert or replace into files values (?, ?, ?, ?, ?, ?, ?, null)", row)
        for path in self.gone_paths:
            conn.execute("delete from files where path = ?", (path,))
