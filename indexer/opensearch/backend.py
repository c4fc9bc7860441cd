"""SearchBackend over an OpenSearch index (ARCHIVE_BACKEND=opensearch, OPENSEARCH_URL, and
OPENSEARCH_INDEX for the index name). The query DSL and the reading of answers are the pure
functions of dsl.py and response.py; this class only sends them."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterator, Sequence

from archive.record import Article
from indexer.lock import IndexError_
from indexer.opensearch import dsl, response
from indexer.opensearch.documents import document_of, story_from_source
from indexer.opensearch.mapping import ANALYZER, index_body
from indexer.query import SearchRequest, split_filters
from indexer.results import Hit, SearchResult, Story, Summary
from indexer.stories import story_of

DEFAULT_INDEX = "archive"
SCROLL = "2m"  # how long a scroll of every hit (an export) may pause between pages
PAGE = 500  # hits per scroll page: a few MB of records per round trip
BULK_CHUNK = 500  # stories per _bulk request, as opensearch-py's helpers default to


def client_for(url: str):
    """An opensearch-py client, or a clear error when the optional dependency is missing."""
    try:
        from opensearchpy import OpenSearch
    except ImportError as exc:
        raise IndexError_(
            "ARCHIVE_BACKEND=opensearch needs the OpenSearch client: pip install -e '.[opensearch]'"
        ) from exc
    return OpenSearch(url, timeout=30, max_retries=2, retry_on_timeout=True)


class OpenSearchBackend:
    """One OpenSearch index holding the archive's stories."""

    def __init__(self, url: str, index: str = DEFAULT_INDEX, client=None):
        self.url = url
        self.name = index
        self.client = client or client_for(url)

    @classmethod
    def from_environment(cls) -> OpenSearchBackend:
        """The backend OPENSEARCH_URL and OPENSEARCH_INDEX name."""
        url = os.environ.get("OPENSEARCH_URL", "").strip()
        if not url:
            raise IndexError_("ARCHIVE_BACKEND=opensearch needs OPENSEARCH_URL (http://host:9200)")
        return cls(url, os.environ.get("OPENSEARCH_INDEX", DEFAULT_INDEX))

    def __enter__(self) -> OpenSearchBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def call(self, method: Callable, **kwargs):
        """One request; an unreachable server or a missing index becomes IndexError_."""
        from opensearchpy.exceptions import ConnectionError, NotFoundError, TransportError

        try:
            return method(**kwargs)
        except NotFoundError as exc:
            raise IndexError_(
                f"no index {self.name!r} at {self.url}: run `archive ingest` with "
                "ARCHIVE_BACKEND=opensearch first"
            ) from exc
        except ConnectionError as exc:
            raise IndexError_(f"OpenSearch at {self.url} cannot be reached ({exc})") from exc
        except TransportError as exc:
            raise IndexError_(f"OpenSearch at {self.url} refused the request ({exc})") from exc

    def run(self, body: dict) -> dict:
        """A _search with this body."""
        return self.call(self.client.search, index=self.name, body=body)

    # -- reading ---------------------------------------------------------------------------

    def search(
        self, request: SearchRequest, *, facets: bool = True, snippets: bool = True
    ) -> SearchResult:
        """See SearchBackend.search."""
        body = dsl.search_body(request, facets=facets, snippets=snippets)
        return response.result_of(request, self.run(body), facets=facets, snippets=snippets)

    def iter_hits(self, request: SearchRequest, limit: int) -> Iterator[Hit]:
        """See SearchBackend.iter_hits: pages of search_after would also do; scroll keeps
        one consistent view for the length of an export."""
        body = dsl.search_body(request, facets=False, snippets=False, offset=0)
        body["size"] = min(PAGE, limit)
        answer = self.call(self.client.search, index=self.name, body=body, scroll=SCROLL)
        sent = 0
        try:
            while answer["hits"]["hits"] and sent < limit:
                for doc in answer["hits"]["hits"][: limit - sent]:
                    yield response.hit_of(doc, snippet=False)
                    sent += 1
                answer = self.call(
                    self.client.scroll, scroll_id=answer["_scroll_id"], scroll=SCROLL
                )
        finally:
            self.client.clear_scroll(scroll_id=answer.get("_scroll_id"), ignore=(404,))

    def summary(self, request: SearchRequest, unit: str = "year") -> Summary:
        """See SearchBackend.summary."""
        answer = self.run(dsl.summary_body(request))
        return response.summary_of(answer, unit, list(request.notices))

    def story(self, story_id: str) -> Story | None:
        """See SearchBackend.story."""
        hits = self.run(dsl.story_query(story_id))["hits"]["hits"]
        return story_from_source(hits[0]["_source"]) if hits else None

    def stories(self) -> Iterator[Story]:
        """See SearchBackend.stories."""
        body = {"query": {"match_all": {}}, "sort": [{"id": "asc"}], "size": PAGE}
        body["_source"] = ["id", "record", "body"]
        while True:
            hits = self.run(body)["hits"]["hits"]
            yield from (story_from_source(h["_source"]) for h in hits)
            if len(hits) < PAGE:
                return
            body["search_after"] = hits[-1]["sort"]

    def document_count(self) -> int:
        """See SearchBackend.document_count."""
        return self.call(self.client.count, index=self.name)["count"]

    def marked_paragraphs(self, body: str, q: str) -> list[str | None]:
        """See SearchBackend.marked_paragraphs: the body and the query's words analysed by
        the index's own analyser (_analyze), matching words marked."""
        paragraphs = body.split("\n\n")
        text = split_filters(q).text if q else ""
        words = [w for w in text.replace('"', " ").split() if w.upper() not in ("OR", "AND", "NOT")]
        if not words:
            return [None] * len(paragraphs)
        wanted, prefixes = set(), []
        for word in words:
            if word.endswith("*"):
                prefixes.append(word.rstrip("*").lower())
            elif not word.startswith("-"):
                wanted.update(t["token"] for t in self.analyze(word.split(":")[-1]))
        out = []
        for para in paragraphs:
            spans = [
                (t["start_offset"], t["end_offset"])
                for t in self.analyze(para)
                if t["token"] in wanted or any(t["token"].startswith(p) for p in prefixes)
            ]
            out.append(mark_spans(para, spans) if spans else None)
        return out

    def analyze(self, text: str) -> list[dict]:
        """Tokens of text as the index analyses it."""
        body = {"analyzer": ANALYZER, "text": text}
        return self.call(self.client.indices.analyze, index=self.name, body=body)["tokens"]

    def speaker_quotes(
        self, name: str, q: str = "", page: int = 1, page_size: int = 25
    ) -> dict | None:
        """See SearchBackend.speaker_quotes."""
        answer = self.run(dsl.speaker_body(name, q, (page - 1) * page_size, page_size))
        everywhere = answer if not q.strip() else self.run(dsl.speaker_body(name, "", 0, 0))
        if not everywhere["hits"]["total"]["value"]:
            return None
        return response.speaker_page(name, q, page, page_size, answer, everywhere)

    def generation(self) -> int:
        """See SearchBackend.generation: OpenSearch has none to compare with the state."""
        return -1

    def refresh(self) -> None:
        """See SearchBackend.refresh: searches see the latest refresh by themselves."""

    def close(self) -> None:
        """See SearchBackend.close."""
        self.client.close()

    # -- writing ---------------------------------------------------------------------------

    def replace(
        self,
        story_ids: Sequence[str],
        members: Callable[[str], list[Article] | None],
        *,
        clear: bool = False,
    ) -> None:
        """See SearchBackend.replace: _bulk deletes and index actions, then a refresh. A
        rebuild (clear) drops the index and creates it again from the mapping first."""
        from opensearchpy import helpers

        exists = self.call(self.client.indices.exists, index=self.name)
        if clear and exists:
            self.call(self.client.indices.delete, index=self.name)
        if clear or not exists:
            self.call(self.client.indices.create, index=self.name, body=index_body())

        def actions():
            for story_id in story_ids:
                found = members(story_id)
                if found:
                    story = story_of(story_id, found)
                    yield {"_index": self.name, "_id": story_id, "_source": document_of(story)}
                elif not clear:
                    yield {"_op_type": "delete", "_index": self.name, "_id": story_id}

        self.call(
            helpers.bulk,
            client=self.client,
            actions=actions(),
            chunk_size=BULK_CHUNK,
            raise_on_error=True,
            raise_on_exception=True,
            ignore_status=(404,),  # deleting a story that was never sent is fine
        )
        self.call(self.client.indices.refresh, index=self.name)


def mark_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Text HTML-escaped with each span wrapped in the snippet's <mark>."""
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(text[pos:start], quote=False))
        out.append(dsl.MARK[0] + html.escape(text[start:end], quote=False) + dsl.MARK[1])
        pos = end
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)
