"""A message as a question: cleaned, cut to a sane length, and what kind of list it asks for.

Why here and not in the bot: the CLI, inline mode and the bot must read a question the same
way, and none of this depends on Telegram.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache

from knowledge.textnorm import clean_text, fold
from retrieval.passage_choice import DATA as PASSAGE_CHOICE_FILE

MAX_QUESTION_CHARS = 1500
"""Longer messages are cut to their last this many characters: officers tell their story
first and ask last ("… vậy tôi có đủ điều kiện không?"), and a pasted document is not a
question."""
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_START = re.compile(r"[.?!…]\s+|\n+")


def clean_question(raw: str | None) -> tuple[str, bool]:
    """Whitespace-normalised question, cut to its last ``MAX_QUESTION_CHARS`` at a word
    boundary. Returns (question, truncated)."""
    text, truncated = cut_message(raw)
    return " ".join(text.split()), truncated


def cut_message(raw: str | None) -> tuple[str, bool]:
    """A message as typed (lines kept: a numbered list is several questions), without
    invisible characters, cut to its last ``MAX_QUESTION_CHARS`` at a word boundary."""
    text = clean_text(raw or "").strip()
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[-MAX_QUESTION_CHARS:]
    sentence = _SENTENCE_START.search(cut, 0, MAX_QUESTION_CHARS // 2)
    space = cut.find(" ")
    if sentence is not None:
        cut = cut[sentence.end() :]
    elif 0 <= space < MAX_QUESTION_CHARS // 2:
        cut = cut[space + 1 :]
    return cut.strip(), True


def has_words(text: str | None) -> bool:
    """At least one letter or digit: emoji, stickers-as-text and punctuation are not questions."""
    return bool(_WORD.search(text or ""))


@lru_cache(maxsize=1)
def _checklist_phrases() -> re.Pattern[str]:
    config = tomllib.loads(PASSAGE_CHOICE_FILE.read_text(encoding="utf-8"))
    phrases = sorted({fold(p) for p in config["checklist"]["asked_by"]}, key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
    return re.compile(rf"\b(?:{alternatives})\b")


def is_dossier_question(question: str) -> bool:
    """Is the officer asking what a dossier/procedure consists of (with or without accents)?
    Such answers show their points as a checklist (phrases: ``[checklist]`` in
    ``data/passage_choice.toml``)."""
    return bool(_checklist_phrases().search(fold(question)))
