"""Days, months and years of dated hits, the same for every backend: request bounds, the
timeline's unit and buckets, an even axis of periods, and their labels."""

from __future__ import annotations

from indexer.query import SearchRequest, parse_day
from indexer.results import Timeline, TimelineBucket

# A chosen range narrower than three years (in yyyymmdd units) gets a monthly timeline.
MONTHLY_BELOW = 30000
# A chosen range only stretches the timeline's axis within these years (from=0001 would
# otherwise ask for 24,000 empty months).
TIMELINE_YEARS = (1900, 2100)
# Undated documents go last when sorting oldest first.
UNDATED_LAST = 99991231


def day_bounds(request: SearchRequest) -> tuple[int | None, int | None]:
    """The from/to dates of a request as yyyymmdd bounds (None where open)."""
    lo = parse_day(request.date_from, end=False) if request.date_from else None
    hi = parse_day(request.date_to, end=True) if request.date_to else None
    return lo, hi


def timeline_of(months: dict[int, int], request: SearchRequest) -> Timeline:
    """Hits per year, or per month when the chosen range is narrow or the hits span less
    than two years, from dated hits per month (yyyymm -> count) inside the request's range."""
    months = {k: c for k, c in months.items() if c}
    if not months:
        return Timeline("year", [], None, None)
    lo, hi = day_bounds(request)
    years = [k // 100 for k in months]
    narrow_range = lo is not None and hi is not None and hi - lo < MONTHLY_BELOW
    monthly = narrow_range or (max(years) - min(years) < 2 and sum(months.values()) > 1)
    unit = "month" if monthly else "year"
    counts: dict[int, int] = {}
    for month, count in months.items():
        key = month if monthly else month // 100
        counts[key] = counts.get(key, 0) + count
    per = 100 if monthly else 10000
    return Timeline(
        unit=unit,
        buckets=[TimelineBucket(period_label(k, unit), c) for k, c in sorted(counts.items())],
        # The chosen range's ends, so the axis shows where the hits sit within it.
        first=period_label(lo // per, unit) if lo and TIMELINE_YEARS[0] <= lo // 10000 else None,
        last=period_label(hi // per, unit) if hi and hi // 10000 <= TIMELINE_YEARS[1] else None,
    )


def per_unit(months: dict[int, int], unit: str) -> dict[int, int]:
    """Counts per month (yyyymm) as counts per year (yyyy) or per month."""
    if unit == "month":
        return dict(months)
    years: dict[int, int] = {}
    for month, count in months.items():
        years[month // 100] = years.get(month // 100, 0) + count
    return years


def fill_periods(keys: list[int], unit: str) -> list[int]:
    """Every year or month from the first key to the last, so the axis is even."""
    if not keys:
        return []
    if unit == "year":
        return list(range(keys[0], keys[-1] + 1))
    out, key = [], keys[0]
    while key <= keys[-1]:
        out.append(key)
        key = key + 89 if key % 100 == 12 else key + 1  # December -> next January
    return out


def period_label(key: int, unit: str) -> str:
    """2016 -> '2016'; 201603 -> '2016-03'."""
    return f"{key:04d}" if unit == "year" else f"{key // 100:04d}-{key % 100:02d}"


def iso_day(day: int) -> str:
    """yyyymmdd -> 'YYYY-MM-DD'."""
    return f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"
