"""Vietnamese text processing shared by documents and queries.

The same function must prepare both sides of the match, otherwise "hoà" in an old document
never meets "hòa" in a question. Steps: Unicode NFC, one tone-mark convention (the modern
"hòa/thủy" placement), lowercase, footnote markers "[12]" dropped, document numbers kept whole,
pyvi word segmentation, punctuation dropped.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from types import ModuleType

from knowledge.model import number_key
from knowledge.textnorm import clean_text, fold, nfc, strip_diacritics

__all__ = [
    "DOC_NUMBER",
    "canonical_doc_number",
    "fold",
    "nfc",
    "normalize",
    "normalize_tone_marks",
    "strip_diacritics",
    "tokenize",
]


def _load_pyvi() -> ModuleType:
    """pyvi's tokenizer, loaded without scikit-learn.

    pyvi unpickles a sklearn-crfsuite ``CRF``, whose only use of scikit-learn is a
    ``BaseEstimator`` base class; ``sklearn_crfsuite.compat`` falls back to a plain class when
    scikit-learn cannot be imported. Importing scikit-learn (it pulls in scipy.stats) took
    ~1.3 s of a 4 s cold start, and segmentation is identical without it
    (``tests/test_segmentation_parity.py``), so it is hidden while pyvi loads — unless
    something in the process has already imported it.
    """
    hide = "sklearn" not in sys.modules
    if hide:
        sys.modules["sklearn"] = None  # type: ignore[assignment]  # → ImportError
    try:
        from pyvi import ViTokenizer
    finally:
        if hide:
            del sys.modules["sklearn"]
    return ViTokenizer


ViTokenizer = _load_pyvi()

# Old-style tone placement on the second vowel of a syllable-final "oa", "oe", "uy"
# ("hoà", "khoẻ", "thuỷ") → modern placement on the first ("hòa", "khỏe", "thủy").
# Only at the end of a syllable: in "hoàn", "tuyển" both conventions agree.
_TONED = {
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "y": "ỳýỷỹỵ",
}
_BASE_TONED = {"o": "òóỏõọ", "u": "ùúủũụ"}
_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))

_TONE_MAP: dict[str, str] = {}
for _first, _second in _PAIRS:
    for i, toned in enumerate(_TONED[_second]):
        _modern = _BASE_TONED[_first][i]
        _TONE_MAP[_first + toned] = _modern + _second
        _TONE_MAP[_first.upper() + toned.upper()] = _modern.upper() + _second.upper()
        _TONE_MAP[_first.upper() + toned] = _modern.upper() + _second
# One pass with character classes (an alternation of the 45 pairs tried at every position
# was most of the index build); pairs outside _TONE_MAP ("uá") are left as they are.
# "qu" + "ý" is a consonant cluster + vowel: "quý" is already modern, leave it.
_TONE_PAIR = re.compile(
    "(?<![qQ])[oOuU]["
    + "".join(sorted({k[1] for k in _TONE_MAP} | {k[1].upper() for k in _TONE_MAP}))
    + r"](?![^\W\d_])"
)

FOOTNOTE_MARKER = re.compile(r"\[\d{1,3}\]")

# Document numbers: 06/2022/QH15, 152/2025/NĐ-CP, 16/VBHN-VPQH, 2346/HD-ĐHM, 15/2025/TT-BNV.
DOC_NUMBER = re.compile(
    r"\b\d{1,5}\s?/\s?(?:\d{4}/)?[A-ZĐa-zđ0-9]+(?:-[A-ZĐa-zđ0-9]+)*",
)
_PLACEHOLDER = "xqdocnum{}x"
_WORD = re.compile(r"[^\W_]", re.UNICODE)


def normalize_tone_marks(text: str) -> str:
    """Move old-style tone marks ("hoà", "thuỷ") to the modern position ("hòa", "thủy")."""
    return _TONE_PAIR.sub(lambda m: _TONE_MAP.get(m.group(0), m.group(0)), text)


def normalize_chars(text: str) -> str:
    """NFC, no invisible characters, one tone convention; case kept (for display)."""
    return normalize_tone_marks(nfc(text))


def normalize(text: str) -> str:
    """NFC without invisible characters (as documents are stored), one tone convention,
    lowercase, no footnote markers: the searchable form."""
    text = normalize_tone_marks(clean_text(text))
    text = FOOTNOTE_MARKER.sub(" ", text)
    return text.lower()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a legal passage: cut at a full stop (not a clause's
    number "2."), at ";" outside parentheses and at line ends. "(40 ngày làm việc đối với …:
    “Huân chương Độc lập”, …; danh hiệu Anh hùng …)" stays one sentence."""
    spans: list[tuple[int, int]] = []
    start, depth = 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        numbering = char == "." and text[text.rfind("\n", 0, i) + 1 : i].strip().isdigit()
        if (
            char == "\n"
            or (char == "." and not numbering and (i + 1 == len(text) or text[i + 1].isspace()))
            or (char == ";" and depth <= 0)
        ):
            spans.append((start, i + 1))
            start, depth = i + 1, 0 if char == "\n" else depth
    spans.append((start, len(text)))
    return spans


def sentences(text: str, min_words: int = 1) -> list[str]:
    """The sentences of :func:`sentence_spans`, stripped, of at least ``min_words`` words."""
    out = (text[a:b].strip() for a, b in sentence_spans(text))
    return [s for s in out if len(s.split()) >= min_words]


def canonical_doc_number(raw: str) -> str:
    """A document number as a single lowercase token: "152/2025/NĐ-CP" → "152/2025/nđ-cp"."""
    return number_key(raw)


@lru_cache(maxsize=4096)
def _segment(normalized: str) -> tuple[str, ...]:
    return tuple(ViTokenizer.tokenize(normalized).split())


def tokenize(text: str) -> list[str]:
    """Searchable tokens of ``text``: normalised, segmented into words, no punctuation.

    Document numbers are replaced by placeholders before segmentation (pyvi would split
    "06/2022/QH15" into six pieces) and restored as single tokens afterwards.
    """
    normalized = normalize(text)
    numbers: list[str] = []

    def protect(match: re.Match[str]) -> str:
        numbers.append(canonical_doc_number(match.group(0)))
        return " " + _PLACEHOLDER.format(len(numbers) - 1) + " "

    normalized = DOC_NUMBER.sub(protect, normalized)
    tokens: list[str] = []
    for piece in _segment(normalized):
        if piece.startswith("xqdocnum") and piece.endswith("x"):
            index = piece[len("xqdocnum") : -1]
            if index.isdigit() and int(index) < len(numbers):
                tokens.append(numbers[int(index)])
                continue
        if _WORD.search(piece):
            tokens.append(piece.strip("_"))
    return [t for t in tokens if t]
