"""Spelling correction against the knowledge base's own vocabulary.

Officers type on phones: one dropped, doubled or wrong letter, a wrong or missing tone mark
("nhng", "danhh", "khen thương", "lao đông", "giấy khèn"), "sỹ" for "sĩ". A single such
word used to sink a question: the word is unknown to the index, so it neither ranks nor counts
as covered. Correction happens before ranking, one syllable at a time:

1. a syllable is *suspect* when it cannot be a Vietnamese syllable of these texts (its onset
   or rhyme occurs in no indexed syllable, or a tone a stop-final rhyme cannot carry:
   "nhng", "danhh", "độnh"), or when it stands in a pair of syllables the texts never write
   together while a one-edit neighbour does ("khen thương" → "khen thưởng", "giấy khèn");
2. its candidates are the indexed syllables one edit away (a letter dropped, added, replaced
   or two swapped; tone marks are letters here, so a wrong tone is one edit), found through a
   deletion index (the symmetric-delete method);
3. the candidate with the most support from its neighbours (how often the texts write it
   next to the syllables before and after) replaces it, if that support is clear.

A syllable the texts use in that very pair is never changed (except an i/y spelling variant:
only the expired law writes "chiến sỹ"), so valid words the texts lack ("chồng", "Tết") are
left alone. Questions typed without diacritics are corrected in unaccented form
("hua chuong" → "huan chuong") before their diacritics are restored.

Built once per index snapshot from the diacritic restorer's word counts (no extra pass over
the texts); a question costs a few dictionary look-ups per syllable.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from retrieval.text import strip_diacritics

ONSETS = (
    "ngh",
    "ng",
    "gh",
    "gi",
    "kh",
    "nh",
    "ph",
    "qu",
    "th",
    "tr",
    "ch",
    "b",
    "c",
    "d",
    "đ",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "x",
)
"""Vietnamese initial consonants (longest first), how a syllable splits into onset + rhyme."""
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_STOP_TONES = ("\u0301", "\u0323")
"""A rhyme ending in p, t, c, ch carries only sắc or nặng."""
_STOPS = ("p", "t", "c", "ch")
_IY = str.maketrans("iìíỉĩịyỳýỷỹỵ", "yỳýỷỹỵiìíỉĩị")

MIN_SUPPORT = 2
"""Times the texts must write a candidate next to a neighbour for a real word to be changed."""
MIN_ASSOCIATION = 0.3
"""And the share of that neighbour's occurrences that come with the candidate must be at least
this for a word the texts use ("giấy" is followed by "khen" often, "chính" is preceded by
"hành" rarely: "ngân hàng chính sách" stays)."""
MIN_ASSOCIATION_UNSEEN = 0.1
"""The same share for a syllable the texts never use ("khai mản" → "khai man": 0.18; "cho
biết" → "cho tiết": 0.05, left alone)."""
RARITY = 5
"""A syllable the texts use is taken for a typo of one they use at least this many times more
("thương" of "thưởng"; not "viên" of "liên")."""
VARIANT_FACTOR = 3
"""An i/y spelling variant ("sỹ"/"sĩ") is swapped when the texts pair the other spelling with
the neighbours this many times more often."""


def split_tone(syllable: str) -> tuple[str, str]:
    """(syllable without tone mark, tone mark or ""): "thưởng" → ("thương", "\u0309")."""
    tone = ""
    out = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in _TONES:
            tone = ch
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)), tone


def split_onset(syllable: str) -> tuple[str, str]:
    """(onset, rhyme), the longest onset first; "gi" before a consonant or alone is g + i."""
    for onset in ONSETS:
        if syllable.startswith(onset):
            rest = syllable[len(onset) :]
            if onset == "gi" and (not rest or rest[0] not in "aăâeêioôơuưy"):
                return "g", syllable[1:]
            return onset, rest
    return "", syllable


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Correction:
    """One word changed: as typed (lowercase) and as corrected."""

    typed: str
    corrected: str


class SyllableVocabulary:
    """Syllables of the texts in one form (accented, or unaccented), with the counts and the
    deletion index that correction needs."""

    def __init__(
        self,
        unigrams: Mapping[str, int],
        inner: Mapping[tuple[str, str], int],
        bigrams: Mapping[tuple[str, str], int],
        onsets: Iterable[str],
        toned: bool = True,
    ) -> None:
        self.toned = toned
        self.unigrams = unigrams
        self.inner = inner
        self.bigrams = bigrams
        self.onsets = frozenset(onsets) | {""}
        self.rhymes = {split_onset(split_tone(s)[0])[1] for s in unigrams}

    @cached_property
    def deleted(self) -> dict[str, set[str]]:
        """Deletion index: each syllable with one letter dropped → the syllables. Built on the
        first suspect syllable, not at start-up (most questions have none)."""
        index: dict[str, set[str]] = {}
        for syllable in self.unigrams:
            for d in deletions(syllable):
                index.setdefault(d, set()).add(syllable)
        return index

    def valid(self, syllable: str) -> bool:
        """Could this be a syllable of these texts (onset, rhyme and tone rule)?"""
        base, tone = split_tone(syllable)
        onset, rhyme = split_onset(base)
        if onset not in self.onsets or rhyme not in self.rhymes:
            return False
        return not (self.toned and rhyme.endswith(_STOPS) and tone not in _STOP_TONES)

    def neighbours(self, syllable: str) -> set[str]:
        """Indexed syllables one edit away (drop, add, replace, swap; tone marks count as
        letters), and the same letters with the tone mark on its proper vowel."""
        out = set(self.deleted.get(syllable, ()))  # a letter was dropped
        for d in deletions(syllable):
            if d in self.unigrams:  # a letter was added
                out.add(d)
            for w in self.deleted.get(d, ()):  # a letter was replaced
                if (
                    len(w) == len(syllable)
                    and sum(a != b for a, b in zip(w, syllable, strict=True)) == 1
                ):
                    out.add(w)
        for i in range(len(syllable) - 1):  # two letters swapped
            swapped = syllable[:i] + syllable[i + 1] + syllable[i] + syllable[i + 2 :]
            if swapped in self.unigrams:
                out.add(swapped)
        base, tone = split_tone(syllable)
        for w in self.deleted.get(base, set()) | {base}:
            if tone and split_tone(w) == (base, "") and w in self.unigrams:
                out.add(w)
        placed = _place_tone(base, tone)
        if placed in self.unigrams:
            out.add(placed)
        out.discard(syllable)
        return out

    def support(self, previous: str | None, syllable: str, following: str | None) -> int:
        bigrams = self.bigrams
        return (bigrams.get((previous, syllable), 0) if previous else 0) + (
            bigrams.get((syllable, following), 0) if following else 0
        )

    def association(self, previous: str | None, syllable: str, following: str | None) -> float:
        """The larger share of a neighbour's occurrences that come with ``syllable`` beside
        it: how much the neighbour calls for it (P(syllable | neighbour))."""
        best = 0.0
        for pair, neighbour in (
            ((previous, syllable), previous),
            ((syllable, following), following),
        ):
            if neighbour:
                count = self.unigrams.get(neighbour, 0)
                if count:
                    best = max(best, self.bigrams.get(pair, 0) / count)  # type: ignore[arg-type]
        return best

    def in_words(self, previous: str | None, syllable: str, following: str | None) -> int:
        """How often the texts write ``syllable`` inside one word with a neighbour
        ("khen" + "thưởng" in "khen_thưởng")."""
        inner = self.inner
        return (inner.get((previous, syllable), 0) if previous else 0) + (
            inner.get((syllable, following), 0) if following else 0
        )

    def score(self, previous: str | None, syllable: str, following: str | None) -> tuple:
        """Word evidence first, then any adjacency, then the syllable's own frequency."""
        return (
            math.log1p(self.in_words(previous, syllable, following)),
            math.log1p(self.support(previous, syllable, following)),
            self.unigrams.get(syllable, 0),
            syllable,
        )


def _place_tone(base: str, tone: str) -> str:
    """``base`` with ``tone`` on its main vowel (modern placement)."""
    if not tone:
        return base
    onset, rhyme = split_onset(base)
    vowels = [i for i, ch in enumerate(rhyme) if unicodedata.normalize("NFD", ch)[0] in "aeiouy"]
    if not vowels:
        return base
    marked = [i for i in vowels if rhyme[i] in "ăâêôơư"]
    if marked:
        index = marked[-1]
    elif len(vowels) >= 2 and vowels[-1] == len(rhyme) - 1:
        index = vowels[-2]
    else:
        index = vowels[-1]
    return unicodedata.normalize("NFC", onset + rhyme[: index + 1] + tone + rhyme[index + 1 :])


def one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one dropped, added, replaced or swapped letter."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


_ROMAN = re.compile(r"[ivxlc]{2,6}")
"""Roman numerals ("Đại hội XIV"), not misspelt syllables."""


def _consonants(word: str) -> str:
    return "".join(ch for ch in word if unicodedata.normalize("NFD", ch)[0] not in "aeiouy")


def _has_vowel(word: str) -> bool:
    return any(unicodedata.normalize("NFD", ch)[0] in "aeiouy" for ch in word)


KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
"""A QWERTY keyboard (phones included), row by row; each row sits half a key right of the one
above it."""


def keys_beside(letter: str, across_rows: bool = True) -> str:
    """The keys left and right of ``letter`` and, ``across_rows``, those touching it in the
    rows above and below: what a finger hits instead of it."""
    out = []
    for r, row in enumerate(KEYBOARD_ROWS):
        i = row.find(letter)
        if i < 0:
            continue
        out += [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
        if across_rows:
            if r > 0:
                above = KEYBOARD_ROWS[r - 1]
                out += [above[j] for j in (i, i + 1) if j < len(above)]
            if r + 1 < len(KEYBOARD_ROWS):
                below = KEYBOARD_ROWS[r + 1]
                out += [below[j] for j in (i - 1, i) if 0 <= j < len(below)]
    return "".join(out)


def _lost_vowel(candidate: str, typed: str) -> bool:
    """``typed`` is ``candidate`` with its vowel dropped ("nhng" → "những") or hit as a key
    beside it ("khrn" → "khen", "dsnh" → "danh"; not "khcn" → "khen": c is far from e)."""
    if _consonants(candidate) == typed:
        return True
    if len(candidate) != len(typed):
        return False
    differ = [i for i, (a, b) in enumerate(zip(candidate, typed, strict=True)) if a != b]
    if len(differ) != 1:
        return False
    vowel = unicodedata.normalize("NFD", candidate[differ[0]])[0]
    return typed[differ[0]] in keys_beside(vowel)


def syllable_counts(
    words: Mapping[str, int], word_pairs: Mapping[tuple[str, str], int]
) -> tuple[Counter[str], Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """Syllable counts, adjacent pairs inside words ("khen_thưởng" → (khen, thưởng)), and all
    adjacent pairs (inside words, and last/first syllables of adjacent words)."""
    unigrams: Counter[str] = Counter()
    inner: Counter[tuple[str, str]] = Counter()
    for word, count in words.items():
        syllables = word.split("_")
        if not all(s.isalpha() for s in syllables):
            continue
        for s in syllables:
            unigrams[s] += count
        for pair in zip(syllables, syllables[1:], strict=False):
            inner[pair] += count
    bigrams: Counter[tuple[str, str]] = Counter(inner)
    for (a, b), count in word_pairs.items():
        last, first = a.rsplit("_", 1)[-1], b.split("_", 1)[0]
        if last.isalpha() and first.isalpha():
            bigrams[(last, first)] += count
    return unigrams, inner, bigrams


class SpellingCorrector:
    """Corrects the syllables of a question (see the module docstring)."""

    def __init__(
        self,
        words: Mapping[str, int],
        word_pairs: Mapping[tuple[str, str], int],
        protected: Iterable[str] = (),
    ) -> None:
        """``words``/``word_pairs``: word and adjacent-word counts of the texts (pyvi words,
        "_" between syllables); ``protected``: syllables of the question words and function
        words (``data/stopwords.toml``: "là", "không", "đã", "chúng tôi"), typed right far more
        often than wrong: never treated as a real-word error, nor proposed for one."""
        unigrams, inner, bigrams = syllable_counts(words, word_pairs)
        self.accented = SyllableVocabulary(unigrams, inner, bigrams, ONSETS)

        stripped = {s: strip_diacritics(s) for s in unigrams}

        def plain(counter: Mapping) -> Counter:
            out: Counter = Counter()
            for key, n in counter.items():
                k = stripped[key] if isinstance(key, str) else (stripped[key[0]], stripped[key[1]])
                out[k] += n
            return out

        self.plain = SyllableVocabulary(
            plain(unigrams),
            plain(inner),
            plain(bigrams),
            {strip_diacritics(o) for o in ONSETS},
            toned=False,
        )
        self.protected = frozenset(protected)
        self.protected_plain = frozenset(strip_diacritics(p) for p in self.protected)

    def prepare(self) -> None:
        """Build both deletion indexes now (the bot's watcher thread calls this), so the first
        question with a typo does not wait for them (0.25 s at 100k passages)."""
        _ = self.accented.deleted, self.plain.deleted

    def correct(
        self, pieces: Sequence[str], fixed: Sequence[bool], plain: bool = False
    ) -> tuple[list[str], list[Correction]]:
        """``pieces`` (lowercase words and punctuation) with suspect syllables corrected;
        ``fixed`` pieces (abbreviation expansions, document numbers) are context only.
        ``plain``: the question was typed without diacritics; correct in unaccented form.

        Two passes: syllables that cannot be Vietnamese first, so that a real word next to
        one is then judged with its corrected neighbour."""
        vocab = self.plain if plain else self.accented
        protected = self.protected_plain if plain else self.protected
        out = [
            strip_diacritics(p) if plain and not f and p.isalpha() else p
            for p, f in zip(pieces, fixed, strict=True)
        ]
        changed: dict[int, str] = {}
        words = [i for i, p in enumerate(pieces) if p.isalpha()]

        def context(n: int) -> tuple[str | None, str | None]:
            i = words[n]
            previous = out[words[n - 1]] if n > 0 and words[n - 1] == i - 1 else None
            following = out[words[n + 1]] if n + 1 < len(words) and words[n + 1] == i + 1 else None
            return previous, following

        for real_words in (False, True):
            for n, i in enumerate(words):
                if fixed[i] or i in changed:
                    continue
                syllable = out[i]
                if real_words and (
                    syllable in protected
                    or (plain and syllable in vocab.unigrams)
                    or not (syllable in vocab.unigrams or vocab.valid(syllable))
                ):
                    # Unaccented syllables the texts use are too ambiguous to second-guess
                    # ("thi du" is "thì đủ").
                    continue
                previous, following = context(n)
                if real_words:
                    best = self._real_word(vocab, previous, syllable, following, plain, protected)
                else:
                    best = self._non_word(vocab, previous, syllable, following)
                if best != syllable:
                    out[i] = best
                    changed[i] = syllable
        changes = [Correction(pieces[i], out[i]) for i in sorted(changed)]
        return out, changes

    @staticmethod
    def _non_word(
        vocab: SyllableVocabulary, previous: str | None, syllable: str, following: str | None
    ) -> str:
        """A syllable the texts do not know and that cannot be one of theirs: its best
        neighbour, if any."""
        if syllable in vocab.unigrams or vocab.valid(syllable):
            return syllable
        candidates = vocab.neighbours(syllable)
        if not candidates:
            return syllable
        best = max(candidates, key=lambda c: vocab.score(previous, c, following))
        if _has_vowel(syllable):
            return best if not _ROMAN.fullmatch(syllable) else syllable
        # A vowel-less word is a chat abbreviation ("gv", "thcs", "khcn") unless only its
        # vowel is missing or mistyped ("nhng" → "những", "khrn" → "khen") and its
        # neighbours vouch for the correction.
        skeleton = [c for c in candidates if _lost_vowel(c, syllable)]
        if skeleton:
            best = max(skeleton, key=lambda c: vocab.score(previous, c, following))
            if vocab.support(previous, best, following):
                return best
        return syllable

    @staticmethod
    def _real_word(
        vocab: SyllableVocabulary,
        previous: str | None,
        syllable: str,
        following: str | None,
        plain: bool,
        protected: frozenset[str] = frozenset(),
    ) -> str:
        """A possible Vietnamese syllable: changed only when a one-edit neighbour makes a word
        of the texts with a neighbour ("khen thương" → "khen_thưởng") and the syllable as
        typed makes none and is never written next to them; or to its i/y spelling variant
        when the texts pair that one with the neighbours far more often ("chiến sỹ"). Words of
        the question language are no candidates: "chồng tôi" is not "chúng tôi"."""
        if previous is None and following is None:
            return syllable
        support = vocab.support(previous, syllable, following)
        if support:
            if plain:
                return syllable
            variant = syllable.translate(_IY)
            if (
                variant != syllable
                and variant in vocab.unigrams
                and vocab.support(previous, variant, following) >= VARIANT_FACTOR * support
            ):
                return variant
            return syllable
        own = vocab.unigrams.get(syllable, 0)
        if own:  # a word the texts use: only a strong collocation overrules it
            candidates = [
                c
                for c in vocab.neighbours(syllable)
                if c not in protected
                and vocab.unigrams.get(c, 0) >= RARITY * own
                and vocab.support(previous, c, following) >= MIN_SUPPORT
                and vocab.association(previous, c, following) >= MIN_ASSOCIATION
            ]
        else:  # a possible syllable the texts never use, next to words that call for another
            candidates = [
                c
                for c in vocab.neighbours(syllable)
                if vocab.support(previous, c, following) >= MIN_SUPPORT
                and vocab.association(previous, c, following) >= MIN_ASSOCIATION_UNSEEN
            ]
        if not candidates:
            return syllable
        return max(candidates, key=lambda c: vocab.score(previous, c, following))
