"""The Whoosh index: schema, incremental ingest, query parsing, facets and search."""
