"""Line-level primitives shared by the text-capture cleaner, headline and listing rules."""

from __future__ import annotations

import re
from functools import lru_cache

from archive.dates import ANY_DATE

# A line ending with one of these ends a sentence (or a quote) rather than breaking off.
TERMINAL = tuple('.!?"”’:;)…')
# A caption ends with its photo credit: "(Siv Channa/The Cambodia Daily)",
# "Photograph: Hong Menea/Phnom Penh Post".
CAPTION_CREDIT = re.compile(
    r"(?:\((?:photo:?\s*)?[A-Z][^()/]{1,60}/[^()]{1,60}\)|photograph:\s*[^/]{1,60}/.{1,60})$", re.I
)


def has_caption_credit(line: str) -> bool:
    """True when the line ends with a photo credit (CAPTION_CREDIT). Both its forms hold a
    slash: a line without one is answered without scanning it."""
    return "/" in line and CAPTION_CREDIT.search(line) is not None


DATE_LINE = re.compile(rf"[\w ,|:•]*{ANY_DATE}[\w ,|:•]*")
# A live blog's entry stamp: "7:01AM, Tuesday, June 6th, 2017", "11:41 p.m.".
TIMESTAMP = re.compile(
    rf"\d{{1,2}}:\d\d\s*(?:[ap]\.?m\.?)?(?:,?\s+(?:[A-Z][a-z]+day,?\s+)?{ANY_DATE})?", re.I
)
# Runs of spaces, tabs, no-break and zero-width spaces, but for a lone space: each becomes one.
WS = re.compile(r" [ \t\u00a0\u200b]+|[\t\u00a0\u200b][ \t\u00a0\u200b]*")
NOT_WORD = re.compile(r"\W+")
NOT_WORD_OR_NEWLINE = re.compile(r"[^\w\n]+")


def normalise(text: str) -> list[str]:
    """Lines with unified newlines and spaces, trailing blanks removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    # WS holds no newline, so one substitution over the text is one per line; and a lone
    # space is left as it is (substituting every space was most of this function's time).
    return [line.strip() for line in WS.sub(" ", text).split("\n")]


def line_keys(lines: list[str]) -> list[str]:
    """key() of every line, in one substitution over the lines joined: the same keys (no
    line holds a newline, and lower-casing never looks across one). Spaces go first, in
    one pass in C: substituting every space was half of the time."""
    joined = "\n".join(lines).lower().replace(" ", "")
    return NOT_WORD_OR_NEWLINE.sub("", joined).split("\n")


@lru_cache(maxsize=8192)  # a page compares each line with the headline and its neighbours
def key(text: str | None) -> str:
    """Comparison key: lower-case letters and digits only (headline repeats differ in quotes)."""
    return NOT_WORD.sub("", (text or "").lower())


def blocks_of(lines: list[str]) -> list[list[str]]:
    """Group lines into blocks separated by blank lines."""
    blocks, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def matches(patterns: list[re.Pattern], line: str) -> re.Match | None:
    """First whole-line match among patterns."""
    for pattern in patterns:
        found = pattern.match(line)
        if found:
            return found
    return None
