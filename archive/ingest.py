"""Find the files under the given paths and extract them on all cores."""

from __future__ import annotations

import itertools
import os
import resource
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

from archive import settings
from archive.decode import file_extension
from archive.extract import (
    HTML_TYPES,
    SUPPORTED,
    capture_key,
    display_path,
    extract_bytes,
    extract_file,
    is_sidecar,
)
from archive.record import Article, ExtractionError, web_url
from archive.webarchive import WEB_ARCHIVE_TYPES, Damaged, Passed, read_web_archive
from archive.webarchive import Capture as WebCapture

T = TypeVar("T")


@dataclass
class Outcome:
    """What happened to one file: a record, or the reason it was skipped."""

    path: str
    article: Article | None = None
    error: str | None = None


class Capture(NamedTuple):
    """A file to extract and the stable name it is indexed under."""

    path: Path
    key: str


# Given a folder being ingested: the folder its files are named under, and that folder's
# name in keys (an index may know the folder under another name; see indexer/ingest.py).
Naming = Callable[[Path], tuple[Path, str]]


def printable(name: str) -> str:
    """A file name as valid text: bytes that are not UTF-8 shown as \\xNN (#15: 'caf\\xe9.txt'
    crashed the ingest), so every name stays distinct and storable."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def own_name(folder: Path) -> tuple[Path, str]:
    """A folder named after itself."""
    folder = Path(os.path.abspath(folder))
    return folder, folder.name or "root"


def collect(
    paths: Iterable[Path | str], follow_links: bool = False, naming: Naming = own_name
) -> tuple[list[Capture], list[Outcome]]:
    """Candidate files under paths (sorted by key, each once), and the ones skipped on sight.
    Symbolic links are followed only while they stay inside the folder being ingested,
    unless follow_links says to follow them anywhere."""
    files: dict[str, Path] = {}
    skipped: list[Outcome] = []
    for capture in find_captures(paths, skipped, follow_links, naming):
        files.setdefault(capture.key, capture.path)
    return [Capture(files[k], k) for k in sorted(files)], skipped


def find_captures(
    paths: Iterable[Path | str],
    skipped: list[Outcome],
    follow_links: bool = False,
    naming: Naming = own_name,
) -> Iterator[Capture]:
    """collect's candidates as they are found, unsorted, a key possibly more than once (the
    first one found is the one collect keeps), for callers that keep them on disk; what is
    skipped on sight is added to `skipped`."""
    for root in map(Path, paths):
        if not root.exists() and not root.is_symlink():
            skipped.append(Outcome(str(root), error="no such file or folder"))
            continue
        folder = root if root.is_dir() else root.parent
        base, name = naming(folder)

        def key(path: Path, base: Path = base, name: str = name) -> str:
            return printable(capture_key(path, base, name))

        candidates = [root] if not root.is_dir() else walk(root, skipped, follow_links, key)
        for path in candidates:
            if is_sidecar(path):
                continue
            if file_extension(path) not in SUPPORTED + WEB_ARCHIVE_TYPES:
                skipped.append(
                    Outcome(
                        key(path),
                        error=(f"unsupported file type {file_extension(path) or '(none)'!r}"),
                    )
                )
                continue
            yield Capture(path, key(path))


def walk(
    root: Path,
    skipped: list[Outcome],
    follow_links: bool = False,
    shown: Callable[[Path], str] = display_path,
) -> Iterator[Path]:
    """Every file below root, as found; folder loops, broken links, links leading outside
    root and unreadable folders are reported by name, not fatal."""
    seen = set()
    inside = os.path.realpath(root)

    def onerror(exc: OSError) -> None:
        skipped.append(
            Outcome(
                shown(Path(exc.filename or root)),
                error=f"cannot read folder: {exc.strerror}",
            )
        )

    def refused(path: Path) -> str | None:
        """Why a linked path is not taken, or None."""
        if not path.is_symlink():
            return None
        if not os.path.exists(path):
            return "broken or looping symbolic link"
        if not follow_links and not is_within(os.path.realpath(path), inside):
            return f"symbolic link leads outside {root} (use --follow-links to follow it)"
        return None

    for folder, dirs, names in os.walk(root, onerror=onerror, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            skipped.append(Outcome(shown(Path(folder)), error="symlink loop"))
            dirs[:] = []
            continue
        seen.add(real)
        dirs.sort()
        for name in list(dirs):
            reason = refused(Path(folder) / name)
            if reason:
                skipped.append(Outcome(shown(Path(folder) / name), error=reason))
                dirs.remove(name)
        for name in sorted(n for n in names if not n.startswith(".")):
            path = Path(folder) / name
            reason = refused(path)
            if reason:
                skipped.append(Outcome(shown(path), error=reason))
            else:
                yield path


def is_within(path: str, folder: str) -> bool:
    """True when the real path lies inside the real folder."""
    return os.path.commonpath([path, folder]) == folder


class OverBudget(BaseException):
    """One file took longer to extract than settings.EXTRACT_SECONDS. A BaseException, so
    that libraries catching Exception (trafilatura does) cannot swallow it."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in this block after `seconds` (main thread only: signals are
    delivered there; elsewhere the block runs unbounded)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expired(signum, frame):
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expired)
    # Fired again every second after the budget, in case the first one lands where a
    # library swallows it anyway.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space at what it uses now plus `megabytes`, so one file
    that needs more fails with MemoryError instead of exhausting the machine (pool workers
    only: the limit stays for the life of the process)."""
    if megabytes <= 0:
        return
    with open("/proc/self/statm") as fh:
        in_use = int(fh.read().split()[0]) * resource.getpagesize()
    limit = in_use + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def extract_one(item: Path | Capture) -> Outcome:
    """Extract one file within its time budget, turning every failure into an Outcome with a
    reason."""
    path, key = item if isinstance(item, Capture) else (Path(item), None)
    return guarded(key or display_path(path), lambda: extract_file(path, key))


# A failed extraction whose process came within this share of its memory budget of the
# limit counts as over the budget: the limit stops an allocation before the address space
# reaches it, and lxml and trafilatura swallow some MemoryErrors, so a page too large for
# the budget can end cut short, with "no article text found" (seen at a 300 MB budget).
NEAR_LIMIT = 0.1


def memory_limit() -> int | None:
    """The address-space limit limit_memory set on this process, if any."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    return None if limit == resource.RLIM_INFINITY else limit


def peak_address_space() -> int:
    """The largest address space this process has had, in bytes (VmPeak; 0 where the system
    does not say)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def hit_memory_limit(peak_before: int) -> bool:
    """True when this process's address space rose, since peak_before, to within NEAR_LIMIT
    of its budget from the limit limit_memory set."""
    limit = memory_limit()
    if limit is None:
        return False
    peak = peak_address_space()
    margin = NEAR_LIMIT * settings.EXTRACT_MEMORY_MB * 1024 * 1024
    return peak > peak_before and peak >= limit - margin


def guarded(shown: str, extract: Callable[[], Article]) -> Outcome:
    """Run one extraction within the per-file budget; every failure becomes an Outcome named
    `shown` with its reason."""
    too_large = f"too large to parse (over {settings.EXTRACT_MEMORY_MB} MB of memory)"
    peak = peak_address_space() if memory_limit() else 0  # read only in limited workers
    try:
        with time_budget(settings.EXTRACT_SECONDS):
            return Outcome(shown, article=extract())
    except OverBudget:
        return Outcome(shown, error=f"too slow to parse (over {settings.EXTRACT_SECONDS:g} s)")
    except MemoryError:
        return Outcome(shown, error=too_large)
    except ExtractionError as exc:
        return Outcome(shown, error=too_large if hit_memory_limit(peak) else str(exc))
    except RecursionError:
        return Outcome(shown, error="document nested too deeply to parse")
    except Exception as exc:  # noqa: BLE001 - one bad file must never stop an ingest
        if hit_memory_limit(peak):
            return Outcome(shown, error=too_large)
        return Outcome(shown, error=f"extraction failed: {type(exc).__name__}: {exc}")


def is_web_archive(capture: Capture) -> bool:
    """A WARC, WARC.gz or WACZ file: many captures in one file."""
    return file_extension(capture.path) in WEB_ARCHIVE_TYPES


def member_key(archive_key: str, page: WebCapture) -> str:
    """A stable name for one page inside a web archive: the archive's capture key, then the
    page's URL and capture date (the same URL captured twice is two captures)."""
    return f"{archive_key}#{page.url}@{page.fetched}"


def extract_web_archive(capture: Capture) -> Iterator[Outcome | str]:
    """One Outcome per HTML page of a web archive, read as a stream; a record passed over
    yields its reason as a string, a damaged one an Outcome naming file and offset."""
    path, key = capture
    seen: set[str] = set()
    try:
        for item in read_web_archive(path, key):
            if isinstance(item, Passed):
                yield item.reason
            elif isinstance(item, Damaged):
                yield Outcome(item.where, error=item.reason)
            else:
                name = member_key(key, item)
                if name in seen:  # one URL captured twice in the same second
                    name = f"{name}#{item.record_id or item.offset}"
                seen.add(name)
                yield extract_page(item, name)
    except OSError as exc:
        yield Outcome(key, error=f"cannot read: {exc.strerror or exc}")


def extract_page(page: WebCapture, key: str) -> Outcome:
    """One archived HTML page within the per-file budget; its URL and capture date come from
    the archive, its publication date from the page only."""

    def extract() -> Article:
        article = extract_bytes(page.html, HTML_TYPES[0], key, {"url": page.url})
        article.url = web_url(page.url) or article.url
        article.fetched = page.fetched or None
        return article

    return guarded(key, extract)


def extract_many(
    paths: Iterable[Path], workers: int | None = None, job: Callable[[Path], T] = extract_one
) -> Iterator[T]:
    """job(path) for every path, in input order, in parallel when there is enough work.
    `job` defaults to extract_one; a later stage may pass a function that also does its own
    per-record work in the worker processes. Paths are read as they are needed, so that they
    may come from a file rather than a list."""
    workers = workers or os.cpu_count() or 1
    paths = iter(paths)
    head = list(itertools.islice(paths, 2 * workers))
    rest = itertools.chain(head, paths)
    if workers == 1 or len(head) < 2 * workers:
        yield from map(job, rest)
        return
    size = settings.INGEST_CHUNKSIZE
    chunks = iter(lambda: list(itertools.islice(rest, size)), [])
    window: deque[Future] = deque()
    with ProcessPoolExecutor(
        max_workers=workers, initializer=limit_memory, initargs=(settings.EXTRACT_MEMORY_MB,)
    ) as pool:
        for chunk in chunks:
            window.append(pool.submit(run_chunk, job, chunk))
            if len(window) >= workers * settings.INGEST_WINDOW:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


def run_chunk(job: Callable[[Path], T], chunk: list[Path]) -> list[T]:
    """In a worker: job on each path of one chunk."""
    return [job(path) for path in chunk]
