"""The one-writer lock of an index folder, whatever backend it holds, and the error raised when
an index folder cannot be used."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "ingest.lock"


class IndexError_(Exception):
    """The index folder cannot be used; the message says why and what to do."""


# File descriptors of locks this process holds. Forked children (extraction workers, Whoosh's
# indexing processes) close their copies at once: a flock lives as long as any copy is open,
# so an orphaned child of a killed ingest would otherwise keep the index locked.
_held_locks: set[int] = set()
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _close_inherited_locks() -> None:
    """In a freshly forked child: drop the parent's lock descriptors."""
    for fd in list(_held_locks):
        try:
            os.close(fd)
        except OSError:
            pass
    _held_locks.clear()


def _die_with_parent() -> None:
    """In a forked child: ask Linux to kill it when the ingest that forked it dies, so a
    `kill -9` of an ingest leaves no orphaned workers behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: orphans end when their queue closes


def _after_fork_in_child() -> None:
    """Everything a forked child of an ingest must do first."""
    if _held_locks:
        _die_with_parent()
    _close_inherited_locks()


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def ingest_lock(index_dir: Path, wait: bool = False):
    """Hold the one-writer lock; a second ingest waits or stops with a clear message."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    lock_path = Path(index_dir) / LOCK_FILE
    with open(lock_path, "a+") as fh:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh, flags)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            raise IndexError_(
                f"another ingest is writing to {index_dir} ({holder}); "
                "wait for it to finish or pass --wait"
            ) from exc
        _held_locks.add(fh.fileno())
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        try:
            yield
        finally:
            _held_locks.discard(fh.fileno())
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)
