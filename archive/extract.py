"""One file in, one Article out: dispatch on the file type, apply the sidecar, label the page."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from archive import settings
from archive.dates import parse_meta_date
from archive.decode import decode, file_extension, read_bytes
from archive.entities import analyse
from archive.htmlpage import parse_html
from archive.markdown import HEADING, markdown_to_text
from archive.pdfpage import pdf_text
from archive.record import Article, ExtractionError, web_url
from archive.report import looks_like_report, parse_report
from archive.sites import profile_for
from archive.textpage import clean_text_capture
from archive.topics import topics_for

TEXT_TYPES = (".txt", ".text")
HTML_TYPES = (".html", ".htm", ".xhtml")
MD_TYPES = (".md", ".markdown")
PDF_TYPES = (".pdf",)
SUPPORTED = TEXT_TYPES + HTML_TYPES + MD_TYPES + PDF_TYPES
SIDECAR_SUFFIX = ".meta.json"
KHMER = re.compile(r"[\u1780-\u17ff]")
CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


def is_sidecar(path: Path) -> bool:
    """True for NAME.meta.json files, which describe another file rather than being one."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def display_path(path: Path) -> str:
    """The path as users see it: relative to the working folder when inside it. Links are
    not resolved (a looping link has no real path; #15)."""
    rel = os.path.relpath(path)
    return (
        Path(rel).as_posix() if not rel.startswith("..") else Path(os.path.abspath(path)).as_posix()
    )


def capture_key(path: Path, root: Path | None = None, name: str | None = None) -> str:
    """A capture's stable name: the name of the folder it was ingested from (its own, or the
    one an index knows it by), then its path inside that folder ('raw/ppp-2016.txt'). Unlike a
    path from the working folder it is the same whichever folder a command runs from (#15);
    a file given alone is named under its own folder."""
    root = Path(os.path.abspath(root if root is not None else Path(path).parent))
    inside = Path(os.path.abspath(path)).relative_to(root)
    name = name or root.name or "root"
    return (Path(name) / inside).as_posix() if inside.parts else name


def record_id(source_path: str) -> str:
    """Stable id of a capture: the same capture key always gets the same id and link."""
    return hashlib.sha1(source_path.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def extract_file(path: Path | str, key: str | None = None) -> Article:
    """Extract one capture (named by its capture key); raises ExtractionError with a reason
    for bad input."""
    path = Path(path)
    ext = file_extension(path)
    if ext not in SUPPORTED:
        raise ExtractionError(f"unsupported file type {ext or '(none)'!r}")
    data = read_bytes(path)
    return extract_bytes(data, ext, key or capture_key(path), read_sidecar(path))


def extract_bytes(data: bytes, ext: str, source_path: str, sidecar: dict | None = None) -> Article:
    """Extract one capture's bytes of type `ext` (a file's, or a web archive record's)."""
    sidecar = sidecar or {}
    article = Article(source_path=source_path, id=record_id(source_path))
    article.content_hash = hashlib.sha256(data).hexdigest()
    if ext in PDF_TYPES:
        fill_from_pdf(article, data)
    elif ext in HTML_TYPES:
        fill_from_html(article, data, sidecar.get("url"))
    else:
        fill_from_text(article, decode(data), markdown=ext in MD_TYPES)
    apply_sidecar(article, sidecar)
    article.url = web_url(article.url)
    finish(article)
    return article


def fill_from_text(article: Article, text: str, markdown: bool = False) -> None:
    """Text and Markdown captures: a report keeps its structure, a page loses its chrome."""
    md_title = None
    if markdown:
        text, md_title = markdown_to_text(text)
    if looks_like_report(text):
        fill_from_report(article, text)
        article.title = article.title or md_title
        return
    if markdown:
        # The first heading is the title, already taken; other headings become plain lines.
        text = HEADING.sub(r"\1", re.sub(r"^#\s+.+$", "", text, count=1, flags=re.M))
    profile = profile_for(text)
    page = clean_text_capture(text, profile)
    article.title = md_title or page.title  # a Markdown heading is the headline for sure
    article.date = page.date
    article.section = page.section
    article.reporters = page.reporters
    article.captions = page.captions
    article.page_type = page.page_type
    article.source = page.source or profile.name or None
    article.body = "\n\n".join(page.paragraphs)


def fill_from_report(article: Article, text: str) -> None:
    """Long reports: title and issuer from the cover, sections with offsets."""
    report = parse_report(text)
    article.page_type = "report"
    article.title = report["title"]
    article.source = report["source"]
    article.date = report["date"]
    article.body = "\n\n".join(report["paragraphs"])
    article.sections = report["sections"]


def fill_from_html(article: Article, data: bytes, url_hint: str | None) -> None:
    """HTML pages, in the charset they declare when they declare one."""
    declared = CHARSET.search(data[:4096])
    html = decode(data, declared.group(1).decode("ascii", "replace") if declared else None)
    page = parse_html(html, url_hint)
    article.title = page["title"]
    article.url = page["url"]
    article.source = page["source"]
    article.section = page["section"]
    article.date = page["date"]
    article.reporters = page["reporters"]
    article.captions = page["captions"]
    article.body = "\n\n".join(page["paragraphs"])
    article.page_type = "listing" if page["listing"] else "article"
    if page["language"]:
        article.language = page["language"]


def fill_from_pdf(article: Article, data: bytes) -> None:
    """PDFs are reports or articles by their shape; document info fills the gaps."""
    text, info = pdf_text(data)
    fill_from_text(article, text)  # decides report or article by the text's shape
    article.title = article.title or info["title"]
    article.date = article.date or info["date"]
    if not article.reporters and info["author"]:
        article.reporters = [info["author"]]


# The fields a sidecar may carry and the JSON types each accepts; others are ignored.
SIDECAR_FIELDS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "source": (str,),
    "section": (str,),
    "title": (str,),
    "reporters": (str, list),
    "date": (str,),
    "language": (str,),
    "fetched": (str,),
}
SIDECAR_KEYS = tuple(SIDECAR_FIELDS)


def read_sidecar(path: Path) -> dict:
    """The crawler's NAME.meta.json (by stem or full name) next to the file, checked against
    SIDECAR_FIELDS, or {}."""
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    for candidate in (
        path.with_name(name + SIDECAR_SUFFIX),
        path.with_name(Path(name).stem + SIDECAR_SUFFIX),
    ):
        try:
            if not candidate.is_file():
                continue
            size = candidate.stat().st_size
        except OSError:
            continue  # e.g. the name with the suffix is too long for the file system
        if size > settings.MAX_SIDECAR_BYTES:
            raise ExtractionError(
                f"sidecar {candidate.name} is too large ({size:,} bytes; a sidecar holds a few "
                f"fields, limit {settings.MAX_SIDECAR_BYTES // 1024} KB)"
            )
        try:
            data = json.loads(candidate.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise ExtractionError(f"unreadable sidecar {candidate.name}: {exc}") from exc
        if not isinstance(data, dict):
            raise ExtractionError(f"sidecar {candidate.name} is not a JSON object")
        problems = sidecar_problems(data)
        if problems:
            raise ExtractionError(f"sidecar {candidate.name}: " + "; ".join(problems))
        return data
    return {}


def sidecar_problems(data: dict) -> list[str]:
    """One reason per sidecar field of the wrong type or size."""
    problems = []
    for key, kinds in SIDECAR_FIELDS.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, kinds) or isinstance(value, bool):
            wanted = " or ".join("a list of strings" if k is list else "a string" for k in kinds)
            problems.append(f"'{key}' must be {wanted}, not {type(value).__name__}")
            continue
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in items):
            problems.append(f"'{key}' must hold strings only")
        elif any(len(item) > settings.MAX_SIDECAR_VALUE for item in items):
            problems.append(f"'{key}' is longer than {settings.MAX_SIDECAR_VALUE} characters")
    return problems


def apply_sidecar(article: Article, sidecar: dict) -> None:
    """What the crawler knew wins over what extraction guessed (values already checked)."""
    for key in SIDECAR_KEYS:
        value = sidecar.get(key)
        if value in (None, "", []):
            continue
        if key == "reporters":
            article.reporters = [value] if isinstance(value, str) else list(value)
        elif key == "date":
            article.date = parse_meta_date(value) or article.date
        else:
            setattr(article, key, value.strip())


def finish(article: Article) -> None:
    """Checks and labels every record gets, whatever its type."""
    if len(article.body) < settings.MIN_BODY_CHARS and article.page_type != "listing":
        raise ExtractionError("no article text found")
    if not article.language or article.language == "en":
        article.language = detect_language(article.body)
    if article.page_type != "listing":
        found = analyse(article.title, article.body, article.reporters)
        article.people = found.people
        article.organisations = found.organisations
        article.speakers = found.speakers
        article.quotes = found.quotes
        article.topics = topics_for(article.title, article.body)


def detect_language(text: str) -> str:
    """'km' when Khmer script dominates the letters, else 'en'."""
    sample = text[:5000]
    if not KHMER.search(sample):
        return "en"
    letters = sum(1 for ch in sample if ch.isalpha())
    khmer = len(KHMER.findall(sample))
    return "km" if letters and khmer / letters > 0.3 else "en"
