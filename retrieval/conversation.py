"""A conversation around the questions: small talk now, follow-ups and several questions in one
message build on it.

Why here and not in the handlers: the bot and ``tdkt chat`` must read a message the same way,
and nothing in reading it depends on Telegram. Phrases are data
(``data/smalltalk.toml``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from retrieval.text import fold

SMALLTALK_FILE = Path(__file__).resolve().parent / "data" / "smalltalk.toml"
SMALLTALK_KINDS = ("identity", "help", "thanks", "greeting")
"""In this order of precedence: "chào bot, bạn là ai" is a question about the bot."""
_PUNCTUATION = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class SmallTalkPhrases:
    phrases: tuple[tuple[str, str], ...]  # (folded phrase, kind), longest first
    filler: frozenset[str]


@lru_cache(maxsize=1)
def _phrases(path: Path = SMALLTALK_FILE) -> SmallTalkPhrases:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pairs = {(fold(p), kind) for kind in SMALLTALK_KINDS for p in data[kind]["phrases"]}
    ordered = sorted(pairs, key=lambda pair: (-len(pair[0]), SMALLTALK_KINDS.index(pair[1])))
    return SmallTalkPhrases(tuple(ordered), frozenset(fold(w) for w in data["filler"]["words"]))


def small_talk(message: str) -> str | None:
    """The kind of small talk ("greeting", "thanks", "identity", "help") when the message is
    only that; None when it holds anything else (then it is a question, greeting or not)."""
    words = " " + " ".join(_PUNCTUATION.sub(" ", fold(message)).split()) + " "
    if not words.strip():
        return None
    data = _phrases()
    kinds: set[str] = set()
    for phrase, kind in data.phrases:
        padded = f" {phrase} "
        if padded in words:
            kinds.add(kind)
            words = words.replace(padded, " ")
    rest = [w for w in words.split() if w not in data.filler]
    if rest or not kinds:
        return None
    return next(kind for kind in SMALLTALK_KINDS if kind in kinds)


_SEGMENT = re.compile(r"(?<=[,.!?;:…])\s+|\n+")


def without_small_talk(message: str) -> str:
    """The message without a greeting or thanks around it: "Chào bạn, cho hỏi … ? Cảm ơn ạ" →
    "cho hỏi … ?". Only whole leading or trailing segments (between punctuation) go, so
    nothing inside the question is touched."""
    segments = [s for s in _SEGMENT.split(message.strip()) if s.strip()]
    while len(segments) > 1 and small_talk(segments[0]):
        segments.pop(0)
    while len(segments) > 1 and small_talk(segments[-1]):
        segments.pop()
    return " ".join(segments)
