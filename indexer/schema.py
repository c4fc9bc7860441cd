"""The Whoosh schema and the facet registry (facets as data, counted elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import spelling_analyzer, text_analyzer


@dataclass(frozen=True)
class Facet:
    """One facet: URL/query name, index field, label, and where its values come from."""

    name: str
    field: str
    label: str
    multi: bool = True


# Order here is the order of the sidebar and of `archive search` output.
FACETS = (
    Facet("year", "year", "Year", multi=False),
    Facet("speaker", "speaker", "Speaker"),
    Facet("topic", "topic", "Topic"),
    Facet("reporter", "reporter", "Reporter"),
    Facet("org", "org", "Organisation"),
    Facet("source", "source", "Outlet", multi=False),
    Facet("section", "section", "Section", multi=False),
    Facet("type", "page_type", "Type", multi=False),
)
FACETS_BY_NAME = {f.name: f for f in FACETS}
# Words users may type before a colon to filter; "person" is a mentioned person.
FILTER_ALIASES = {
    "speaker": "speaker",
    "reporter": "reporter",
    "topic": "topic",
    "org": "org",
    "organisation": "org",
    "organization": "org",
    "source": "source",
    "outlet": "source",
    "section": "section",
    "year": "year",
    "type": "type",
    "person": "person",
}
UNDATED = "undated"
TEXT_FIELDS = ("title", "body", "quotes", "captions")


def keyword():
    """A filterable multi-value field: comma separated, case-folded, not scored."""
    return KEYWORD(commas=True, lowercase=True, scorable=False)


def build_schema() -> Schema:
    """Text fields weighted for BM25F, facet keywords, a day number for ranges and sorting."""
    analyzer = text_analyzer()
    text = dict(analyzer=analyzer, multitoken_query="phrase")
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(field_boost=3.0, stored=True, **text),
        body=TEXT(stored=True, **text),
        quotes=TEXT(field_boost=2.0, stored=True, **text),
        captions=TEXT(**text),
        person=keyword(),
        day=NUMERIC(int, bits=32, stored=True, sortable=True, signed=False),
        # Undated records sort last both ways: 0 for newest-first, 99991231 for oldest-first.
        day_asc=NUMERIC(int, bits=32, sortable=True, signed=False),
        # Unstemmed vocabulary for did-you-mean; no positions needed.
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        record=STORED(),
        **{f.field: keyword() for f in FACETS},
    )
