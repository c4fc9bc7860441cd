"""SearchBackend over a Whoosh index folder: searchers per thread, refreshed after commits."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from whoosh.query import Term

from archive.record import Article
from indexer.query import SearchRequest, split_filters
from indexer.results import Hit, SearchResult, Story, Summary
from indexer.whoosh_backend import search as whoosh_search
from indexer.whoosh_backend.documents import index_document
from indexer.whoosh_backend.facets import table_for
from indexer.whoosh_backend.parse import parser_for, text_query
from indexer.whoosh_backend.schema import text_analyzer_of
from indexer.whoosh_backend.speakers import SPEAKER_PAGE_SIZE, speaker_quotes
from indexer.whoosh_backend.store import (
    generation_on_disk,
    open_index,
    open_or_create,
    whoosh_dir,
)
from indexer.whoosh_backend.writer import default_procs, replace_documents

# Below this many documents to write, forking segment writers costs more than it saves.
PARALLEL_INDEX_MIN = 1000


class WhooshBackend:
    """The Whoosh index in index_dir. Each thread keeps its own searcher (a web request reads
    one consistent generation) until refresh() finds a newer commit."""

    def __init__(self, index_dir: Path, *, create: bool = False):
        self.index_dir = Path(index_dir)
        self.create = create
        self.ix = None
        self.local = threading.local()
        self.lock = threading.Lock()
        self.open_searchers: set = set()

    def __enter__(self) -> WhooshBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def index(self):
        """The open index, opened (or, for a writer, created) on first use."""
        with self.lock:
            if self.ix is None:
                self.ix = (open_or_create if self.create else open_index)(self.index_dir)
        return self.ix

    def searcher(self):
        """This thread's searcher, opened on first use."""
        searcher = getattr(self.local, "searcher", None)
        if searcher is None:
            searcher = self.index().searcher()
            with self.lock:
                self.open_searchers.add(searcher)
            self.local.searcher = searcher
        return searcher

    def refresh(self) -> None:
        """Drop this thread's searcher when an ingest has committed since it was opened."""
        searcher = getattr(self.local, "searcher", None)
        if searcher is not None and not searcher.up_to_date():
            with self.lock:
                self.open_searchers.discard(searcher)
            searcher.close()  # its files may be merged away
            self.local.searcher = None

    def close(self) -> None:
        """Close every thread's searcher (at shutdown, and between tests)."""
        with self.lock:
            searchers, self.open_searchers = list(self.open_searchers), set()
        for searcher in searchers:
            searcher.close()
        self.local = threading.local()

    def search(
        self, request: SearchRequest, *, facets: bool = True, snippets: bool = True
    ) -> SearchResult:
        """See SearchBackend.search."""
        return whoosh_search.search(self.searcher(), request, facets=facets, snippets=snippets)

    def iter_hits(self, request: SearchRequest, limit: int) -> Iterator[Hit]:
        """See SearchBackend.iter_hits."""
        return whoosh_search.iter_hits(self.searcher(), request, limit)

    def summary(self, request: SearchRequest, unit: str = "year") -> Summary:
        """See SearchBackend.summary."""
        return whoosh_search.summary(self.searcher(), request, unit)

    def story(self, story_id: str) -> Story | None:
        """See SearchBackend.story."""
        searcher = self.searcher()
        docnum = searcher.document_number(id=story_id)
        if docnum is None:  # the id of a capture grouped into a story
            docnum = next(iter(searcher.docs_for_query(Term("captures", story_id))), None)
        return None if docnum is None else story_of(searcher.stored_fields(docnum))

    def stories(self) -> Iterator[Story]:
        """See SearchBackend.stories."""
        searcher = self.searcher()
        table = table_for(searcher)
        live = [int(d) for d in table.live.nonzero()[0]]
        for docnum in sorted(live, key=lambda d: table.ids[d]):
            yield story_of(searcher.stored_fields(docnum))

    def document_count(self) -> int:
        """See SearchBackend.document_count."""
        return int(table_for(self.searcher()).live.sum())

    def marked_paragraphs(self, body: str, q: str) -> list[str | None]:
        """See SearchBackend.marked_paragraphs."""
        paragraphs = body.split("\n\n")
        text = split_filters(q).text if q else ""
        if not text:
            return [None] * len(paragraphs)
        schema = self.searcher().schema
        terms = whoosh_search.content_terms(text_query(parser_for(schema), text)[0])
        analyzer = text_analyzer_of(schema)
        marked = (
            whoosh_search.mark(p, terms, analyzer, 3, whoosh_search.WHOLE) for p in paragraphs
        )
        return [m or None for m in marked]

    def speaker_quotes(
        self, name: str, q: str = "", page: int = 1, page_size: int = SPEAKER_PAGE_SIZE
    ) -> dict | None:
        """See SearchBackend.speaker_quotes."""
        return speaker_quotes(self.searcher(), name, q, page, page_size)

    # -- writing ---------------------------------------------------------------------------

    def generation(self) -> int:
        """See SearchBackend.generation: read from file names, so a damaged index answers."""
        return generation_on_disk(self.index_dir)

    def replace(
        self,
        story_ids: Sequence[str],
        members: Callable[[str], list[Article] | None],
        *,
        clear: bool = False,
    ) -> None:
        """See SearchBackend.replace. On a rebuild (clear) a damaged index, having nothing to
        keep, starts anew."""
        ix = self.writable(reset_damaged=clear)
        if not story_ids and not clear:
            return  # nothing to write: no new generation

        def build(story_id: str) -> dict | None:
            found = members(story_id)
            return index_document(story_id, found) if found else None

        replace_documents(
            ix,
            story_ids,
            build,
            procs=default_procs(len(story_ids), PARALLEL_INDEX_MIN),
            clear=clear,
        )

    def writable(self, reset_damaged: bool = False):
        """The index, created empty when missing (so even an empty ingest leaves one)."""
        try:
            return open_or_create(self.index_dir)
        except Exception:  # noqa: BLE001 - any damage: a rebuild has nothing to keep
            if not reset_damaged:
                raise
            shutil.rmtree(whoosh_dir(self.index_dir), ignore_errors=True)
            return open_or_create(self.index_dir)


def story_of(stored: dict) -> Story:
    """The Story of a document's stored fields."""
    return Story(stored["id"], json.loads(stored["record"]), stored.get("body", ""))
