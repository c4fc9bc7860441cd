"""HTML captures: metadata from markup, the body from trafilatura plus the outlet's profile."""

from __future__ import annotations

import json
import re

import trafilatura
from bs4 import BeautifulSoup

from archive import settings
from archive.bylines import split_names
from archive.dates import find_date, parse_meta_date
from archive.lines import matches, normalise
from archive.sites import SiteProfile, profile_for
from archive.textpage import Cleaner

# Metadata in priority order: structured markup first, the <title> tag last.
TITLE_META = ("og:title", "twitter:title", "dc.title")
DATE_META = (
    "article:published_time",
    "datePublished",
    "dc.date",
    "pubdate",
    "date",
    "og:published_time",
    "publish-date",
    "sailthru.date",
)
AUTHOR_META = ("author", "article:author", "dc.creator", "byl", "sailthru.author")
SECTION_META = ("article:section", "section", "og:section")


META_ATTRS = ("property", "name", "itemprop")


def meta_index(soup: BeautifulSoup) -> dict[tuple[str, str], str]:
    """The content of the first <meta> tag for each (attribute, lower-cased value), read in
    one pass over the page (a BeautifulSoup find() per name walks the whole tree)."""
    index: dict[tuple[str, str], str] = {}
    for tag in soup.find_all("meta"):
        for attr in META_ATTRS:
            value = tag.get(attr)
            if isinstance(value, str):
                content = tag.get("content", "")
                content = content if isinstance(content, str) else " ".join(content)
                for key in {value.lower(), value.lower().removesuffix("\n")}:
                    index.setdefault((attr, key), content)
    return index


def meta(index: dict[tuple[str, str], str], names: tuple[str, ...]) -> str | None:
    """First non-empty <meta> content among names (matching name=, property= or itemprop=,
    case-insensitively); only the first tag carrying a name counts, as with find()."""
    for name in names:
        for attr in META_ATTRS:
            content = index.get((attr, name.lower()), "").strip()
            if content:
                return content
    return None


def json_ld(soup: BeautifulSoup) -> dict:
    """The first schema.org NewsArticle-like object in the page's JSON-LD, or {}."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
            kind = item.get("@type", "")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(str(k).endswith(("Article", "Posting", "Report")) for k in kinds):
                return item
    return {}


def ld_authors(item: dict) -> list[str]:
    """Author names from a JSON-LD item (a string, a dict, or a list of either)."""
    authors = item.get("author") or []
    authors = authors if isinstance(authors, list) else [authors]
    names = []
    for author in authors:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str):
            names.extend(split_names(name))
    return names


def strip_site_suffix(title: str, profile: SiteProfile) -> str:
    """'Headline | Outlet' -> 'Headline' using the profile's title patterns."""
    found = matches(profile.rx("title_lines"), title)
    if found:
        return found.group(1).strip()
    return re.split(r"\s+[|–—]\s+", title)[0].strip() if " | " in title else title.strip()


def extract_body(html: str) -> str:
    """Main text: trafilatura tuned for precision, escalating to recall when it cut too much."""
    kwargs = {"include_comments": False, "include_tables": True, "deduplicate": False}
    text = trafilatura.extract(html, favor_precision=True, **kwargs) or ""
    if len(text) < settings.ESCALATE_MIN_CHARS:
        fuller = trafilatura.extract(html, favor_recall=True, **kwargs) or ""
        # Only take the recall pass when it finds substantially more text.
        if len(text) < settings.ESCALATE_RATIO * len(fuller):
            text = fuller
    return text


def profile_body(soup: BeautifulSoup, profile: SiteProfile) -> str | None:
    """Body from the outlet's known article container, when the page has one."""
    for selector in profile.body_selectors:
        node = soup.select_one(selector)
        if node is None:
            continue
        # Chrome removed in one walk of the tree for all the drop selectors, not one walk
        # each: a selector list matches what any of them matches, and the selectors are
        # plain tag and class ones (sites.py), which no removal changes. A match inside an
        # earlier one is already gone with it.
        drops = ", ".join(profile.drop_selectors)
        for junk in node.select(drops) if drops else ():
            if not junk.decomposed:
                junk.decompose()
        paras = [p.get_text(" ", strip=True) for p in node.find_all(["p", "h2", "h3", "li"])]
        text = "\n\n".join(p for p in paras if p)
        if len(text) >= settings.MIN_BODY_CHARS:
            return text
    return None


def is_listing_html(soup: BeautifulSoup, metas: dict, body: str) -> bool:
    """Section fronts and archives: many headline links and little running text."""
    if (meta(metas, ("og:type",)) or "").lower() == "article":
        return False
    headline_links = [
        a
        for h in soup.find_all(["h2", "h3", "h4"])
        for a in h.find_all("a", href=True)
        if len(a.get_text(" ", strip=True).split()) >= 4
    ]
    return len(headline_links) >= 8 and len(body) < 400 * len(headline_links)


def parse_html(html: str, url_hint: str | None = None) -> dict:
    """Everything an Article needs from one HTML page."""
    soup = BeautifulSoup(html, "lxml")
    metas = meta_index(soup)
    ld = json_ld(soup)
    url = meta(metas, ("og:url",)) or _canonical(soup) or url_hint
    title_tag = soup.title.get_text(" ", strip=True) if soup.title else ""
    profile = profile_for(title_tag + "\n" + html[:3000], url)
    raw_title = meta(metas, TITLE_META) or ld.get("headline") or _h1(soup) or title_tag or None
    body = profile_body(soup, profile) or extract_body(html)
    # The same line rules as text captures remove chrome trafilatura let through.
    # trafilatura puts one paragraph per line; the cleaner expects blank lines between them.
    page = Cleaner(normalise(body.replace("\n", "\n\n")), profile).run()
    reporters = ld_authors(ld) or split_names(meta(metas, AUTHOR_META) or "")
    date = (
        parse_meta_date(meta(metas, DATE_META))
        or parse_meta_date(ld.get("datePublished"))
        or _time_tag(soup)
        or page.date
        or visible_date(soup)
    )
    lang = (soup.html.get("lang") if soup.html else None) or meta(metas, ("og:locale",)) or ""
    return {
        "title": strip_site_suffix(raw_title, profile) if raw_title else page.title,
        "url": url,
        "source": profile.name or meta(metas, ("og:site_name",)),
        "section": meta(metas, SECTION_META) or page.section,
        "date": date,
        "reporters": reporters or page.reporters,
        "paragraphs": page.paragraphs,
        "captions": [c.get_text(" ", strip=True) for c in soup.find_all("figcaption")][:20]
        or page.captions,
        "language": lang[:2].lower() or None,
        "listing": is_listing_html(soup, metas, body),
    }


def visible_date(soup: BeautifulSoup) -> str | None:
    """A date printed in the page's header area, for pages without date markup."""
    root = soup.find("article") or soup.find("main") or soup.body
    if root is None:
        return None
    lines = [ln.strip() for ln in root.get_text("\n").splitlines() if ln.strip()]
    return find_date("\n".join(lines[: settings.HEADER_LINES]))


def _canonical(soup: BeautifulSoup) -> str | None:
    """The page's rel=canonical link."""
    link = soup.find("link", rel="canonical")
    return link.get("href") if link and link.get("href") else None


def _h1(soup: BeautifulSoup) -> str | None:
    """Text of the first <h1>."""
    h1 = soup.find("h1")
    return h1.get_text(" ", strip=True) if h1 else None


def _time_tag(soup: BeautifulSoup) -> str | None:
    """Date from the first <time datetime=...> element."""
    tag = soup.find("time", attrs={"datetime": True})
    return parse_meta_date(tag["datetime"]) if tag else None
