"""Diacritic restoration from the knowledge base's own vocabulary.

Officers on a phone without a Vietnamese keyboard type "hs de nghi tang bang khen": pyvi cannot
segment that and no passage contains "tang". Stripping marks from the index instead would
merge words the law keeps apart (tặng/tăng, bằng/băng, cờ/có, đề nghị/để nghĩ), so the
question is restored to the spelling of the loaded texts.

How: the index's words (pyvi tokens, "đề_nghị", "thi_đua", "tặng") are looked up by their
unaccented syllables ("de nghi" → đề_nghị, đề nghi, ...). A lattice of every word that can
cover every span of 1-4 syllables is decoded with Viterbi under a word-bigram model of the
texts (Witten-Bell smoothed, backing off to word frequencies). Whole words matter: "đề nghị"
seen hundreds of times beats a two-syllable accident; bigrams matter: "co thi dua" is
"cờ thi đua", although "có" is far more frequent than "cờ".

Built once per index snapshot (a few Counter passes over the stored tokens), so a question
costs only its own small lattice. The texts never use most of the officers' question words
("muốn", "bao nhiêu", "mấy"), so the phrases of the vocabulary data files (question words,
synonym triggers, abbreviation expansions) are added as a small second source.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from retrieval.text import strip_diacritics

MAX_SYLLABLES = 4
"""Longest word looked up (syllables): "chiến_sĩ_thi_đua"-like tokens are rare beyond 4."""

MAX_CANDIDATES = 6
"""Spellings kept per unaccented span (most frequent first); rarer ones never win."""

QUESTION_LANGUAGE_WEIGHT = 10
"""Counts given to each phrase of the officers' question language (question words, synonym
triggers, abbreviation expansions from the data files). Legal texts almost never say "muốn",
"bao nhiêu", "mấy", "gì", yet nearly every question does; without these phrases the texts'
"mượn", "bảo nhiều", "máy" would win. Ten occurrences make a question phrase about as likely
as a word the texts use now and then, never as likely as their core vocabulary."""


def has_marks(syllable: str) -> bool:
    """True when the text carries a Vietnamese diacritic (or is spelled with đ)."""
    return strip_diacritics(syllable) != syllable


class DiacriticRestorer:
    """Restores diacritics of unaccented syllables using the indexed texts' word statistics."""

    def __init__(
        self,
        sequences: Iterable[Sequence[str]],
        question_language: Iterable[Sequence[str]] = (),
    ) -> None:
        """``sequences``: token lists of the indexed texts (pyvi words, "_" between
        syllables); ``question_language``: token lists of the data files' phrases."""
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for seq in sequences:
            unigrams.update(seq)
            bigrams.update(zip(seq, seq[1:], strict=False))
        for seq in question_language:
            for word in seq:
                unigrams[word] += QUESTION_LANGUAGE_WEIGHT
            for pair in zip(seq, seq[1:], strict=False):
                bigrams[pair] += QUESTION_LANGUAGE_WEIGHT
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = sum(unigrams.values())
        self.followers: Counter[str] = Counter()  # distinct words seen after a word
        self.outgoing: Counter[str] = Counter()  # bigram occurrences starting with a word
        for (a, _), count in bigrams.items():
            self.followers[a] += 1
            self.outgoing[a] += count
        by_plain: dict[str, list[str]] = {}
        for word in unigrams:
            syllables = word.split("_")
            if len(syllables) <= MAX_SYLLABLES and all(s.isalpha() for s in syllables):
                by_plain.setdefault(strip_diacritics(" ".join(syllables)), []).append(word)
        self.candidates = {
            plain: sorted(words, key=lambda w: (-unigrams[w], w))[:MAX_CANDIDATES]
            for plain, words in by_plain.items()
        }
        self._unseen = 0.5 / (self.total + 0.5 * max(len(unigrams), 1))

    def _unigram(self, word: str) -> float:
        count = self.unigrams.get(word, 0)
        return (count + 0.5) / (self.total + 0.5 * len(self.unigrams)) if count else self._unseen

    def _transition(self, a: str | None, b: str) -> float:
        """log P(b | a), Witten-Bell smoothed: an unseen pair stays possible, and a word that
        is always followed by the same word ("cán" → "bộ") leaves little room for others."""
        p_b = self._unigram(b)
        types = self.followers.get(a, 0) if a is not None else 0
        if not types:
            return math.log(p_b)
        count = self.bigrams.get((a, b), 0)  # type: ignore[arg-type]
        return math.log((count + types * p_b) / (self.outgoing[a] + types))  # type: ignore[index]

    def _spellings(self, syllables: Sequence[str], fixed: Sequence[bool]) -> list[str]:
        """Words of the texts that these syllables may stand for, consistent with every
        syllable whose form is fixed (typed with marks, or an expansion)."""
        words = self.candidates.get(strip_diacritics(" ".join(syllables)), [])
        keep = [
            w
            for w in words
            if all(not f or s == t for s, t, f in zip(syllables, w.split("_"), fixed, strict=True))
        ]
        if not keep and len(syllables) == 1:
            return [syllables[0]]
        return keep

    def restore(self, syllables: Sequence[str], fixed: Sequence[bool] | None = None) -> list[str]:
        """The most likely accented spelling of ``syllables`` (lowercase), one per syllable.

        Syllables marked ``fixed`` (typed with marks, or produced by an abbreviation) and
        non-alphabetic pieces keep their form but still serve as context for their neighbours.
        """
        m = len(syllables)
        if not m:
            return []
        given = list(fixed) if fixed is not None else [False] * m
        fixed = [
            f or not s.isalpha() or has_marks(s) for s, f in zip(syllables, given, strict=True)
        ]
        # best[e]: {word ending at e: (log-prob, start, previous word)}
        best: list[dict[str, tuple[float, int, str | None]]] = [{} for _ in range(m + 1)]
        best[0][""] = (0.0, -1, None)
        for end in range(1, m + 1):
            for n in range(1, min(MAX_SYLLABLES, end) + 1):
                start = end - n
                if not best[start]:
                    continue
                span, span_fixed = syllables[start:end], fixed[start:end]
                if n > 1 and not all(s.isalpha() for s in span):
                    continue
                for word in self._spellings(span, span_fixed):
                    score, previous = -math.inf, None
                    for prev, (prev_score, _, _) in best[start].items():
                        s = prev_score + self._transition(prev or None, word)
                        if s > score:
                            score, previous = s, prev
                    if score > best[end].get(word, (-math.inf,))[0]:
                        best[end][word] = (score, start, previous)
        # Backtrack from the best word ending at m.
        word = max(best[m], key=lambda w: best[m][w][0])
        out: list[str] = []
        end = m
        while end > 0:
            _, start, previous = best[end][word]
            out[:0] = word.split("_")
            end, word = start, previous or ""
        return out
