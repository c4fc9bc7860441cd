"""The Whoosh index for the web app: opened once, searchers per thread, refreshed after commits."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app, g

from indexer.store import IndexError_, open_index


class IndexUnavailable(Exception):
    """The index is missing or damaged; pages say so (503) instead of failing."""


class IndexHandle:
    """One open index per app; each serving thread keeps its own searcher and refreshes it
    when an ingest has committed a new generation (no restart needed)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self.ix = None
        self.local = threading.local()
        self.lock = threading.Lock()
        self.open_searchers: set = set()

    def index(self):
        """The open index, opened on first use."""
        with self.lock:
            if self.ix is None:
                try:
                    self.ix = open_index(self.index_dir)
                except IndexError_ as exc:
                    raise IndexUnavailable(str(exc)) from exc
        return self.ix

    def searcher(self):
        """This thread's searcher, refreshed if the index changed since it was opened."""
        searcher = getattr(self.local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            self.forget(searcher)
            searcher = None
        if searcher is None:
            searcher = self.index().searcher()
            with self.lock:
                self.open_searchers.add(searcher)
        self.local.searcher = searcher
        return searcher

    def forget(self, searcher) -> None:
        """Close a searcher this thread no longer uses (its files may be merged away)."""
        with self.lock:
            self.open_searchers.discard(searcher)
        searcher.close()

    def close(self) -> None:
        """Close every thread's searcher (at shutdown, and between tests)."""
        with self.lock:
            searchers, self.open_searchers = list(self.open_searchers), set()
        for searcher in searchers:
            searcher.close()


def get_searcher():
    """The searcher for this request, kept on g."""
    if "searcher" not in g:
        g.searcher = current_app.extensions["archive_index"].searcher()
    return g.searcher


def init_app(app: Flask) -> None:
    """Attach the index handle to the app."""
    app.extensions["archive_index"] = IndexHandle(app.config["INDEX_DIR"])
