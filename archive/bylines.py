"""Reporter bylines: 'Reporter : A and B', 'By X', 'Written by', sign-offs, 'Compiled By'."""

from __future__ import annotations

import re

NAME_WORD = r"[A-Z][\w'’.-]*"
NAME = rf"{NAME_WORD}(?:\s+{NAME_WORD}){{0,4}}"
NAMES = rf"{NAME}(?:\s*(?:,|&|\band\b)\s*{NAME})*"

# Whole lines that are bylines; group "names" holds the list, "outlet" an agency/outlet.
BYLINE_LINES = (
    re.compile(rf"^\s*Reporters?\s*:\s*(?P<names>{NAMES})\s*$"),
    re.compile(
        rf"^\s*(?:Written|Compiled|Reported|Story)\s+by\s*:?\s*(?P<names>{NAMES})"
        rf"(?:\s*/\s*(?P<outlet>[\w .]+?))?"
        # Khmer Times prints its comment count and share bar on the byline's line.
        rf"(?:\s+(?:no|\d+)\s+comments?)?(?:\s+share:?)?\s*$",
        re.I,
    ),
    re.compile(rf"^\s*By\s+(?P<names>{NAMES})(?:\s*/\s*(?P<outlet>[\w .]+))?\s*$"),
    # Sign-offs and credits at the end: "Contact author: Meas Sokchea",
    # "(Additional reporting by Ben Sokhean)"
    re.compile(rf"^\s*Contact (?:the )?authors?\s*:\s*(?P<names>{NAMES})\s*$", re.I),
    re.compile(rf"^\s*\(?\s*Additional reporting by\s+(?P<names>{NAMES})\s*\.?\)?\s*$", re.I),
    # A bulleted byline: "• Gerald Flynn and Phoung Vantha" (Cambodianess)
    re.compile(rf"^\s*[•·]\s*(?P<names>{NAMES})\s*$"),
    # A sign-off at the end of a story: "— Sok Chan" or "- Reuters"
    re.compile(rf"^\s*[—–-]\s*(?P<names>{NAMES})\s*$"),
)
# Not people: agencies, and words that follow "By" in ordinary sentences.
NOT_NAMES = {
    "the",
    "staff",
    "post staff",
    "reuters",
    "afp",
    "ap",
    "xinhua",
    "agencies",
    "ppp",
    "voa",
    "voa khmer",
    "rfa",
    "vod",
    "camboja",
    "the cambodia daily",
    "khmer times",
}
# Photographers and interviewers are named in bylines but are not reporters.
NOT_REPORTER = re.compile(r"^\s*(?:photos?|pictures?|interview(?:ed)?)\b", re.I)


def split_names(names: str) -> list[str]:
    """'A, B and C' -> ['A', 'B', 'C'], dropping agencies and junk."""
    out = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", names):
        part = re.sub(r"\s+", " ", part).strip(" .")
        if part and part.lower() not in NOT_NAMES and len(part.split()) <= 5:
            out.append(part)
    return out


def match_byline(line: str) -> tuple[list[str], str | None] | None:
    """(reporters, outlet) when the whole line is a byline, else None."""
    if len(line) > 160 or NOT_REPORTER.match(line):
        return None
    for pattern in BYLINE_LINES:
        match = pattern.match(line)
        if match:
            names = split_names(match.group("names"))
            outlet = match.groupdict().get("outlet")
            if names or outlet:
                return names, outlet.strip() if outlet else None
    return None
