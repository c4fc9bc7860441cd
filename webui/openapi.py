"""The OpenAPI document for /api/search, built from the same facet registry as the search."""

from __future__ import annotations

from indexer.query import MAX_PAGE, SORTS
from indexer.schema import FACETS


def openapi_document() -> dict:
    """OpenAPI 3.0 description of the JSON API."""
    params = [
        _param(
            "q",
            'Words, "phrases", OR, NOT, -word, prefix*, fuzzy~ and field filters '
            'such as speaker:"Chin Malin", year:2016, date:2016-12..2017-03.',
        ),
        _param("sort", "Order of hits.", {"type": "string", "enum": list(SORTS)}),
        _param("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
        _param("from", "Earliest date: YYYY, YYYY-MM or YYYY-MM-DD."),
        _param("to", "Latest date: YYYY, YYYY-MM or YYYY-MM-DD."),
        _param(
            "more",
            "Facets to list in full.",
            {"type": "array", "items": {"type": "string", "enum": [f.name for f in FACETS]}},
        ),
    ]
    params += [
        _param(
            f.name,
            f"Keep hits with this {f.label.lower()} (repeat for OR).",
            {"type": "array", "items": {"type": "string"}},
        )
        for f in FACETS
    ]
    facet_value = {
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "count": {"type": "integer"},
            "selected": {"type": "boolean"},
        },
    }
    hit = {
        "type": "object",
        "properties": {
            k: {"type": "string", "nullable": True}
            for k in (
                "id",
                "title",
                "display_title",
                "date",
                "source_path",
                "url",
                "source",
                "section",
                "snippet",
                "quote_by",
            )
        },
    }
    result = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "hits": {"type": "array", "items": hit},
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "label": {"type": "string"},
                        "truncated": {"type": "boolean"},
                        "values": {"type": "array", "items": facet_value},
                    },
                },
            },
            "suggestion": {"type": "string", "nullable": True},
            "timeline": {
                "type": "object",
                "description": "Dated hits per year, or per month for narrow ranges; first and "
                "last are the chosen range's ends in the same unit (null when open).",
                "properties": {
                    "unit": {"type": "string", "enum": ["year", "month"]},
                    "buckets": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "key": {"type": "string"},
                                "count": {"type": "integer"},
                            },
                        },
                    },
                    "first": {"type": "string", "nullable": True},
                    "last": {"type": "string", "nullable": True},
                },
            },
        },
    }
    error = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cambodia news and rights archive", "version": "1"},
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Search the archive with facets",
                    "parameters": params,
                    "responses": {
                        "200": {
                            "description": "Results",
                            "content": {"application/json": {"schema": result}},
                        },
                        "400": {
                            "description": "Bad parameter",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            }
        },
    }


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    """One query parameter."""
    explode = bool(schema and schema.get("type") == "array")
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
        "explode": explode,
    }
