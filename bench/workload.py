"""Queries people really type, generated from the indexed records (issue 12), and the same
queries on SQLite FTS5.

Every query is distinct and drawn deterministically from the records themselves: single
words over the whole frequency range (rare ones included), two words from one story, two
adjacent words as a phrase, a person's name in quotes, a word with a speaker filter, a
prefix, two words joined by OR, and a word within a date range. KINDS gives each kind's
share of the workload."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

# Share of each kind in the workload. Names and phrases are this archive's most common
# searches ("Kem Sokha", "land dispute"), so they weigh most after single words.
KINDS = {
    "one word": 0.20,
    "two words": 0.14,
    "phrase": 0.14,
    "name": 0.16,
    "word + speaker": 0.10,
    "prefix": 0.08,
    "or": 0.08,
    "date range": 0.10,
}
WORD = re.compile(r"[A-Za-z]{4,}")
STOP = {"that", "with", "from", "this", "have", "been", "were", "they", "said", "their", "which"}


@dataclass(frozen=True)
class Query:
    """One query of the workload: its kind, its text and the filters beside it."""

    kind: str
    q: str
    speaker: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    words: tuple[str, ...] = field(default=(), compare=False)

    def params(self) -> dict[str, list[str]]:
        """The request parameters of the search page."""
        out = {"q": [self.q]}
        if self.speaker:
            out["speaker"] = [self.speaker]
        if self.date_from:
            out["from"], out["to"] = [self.date_from], [self.date_to]
        return out


def story_words(record: dict) -> list[str]:
    """The body's words of four letters or more, in order, lower-cased."""
    return [w.lower() for w in WORD.findall(record.get("body", ""))]


def make_workload(records: list[dict], n: int = 1000, seed: int = 12) -> list[Query]:
    """n distinct queries in KINDS proportions, from the records (deterministic)."""
    rng = random.Random(seed)
    frequency: Counter[str] = Counter()
    for record in records:
        frequency.update(set(story_words(record)) - STOP)
    # Words by document frequency; sampling ranks uniformly reaches rare words as often as
    # common ones (a Zipf vocabulary is mostly rare words).
    vocabulary = sorted(frequency, key=lambda w: (-frequency[w], w))
    dated = [r for r in records if r.get("date")]
    with_speakers = [r for r in records if r.get("speakers")]
    people = sorted({p for r in records for p in r.get("speakers", []) + r.get("people", [])})
    makers = {
        "one word": lambda: Query("one word", rng.choice(vocabulary)),
        "two words": lambda: two_words(rng, records),
        "phrase": lambda: phrase(rng, records),
        "name": lambda: Query("name", f'"{rng.choice(people)}"') if people else None,
        "word + speaker": lambda: word_and_speaker(rng, with_speakers),
        "prefix": lambda: prefix(rng, vocabulary),
        "or": lambda: Query("or", f"{rng.choice(vocabulary)} OR {rng.choice(vocabulary)}"),
        "date range": lambda: date_range(rng, dated),
    }
    wanted = {kind: round(share * n) for kind, share in KINDS.items()}
    out: list[Query] = []
    seen: set[Query] = set()
    for kind, count in wanted.items():
        tries = 0
        made = 0
        while made < count and tries < count * 50:
            tries += 1
            query = makers[kind]()
            if query is None or query in seen:
                continue
            seen.add(query)
            out.append(query)
            made += 1
    rng.shuffle(out)
    return out


def two_words(rng: random.Random, records: list[dict]) -> Query | None:
    """Two words of one story, anywhere in it."""
    words = [w for w in story_words(rng.choice(records)) if w not in STOP]
    if len(words) < 2:
        return None
    a, b = rng.sample(words, 2)
    return Query("two words", f"{a} {b}") if a != b else None


def phrase(rng: random.Random, records: list[dict]) -> Query | None:
    """Two adjacent words of one story, in quotes."""
    body = rng.choice(records).get("body", "")
    pairs = re.findall(r"\b([A-Za-z]{4,}) ([A-Za-z]{4,})\b", body)
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    return Query("phrase", f'"{a.lower()} {b.lower()}"') if a.lower() != b.lower() else None


def story_and_words(rng: random.Random, records: list[dict]) -> tuple[dict, list[str]] | None:
    """A story and its words (stop words left out), or None."""
    if not records:
        return None
    record = rng.choice(records)
    words = [w for w in story_words(record) if w not in STOP]
    return (record, words) if words else None


def word_and_speaker(rng: random.Random, records: list[dict]) -> Query | None:
    """A word of a story, filtered to one of the story's speakers."""
    picked = story_and_words(rng, records)
    if picked is None:
        return None
    record, words = picked
    return Query("word + speaker", rng.choice(words), speaker=rng.choice(record["speakers"]))


def prefix(rng: random.Random, vocabulary: list[str]) -> Query | None:
    """The first four to six letters of a word, then *."""
    word = rng.choice(vocabulary)
    cut = rng.randint(4, min(6, len(word)))
    return Query("prefix", word[:cut] + "*")


def date_range(rng: random.Random, records: list[dict]) -> Query | None:
    """A word of a dated story, within one to three years around the story's year."""
    picked = story_and_words(rng, records)
    if picked is None:
        return None
    record, words = picked
    start = int(record["date"][:4]) - rng.randint(0, 1)
    return Query(
        "date range",
        rng.choice(words),
        date_from=str(start),
        date_to=str(start + rng.randint(1, 2)),
    )


FACET_NAMES = ("year", "speaker", "topic", "reporter", "org", "source", "section", "type")


def fts_match(query: Query) -> str:
    """The FTS5 MATCH expression that asks what our query asks."""
    q = query.q
    if query.kind in ("phrase", "name"):
        words = re.findall(r"\w+", q)
        return '"' + " ".join(words) + '"'
    if query.kind == "prefix":
        return '"' + q.rstrip("*") + '"*'
    if query.kind == "or":
        a, b = q.split(" OR ")
        return f'"{a}" OR "{b}"'
    return " AND ".join(f'"{w}"' for w in q.split())


def fts_from(query: Query) -> tuple[str, list]:
    """FROM and WHERE for FTS5, and their arguments: the text match, then the speaker and
    the dates as joins (an `rowid in (subquery)` beside MATCH made SQLite rank every match
    first: 30x slower on the date ranges)."""
    joins, where, args = "", "docs match ?", [fts_match(query)]
    if query.speaker:
        joins += " join facet f on f.docid = d.rowid and f.name = 'speaker' and f.value = ?"
        args.insert(0, query.speaker)
    if query.date_from:
        joins += " join meta m on m.docid = d.rowid"
        where += " and m.day between ? and ?"
        args += [int(query.date_from) * 10000 + 101, int(query.date_to) * 10000 + 1231]
    return f"docs d{joins} where {where}", args


def fts_plain(conn, query: Query) -> None:
    """Top 10 by rank and the total, as our plain search returns."""
    source, args = fts_from(query)
    conn.execute(f"select d.rowid from {source} order by rank limit 10", args).fetchall()
    conn.execute(f"select count(*) from {source}", args).fetchone()


def fts_faceted(conn, query: Query) -> None:
    """fts_plain, then the eight facets counted over the hits."""
    fts_plain(conn, query)
    source, args = fts_from(query)
    conn.execute("create temp table if not exists hits (docid integer primary key)")
    conn.execute("delete from hits")
    conn.execute(f"insert into hits select d.rowid from {source}", args)
    for name in FACET_NAMES:
        conn.execute(
            "select value, count(*) from facet join hits using (docid) where name = ? "
            "group by value order by 2 desc limit 11",
            (name,),
        ).fetchall()
