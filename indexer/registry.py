"""The facet registry: every facet declared once, as data (name, label, how a story record
yields its values, value order, aliases users may type, single or multi-valued). The search
backends count from it, the query parser takes its aliases, the OpenAPI document, the CLI
options, the exports and the benchmark read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

UNDATED = "undated"


def _sources(record: dict) -> list[str]:
    """Every outlet a story was captured from (its captures'), else the record's own."""
    found = [c["source"] for c in record.get("captures", []) if c.get("source")]
    return found or ([record["source"]] if record.get("source") else [])


def _one(key: str) -> Callable[[dict], list[str]]:
    """A single-valued record field as a facet's value list (empty when unset)."""
    return lambda record: [record[key]] if record.get(key) else []


@dataclass(frozen=True)
class Facet:
    """One facet: its URL/query name, its label, how a story record yields its values, how its
    values are ordered, what else users may type before a colon, and whether a story may
    have several values."""

    name: str
    label: str
    values: Callable[[dict], list[str]]
    order: str = "count"  # "count": most stories first; "newest": the year facet's order
    aliases: tuple[str, ...] = ()
    multi: bool = True

    def values_of(self, record: dict) -> list[str]:
        """The facet's display values for one story record, de-duplicated (at most one for a
        single-valued facet, so a story is counted once in it)."""
        values = distinct(self.values(record))
        return values if self.multi else values[:1]


# Order here is the order of the sidebar, of `archive search` output and of the CLI options.
FACETS = (
    Facet(
        "year",
        "Year",
        lambda r: [r["date"][:4]] if r.get("date") else [UNDATED],
        order="newest",
        multi=False,
    ),
    Facet("speaker", "Speaker", lambda r: r.get("speakers", [])),
    Facet("topic", "Topic", lambda r: r.get("topics", [])),
    Facet("reporter", "Reporter", lambda r: r.get("reporters", [])),
    Facet(
        "org",
        "Organisation",
        lambda r: r.get("organisations", []),
        ("organisation", "organization"),
    ),
    Facet("source", "Outlet", _sources, ("outlet",)),
    Facet("section", "Section", _one("section"), multi=False),
    Facet("type", "Type", lambda r: [r.get("page_type", "article")], multi=False),
)
FACETS_BY_NAME = {f.name: f for f in FACETS}
FACET_NAMES = tuple(FACETS_BY_NAME)
# Words users may type before a colon to filter: each facet's name and aliases, and "person"
# (a person mentioned anywhere, not a facet: too many values to list).
FILTER_ALIASES = {
    **{word: f.name for f in FACETS for word in (f.name, *f.aliases)},
    "person": "person",
}


def facet_values(record: dict) -> dict[str, list[str]]:
    """Display values of each facet for one story record, de-duplicated case-insensitively."""
    return {f.name: f.values_of(record) for f in FACETS}


def distinct(values) -> list[str]:
    """Values with spaces folded, commas (keyword separators) made spaces, and case-insensitive
    duplicates dropped, first spelling kept."""
    seen: dict[str, str] = {}
    for value in values:
        value = " ".join(str(value).replace(",", " ").split())
        if value:
            seen.setdefault(value.lower(), value)
    return list(seen.values())
