"""Text captures (a page's text as saved, chrome included): chrome out, metadata and body in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive import settings
from archive.bylines import match_byline
from archive.dates import ANY_DATE, find_date
from archive.headlines import find_title
from archive.lines import (
    DATE_LINE,
    TERMINAL,
    TIMESTAMP,
    blocks_of,
    has_caption_credit,
    key,
    line_keys,
    normalise,
)
from archive.listings import PUBLICATION_DATE, is_listing, looks_like_teasers
from archive.sites import CAPTURE_DATE_PREFIX, LISTING_LINES, SiteProfile

SECTION_LABEL = re.compile(r"^[A-Z][\w&' -]{1,30}$")
CREDIT = re.compile(r"^(?:[A-Z][\w'’.-]+\s+){0,3}[A-Z][\w'’.-]+$")
# An image's file name left as text: "2017 06 04 PHOTO 00000219", "123 1".
IMAGE_SLUG_TOKEN = re.compile(r"\d+|[A-Za-z]")
NAMED_SLUG = re.compile(r"\d+(?:\s+[A-Za-z]+)*\s+[a-z]+")
LONGEST_SLUG = max(settings.MAX_SLUG_TOKENS, settings.MAX_NAMED_SLUG_TOKENS)
# Sponsor and logo rows before the story: a run of capitalised words and nothing else.
LOGO_ROW = re.compile(r"^(?:[A-Z][\w&'’.-]*\s+){2,}[A-Z][\w&'’.-]*$")
# A byline inside the story ("Compiled By A and B / Khmer Times") is a short line of names.
MAX_BYLINE_WORDS = 14
# A prose byline in a standfirst: "Jason Barber and Bou Saroeun describe ...",
# "Poppy McPherson and Will Jackson report."
PROSE_BYLINE = re.compile(
    r"(?:^|[.!?,]\s+)(?P<names>(?:[A-Z][\w’'-]+\s+){1,3}[A-Z][\w’'-]+"
    r"(?:\s*,\s*(?:[A-Z][\w’'-]+\s+){1,3}[A-Z][\w’'-]+)*\s+and\s+(?:[A-Z][\w’'-]+\s+){1,3}"
    r"[A-Z][\w’'-]+)\s+(?:report|describe|write|explain|look|examine)s?\b"
)
NEW_SENTENCE = re.compile(r"[“‘\"'(\[]?[A-Z0-9]")


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


def near_duplicates(lines: list[str], keys: list[str]) -> tuple[set[int], set[int]]:
    """(alt-text lines, caption lines): a photo's alt text repeats its caption on a
    neighbouring line, whole or cut short, in other case or quotes; the longer is the
    caption, the shorter (or first) one is chrome. A line that is a cut-short copy of any
    earlier line is alt text too, however far apart (an exact repeat far away may be a
    repeated body line, and stays)."""
    alt, captions = set(), set()
    filled = [i for i, ln in enumerate(lines) if ln]
    # Earlier lines by the start of their key: a cut-short copy shares it.
    earlier: dict[str, list[tuple[int, str]]] = {}
    for n, i in enumerate(filled):
        a = keys[i]
        if len(a) < settings.MIN_DUPLICATE_KEY:
            continue
        head = a[: settings.MIN_DUPLICATE_KEY]
        longer = [m for m, b in earlier.get(head, ()) if len(b) > len(a) and b.startswith(a)]
        if longer:  # the line it copies is a caption: alt text repeats captions
            alt.add(i)
            captions.update(longer)
        earlier.setdefault(head, []).append((i, a))
        for j in filled[n + 1 : n + 1 + settings.DUPLICATE_WINDOW]:
            b = keys[j]
            if b.startswith(a) or a.startswith(b) and len(b) >= settings.MIN_DUPLICATE_KEY:
                short, long = (j, i) if len(b) < len(a) else (i, j)
                alt.add(short)
                captions.add(long)
                break
    return alt, captions - alt


def is_image_slug(line: str) -> bool:
    """A short line made mostly of numbers: an image's file name, not text."""
    tokens = line.split()
    if len(tokens) > LONGEST_SLUG:  # most lines: text, whatever their tokens are
        return False
    numeric = sum(1 for t in tokens if IMAGE_SLUG_TOKEN.fullmatch(t))
    has_number = any(t.isdigit() for t in tokens)  # a lone letter is a split drop cap
    if has_number and len(tokens) <= settings.MAX_SLUG_TOKENS and numeric * 2 > len(tokens):
        return True
    # "2 Kem sokha": a number, then words ending in a lower-case one, no punctuation: a file
    # name with spaces (a heading would capitalise it, a sentence would end with a stop).
    return len(tokens) <= settings.MAX_NAMED_SLUG_TOKENS and bool(NAMED_SLUG.fullmatch(line))


def credit_lines(lines: list[str]) -> set[int]:
    """Lone photographer names and image slugs ('7 garment will baxter') printed above a
    caption that ends with its credit."""
    found = set()
    filled = [i for i, ln in enumerate(lines) if ln]
    for i, j in zip(filled, filled[1:], strict=False):
        if (
            len(lines[i].split()) <= settings.MAX_CREDIT_WORDS
            and not lines[i].endswith(TERMINAL)
            and has_caption_credit(lines[j])
        ):
            found.add(i)
    return found


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
        self.keys = line_keys(lines)  # key() of each line
        self.alt_lines, self.caption_lines = near_duplicates(lines, self.keys)
        self.credit_lines = credit_lines(lines)
        self.unwanted = self.alt_lines | self.credit_lines
        self.stamps = 0  # live-blog entry stamps seen: a live blog is one story

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
        return bool(self.profile.any_rx("terminators").match(line))

    def classify(self, line: str, i: int) -> int:
        """Handle one non-blank line; returns how many lines it consumed."""
        page, profile, line_key = self.page, self.profile, self.keys[i]
        if profile.any_rx("title_lines").match(line) or (
            page.title and line_key == key(page.title)
        ):
            return 1
        if (
            page.title
            and len(line_key) > len(key(page.title))
            and line_key.startswith(key(page.title))
        ):  # a photo line: the headline, then the caption (RFA)
            page.captions.append(line)
            self.after_caption = True
            return 1
        if profile.any_rx("caption_markers").match(line):
            self.expect_caption = True
            return 1
        if re.match(r"^more topics?$", line, re.I):
            self.after_more_topic = True
            return 1
        if profile.any_rx("chrome_lines").match(line) or i in self.unwanted or is_image_slug(line):
            return 1
        if (
            not self.body_started
            and LOGO_ROW.match(line)
            and line_key != key(page.title)
            and not match_byline(line)
        ):
            return 1
        if i in self.caption_lines or (
            has_caption_credit(line) and len(line.split()) <= settings.MAX_CAPTION_WORDS
        ):
            page.captions.append(line)
            return 1
        if TIMESTAMP.fullmatch(line):  # a live-blog entry: its first stamp dates the page
            page.date = page.date or find_date(line)
            self.stamps += 1
            if not self.body_started:
                self.take_section_label()
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


def clean_text_capture(text: str, profile: SiteProfile) -> Page:
    """Run the cleaner over a text capture and decide whether it is a listing page."""
    prefix = CAPTURE_DATE_PREFIX.match(text)
    if prefix:  # the crawl store's metadata, not the page's text
        text = text[prefix.end() :]
    lines = normalise(text)
    cleaner = Cleaner(lines, profile)
    page = cleaner.run()
    if prefix:
        page.date = prefix.group(1)
    if not page.reporters:
        page.reporters = prose_byline("\n".join(page.paragraphs[:3]))
    if (
        is_listing(page.paragraphs)
        or is_listing([" ".join(b) for b in blocks_of(lines)])
        or any(LISTING_LINES.match(ln) for ln in lines[:8])
        or sum(1 for ln in lines if PUBLICATION_DATE.match(ln)) >= settings.LISTING_MIN_DATELINES
        or (not cleaner.stamps and looks_like_teasers(cleaner.body_lines))
    ):
        page.page_type = "listing"
    return page


def prose_byline(text: str) -> list[str]:
    """Reporters named in a standfirst's prose byline, or []."""
    found = PROSE_BYLINE.search(text)
    return re.split(r"\s*,\s*|\s+and\s+", found.group("names")) if found else []
