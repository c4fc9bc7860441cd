"""Word lists and patterns for attributing quotes in news text (used by entities.py).

Editors extend people and organisations in data/aliases.toml; these lists describe the
language of attribution itself: titles, roles, verbs of speech, non-name words."""

from __future__ import annotations

import re


def by_first_char(branches: list[str], word_start: bool = False, boundary: bool = False) -> str:
    """A regex alternation of `branches` (regex sources that each start with a literal
    character, escaped or not), grouped by that character: Python's engine tries every branch
    of a flat alternation at every position of the text, here only one group's (3x faster on
    the topic terms). Branches keep their order within a group, so the same branch wins.

    With word_start, a branch matches only where no word character or hyphen precedes it;
    with boundary, where no word character does (a word boundary before a branch that begins
    with a word character). The check follows the first character, so the engine can skip
    straight to positions holding one (4x faster for upper-case acronyms, slower for
    lower-case words)."""
    guard = r"(?<![\w-].)" if word_start else r"(?<!\w.)" if boundary else ""
    groups: dict[str, list[str]] = {}
    for branch in branches:
        cut = 2 if branch.startswith("\\") else 1
        groups.setdefault(branch[:cut], []).append(branch[cut:])
    return "(?:" + "|".join(f"{h}{guard}(?:{'|'.join(r)})" for h, r in groups.items()) + ")"


HONORIFICS = set(
    "samdech techo thipadei krolahom lok chumteav oknha okhna h.e. he dr dr. mr mr. ms ms. mrs "
    "mrs. miss excellency his her venerable neak sir madam prince princess general gen. "
    "colonel".split()
)
# Titles that may stand before a single name ("Mr. Vanny", "Miss Nakry", "Prince Ranariddh",
# "General Savoeun"): with one of them, one capitalised word is a person.
TITLE_WORDS = [
    title.replace("_", " ")
    for title in "Mr Mrs Ms Miss Dr Prince Princess General Gen Samdech Oknha Lok_Chumteav "
    "Venerable Colonel Judge Governor".split()
]
PERSONAL_TITLES = r"\b(?:" + "|".join(TITLE_WORDS) + r")\.?\s+"
PERSONAL_TITLE = re.compile(rf"(?:{PERSONAL_TITLES})$")
# The title, then exactly one capitalised word: "Mr. Vanny said", not "Mr. Sok Chan"; also
# the one name a text gives someone: "a worker named Chantha", "a woman called Srey".
ONE_NAME = r"([A-Z][\w’'-]*)(?![\w’'-]|\s+[A-Z])"
TITLED_NAME = re.compile(rf"(?:{PERSONAL_TITLES}|\b(?:named|called)\s+){ONE_NAME}")
# TITLED_NAME for a text without "named" or "called" (most texts), the titles grouped by
# first letter: 28 instead of 270 microseconds a capture, as the engine tried the flat
# alternation at every position of the text.
TITLE_ONLY_NAME = re.compile(
    by_first_char([re.escape(t) for t in TITLE_WORDS], boundary=True) + rf"\.?\s+{ONE_NAME}"
)
# Words that name what a person is; a role phrase ends in one of them.
ROLE_NOUNS = tuple(
    noun.strip()
    for noun in """prime minister, premier, minister, spokesman, spokeswoman, spokesperson,
    president, vice president, vice-president, director, deputy director, executive director,
    head, chief,
    governor, secretary, secretary-general, ambassador, rapporteur, official, lawyer, researcher,
    coordinator, chairman, chairwoman, chair, leader, commander, monk, activist, analyst, expert,
    officer, deputy, representative, founder, member, professor, lecturer, judge, prosecutor,
    king, senator, lawmaker, economist, editor, adviser, advisor, manager, owner, resident,
    villager, worker, student, farmer, teacher, mayor, chief executive, ceo, reporter,
    journalist, scholar, scientist, doctor, nurse, vendor, driver, defender, observer, witness,
    survivor, victim, mother, father""".split(",")
)
ROLE_WORDS = {w for noun in ROLE_NOUNS for w in noun.split()}
ROLE_ALT = by_first_char(sorted(ROLE_NOUNS, key=len, reverse=True))
# "Ministry spokesman ", "The UN special rapporteur on human rights in Cambodia, "
ROLE_BEFORE = re.compile(
    rf"((?:[\w’'-]+\s+){{0,3}}?(?:{ROLE_ALT}))(?:\s+(?:on|of|for|at|in|with)\s+[^,.;]{{1,60}})?"
    rf",?\s+$",
    re.I,
)
# ", head of the police's unit," / ", a factory worker from Kandal province."
ROLE_AFTER = re.compile(
    rf",\s+((?:[\w’'-]+\s+){{0,3}}(?:{ROLE_ALT})\b[^,;.]{{0,80}})(?:,|\.|$)", re.I
)
ROLE_REFERENCE = re.compile(rf"\bthe\s+(?:[\w-]+\s+){{0,2}}?({ROLE_ALT})$", re.I)
# Sentence openers: not a name part when they begin a sentence ("But Buntenh said" is a
# name after a title, so openers are stripped only at the start of a run).
OPENERS = set(
    """
The A An In On At For With And But Or Of To From By As If When While During After Before Since
Until Regarding Citing According Although Though Because Despite Unlike However Meanwhile
Moreover Also Yet He She
They It We I You His Her Their Its Our This That These Those There Here What Who Why How Some
Many Most All Several
""".split()
)
# Capitalised words that are titles, organisations or places, never part of a name.
NOT_NAME = set(
    """
Mr Ms Mrs Dr Professor Prof Samdech Techo Thipadei Krolahom Lok Chumteav Oknha Excellency
Venerable Neak Prime Minister Ministers Deputy Interior Ministry Secretary-General Secretary
General President Vice Spokesman Spokeswoman Governor Director Senior Chief Chairman Ambassador
Rapporteur Special Justice Defence Defense Foreign Affairs Information Health Labour Labor
Education Environment King Queen Prince Princess Judge Police Lieutenant Colonel Major
Commander Officer Brigadier United Nations Party Council Court Committee Association Centre
Center Institute Academy Union Authority Bureau Organisation Organization Office Commission
Agency National Royal People People's People’s Cambodian Cambodia Khmer Human Rights Group News
Post Times Daily Bank Fund International Foundation Network Coalition Alliance Federation
Assembly Senate Government Department Provincial Municipal Military Army Embassy Mission
Permanent Law Article Constitution Covid Covid-19 Code Act Facebook Telegram Twitter Phnom Penh
Siem Reap Koh Kandal Battambang Kampong Cham Speu Takeo Kampot Kep Kratie Preah Sihanouk
Sihanoukville Boulevard Street Road Province District Commune Village Thailand Thai Vietnam
Vietnamese China Chinese Australia Australian Geneva Asia Asian ASEAN Senegal Europe European
America American Japan Japanese Korea Korean Laos France French Britain British India Russia
Russian Singapore Malaysia Indonesia Philippines Myanmar UN EU US UK NGO NGOs CSO CSOs
Southeast East West North South Western Eastern Northern Southern January February March April
May June July August September
October November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday Content
Image Logo Search Reporter Publication Photo Supplied Viewed Read More Related Live Quote Top
Stories Democratic Democracy Rescue Candlelight Grassroots Development Peace Relations
International Kingdom Initiative Programme Program Project Council's Supreme Appeal Appeals
Tribunal Chambers ECCC Factory Company Corporation Co Ltd Inc Corp LLC Plc Limited Holdings
Enterprises Hotel Pagoda Temple Market School
University Hospital Workers Social Security Stung Treng Ratanakkiri Ratanakiri Mondulkiri
Mondolkiri Meanchey Banteay Pursat Pailin Rieng Chhnang Tbong Khmum Vihear Tonle Mekong
Economic Economy Finance Trade Commerce Industry Tourism
Culture Fine Arts Community Communities Legal Aid Defenders Front Movement Islamic Buddhist
Christian God
""".split()
)
REPORTING_VERBS = tuple(
    """
    said says told tells added adds noted notes warned warns claimed claims denied denies
    explained explains stressed stresses insisted insists asserted argued argues suggested
    suggests clarified underlined underlines emphasised emphasized stated states announced
    confirmed acknowledged acknowledges urged urges wrote writes posted reiterated commented
    remarked replied responded recalled alleged admitted maintained contended countered believes
    predicted predicts declared declares revealed reveals recounted recounts rejected rejects
    conceded concedes complained complains testified
""".split()
)
VERB = by_first_char(list(REPORTING_VERBS))
# Sources that speak but are not persons.
DOCUMENTS = re.compile(
    r"\b(?:statement|post|report|letter|press release|announcement|notice|decision|document|"
    r"declaration|petition|ministry|court|group|government|committee|organisation|organization|"
    r"article|law|constitution|survey|study|website|page|message|directive|order|embassy)\b",
    re.I,
)
# Matched against lower-cased text: an alternation under re.I is about 6x slower.
NOT_REACHED = re.compile(
    r"could not be reached|couldn['’]t be reached|declined to comment|did not respond|"
    r"was unavailable|were unavailable|could not be contacted|did not reply|refused to comment"
)
# Words between a speaker and the verb: "has said", "Neth Savoeun on Monday said", "both said".
BETWEEN = (
    r"(?:(?:who|also|has|have|had|both|would|will|even|then|later|once|further|again|"
    r"[a-z]+ly|(?:on|last|this)\s+[A-Z]?[a-z]+|yesterday|today)\s+)"
)
# Verb-first attribution after a quote: "said Thea", "added the post".
SUBJECT_AFTER = re.compile(r"\s+((?:the\s+)?[\w’'.-]+(?:\s+[\w’'.-]+){0,4}?)\s*(?:[,.;]|$)", re.I)
ACCORDING_TO = re.compile(r"\baccording to\s+((?:the\s+)?[\w’'-]+(?:\s+[\w’'-]+){0,4})", re.I)
RELATIVE_CLAUSE = re.compile(r",\s+who\b[^,]*$")
# A clause ends at ; and : and where a conjunction after a comma starts a new one ("The term
# ran out in March, although Prime Minister X had said ..."): its subject is after the break.
CLAUSE_BREAK = re.compile(r"[;:]|,\s+(?:although|though|but|while|whereas|because)\s+")
# What reported speech starts with after its verb: "that", or a circumstance ending in
# "that" ("during a speech on Sunday that ...", "to reporters that ..."), dropped.
LEADING_THAT = re.compile(
    r"^(?:(?:(?:on|in|at|during|after|before|yesterday|today|last|this|earlier|later|also|"
    r"previously|recently|to|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b[^,;:“”\"]{0,80}?\s+)?"
    r"that\s+|(?:on|to)\s+)"
)
WORD_CHAR = re.compile(r"\w")
PERSON_NEXT = re.compile(
    rf"(?:['’]s\b|,?\s+{BETWEEN}{{0,3}}{VERB}\b|,\s+who\b|,\s+[^,.]{{2,90}},\s+{BETWEEN}{{0,3}}{VERB}\b"
    rf"|,\s*\d{{1,3}}\s*,"  # an age: "Phrom Sothy, 63, a tuk tuk driver"
    rf"|\s+[a-z][^,.;“”\"]{{0,60}},\s+saying\b"  # "X defended himself yesterday, saying"
    rf"|\s+and\s+(?:[A-Z][\w’'-]*\s+){{1,4}}{BETWEEN}{{0,3}}{VERB}\b)"  # "A and B said"
)
# "said Pov Sophea", "said villager Sreng Thy"
PERSON_PREV = re.compile(rf"\b{VERB}\s+(?:[a-z]+\s+){{0,2}}$")
ROLE_SYNONYMS = {"premier": "prime minister", "pm": "prime minister"}
NAME_WORD = r"[A-ZÀ-Ý][\w’'-]*"
NAME_RUN = re.compile(rf"{NAME_WORD}(?:\s+{NAME_WORD})*")
# Double quotes, and single ones (legacy Post pages, Cambodia Daily): a single quote opens
# after a non-letter and closes before one, so apostrophes ("Cambodia’s") stay inside.
QUOTE_SPAN = re.compile(
    r"(?=[“\"‘'])"  # positions without a quote mark fail at once
    r"(?:[“\"]([^“”\"]{2,})(?:[”\"]|$)"  # curly or straight, mixed as pages mix them
    r"|(?<![\w’'])‘((?:[^‘’]|’(?=\w)){2,600}?)’(?!\w)"
    r"|(?<![\w’'])'((?:[^'\n]|'(?=\w)){2,600}?)'(?!\w))"
)
QUOTE_CLOSERS = ("”", '"', "’", "'")
# A sentence ends at . ! ? before a capital or a quote, but not after a title or an initial.
# The cheap lookbehind comes first: most positions fail there.
SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bGen\.)(?<!\bLt\.)"
    r"(?<!\bNo\.)(?<!\b[A-Z]\.)[”\"’']?\s+(?=[“‘\"'A-Z])"
)
# ", head of the police unit," / ", who has ...," / ", Justice Ministry spokesman,"
APPOSITIVE = re.compile(rf",\s+(?:[a-z]|[^,]*\b(?i:{ROLE_ALT})\b)[^,]{{0,160}},?$")
# ", 63" after a name: an age.
AGE = re.compile(r",\s*\d{1,3}$")
PRONOUN = re.compile(r"^(?:he|she)$", re.I)
# Lower-case only: "On" and "In" end names ("Touch Sam On").
TIME_TAIL = re.compile(
    r"(?:\s+(?:on|in|at|during|this|last|earlier|later|also|further|then|previously|recently|"
    r"again|yesterday|today|separately)\b[^,]{0,30}|\s+[a-z]+ly"
    r"|\s+(?:has|have|had|both|would|will|even|once|himself|herself|themselves))+$"
)
# "..., he said." closing reported speech is not part of what was said.
TRAILING_SAID = re.compile(rf"[,.]?\s+(?:he|she|they|it)\s+{VERB}\.?$")


PAREN_ACRONYM = re.compile(r"\([A-Z]{2,8}\)")
# "National Authority for Combating Drugs (NACD)"
ORG_DEFINITION = re.compile(
    r"((?:[A-Z][\w’'-]+\s+){1,6}?(?:(?:of|for|the|and)\s+)*(?:[A-Z][\w’'-]+\s*)+)\(([A-Z]{2,8})\)"
)
