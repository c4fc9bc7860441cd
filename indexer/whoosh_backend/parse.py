"""From the free text of a query to a Whoosh query: the parser, the bounds on costly forms,
the fallback for syntax the parser cannot read. Pure functions: they build, never search."""

from __future__ import annotations

import re
import threading

from whoosh import qparser, query

from indexer.query import MAX_EDIT_DISTANCE, MAX_TERM_CHARS, MIN_WILDCARD_PREFIX, minus_to_not


def make_parser(schema) -> qparser.QueryParser:
    """All words must match in the weighted content field; fuzzy~ and field: allowed."""
    parser = qparser.QueryParser("content", schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    # "body:" and "text:" are what users type for the full text.
    parser.add_plugin(qparser.FieldAliasPlugin({"content": ["body", "text"]}))
    return parser


_parsers = threading.local()
# A query that is one quoted phrase of plain words ("kem sokha", this archive's commonest
# query) is built by plain_phrase(), as the parser builds it but without the parser's
# passes over the text: they were a fifth of such a query's time at 100,000 stories (#12).
PLAIN_PHRASE = re.compile(r'"[A-Za-z0-9]+(?: [A-Za-z0-9]+)+"')


def parser_for(schema) -> qparser.QueryParser:
    """make_parser's parser for this schema, made once per thread: making one cost about
    as much as parsing a quoted name, a tenth of that query's time at 100,000 stories (#12).
    Per thread, since Whoosh does not say its parser may be shared by threads."""
    kept = getattr(_parsers, "kept", None)
    if kept is None or kept[0] is not schema:
        kept = _parsers.kept = (schema, make_parser(schema))
    return kept[1]


def bound_query(q: query.Query) -> tuple[query.Query, list[str]]:
    """The query with its costly parts bounded, and a notice for each change: fuzzy edit
    distance capped, wildcards without leading letters and ranges over words dropped,
    over-long words cut."""
    notices: list[str] = []

    def visit(node: query.Query) -> query.Query:
        if isinstance(node, query.FuzzyTerm) and node.maxdist > MAX_EDIT_DISTANCE:
            notices.append(
                f"Spelling tolerance ~{node.maxdist} is more than we allow; "
                f"used ~{MAX_EDIT_DISTANCE}."
            )
            return query.FuzzyTerm(
                node.fieldname, node.text, node.boost, MAX_EDIT_DISTANCE, node.prefixlength
            )
        if isinstance(node, query.Prefix | query.Wildcard):
            literal = node.text
            if isinstance(node, query.Wildcard):
                literal = re.split(r"[*?]", node.text, maxsplit=1)[0]
            if len(literal) >= MIN_WILDCARD_PREFIX:
                return node
            notices.append(
                f"A wildcard matches too many words: put at least {MIN_WILDCARD_PREFIX} letters "
                "before * or ?."
            )
            return query.Term(node.fieldname, literal) if literal else query.NullQuery
        if isinstance(node, query.TermRange):
            notices.append("Ranges only work on dates: use date:2016-12..2017-03.")
            return query.NullQuery
        if isinstance(node, query.Term) and len(str(node.text)) > MAX_TERM_CHARS:
            notices.append(f"A word longer than {MAX_TERM_CHARS} characters was cut.")
            return query.Term(node.fieldname, str(node.text)[:MAX_TERM_CHARS], node.boost)
        return node if node.is_leaf() else node.apply(visit)

    return visit(q).normalize(), notices


def text_query(parser, text: str) -> tuple[query.Query, str | None]:
    """Whoosh query for the free text, with a fallback to plain words when the syntax is bad."""
    if not text.strip():
        return query.Every(), None
    if PLAIN_PHRASE.fullmatch(text):
        return plain_phrase(parser, text), None
    try:
        parsed = parser.parse(minus_to_not(text))
    except Exception:  # noqa: BLE001 - the parser's failures are many and undocumented
        words = re.findall(r"\w+", text)
        fallback = parser.parse(" ".join(words)) if words else query.NullQuery
        return fallback, "Your query had syntax we could not read; searched for the words in it."
    return parsed, None


def plain_phrase(parser, text: str) -> query.Query:
    """The query the parser makes of a PLAIN_PHRASE text: the phrase's words as the field's
    analyzer gives them (with where each stands in the text, for highlighting), normalised
    as the parser normalises (one word left is a Term, none a NullQuery)."""
    words, char_ranges = [], []
    for token in parser.schema[parser.fieldname].tokenize(text[1:-1], mode="query", chars=True):
        words.append(token.text)
        char_ranges.append((1 + token.startchar, 1 + token.endchar))
    phrase = query.Phrase(parser.fieldname, words, slop=1, char_ranges=char_ranges)
    return phrase.normalize()
