"""The Article record: the one contract between extraction, indexing and the web UI."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields


def web_url(value: object) -> str | None:
    """An http(s) URL, or None: only these may become links (#15: `javascript:` URLs)."""
    text = str(value).strip() if value is not None else ""
    return text if re.match(r"https?://[^\s/]", text, re.I) else None


class ExtractionError(Exception):
    """Expected bad input: the file is reported by name with this reason and skipped."""


@dataclass
class Quote:
    """One thing a person said, directly ("...") or reported (said that ...)."""

    speaker: str
    text: str
    kind: str = "direct"  # "direct" | "reported"
    role: str | None = None
    # How this article wrote the speaker's name ("Samdech Hun Sen", "Kheng"): name variants.
    as_written: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain dict in the documented key order."""
        return {
            "speaker": self.speaker,
            "role": self.role,
            "text": self.text,
            "kind": self.kind,
            "as_written": self.as_written,
        }


@dataclass
class Section:
    """A heading of a long report and where its text starts in the body."""

    title: str
    level: int
    offset: int  # character offset of the heading inside Article.body

    def as_dict(self) -> dict:
        """Plain dict."""
        return asdict(self)


@dataclass
class Article:
    """One extracted capture; every stage reads and writes exactly these fields."""

    source_path: str
    id: str
    body: str = ""
    title: str | None = None
    url: str | None = None
    source: str | None = None
    section: str | None = None
    page_type: str = "article"
    date: str | None = None  # ISO 8601: "2016-12-14T06:07:00+07:00" or "2016-12-14"
    date_inferred: bool = False
    date_reason: str | None = None
    # When a web archive captured the page (its WARC-Date), ISO 8601; never the page's date.
    fetched: str | None = None
    reporters: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    language: str = "en"
    sections: list[Section] = field(default_factory=list)
    content_hash: str = ""
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain JSON-ready dict, keys in a stable order."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("quotes", "sections"):
                value = [item.as_dict() for item in value]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        """Rebuild a record from as_dict() output; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["quotes"] = [Quote(**q) for q in data.get("quotes", [])]
        kwargs["sections"] = [Section(**s) for s in data.get("sections", [])]
        return cls(**kwargs)

    @property
    def year(self) -> int | None:
        """Publication year, or None when the capture carries no date."""
        return int(self.date[:4]) if self.date else None

    @property
    def lede(self) -> str:
        """First paragraph of the body, what a UI shows when there is no headline."""
        return self.body.split("\n\n", 1)[0] if self.body else ""
