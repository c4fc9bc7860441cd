"""Who said what: people, organisations, speakers and their quotes, by rules tuned for
news attribution (see README for why rules and not a statistical model)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.lexicon import (
    ACCORDING_TO,
    AGE,
    APPOSITIVE,
    CLAUSE_BREAK,
    DOCUMENTS,
    LEADING_THAT,
    NAME_RUN,
    NOT_REACHED,
    PRONOUN,
    QUOTE_CLOSERS,
    QUOTE_SPAN,
    RELATIVE_CLAUSE,
    ROLE_REFERENCE,
    ROLE_WORDS,
    SENTENCE_END,
    SUBJECT_AFTER,
    TIME_TAIL,
    TRAILING_SAID,
    VERB,
    WORD_CHAR,
)
from archive.organisations import organisations_in
from archive.people import (
    LOWER_WORD,
    POSSESSIVE,
    Person,
    Registry,
    clean_name,
    register_people,
    strip_titles,
)
from archive.record import Quote

# "X disagreed with the approach, saying (that) ...": reported speech of the clause's subject.
SAYING = re.compile(r",\s+saying\b")
LOWER_NEXT = re.compile(r"\s+[a-z]")
# A named speaker right before a quote: "Prince Ranariddh said '", "Am Sam Ath says: “".
LEAD_IN = re.compile(rf"((?:[A-Z][\w’'-]*\s+){{0,5}}[A-Z][\w’'-]*)\s+{VERB}\s*[:,]?\s*$")
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
VERB_RE = re.compile(rf"\b{VERB}\b")
# A subject ending in one of these is nobody the registry can name.
OTHER_PRONOUN = re.compile(r"(?:^|[\s,])(?:they|we|I|you|it|It|They|We|You)$")


@dataclass
class Analysis:
    """What entity extraction adds to a record."""

    people: list[str]
    organisations: list[str]
    speakers: list[str]
    quotes: list[Quote]


def peel(phrase: str) -> str:
    """A subject phrase without its last layer: time words, an age, an appositive. Each
    pattern is anchored at the end and only tried on the tail it can match (time words fit in
    TAIL_CHARS; an appositive starts at the last comma): on a long clause the whole-phrase
    search backtracks for milliseconds."""
    cut = max(0, len(phrase) - TAIL_CHARS)
    tail = phrase[cut:]
    if TIME_HINT.search(tail):  # most subjects end in a name: nothing to try
        peeled = (phrase[:cut] + TIME_TAIL.sub("", tail)).strip(" ,")
        if peeled != phrase.strip(" ,"):
            return peeled  # one layer: 'although Prime Minister X had' keeps its name
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
        if OTHER_PRONOUN.search(phrase):
            return None  # "'Strong Man' Hun Sen, they said": they speak, not the name
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
            silent = NOT_REACHED.search(piece.lower())
            if silent:
                # "..., he said, though he declined to comment further": what comes before
                # the refusal is still attributed; a sentence that starts with it is not.
                piece, sentence = piece[: silent.start()], sentence[: silent.start()]
                if not VERB_RE.search(piece):
                    continue
            self.track_subject(piece)
            people, text = self.speaker_of(piece, sentence)
            if people is None:
                continue
            attributed = attributed or (people[-1] if people else people)
            if people is False:
                continue
            self.last_person = people[-1]
            if text and not has_quote(sentence) and len(text.split()) >= 3:
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


def has_quote(sentence: str) -> bool:
    """A quotation of three words or more: a quoted term ('would “welcome” the') leaves the
    sentence reported speech."""
    return any(len(m.group(m.lastindex).split()) >= 3 for m in QUOTE_SPAN.finditer(sentence))


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
