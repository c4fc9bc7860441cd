"""Text captures (a page's text as saved, chrome included): chrome out, metadata and body in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive import settings
from archive.bylines import match_byline
from archive.dates import ANY_DATE, find_date
from archive.sites import SiteProfile

TERMINAL = tuple('.!?"”’:;)…')
SECTION_LABEL = re.compile(r"^[A-Z][\w&' -]{1,30}$")
CREDIT = re.compile(r"^(?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’.-]+$")
TEASER_DATE = re.compile(
    rf"(?:^|\s|[|•·-])(?:{ANY_DATE}|\d+\s+(?:hours?|days?|weeks?)\s+ago)\s*$", re.I
)
# A byline inside the story ("Compiled By A and B / Khmer Times") is a short line of names.
MAX_BYLINE_WORDS = 14
DATE_LINE = re.compile(rf"[\w ,|:]*{ANY_DATE}[\w ,|:]*")
NEW_SENTENCE = re.compile(r"[“‘\"'(\[]?[A-Z0-9]")
WS = re.compile(r"[ \t\u00a0\u200b]+")


@dataclass
class Page:
    """What a text capture yields before it becomes an Article."""

    title: str | None = None
    date: str | None = None
    section: str | None = None
    reporters: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    page_type: str = "article"
    source: str | None = None


def normalise(text: str) -> list[str]:
    """Lines with unified newlines and spaces, trailing blanks removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return [WS.sub(" ", line).strip() for line in text.split("\n")]


def key(text: str | None) -> str:
    """Comparison key: lower-case letters and digits only (headline repeats differ in quotes)."""
    return re.sub(r"\W+", "", (text or "").lower())


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


def find_title(lines: list[str], profile: SiteProfile) -> str | None:
    """Headline from the outlet's title-bearing chrome lines near the top, or None."""
    for line in [ln for ln in lines if ln][:12]:
        found = matches(profile.rx("title_lines"), line)
        if found and found.group(1).strip():
            return found.group(1).strip()
    # Without outlet chrome: a short first line repeated as its own line later is a headline.
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


class Cleaner:
    """One pass over a text capture's lines, sorting each into chrome, metadata or body."""

    def __init__(self, lines: list[str], profile: SiteProfile):
        self.lines = lines
        self.profile = profile
        self.page = Page(title=find_title(lines, profile))
        self.body_lines: list[str] = []
        self.header_text: list[str] = []
        self.body_started = False
        self.expect_caption = False
        self.after_more_topic = False
        self.after_caption = False

    def run(self) -> Page:
        """Classify every line, then rebuild paragraphs from what is left."""
        i = 0
        while i < len(self.lines):
            line = self.lines[i]
            if not line:
                self.body_lines.append("")
                i += 1
                continue
            if self.is_terminator(line):
                if self.body_started:
                    break
                i += 1
                continue
            i += self.classify(line, i)
        header = "\n".join(self.header_text + [self.page.title or ""])
        self.page.date = self.page.date or find_date(header)
        self.page.paragraphs = rejoin(blocks_of(self.body_lines))
        return self.page

    def is_terminator(self, line: str) -> bool:
        """Widget headings and paywall notices that end the story."""
        return bool(matches(self.profile.rx("terminators"), line))

    def classify(self, line: str, i: int) -> int:
        """Handle one non-blank line; returns how many lines it consumed."""
        page, profile = self.page, self.profile
        if matches(profile.rx("title_lines"), line) or (
            page.title and key(line) == key(page.title)
        ):
            return 1
        if matches(profile.rx("caption_markers"), line):
            self.expect_caption = True
            return 1
        if re.match(r"^more topics?$", line, re.I):
            self.after_more_topic = True
            return 1
        if matches(profile.rx("chrome_lines"), line):
            return 1
        if not self.body_started:
            consumed = self.header_line(line, i)
            if consumed:
                return consumed
        byline = match_byline(line)
        if byline and (not self.body_started or len(line.split()) <= MAX_BYLINE_WORDS):
            self.add_reporters(*byline)
            return 1
        if self.expect_caption or (self.after_more_topic and self.is_caption_shaped(line, i)):
            page.captions.append(line)
            self.expect_caption = self.after_more_topic = False
            self.after_caption = True
            return 1
        if self.after_caption and CREDIT.match(line):
            self.after_caption = False  # a photographer credit under the caption
            return 1
        self.after_caption = False
        if len(line.split()) >= 8 or line.endswith(TERMINAL):
            self.body_started = True
        else:
            self.header_text.append(line)
        self.body_lines.append(line)
        return 1

    def header_line(self, line: str, i: int) -> int:
        """Metadata lines before the story starts: date, section label, lone dates."""
        if re.match(r"^publication date\b", line, re.I):
            nxt = self.next_nonblank(i)
            joined = line + (" " + self.lines[nxt] if nxt is not None else "")
            self.page.date = self.page.date or find_date(joined)
            self.take_section_label()
            if (
                nxt is not None
                and re.search(ANY_DATE, self.lines[nxt])
                and not re.search(ANY_DATE, line)
            ):
                return nxt - i + 1
            return 1
        if len(line) < 60 and DATE_LINE.fullmatch(line):
            self.header_text.append(line)
            self.take_section_label()
            return 1
        return 0

    def take_section_label(self) -> None:
        """The short label kept just before 'Publication date' is the section, not body."""
        for j in range(len(self.body_lines) - 1, -1, -1):
            candidate = self.body_lines[j]
            if not candidate:
                continue
            if SECTION_LABEL.match(candidate) and len(candidate.split()) <= 3:
                self.page.section = self.page.section or candidate
                del self.body_lines[j]
            return

    def add_reporters(self, names: list[str], outlet: str | None) -> None:
        """Record byline names once each, in order."""
        for name in names:
            if name not in self.page.reporters:
                self.page.reporters.append(name)
        if outlet:
            self.page.source = self.page.source or outlet

    def next_nonblank(self, i: int) -> int | None:
        """Index of the next non-blank line after i."""
        for j in range(i + 1, min(i + 4, len(self.lines))):
            if self.lines[j]:
                return j
        return None

    def is_caption_shaped(self, line: str, i: int) -> bool:
        """A one-sentence line right after the metadata block, with more text to follow."""
        return (
            len(line.split()) <= settings.MAX_CAPTION_WORDS
            and self.next_nonblank(i) is not None
            and line.count(". ") == 0
        )


def split_block(block: list[str]) -> list[str]:
    """A block's paragraphs: captures that keep one paragraph a line with no blank line
    between them break where a line ends a sentence and the next starts a new one; lines
    broken mid-sentence (hard wraps) join."""
    parts = [block[0]]
    for line in block[1:]:
        if parts[-1].endswith(TERMINAL) and NEW_SENTENCE.match(line):
            parts.append(line)
        else:
            parts[-1] += " " + line
    return parts


def rejoin(blocks: list[list[str]]) -> list[str]:
    """Real paragraphs from blocks: unwrap hard-wrapped lines, glue split drop caps."""
    paragraphs: list[str] = []
    for text in (part for block in blocks for part in split_block(block)):
        if paragraphs and continues(paragraphs[-1], text):
            glue = "" if re.fullmatch(r"[A-Z]", paragraphs[-1]) else " "
            paragraphs[-1] = paragraphs[-1] + glue + text
        else:
            paragraphs.append(text)
    return paragraphs


def continues(previous: str, text: str) -> bool:
    """True when `text` is the rest of a sentence broken off in `previous`."""
    if re.fullmatch(r"[A-Z]", previous):  # a split drop cap: "V" + "an Ra never..."
        return text[:1].islower()
    if previous.endswith(TERMINAL):
        return False
    if text[:1].islower():
        return True
    return len(previous) >= settings.WRAP_MIN_LINE and not text[:1].isdigit()


def is_listing(paragraphs: list[str]) -> bool:
    """Section fronts and archives: many short teasers, each with its own date."""
    if not paragraphs:
        return False
    dated = sum(1 for p in paragraphs if TEASER_DATE.search(p) and len(p) < 300)
    words = sorted(len(p.split()) for p in paragraphs)
    return (
        dated >= settings.LISTING_MIN_DATES
        and dated / len(paragraphs) >= settings.LISTING_DATE_SHARE
        and words[len(words) // 2] < 30
    )


def clean_text_capture(text: str, profile: SiteProfile) -> Page:
    """Run the cleaner over a text capture and decide whether it is a listing page."""
    lines = normalise(text)
    page = Cleaner(lines, profile).run()
    if is_listing(page.paragraphs) or is_listing([" ".join(b) for b in blocks_of(lines)]):
        page.page_type = "listing"
    return page
