"""Markdown captures to plain text lines the text cleaner understands."""

from __future__ import annotations

import re

IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|_)(\S(?:.*?\S)?)\1")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$", re.M)


def markdown_to_text(text: str) -> tuple[str, str | None]:
    """Plain text and the first '# ' heading (the document's title, if it has one)."""
    first = re.search(r"^#\s+(.+?)\s*#*$", text, re.M)
    text = IMAGE.sub("", text)
    text = LINK.sub(r"\1", text)
    text = EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s*>\s?", "", text, flags=re.M)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.M)
    return text, first.group(1).strip() if first else None
