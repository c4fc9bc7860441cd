"""The embedded default backend: a Whoosh index on disk, with numpy facet tables and ranking.
The only package that imports whoosh (and the whoosh3 internals pinned in the README)."""
