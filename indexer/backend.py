"""The search-backend seam: what the web app, the command line and the ingest ask of an index,
whatever engine holds it. The Whoosh backend (indexer/whoosh_backend/) is the embedded
default; the OpenSearch backend (indexer/opensearch/) is for an archive past one machine.
Both answer with the typed records of indexer/results.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol

from archive.record import Article
from indexer.query import SearchRequest
from indexer.results import Hit, SearchResult, Story, Summary

BACKENDS = ("whoosh", "opensearch")


class SearchBackend(Protocol):
    """One archive index: written by the ingest, read by everything else."""

    def search(
        self, request: SearchRequest, *, facets: bool = True, snippets: bool = True
    ) -> SearchResult:
        """A page of hits, each facet counted as if its own selection were lifted, the
        timeline, a spelling suggestion for few hits, counts without each filter for none."""

    def iter_hits(self, request: SearchRequest, limit: int) -> Iterator[Hit]:
        """Every hit of a request (up to limit), in its order, without snippets: exports."""

    def summary(self, request: SearchRequest, unit: str = "year") -> Summary:
        """Total, first and last date, and dated hits per year or month: batch and compare."""

    def story(self, story_id: str) -> Story | None:
        """One story by its own id or the id of any capture grouped into it."""

    def stories(self) -> Iterator[Story]:
        """Every story in the index, in id order: exports to other systems."""

    def document_count(self) -> int:
        """Stories in the index."""

    def marked_paragraphs(self, body: str, q: str) -> list[str | None]:
        """Each paragraph of a body as HTML with the words of q marked (None where q does not
        match it): the article page's highlights, analysed as the search analyses."""

    def speaker_quotes(
        self, name: str, q: str = "", page: int = 1, page_size: int = 25
    ) -> dict | None:
        """What one person is quoted saying, a page of stories at a time, newest first; with
        q only the quotes holding its words. None when nobody by that name is quoted."""

    def generation(self) -> int:
        """The committed generation of the index (-1 when none or unknown); the ingest's
        state records it, to notice an ingest stopped between the two commits."""

    def replace(
        self,
        story_ids: Sequence[str],
        members: Callable[[str], list[Article] | None],
        *,
        clear: bool = False,
    ) -> None:
        """Delete these stories and write each again from members(id) (None: stays deleted),
        in one commit; with clear, every other story goes too (a rebuild)."""

    def refresh(self) -> None:
        """See the latest commit (called before each web request; cheap when unchanged)."""

    def close(self) -> None:
        """Release readers and connections."""

    def __enter__(self) -> SearchBackend:
        """`with open_backend(...) as backend:` closes it at the end."""

    def __exit__(self, *exc) -> None:
        """Close."""


def backend_name() -> str:
    """The backend chosen by ARCHIVE_BACKEND (whoosh unless set)."""
    name = os.environ.get("ARCHIVE_BACKEND", "whoosh").strip().lower() or "whoosh"
    if name not in BACKENDS:
        raise ValueError(f"ARCHIVE_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


def open_backend(index_dir: Path | str, *, create: bool = False, name: str | None = None):
    """The archive's index: Whoosh in index_dir, or OpenSearch at OPENSEARCH_URL when
    ARCHIVE_BACKEND=opensearch. Opening is lazy: a missing or damaged index is reported
    (IndexError_) by the first call that needs it."""
    name = name or backend_name()
    if name == "opensearch":
        from indexer.opensearch.backend import OpenSearchBackend

        return OpenSearchBackend.from_environment()
    from indexer.whoosh_backend.backend import WhooshBackend

    return WhooshBackend(Path(index_dir), create=create)
