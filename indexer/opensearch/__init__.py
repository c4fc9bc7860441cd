"""The OpenSearch backend, for an archive past one machine (docs/SCALE-OUT.md): the index
mapping, the story documents, the query DSL built from a SearchRequest (pure functions), the
answer read back into the same typed results, and the backend class (needs the optional
`opensearch-py`; chosen by ARCHIVE_BACKEND=opensearch and OPENSEARCH_URL)."""
