"""Long reports (government and NGO): keep the heading structure, drop the table of contents."""

from __future__ import annotations

import re

from archive import settings
from archive.dates import find_date
from archive.lines import blocks_of, normalise
from archive.record import Section
from archive.textpage import rejoin

TOC_HEAD = re.compile(r"^(?:table of contents?|contents)$", re.I)
TOC_ENTRY = re.compile(r"^(?P<title>.+?)(?:\s*\.{2,}\s*|\s+)(?P<page>\d{1,3})$")
ROMAN_HEAD = re.compile(r"^(?P<num>[IVXL]+)\.\s+(?P<title>[A-Z].{1,90})$")
NUMBER_HEAD = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?\s+(?P<title>[A-Z].{1,90})$")
MD_HEAD = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*$")
# Openings of issuing bodies: a bold header block that starts this way names the source.
ISSUER = re.compile(
    r"^(?:permanent mission|ministry|office|royal government|kingdom|embassy|committee|"
    r"council|national|united nations|un |ohchr|licadho|adhoc|human rights watch|amnesty)",
    re.I,
)
SMALL_WORDS = {"of", "the", "to", "at", "and", "in", "on", "for", "a", "an", "by"}


def looks_like_report(text: str) -> bool:
    """Long text with a table of contents or many numbered headings."""
    if len(text) < settings.REPORT_MIN_CHARS:
        return False
    lines = normalise(text)
    if any(TOC_HEAD.match(ln.strip("*# ")) for ln in lines):
        return True
    heads = sum(1 for ln in lines if ROMAN_HEAD.match(ln) or MD_HEAD.match(ln))
    return heads >= settings.REPORT_MIN_HEADINGS


def title_case(text: str) -> str:
    """'CAMBODIA HUMAN RIGHTS SITUATIONER II' -> 'Cambodia Human Rights Situationer II'."""
    if not text.isupper():
        return text
    words = []
    for i, word in enumerate(text.lower().split()):
        if re.fullmatch(r"[ivxl]+", word):
            words.append(word.upper())
        elif i and word in SMALL_WORDS:
            words.append(word)
        else:
            words.append(word[:1].upper() + word[1:])
    return " ".join(words)


def heading_level(line: str, toc_titles: set[str]) -> int | None:
    """1 or 2 when the line is a heading of the report, else None."""
    if len(line.split()) > 14 or line.endswith((".", ",", ";")):
        return None
    md = MD_HEAD.match(line)
    if md:
        return min(len(md.group("hashes")), 3)
    if ROMAN_HEAD.match(line):
        return 1
    if NUMBER_HEAD.match(line):
        return 2
    if line.lower() in toc_titles:
        return 1
    return None


def parse_report(text: str) -> dict:
    """Title, issuer, date, body paragraphs and section offsets of a long report."""
    lines = [ln.replace("**", "").strip() for ln in normalise(text)]
    blocks = blocks_of(lines)
    front, toc_titles, body_blocks = [], set(), []
    in_toc = False
    for block in blocks:
        if TOC_HEAD.match(block[0].strip("# ")):
            in_toc = True
            block = block[1:]
            if not block:
                continue
        if in_toc and block and all(TOC_ENTRY.match(ln) for ln in block):
            toc_titles.update(strip_number(TOC_ENTRY.match(ln).group("title")) for ln in block)
            continue
        in_toc = False
        if not block:
            continue
        if not body_blocks and not toc_titles and len(" ".join(block).split()) < 25:
            front.append(" ".join(block))
            continue
        body_blocks.append(block)
    title, source = front_matter(front)
    paragraphs, sections = structure(body_blocks, toc_titles)
    return {
        "title": title,
        "source": source,
        "date": find_date("\n".join(front)) or find_date("\n".join(lines[:60])),
        "paragraphs": paragraphs,
        "sections": sections,
    }


def strip_number(title: str) -> str:
    """TOC title without its number: '1. UN Treaty Body' -> 'un treaty body'."""
    return re.sub(r"^(?:[IVXL]+|\d+(?:\.\d+)*)\.\s+", "", title.strip(" .")).lower()


def front_matter(front: list[str]) -> tuple[str | None, str | None]:
    """From the cover blocks: the issuing body and the report's own title."""
    title = source = None
    for block in front:
        if ISSUER.match(block) and source is None:
            source = title_case(block)
        elif title is None and block.isupper() and not re.search(r"\d{4}", block):
            title = title_case(block)
    return title, source


def structure(blocks: list[list[str]], toc_titles: set[str]) -> tuple[list[str], list[Section]]:
    """Paragraphs with headings kept as their own paragraphs, and each heading's offset."""
    paragraphs: list[str] = []
    sections: list[Section] = []
    offset = 0
    pending: list[list[str]] = []

    def flush():
        nonlocal offset
        for para in rejoin(pending):
            paragraphs.append(para)
            offset += len(para) + 2
        pending.clear()

    for block in blocks:
        level = heading_level(block[0], toc_titles) if len(block) == 1 else None
        if level is None:
            pending.append(block)
            continue
        flush()
        heading = MD_HEAD.sub(r"\g<title>", block[0])
        sections.append(Section(title=heading, level=level, offset=offset))
        paragraphs.append(heading)
        offset += len(heading) + 2
    flush()
    return paragraphs, sections
