"""From a group of Article records (one story, maybe several captures) to one index document."""

from __future__ import annotations

import json

from archive.record import Article
from indexer.registry import distinct
from indexer.whoosh_backend.analysis import PART_BREAK
from indexer.whoosh_backend.facets import encode
from indexer.whoosh_backend.schema import QUOTES_REPEAT, TITLE_REPEAT


def keywords(values) -> str:
    """Comma-joined keyword values, normalised as facet values are."""
    return ",".join(distinct(values))


def primary_of(members: list[Article]) -> Article:
    """The capture shown for a story: the one with a headline, a date and the longest body."""
    return max(members, key=lambda a: (a.title is not None, a.date is not None, len(a.body), a.id))


def day_number(article: Article) -> int:
    """yyyymmdd as an int for ranges and sorting; 0 when undated (sorts last when newest)."""
    return int(article.date[:10].replace("-", "")) if article.date else 0


def join_parts(parts: list[str]) -> str:
    """The parts of the one search field, a PART_BREAK between each two, so that a phrase
    cannot run from the end of one part into the next."""
    return f"\n{PART_BREAK}\n".join(part.replace("\x1e", " ") for part in parts)


def index_document(group_id: str, members: list[Article]) -> dict:
    """Field values for Whoosh: text fields, facet keywords, day, and the stored record."""
    main = primary_of(members)
    record = main.as_dict()
    body = record.pop("body")
    record["captures"] = [
        {
            "id": m.id,
            "source_path": m.source_path,
            "source": m.source,
            "url": m.url,
            "fetched": m.fetched,
        }
        for m in sorted(members, key=lambda m: m.source_path)
    ]
    return {
        "id": group_id,
        "content": join_parts(
            [main.title or ""] * TITLE_REPEAT
            + [body]
            + [q.text for q in main.quotes] * QUOTES_REPEAT
            + main.captions
        ),
        "title": main.title or "",
        "body": body,
        "person": keywords(main.people),
        "day": day_number(main),
        "day_asc": day_number(main) or 99991231,
        "record": json.dumps(record, ensure_ascii=False),
        "facetdata": encode(record, day_number(main), group_id),
        "captures": ",".join(c["id"] for c in record["captures"]),
    }
