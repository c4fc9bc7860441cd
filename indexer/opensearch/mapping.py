"""The OpenSearch index: settings (an English analyser as close to ours as stock OpenSearch
allows) and the mapping, built from the facet registry. docs/opensearch/mapping.json is this,
written out (a test keeps the two equal)."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.registry import FACETS
from indexer.stories import QUOTES_REPEAT, TITLE_REPEAT

MAPPING_FILE = Path(__file__).resolve().parents[2] / "docs" / "opensearch" / "mapping.json"
# Query-time boosts that weigh the parts as our one Whoosh field does: the title is written
# TITLE_REPEAT times there, quotes once more than the body already holds them.
TITLE_BOOST = TITLE_REPEAT
QUOTE_BOOST = QUOTES_REPEAT + 1
TEXT_FIELDS = (f"title^{TITLE_BOOST}", "body", f"quote_text^{QUOTE_BOOST}", "captions")
ANALYZER = "archive_english"


def text(**extra) -> dict:
    """A full-text field analysed as our search analyses (positions kept for phrases)."""
    return {"type": "text", "analyzer": ANALYZER, **extra}


def facet_field() -> dict:
    """A facet: the value as shown (aggregated, most common spelling wins) and a case- and
    accent-folded sub-field that filters and counts match case-insensitively, as ours do."""
    return {
        "type": "keyword",
        "fields": {"folded": {"type": "keyword", "normalizer": "folded"}},
    }


def index_body() -> dict:
    """Settings and mappings for PUT /<index>."""
    return {
        "settings": {
            "analysis": {
                "analyzer": {
                    # Our analyser: words, lower case, accents folded, English stop words,
                    # Porter stems. Khmer is split into words only with the analysis-icu
                    # plugin (icu_tokenizer); stock OpenSearch keeps a Khmer run as one token.
                    ANALYZER: {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding", "english_stop", "porter_stem"],
                    }
                },
                "filter": {"english_stop": {"type": "stop", "stopwords": "_english_"}},
                "normalizer": {
                    "folded": {"type": "custom", "filter": ["lowercase", "asciifolding"]}
                },
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"title_boost": TITLE_BOOST, "quote_boost": QUOTE_BOOST},
            "properties": {
                "id": {"type": "keyword"},
                "captures": {"type": "keyword"},  # every capture's id: its link finds the story
                "title": text(),
                # Offsets stored for fast highlighting of long reports.
                "body": text(index_options="offsets"),
                "captions": text(),
                "quote_text": text(),
                "quotes": {
                    "type": "nested",
                    "properties": {
                        "speaker": {
                            "type": "text",
                            "analyzer": ANALYZER,
                            "fields": {"folded": {"type": "keyword", "normalizer": "folded"}},
                        },
                        "role": {"type": "keyword"},
                        "kind": {"type": "keyword"},
                        "text": text(),
                    },
                },
                "people": {"type": "keyword", "normalizer": "folded"},  # person:"..." filter
                "facet": {"properties": {f.name: facet_field() for f in FACETS}},
                "date": {"type": "date", "format": "strict_date_optional_time"},  # timelines
                "day": {"type": "integer"},  # yyyymmdd, 0 when undated: ranges, newest first
                "day_asc": {"type": "integer"},  # 99991231 when undated: oldest first
                # The stored record, returned as it is and never searched.
                "record": {"type": "object", "enabled": False},
            },
        },
    }


def mapping_text() -> str:
    """The index body as the JSON file under docs/ holds it."""
    return json.dumps(index_body(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    MAPPING_FILE.write_text(mapping_text(), encoding="utf-8")
    print(f"wrote {MAPPING_FILE}")
