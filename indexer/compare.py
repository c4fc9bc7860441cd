"""Many queries at once (issue 14): a batch of names or terms counted line by line, and
queries compared over time. Both ask the backend for a Summary of the line's SearchRequest, so
a line finds exactly what the same text finds in the search box, with the same filters;
neither ranks or draws anything, and neither knows which backend answers."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field

from indexer.backend import SearchBackend
from indexer.periods import fill_periods, period_label
from indexer.query import RequestError, SearchRequest, parse_request
from indexer.registry import FACETS_BY_NAME
from indexer.results import Summary

# A pasted list or an uploaded file holds at most this many lines: a newsroom's list of
# names or companies runs to hundreds. Each line is one search (two for a name): 1,000 lines
# (206 distinct speakers, organisations and headline words of the corpus)
# took 2.7 s on 2 cores at 10,000 synthetic stories (2026-12-01); search cost grows about
# linearly with the archive, so at 100,000 stories a full list should stay under a minute,
# about as long as a browser should wait.
MAX_BATCH_LINES = 1000
# Queries compared on one chart: more lines than this are not readable in one plot.
MAX_COMPARE = 5
UNITS = ("year", "month")
MEASURES = ("count", "share")
# Syntax that makes a batch line a query rather than a name to search as a phrase.
QUERY_SYNTAX = ('"', ":", "*", "~", "(", " OR ", " AND ", " NOT ", " -")
# The filter parameters a batch or comparison shares with the search page.
SHARED_PARAMS = ("from", "to")


@dataclass
class BatchRow:
    """One line of a batch: its query's totals, or the reason it could not be searched."""

    line: int
    query: str
    total: int = 0
    as_speaker: int | None = None  # None: the line is not a name (it holds query syntax)
    first: str | None = None
    last: str | None = None
    error: str | None = None
    notices: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def shared_filters(args, own: tuple[str, ...]) -> dict[str, list[str]]:
    """The search filters (facets, from/to) among request arguments, as lists; a parameter
    that is neither a filter nor one of the view's `own` is refused, as on the search page."""
    getlist = args.getlist if hasattr(args, "getlist") else lambda k: list(args.get(k) or [])
    out = {}
    for key in dict.fromkeys(args.keys()):
        if key in FACETS_BY_NAME or key in SHARED_PARAMS:
            out[key] = getlist(key)
        elif key not in own:
            raise RequestError(f"unknown parameter {key[:40]!r}")
    parse_request(out)  # the same checks and messages as the search page
    return out


def batch_lines(text: str, is_csv: bool = False) -> list[str]:
    """The queries of a pasted list or an uploaded file: one per line, or with is_csv the
    first column of each row (a header named query/name/term is skipped); blank lines and
    surrounding spaces dropped."""
    if is_csv:
        rows = [row[0].strip() if row else "" for row in csv.reader(io.StringIO(text))]
    else:
        rows = [line.strip() for line in text.splitlines()]
    rows = [row for row in rows if row]
    if is_csv and rows and rows[0].lower() in ("query", "name", "names", "term", "terms"):
        rows = rows[1:]
    if len(rows) > MAX_BATCH_LINES:
        raise RequestError(
            f"The list has {len(rows):,} lines; a batch takes at most {MAX_BATCH_LINES:,}. "
            "Split it into several batches."
        )
    if not rows:
        raise RequestError("The list is empty: put one name or query on each line.")
    return rows


def as_phrase(line: str) -> str:
    """A plain name ('Kem Sokha') searched as the exact phrase; query syntax kept as is."""
    if len(line.split()) < 2 or any(mark in f" {line} " for mark in QUERY_SYNTAX):
        return line
    return f'"{line}"'


def line_request(line: str, args: dict[str, list[str]]) -> SearchRequest:
    """The search one batch line stands for: its text with the batch's shared filters."""
    return parse_request({**args, "q": [line], "page": ["1"], "sort": ["relevance"]})


def run_batch(
    backend: SearchBackend, lines: list[str], args: dict[str, list[str]]
) -> list[BatchRow]:
    """Every line counted: total hits, hits quoting it as a speaker, first and last date;
    sorted by total (then by line order). A bad line gets the search box's message."""
    rows = []
    for n, line in enumerate(lines, 1):
        row = BatchRow(line=n, query=line)
        try:
            found = backend.summary(line_request(line, args))
        except RequestError as exc:
            row.error = str(exc)
            rows.append(row)
            continue
        row.total = found.total
        row.notices = found.notices
        row.first, row.last = found.first, found.last
        name = speaker_value(line)
        if name is not None:
            said = dict(args, speaker=[*args.get("speaker", []), name])
            row.as_speaker = backend.summary(parse_request({**said, "q": [""]})).total
        rows.append(row)
    return sorted(rows, key=lambda r: (r.error is not None, -r.total, r.line))


def speaker_value(line: str) -> str | None:
    """The name a line stands for as a speaker ('"Hun Sen"' or 'Hun Sen'), or None when the
    line is query syntax rather than a name."""
    name = line.strip().strip('"').strip()
    if not name or any(c in name for c in ':*~()"') or " OR " in f" {name} ":
        return None
    return name


@dataclass
class Series:
    """One query's counts per period, and its share of all stories in each period."""

    query: str
    total: int
    counts: list[int]
    shares: list[float]
    error: str | None = None
    notices: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    """Several queries on one time axis."""

    unit: str
    periods: list[str]
    all_stories: list[int]
    series: list[Series]

    def as_dict(self) -> dict:
        """Plain dict for JSON."""
        return asdict(self)


def compare(
    backend: SearchBackend, queries: list[str], args: dict[str, list[str]], unit: str = "year"
) -> Comparison:
    """Counts per year or month for each query (its own filters typed in its text, the
    shared date range applied to all), on one axis spanning every query's hits."""
    if unit not in UNITS:
        raise RequestError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}")
    queries = [q.strip() for q in queries if q.strip()]
    if not queries:
        raise RequestError("Give at least one query to compare (q=...).")
    if len(queries) > MAX_COMPARE:
        raise RequestError(f"At most {MAX_COMPARE} queries can be compared at once.")
    matched: list[tuple[str, Summary | None, str | None]] = []
    for text in queries:
        try:
            matched.append((text, backend.summary(line_request(text, args), unit), None))
        except RequestError as exc:
            matched.append((text, None, str(exc)))
    if all(found is None for _, found, _ in matched):  # every query was refused: no chart
        return Comparison(
            unit, [], [], [Series(t, 0, [], [], error, []) for t, _, error in matched]
        )
    everything = backend.summary(line_request("", args), unit)
    keys = sorted({k for _, found, _ in matched if found is not None for k in found.periods})
    periods = fill_periods(keys, unit)
    all_counts = [everything.periods.get(p, 0) for p in periods]
    series = []
    for text, found, error in matched:
        if found is None:
            series.append(Series(text, 0, [0] * len(periods), [0.0] * len(periods), error))
            continue
        counts = [found.periods.get(p, 0) for p in periods]
        shares = [round(c / a, 4) if a else 0.0 for c, a in zip(counts, all_counts, strict=True)]
        series.append(Series(text, found.total, counts, shares, None, found.notices))
    labels = [period_label(k, unit) for k in periods]
    return Comparison(unit, labels, all_counts, series)
