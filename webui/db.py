"""The search backend for the web app: opened once per app, refreshed before each request so
that a commit by an ingest is seen without a restart."""

from __future__ import annotations

from flask import Flask, current_app, g

from indexer.backend import SearchBackend, open_backend


def get_backend() -> SearchBackend:
    """The app's backend, brought up to date once per request."""
    backend = current_app.extensions["archive_index"]
    if "backend_fresh" not in g:
        backend.refresh()
        g.backend_fresh = True
    return backend


def init_app(app: Flask) -> None:
    """Attach the backend to the app."""
    app.extensions["archive_index"] = open_backend(app.config["INDEX_DIR"])
