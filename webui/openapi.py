"""The OpenAPI document for the JSON API, generated: parameters from indexer/query.py's
PARAMETERS (facet filters from the registry), answers from the result records' types."""

from __future__ import annotations

import dataclasses
import types
import typing

from indexer.compare import (
    MAX_BATCH_LINES,
    MAX_COMPARE,
    MEASURES,
    UNITS,
    BatchRow,
    Comparison,
    Series,
)
from indexer.query import FILTER_PARAMETERS, PARAMETERS
from indexer.results import SearchResult


def openapi_document() -> dict:
    """OpenAPI 3.0 description of the JSON API."""
    params = [_param(p.name, p.description, p.schema) for p in PARAMETERS]
    filter_params = [p for p in params if p["name"] in FILTER_PARAMETERS]
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
                    "responses": answers("Results", schema_of(SearchResult), error),
                }
            },
            "/api/batch": batch_operation(filter_params, error),
            "/compare.json": compare_operation(filter_params, error),
        },
    }


# JSON Schema types of the plain annotations the result records use.
PLAIN_TYPES = {
    int: {"type": "integer"},
    str: {"type": "string"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    dict: {"type": "object"},
}


def schema_of(record: type, extra: dict | None = None) -> dict:
    """The JSON schema of a dataclass's as_dict(), read from its field annotations (so the
    document follows the type): nested records, lists, dicts by name, `X | None` nullable."""
    hints = typing.get_type_hints(record)
    properties = {}
    for f in dataclasses.fields(record):
        if extra and f.name in extra:
            continue  # described by the caller
        properties[f.name] = schema_of_type(hints[f.name])
    properties.update(extra or {})
    description = " ".join((record.__doc__ or "").split())
    return {"type": "object", "description": description, "properties": properties}


def schema_of_type(annotation) -> dict:
    """The JSON schema of one annotation."""
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) and type(None) in args:
        (inner,) = [a for a in args if a is not type(None)]
        return {**schema_of_type(inner), "nullable": True}
    origin = typing.get_origin(annotation)
    if origin is list:
        return {"type": "array", "items": schema_of_type(args[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_of_type(args[1])}
    if dataclasses.is_dataclass(annotation):
        return schema_of(annotation)
    return dict(PLAIN_TYPES[annotation])


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
