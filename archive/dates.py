"""Publication dates from the formats real captures use; a date is never invented."""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timedelta, timezone

from dateutil import parser as dateparser
from dateutil.parser import UnknownTimezoneWarning

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|"
    r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DAY = r"\d{1,2}(?:st|nd|rd|th)?"  # "June 6th, 2017" on live blogs
DAY_MONTH_YEAR = rf"{DAY}\s+{MONTH},?\s+(?:19|20)\d\d"
MONTH_DAY_YEAR = rf"{MONTH}\s+{DAY},?\s+(?:19|20)\d\d"
ISO_DATE = r"(?:19|20)\d\d-[01]\d-[0-3]\d"
ANY_DATE = rf"(?:{DAY_MONTH_YEAR}|{MONTH_DAY_YEAR}|{ISO_DATE})"
CLOCK = r"\d{1,2}:\d\d(?:\s*[ap]\.?m\.?)?"
# Bullets before a byline date: "  • July 8, 2020 3:51 AM" (Cambodianess).
BULLET = r"[•·*-]?\s*"
# Zones the captures name; ICT (Indochina Time) is the Post's own.
ZONES = {"ICT": 7, "UTC": 0, "GMT": 0}

# Tried in order; the first that matches wins. Each names its capture groups.
PATTERNS = (
    # "Publication date 14 December 2016 | 06:07 ICT" (one line or two)
    re.compile(
        rf"Publication date\s*(?P<date>{ANY_DATE})(?:\s*\|\s*(?P<time>{CLOCK}))?"
        rf"(?:\s*(?P<zone>ICT|UTC|GMT))?",
        re.I,
    ),
    # "9:40pm, Thursday 16 November 2017"
    re.compile(rf"(?P<time>{CLOCK}),?\s+(?:[A-Z][a-z]+day,?\s+)?(?P<date>{ANY_DATE})", re.I),
    # "Wed, 18 May 2022 | 09:44"
    re.compile(
        rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+(?P<date>{ANY_DATE})"
        rf"(?:\s*\|\s*(?P<time>{CLOCK}))?(?:\s*(?P<zone>ICT|UTC|GMT))?"
    ),
    # Datelines: "Geneva, 09 February 2021", "Police Blotter: 11 Apr 2013"
    re.compile(rf"^[「\[(*\s]*[A-Z][\w .'-]{{1,40}}[,:]\s+(?P<date>{ANY_DATE})\b", re.M),
    # A line that is only a date, possibly with a time after a bar, a comma or a space.
    re.compile(
        rf"^\s*{BULLET}(?P<date>{ANY_DATE})(?:\s*[|,]?\s*(?P<time>{CLOCK}))?"
        rf"(?:\s*(?P<zone>ICT|UTC|GMT))?\s*$",
        re.M | re.I,
    ),
)


def find_date(header: str) -> str | None:
    """ISO date (with time and offset when given) from a capture's header text, or None."""
    for pattern in PATTERNS:
        match = pattern.search(header)
        if match:
            iso = to_iso(match.group("date"), _group(match, "time"), _group(match, "zone"))
            if iso:
                return iso
    return None


def _group(match: re.Match, name: str) -> str | None:
    """A named group's value, or None where the pattern lacks the group."""
    return match.groupdict().get(name)


def to_iso(date_text: str, time_text: str | None = None, zone: str | None = None) -> str | None:
    """Normalise one matched date (and optional clock time and zone) to ISO 8601."""
    try:
        day = dateparser.parse(date_text.replace(".", " "), dayfirst=True, fuzzy=False)
    except (ValueError, OverflowError):
        return None
    if not 1900 <= day.year <= 2100:
        return None
    if not time_text:
        return day.date().isoformat()
    try:
        clock = dateparser.parse(time_text.replace(".", ""))
    except (ValueError, OverflowError):
        return day.date().isoformat()
    stamp = day.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
    offset = ZONES.get((zone or "ICT").upper(), 7)  # Cambodian outlets print local time
    return stamp.replace(tzinfo=timezone(timedelta(hours=offset))).isoformat()


def parse_meta_date(value: str | None) -> str | None:
    """ISO date from a structured source (HTML meta, JSON-LD, sidecar), or None."""
    if not value:
        return None
    with warnings.catch_warnings():
        # "EST" and friends: dateutil warns and drops the zone; the calendar day is kept.
        warnings.simplefilter("ignore", UnknownTimezoneWarning)
        return _parse_meta_date(value)


def _parse_meta_date(value: str) -> str | None:
    """parse_meta_date without the warning filter."""
    try:
        stamp = dateparser.isoparse(value.strip())
    except (ValueError, OverflowError):
        try:
            stamp = dateparser.parse(value, fuzzy=False)
        except (ValueError, OverflowError):
            return None
    if not 1900 <= stamp.year <= 2100:
        return None
    if isinstance(stamp, datetime) and (stamp.hour or stamp.minute or stamp.tzinfo):
        return stamp.isoformat()
    return stamp.date().isoformat()
