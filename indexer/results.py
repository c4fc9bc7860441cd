"""What a search returns, typed: the same records from every backend, read by the views, the
command line, the exports and the tests, and the source of the API's OpenAPI schema."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
