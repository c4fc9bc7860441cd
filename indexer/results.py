"""What a search returns, typed: the same records from every backend, read by the views, the
command line, the exports and the tests, and the source of the API's OpenAPI schema."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from indexer.query import SearchRequest


class Result:
    """A result record: as_dict() is its JSON form."""

    def as_dict(self) -> dict:
        """Plain data (nested records too), as the JSON API answers it."""
        return asdict(self)


@dataclass
class Hit(Result):
    """One story in a result list: what a result row shows and an export writes."""

    id: str
    title: str | None
    display_title: str
    date: str | None
    source_path: str | None
    url: str | None
    source: str | None
    section: str | None
    page_type: str | None
    reporters: list[str]
    speakers: list[str]
    topics: list[str]
    captures: list[dict]  # every capture grouped into the story: id, source_path, url, ...
    snippet: str | None  # HTML: escaped text around the matches, matches in <mark>
    quote_by: str | None  # whose quote the snippet is, when it is one
    section_index: int | None  # a report's section holding the first match
    score: float | None  # relevance; None when sorted by date

    @classmethod
    def of_record(
        cls,
        story_id: str,
        record: dict,
        body: str,
        *,
        snippet: str | None = None,
        quote_by: str | None = None,
        section_index: int | None = None,
        score: float | None = None,
    ) -> Hit:
        """The hit for a stored story record, as every backend shows it."""
        return cls(
            id=story_id,
            title=record.get("title"),
            display_title=record.get("title") or lede_words(body),
            date=record.get("date"),
            source_path=record.get("source_path"),
            url=record.get("url"),
            source=record.get("source"),
            section=record.get("section"),
            page_type=record.get("page_type"),
            reporters=record.get("reporters", []),
            speakers=record.get("speakers", []),
            topics=record.get("topics", []),
            captures=record.get("captures", []),
            snippet=snippet,
            quote_by=quote_by,
            section_index=section_index,
            score=round(float(score), 4) if score is not None else None,
        )


# The record's keys a Hit shows (of_record reads no others), and the words of the lede it
# needs: a hit card (hit_card) carries only these, so that a result list need not read
# every hit's whole stored record and body.
HIT_KEYS = (
    "title",
    "date",
    "source_path",
    "url",
    "source",
    "section",
    "page_type",
    "reporters",
    "speakers",
    "topics",
    "captures",
)
LEDE_WORDS = 14


def hit_card(story_id: str, record: dict, body: str) -> dict:
    """What Hit.of_record(story_id, card, card["lede"]) needs to give the same hit as the
    whole record and body: the keys it reads, and the lede's first words (one more than
    lede_words shows, so that it still knows whether to add its ellipsis)."""
    card = {key: record[key] for key in HIT_KEYS if key in record}
    card["id"] = story_id
    card["lede"] = " ".join(body.split("\n\n", 1)[0].split()[: LEDE_WORDS + 1])
    return card


def lede_words(body: str, words: int = LEDE_WORDS) -> str:
    """The first words of the lede, for captures without a headline (and plain snippets)."""
    first = body.split("\n\n", 1)[0].split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


@dataclass
class FacetValue(Result):
    """One value of a facet with its count under the other selections."""

    value: str
    count: int
    selected: bool


@dataclass
class FacetResult(Result):
    """One facet's values, most frequent first (years newest first)."""

    name: str
    label: str
    truncated: bool  # more values exist than are listed (ask with more=<name>)
    values: list[FacetValue]


@dataclass
class TimelineBucket(Result):
    """Dated hits in one year or month."""

    key: str
    count: int


@dataclass
class Timeline(Result):
    """Dated hits per year, or per month for narrow ranges; first and last are the chosen
    range's ends in the same unit (None when open)."""

    unit: str
    buckets: list[TimelineBucket]
    first: str | None
    last: str | None


@dataclass
class SearchResult(Result):
    """The answer to one SearchRequest: a page of hits, facet counts, timeline, hints."""

    query: str
    total: int
    page: int
    pages: int
    page_size: int
    sort: str
    filters: dict[str, list[str]]
    date_from: str | None
    date_to: str | None
    hits: list[Hit]
    facets: dict[str, FacetResult]  # by facet name, in the registry's order
    timeline: Timeline | None  # None when facets were not asked for
    suggestion: str | None  # the query with misspelt words corrected, for few hits
    without: dict[str, int]  # for no hits: how many there would be without each filter
    notices: list[str] = field(default_factory=list)  # what was changed in the query and why

    @classmethod
    def answering(cls, request: SearchRequest, total: int, **found) -> SearchResult:
        """The result of a request: its own state echoed (the URL's), the total and paging,
        and what the backend found (hits, facets, timeline, suggestion, without, notices)."""
        return cls(
            query=request.q,
            total=total,
            page=request.page,
            pages=max(1, -(-total // request.page_size)),
            page_size=request.page_size,
            sort=request.sort,
            filters=request.filters,
            date_from=request.date_from,
            date_to=request.date_to,
            **found,
        )


@dataclass
class Summary(Result):
    """How many stories a request matches, when, and how many per period (batch, compare)."""

    total: int
    first: str | None  # earliest date of a dated hit, YYYY-MM-DD
    last: str | None
    periods: dict[int, int]  # year (yyyy) or month (yyyymm) -> dated hits
    notices: list[str] = field(default_factory=list)


@dataclass
class Story(Result):
    """One stored story: the record of its shown capture, its body and every capture."""

    id: str
    record: dict  # Article.as_dict() of the shown capture, without body, plus captures
    body: str

    def full(self) -> dict:
        """The record with its body, as the article page reads it."""
        return {**self.record, "body": self.body}
