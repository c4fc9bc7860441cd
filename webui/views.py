"""Turn a plain search result into what the templates print: every link built on the server."""

from __future__ import annotations

from flask import url_for

from indexer.registry import FACETS_BY_NAME, UNDATED
from indexer.results import SearchResult
from webui.timeline import timeline_svg
from webui.urls import (
    path_with_added_args,
    path_with_removed_args,
    path_with_replaced_args,
    with_args,
)

SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}


def decorate(found: SearchResult, args: list[tuple[str, str]]) -> dict:
    """The page's view of a result: its data with toggle links, chips, paging, sort links,
    timeline and hidden form fields added."""
    result = found.as_dict()
    path = url_for("search.results")
    state = [(k, v) for k, v in args if k != "page"]  # any change starts again at page 1
    for facet in result["facets"].values():
        for value in facet["values"]:
            pair = (facet["name"], value["value"])
            value["label"] = "No date" if value["value"] == UNDATED else value["value"]
            value["toggle_url"] = (
                path_with_removed_args(path, state, [pair])
                if value["selected"]
                else path_with_added_args(path, state, [pair])
            )
        facet["more_url"] = (
            path_with_added_args(path, args, [("more", facet["name"])])
            if facet["truncated"]
            else None
        )
    result["chips"] = chips(result, path, state)
    result["sort_links"] = [
        {
            "value": s,
            "label": label,
            "selected": s == result["sort"],
            "url": path_with_replaced_args(path, state, {"sort": s}),
        }
        for s, label in SORT_LABELS.items()
    ]
    result["prev_url"] = page_url(path, args, result["page"] - 1) if result["page"] > 1 else None
    result["next_url"] = (
        page_url(path, args, result["page"] + 1) if result["page"] < result["pages"] else None
    )
    # The date form carries the dates itself; the header's search box keeps everything else.
    filters = [(k, v) for k, v in state if k in FACETS_BY_NAME or k in ("from", "to")]
    # The same search as the first line of a comparison, and its filters for a batch.
    result["compare_url"] = with_args(
        url_for("batch.compare_page"), [("q", result["query"]), ("q", ""), *filters]
    )
    result["batch_url"] = with_args(url_for("batch.batch"), filters)
    result["hidden"] = [(k, v) for k, v in state if k not in ("q", "from", "to")]
    result["keep"] = [(k, v) for k, v in state if k != "q"]
    result["timeline_svg"] = timeline_svg(result["timeline"], path, state)
    if result["suggestion"]:
        result["suggestion_url"] = path_with_replaced_args(path, state, {"q": result["suggestion"]})
    result["relaxed"] = [
        {
            "label": "the date range" if name == "date" else FACETS_BY_NAME[name].label.lower(),
            "count": count,
            "url": path_with_removed_args(
                path, state, {"from", "to"} if name == "date" else {name}
            ),
        }
        for name, count in result["without"].items()
        if count
    ]
    for hit in result["hits"]:
        hit["article_url"] = article_url(hit, args)
    speakers = result["filters"].get("speaker", [])
    text = result["query"]
    result["speaker_quotes_url"] = (
        with_args(url_for("article.speaker", name=speakers[0]), [("q", text)])
        if len(speakers) == 1 and text and ":" not in text
        else None
    )
    return result


def chips(result: dict, path: str, state: list) -> list[dict]:
    """Active filters as removable chips."""
    out = []
    for name, values in result["filters"].items():
        for value in values:
            out.append(
                {
                    "label": f"{FACETS_BY_NAME[name].label}: {value}",
                    "remove_url": path_with_removed_args(path, state, [(name, value)]),
                }
            )
    if result["date_from"] or result["date_to"]:
        span = f"{result['date_from'] or '…'} – {result['date_to'] or '…'}"
        out.append(
            {
                "label": f"Date: {span}",
                "remove_url": path_with_removed_args(path, state, {"from", "to"}),
            }
        )
    return out


def page_url(path: str, args: list, page: int) -> str:
    """The same search on another page."""
    return path_with_replaced_args(path, args, {"page": str(page) if page > 1 else None})


def article_url(hit: dict, args: list[tuple[str, str]]) -> str:
    """Link to the article carrying the whole search (the query for highlights, the rest for
    the way back to these results), opening at the hit's section."""
    path = url_for("article.show", article_id=hit["id"])
    anchor = f"#sec-{hit['section_index']}" if hit.get("section_index") is not None else ""
    return with_args(path, args) + anchor
