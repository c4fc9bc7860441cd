"""From request parameters to a validated SearchRequest, and from the query text to its free
text and the field filters typed in the box. Backend-neutral pure functions: each backend
turns the free text into its own query (whoosh_backend/parse.py, opensearch/dsl.py)."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field

from indexer.registry import FACETS_BY_NAME, FILTER_ALIASES

MAX_QUERY_CHARS = 500
# Facet selections one request may carry (#15: 5,000 repeated `speaker=` made a 892 MB page):
# far more than anyone ticks by hand, few enough that every toggle link stays small.
MAX_VALUES_PER_FACET = 50
MAX_SELECTIONS = 200
# Costly query forms (#15: `a~9` took 5-14 s): Whoosh's own default edit distance is 1 and
# 2 still finds every common misspelling; a wildcard needs letters before it to narrow the
# vocabulary; no real word is longer than this.
MAX_EDIT_DISTANCE = 2
MIN_WILDCARD_PREFIX = 2
MAX_TERM_CHARS = 60
# A word pattern (fuzzy~, prefix*) is searched as at most this many of the words it
# matches, the most frequent: each one is a posting list to read (#15).
MAX_EXPANSIONS = 200
MAX_PAGE = 1000
# Defaults of the sizes the web app sets from its config (PAGE_SIZE, FACET_SIZE, ...).
PAGE_SIZE = 10  # hits per page: a screen of results with their snippets
FACET_SIZE = 10  # values shown per facet before "more"
FACET_MORE_SIZE = 200  # values shown after "more": a long list, still one page
SORTS = ("relevance", "newest", "oldest")
CONTROL_PARAMS = ("q", "page", "sort", "from", "to", "more")


@dataclass(frozen=True)
class Parameter:
    """One request parameter as the API documents it (facet filters are added from the
    registry): its name, what it means, and its JSON schema."""

    name: str
    description: str
    schema: dict


# What parse_request reads, documented once: the OpenAPI document is generated from this.
PARAMETERS = (
    Parameter(
        "q",
        'Words, "phrases", OR, NOT, -word, prefix*, fuzzy~ and field filters '
        'such as speaker:"Chin Malin", year:2016, date:2016-12..2017-03.',
        {"type": "string", "maxLength": MAX_QUERY_CHARS},
    ),
    Parameter("sort", "Order of hits.", {"type": "string", "enum": list(SORTS)}),
    Parameter("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    Parameter("from", "Earliest date: YYYY, YYYY-MM or YYYY-MM-DD.", {"type": "string"}),
    Parameter("to", "Latest date: YYYY, YYYY-MM or YYYY-MM-DD.", {"type": "string"}),
    Parameter(
        "more",
        f"Facets to list in full (up to {FACET_MORE_SIZE} values).",
        {"type": "array", "items": {"type": "string", "enum": list(FACETS_BY_NAME)}},
    ),
    *(
        Parameter(
            f.name,
            f"Keep hits with this {f.label.lower()} (repeat for OR; at most "
            f"{MAX_VALUES_PER_FACET}).",
            {"type": "array", "items": {"type": "string"}, "maxItems": MAX_VALUES_PER_FACET},
        )
        for f in FACETS_BY_NAME.values()
    ),
)
FILTER_PARAMETERS = ("from", "to", *FACETS_BY_NAME)  # what batch and compare share
KNOWN_PARAMS = set(CONTROL_PARAMS) | set(FACETS_BY_NAME)
DATE_TEXT = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
# A filter typed in the box: `topic:drugs`, `-topic:drugs`, `NOT topic:drugs`, `(topic:drugs)`.
FIELD_FILTER = re.compile(
    r"(?<![\w:])(?P<not>NOT\s+)?(?P<open>\(\s*)?(?P<neg>-?)(?P<name>[A-Za-z]+):"
    r"(?P<value>\"[^\"]*\"?|[^\s\"()]+)(?P<close>\s*\))?"
)
OR_BEFORE = re.compile(r"\bOR\s*$")
OR_AFTER = re.compile(r"^\s*OR\b")
AND_BEFORE = re.compile(r"\bAND\s*$")
AND_AFTER = re.compile(r"^\s*AND\b")
FILTER_SYNTAX_HELP = (
    "Filters combine with AND (the default), NOT or -, and OR only between values of one "
    "filter (topic:drugs OR topic:land); for anything else use the filter checkboxes."
)


class RequestError(ValueError):
    """A parameter the user sent cannot be used; the message says which and why (HTTP 400)."""


@dataclass
class SearchRequest:
    """The whole state of a search, exactly what the URL carries."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    more: tuple[str, ...] = ()  # facets whose full value list is wanted
    facet_size: int = FACET_SIZE
    facet_more_size: int = FACET_MORE_SIZE
    notices: list[str] = field(default_factory=list)


def clean_text(text: str) -> tuple[str, list[str]]:
    """Strip control characters and cap the length; notices say what was changed."""
    notices = []
    cleaned = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        notices.append(f"Your query was longer than {MAX_QUERY_CHARS} characters and was cut.")
    return cleaned, notices


def parse_day(text: str, end: bool) -> int:
    """'2016', '2016-12' or '2016-12-14' -> yyyymmdd, at the start or end of that span."""
    m = DATE_TEXT.match(text.strip())
    if not m:
        raise RequestError(f"{text!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    lo_month, hi_month = (int(month), int(month)) if month else (1, 12)
    if not 1 <= lo_month <= 12 or not 1000 <= year <= 9998:
        raise RequestError(f"{text!r} is not a valid date")
    if day:
        last = calendar.monthrange(year, lo_month)[1]
        if not 1 <= int(day) <= last:
            raise RequestError(f"{text!r} is not a valid date")
        return year * 10000 + lo_month * 100 + int(day)
    if end:
        return year * 10000 + hi_month * 100 + calendar.monthrange(year, hi_month)[1]
    return year * 10000 + lo_month * 100 + 1


def parse_request(
    args,
    page_size: int = PAGE_SIZE,
    facet_size: int = FACET_SIZE,
    facet_more_size: int = FACET_MORE_SIZE,
) -> SearchRequest:
    """Validate request parameters (a MultiDict or dict of lists) into a SearchRequest."""
    get = args.get
    getlist = args.getlist if hasattr(args, "getlist") else lambda k: _as_list(args.get(k))
    q, notices = clean_text(_first(get("q")) or "")
    split_filters(q)  # filters typed in forms the search cannot honour are a 400 here
    filters = {}
    for name in FACETS_BY_NAME:
        values = [clean_text(v)[0] for v in getlist(name)]
        values = list(dict.fromkeys(v for v in values if v))
        if values:
            filters[name] = values
    check_selection_sizes(filters)
    unknown = [k for k in _keys(args) if k not in KNOWN_PARAMS]
    if unknown:
        raise RequestError(f"unknown parameter {unknown[0][:40]!r}")
    sort = _first(get("sort")) or "relevance"
    if sort not in SORTS:
        raise RequestError(f"sort must be one of {', '.join(SORTS)}")
    page = _int(_first(get("page")) or "1", "page")
    if not 1 <= page <= MAX_PAGE:
        raise RequestError(f"page must be between 1 and {MAX_PAGE}")
    date_from = _first(get("from")) or None
    date_to = _first(get("to")) or None
    lo = parse_day(date_from, end=False) if date_from else None
    hi = parse_day(date_to, end=True) if date_to else None
    if lo and hi and lo > hi:
        raise RequestError("the 'from' date is after the 'to' date")
    more = tuple(dict.fromkeys(getlist("more")))
    if any(m not in FACETS_BY_NAME for m in more):
        raise RequestError(f"unknown facet {next(m for m in more if m not in FACETS_BY_NAME)!r}")
    return SearchRequest(
        q=q,
        filters=filters,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        page_size=page_size,
        more=more,
        facet_size=facet_size,
        facet_more_size=facet_more_size,
        notices=notices,
    )


def check_selection_sizes(filters: dict[str, list[str]]) -> None:
    """A 400 for more facet selections than a person makes; the page stays small."""
    for name, values in filters.items():
        if len(values) > MAX_VALUES_PER_FACET:
            raise RequestError(
                f"too many {name} values selected ({len(values)}); at most "
                f"{MAX_VALUES_PER_FACET} per filter"
            )
    total = sum(len(v) for v in filters.values())
    if total > MAX_SELECTIONS:
        raise RequestError(f"too many filter values ({total}); at most {MAX_SELECTIONS} in all")


def _first(value):
    """First item when a list was passed, else the value."""
    return value[0] if isinstance(value, list) else value


def _as_list(value) -> list:
    """A dict value as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _keys(args) -> list[str]:
    """Parameter names of a MultiDict or dict."""
    return list(args.keys())


def _int(text: str, name: str) -> int:
    """An integer parameter, or a RequestError naming it."""
    try:
        return int(text)
    except ValueError as exc:
        raise RequestError(f"{name} must be a whole number") from exc


@dataclass
class ParsedQuery:
    """The user's text split into the free-text part and field filters typed in the box."""

    text: str
    # Filters a match must meet, each (field, values): any value of a group (they were typed
    # joined by OR), every group (typed side by side: AND).
    include: list[tuple[str, list[str]]] = field(default_factory=list)
    exclude: dict[str, list[str]] = field(default_factory=dict)
    day_range: tuple[int | None, int | None] | None = None


def split_filters(q: str) -> ParsedQuery:
    """Pull `speaker:"Chin Malin"`, `-topic:drugs`, `NOT topic:drugs`, `year:2016`,
    `date:2016-12..2017-03` out of the query text; other words stay as free text. Filters
    joined by OR (one field) match any of their values; a filter in any other boolean
    construction is refused with a RequestError rather than answered wrongly (#15)."""
    parsed = ParsedQuery(text=q)
    found = []
    for m in FIELD_FILTER.finditer(q):
        name = m.group("name").lower()
        name = "date" if name == "date" else FILTER_ALIASES.get(name)
        if name:
            found.append((m, name))
    joined = or_joined(q, found)
    kept = []
    pos = 0
    for n, (m, name) in enumerate(found):
        gap = q[pos : m.start()]
        kept.append("" if n in joined else AND_AFTER.sub("", AND_BEFORE.sub("", gap)))
        pos = m.end()
        value = m.group("value").strip('"').strip()
        if not value:
            continue
        negated = bool(m.group("neg")) != bool(m.group("not"))  # NOT -x is x
        if name in ("date", "year") and (".." in value or name == "date"):
            if negated:
                raise RequestError("A date range cannot be negated. " + FILTER_SYNTAX_HELP)
            lo_text, _, hi_text = value.partition("..")
            if not _:
                hi_text = lo_text
            lo = parse_day(lo_text, end=False) if lo_text else None
            hi = parse_day(hi_text, end=True) if hi_text else None
            parsed.day_range = (lo, hi)
            continue
        if negated:
            parsed.exclude.setdefault(name, []).append(value)
        elif n in joined:
            parsed.include[-1][1].append(value)
        else:
            parsed.include.append((name, [value]))
    kept.append(AND_AFTER.sub("", q[pos:]) if found else q[pos:])
    parsed.text = " ".join("".join(kept).split())
    return parsed


def or_joined(q: str, found: list[tuple[re.Match, str]]) -> set[int]:
    """Indexes of filters joined by OR to the filter before them (same field, neither
    negated); a RequestError for a filter in any other boolean construction."""
    joined = set()
    for n, (m, name) in enumerate(found):
        if bool(m.group("open")) != bool(m.group("close")):
            raise RequestError(
                f"{m.group(0).strip()!r} is inside parentheses with other terms. "
                + FILTER_SYNTAX_HELP
            )
        negated = m.group("neg") or m.group("not")
        if n and q[found[n - 1][0].end() : m.start()].strip() == "OR":
            prev, prev_name = found[n - 1]
            if prev_name != name or negated or prev.group("neg") or prev.group("not"):
                raise RequestError(f"{m.group(0).strip()!r} is joined by OR. " + FILTER_SYNTAX_HELP)
            joined.add(n)
            continue
        if OR_BEFORE.search(q[: m.start()]) or (
            OR_AFTER.match(q[m.end() :])
            and not (n + 1 < len(found) and q[m.end() : found[n + 1][0].start()].strip() == "OR")
        ):
            raise RequestError(f"{m.group(0).strip()!r} is joined by OR. " + FILTER_SYNTAX_HELP)
    return joined


def minus_to_not(text: str) -> str:
    """'-word' and '-"a phrase"' -> 'NOT word', the syntax both backends' parsers know."""
    return re.sub(r'(^|\s)-(?=["\w])', r"\1NOT ", text)
