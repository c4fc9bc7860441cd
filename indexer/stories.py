"""From a group of Article records (one story, maybe several captures) to the one Story every
backend indexes: the shown capture's record, its body, and every capture. Duplicate grouping
(indexer/dedupe.py) decides the groups; this decides what a group shows."""

from __future__ import annotations

from archive.record import Article
from indexer.results import Story

# How much the parts of a story weigh in search, for every backend: Whoosh writes the title
# this many times into its one text field and the quotes once more (they are in the body
# already); OpenSearch boosts the fields by as much at query time.
TITLE_REPEAT = 3
QUOTES_REPEAT = 1


def primary_of(members: list[Article]) -> Article:
    """The capture shown for a story: the one with a headline, a date and the longest body."""
    return max(members, key=lambda a: (a.title is not None, a.date is not None, len(a.body), a.id))


def story_of(group_id: str, members: list[Article]) -> Story:
    """The story of a group: the primary capture's record (without body) listing every
    capture, so any capture's id or link finds it."""
    record = primary_of(members).as_dict()
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
    return Story(group_id, record, body)


def day_number(record: dict) -> int:
    """yyyymmdd of a record's date as an int for ranges and sorting; 0 when undated."""
    date = record.get("date")
    return int(date[:10].replace("-", "")) if date else 0
