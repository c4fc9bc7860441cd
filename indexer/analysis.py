"""Text analysis shared by indexing and querying: stemming, folding, Khmer bigrams."""

from __future__ import annotations

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

KHMER_RANGE = "\u1780-\u17ff\u19e0-\u19ff"
# Khmer runs are one token (Python's \w splits them at vowel signs); other words as usual.
TOKEN_PATTERN = rf"[{KHMER_RANGE}]+|\w+(?:\.\w+)*"


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


def text_analyzer():
    """English stemming with case and accent folding; Khmer bigrams."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | KhmerBigramFilter()
        | StopFilter()
        | StemFilter(cachesize=50000)
    )
