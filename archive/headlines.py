"""Headlines of text captures: from outlet chrome, a displayed headline, or a line shaped
like one at the top; never invented (no headline in the text means None)."""

from __future__ import annotations

import re

from archive import settings
from archive.bylines import match_byline
from archive.lines import DATE_LINE, TIMESTAMP, has_caption_credit, key, matches
from archive.sites import SiteProfile

# "... the United States. FACEBOOK": a caption holds a sentence end, a headline does not.
SENTENCE_BREAK = re.compile(r"[a-z]{2,}[.!?]\s+[A-Z]")
# A headline does not end like a sentence or a dateline ("PHNOM PENH —").
NOT_HEADLINE_END = tuple(".,;:—–-•|")


def find_title(lines: list[str], profile: SiteProfile) -> str | None:
    """Headline from the outlet's title-bearing chrome lines near the top, or None."""
    for n, line in enumerate(lines[: settings.HEADER_SCAN_LINES]):
        found = matches(profile.rx("title_lines"), line) if line else None
        if found and found.group(1).strip():
            return displayed_headline(lines, n, found.group(1).strip())
    # Without outlet chrome: the first line, alone in its block and shaped like a headline,
    # before the story's text (mobile Post, Cambodia Daily, VOA, RFA, VOD, CamboJA pages).
    # A photo's caption may stand above it.
    for i in content_lines(lines, profile, 3):
        if is_headline_shaped(lines, i):
            return lines[i]
        if not (SENTENCE_BREAK.search(lines[i]) or has_caption_credit(lines[i])):
            break
    # Post pages print the headline twice or three times near the top, whatever comes first.
    repeated = repeated_headline(lines)
    if repeated is not None:
        return repeated
    # Pages whose story text comes first (VOA's inverted captures): a title-cased line
    # directly above the byline is the headline.
    bylined = headline_above_byline(lines)
    if bylined is not None:
        return bylined
    # A short first line repeated as its own line later is a headline.
    nonblank = [ln for ln in lines if ln]
    if len(nonblank) > 3:
        first = nonblank[0]
        words = len(first.split())
        if (
            words <= settings.MAX_TITLE_WORDS
            and not first.endswith(".")
            and (key(first) in {key(ln) for ln in nonblank[1:8]})
        ):
            return first
    return None


def displayed_headline(lines: list[str], n: int, node_title: str) -> str:
    """The headline as printed when the page's title tag (its node title) words it
    differently: a headline-shaped line just below, sharing most of its words."""
    words = set(key_words(node_title))
    for i in [j for j in range(n + 1, min(n + 8, len(lines))) if lines[j]][:4]:
        line = lines[i]
        if key(line) == key(node_title):
            return node_title
        shared = len(words & set(key_words(line))) / max(len(words), 1)
        if shared >= settings.MIN_HEADLINE_OVERLAP and is_headline_shaped(lines, i):
            return line
    return node_title


def repeated_headline(lines: list[str]) -> str | None:
    """A headline-shaped line printed twice among the first lines, each time alone."""
    seen: dict[str, int] = {}
    top = [i for i, ln in enumerate(lines) if ln][: settings.HEADER_SCAN_LINES // 2]
    for i in top:
        k = key(lines[i])
        if k in seen and is_headline_shaped(lines, seen[k]):
            return lines[seen[k]]
        seen.setdefault(k, i)
    return None


def headline_above_byline(lines: list[str]) -> str | None:
    """A title-cased line, not shaped like a sentence, whose next non-blank line is a
    byline ('Security Forces Detain ...' then '- Kann Vicheika')."""
    nonblank = [ln for ln in lines if ln]
    for line, below in zip(nonblank, nonblank[1:], strict=False):
        if below[:1] in "-—–•·" and match_byline(below) and is_title_cased(line):
            return line
    return None


def is_title_cased(line: str) -> bool:
    """A headline in title case: most of its longer words capitalised, no sentence end."""
    words = [w for w in re.findall(r"[\w’']+", line) if len(w) > 3]
    capitals = sum(w[:1].isupper() for w in words)
    return (
        3 <= len(line.split()) <= settings.MAX_HEADLINE_WORDS
        and len(words) >= 2
        and capitals >= settings.TITLE_CASE_SHARE * len(words)
        and not line.rstrip("’'\"”").endswith(NOT_HEADLINE_END)
        and not SENTENCE_BREAK.search(line)
    )


def key_words(text: str) -> list[str]:
    """Lower-case words of a line, for comparing two wordings of one headline."""
    return re.findall(r"\w+", text.lower())


def content_lines(lines: list[str], profile: SiteProfile, limit: int) -> list[int]:
    """Indexes of the first `limit` non-blank lines that are not the outlet's chrome."""
    found: list[int] = []
    for i, line in enumerate(lines):
        if len(found) == limit:
            break
        if line and not profile.any_rx("chrome_lines").match(line):
            found.append(i)
    return found


def is_headline_shaped(lines: list[str], i: int) -> bool:
    """A headline: a block of one line, short, not ending like a sentence, a dateline or a
    caption, followed by the story's first sentence-long paragraph."""
    line = lines[i]
    alone = i + 1 < len(lines) and not lines[i + 1]
    following = [ln for ln in lines[i + 1 : i + 12] if ln]
    return (
        alone
        and 3 <= len(line.split()) <= settings.MAX_HEADLINE_WORDS
        and not line.endswith(NOT_HEADLINE_END)
        and not line.rstrip("’'\"”").endswith(".")
        and not SENTENCE_BREAK.search(line)
        and (line[:1].isupper() or line[:1] in "‘'\"“" or line[:1].isdigit())
        and not DATE_LINE.fullmatch(line)
        and not TIMESTAMP.fullmatch(line)
        and not match_byline(line)
        and any(len(ln.split()) >= settings.MIN_LEAD_WORDS for ln in following)
    )
