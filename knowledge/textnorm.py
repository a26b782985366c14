"""Character-level normalisation shared by documents and questions.

Why one home at the bottom layer: a question pasted from Word or a PDF carries the same
invisible characters (zero-width space, joiners, soft hyphens, a BOM) and the same decomposed
(NFD) letters as the documents do; unless both sides go through the same function, a soft
hyphen inside "thưởng" in a question never meets "khen thưởng" in a law. Loaders
(``knowledge``) and query analysis (``retrieval``) both import from here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\x00"
        "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069\u180e\u2061\u2062\u2063\u2064",
    )
)
"""Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen, NUL: dropped (NUL also
because PostgreSQL cannot store it); so are the direction marks and embeddings that phones
and web pages insert invisibly (LRM, RLM, ALM, U+202A–U+202E, U+2066–U+2069), the Mongolian
vowel separator and the invisible operators (U+2061–U+2064)."""


_INVISIBLE_RE = re.compile("[" + "".join(map(chr, INVISIBLE)) + "]")


def nfc(text: str) -> str:
    """Unicode NFC: files and Telegram may send decomposed (NFD) Vietnamese."""
    return unicodedata.normalize("NFC", text)


def clean_text(text: str) -> str:
    """Invisible characters dropped, NFC: the form every stored text and question is in.
    (Searched before translating: most texts have none, and ``translate`` copies them all.)"""
    if _INVISIBLE_RE.search(text):
        text = text.translate(INVISIBLE)
    return nfc(text)


@lru_cache(maxsize=65536)
def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics and map đ→d: how officers type on a phone without IME.
    Cached: query analysis runs it on every syllable of every question, and syllables
    repeat."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(text: str) -> str:
    """Lowercase without diacritics (đ → d): how officers type without a Vietnamese IME, and
    the form loose comparisons (titles, caption keys, file names) are made in."""
    return strip_diacritics(nfc(text)).lower()
