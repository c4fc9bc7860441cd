"""The Flask app: search page with facets and timeline, article and speaker pages,
saved searches with feeds, exports and a JSON API."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, jsonify, render_template, request

from indexer.query import FACET_MORE_SIZE, FACET_SIZE, PAGE_SIZE, RequestError


def create_app(test_config: dict | None = None) -> Flask:
    """App factory: defaults, then instance config or the test dict, then blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("ARCHIVE_INDEX", "index"),
        # Sizes of what a page lists (see indexer/query.py for why each has its value).
        PAGE_SIZE=PAGE_SIZE,
        FACET_SIZE=FACET_SIZE,
        FACET_MORE_SIZE=FACET_MORE_SIZE,
        SPEAKER_PAGE_SIZE=25,  # stories on a speaker page: their quotes are longer than hits
        FEED_SIZE=20,  # entries in a saved search's Atom feed
        EXPORT_LIMIT=100_000,
        MAX_SAVED_NAME=120,
        # Uploads (a batch's list of names) and form posts: a 1,000-line list is ~100 KB;
        # waitress refuses bodies over 1 MB before Flask sees them, this says so politely.
        MAX_CONTENT_LENGTH=1024 * 1024,
        SAVED_DB=None,  # default: saved.sqlite inside INDEX_DIR
        # Public address for absolute links (feeds); without it links use the request's host.
        BASE_URL=os.environ.get("ARCHIVE_BASE_URL"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    index_dir = Path(app.config["INDEX_DIR"])
    app.config["SAVED_DB"] = app.config["SAVED_DB"] or str(index_dir / "saved.sqlite")
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = persistent_secret(index_dir)

    from webui import article, batch, db, saved, search

    db.init_app(app)
    saved.init_app(app)
    app.register_blueprint(search.bp)
    app.register_blueprint(article.bp)
    app.register_blueprint(saved.bp)
    app.register_blueprint(batch.bp)
    register_errors(app)
    register_security(app)
    return app


# No page uses inline script or style, fonts or other origins, so everything else is refused.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def register_security(app: Flask) -> None:
    """Security headers on every answer, and a `web_link` filter that lets only http(s)
    URLs become links (records indexed before #15 may hold `javascript:` URLs)."""
    from archive.record import web_url

    @app.after_request
    def headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.jinja_env.filters["web_link"] = web_url


def persistent_secret(index_dir: Path) -> str:
    """A session key kept beside the index, so CSRF tokens survive a restart."""
    path = index_dir / "secret.key"
    try:
        return path.read_text().strip() or _new_secret(path)
    except OSError:
        return _new_secret(path)


def _new_secret(path: Path) -> str:
    """Create and store a random key (in memory only when the folder is read-only)."""
    key = secrets.token_hex(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
    except OSError:
        pass
    return key


def wants_json() -> bool:
    """API routes answer errors in JSON, pages in HTML."""
    return request.path.startswith("/api/") or request.path.endswith(".json")


def register_errors(app: Flask) -> None:
    """Bad requests get a 400 page with the reason; nothing shows a traceback."""

    def render(status: int, message: str):
        if wants_json():
            return jsonify({"error": message, "status": status}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(RequestError)
    def bad_request(exc):
        return render(400, str(exc))

    @app.errorhandler(400)
    def http_400(exc):
        return render(400, getattr(exc, "description", None) or "Bad request.")

    @app.errorhandler(404)
    def http_404(exc):
        return render(404, getattr(exc, "description", None) or "Not found.")

    @app.errorhandler(405)
    def http_405(exc):
        return render(405, "That method is not allowed here.")

    @app.errorhandler(429)
    def http_429(exc):
        return render(429, getattr(exc, "description", None) or "Too many requests; wait a moment.")

    @app.errorhandler(413)
    def http_413(exc):
        return render(413, "The request is too large.")

    @app.errorhandler(500)
    def http_500(exc):
        return render(500, "Something went wrong on our side. The error has been logged.")

    from indexer.lock import IndexError_

    @app.errorhandler(IndexError_)
    def no_index(exc):
        return render(503, str(exc))
