"""Search views: landing page, results page, JSON API, OpenAPI document and exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    stream_with_context,
)

from indexer.query import parse_request
from indexer.results import Hit, SearchResult
from webui.db import get_backend
from webui.openapi import openapi_document
from webui.views import decorate

bp = Blueprint("search", __name__)
EXPORT_FIELDS = (
    "id",
    "title",
    "date",
    "source",
    "section",
    "page_type",
    "url",
    "source_path",
    "reporters",
    "speakers",
    "topics",
)


def search_request(args):
    """Validate request arguments, with the page and facet sizes of the app's config; a
    RequestError becomes a 400."""
    config = current_app.config
    return parse_request(
        args,
        page_size=config["PAGE_SIZE"],
        facet_size=config["FACET_SIZE"],
        facet_more_size=config["FACET_MORE_SIZE"],
    )


def run_search() -> SearchResult:
    """Parse this request's arguments and search."""
    return get_backend().search(search_request(request.args))


@bp.get("/")
def index():
    """Landing page: a search box and what the archive holds."""
    backend = get_backend()
    overview = backend.search(search_request({})).as_dict()
    return render_template(
        "search/index.html", overview=overview, documents=backend.document_count()
    )


@bp.get("/search")
def results():
    """The results page; the URL is the whole state."""
    result = decorate(run_search(), list(request.args.items(multi=True)))
    return render_template("search/results.html", result=result)


@bp.get("/api/search")
def api_search():
    """The same request as /search, answered as JSON."""
    return jsonify(run_search().as_dict())


@bp.get("/api/openapi.json")
def openapi():
    """OpenAPI 3 description of the JSON API."""
    return jsonify(openapi_document())


@bp.get("/export.csv")
def export_csv():
    """Every hit of the search (not just one page) as CSV, streamed."""
    hits = export_hits()

    def rows():
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(EXPORT_FIELDS)
        for hit in hits:
            writer.writerow([csv_cell(getattr(hit, f)) for f in EXPORT_FIELDS])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="archive-search.csv"'},
    )


@bp.get("/export.json")
def export_json():
    """Every hit of the search as a JSON array, streamed."""
    hits = export_hits()

    def chunks():
        yield "["
        for i, hit in enumerate(hits):
            yield ("," if i else "") + json.dumps(
                {f: getattr(hit, f) for f in EXPORT_FIELDS}, ensure_ascii=False
            )
        yield "]\n"

    return Response(
        stream_with_context(chunks()),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="archive-search.json"'},
    )


def export_hits() -> Iterator[Hit]:
    """Iterator over all hits of this request, validated before streaming starts."""
    req = parse_request(request.args)
    return get_backend().iter_hits(req, current_app.config["EXPORT_LIMIT"])


def csv_cell(value) -> str:
    """Lists joined with '; '; cells that a spreadsheet would run as a formula are defused."""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
