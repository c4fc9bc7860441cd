"""Reading views: one article with highlights, and everything one speaker is quoted saying."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from indexer.query import KNOWN_PARAMS, MAX_PAGE, clean_text
from webui.db import get_backend
from webui.timeline import timeline_svg
from webui.urls import with_args
from webui.views import page_url

bp = Blueprint("article", __name__)
ID_PATTERN = re.compile(r"^[0-9a-f]{16}$")
MAX_NAME = 120


def load(article_id: str) -> dict:
    """The stored document for an id (a story's or any of its captures'), or 404."""
    if not ID_PATTERN.match(article_id):
        abort(404, "No article has that id.")
    # A story's own id, or the id of any capture grouped into it.
    story = get_backend().story(article_id)
    if story is None:
        abort(404, "No article has that id.")
    return story.full()


@bp.get("/article/<article_id>")
def show(article_id: str):
    """Clean text with the query's words highlighted, metadata, captions and quotes by speaker."""
    record = load(article_id)
    q = clean_text(request.args.get("q", ""))[0]
    paragraphs = highlighted_paragraphs(record, q)
    by_speaker: dict[str, list[dict]] = {}
    for quote in record.get("quotes", []):
        by_speaker.setdefault(quote["speaker"], []).append(quote)
    # The search that led here rides along in the URL: the way back, and the search box.
    search = [(k, v) for k, v in request.args.items(multi=True) if k in KNOWN_PARAMS]
    return render_template(
        "article/article.html",
        record=record,
        paragraphs=paragraphs,
        by_speaker=by_speaker,
        q=q,
        toc=toc(record),
        back_url=with_args(url_for("search.results"), search) if search else None,
        search_q=q,
        search_keep=[(k, v) for k, v in search if k not in ("q", "page")],
    )


def highlighted_paragraphs(record: dict, q: str) -> list[dict]:
    """Body paragraphs as HTML-safe markup, query terms marked, headings anchored."""
    paragraphs = record["body"].split("\n\n")
    marked = get_backend().marked_paragraphs(record["body"], q)
    headings = {s["offset"]: i for i, s in enumerate(record.get("sections", []))}
    out, offset = [], 0
    for para, html_marked in zip(paragraphs, marked, strict=True):
        html = Markup(html_marked) if html_marked else escape(para)
        section = headings.get(offset)
        out.append(
            {
                "html": html,
                "heading": section is not None,
                "anchor": f"sec-{section}" if section is not None else None,
                "level": record["sections"][section]["level"] if section is not None else 0,
            }
        )
        offset += len(para) + 2
    return out


def toc(record: dict) -> list[dict]:
    """Table of contents of a long report, each entry linking to its anchor."""
    return [
        {"title": s["title"], "level": s["level"], "anchor": f"sec-{i}"}
        for i, s in enumerate(record.get("sections", []))
    ]


@bp.get("/speaker/<path:name>")
def speaker(name: str):
    """Everything a person is quoted saying across the archive, over time; ?q= keeps only the
    quotes holding those words."""
    name = clean_text(name)[0]
    if not name or len(name) > MAX_NAME:
        abort(404, "No such speaker.")
    q = clean_text(request.args.get("q", ""))[0]
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        abort(400, f"page must be between 1 and {MAX_PAGE}")
    page_size = current_app.config["SPEAKER_PAGE_SIZE"]
    found = get_backend().speaker_quotes(name, q, int(page), page_size)
    if found is None:
        abort(404, "Nobody by that name is quoted in the archive.")
    path = url_for("article.speaker", name=found["name"])
    args = [("q", q)] if q else []
    chart = timeline_svg(
        {"unit": "year", "buckets": [{"key": k, "count": v} for k, v in found["years"].items()]},
        url_for("search.results"),
        [("speaker", found["name"]), *args],
    )
    return render_template(
        "article/speaker.html",
        found=found,
        chart=chart,
        prev_url=page_url(path, args, found["page"] - 1) if found["page"] > 1 else None,
        next_url=page_url(path, args, found["page"] + 1)
        if found["page"] < found["pages"]
        else None,
        search_url=with_args(url_for("search.results"), [("speaker", found["name"]), *args]),
    )
