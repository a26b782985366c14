"""Question analysis: from what an officer types to the terms the ranking looks for.

Order matters and each step has one job:

1. normalise (NFC, tone marks, lowercase) and find a direct reference ("khoản 2 điều 84"),
   which is taken out of the text that ranks;
2. protect document numbers ("15/2025/TT-BNV") so no later step rewrites them;
3. expand chat abbreviations (``retrieval/data/abbreviations.toml``), longest key first;
4. restore diacritics when the question was typed without them, using the index's own
   vocabulary (:mod:`retrieval.vocabulary`); expansions are fixed context, never rewritten;
5. segment into words exactly as the passages were (:func:`retrieval.text.tokenize`);
6. note the documents the question names (:mod:`retrieval.documents`);
7. add domain vocabulary (``retrieval/data/synonyms.toml``) as separate, lower-weight terms:
   they widen recall without outvoting the officer's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from retrieval.documents import DocumentCatalog, Naming
from retrieval.intent import QuestionReader, QuestionReading
from retrieval.lexicon import Lexicon
from retrieval.params import Techniques
from retrieval.references import Reference, find_reference
from retrieval.text import DOC_NUMBER, normalize, tokenize
from retrieval.vocabulary import DiacriticRestorer, has_marks

UNACCENTED_SHARE = 0.25
"""A question counts as typed without diacritics when fewer than this share of its own
(non-abbreviation) syllables carry marks. Vietnamese text marks about three syllables in four;
one stray "đ" in "ko có sáng kiến thì có đc cstđcs ko" must not switch restoration on, and a
mostly unaccented question with one accented word must not switch it off."""

_PIECE = re.compile(r"\w+|[^\w\s]+")
_PLACEHOLDER = "qzdocnum{}q"
_PLACEHOLDER_RE = re.compile(r"qzdocnum(\d+)q")


@dataclass(frozen=True)
class AnalyzedQuery:
    """A question ready for ranking."""

    question: str
    text: str
    """The question after abbreviation expansion and diacritic restoration (what ranks)."""
    tokens: tuple[str, ...]
    """The officer's own words (full weight)."""
    added: tuple[str, ...] = ()
    """Terms added by synonym rules (lower weight), none already in ``tokens``."""
    reference: Reference | None = None
    naming: Naming = field(default_factory=Naming)
    restored: bool = False
    expansions: tuple[tuple[str, str], ...] = ()
    rules: tuple[str, ...] = ()
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Own word → terms a synonym rule it triggered added ("giấy_tờ" → ("hồ_sơ",))."""
    reading: QuestionReading | None = None
    """What the question asks, about which award, for whom (:mod:`retrieval.intent`)."""


def _expansion_pattern(keys: list[str]) -> re.Pattern[str] | None:
    if not keys:
        return None
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    # Whole tokens only: never inside a word ("hs" in "hsbc"), a number or a "k/c"-like key.
    return re.compile(rf"(?<![\w/])(?:{alternatives})(?![\w/])")


def _words(text: str) -> str:
    """Words separated by single spaces, punctuation dropped: what rule phrases match on.

    "%" counts as a word: "bao nhiêu %" must not fire on every "bao nhiêu".
    """
    return " ".join(re.findall(r"[\w%]+", text))


class QueryAnalyzer:
    """Analyses questions against one index snapshot (its vocabulary and documents)."""

    def __init__(
        self,
        lexicon: Lexicon,
        restorer: DiacriticRestorer,
        catalog: DocumentCatalog,
        techniques: Techniques,
        tokenizer: Callable[[str], list[str]] = tokenize,
        known: Callable[[str], bool] = lambda token: True,
        reader: QuestionReader | None = None,
    ) -> None:
        self.tokenize = tokenizer
        self.reader = reader
        self.known = known
        self.lexicon = lexicon
        self.restorer = restorer
        self.catalog = catalog
        self.techniques = techniques
        self._abbreviations = _expansion_pattern(list(lexicon.abbreviations))
        self._rules = [
            (tuple((f" {_words(w)} ", tuple(tokenize(w))) for w in rule.when), rule,
             self._rule_tokens(rule.add))
            for rule in lexicon.rules
        ]

    @staticmethod
    def _rule_tokens(phrases: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for p in phrases for t in tokenize(p)))

    def analyze(self, question: str) -> AnalyzedQuery:
        text = normalize(question)
        reference = find_reference(text) if self.techniques.references else None
        if reference is not None:
            start, end = reference.span
            text = f"{text[:start]} {text[end:]}"

        numbers: list[str] = []

        def protect(m: re.Match[str]) -> str:
            numbers.append(m.group(0))
            return f" {_PLACEHOLDER.format(len(numbers) - 1)} "

        text = DOC_NUMBER.sub(protect, text)
        expansions: list[tuple[str, str]] = []
        fixed_spans: list[tuple[int, int]] = []
        if self.techniques.abbreviations and self._abbreviations is not None:
            text, expansions, fixed_spans = self._expand(text)

        restored = False
        if self.techniques.restore_diacritics:
            text, restored = self._restore(text, fixed_spans)

        text = _PLACEHOLDER_RE.sub(lambda m: numbers[int(m.group(1))], text)
        text = " ".join(text.split())
        naming = self.catalog.name(text)
        tokens = self._tokens(text, naming, cited=reference is not None)
        added: tuple[str, ...] = ()
        fired: list[str] = []
        aliases: dict[str, tuple[str, ...]] = {}
        if self.techniques.synonyms:
            added, fired, aliases = self._synonyms(text, tokens)
        reading = self.reader.read(text) if self.reader is not None else None
        return AnalyzedQuery(
            question=question, text=text, tokens=tokens, added=added, reference=reference,
            naming=naming, restored=restored, expansions=tuple(expansions), rules=tuple(fired),
            aliases=aliases, reading=reading,
        )

    def _tokens(self, text: str, naming: Naming, cited: bool) -> tuple[str, ...]:
        """Words that rank: without the words naming a document ("luật thi đua, khen thưởng
        năm 2003 (đã hết hiệu lực)" says which text, not what about; the document is favoured
        by the ranking instead), unless nothing else would be left of a question that cites
        no article ("nghị định 152" alone still searches that document's words)."""
        tokens = self._resplit(self.tokenize(text))
        if naming.documents and naming.spans:
            rest = list(text)
            for start, end in naming.spans:
                rest[start:end] = " " * (end - start)
            remaining = self._resplit(self.tokenize("".join(rest)))
            if cited or any(t.replace("_", " ") not in self.lexicon.stopwords for t in remaining):
                tokens = remaining
        return tuple(tokens)

    def _resplit(self, tokens: list[str]) -> list[str]:
        """Undo segmenter glue the texts never use: "tập_thể_nào" → "tập_thể", "nào".

        pyvi sometimes joins a question word to the word before it; the compound is unknown
        to the index, so it neither ranks nor counts as covered. A compound is re-split only
        when it is explained by known words plus at least one question word, or by known
        words of two syllables or more; genuine unknown words ("kết_hôn", "thu_nhập") stay
        whole, so they still count as vocabulary the knowledge base has never seen.
        """
        out: list[str] = []
        for token in tokens:
            if "_" not in token or self.known(token):
                out.append(token)
                continue
            pieces = self._longest_known(token.split("_"))
            stop = [p.replace("_", " ") in self.lexicon.stopwords for p in pieces]
            fine = all(s or self.known(p) for p, s in zip(pieces, stop, strict=True)) and (
                any(stop) or all("_" in p for p in pieces)
            )
            out.extend(pieces if fine and len(pieces) > 1 else [token])
        return out

    def _longest_known(self, syllables: list[str]) -> list[str]:
        pieces: list[str] = []
        i = 0
        while i < len(syllables):
            for j in range(len(syllables), i, -1):
                piece = "_".join(syllables[i:j])
                if j == i + 1 or self.known(piece) or piece.replace("_", " ") in \
                        self.lexicon.stopwords:
                    pieces.append(piece)
                    i = j
                    break
        return pieces

    def _expand(self, text: str) -> tuple[str, list[tuple[str, str]], list[tuple[int, int]]]:
        """Replace abbreviation keys; return the new text, what changed, and where."""
        assert self._abbreviations is not None
        out: list[str] = []
        spans: list[tuple[int, int]] = []
        expansions: list[tuple[str, str]] = []
        last = 0
        length = 0
        for m in self._abbreviations.finditer(text):
            value = self.lexicon.abbreviations[m.group(0)]
            chunk = text[last : m.start()]
            out.append(chunk)
            length += len(chunk)
            spans.append((length, length + len(value)))
            out.append(value)
            length += len(value)
            last = m.end()
            expansions.append((m.group(0), value))
        out.append(text[last:])
        return "".join(out), expansions, spans

    def _restore(self, text: str, fixed_spans: list[tuple[int, int]]) -> tuple[str, bool]:
        """Restore diacritics of a question typed without them; other questions unchanged."""
        pieces = [(m.group(0), m.start()) for m in _PIECE.finditer(text)]
        fixed = [
            any(a <= start < b for a, b in fixed_spans)
            or not piece.isalpha()
            or _PLACEHOLDER_RE.fullmatch(piece) is not None
            for piece, start in pieces
        ]
        own = [piece for (piece, _), f in zip(pieces, fixed, strict=True) if not f]
        if not own or sum(map(has_marks, own)) >= UNACCENTED_SHARE * len(own):
            return text, False
        words = [piece for piece, _ in pieces]
        restored = self.restorer.restore(words, fixed)
        return " ".join(restored), restored != words

    def _synonyms(
        self, text: str, tokens: tuple[str, ...]
    ) -> tuple[tuple[str, ...], list[str], dict[str, tuple[str, ...]]]:
        """Terms of every rule whose trigger occurs; which own words each rule stood for."""
        padded = f" {_words(text)} "
        own = set(tokens)
        added: dict[str, None] = {}
        fired: list[str] = []
        aliases: dict[str, dict[str, None]] = {}
        for phrases, rule, rule_tokens in self._rules:
            matched = [words for phrase, words in phrases if phrase in padded]
            if not matched:
                continue
            fired.append(rule.note or " / ".join(rule.when))
            new = [t for t in rule_tokens if t not in own]
            for token in new:
                added[token] = None
            for words in matched:
                for word in words:
                    if word in own:
                        aliases.setdefault(word, {}).update(dict.fromkeys(rule_tokens))
        return tuple(added), fired, {w: tuple(a) for w, a in aliases.items()}
