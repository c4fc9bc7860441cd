"""Saved searches: a name, a short stable link, counts of what is new, and an Atom feed."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.datastructures import MultiDict

from indexer.query import RequestError, parse_request
from indexer.results import SearchResult
from webui.db import get_backend

bp = Blueprint("saved", __name__)
SLUG = re.compile(r"^[a-z0-9-]{1,60}$")
MAX_QUERY_STRING = 4000
MAX_SEEN = 20000  # ids remembered per saved search to count what is new
# /saved shows counts stored when each search was last counted; one view recounts at most
# this many whose index generation is out of date, oldest first (#15: 400 saved searches
# made every view run 400 searches, 46-51 s).
RECOUNT_PER_VIEW = 10
# Saved searches the archive keeps, and saves one browser session may make a minute:
# generous for people, a wall for a script.
MAX_SAVED = 5000
SAVES_PER_MINUTE = 60

SCHEMA = """
create table if not exists saved (
    slug text primary key, name text not null, query text not null,
    created real not null, visited real, seen text not null default '[]');
"""
# Counts kept with each saved search (added to databases made before #15).
COUNT_COLUMNS = {
    "total": "integer",
    "new_count": "integer",
    "counted": "real",
    "generation": "integer",
}


class SavedUnavailable(Exception):
    """The saved-search database cannot be read or written; pages say so (503)."""


def get_db() -> sqlite3.Connection:
    """The saved-search database for this request (created on first use)."""
    if "saved_db" not in g:
        try:
            db = sqlite3.connect(current_app.config["SAVED_DB"])
            db.row_factory = sqlite3.Row
            db.executescript(SCHEMA)
            have = {row[1] for row in db.execute("pragma table_info(saved)")}
            for column, kind in COUNT_COLUMNS.items():
                if column not in have:
                    db.execute(f"alter table saved add column {column} {kind}")
        except sqlite3.Error as exc:
            raise SavedUnavailable(unavailable(exc)) from exc
        g.saved_db = db
    return g.saved_db


def unavailable(exc: Exception) -> str:
    """The message for a saved-search database that cannot be used."""
    return (
        f"Saved searches are not available right now ({exc}); searching still works. "
        "The folder that holds them may be read-only or full."
    )


def write(sql: str, params: tuple) -> None:
    """One committed change to the saved-search database, or SavedUnavailable."""
    db = get_db()
    try:
        db.execute(sql, params)
        db.commit()
    except sqlite3.Error as exc:
        db.rollback()
        raise SavedUnavailable(unavailable(exc)) from exc


def close_db(exc=None) -> None:
    """Close the connection at the end of the request."""
    db = g.pop("saved_db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    """Register teardown, the CSRF token helper for templates and the 503 for a database
    that cannot be used."""
    app.teardown_appcontext(close_db)
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.errorhandler(SavedUnavailable)
    def saved_unavailable(exc):
        return render_template("error.html", status=503, message=str(exc)), 503


def csrf_token() -> str:
    """This browser session's anti-forgery token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Reject a form post whose token does not match the session's."""
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "The form expired or did not come from this site; reload the page and retry.")


def slug_for(name: str, query: str) -> str:
    """Readable and stable: words of the name plus a short hash of the name and the search."""
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-") or "search"
    return f"{words}-{hashlib.sha1((name + chr(0) + query).encode()).hexdigest()[:6]}"


def search_args(query: str) -> MultiDict:
    """The saved query string as request arguments (page dropped: a saved search starts at 1)."""
    return MultiDict([(k, v) for k, v in parse_qsl(query) if k != "page"])


@bp.post("/save")
def save():
    """Save the search described by the form's query string under a name."""
    check_csrf()
    name = " ".join(request.form.get("name", "").split())
    query = request.form.get("query", "")
    if not name or len(name) > current_app.config["MAX_SAVED_NAME"]:
        abort(
            400,
            f"Give the search a name of 1 to {current_app.config['MAX_SAVED_NAME']} characters.",
        )
    if len(query) > MAX_QUERY_STRING:
        abort(400, "That search is too long to save.")
    args = search_args(query)
    parse_request(args)  # a search that cannot run cannot be saved
    query = urlencode(list(args.items(multi=True)))
    slug = slug_for(name, query)
    check_save_rate()
    if get_db().execute("select count(*) from saved").fetchone()[0] >= MAX_SAVED:
        abort(400, f"The archive keeps at most {MAX_SAVED} saved searches.")
    write(
        "insert or ignore into saved (slug, name, query, created) values (?, ?, ?, ?)",
        (slug, name, query, time.time()),
    )
    mark_seen(slug, args)
    return redirect(url_for("saved.listing", saved=slug))


def check_save_rate() -> None:
    """At most SAVES_PER_MINUTE saves a minute from one browser session."""
    now = time.time()
    recent = [t for t in session.get("saves", []) if now - t < 60]
    if len(recent) >= SAVES_PER_MINUTE:
        abort(429, f"At most {SAVES_PER_MINUTE} searches can be saved a minute; wait a moment.")
    session["saves"] = recent + [now]


def index_generation() -> int:
    """The generation of the index being served (counts made on another one are stale)."""
    return get_backend().generation()


def recount(row: sqlite3.Row, generation: int) -> None:
    """Count a saved search's hits and the new ones, and store both with the generation."""
    try:
        req = parse_request(search_args(row["query"]))
    except RequestError:
        return
    ids = [h.id for h in get_backend().iter_hits(req, MAX_SEEN)]
    seen = set(json.loads(row["seen"]))
    new = sum(1 for i in ids if i not in seen)
    write(
        "update saved set total = ?, new_count = ?, counted = ?, generation = ? where slug = ?",
        (len(ids), new, time.time(), generation, row["slug"]),
    )


@bp.get("/saved")
def listing():
    """Every saved search with its stored counts; a few out-of-date ones are recounted per
    view, so the page costs the same however many searches are saved."""
    generation = index_generation()
    stale = get_db().execute(
        "select * from saved where generation is not ? order by counted is not null, counted "
        "limit ?",
        (generation, RECOUNT_PER_VIEW),
    )
    for row in stale.fetchall():
        recount(row, generation)
    rows = [
        {
            "slug": row["slug"],
            "name": row["name"],
            "total": row["total"] if row["total"] is not None else "…",
            "new": row["new_count"] if row["new_count"] is not None else "…",
            "current": row["generation"] == generation,
            "url": url_for("saved.open_saved", slug=row["slug"]),
            "feed": url_for("saved.feed", slug=row["slug"]),
        }
        for row in get_db().execute("select * from saved order by created desc")
    ]
    just_saved = request.args.get("saved")
    saved_link = external_url("saved.open_saved", slug=just_saved) if just_saved else None
    return render_template(
        "saved/list.html", rows=rows, just_saved=just_saved, saved_link=saved_link
    )


def fetch(slug: str) -> sqlite3.Row:
    """The saved search with this slug, or 404."""
    if not SLUG.match(slug):
        abort(404, "No saved search has that link.")
    row = get_db().execute("select * from saved where slug = ?", (slug,)).fetchone()
    if row is None:
        abort(404, "No saved search has that link.")
    return row


def mark_seen(slug: str, args: MultiDict) -> None:
    """Remember which hits the user has now seen, for the 'new since' count."""
    ids = [h.id for h in get_backend().iter_hits(parse_request(args), MAX_SEEN)]
    write(
        "update saved set visited = ?, seen = ?, total = ?, new_count = 0, counted = ?, "
        "generation = ? where slug = ?",
        (time.time(), json.dumps(ids), len(ids), time.time(), index_generation(), slug),
    )


@bp.get("/s/<slug>")
def open_saved(slug: str):
    """The short link: reopen exactly the saved search (even when the visit cannot be
    remembered because the database is read-only)."""
    row = fetch(slug)
    try:
        mark_seen(slug, search_args(row["query"]))
    except SavedUnavailable:
        pass
    return redirect(url_for("search.results") + ("?" + row["query"] if row["query"] else ""))


@bp.get("/s/<slug>/feed.atom")
def feed(slug: str):
    """Atom feed of the newest articles matching a saved search."""
    row = fetch(slug)
    args = search_args(row["query"])
    args["sort"] = "newest"
    request = parse_request(args, page_size=current_app.config["FEED_SIZE"])
    result = get_backend().search(request)
    return Response(atom(row, result), mimetype="application/atom+xml")


TAG = "tag:cambodia-archive,2026"


def external_url(endpoint: str, **values) -> str:
    """An absolute link: under the configured BASE_URL, else under the request's host."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def atom(row: sqlite3.Row, result: SearchResult) -> bytes:
    """The feed document (ElementTree escapes every value)."""
    ns = "http://www.w3.org/2005/Atom"
    root = ET.Element("feed", xmlns=ns)
    ET.SubElement(root, "title").text = f"Archive search: {row['name']}"
    # Ids are tag URIs: they must not change with the Host header or the address served on.
    ET.SubElement(root, "id").text = f"{TAG}:saved:{row['slug']}"
    ET.SubElement(root, "link", href=external_url("saved.open_saved", slug=row["slug"]))
    ET.SubElement(root, "updated").text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for hit in result.hits:
        entry = ET.SubElement(root, "entry")
        link = external_url("article.show", article_id=hit.id)
        ET.SubElement(entry, "title").text = hit.display_title
        ET.SubElement(entry, "id").text = f"{TAG}:article:{hit.id}"
        ET.SubElement(entry, "link", href=link)
        ET.SubElement(entry, "updated").text = atom_date(hit.date)
        author = ET.SubElement(entry, "author")
        ET.SubElement(author, "name").text = ", ".join(hit.reporters) or hit.source or "—"
        ET.SubElement(entry, "summary", type="html").text = hit.snippet
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def atom_date(date: str | None) -> str:
    """RFC 3339 timestamp for an entry (undated entries get the epoch, sorting last)."""
    if not date:
        return "1970-01-01T00:00:00Z"
    return date if "T" in date else f"{date}T00:00:00Z"
