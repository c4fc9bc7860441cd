"""Indexing and search behind one seam: the ingest (state, duplicate grouping), request
parsing, the facet registry and typed results, and the backends (Whoosh, OpenSearch)."""
