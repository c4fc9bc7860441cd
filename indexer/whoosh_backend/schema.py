"""The Whoosh schema: one weighted text field, facet data in a column, days for sorting."""

from __future__ import annotations

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.whoosh_backend.analysis import RawPositions, is_standard, text_analyzer


class FastText(TEXT):
    """Whoosh's TEXT field whose index() returns RawPositions' postings as one list, for a
    string and the standard analyzer (the same items: tests/test_writer.py); anything else
    goes through TEXT's own generator. Indexes written with TEXT keep it."""

    def index(self, value, **kwargs):
        """(term bytes, frequency, weight, encoded positions) for each distinct term."""
        fmt = self.format
        if isinstance(value, str) and isinstance(fmt, RawPositions) and is_standard(self.analyzer):
            return fmt.index_postings(value, self.analyzer)
        return super().index(value, **kwargs)


def keyword():
    """A filterable multi-value field: comma separated, case-folded, not scored."""
    return KEYWORD(commas=True, lowercase=True, scorable=False)


def build_schema() -> Schema:
    """One weighted full-text field, the title on its own, facet data, days for sorting."""
    analyzer = text_analyzer()
    text = dict(analyzer=analyzer, multitoken_query="phrase")
    schema = Schema(
        id=ID(stored=True, unique=True),
        # Everything searchable in one field: one posting list per word keeps ranking fast
        # (2.3x faster than four fields, measured in bench/). The title is written three
        # times and quotes twice (they are in the body once already), which weighs them
        # as BM25F field boosts would.
        content=FastText(**text),
        title=FastText(**text),  # for title: queries
        body=STORED(),
        person=keyword(),
        day=NUMERIC(int, bits=32, stored=True, sortable=True, signed=False),
        # Undated records sort last both ways: 0 for newest-first, 99991231 for oldest-first.
        day_asc=NUMERIC(int, bits=32, sortable=True, signed=False),
        record=STORED(),
        # Facet values and day of each document, read column-wise to build facet arrays
        # without unpickling stored bodies (see facets.py).
        facetdata=COLUMN(VarBytesColumn()),
        # What a result row shows (results.hit_card), uncompressed in a column: a result list
        # without snippets read each hit's whole stored record and body, zlib-compressed,
        # for about 70 microseconds a hit; a card is read in about 8 (#12).
        card=COLUMN(VarBytesColumn()),
        # Ids of every capture grouped into this story, so any capture's link finds it.
        captures=KEYWORD(commas=True, scorable=False),
    )
    for name in ("content", "title"):
        # Same postings as Whoosh's own format, computed once per distinct word, with the
        # positions kept as arrays (RawPositions).
        schema[name].format = RawPositions(field_boost=schema[name].format.field_boost)
    return schema


def text_analyzer_of(schema: Schema):
    """The analyzer used for searchable text (for highlighting and suggestions)."""
    return schema["content"].analyzer
