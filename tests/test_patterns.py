"""The faster forms of the entity and topic patterns match exactly what the plain forms match."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive.lexicon import (
    ORG_DEFINITION,
    TITLE_ONLY_NAME,
    TITLED_NAME,
    by_first_char,
)
from archive.lines import key, line_keys, normalise
from archive.listings import TEASER_DATE, ends_with_teaser_date
from archive.organisations import definitions_in
from archive.people import LOWER_WORD, LowerRuns
from archive.topics import Taxonomy

# Branches that share first letters and prefixes, some ending where others go on with a
# character that is not a word character ("a" and "a.b"), so that which branch is tried
# first decides the match.
WORD = st.one_of(
    st.sampled_from(["a", "a.b", "a.", "ab", "b", "b.a", "A", "A.B", "AB", "a-b"]),
    st.text(alphabet="abAB.-", min_size=1, max_size=4),
)
TEXT = st.text(alphabet="abAB.- ,(", max_size=60)


@settings(max_examples=500, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=12), TEXT)
@example(["a", "a.b"], "a.b x")  # the flat alternation takes "a": order decides
def test_grouped_alternation_matches_like_the_flat_one(words, text):
    branches = [re.escape(w) for w in words]
    flat = re.compile(r"(?<![\w-])(?:" + "|".join(branches) + r")(?![\w-])")
    grouped = re.compile(r"(?<![\w-])" + by_first_char(branches) + r"(?![\w-])")
    guarded = re.compile(by_first_char(branches, word_start=True) + r"(?![\w-])")
    expected = [m.span() for m in flat.finditer(text)]
    assert [m.span() for m in grouped.finditer(text)] == expected
    assert [m.span() for m in guarded.finditer(text)] == expected


PIECES = st.sampled_from(
    [
        "National Authority for Combating Drugs (NACD)",
        "the Cambodian League for the Promotion and Defence of Human Rights (LICADHO)",
        " (UN) ",
        "(ASEAN)",
        "Ministry of Interior",
        " and ",
        "\n",
        ", ",
        "The ",
        "Council For Development Of Cambodia (CDC)",
        "(X)",
        "Hun Sen (CPP)",
        "’s",
        "-",
        "Sam Rainsy Party (SRP)(CNRP)",
        "ខ្មែរ ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30))
def test_definitions_found_backwards_equal_finditer(pieces):
    text = "".join(pieces)
    expected = [(m.span(), m.groups()) for m in ORG_DEFINITION.finditer(text)]
    assert [(m.span(), m.groups()) for m in definitions_in(text)] == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["ab", "ab*", "a b", "b", "ba*", "abb"]), min_size=1), max_size=4
    ),
    st.text(alphabet="ab -", max_size=60),
)
@example([["ab*"], ["ab"]], "ab abb")  # both topics match "ab": the first one counts
def test_topic_of_a_match_is_the_term_that_won_in_the_alternation(term_lists, text):
    data = {f"t{i}": {"label": f"T{i}", "terms": terms} for i, terms in enumerate(term_lists)}
    if not data:
        return
    taxonomy = Taxonomy(data)
    # The plain form: one named group per topic, as topics.py had it.
    groups = []
    for i, terms in enumerate(term_lists):
        parts = [
            re.escape(t.rstrip("*")).replace(r"\ ", r"[\s-]+")
            + (r"[\w’'-]*" if t.endswith("*") else "")
            for t in terms
        ]
        groups.append(f"(?P<t{i}>" + "|".join(parts) + ")")
    plain = re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")(?![\w-])")
    expected = [(m.span(), int(m.lastgroup[1:])) for m in plain.finditer(text)]
    found = [(m.span(), taxonomy.topic_of(m.group(0))) for m in taxonomy.pattern.finditer(text)]
    assert found == expected


# Teaser dates and what surrounds them: spaces of every kind, bars, bullets, words, digits.
TEASER_PIECES = st.sampled_from(
    ["12 Jan 2022", "Wed, 12 Jan 2022 | 11:20", "3 hours ago", "2 DAYS AGO", "2016-12-05"]
    + ["June 6th, 2017", " ", "\u00a0", "\n", "\t", "\u3000", "|", "•", "-", "Story", "1"]
    + ["ago", "2020", "x"]
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(TEASER_PIECES, max_size=6))
@example(["Story", " ", "3 hours ago", "\u3000"])
def test_teaser_date_shortcut_answers_as_the_pattern(pieces):
    text = "".join(pieces)
    assert ends_with_teaser_date(text) == (TEASER_DATE.search(text) is not None)


# Lines with every kind of space the normaliser folds, lone and in runs, line breaks, and
# letters whose lower case depends on their neighbours (a final sigma) or is two characters.
LINE_TEXT = st.text(alphabet="ab ÉΣΟİ’ \t\u00a0\u200b\u2003\n\r\ufeff.,-", max_size=60)
PLAIN_WS = re.compile(r"[ \t\u00a0\u200b]+")


@settings(max_examples=1000, deadline=None)
@given(LINE_TEXT)
@example("a  b\r\n\u00a0c \u200b d\t")
def test_normalise_folds_spaces_as_one_substitution_per_line_would(text):
    unified = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    expected = [PLAIN_WS.sub(" ", line).strip() for line in unified.split("\n")]
    lines = normalise(text)
    assert lines == expected
    assert line_keys(lines) == [key(line) for line in lines]


# Text and asked words of lower-case letters, capitals, hyphens, accents and punctuation,
# so that runs meet word edges, hyphens and letters outside [a-z].
RUN_TEXT = st.text(alphabet="abA-é’' .\n", max_size=40)
RUN_WORD = st.text(alphabet="abA-é", max_size=4)


@settings(max_examples=2000, deadline=None)
@given(RUN_TEXT, st.lists(RUN_WORD, max_size=6))
@example("a-b ab", ["a-b", "ab", "a", "b", "-", ""])
@example("aab", ["a", "ab", "aab"])
def test_lower_runs_answer_as_the_set_of_lower_case_words(text, words):
    runs = LowerRuns(text)
    expected = set(LOWER_WORD.findall(text))
    for word in [*words, *expected]:
        assert (word in runs) == (word in expected), word


# Titles, their look-alikes and what may follow them, so that names, initials, dots and
# word edges meet.
TITLED_PIECES = st.sampled_from(
    ["Mr", "Mrs", "Ms", "Miss", "Dr", "Gen", "General", "Lok Chumteav", "Prince", "Princess"]
    + ["xMr", "-", ".", " ", "  ", "\n", "Vanny", "Sok", "Chan", "said", "’s", "'", "A", "e"]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(TITLED_PIECES, max_size=10))
@example(["Mr", ".", " ", "Vanny", " ", "said"])
@example(["xMr", " ", "Vanny"])
def test_grouped_titles_match_as_the_titled_name_pattern(pieces):
    text = "".join(pieces)
    found = [(m.span(), m.group(1)) for m in TITLE_ONLY_NAME.finditer(text)]
    assert found == [(m.span(), m.group(1)) for m in TITLED_NAME.finditer(text)]
