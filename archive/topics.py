"""Topics from the curated taxonomy in data/topics.toml: editable rules, counted mentions."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from archive.lexicon import by_first_char

# The length of story the `min` thresholds in topics.toml are written for.
WORDS_PER_MIN = 800


class Taxonomy:
    """The topics of data/topics.toml compiled: one alternation of every term, and for each
    text it matched, the topic of the term that matched it."""

    def __init__(self, data: dict):
        branches, owners, self.topics = [], [], []
        for i, spec in enumerate(data.values()):
            for term in spec["terms"]:
                stem = re.escape(term.rstrip("*")).replace(r"\ ", r"[\s-]+")
                branches.append(stem + (r"[\w’'-]*" if term.endswith("*") else ""))
                owners.append(i)
            self.topics.append((spec["label"], int(spec.get("min", 3))))
        # Terms are lower case and the text is lower-cased before matching: without re.I the
        # alternation runs about twice as fast, and grouped by first letter three times again.
        self.pattern = re.compile(r"(?<![\w-])" + by_first_char(branches) + r"(?![\w-])")
        self.terms = [(re.compile(b), owner) for b, owner in zip(branches, owners, strict=True)]
        self.owner_of: dict[str, int] = {}

    def topic_of(self, matched: str) -> int:
        """The topic whose term produced this match: the first term, in file order, that
        matches the whole text (the alternation tries terms in that order)."""
        found = self.owner_of.get(matched)
        if found is None:
            found = next(owner for rx, owner in self.terms if rx.fullmatch(matched))
            if len(self.owner_of) > 100_000:  # matched spellings are few; never unbounded
                self.owner_of.clear()
            self.owner_of[matched] = found
        return found


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    """The taxonomy from the packaged data/topics.toml."""
    text = resources.files("archive").joinpath("data/topics.toml").read_text("utf-8")
    return Taxonomy(tomllib.loads(text))


def topics_for(title: str | None, body: str) -> list[str]:
    """Labels of the topics the text supports strongly enough (headline mentions weigh 3)."""
    found = taxonomy()
    scores = [0] * len(found.topics)
    for weight, text in ((3, title or ""), (1, body)):
        for m in found.pattern.finditer(text.lower()):
            scores[found.topic_of(m.group(0))] += weight
    # `min` is set for a news story; a long report must mention a topic proportionally more
    # often, or every passing mention in 40 pages would tag it.
    scale = max(1.0, len(body.split()) / WORDS_PER_MIN)
    return [
        label
        for (label, minimum), score in zip(found.topics, scores, strict=True)
        if score >= minimum * scale
    ]
