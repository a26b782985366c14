"""Messages as a conversation: small talk, several questions in one message, follow-ups.

Officers do not ask one self-contained question per message. They greet, thank, ask two
things at once ("Cờ thi đua của Chính phủ tặng cho ai, mức thưởng bao nhiêu?") and follow up
("còn hạng Nhì thì sao?", "thế còn tập thể?"). :func:`plan` turns a message, with the
conversation's previous question (:class:`Conversations` keeps it a few minutes), into the
standalone questions to answer, in order. Follow-ups are completed from the question reading
(:mod:`retrieval.intent`): a message keeps what it says (intent, award, hạng, subject) and
takes the rest from the previous question.

Why here and not in the handlers: the bot and ``tdkt chat`` must read a message the same way,
and nothing in reading it depends on Telegram. Phrases are data (``data/conversation.toml``).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import tomllib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from retrieval.engine import SearchIndex
from retrieval.intent import ObjectMention, QuestionReading
from retrieval.text import fold

DATA = Path(__file__).resolve().parent / "data" / "conversation.toml"
SMALLTALK_KINDS = ("identity", "help", "thanks", "greeting")
"""In this order of precedence: "chào bot, bạn là ai" is a question about the bot."""
_PUNCTUATION = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class SmallTalkPhrases:
    phrases: tuple[tuple[str, str], ...]  # (folded phrase, kind), longest first
    filler: frozenset[str]


@lru_cache(maxsize=1)
def _phrases(path: Path = DATA) -> SmallTalkPhrases:
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
    text = message.strip()
    cuts = [0, *(m.end() for m in _SEGMENT.finditer(text)), len(text)]
    segments = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if text[a:b].strip()]
    while len(segments) > 1 and small_talk(text[slice(*segments[0])]):
        segments.pop(0)
    while len(segments) > 1 and small_talk(text[slice(*segments[-1])]):
        segments.pop()
    return text[segments[0][0] : segments[-1][1]].strip() if segments else text


# -- several questions in one message ---------------------------------------------------------

_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-zđ]\)|[-•*+])\s+", re.MULTILINE)
_QUESTION_END = re.compile(r"(?<=\?)\s+")


@dataclass(frozen=True)
class ConversationData:
    lead: tuple[str, ...]
    tail: tuple[str, ...]
    short_words: int
    joints: tuple[str, ...]
    max_parts: int


@lru_cache(maxsize=1)
def _data(path: Path = DATA) -> ConversationData:
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    followup, parts = config["followup"], config["parts"]

    def cues(values: list[str]) -> tuple[str, ...]:
        return tuple(sorted({fold(v) for v in values}, key=len, reverse=True))

    return ConversationData(
        lead=cues(followup["lead"]),
        tail=cues(followup["tail"]),
        short_words=int(followup["short_words"]),
        joints=tuple(parts["joints"]),
        max_parts=int(parts["max_parts"]),
    )


def split_questions(
    message: str,
    asks: Callable[[str], bool],
    ends_asking: Callable[[str], bool] = lambda _part: True,
) -> list[str]:
    """The questions of a message, in order: its list items, its "?"-ended sentences (a
    sentence that ``asks`` nothing of its own stays with the one before), or its clauses at a
    joint ("…, …", "… và …") when every clause ``asks`` and ``ends_asking``. A message that
    is one question comes back whole."""
    data = _data()
    text = message.strip()
    items = [p.strip() for p in _LIST_ITEM.split(text) if p.strip()]
    if len(_LIST_ITEM.findall(text)) >= 2:
        # "Cho hỏi:\n1. … \n2. …": an intro line without a question of its own is dropped.
        parts = [p for p in items if asks(p)] or items
    else:
        parts = []
        for piece in (p.strip() for p in _QUESTION_END.split(text) if p.strip()):
            if parts and not asks(piece):
                parts[-1] = f"{parts[-1]} {piece}"
            elif parts and not asks(parts[-1]):
                parts[-1] = f"{parts[-1]} {piece}"  # a story before the question
            else:
                parts.append(piece)
        if len(parts) == 1:
            parts = _split_at_joints(text, lambda p: asks(p) and ends_asking(p), data.joints)
    parts = list(dict.fromkeys(p for p in parts if re.search(r"[^\W_]", p)))  # repeats once
    return parts[: data.max_parts] or [text]


def _split_at_joints(text: str, asks: Callable[[str], bool], joints: tuple[str, ...]) -> list[str]:
    for joint in joints:
        pieces = [p.strip(" ,;") for p in text.split(joint)]
        if len(pieces) > 1 and all(len(p.split()) >= 2 and asks(p) for p in pieces):
            return pieces
    return [text]


# -- follow-ups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """A question the conversation answered: the standalone question and how it was read."""

    question: str
    reading: QuestionReading | None
    at: float = 0.0


@dataclass(frozen=True)
class Planned:
    """One question to answer for a message."""

    question: str
    """What to ask: the part as typed, or completed from the previous question."""
    typed: str
    """The part of the message as the officer typed it."""
    followup: bool = False
    """``question`` was completed from the previous question."""
    alternative: str | None = None
    """When it is unclear whether the part follows up: the follow-up reading, to offer as a
    button (``question`` is then the standalone reading)."""
    reading: QuestionReading | None = field(default=None, compare=False, repr=False)
    """How ``question`` reads (for the conversation's memory)."""


@dataclass(frozen=True)
class Plan:
    small_talk: str | None = None
    parts: tuple[Planned, ...] = ()


def _strip_cues(text: str) -> tuple[str, bool]:
    """The message without its follow-up cues ("còn … thì sao?" → "…"), and whether it had
    any. Compared without diacritics, cut from the text as typed."""
    data = _data()
    words = text.strip().rstrip("?.!… ").split()
    folded = [fold(w).strip(",;:") for w in words]
    found = False
    for cue in data.lead:
        n = len(cue.split())
        if folded[:n] == cue.split() and len(words) > n:
            words, folded, found = words[n:], folded[n:], True
            break
    for cue in data.tail:
        n = len(cue.split())
        if len(words) > n and folded[-n:] == cue.split():
            words, folded, found = words[:-n], folded[:-n], True
            break
    return " ".join(words).strip(" ,;"), found


def _content_words(index: SearchIndex, text: str) -> int:
    """Syllables of ``text`` that say what is asked about: not the award and hạng it names,
    not question or function words ("bao nhiêu", "thì", "gì")."""
    reading = index.analyze(text).reading
    kept = reading.text if reading is not None else text.lower()
    for obj in reading.objects if reading is not None else ():
        a, b = obj.span
        kept = kept[:a] + " " * (b - a) + kept[b:]
    stop = index.lexicon.stopwords
    return len([w for w in re.findall(r"[^\W\d_]+", kept) if w not in stop and w != "hạng"])


_RANK = re.compile(r"\bh(?:ạ|a)ng\s+(\w+)", re.IGNORECASE)
"""A hạng as typed: "hạng Nhì", "hang 2"."""


def _rank_in(text: str, ranks: dict[str, str]) -> str | None:
    """The hạng a message names ("hạng Nhì", "hạng 2")."""
    m = _RANK.search(text)
    return ranks.get(m.group(1).lower()) if m else None


def _with_rank(index: SearchIndex, obj: ObjectMention, rank: str | None) -> str:
    award = index.reader.catalog.awards.get(obj.award or "")
    if award is None or not rank or not award.ranks:
        return obj.name
    return award.named(rank)


def complete(
    index: SearchIndex,
    typed: str,
    reading: QuestionReading,
    previous: Turn | None,
    *,
    eager: bool = False,
) -> Planned:
    """``typed`` as a standalone question: itself, or completed from ``previous`` when it
    only says what changes (the hạng, the subject, the intent, or the award). ``eager``: the
    previous question is another part of the same message, so a part that names no award is
    about that one (no doubt to offer)."""
    before = previous.reading if previous is not None else None
    if previous is None or before is None or before.object is None:
        return Planned(typed, typed)
    core, cued = _strip_cues(typed)
    if not core:
        return Planned(typed, typed)
    rank = _rank_in(reading.text, index.reader.vocabulary.ranks)
    obj = reading.object
    short = obj is None and _content_words(index, core) <= _data().short_words
    if obj is None and not reading.objects and (reading.intent or rank or reading.subjects):
        # (A kind named as such, "danh hiệu thi đua", says the question is general: not this.)
        # The award is the previous question's, at the hạng this message names.
        name = _with_rank(index, before.object, rank or before.object.rank)
        if reading.intent:
            question = f"{core} {name}" if not rank else f"{_without_rank(core)} {name}"
        else:
            question = _swap_object(previous.question, before, name, reading.subjects)
        if eager or cued or short or not reading.intent:
            return Planned(question, typed, followup=True)
        return Planned(typed, typed, alternative=question)  # unclear: both readings
    if (
        obj is not None
        and not reading.intent
        and before.intent
        and (_content_words(index, core) <= (1 if cued else 0))
    ):
        # "còn Bằng khen Thủ tướng?": the previous intent, about this award.
        name = _with_rank(index, obj, rank or obj.rank)
        return Planned(
            _swap_object(previous.question, before, name, reading.subjects), typed, followup=True
        )
    return Planned(typed, typed)


def _without_rank(text: str) -> str:
    return _RANK.sub(" ", text).strip()


def _swap_object(
    question: str, before: QuestionReading, name: str, subjects: tuple[str, ...]
) -> str:
    """The previous question with its award replaced by ``name`` (its hạng included) and,
    when the new message names one, its subject replaced."""
    assert before.object is not None
    text = before.text
    a, b = before.object.span
    tail = text[b:]
    if before.object.rank:  # drop the old "hạng Ba" that follows the name
        rank = _RANK.match(tail.lstrip())
        tail = tail.lstrip()[rank.end() :] if rank else tail
    swapped = f"{text[:a]}{name}{tail}"
    if subjects:
        for old in before.subjects:
            swapped = re.sub(rf"\b{re.escape(old)}\b", "", swapped)
        swapped = f"{' '.join(swapped.split())} đối với {', '.join(subjects)}"
    return " ".join(swapped.split())


def plan(index: SearchIndex, message: str, previous: Turn | None = None) -> Plan:
    """The questions to answer for ``message`` (or the small talk it is), each standalone:
    parts of a message and follow-ups take what they leave out from the question before
    them (the previous part, else the conversation's previous question)."""
    if kind := small_talk(message):
        return Plan(small_talk=kind)
    text = without_small_talk(message)
    readings: dict[str, QuestionReading | None] = {}

    def read(part: str) -> QuestionReading | None:
        if part not in readings:
            readings[part] = index.analyze(part).reading
        return readings[part]

    def asks(part: str) -> bool:
        reading = read(part)
        return reading is not None and bool(reading.intents or reading.objects)

    ends = index.reader.vocabulary.ends

    def ends_asking(part: str) -> bool:
        reading = read(part)
        words = re.findall(r"[^\W_]+", reading.text if reading is not None else part.lower())
        return bool(reading and reading.intents) and bool(words) and words[-1] in ends

    parts = split_questions(text, asks, ends_asking)
    planned: list[Planned] = []
    context = previous
    for n, part in enumerate(parts):
        reading = read(part)
        if reading is None:
            planned.append(Planned(part, part))
            continue
        eager = n > 0
        if reading.object is None and (
            context is None or context.reading is None or context.reading.object is None
        ):
            # "Hồ sơ và thủ tục đề nghị Bằng khen Thủ tướng": the award comes later.
            later = next((p for p in parts[n + 1 :] if (r := read(p)) and r.object), None)
            if later is not None:
                context, eager = Turn(later, read(later)), True
        done = complete(index, part, reading, context, eager=eager)
        done = replace(done, reading=read(done.question))
        if any(_same_question(done.reading, p.reading) for p in planned):
            continue  # the same question again (a repeated or pasted message): answered once
        planned.append(done)
        context = Turn(done.question, done.reading)
    return Plan(parts=tuple(planned))


def _same_question(a: QuestionReading | None, b: QuestionReading | None) -> bool:
    """Two parts that ask the same thing about the same award for the same subject."""
    if a is None or b is None or not a.intents or a.object is None or b.object is None:
        return False
    return (set(a.intents), a.object.award or a.object.name, a.object.rank, a.subjects) == (
        set(b.intents),
        b.object.award or b.object.name,
        b.object.rank,
        b.subjects,
    )


def converse(
    index: SearchIndex,
    memory: Conversations,
    key: Hashable,
    message: str,
    previous: Turn | None = None,
) -> Plan:
    """:func:`plan` with the conversation's memory: the previous question is ``previous``
    (a reply to an earlier answer) or the last one remembered for ``key``; every question
    planned is remembered in turn. One definition for the bot and ``tdkt chat``."""
    planned = plan(index, message, previous or memory.recall(key))
    for part in planned.parts:
        memory.remember(key, part.question, part.reading)
    return planned


# -- memory ------------------------------------------------------------------------------------


@dataclass
class Conversations:
    """The last questions of each conversation (a private chat, or one user in a group), kept
    ``ttl`` seconds: a follow-up an hour later is a new question. In memory, per process."""

    ttl: float = 600.0
    limit: int = 10_000
    """At most this many conversations (the oldest are forgotten first)."""
    clock: Callable[[], float] = time.monotonic
    _turns: OrderedDict[Hashable, Turn] = field(default_factory=OrderedDict)
    _offers: OrderedDict[str, tuple[str, float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def recall(self, key: Hashable) -> Turn | None:
        with self._lock:
            turn = self._turns.get(key)
            if turn is None or self.clock() - turn.at > self.ttl:
                return None
            return turn

    def remember(self, key: Hashable, question: str, reading: QuestionReading | None) -> None:
        with self._lock:
            self._turns.pop(key, None)
            self._turns[key] = Turn(question, reading, self.clock())
            while len(self._turns) > self.limit:
                self._turns.popitem(last=False)

    def offer(self, question: str) -> str:
        """A short token for a question offered as a button (the other reading of an unclear
        follow-up); :meth:`offered` gives it back while it is fresh."""
        token = secrets.token_urlsafe(6)
        with self._lock:
            self._offers[token] = (question, self.clock())
            while len(self._offers) > self.limit:
                self._offers.popitem(last=False)
        return token

    def offered(self, token: str) -> str | None:
        with self._lock:
            found = self._offers.get(token)
        if found is None or self.clock() - found[1] > self.ttl:
            return None
        return found[0]
