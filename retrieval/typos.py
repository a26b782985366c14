"""Deterministic single-edit typos, to measure how robust answering is to how people type.

Officers type on phones: a dropped, doubled or wrong letter, a wrong or missing tone mark.
:func:`typo_variant` applies exactly one such edit to one word of a question, chosen by a
seeded RNG keyed on the question's id, so every run measures the same variants
(``tdkt eval --typos``). It is a measuring instrument, never used when answering.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from collections.abc import Sequence

from retrieval.evaluation import Metrics, Question, Search, evaluate
from retrieval.spelling import KEYBOARD_ROWS, keys_beside

TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
"""Combining tone marks: huyền, sắc, hỏi, ngã, nặng."""
_NEIGHBOURS = {c: keys_beside(c, across_rows=False) for row in KEYBOARD_ROWS for c in row}
"""The generator's wrong letter: the key left or right of the intended one."""
_WORD = re.compile(r"[^\W\d_]{2,}")
EDITS = ("drop", "double", "wrong_letter", "tone")


def _split_tone(syllable: str) -> tuple[str, str | None, int]:
    """(syllable without its tone mark, the mark, index of the letter carrying it)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    out: list[str] = []
    tone, at = None, -1
    for ch in decomposed:
        if ch in TONES:
            tone, at = ch, len(out) - 1
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)), tone, at


def _with_tone(base: str, tone: str | None) -> str:
    """``base`` with ``tone`` on its main vowel (the last vowel before a final consonant)."""
    if tone is None:
        return base
    vowels = [
        i for i, ch in enumerate(base) if unicodedata.normalize("NFD", ch.lower())[0] in "aeiouy"
    ]
    if not vowels:
        return base
    index = vowels[-1] if len(vowels) == 1 or base[-1].lower() not in "aeiouy" else vowels[-2]
    return unicodedata.normalize("NFC", base[: index + 1] + tone + base[index + 1 :])


def edit_word(word: str, edit: str, rng: random.Random) -> str:
    """One edit of ``word``; the result always differs from it."""
    letters = list(word)
    if edit == "drop":
        i = rng.randrange(len(letters))
        return "".join(letters[:i] + letters[i + 1 :])
    if edit == "double":
        i = rng.randrange(len(letters))
        return "".join(letters[: i + 1] + letters[i:])
    if edit == "wrong_letter":
        plain = [i for i, ch in enumerate(letters) if ch.lower() in _NEIGHBOURS]
        if plain:
            i = rng.choice(plain)
            replacement = rng.choice(_NEIGHBOURS[letters[i].lower()])
            letters[i] = replacement.upper() if letters[i].isupper() else replacement
            return "".join(letters)
        return edit_word(word, "drop", rng)
    base, tone, _ = _split_tone(word)
    choices = [t for t in (None, *TONES) if t != tone]
    new = _with_tone(base, rng.choice(choices))
    return new if new != word else edit_word(word, "drop", rng)


def typo_variant(text: str, key: str, seed: int = 0) -> str:
    """``text`` with one seeded single-letter or tone edit in one of its words."""
    rng = random.Random(zlib.crc32(f"{seed}:{key}".encode()))
    words = list(_WORD.finditer(text))
    if not words:
        return text
    m = rng.choice(words)
    edited = edit_word(m.group(0), rng.choice(EDITS), rng)
    return text[: m.start()] + edited + text[m.end() :]


def typo_questions(questions: Sequence[Question], seed: int = 0) -> list[Question]:
    """The same questions, each with one typo (same gold)."""
    return [
        Question(q.id, typo_variant(q.question, q.id, seed), q.gold, q.off_topic) for q in questions
    ]


def typo_figures(questions: Sequence[Question], search: Search, seeds: int) -> dict[str, Metrics]:
    """Metrics of ``seeds`` typo'd copies of the questions ("typos 0", "typos 1", …): the
    figures to set beside the clean ones (``tdkt eval --typos N``)."""
    return {
        f"typos {seed}": evaluate(typo_questions(questions, seed), search) for seed in range(seeds)
    }
