"""Topics from the curated taxonomy in data/topics.toml: editable rules, counted mentions."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

# The length of story the `min` thresholds in topics.toml are written for.
WORDS_PER_MIN = 800


@lru_cache(maxsize=1)
def taxonomy() -> list[tuple[str, re.Pattern, int]]:
    """(label, compiled pattern of all its terms, minimum mentions) per topic."""
    data = tomllib.loads(resources.files("archive").joinpath("data/topics.toml").read_text("utf-8"))
    out = []
    for spec in data.values():
        parts = []
        for term in spec["terms"]:
            stem = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
            parts.append(stem + (r"[\w’'-]*" if term.endswith("*") else ""))
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.I)
        out.append((spec["label"], pattern, int(spec.get("min", 3))))
    return out


def topics_for(title: str | None, body: str) -> list[str]:
    """Labels of the topics the text supports strongly enough (headline mentions weigh 3)."""
    found = []
    # `min` is set for a news story; a long report must mention a topic proportionally more
    # often, or every passing mention in 40 pages would tag it.
    scale = max(1.0, len(body.split()) / WORDS_PER_MIN)
    for label, pattern, minimum in taxonomy():
        score = 3 * len(pattern.findall(title or "")) + len(pattern.findall(body))
        if score >= minimum * scale:
            found.append(label)
    return found
