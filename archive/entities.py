"""Who said what: people, organisations, speakers and their quotes, by rules tuned for
news attribution (see README for why rules and not a statistical model)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from archive.lexicon import (
    ACCORDING_TO,
    AGE,
    APPOSITIVE,
    CLAUSE_BREAK,
    DOCUMENTS,
    HONORIFICS,
    LEADING_THAT,
    NAME_RUN,
    NAME_WORD,
    NOT_NAME,
    NOT_REACHED,
    OPENERS,
    ORG_DEFINITION,
    PAREN_ACRONYM,
    PERSON_NEXT,
    PERSON_PREV,
    PERSONAL_TITLE,
    PRONOUN,
    QUOTE_CLOSERS,
    QUOTE_SPAN,
    RELATIVE_CLAUSE,
    ROLE_AFTER,
    ROLE_BEFORE,
    ROLE_REFERENCE,
    ROLE_SYNONYMS,
    ROLE_WORDS,
    SENTENCE_END,
    SUBJECT_AFTER,
    TIME_TAIL,
    TITLED_NAME,
    TRAILING_SAID,
    VERB,
    WORD_CHAR,
    by_first_char,
)
from archive.record import Quote

POSSESSIVE = re.compile(r"['’]s$")
# "X disagreed with the approach, saying (that) ...": reported speech of the clause's subject.
SAYING = re.compile(r",\s+saying\b")
LOWER_NEXT = re.compile(r"\s+[a-z]")
# A named speaker right before a quote: "Prince Ranariddh said '", "Am Sam Ath says: “".
LEAD_IN = re.compile(rf"((?:[A-Z][\w’'-]*\s+){{0,5}}[A-Z][\w’'-]*)\s+{VERB}\s*[:,]?\s*$")
LOWER_WORD = re.compile(r"[a-z-]+")
# After a comma, a name governed by a preposition is inside an appositive ("X, a lawyer for
# Khieu Samphan", "X, an adviser to Prime Minister Hun Sen"); a name after its role is the
# subject ("..., municipal governor X", "..., the party's Acting President X").
APPOSITIVE_TAIL = re.compile(
    r",\s*(?:who\b[^,]*|[^,]*\b(?:of|for|at|in|with|to|by|from|and)\s+(?:the\s+)?"
    r"(?:[A-Z][\w’'.-]*\s+){0,4}[A-Z][\w’'-]*)$"
)
# Quote marks lost to an encoding: "?Kem Sokha? said", "?We will win,? he said".
LOST_QUOTES = re.compile(r"(?<![\w?])\?([A-Za-z][^?\n]{0,400}?)\?(?![\w?])")
LOST_NAME = re.compile(r"(?:[A-Z][\w’'-]+\s+){1,3}[A-Z][\w’'-]+")
# "General Kroch Yoeun, noted above": a participle, not a verb of speech.
PARTICIPLE_NEXT = re.compile(r"\s+(?:above|below|by|as)\b")
SENTENCE_START = re.compile(r"(?:[.!?“\"]\s*|\n)$")
VERB_RE = re.compile(rf"\b{VERB}\b")


@dataclass
class Person:
    """One person in one article: full name, role, and the spellings the text used."""

    name: str
    role: str | None = None
    written: set[str] = field(default_factory=set)


@dataclass
class Analysis:
    """What entity extraction adds to a record."""

    people: list[str]
    organisations: list[str]
    speakers: list[str]
    quotes: list[Quote]


@lru_cache(maxsize=1)
def aliases() -> tuple[dict[str, str], dict[str, str]]:
    """(person alias -> canonical, organisation alias -> canonical), keys lower-cased."""
    text = resources.files("archive").joinpath("data/aliases.toml").read_text("utf-8")
    data = tomllib.loads(text)
    out = []
    for section in ("people", "organisations"):
        table = {}
        for canonical, names in data.get(section, {}).items():
            table[canonical.lower()] = canonical
            for name in names:
                table[name.lower()] = canonical
        out.append(table)
    return out[0], out[1]


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
    for m in NAME_RUN.finditer(text):
        if " " not in m.group(0):
            continue  # one capitalised word is never a full name (most runs: sentence starts)
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


def register_titled_names(text: str, registry: Registry) -> None:
    """One capitalised word after a personal title ('Mr. Vanny', 'Miss Nakry', 'Prince
    Ranariddh') is a person: the full name registered earlier when one ends with it, the
    alias table's name, or else the word as printed. Runs after every full name is known."""
    for m in TITLED_NAME.finditer(text):
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
    for m in re.finditer(rf"\b((?:{NAME_WORD}\s+){{1,3}}){re.escape(short)}\b", text):
        name, _ = clean_name(m.group(0), at_start=False)
        if name and name.endswith(" " + short):
            found.add(name)
    return found.pop() if len(found) == 1 else None


def clean_role(role: str | None) -> str | None:
    """Drop honorifics and leading articles from a role phrase."""
    if not role:
        return None
    words = [w for w in role.split() if w.lower() not in HONORIFICS and w not in ("The", "the")]
    return " ".join(words) or None


def peel(phrase: str) -> str:
    """A subject phrase without its last layer: time words, an age, an appositive. Each
    pattern is anchored at the end and only tried on the tail it can match (time words fit in
    TAIL_CHARS; an appositive starts at the last comma): on a long clause the whole-phrase
    search backtracks for milliseconds."""
    cut = max(0, len(phrase) - TAIL_CHARS)
    tail = phrase[cut:]
    if TIME_HINT.search(tail):  # most subjects end in a name: nothing to try
        phrase = (phrase[:cut] + TIME_TAIL.sub("", tail)).strip(" ,")
    comma = phrase.rfind(",")
    if comma >= 0:
        segment = phrase[comma:]
        lowered = segment.lower()
        if segment[1:].lstrip()[:1].islower() or not ROLE_WORDS.isdisjoint(
            LOWER_WORD.findall(lowered)
        ):
            phrase = phrase[:comma] + APPOSITIVE.sub("", segment)
    return AGE.sub("", phrase).strip(" ,") if "," in phrase else phrase.strip(" ,")


# Longest run of time words and auxiliaries peel() looks for at a phrase's end.
TAIL_CHARS = 120
# A word that can begin TIME_TAIL's run; without one (or an -ly word) it cannot match.
TIME_HINT = re.compile(
    r"\b(?:on|in|at|during|this|last|earlier|later|also|further|then|previously|recently|"
    r"again|yesterday|today|separately|has|have|had|both|would|will|even|once|himself|herself|"
    r"themselves|[a-z]+ly)\b"
)


def outside_quotes(text: str) -> str:
    """The text with quoted spans blanked out but for the opening mark (same length, so
    offsets still line up; the mark lets a sentence start at a quote)."""
    return blank_spans(text, list(QUOTE_SPAN.finditer(text)))


def blank_spans(text: str, spans: list[re.Match]) -> str:
    """outside_quotes() with the quote matches already found."""
    if not spans:
        return text
    parts, pos = [], 0
    for m in spans:
        parts.append(text[pos : m.start()])
        parts.append(m.group(0)[0] + " " * (len(m.group(0)) - 1))
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts)


class Attributor:
    """Walks an article's paragraphs keeping track of who is speaking."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.quotes: list[Quote] = []
        self.speakers: list[str] = []
        self.last_person: Person | None = None
        self.last_quoted: Person | None = None
        self.pending: list[str] = []

    def who(self, phrase: str) -> Person | None | bool:
        """The person a subject phrase names; False for documents, None when unknown. The
        phrase loses its time words, ages and appositives one layer at a time, and a name at
        its end is looked up before each layer goes ('Responding yesterday, CNRP lawmaker Eng
        Chhay Eang' is a name, not an appositive)."""
        phrase = phrase.strip(" ,")
        while True:
            # A name inside an appositive is not the subject: "X, a lawyer for Khieu Samphan".
            person = None if APPOSITIVE_TAIL.search(phrase) else self.named(phrase)
            if person is not None:
                return person
            previous, phrase = phrase, peel(phrase)
            if phrase == previous:
                return self.unnamed(phrase)

    def named(self, phrase: str) -> Person | None:
        """The registered person whose name (or short form) ends the phrase."""
        runs = list(NAME_RUN.finditer(phrase))
        if not runs or runs[-1].end() < len(phrase) - 1:
            return None
        run = runs[-1].group(0)
        name, _ = clean_name(run)
        person = self.registry.resolve(name) if name else None
        if person is None:
            _, rest = strip_titles(run.split())
            person = self.registry.resolve(" ".join(rest)) if rest else None
        if person is not None:
            # "Malin", "Chhay Eang": variants for the UI
            self.registry.add_spelling(person, name or run)
        return person

    def unnamed(self, phrase: str) -> Person | None | bool:
        """A subject without a registered name: 'he', 'the ministry spokesman', a document."""
        if not phrase:
            return None
        if PRONOUN.match(phrase.split()[-1]):
            return self.last_person
        role = ROLE_REFERENCE.search(phrase)
        if role:
            return self.registry.by_role(role.group(1).lower(), self.speakers)
        return False if DOCUMENTS.search(phrase) else None

    def subjects(self, phrase: str) -> list[Person] | None | bool:
        """Everyone a subject phrase names: 'A and B' gives both, 'Mr. Yara and provincial
        authorities' the one named; False for documents, None when nobody is named."""
        parts = phrase.rsplit(" and ", 1)
        first = self.who(parts[-1])
        if len(parts) == 1 or first is False:
            return None if first is None else first if first is False else [first]
        other = self.who(parts[0])
        found = [p for p in (other, first) if p not in (None, False)]
        return found or (False if first is False else None)

    def speaker_of(self, plain: str, sentence: str) -> tuple[list[Person] | None | bool, str]:
        """(speakers, reported text) of one sentence; `plain` has its quotes blanked out."""
        for m in VERB_RE.finditer(plain):
            before = plain[: m.start()].rstrip()
            if before.endswith(",") and PARTICIPLE_NEXT.match(plain, m.end()):
                continue
            after_quote = sentence[: m.start()].rstrip().endswith(QUOTE_CLOSERS)
            if not WORD_CHAR.search(before) or after_quote or before.endswith(","):
                # "said Thea", "added the post": the subject follows the verb after a quote.
                subject = SUBJECT_AFTER.match(plain[m.end() :])
                person = self.who(subject.group(1)) if subject else None
                if person is not None:
                    # "The ministry will review it, said X": the words before are reported.
                    text = "" if after_quote else sentence[: m.start()].strip(" ,")
                    return ([person] if person else person), text
                if not WORD_CHAR.search(before) or after_quote:
                    continue
            clause = CLAUSE_BREAK.split(before)[-1]
            if RELATIVE_CLAUSE.search(clause):
                continue  # the verb belongs to a relative clause: "X, who has said ..."
            people = self.subjects(clause)
            if people is not None:
                text = LEADING_THAT.sub("", sentence[m.end() :].strip())
                return people, TRAILING_SAID.sub("", text)
        saying = SAYING.search(plain) if ", saying" in plain else None
        if saying:
            person = self.subject_before(plain[: saying.start()])
            if person is not None:
                return [person], LEADING_THAT.sub("", sentence[saying.end() :].strip())
        # The substring test first: the pattern under re.I costs more than the whole sentence.
        according = ACCORDING_TO.search(plain) if "according" in plain.lower() else None
        if according:
            person = self.who(according.group(1))
            if person is not None:
                return ([person] if person else person), sentence[: according.start()].strip(" ,")
        return None, ""

    def subject_before(self, clause: str) -> Person | None:
        """The person a clause's predicate belongs to: the first name that resolves and is
        followed by a lower-case word ('..., Adhoc Coordinator Srey Naren nevertheless
        disagreed')."""
        for m in NAME_RUN.finditer(clause):
            if not LOWER_NEXT.match(clause, m.end()):
                continue
            person = self.named(m.group(0))
            if person is not None:
                return person
        return None

    def track_subject(self, plain: str) -> None:
        """Remember a named person at the start of a sentence: 'he' may mean them next."""
        first = NAME_RUN.search(plain[:80])
        if first and not POSSESSIVE.search(first.group(0)):  # "Sokha's position"
            name, _ = clean_name(first.group(0))
            found = self.registry.resolve(name) if name else self.registry.resolve(first.group(0))
            if found:
                self.last_person = found

    def paragraph(self, para: str) -> None:
        """Attribute the quotes and reported speech of one paragraph."""
        quoted = list(QUOTE_SPAN.finditer(para))
        spans = [m.group(m.lastindex) for m in quoted]
        spans = [" ".join(x.split()) for x in spans if len(x.split()) >= 3]
        plain = blank_spans(para, quoted)
        attributed: Person | None | bool = None
        reported = []
        start = 0
        for piece in SENTENCE_END.split(plain):
            begin = plain.find(piece, start)
            start = begin + len(piece)
            sentence = para[begin:start]
            if NOT_REACHED.search(piece.lower()):
                continue
            self.track_subject(piece)
            people, text = self.speaker_of(piece, sentence)
            if people is None:
                continue
            attributed = attributed or (people[-1] if people else people)
            if people is False:
                continue
            self.last_person = people[-1]
            if text and not QUOTE_SPAN.search(sentence) and len(text.split()) >= 3:
                reported.extend((person, text) for person in people)
        for person, text in reported:
            self.add(person, text.rstrip("."), "reported")
        for person, text in self.lead_ins(quoted, plain) if len(quoted) >= 2 else ():
            # "Pol Pot said '...', Prince Ranariddh said '...'": each quote to its lead-in.
            self.add(person, text, "direct")
            self.last_quoted = person
            spans = [x for x in spans if x != text]
        self.direct(para, spans, attributed)

    def lead_ins(self, quoted: list[re.Match], plain: str) -> list[tuple[Person, str]]:
        """(speaker, quote) for quotes that a named speaker introduces: 'X said "...",
        'X says: “...”'. Only when the paragraph has two or more such lead-ins; one is the
        ordinary case the sentence rules handle."""
        found = []
        for m in quoted:
            text = " ".join(m.group(m.lastindex).split())
            lead = LEAD_IN.search(plain, max(0, m.start() - 120), m.start())
            person = self.who(lead.group(1)) if lead and len(text.split()) >= 3 else None
            if person:
                found.append((person, text))
        return found if len(found) >= 2 else []

    def direct(self, para: str, spans: list[str], attributed) -> None:
        """Give a paragraph's quoted words to its speaker; a quote left open runs on into the
        next paragraph and belongs to whoever is named where it closes."""
        opens = para.count("“") > para.count("”")
        if not spans:
            return
        if attributed is None:
            if opens or self.pending:
                self.pending.extend(spans)
                if opens:
                    return
                attributed, spans = self.last_quoted, []
            elif para.lstrip().startswith(("“", '"')):
                attributed = self.last_quoted
        spans, self.pending = self.pending + spans, []
        if attributed and spans:
            # One speaker's quote split by the attribution is one quote.
            self.add(attributed, " … ".join(x.rstrip(",") for x in spans), "direct")
            self.last_quoted = attributed
        elif attributed is False:
            self.last_quoted = None

    def add(self, person: Person, text: str, kind: str) -> None:
        """Record one quote."""
        self.quotes.append(
            Quote(
                speaker=person.name,
                text=text,
                kind=kind,
                role=person.role,
                as_written=sorted(person.written),
            )
        )
        if person.name not in self.speakers:
            self.speakers.append(person.name)


@lru_cache(maxsize=1)
def organisation_patterns() -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    """Compiled alias alternations: acronyms match case-sensitively, names case-folded."""
    table = aliases()[1]
    originals = tomllib.loads(
        resources.files("archive").joinpath("data/aliases.toml").read_text("utf-8")
    )["organisations"]
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


def restore_quotes(body: str) -> str:
    """Question marks that stand where an encoding lost quote marks: around a bare name
    they go, around speech they become curly quotes."""
    if "?" not in body:
        return body

    def fix(m: re.Match) -> str:
        inner = m.group(1)
        return inner if LOST_NAME.fullmatch(inner) else f"“{inner}”"

    return LOST_QUOTES.sub(fix, body)


def analyse(title: str | None, body: str, reporters: list[str]) -> Analysis:
    """People, organisations, speakers and quotes of one article."""
    body = restore_quotes(body)
    registry = Registry(exclude=set(reporters))
    register_people(body, registry)
    attributor = Attributor(registry)
    for para in body.split("\n\n"):
        attributor.paragraph(para)
    return Analysis(
        people=sorted(registry.people),
        organisations=organisations_in(body),
        speakers=attributor.speakers,
        quotes=attributor.quotes,
    )
