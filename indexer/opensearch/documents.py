"""From a Story (the same one the Whoosh index stores) to the OpenSearch document and the
_bulk lines that carry it: one format for the backend's writes and `archive export`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from indexer.registry import FACETS
from indexer.results import Story
from indexer.stories import day_number


def document_of(story: Story) -> dict:
    """The indexed fields of one story; `record` and `body` come back as they went in."""
    record = story.record
    day = day_number(record)
    quotes = record.get("quotes", [])
    return {
        "id": story.id,
        "captures": [c["id"] for c in record.get("captures", [])],
        "title": record.get("title") or "",
        "body": story.body,
        "captions": record.get("captions", []),
        "quote_text": [q["text"] for q in quotes],
        "quotes": [
            {
                "speaker": q["speaker"],
                "role": q.get("role"),
                "kind": q.get("kind"),
                "text": q["text"],
            }
            for q in quotes
        ],
        "people": record.get("people", []),
        "facet": {f.name: f.values_of(record) for f in FACETS},
        "date": record.get("date")[:10] if record.get("date") else None,
        "day": day,
        "day_asc": day or 99991231,
        "record": record,
    }


def story_from_source(source: dict) -> Story:
    """The Story of a document's _source."""
    return Story(source["id"], source["record"], source["body"])


def bulk_lines(stories: Iterable[Story], target: str) -> Iterator[str]:
    """NDJSON for the _bulk API: an index action and the document, per story."""
    for story in stories:
        yield json.dumps({"index": {"_index": target, "_id": story.id}})
        yield json.dumps(document_of(story), ensure_ascii=False)
