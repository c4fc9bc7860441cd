"""Organisations named in a text: the alias table's names and acronyms, and definitions
such as "National Authority for Combating Drugs (NACD)"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from archive.aliases import alias_file, aliases
from archive.lexicon import ORG_DEFINITION, PAREN_ACRONYM, by_first_char


@lru_cache(maxsize=1)
def organisation_patterns() -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    """Compiled alias alternations: acronyms match case-sensitively, names case-folded."""
    table = aliases()[1]
    originals = alias_file()["organisations"]
    spellings = set(originals) | {a for names in originals.values() for a in names}
    acronyms = sorted((a for a in spellings if re.fullmatch(r"[A-Z.]{2,8}", a)), key=len)[::-1]
    names = sorted((a for a in spellings if a not in acronyms), key=len)[::-1]

    def alternation(items: list[str], word_start: bool) -> re.Pattern:
        escaped = [re.escape(i) for i in items]
        if word_start:
            return re.compile(by_first_char(escaped, word_start=True) + r"(?![\w-])")
        return re.compile(r"(?<![\w-])" + by_first_char(escaped) + r"(?![\w-])")

    # Names are matched against lower-cased text: much faster than re.I on a long alternation.
    lowered = [n.lower() for n in names]
    return alternation(acronyms, True), alternation(lowered, False), table


def is_definition_char(c: str) -> bool:
    """A character ORG_DEFINITION lets into a definition: [\\w’'\\s-]."""
    return c.isalnum() or c.isspace() or c in "_’'-"


def definitions_in(text: str) -> Iterator[re.Match]:
    """The matches of ORG_DEFINITION.finditer(text), found from each "(ACRONYM)" backwards
    instead of trying the pattern at every capital: a definition holds only words and spaces,
    so it starts inside the run of those before its parenthesis."""
    done = 0
    for paren in PAREN_ACRONYM.finditer(text):
        start = paren.start()
        while start > done and is_definition_char(text[start - 1]):
            start -= 1
        m = ORG_DEFINITION.search(text, start, paren.end())
        if m:
            done = m.end()
            yield m


def organisations_in(text: str) -> list[str]:
    """Organisations named in the text, acronyms merged with full names."""
    acronyms, names, table = organisation_patterns()
    found: dict[str, None] = {}
    for pattern, haystack in ((names, text.lower()), (acronyms, text)):
        for m in pattern.finditer(haystack):
            found.setdefault(table[m.group(0).lower()])
    for m in definitions_in(text):
        full, acronym = " ".join(m.group(1).split()), m.group(2)
        found.setdefault(table.get(acronym.lower()) or table.get(full.lower()) or full)
    return list(found)
