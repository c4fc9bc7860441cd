"""The people of one article: full names found with evidence, their roles, and the short
forms, titles and aliases the text uses for them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from archive.aliases import aliases
from archive.lexicon import (
    HONORIFICS,
    NAME_RUN,
    NAME_WORD,
    NOT_NAME,
    OPENERS,
    PERSON_NEXT,
    PERSON_PREV,
    PERSONAL_TITLE,
    ROLE_AFTER,
    ROLE_BEFORE,
    ROLE_SYNONYMS,
    ROLE_WORDS,
    TITLE_ONLY_NAME,
    TITLED_NAME,
)

POSSESSIVE = re.compile(r"['’]s$")
LOWER_WORD = re.compile(r"[a-z-]+")
LOWER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz-")  # what LOWER_WORD matches
SENTENCE_START = re.compile(r"(?:[.!?“\"]\s*|\n)$")


@dataclass
class Person:
    """One person in one article: full name, role, and the spellings the text used."""

    name: str
    role: str | None = None
    written: set[str] = field(default_factory=set)


def is_title_word(word: str, first: bool, at_start: bool) -> bool:
    """An opener (first word at a sentence start), title, honorific, role, organisation or
    place word, or an acronym: never part of a person's name."""
    return (
        (first and at_start and word in OPENERS)
        or word in NOT_NAME
        or word.lower() in HONORIFICS
        or word.lower() in ROLE_WORDS
        or (word.isupper() and len(word) > 1)
    )


def strip_titles(words: list[str], at_start: bool = True) -> tuple[list[str], list[str]]:
    """Split everything up to the last title-like word off a capitalised run: 'Anlong Veng
    Commune Chief Vong Pheak' -> (['Anlong', 'Veng', 'Commune', 'Chief'], ['Vong', 'Pheak'])."""
    cut = 0
    for i, word in enumerate(words):
        if is_title_word(word, i == 0, at_start):
            cut = i + 1
    return words[:cut], words[cut:]


@lru_cache(maxsize=65536)  # runs repeat a lot ("The", "He said", names); the result is pure
def clean_name(run: str, at_start: bool = True) -> tuple[str | None, str]:
    """(person name or None, title words) from a capitalised run like 'Interior Minister Sar
    Kheng'. A run with an organisation or place word in the name part is not a person."""
    words = [POSSESSIVE.sub("", w) for w in run.split()]
    titles, rest = strip_titles(words, at_start)
    if not 2 <= len(rest) <= 4:
        return None, " ".join(titles)
    return " ".join(rest), " ".join(titles)


class Registry:
    """The people of one article, resolved from full names, short forms and roles."""

    def __init__(self, exclude: set[str]):
        self.people: dict[str, Person] = {}
        self.exclude = {e.lower() for e in exclude}
        # resolve() answers, asked once per sentence; forgotten whenever a name is learnt.
        self.resolved: dict[str, Person | None] = {}

    def add(self, name: str, role: str | None = None) -> Person | None:
        """Register a full name (merged through the alias table); returns the person."""
        canonical = aliases()[0].get(name.lower(), name)
        if canonical.lower() in self.exclude:
            return None
        known = self.resolve(name) if canonical not in self.people else None
        if known is not None:  # "Yong Phat" after "Oknha Ly Yong Phat": the same person
            canonical = known.name
        person = self.people.get(canonical)
        if person is None:
            person = self.people[canonical] = Person(canonical)
            self.resolved.clear()
        self.add_spelling(person, name)
        if role and not person.role:
            person.role = role
        return person

    def add_spelling(self, person: Person, name: str) -> None:
        """Remember how the text wrote this person's name."""
        if name not in person.written:
            person.written.add(name)
            self.resolved.clear()

    def resolve(self, text: str) -> Person | None:
        """Person for a full name, a short form ('Malin', 'Chhay Eang') or an alias."""
        if text not in self.resolved:
            self.resolved[text] = self.find(text)
        return self.resolved[text]

    def find(self, text: str) -> Person | None:
        """resolve() without the memory."""
        text = POSSESSIVE.sub("", text.strip())
        canonical = aliases()[0].get(text.lower())
        if canonical and canonical in self.people:
            return self.people[canonical]
        if text in self.people:
            return self.people[text]
        tail = " " + text
        matches = [
            p
            for p in self.people.values()
            if p.name == text
            or p.name.endswith(tail)
            or any(w == text or w.endswith(tail) for w in p.written)
        ]
        return matches[0] if len(matches) == 1 else None

    def by_role(self, role: str, speakers: list[str]) -> Person | None:
        """The one person with this role, preferring people already quoted."""
        role = ROLE_SYNONYMS.get(role, role)
        holders = [p for p in self.people.values() if p.role and role in p.role.lower()]
        quoted = [p for p in holders if p.name in speakers]
        for group in (quoted, holders):
            if len(group) == 1:
                return group[0]
        return None


def role_before(text: str, start: int) -> str | None:
    """A role phrase just before a name: 'Ministry spokesman', 'the company's lawyer,'."""
    window = text[max(0, start - 110) : start]
    # Cheap test first: most names have no role word just before them.
    if ROLE_WORDS.isdisjoint(LOWER_WORD.findall(window[-70:].lower())):
        return None
    m = ROLE_BEFORE.search(window)
    return " ".join(m.group(1).split()) if m else None


def role_after(text: str, end: int) -> str | None:
    """An appositive role after a name: 'Keo Thea, head of the police's unit, said'."""
    m = ROLE_AFTER.match(text, end)
    return " ".join(m.group(1).split()) if m else None


def register_people(text: str, registry: Registry) -> None:
    """Find every person named in full, with the role the article gives them. A capitalised
    run counts as a person only with evidence: a title or role, an alias-table entry, or a
    verb of speech or a relative 'who' next to it."""
    short_forms = []
    for m in NAME_RUN.finditer(text):
        if " " not in m.group(0):
            # One capitalised word is never a full name (most runs: sentence starts), but one
            # that speaks ("Sothearin told") may shorten a full name printed without evidence.
            if m.group(0).isalpha() and len(m.group(0)) >= 3 and PERSON_NEXT.match(text, m.end()):
                short_forms.append(POSSESSIVE.sub("", m.group(0)))
            continue
        before = text[max(0, m.start() - 3) : m.start()]
        at_start = m.start() == 0 or bool(SENTENCE_START.search(before))
        name, titles = clean_name(m.group(0), at_start)
        if not name:
            continue
        offset = m.start() + m.group(0).find(name.split()[0])
        prefix = role_before(text, m.start())
        role = " ".join(p for p in (prefix, titles) if p) or None
        role = role_after(text, m.end()) or role
        evidence = (
            role
            or PERSONAL_TITLE.search(text[max(0, m.start() - 12) : m.start()])
            or PERSON_NEXT.match(text, m.end())
            or PERSON_PREV.search(text[max(0, offset - 40) : offset])
            or name.lower() in aliases()[0]
        )
        if evidence:
            registry.add(name, clean_role(role))
    register_titled_names(text, registry)
    if short_forms:
        lower = LowerRuns(text)
        for short in short_forms:
            if short.lower() in lower or is_title_word(short, False, False):
                continue  # "Services said": a word the text also writes in lower case
            if registry.resolve(short) is None:
                full = shortened_name(text, short, lower)
                if full:
                    registry.add(full)


class LowerRuns:
    """Membership in set(LOWER_WORD.findall(text)), the words a text writes in lower case,
    without building the set: a capture asks about a few words, and the set took 155
    microseconds a capture to build (2.5% of extraction)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __contains__(self, word: str) -> bool:
        """True when `word` is one whole run of [a-z-] in the text."""
        if not LOWER_WORD.fullmatch(word):
            return False
        text, end = self.text, len(word)
        at = text.find(word)
        while at >= 0:
            if (at == 0 or text[at - 1] not in LOWER_CHARS) and (
                at + end == len(text) or text[at + end] not in LOWER_CHARS
            ):
                return True
            at = text.find(word, at + 1)
        return False


def register_titled_names(text: str, registry: Registry) -> None:
    """One capitalised word after a personal title ('Mr. Vanny', 'Miss Nakry', 'Prince
    Ranariddh') is a person: the full name registered earlier when one ends with it, the
    alias table's name, or else the word as printed. Runs after every full name is known."""
    either = "named" in text or "called" in text  # else only a title can begin one
    for m in (TITLED_NAME if either else TITLE_ONLY_NAME).finditer(text):
        name = POSSESSIVE.sub("", m.group(1))
        if len(name) < 3 or is_title_word(name, False, False):
            continue
        person = registry.resolve(name)
        if person is not None:
            registry.add_spelling(person, name)
        else:
            registry.add(aliases()[0].get(name.lower()) or full_form(text, name) or name)


def full_form(text: str, short: str) -> str | None:
    """The one full name in the text that ends with a short form ('Hou Vanny' for 'Mr.
    Vanny'), when the full name appeared without evidence of being a person."""
    found = set()
    for m in name_ending_in(short, 3).finditer(text):
        name, _ = clean_name(m.group(0), at_start=False)
        if name and name.endswith(" " + short) and name.split()[0] not in OPENERS:
            found.add(name)
    return found.pop() if len(found) == 1 else None


def shortened_name(text: str, short: str, lower: LowerRuns) -> str | None:
    """The one name of two or three words ending with `short` ('Yeang Sothearin' for
    'Sothearin told'). Its other words must be names: not titles, and never written in
    lower case in the text ('House Speaker Brian Bosma' gives 'Brian Bosma')."""
    found = set()
    for m in name_ending_in(short, 2).finditer(text):
        words = m.group(1).split()
        while words and (is_title_word(words[0], True, True) or words[0].lower() in lower):
            words = words[1:]
        if words and all(w.isalpha() and w.lower() not in lower for w in words):
            found.add(" ".join([*words, short]))
    return found.pop() if len(found) == 1 else None


# Patterns of name_ending_in kept per process. A short form comes back story after story
# ("Sopheap", "Thea": 1,667 look-ups of 615 forms in 3,000 synthetic captures), and
# compiling its pattern cost more than running it: Python's own cache of 512 patterns is
# shared with every other pattern in use, so these were compiled again each time. A pattern
# takes about 1.1 KB (tracemalloc), so this holds about 2.3 MB at most.
NAME_PATTERNS_KEPT = 2048


@lru_cache(maxsize=NAME_PATTERNS_KEPT)
def name_ending_in(short: str, most: int) -> re.Pattern:
    """One to `most` capitalised words, then `short` as a whole word."""
    return re.compile(rf"\b((?:{NAME_WORD}\s+){{1,{most}}}){re.escape(short)}\b")


def clean_role(role: str | None) -> str | None:
    """Drop honorifics and leading articles from a role phrase."""
    if not role:
        return None
    words = [w for w in role.split() if w.lower() not in HONORIFICS and w not in ("The", "the")]
    return " ".join(words) or None
