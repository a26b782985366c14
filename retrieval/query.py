"""Question analysis: from what an officer types to the terms the ranking looks for.

Order matters and each step has one job:

1. normalise (NFC, tone marks, lowercase) and find a direct reference ("khoản 2 điều 84"),
   which is taken out of the text that ranks;
2. protect document numbers ("15/2025/TT-BNV") so no later step rewrites them;
3. expand chat abbreviations (``retrieval/data/abbreviations.toml``), longest key first;
4. correct spelling against the index's own syllables (:mod:`retrieval.spelling`: a dropped,
   doubled or wrong letter or tone, "sỹ" for "sĩ"), then restore diacritics when the question
   was typed without them (:mod:`retrieval.vocabulary`); expansions are fixed context, never
   rewritten;
5. segment into words exactly as the passages were (:func:`retrieval.text.tokenize`);
6. note the documents the question names (:mod:`retrieval.documents`);
7. add domain vocabulary (``retrieval/data/synonyms.toml``) as separate, lower-weight terms:
   they widen recall without outvoting the officer's own words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from retrieval.documents import DocumentCatalog, Naming
from retrieval.intent import QuestionReader, QuestionReading
from retrieval.lexicon import Lexicon
from retrieval.params import Techniques
from retrieval.references import Reference, find_reference
from retrieval.spelling import Correction, SpellingCorrector, one_edit
from retrieval.text import DOC_NUMBER, normalize, normalize_chars, tokenize
from retrieval.vocabulary import DiacriticRestorer, has_marks

UNACCENTED_SHARE = 0.25
"""A question counts as typed without diacritics when fewer than this share of its own
(non-abbreviation) syllables carry marks. Vietnamese text marks about three syllables in four;
one stray "đ" in "ko có sáng kiến thì có đc cstđcs ko" must not switch restoration on, and a
mostly unaccented question with one accented word must not switch it off."""

_PIECE = re.compile(r"\w+|[^\w\s]+")
_VOWEL = re.compile(r"[aeiouyàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")
_CHAT_WORD = re.compile(r"(?<![\w/])[^\W\d_]{3,8}(?![\w/])")
MIN_ABBREVIATION_TYPO = 4
"""Only abbreviation keys this long are matched one edit away ("tdkr" → "tdkt", "cst" →
"cstđ"): among two- and three-letter keys one edit reaches too many."""
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
    corrections: tuple[Correction, ...] = ()
    """Words whose spelling was corrected (as typed → as read)."""

    @property
    def corrected(self) -> str | None:
        """The question as the officer typed it with the spelling corrections applied, for
        "Có phải bạn hỏi: …"; None when nothing was corrected."""
        if not self.corrections:
            return None
        return apply_corrections(self.question, self.corrections)


def apply_corrections(question: str, corrections: Sequence[Correction]) -> str:
    """``question`` with each corrected word replaced where it was typed (first occurrence
    not yet replaced), keeping a leading capital."""
    text = normalize_chars(question)
    position = 0
    for c in corrections:
        m = re.compile(rf"(?<!\w){re.escape(c.typed)}(?!\w)", re.IGNORECASE).search(text, position)
        if m is None:
            continue
        word = (
            c.corrected[:1].upper() + c.corrected[1:] if m.group(0)[:1].isupper() else c.corrected
        )
        text = text[: m.start()] + word + text[m.end() :]
        position = m.start() + len(word)
    return text


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
        corrector: SpellingCorrector | None = None,
    ) -> None:
        self.tokenize = tokenizer
        self.reader = reader
        self.corrector = corrector
        self.known = known
        self.lexicon = lexicon
        self.restorer = restorer
        self.catalog = catalog
        self.techniques = techniques
        self._award_words: dict[str, tuple[str, ...]] = {}
        """Award key → its tokens (see _with_award_names)."""
        self._abbreviations = _expansion_pattern(list(lexicon.abbreviations))
        self._long_keys = [
            k
            for k in lexicon.abbreviations
            if len(k) >= MIN_ABBREVIATION_TYPO and k.isalpha() and not _VOWEL.search(k)
        ]
        self._rules = [
            (
                tuple((f" {_words(w)} ", tuple(tokenize(w))) for w in rule.when),
                rule,
                self._rule_tokens(rule.add),
            )
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
        key_fixes: list[Correction] = []
        if self.techniques.abbreviations and self._abbreviations is not None:
            if self.techniques.spelling:
                text, key_fixes = self._abbreviation_typos(text)
            text, expansions, fixed_spans = self._expand(text)

        text, restored, corrections = self._spell(text, fixed_spans)
        corrections = key_fixes + corrections

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
        if reading is not None and self.techniques.abbreviations:
            tokens = self._with_award_names(tokens, reading)
        return AnalyzedQuery(
            question=question,
            text=text,
            tokens=tokens,
            added=added,
            reference=reference,
            naming=naming,
            restored=restored,
            expansions=tuple(expansions),
            rules=tuple(fired),
            aliases=aliases,
            reading=reading,
            corrections=tuple(corrections),
        )

    def _with_award_names(
        self, tokens: tuple[str, ...], reading: QuestionReading
    ) -> tuple[str, ...]:
        """``tokens`` plus the words of the full name of each award the question names by an
        alias ("anh hùng llvt", "hclđ hạng ba"): the texts never use the alias, so without
        them the award's own article would rank on the alias's other words alone."""
        extra: list[str] = []
        present = {syllable for t in tokens for syllable in t.split("_")}
        for obj in reading.objects:
            if obj.award is None:
                continue
            words = self._award_words.get(obj.award)
            if words is None:
                words = self._award_words[obj.award] = tuple(self.tokenize(obj.award))
            for word in words:  # not a word the question has, however segmented
                if word not in extra and not set(word.split("_")) <= present:
                    extra.append(word)
        return tokens + tuple(extra) if extra else tokens

    def _tokens(self, text: str, naming: Naming, cited: bool) -> tuple[str, ...]:
        """Words that rank: without the words naming a document ("luật thi đua, khen thưởng
        năm 2003 (đã hết hiệu lực)" says which text, not what about; the document is favoured
        by the ranking instead), unless nothing else would be left of a question that cites
        no article ("nghị định 152" alone still searches that document's words)."""
        tokens = self._resplit(self.tokenize(text))
        if naming.spans:
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
                if (
                    j == i + 1
                    or self.known(piece)
                    or piece.replace("_", " ") in self.lexicon.stopwords
                ):
                    pieces.append(piece)
                    i = j
                    break
        return pieces

    def _abbreviation_typos(self, text: str) -> tuple[str, list[Correction]]:
        """A vowel-less chat word one edit from exactly one long abbreviation key (counting
        keys that expand alike as one) is read as that key ("tdkr" → "tdkt")."""
        fixes: list[Correction] = []

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            if word in self.lexicon.abbreviations or _VOWEL.search(word) or self.known(word):
                return word
            keys = [k for k in self._long_keys if one_edit(word, k)]
            if len({self.lexicon.abbreviations[k] for k in keys}) != 1:
                return word
            key = min(keys, key=lambda k: ("đ" not in k, k))
            fixes.append(Correction(word, key))
            return key

        return _CHAT_WORD.sub(fix, text), fixes

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

    def _spell(
        self, text: str, fixed_spans: list[tuple[int, int]]
    ) -> tuple[str, bool, list[Correction]]:
        """Correct spelling, then restore the diacritics of a question typed without them;
        other questions keep their text unless a word was corrected."""
        pieces = [(m.group(0), m.start()) for m in _PIECE.finditer(text)]
        fixed = [
            any(a <= start < b for a, b in fixed_spans)
            or not piece.isalpha()
            or _PLACEHOLDER_RE.fullmatch(piece) is not None
            for piece, start in pieces
        ]
        words = [piece for piece, _ in pieces]
        own = [piece for piece, f in zip(words, fixed, strict=True) if not f]
        unaccented = bool(own) and sum(map(has_marks, own)) < UNACCENTED_SHARE * len(own)
        corrections: list[Correction] = []
        if self.techniques.spelling and self.corrector is not None:
            words, corrections = self.corrector.correct(words, fixed, plain=unaccented)
        restored = False
        if unaccented and self.techniques.restore_diacritics:
            accented = self.restorer.restore(words, fixed)
            restored = accented != words
            words = accented
        if not (restored or corrections):
            return text, False, []
        return " ".join(words), restored, corrections

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
