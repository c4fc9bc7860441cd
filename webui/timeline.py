"""The hits-over-time chart, drawn on the server as SVG; each bar links to its period."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from webui.urls import path_with_replaced_args

WIDTH, HEIGHT, LABEL_SPACE = 640, 120, 18
# Fewer periods than this are drawn at this many periods' width, centred, not as wide blocks.
MIN_SLOTS = 12


def timeline_svg(timeline: dict, path: str, state: list) -> Markup | None:
    """An accessible bar chart; None when there is nothing dated to draw."""
    buckets = fill_gaps(
        timeline["buckets"], timeline["unit"], timeline.get("first"), timeline.get("last")
    )
    if not buckets:
        return None
    peak = max(b["count"] for b in buckets) or 1
    step = WIDTH / max(len(buckets), MIN_SLOTS)
    offset = (WIDTH - step * len(buckets)) / 2
    bar = max(step - 2, 1)
    label_every = max(1, len(buckets) // 12)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT + LABEL_SPACE}" role="img" '
        f'aria-labelledby="timeline-title" preserveAspectRatio="none">'
        f'<title id="timeline-title">Results per {timeline["unit"]}</title>'
    ]
    for i, b in enumerate(buckets):
        h = 0 if not b["count"] else max(2, HEIGHT * b["count"] / peak)
        x = offset + i * step
        # "2016" or "2016-03" as both ends covers exactly that year or month.
        url = path_with_replaced_args(path, state, {"from": b["key"], "to": b["key"]})
        noun = "result" if b["count"] == 1 else "results"
        parts.append(
            f'<a href="{escape(url)}" aria-label="{escape(b["key"])}: {b["count"]} {noun}">'
            f'<rect x="{x:.1f}" y="{HEIGHT - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(b['key'])}: {b['count']} {noun}</title></rect>"
            f'<rect class="hit" x="{x:.1f}" y="0" width="{step:.1f}" height="{HEIGHT}"/></a>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT + 14}" text-anchor="middle">'
                f"{escape(b['key'])}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def fill_gaps(
    buckets: list[dict], unit: str, first: str | None = None, last: str | None = None
) -> list[dict]:
    """Insert empty years or months so that the time axis is even, and runs from `first` to
    `last` (the chosen range's ends) when they lie beyond the hits."""
    if not buckets:
        return []
    counts = {b["key"]: b["count"] for b in buckets}
    keys = sorted(counts)
    start = min(keys[0], first) if first else keys[0]
    end = max(keys[-1], last) if last else keys[-1]
    if unit == "year":
        span = range(int(start), int(end) + 1)
        return [{"key": str(y), "count": counts.get(str(y), 0)} for y in span]
    (y0, m0), (y1, m1) = (map(int, start.split("-")), map(int, end.split("-")))
    out = []
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        key = f"{y:04d}-{m:02d}"
        out.append({"key": key, "count": counts.get(key, 0)})
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


# Lines of the comparison chart: told apart by dash pattern and marker as well as colour
# (style.css), so the chart reads in greyscale and for colour-blind readers.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2")
# Room at the sides of the comparison chart for the scale's labels.
MARGIN = 28


def compare_svg(comparison, measure: str) -> Markup | None:
    """One line per query over the same periods (counts or shares), with a scale and a
    legend; None when no query has a dated hit."""
    periods = comparison.periods
    if not periods or not comparison.series:
        return None
    values = [s.shares if measure == "share" else s.counts for s in comparison.series]
    peak = max((v for vs in values for v in vs), default=0) or 1
    step = (WIDTH - 2 * MARGIN) / len(periods)
    noun = "share of stories" if measure == "share" else "stories"
    top = f"{peak:.0%}" if measure == "share" else f"{peak:g}"
    parts = [
        f'<svg class="compare" viewBox="0 0 {WIDTH} {HEIGHT + LABEL_SPACE + 18 * len(values)}" '
        f'role="img" aria-labelledby="compare-title">'
        f'<title id="compare-title">{escape(noun.capitalize())} per {comparison.unit}, '
        f"{len(values)} queries</title>"
        f'<line class="axis" x1="{MARGIN}" y1="{HEIGHT}" x2="{WIDTH - MARGIN}" y2="{HEIGHT}"/>'
        f'<line class="axis" x1="{MARGIN}" y1="4" x2="{WIDTH - MARGIN}" y2="4"/>'
        f'<text x="0" y="8">{top}</text><text x="0" y="{HEIGHT}">0</text>'
    ]
    xs = [MARGIN + step * i + step / 2 for i in range(len(periods))]
    for n, (series, vs) in enumerate(zip(comparison.series, values, strict=True)):
        points = [(x, HEIGHT - (HEIGHT - 4) * v / peak) for x, v in zip(xs, vs, strict=True)]
        dash = DASHES[n % len(DASHES)]
        dash = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline class="s{n}" points="{path}" fill="none"{dash}/>')
        for (x, y), period, v in zip(points, periods, vs, strict=True):
            shown = f"{v:.1%}" if measure == "share" else str(v)
            parts.append(
                f'<circle class="s{n}" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                f"<title>{escape(series.query)}, {escape(period)}: {shown}</title></circle>"
            )
        y = HEIGHT + LABEL_SPACE + 14 + 18 * n
        parts.append(
            f'<line class="s{n}" x1="{MARGIN}" y1="{y - 4}" x2="{MARGIN + 24}" y2="{y - 4}"'
            f'{dash}/><text class="legend" x="{MARGIN + 30}" y="{y}">{escape(series.query)}</text>'
        )
    # A label is about 30 (a year) or 50 (a month) units wide: every nth, so none overlap.
    label_every = max(1, math.ceil((50 if comparison.unit == "month" else 30) / step))
    for i, period in enumerate(periods[::label_every]):
        parts.append(
            f'<text x="{xs[i * label_every]:.1f}" y="{HEIGHT + 14}" text-anchor="middle">'
            f"{escape(period)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
