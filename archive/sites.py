"""Per-outlet rules as data: adding an outlet means adding one SiteProfile here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NEVER = r"(?!)"  # a kind without patterns matches no line


@dataclass(frozen=True)
class SiteProfile:
    """What one outlet's captures look like: how to spot it and which lines are chrome."""

    name: str
    hosts: tuple[str, ...] = ()
    # A capture containing any of these is from this outlet.
    markers: tuple[str, ...] = ()
    # Title-bearing chrome lines: group 1 is the headline.
    title_lines: tuple[str, ...] = ()
    # Whole lines that are chrome wherever they appear.
    chrome_lines: tuple[str, ...] = ()
    # A line matching one of these ends the article: everything after is chrome.
    terminators: tuple[str, ...] = ()
    # Lines that introduce a photo caption on the next line.
    caption_markers: tuple[str, ...] = ()
    # CSS selectors of article body and of chrome inside it, for HTML captures. Chrome
    # selectors are plain tag and class ones (no :first-child, no sibling combinators):
    # htmlpage.profile_body removes all their matches at once.
    body_selectors: tuple[str, ...] = ()
    drop_selectors: tuple[str, ...] = ()
    compiled: dict = field(default_factory=dict, compare=False, repr=False)
    combined: dict = field(default_factory=dict, compare=False, repr=False)  # any_rx's

    def rx(self, kind: str) -> list[re.Pattern]:
        """Compiled, case-insensitive, whole-line patterns of one kind (cached)."""
        if kind not in self.compiled:
            self.compiled[kind] = [
                re.compile(rf"^\s*(?:{p})\s*$", re.I) for p in getattr(self, kind)
            ]
        return self.compiled[kind]

    def any_rx(self, kind: str) -> re.Pattern:
        """One pattern for `kind`, matching a line when any of its patterns does: a line is
        tested in one call, not once per pattern (the text cleaner tests every line against
        some 40 chrome patterns). For yes or no only: its groups are not one pattern's."""
        found = self.combined.get(kind)
        if found is None:
            joined = "|".join(p.pattern for p in self.rx(kind)) or NEVER
            found = self.combined[kind] = re.compile(joined, re.I)
        return found


# Chrome shared by the outlets' page templates (navigation, widgets, share bars).
COMMON_CHROME = (
    r"search form",
    r"subscribe(?: search)?",
    r"search",
    r"login\s*-\s*register(?:\s*\|\s*follow us on)?",
    r"follow us on",
    r"more topic",
    r"share(?: this)?(?: article)?",
    r"advertisement",
    r"content image\s*-\s*.*",
    r"[\w\-. ]+\.(?:jpe?g|png|gif|webp)",
    r"photo(?:graph)?\s*(?:by)?\s*:.*",
    r"(?:photo\s+)?supplied",
    r"facebook|twitter|telegram|linkedin|email|print",
    # Site headers, reading-time labels, raw shortcodes and obfuscated e-mail addresses.
    r"accessibility links",
    r"breaking news",
    r"\d+\s+min(?:ute)?s?\s+read",
    r"\[\w+(?:\s[^\]]*)?\]",
    r"\[email\s*protected\]",
    r"read (?:our|the) full story(?: here)?(?:[.:].*)?",
    r"(?:post|staff|the)\s+staff|staff reporters?",
    # A photo credit on its own line: "(Siv Channa/The Cambodia Daily)".
    r"\((?:photo:?\s*)?[A-Z][^()/]{1,60}/[^()]{1,60}\)",
    # Location labels and standalone datelines: a short line in capitals ("PHNOM PENH —").
    r"(?-i:[A-Z][A-Z ,'’.&]{2,60})(?:\s*[—–-]+)?",
)
# Widget headings; when met after the article has begun, the rest is not the story.
COMMON_TERMINATORS = (
    r"most viewed",
    r"most read",
    r"related articles?",
    r"related stories",
    r"top stories",
    r"live updates",
    r"quote of the day",
    r"you may also like",
    r"read more",
    r"tags?\s*:.*",
    r"latest news",
)

PHNOM_PENH_POST = SiteProfile(
    name="Phnom Penh Post",
    hosts=("phnompenhpost.com", "www.phnompenhpost.com"),
    markers=(
        "| Phnom Penh Post",
        "Logo of Phnom Penh Post",
        "Contact PhnomPenh Post",
        "Content image - Phnom Penh Post",
        "phnompenhpost.com",
    ),
    title_lines=(
        r"logo of phnom penh post newspaper phnom penh post\s*-\s*(.+)",
        r"(.+?)\s*\|\s*phnom penh post",
    ),
    chrome_lines=COMMON_CHROME + (r"phnom penh post",),
    terminators=COMMON_TERMINATORS
    + (r"contact phnompenh post for full article", r"post media co\.? ltd"),
    caption_markers=(r"content image\s*-\s*phnom penh post",),
    body_selectors=("div.article-text", "div#ArticleBody", "div.detail-content"),
    drop_selectors=("div.related", "div.most-viewed", "div.share", "figure", "figcaption"),
)

KHMER_TIMES = SiteProfile(
    name="Khmer Times",
    hosts=("khmertimeskh.com", "www.khmertimeskh.com"),
    markers=("| Khmer Times", "khmertimeskh.com", "/ Khmer Times"),
    title_lines=(r"(.+?)\s*[|-]\s*khmer times",),
    chrome_lines=COMMON_CHROME + (r"khmer times",),
    terminators=COMMON_TERMINATORS,
)

CAMBODIA_DAILY = SiteProfile(
    name="The Cambodia Daily",
    hosts=("cambodiadaily.com", "english.cambodiadaily.com"),
    markers=("| The Cambodia Daily", "cambodiadaily.com"),
    title_lines=(r"(.+?)\s*[|-]\s*the cambodia daily",),
    chrome_lines=COMMON_CHROME,
    terminators=COMMON_TERMINATORS,
)

VOD = SiteProfile(
    name="VOD",
    hosts=("vodenglish.news", "vodkhmer.news"),
    markers=("vodenglish.news", "| VOD English"),
    title_lines=(r"(.+?)\s*[|-]\s*vod english",),
    chrome_lines=COMMON_CHROME,
    terminators=COMMON_TERMINATORS,
)

CAMBOJA = SiteProfile(
    name="CamboJA News",
    hosts=("cambojanews.com",),
    markers=("cambojanews.com", "| CamboJA News", "Cambodian Journalists Alliance Association\n"),
    title_lines=(r"(.+?)\s*[|-]\s*camboja news",),
    # The site's name heads every capture.
    chrome_lines=COMMON_CHROME + (r"cambodian journalists alliance association",),
    terminators=COMMON_TERMINATORS,
)

VOA = SiteProfile(
    name="VOA Khmer",
    hosts=("voacambodia.com", "www.voacambodia.com", "khmer.voanews.com"),
    markers=("voacambodia.com", "| Voice of America - Khmer"),
    title_lines=(r"(.+?)\s*[|-]\s*voice of america(?: - khmer)?",),
    chrome_lines=COMMON_CHROME,
    terminators=COMMON_TERMINATORS,
)

GENERIC = SiteProfile(name="", chrome_lines=COMMON_CHROME, terminators=COMMON_TERMINATORS)

PROFILES = (PHNOM_PENH_POST, KHMER_TIMES, CAMBODIA_DAILY, VOD, CAMBOJA, VOA)
# A crawl store's metadata prefix on a capture's first line: " date 2017-01-04 Headline".
CAPTURE_DATE_PREFIX = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s+")
# Whole lines that only listing pages carry: breadcrumbs of archives and paged sections.
LISTING_LINES = re.compile(
    r"^\s*home\s+(?:[\w’'-]+\s+){0,4}(?:page\s+\d+|posts\s+by\s+.+)\s*$", re.I
)


def profile_for(text: str, url: str | None = None) -> SiteProfile:
    """The outlet profile whose host or markers this capture shows, else GENERIC."""
    host = re.sub(r"^https?://", "", url or "").split("/", 1)[0].lower()
    for profile in PROFILES:
        if host and host in profile.hosts:
            return profile
    head = text[:5000] + text[-3000:]
    for profile in PROFILES:
        if any(marker.lower() in head.lower() for marker in profile.markers):
            return profile
    return GENERIC
