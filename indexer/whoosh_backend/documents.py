"""From a group of Article records (one story, maybe several captures) to one index document."""

from __future__ import annotations

import json

from archive.record import Article
from indexer.registry import distinct
from indexer.results import hit_card
from indexer.stories import QUOTES_REPEAT, TITLE_REPEAT, day_number, primary_of, story_of
from indexer.whoosh_backend.analysis import PART_BREAK
from indexer.whoosh_backend.facets import encode


def keywords(values) -> str:
    """Comma-joined keyword values, normalised as facet values are."""
    return ",".join(distinct(values))


def join_parts(parts: list[str]) -> str:
    """The parts of the one search field, a PART_BREAK between each two, so that a phrase
    cannot run from the end of one part into the next."""
    return f"\n{PART_BREAK}\n".join(part.replace("\x1e", " ") for part in parts)


def index_document(group_id: str, members: list[Article]) -> dict:
    """Field values for Whoosh: text fields, facet keywords, day, and the stored record."""
    main = primary_of(members)
    story = story_of(group_id, members)
    day = day_number(story.record)
    return {
        "id": group_id,
        "content": join_parts(
            [main.title or ""] * TITLE_REPEAT
            + [story.body]
            + [q.text for q in main.quotes] * QUOTES_REPEAT
            + main.captions
        ),
        "title": main.title or "",
        "body": story.body,
        "person": keywords(main.people),
        "day": day,
        "day_asc": day or 99991231,
        "record": json.dumps(story.record, ensure_ascii=False),
        "facetdata": encode(story.record, day, group_id),
        "card": json.dumps(hit_card(group_id, story.record, story.body)).encode(),
        "captures": ",".join(c["id"] for c in story.record["captures"]),
    }
