"""Listing pages (section fronts, archives, tag pages) told apart from stories."""

from __future__ import annotations

import re

from archive import settings
from archive.dates import ANY_DATE
from archive.headlines import NOT_HEADLINE_END
from archive.lines import TERMINAL

TEASER_DATE = re.compile(
    rf"(?:^|\s|[|•·-])(?:{ANY_DATE}|\d+\s+(?:hours?|days?|weeks?)\s+ago)"
    r"(?:\s*\|\s*\d{1,2}:\d\d)?\s*$",  # "Wed, 12 Jan 2022 | 11:20"
    re.I,
)
PUBLICATION_DATE = re.compile(r"^publication date\b", re.I)


def ends_with_teaser_date(text: str) -> bool:
    """True when the text ends with a teaser's date (TEASER_DATE). Every form it matches
    ends in a digit or "ago" before trailing spaces: other text is answered without the
    pattern, which is tried at every position of the text (a twentieth of a capture's
    extraction went to it)."""
    tail = text.rstrip()
    if not (tail[-1:].isdigit() or tail[-3:].lower() == "ago"):
        return False
    return TEASER_DATE.search(text) is not None


def is_listing(paragraphs: list[str]) -> bool:
    """Section fronts and archives: many short teasers, each with its own date."""
    if not paragraphs:
        return False
    dated = sum(1 for p in paragraphs if len(p) < 300 and ends_with_teaser_date(p))
    words = sorted(len(p.split()) for p in paragraphs)
    return (
        dated >= settings.LISTING_MIN_DATES
        and dated / len(paragraphs) >= settings.LISTING_DATE_SHARE
        and words[len(words) // 2] < 30
    )


def looks_like_teasers(body_lines: list[str]) -> bool:
    """Section fronts and archives without dates, judged on the lines left after chrome,
    headline and captions are gone: several teasers cut off mid-sentence, or several
    headlines each standing before its teaser. Hard-wrapped pages (1990s Post archive) break
    lines mid-sentence everywhere, so only cut teasers count there."""
    filled = [ln for ln in body_lines if ln]
    if len(filled) < 3:
        return False
    # The capture itself may end mid-word: its last line is not a cut teaser.
    cut = sum(
        1
        for ln in filled[:-1]
        if len(ln) >= settings.TEASER_MIN_CHARS
        and (not ln.endswith(TERMINAL) or ln.endswith(("…", "...")))
    )
    # A teaser ends in an ellipsis where the site cut it; a story's paragraph does not.
    ellipses = sum(
        1
        for ln in filled[:-1]
        if ln.endswith(("…", "...")) and len(ln) >= settings.TEASER_MIN_CHARS
    )
    if cut >= settings.LISTING_MIN_CUT_TEASERS or ellipses:
        return True
    wrapped = sum(
        1
        for ln in filled
        if settings.WRAP_MIN_LINE <= len(ln) <= settings.WRAP_MAX_LINE and not ln.endswith(TERMINAL)
    )
    if wrapped / len(filled) > settings.WRAPPED_PAGE_SHARE:
        return False
    headlines = sum(
        1
        for n, ln in enumerate(filled[:-1])
        if 4 <= len(ln.split()) <= settings.MAX_HEADLINE_WORDS
        and ln[:1].isupper()
        and not ln.endswith(TERMINAL + NOT_HEADLINE_END)
        and (n == 0 or filled[n - 1].endswith(TERMINAL))
        and len(filled[n + 1].split()) >= settings.MIN_LEAD_WORDS
    )
    return headlines >= settings.LISTING_MIN_HEADLINES
