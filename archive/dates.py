"""Publication dates from the formats real captures use; a date is never invented."""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, timedelta, timezone

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
    day = parse_day(date_text)
    if day is None:
        return None
    if not 1900 <= day.year <= 2100:
        return None
    if not time_text:
        return day.isoformat()
    clock = parse_clock(time_text)
    if clock is None:
        return day.isoformat()
    stamp = datetime(day.year, day.month, day.day, *clock)
    offset = ZONES.get((zone or "ICT").upper(), 7)  # Cambodian outlets print local time
    return stamp.replace(tzinfo=timezone(timedelta(hours=offset))).isoformat()


# The shapes ANY_DATE and CLOCK match, read directly: dateutil's parser took a fiftieth of
# a capture's extraction for the one or two dates each has. tests/test_dates.py checks
# these readings against dateutil's on every shape; text of any other shape goes to it.
MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_ORDINAL = r"(?:st|nd|rd|th)?"
NAMED_DAY = re.compile(
    rf"(?:(?P<d1>\d{{1,2}}){_ORDINAL}\s+(?P<m1>[a-z]+)\s*,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>[a-z]+)\s+(?P<d2>\d{{1,2}}){_ORDINAL},?\s+(?P<y2>\d{{4}}))",
    re.I,
)
ISO_DAY = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
CLOCK_TIME = re.compile(r"(\d{1,2}):(\d\d)\s*(?:([ap])m)?", re.I)


def parse_day(date_text: str) -> date | None:
    """The calendar day of a date ANY_DATE matched ('14 December 2016', 'June 6th, 2017',
    '2016-12-14'), or None when there is no such day."""
    text = date_text.replace(".", " ")
    named = NAMED_DAY.fullmatch(text)
    if named and (named["m1"] or named["m2"]).lower() in MONTH_NUMBERS:
        day, month, year = named["d1"] or named["d2"], named["m1"] or named["m2"], named["y1"]
        return _day(int(year or named["y2"]), MONTH_NUMBERS[month.lower()], int(day))
    iso = ISO_DAY.fullmatch(text)
    if iso:  # year, month, day: dateutil's day-first reading swapped 2016-12-05 to 12 May
        return _day(int(iso[1]), int(iso[2]), int(iso[3]))
    try:
        return dateparser.parse(text, dayfirst=True, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def _day(year: int, month: int, day: int) -> date | None:
    """The date, or None when the day does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_clock(time_text: str) -> tuple[int, int] | None:
    """(hour, minute) of a clock time CLOCK matched ('06:07', '9:40pm', '11:41 p.m.'), or
    None when it is not a time of day."""
    text = time_text.replace(".", "")
    clock = CLOCK_TIME.fullmatch(text)
    if not clock:
        try:
            found = dateparser.parse(text)
        except (ValueError, OverflowError):
            return None
        return found.hour, found.minute
    hour, minute, half = int(clock[1]), int(clock[2]), (clock[3] or "").lower()
    if half:
        if not 0 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    return (hour, minute) if hour <= 23 and minute <= 59 else None


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
