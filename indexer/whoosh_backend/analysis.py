"""Text analysis shared by indexing and querying: stemming, folding, Khmer bigrams."""

from __future__ import annotations

import itertools
import re
import sys
from array import array
from collections import defaultdict

import numpy as np
from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.formats import Positions
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

KHMER_RANGE = "\u1780-\u17ff\u19e0-\u19ff"
# Between the parts of a document's one search field (each headline copy, the body, the
# quotes): a token that takes no place in the index but moves the next word PART_GAP
# positions on, so that no phrase matches across the joint of two parts (issue 12: "kheng
# gov" matched the end of one headline copy and the start of the next). Two control
# characters: text never holds them (documents.py strips them from every part), and two
# because StopFilter drops one-character tokens.
PART_BREAK = "\x1e\x1e"
PART_GAP = 10
# Khmer runs are one token (Python's \w splits them at vowel signs); other words as usual.
TOKEN_PATTERN = rf"{PART_BREAK}|[{KHMER_RANGE}]+|\w+(?:\.\w+)*"
TOKEN_RE = re.compile(TOKEN_PATTERN)
# Distinct raw words whose analysis is remembered per process (see WordCache).
WORD_CACHE_SIZE = 300_000


def is_khmer(text: str) -> bool:
    """True when the token is written in Khmer script."""
    return bool(text) and "\u1780" <= text[0] <= "\u19ff"


class KhmerBigramFilter(Filter):
    """Khmer has no spaces between words: index overlapping character bigrams so that any
    typed Khmer word matches inside longer runs (queries become phrases of bigrams)."""

    def __call__(self, tokens):
        """Pass other tokens through; split Khmer tokens into positioned bigrams."""
        pos_shift = 0
        for t in tokens:
            if t.positions:
                t.pos += pos_shift
            if not is_khmer(t.text) or len(t.text) <= 2:
                yield t
                continue
            text, start = t.text, getattr(t, "startchar", 0)
            for i in range(len(text) - 1):
                t.text = text[i : i + 2]
                if t.chars:
                    t.startchar, t.endchar = start + i, start + i + 2
                yield t
                if t.positions and i < len(text) - 2:
                    t.pos += 1
                    pos_shift += 1


class PartGapFilter(Filter):
    """Drop PART_BREAK tokens and move every later token PART_GAP positions on per break
    (after StopFilter, which numbers the break like a word and would close any gap)."""

    def __call__(self, tokens):
        """Pass words through, shifted past the breaks before them."""
        shift = 0
        for t in tokens:
            if t.text == PART_BREAK:
                shift += PART_GAP - 1  # the break itself already took one position
                continue
            if t.positions and shift:
                t.pos += shift
            yield t


def text_analyzer():
    """English stemming with case and accent folding; Khmer bigrams; gaps between parts."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | KhmerBigramFilter()
        | StopFilter()
        | PartGapFilter()
        | StemFilter(cachesize=50000)
    )


class WordCache(dict):
    """What the analyzer makes of each distinct raw word, remembered: every filter in the
    chain works on one token at a time, so a word's terms never depend on its neighbours.
    cache[raw] gives the terms one raw word yields (empty for a stop word, bigrams for
    Khmer); for a PART_BREAK, PART_GAP empty places (numbered like a word, then the gap). A
    dict whose misses run the analyzer, so that hits are looked up in C (index_terms)."""

    def __init__(self, analyzer):
        super().__init__()
        self.analyzer = analyzer

    def __missing__(self, raw: str) -> tuple[str | None, ...]:
        """Analyse a word not seen before and remember it."""
        if len(self) >= WORD_CACHE_SIZE:
            self.clear()
        if raw == PART_BREAK:
            found = (None,) * PART_GAP
        else:
            found = tuple(t.text for t in self.analyzer(raw, positions=True, mode="index"))
        self[raw] = found
        return found


_last_cache: list[WordCache] = []  # one per process: ingests use one analyzer at a time


def kept_for(store: list, make, analyzer):
    """The object `make` built for this analyzer, kept in store (one per process) while the
    analyzer stays the same: an index opened again brings an equal analyzer, not the same
    object, and then keeps the one already built."""
    if store:
        kept = store[0]
        if kept.analyzer is analyzer:
            return kept
        if kept.analyzer == analyzer:
            kept.analyzer = analyzer  # the next call takes the fast test above
            return kept
    store[:] = [make(analyzer)]
    return store[0]


def word_cache(analyzer) -> WordCache:
    """The word cache for this analyzer (see kept_for)."""
    return kept_for(_last_cache, WordCache, analyzer)


def index_terms(text: str, analyzer) -> dict[str, list[int]]:
    """Each term of text with its positions, exactly as the analyzer would number them,
    without running the filter chain once per token (indexing spent most of its time there).
    Words are looked up and their terms laid end to end in C (map, chain): a Python loop
    over the tokens was a quarter of the index phase (py-spy, 3,000 stories)."""
    cache = word_cache(analyzer)
    found = list(map(cache.__getitem__, TOKEN_RE.findall(text)))
    # StopFilter keeps the first kept token's own position and renumbers after it.
    leading_stops = 0
    for terms in found:
        if terms:
            break
        leading_stops += 1
    positions: dict[str | None, list[int]] = defaultdict(list)
    for pos, term in enumerate(itertools.chain.from_iterable(found), leading_stops):
        positions[term].append(pos)
    positions.pop(None, None)  # the places a PART_BREAK takes
    return positions


def is_standard(analyzer) -> bool:
    """True when the analyzer is the one text_analyzer builds (the only one index_terms copies)."""
    items = getattr(analyzer, "items", ())
    return (
        len(items) == 7
        and isinstance(items[0], RegexTokenizer)
        and items[0].expression.pattern == TOKEN_PATTERN
        and not items[0].gaps
        and [type(f) for f in items[1:]]
        == [
            LowercaseFilter,
            CharsetFilter,
            KhmerBigramFilter,
            StopFilter,
            PartGapFilter,
            StemFilter,
        ]
    )


# How Whoosh's highlighter calls the analyzer (whoosh.highlight.highlight, 3.54.0).
HIGHLIGHT_CALL = {"chars": True, "mode": "query", "removestops": False}


class HighlightAnalyzer:
    """The text analyzer as Whoosh's highlighter calls it (characters, query mode, stop
    words kept and marked), giving the same tokens from each distinct word's tokens
    remembered: snippets spent most of a results page running the filter chain once per
    word of every hit's body (#12). Any other call goes to the analyzer itself."""

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.fast = is_standard(analyzer)
        self.words: dict[str, tuple[tuple[str, int, int, bool], ...]] = {}

    def __call__(self, text: str, **kwargs):
        """Tokens of text; from remembered words for the highlighter's call."""
        if not self.fast or kwargs != HIGHLIGHT_CALL or PART_BREAK in text:
            return self.analyzer(text, **kwargs)
        return self._tokens(text)

    def _word(self, raw: str) -> tuple[tuple[str, int, int, bool], ...]:
        """(text, start, end, stopped) of each token one raw word yields, remembered."""
        found = self.words.get(raw)
        if found is None:
            if len(self.words) >= WORD_CACHE_SIZE:
                self.words.clear()
            tokens = self.analyzer(raw, **HIGHLIGHT_CALL)
            found = tuple((t.text, t.startchar, t.endchar, t.stopped) for t in tokens)
            self.words[raw] = found
        return found

    def _tokens(self, text: str):
        """One reused token, as Whoosh's tokenizer yields them (the highlighter copies)."""
        token = Token(positions=False, **HIGHLIGHT_CALL)
        word = self._word
        for match in TOKEN_RE.finditer(text):
            start = match.start()
            for token.text, begin, end, token.stopped in word(match.group()):
                token.startchar, token.endchar = start + begin, start + end
                yield token


_last_highlighter: list[HighlightAnalyzer] = []


def highlight_analyzer(analyzer) -> HighlightAnalyzer:
    """The HighlightAnalyzer of this analyzer (see kept_for)."""
    return kept_for(_last_highlighter, HighlightAnalyzer, analyzer)


class FastPositions(Positions):
    """Whoosh's Positions format with the same postings, computed by index_terms."""

    def word_values(self, value, analyzer, **kwargs):
        """(term, frequency, weight, encoded positions) for each distinct term of value."""
        if not isinstance(value, str) or not is_standard(analyzer):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        fb = self.field_boost
        encode = self.encode
        for term, poslist in index_terms(value, analyzer).items():
            yield term, len(poslist), len(poslist) * fb, encode(poslist)

    def index_postings(self, value: str, analyzer) -> list[tuple[bytes, int, float, bytes]]:
        """What a text field's index() yields for value (term as UTF-8, frequency, weight,
        encoded positions), as one list built without word_values' generators (FastText):
        a story has about 400 distinct words, each passed through two generators."""
        return self.postings_of(index_terms(value, analyzer))

    def postings_of(self, terms: dict[str, list[int]]) -> list[tuple[bytes, int, float, bytes]]:
        """index_postings' items for terms already found, each term's positions encoded."""
        fb = self.field_boost
        encode = self.encode
        return [
            (term.encode("utf-8"), len(poslist), len(poslist) * fb, encode(poslist))
            for term, poslist in terms.items()
        ]


CODE_BYTES = {"H": b"H", "I": b"I"}  # RawPositions' type codes, as the byte each value holds
# The first five bytes of a two-byte value of n positions, for the n most documents give a
# term (index_postings adds one to the positions' bytes instead of building it each time).
SHORT_HEADS = [pack_uint(n) + CODE_BYTES["H"] for n in range(256)]
# Values of one term decoded at once by RawPositions.extend_many from this many on: its
# numpy calls cost about what 50 values decoded one at a time do.
BULK_VALUES = 64


class RawPositions(FastPositions):
    """FastPositions whose values hold the positions as an array after Whoosh's frequency
    prefix (a type code, then uint16s, or uint32s past 65,535) instead of a pickled list of
    gaps: the segment writer encodes every posting and decodes it again for the flat file
    (flatpostings.py), and pickling was a tenth of the index phase. The values are about
    two thirds of the pickles' size. Indexes written before keep FastPositions' values."""

    def encode(self, poslist) -> bytes:
        """Whoosh's 4-byte count, then the positions (ascending) as one array."""
        code = "H" if poslist[-1] < 65536 else "I"
        values = array(code, poslist)
        if sys.byteorder == "big":
            values.byteswap()  # stored little-endian, so an index reads the same anywhere
        return pack_uint(len(poslist)) + CODE_BYTES[code] + values.tobytes()

    def index_postings(self, value: str, analyzer) -> list[tuple[bytes, int, float, bytes]]:
        """FastPositions.index_postings with every term's positions encoded at once: one
        array of all a document's positions, its bytes sliced per term, the same values
        encode() gives (an array per term was a tenth of the index phase). A document
        with a position past 65,535 is encoded term by term."""
        terms = index_terms(value, analyzer)
        try:
            blob = array("H", itertools.chain.from_iterable(terms.values()))
        except OverflowError:
            return self.postings_of(terms)
        if sys.byteorder == "big":
            blob.byteswap()
        data = blob.tobytes()
        fb, code = self.field_boost, CODE_BYTES["H"]
        found, start = [], 0
        for term, poslist in terms.items():
            n = len(poslist)
            end = start + 2 * n
            head = SHORT_HEADS[n] if n < len(SHORT_HEADS) else pack_uint(n) + code
            found.append((term.encode("utf-8"), n, n * fb, head + data[start:end]))
            start = end
        return found

    def decode_positions(self, valuestring: bytes) -> list[int]:
        """The positions encode wrote."""
        return self._array(valuestring).tolist()

    def extend_positions(self, value: bytes, out: array) -> int:
        """Append a posting value's positions to out (an array of any integer type); how
        many there were."""
        if sys.byteorder == "big":
            found = self._array(value).tolist()
        else:  # read in place: a view of the value's bytes as its integers
            found = memoryview(value)[5:].cast(chr(value[4]))
        out.extend(found)
        return len(found)

    def extend_many(self, values: list[bytes], out: array) -> list[int]:
        """extend_positions of each value, in turn; how many each had. A long list of
        two-byte values is read at once (its bytes joined, each value's 5-byte head
        dropped): one call per posting was a twentieth of the index phase (py-spy)."""
        extend = self.extend_positions
        if len(values) < BULK_VALUES or sys.byteorder == "big":
            return [extend(value, out) for value in values]
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        blob = np.frombuffer(b"".join(values), dtype=np.uint8)
        starts = np.cumsum(lengths) - lengths
        if lengths.min() < 5 or (blob[starts + 4] != CODE_BYTES["H"][0]).any():
            return [extend(value, out) for value in values]
        keep = np.ones(len(blob), dtype=bool)
        keep[(starts[:, None] + np.arange(5)).ravel()] = False
        out.frombytes(blob[keep].view("<u2").astype(np.dtype(out.typecode)).tobytes())
        return ((lengths - 5) // 2).tolist()

    @staticmethod
    def _array(value: bytes) -> array:
        """The positions of a value as an array."""
        values = array(chr(value[4]), value[5:])
        if sys.byteorder == "big":
            values.byteswap()
        return values
