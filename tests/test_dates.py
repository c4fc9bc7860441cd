"""Dates read from captures: the direct readings of ANY_DATE and CLOCK agree with dateutil."""

from __future__ import annotations

import itertools
import re

from dateutil import parser as dateparser

from archive import dates

MONTHS = [
    "Jan",
    "January",
    "Feb",
    "February",
    "Mar",
    "March",
    "Apr",
    "April",
    "May",
    "Jun",
    "June",
    "Jul",
    "July",
    "Aug",
    "August",
    "Sep",
    "Sept",
    "September",
    "Oct",
    "October",
    "Nov",
    "November",
    "Dec",
    "December",
]
# Days that exist in some months only, or in none; ordinals of every kind, right or wrong.
DAYS = ["0", "00", "1", "01", "9", "09", "12", "13", "28", "29", "30", "31", "32", "39"]
YEARS = ["1899", "1900", "2016", "2020", "2100", "2101"]


def dateutil_day(text: str):
    """What to_iso read before: dateutil's day-first parse of the text without dots."""
    try:
        return dateparser.parse(text.replace(".", " "), dayfirst=True, fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def dateutil_clock(text: str):
    """(hour, minute) as dateutil read a clock time."""
    try:
        found = dateparser.parse(text.replace(".", ""))
    except (ValueError, OverflowError):
        return None
    return found.hour, found.minute


def named_dates():
    """Every month spelling in three cases, with a dot or not, before and after the day,
    with and without a comma and an ordinal."""
    spellings = [s for m in MONTHS for s in (m, m.upper(), m.lower(), m + ".")]
    days = DAYS + [d + o for d in DAYS for o in ("st", "nd", "rd", "th")]
    for month, day, year in itertools.product(spellings, days, YEARS):
        comma = "," if len(day) % 2 else ""
        yield f"{day} {month}{comma} {year}"
        yield f"{month} {day}{comma}  {year}"


def test_named_dates_read_as_dateutil_reads_them():
    any_date = re.compile(dates.ANY_DATE, re.I)
    cases = [t for t in named_dates() if any_date.fullmatch(t)]
    assert len(cases) > 10_000
    differ = [(t, dates.parse_day(t), dateutil_day(t)) for t in cases]
    assert [d for d in differ if d[1] != d[2]] == []
    assert dates.to_iso("June 6th, 2017") == "2017-06-06"
    assert dates.to_iso("31 Feb 2016") is None
    assert dates.to_iso("1 May 1899") is None


def test_clock_times_read_as_dateutil_reads_them():
    clock = re.compile(dates.CLOCK, re.I)
    cases = [
        f"{h:0{width}d}:{m:02d}{half}"
        for h, m, width in itertools.product(range(30), range(0, 70, 3), (1, 2))
        for half in ("", "am", "pm", " am", " PM", "a.m.", " p.m.", "A.M", "pm.")
    ]
    cases = [t for t in cases if clock.fullmatch(t)]
    assert len(cases) > 5_000
    differ = [(t, dates.parse_clock(t), dateutil_clock(t)) for t in cases]
    assert [d for d in differ if d[1] != d[2]] == []
    assert dates.to_iso("14 December 2016", "06:07", "ICT") == "2016-12-14T06:07:00+07:00"
    assert dates.to_iso("14 December 2016", "13:00 pm") == "2016-12-14"


def test_iso_dates_are_year_month_day():
    # dateutil's day-first reading, which to_iso used, made 2016-12-05 the 12th of May.
    assert dates.find_date("Phnom Penh, 2016-12-05") == "2016-12-05"
    assert dates.find_date("Publication date 2016-12-05 | 06:07 ICT").startswith("2016-12-05T")
    assert dates.find_date("2016-13-05") is None
    assert dates.to_iso("2016-02-29") == "2016-02-29" and dates.to_iso("2017-02-29") is None
