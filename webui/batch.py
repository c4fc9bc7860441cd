"""Batch search (a list of names or queries, one table of counts) and queries compared over
time; both read the same filters as the search page (issue 14)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from indexer.compare import (
    MAX_BATCH_LINES,
    MAX_COMPARE,
    MEASURES,
    UNITS,
    BatchRow,
    Comparison,
    as_phrase,
    batch_lines,
    compare,
    run_batch,
    shared_filters,
)
from indexer.query import RequestError
from webui.db import get_backend
from webui.timeline import compare_svg
from webui.urls import with_args

bp = Blueprint("batch", __name__)
BATCH_FORM = ("q", "exact", "format")
COMPARE_PARAMS = ("q", "unit", "measure")
BATCH_CSV_FIELDS = ("query", "total", "as_speaker", "first", "last", "error")


def filter_pairs(filters: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Filters as (name, value) pairs for links and hidden fields."""
    return [(k, v) for k, values in filters.items() for v in values]


def uploaded_text() -> tuple[str, bool] | None:
    """The uploaded list (text, is_csv), or None without a file; not text is a 400."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    data = upload.read(2 * 1024 * 1024 + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise RequestError(
            f"{upload.filename!r} is not a text file: upload one name or query per line, "
            "or a CSV file whose first column holds them (UTF-8)."
        )
    return text, upload.filename.lower().endswith(".csv")


def batch_queries() -> list[str]:
    """The lines of this batch request: a JSON body's "queries", an uploaded file, or the
    form's `q` (one query per line)."""
    body = request.get_json(silent=True) if request.is_json else None
    if request.is_json:
        queries = body.get("queries") if isinstance(body, dict) else None
        if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
            raise RequestError('Send {"queries": ["a name", "another query", ...]}.')
        return batch_lines("\n".join(" ".join(q.split()) for q in queries))
    upload = uploaded_text()
    if upload is not None:
        return batch_lines(*upload)
    return batch_lines(request.form.get("q", "") or request.args.get("q", ""))


def batch_filters() -> dict[str, list[str]]:
    """The search filters sent with a batch, in the query string or as form fields."""
    merged = {k: request.args.getlist(k) for k in request.args if k not in BATCH_FORM}
    for key in request.form:
        if key not in BATCH_FORM:
            merged.setdefault(key, request.form.getlist(key))
    return shared_filters(merged, ())


def execute_batch() -> tuple[list[BatchRow], dict[str, list[str]]]:
    """Run the batch this request describes; a bad list or filter is a RequestError."""
    filters = batch_filters()
    lines = batch_queries()
    queries = [as_phrase(line) for line in lines] if exact_names() else lines
    return run_batch(get_backend(), queries, filters), filters


def exact_names() -> bool:
    """Whether plain names are searched as exact phrases (the default). The form sends a
    hidden 0 before its checkbox, so the last value sent wins."""
    if request.is_json:
        body = request.get_json(silent=True)
        return bool(body.get("exact", True)) if isinstance(body, dict) else True
    sent = request.form.getlist("exact") or request.args.getlist("exact") or ["1"]
    return sent[-1] != "0"


def row_links(rows: list[BatchRow], filters: dict[str, list[str]]) -> list[dict]:
    """Each row with the link to its results."""
    pairs = filter_pairs(filters)
    return [
        dict(row.as_dict(), url=with_args(url_for("search.results"), [("q", row.query), *pairs]))
        for row in rows
    ]


@bp.route("/batch", methods=["GET", "POST"])
def batch():
    """The form, and on a post the table of counts (or its CSV with format=csv)."""
    filters = shared_filters(request.args, BATCH_FORM)
    if request.method == "GET":
        return render_template(
            "search/batch.html",
            rows=None,
            filters=filter_pairs(filters),
            text="",
            limit=MAX_BATCH_LINES,
            exact=True,
        )
    rows, filters = execute_batch()
    if request.form.get("format") == "csv":
        return batch_csv(rows)
    return render_template(
        "search/batch.html",
        rows=row_links(rows, filters),
        filters=filter_pairs(filters),
        text=request.form.get("q", ""),
        limit=MAX_BATCH_LINES,
        exact=exact_names(),
    )


@bp.post("/api/batch")
def api_batch():
    """A batch answered as JSON: one row per line, sorted by total hits."""
    rows, filters = execute_batch()
    return jsonify({"filters": filters, "limit": MAX_BATCH_LINES, "rows": row_links(rows, filters)})


def batch_csv(rows: list[BatchRow]) -> Response:
    """The batch table as a CSV download."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(BATCH_CSV_FIELDS)
    for row in rows:
        values = row.as_dict()
        writer.writerow([csv_safe(values[f]) for f in BATCH_CSV_FIELDS])
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="archive-batch.csv"'},
    )


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def comparison(filters: dict[str, list[str]] | None = None) -> tuple[Comparison, str, dict]:
    """The comparison this request's URL describes: q repeated, unit, measure, filters
    (already read from the URL when given)."""
    filters = shared_filters(request.args, COMPARE_PARAMS) if filters is None else filters
    unit = request.args.get("unit", "year")
    measure = request.args.get("measure", "count")
    if measure not in MEASURES:
        raise RequestError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    queries = request.args.getlist("q")
    return compare(get_backend(), queries, filters, unit), measure, filters


@bp.get("/compare")
def compare_page():
    """Queries compared over time: one line each on one axis, with the data as a table."""
    filters = shared_filters(request.args, COMPARE_PARAMS)
    queries = [q for q in request.args.getlist("q") if q.strip()]
    if not queries:
        return render_template(
            "search/compare.html",
            result=None,
            queries=["", ""],
            filters=filter_pairs(filters),
            unit="year",
            measure="count",
            max_queries=MAX_COMPARE,
            units=UNITS,
        )
    result, measure, filters = comparison(filters)
    state = list(request.args.items(multi=True))
    return render_template(
        "search/compare.html",
        result=result,
        queries=queries,
        filters=filter_pairs(filters),
        unit=result.unit,
        measure=measure,
        max_queries=MAX_COMPARE,
        units=UNITS,
        svg=compare_svg(result, measure),
        search_urls=[
            with_args(url_for("search.results"), [("q", s.query), *filter_pairs(filters)])
            for s in result.series
        ],
        csv_url=with_args(url_for("batch.compare_csv"), state),
        json_url=with_args(url_for("batch.compare_json"), state),
        switch_measure=with_args(
            url_for("batch.compare_page"),
            [(k, v) for k, v in state if k != "measure"]
            + [("measure", "share" if measure == "count" else "count")],
        ),
        switch_unit=with_args(
            url_for("batch.compare_page"),
            [(k, v) for k, v in state if k != "unit"]
            + [("unit", "month" if result.unit == "year" else "year")],
        ),
    )


@bp.get("/compare.json")
def compare_json():
    """The compared series as JSON."""
    result, _, filters = comparison()
    return jsonify(dict(result.as_dict(), filters=filters))


@bp.get("/compare.csv")
def compare_csv():
    """The compared series as CSV: a row per period, a count and share column per query."""
    result, _, _ = comparison()
    buf = io.StringIO()
    writer = csv.writer(buf)
    header = ["period", "all stories"]
    for s in result.series:
        header += [f"{s.query} (count)", f"{s.query} (share)"]
    writer.writerow([csv_safe(h) for h in header])
    for i, period in enumerate(result.periods):
        row = [period, result.all_stories[i]]
        for s in result.series:
            row += [s.counts[i], s.shares[i]]
        writer.writerow(row)
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="archive-compare.csv"'},
    )
