"""The OpenAPI document for the JSON API, built from the same facet registry as the search
and, for batch and comparison answers, from their record types."""

from __future__ import annotations

from dataclasses import fields

from indexer.compare import (
    MAX_BATCH_LINES,
    MAX_COMPARE,
    MEASURES,
    UNITS,
    BatchRow,
    Comparison,
    Series,
)
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
    filter_params = [p for p in params if p["name"] in ("from", "to", *(f.name for f in FACETS))]
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
                    "responses": answers("Results", result, error),
                }
            },
            "/api/batch": batch_operation(filter_params, error),
            "/compare.json": compare_operation(filter_params, error),
        },
    }


# JSON Schema types of the annotations the batch and comparison records use.
ANNOTATION_TYPES = {
    "int": {"type": "integer"},
    "str": {"type": "string"},
    "float": {"type": "number"},
    "list[str]": {"type": "array", "items": {"type": "string"}},
    "list[int]": {"type": "array", "items": {"type": "integer"}},
    "list[float]": {"type": "array", "items": {"type": "number"}},
}


def schema_of(record: type, extra: dict | None = None) -> dict:
    """The JSON schema of a dataclass's as_dict(), read from its field annotations (so the
    document follows the type; `X | None` is nullable)."""
    properties = {}
    for f in fields(record):
        if extra and f.name in extra:
            continue  # a nested record, described by the caller
        text = str(f.type).replace(" ", "")
        nullable = text.endswith("|None")
        schema = dict(ANNOTATION_TYPES[text.removesuffix("|None")])
        if nullable:
            schema["nullable"] = True
        properties[f.name] = schema
    properties.update(extra or {})
    return {"type": "object", "properties": properties}


def batch_operation(filter_params: list[dict], error: dict) -> dict:
    """POST /api/batch: a list of queries counted with the search filters."""
    row = schema_of(BatchRow, {"url": {"type": "string", "description": "Its results page"}})
    lines = {"type": "string", "description": "One name or query per line."}
    return {
        "post": {
            "summary": f"Count hits for each of up to {MAX_BATCH_LINES} names or queries",
            "parameters": filter_params,
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["queries"],
                            "properties": {
                                "queries": {"type": "array", "items": {"type": "string"}},
                                "exact": {"type": "boolean", "default": True},
                            },
                        }
                    },
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": {"q": lines}}
                    },
                }
            },
            "responses": answers(
                "One row per line, most hits first",
                {
                    "type": "object",
                    "properties": {
                        "filters": {"type": "object"},
                        "limit": {"type": "integer"},
                        "rows": {"type": "array", "items": row},
                    },
                },
                error,
            ),
        }
    }


def compare_operation(filter_params: list[dict], error: dict) -> dict:
    """GET /compare.json: counts per period for up to MAX_COMPARE queries."""
    series = schema_of(Series)
    result = schema_of(
        Comparison,
        {"series": {"type": "array", "items": series}, "filters": {"type": "object"}},
    )
    return {
        "get": {
            "summary": f"Counts per year or month for up to {MAX_COMPARE} queries",
            "parameters": [
                _param(
                    "q",
                    "A query (repeat for each line of the chart).",
                    {"type": "array", "items": {"type": "string"}},
                ),
                _param("unit", "Period.", {"type": "string", "enum": list(UNITS)}),
                _param("measure", "Counts or shares.", {"type": "string", "enum": list(MEASURES)}),
                *filter_params,
            ],
            "responses": answers("One series per query on one time axis", result, error),
        }
    }


def answers(description: str, schema: dict, error: dict) -> dict:
    """The 200 answer with its schema and the 400 with the error message."""
    return {
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": {
            "description": "Bad parameter",
            "content": {"application/json": {"schema": error}},
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
