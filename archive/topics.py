"""Topics from the curated taxonomy in data/topics.toml: editable rules, counted mentions."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

# The length of story the `min` thresholds in topics.toml are written for.
WORDS_PER_MIN = 800


@lru_cache(maxsize=1)
def taxonomy() -> tuple[re.Pattern, list[tuple[str, int]]]:
    """One alternation of every topic's terms (a named group per topic), and each topic's
    (label, minimum mentions)."""
    data = tomllib.loads(resources.files("archive").joinpath("data/topics.toml").read_text("utf-8"))
    groups, topics = [], []
    for i, spec in enumerate(data.values()):
        parts = []
        for term in spec["terms"]:
            stem = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
            parts.append(stem + (r"[\w’'-]*" if term.endswith("*") else ""))
        groups.append(f"(?P<t{i}>" + "|".join(parts) + ")")
        topics.append((spec["label"], int(spec.get("min", 3))))
    # Terms are lower case and the text is lower-cased before matching: without re.I the
    # alternation runs about twice as fast.
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")(?![\w-])")
    return pattern, topics


def topics_for(title: str | None, body: str) -> list[str]:
    """Labels of the topics the text supports strongly enough (headline mentions weigh 3)."""
    pattern, topics = taxonomy()
    scores = [0] * len(topics)
    for weight, text in ((3, title or ""), (1, body)):
        for m in pattern.finditer(text.lower()):
            scores[int(m.lastgroup[1:])] += weight
    # `min` is set for a news story; a long report must mention a topic proportionally more
    # often, or every passing mention in 40 pages would tag it.
    scale = max(1.0, len(body.split()) / WORDS_PER_MIN)
    return [
        label
        for (label, minimum), score in zip(topics, scores, strict=True)
        if score >= minimum * scale
    ]
