"""The hits-over-time chart, drawn on the server as SVG; each bar links to its period."""

from __future__ import annotations

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
