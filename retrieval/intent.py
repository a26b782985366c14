"""Reading a question: what it asks (intent), about which award (object), for whom (subject).

An officer's question has an *intent* — the dossier, the procedure, who decides, the deadline,
the money, the standard, who may receive, the ceremony, revocation, a list — and an *object*:
a named award ("Huân chương Lao động hạng Ba", "Bằng khen của Thủ tướng Chính phủ") or a kind
of award ("Huân chương các loại", "danh hiệu thi đua"). The decree is organised by intent and
names kinds ("Hồ sơ, thủ tục xét tặng … Huân chương các loại"), the law by award; so the right
provision is found by both together, never by the award's name alone.

Everything here is Telegram-free and reusable (award cards, follow-up questions):

- :class:`IntentVocabulary` — the phrases of ``data/intents.toml``;
- :class:`AwardCatalog` — the awards of the loaded texts: quoted names in article headings and
  in short list items, unquoted items of the law's lists of titles and forms, with their kind
  and hạng; aliases from the data file;
- :class:`QuestionReader` — :meth:`~QuestionReader.read` a question into a
  :class:`QuestionReading`; :meth:`~QuestionReader.read_heading` an article heading into a
  :class:`HeadingReading` (what the article is about), used by the ranking.

Matching works on lowercase syllables (punctuation and quotes dropped, the filler words
"của", "cấp" ignored), greedily, longest name first.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from retrieval.text import normalize, strip_diacritics

DATA = Path(__file__).resolve().parent / "data" / "intents.toml"

_SYLLABLE = re.compile(r"[^\W_]+|%")
_QUOTE_CHARS = re.compile(r"[“\"«]")
_QUOTED = re.compile(r"[“\"«]([^”\"»]{3,80})[”\"»]")
_RANK_WORD = "hạng"
MAX_LIST_ITEM_WORDS = 12
"""A list item longer than this is a sentence, not a name."""
SPECIFIC_TERM = 3
"""Syllables from which a term of the field is its own ("khen thưởng đột xuất"), not a word
other fields share ("khen thưởng", "thi đua")."""
AWARD_HEADING_EXTRA = 3
"""Words besides award names an award's own heading may hold ("Danh hiệu", "Các … khác")."""
RANK_WINDOW = 3
"""How many words after an award's name may separate it from its "hạng …"."""
FOLLOWING_CHARS = 40
"""Characters after a name in which its "hạng …" is looked for."""
BEFORE_CHARS = 30
"""Characters before a name in which "trình", "đã được tặng" … are looked for."""


# --- data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntentSpec:
    key: str
    label: str
    asked_by: tuple[tuple[str, ...], ...]
    heading: tuple[tuple[str, ...], ...]
    opening: tuple[tuple[str, ...], ...] = ()


def syllables(text: str) -> list[str]:
    """Lowercase syllables of ``text`` (normalised like documents), punctuation dropped."""
    return _SYLLABLE.findall(normalize(text))


def _spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _SYLLABLE.finditer(text)]


@dataclass(frozen=True)
class IntentVocabulary:
    """The phrases of ``data/intents.toml``, as syllable tuples."""

    intents: tuple[IntentSpec, ...]
    award_article: tuple[str, ...]
    classes: tuple[tuple[str, ...], ...]
    general_classes: frozenset[str]
    list_headings: tuple[tuple[str, ...], ...]
    fillers: frozenset[str]
    not_in_names: tuple[tuple[str, ...], ...]
    all_of_class: tuple[tuple[str, ...], ...]
    ranks: dict[str, str]
    """Rank word (as typed) → canonical rank ("2" → "nhì")."""
    aliases: dict[tuple[str, ...], str]
    subjects: dict[str, tuple[tuple[str, ...], ...]]
    special_subjects: dict[str, tuple[tuple[str, ...], ...]]
    domain_terms: tuple[tuple[str, ...], ...]
    asks: tuple[tuple[str, ...], ...] = ()
    ends: frozenset[str] = frozenset()
    sought: tuple[tuple[str, ...], ...] = ()
    held: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def load(cls, path: Path = DATA) -> IntentVocabulary:
        config = tomllib.loads(path.read_text(encoding="utf-8"))

        def phrases(values: Iterable[str]) -> tuple[tuple[str, ...], ...]:
            return tuple(t for v in values if (t := tuple(syllables(v))))

        intents = tuple(
            IntentSpec(
                key=str(item["key"]),
                label=str(item["label"]),
                asked_by=phrases(item.get("asked_by", [])),
                heading=phrases(item.get("heading", [])),
                opening=phrases(item.get("opening", [])),
            )
            for item in config.get("intent", [])
        )
        objects = config.get("objects", {})
        ranks = {
            word: rank for rank, words in config.get("ranks", {}).items() for word in (rank, *words)
        }
        return cls(
            intents=intents,
            award_article=tuple(config.get("award_article", {}).get("intents", [])),
            classes=phrases(objects.get("classes", [])),
            general_classes=frozenset(
                " ".join(syllables(c)) for c in objects.get("general_classes", [])
            ),
            list_headings=phrases(objects.get("list_headings", [])),
            fillers=frozenset(w for v in objects.get("fillers", []) for w in syllables(v)),
            not_in_names=phrases(objects.get("not_in_names", [])),
            all_of_class=phrases(objects.get("all_of_class", [])),
            ranks={normalize(k): v for k, v in ranks.items()},
            aliases={tuple(syllables(k)): str(v) for k, v in config.get("aliases", {}).items()},
            subjects={k: phrases(v) for k, v in config.get("subjects", {}).items()},
            special_subjects={k: phrases(v) for k, v in config.get("special_subjects", {}).items()},
            domain_terms=phrases(config.get("domain", {}).get("terms", [])),
            asks=phrases(config.get("question", {}).get("asks", [])),
            ends=frozenset(normalize(w) for w in config.get("question", {}).get("ends", [])),
            sought=phrases(config.get("question", {}).get("sought", [])),
            held=phrases(config.get("question", {}).get("held", [])),
        )

    def label(self, intent: str) -> str:
        return next((i.label for i in self.intents if i.key == intent), intent)


# --- awards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Award:
    """An award the loaded texts name."""

    key: str
    """Matching form: lowercase syllables without fillers ("bằng khen thủ tướng chính phủ")."""
    name: str
    """As the texts write it, without quotes ("Bằng khen của Thủ tướng Chính phủ")."""
    award_class: str
    """Its kind ("bằng khen", "huân chương", "danh hiệu thi đua"); "" when unknown."""
    ranks: tuple[str, ...] = ()
    """Its hạng ("nhất", "nhì", "ba") when it has them."""

    def named(self, rank: str | None) -> str:
        """How to name it at ``rank``: "Huân chương Lao động hạng Ba"."""
        return self.name + (f" hạng {rank.capitalize()}" if rank else "")


@dataclass(frozen=True)
class ObjectMention:
    """An award or a kind of award a text names."""

    name: str
    """Display form: "Huân chương Lao động hạng Ba", or the kind ("Huân chương các loại")."""
    award_class: str
    award: str | None = None
    """:attr:`Award.key` of a named award; None when only a kind is named."""
    rank: str | None = None
    every: bool = False
    """The kind was named as a whole ("Huân chương các loại", "Cờ thi đua các cấp")."""
    span: tuple[int, int] = (0, 0)

    @property
    def is_class(self) -> bool:
        return self.award is None


def _key(words: Sequence[str], fillers: frozenset[str]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in fillers)


class AwardCatalog:
    """Awards and kinds of award, looked up by their syllables."""

    def __init__(self, vocabulary: IntentVocabulary, awards: Iterable[Award]) -> None:
        self.vocabulary = vocabulary
        self.awards: dict[str, Award] = {}
        for award in awards:
            known = self.awards.get(award.key)
            if known is None or (award.award_class and not known.award_class):
                self.awards[award.key] = award
            elif award.ranks and not known.ranks:
                self.awards[award.key] = Award(
                    known.key, known.name, known.award_class, award.ranks
                )
        fillers = vocabulary.fillers
        # syllables (fillers dropped) → ("award", key) or ("class", class name)
        self.table: dict[tuple[str, ...], tuple[str, str]] = {}
        for cls in vocabulary.classes:
            self.table[_key(cls, fillers)] = ("class", " ".join(cls))
        for award in self.awards.values():
            self.table[tuple(award.key.split())] = ("award", award.key)
        self.aliases_of: dict[str, list[str]] = {}
        """Award key → the data file's other names for it, as written there."""
        self.same_as: dict[str, str] = {}
        """Award key → the award the data file says it is another name of ("cờ thi đua ủy
        ban nhân dân tỉnh" → the law's "cờ thi đua bộ ban ngành tỉnh")."""
        for alias, name in vocabulary.aliases.items():
            target = " ".join(_key(syllables(name), fillers))
            if target not in self.awards:
                continue
            key = _key(alias, fillers)
            self.table.setdefault(key, ("award", target))
            self.aliases_of.setdefault(target, []).append(" ".join(alias))
            if " ".join(key) != target:
                self.same_as.setdefault(" ".join(key), target)
        # unaccented spellings, for questions whose diacritics could not be restored
        for words, value in list(self.table.items()):
            self.table.setdefault(tuple(strip_diacritics(w) for w in words), value)

    # -- building from the texts -----------------------------------------------------------------
    @classmethod
    def from_units(
        cls, vocabulary: IntentVocabulary, units: Iterable[tuple[str, Sequence[str]]]
    ) -> AwardCatalog:
        """Awards named by ``units`` = (heading, passage texts) of every article/section."""
        fillers = vocabulary.fillers
        classes = sorted(vocabulary.classes, key=len, reverse=True)
        # key → (name, kind, how sure the kind is, ranks)
        found: dict[str, tuple[str, str, int, set[str]]] = {}

        def kind_of(words: Sequence[str], context: Sequence[str], listed: bool) -> tuple[str, int]:
            """The kind a name starts with (surest), else the kind its list article or its
            heading names ("Danh hiệu thi đua đối với cá nhân" → danh hiệu thi đua)."""
            for source, sure in ((words, 3), (context, 2 if listed else 1)):
                for c in classes:
                    if tuple(source[: len(c)]) == c:
                        return " ".join(c), sure
            return "", 0

        def add(name: str, context: Sequence[str], after: str = "", listed: bool = False) -> None:
            words = syllables(name)
            if not words or len(words) > MAX_LIST_ITEM_WORDS:
                return
            if tuple(words) in vocabulary.classes or any(
                _contains(words, p) for p in vocabulary.not_in_names
            ):
                return
            key = " ".join(_key(words, fillers))
            ranks = set(_ranks_in(after, vocabulary))
            kind, sure = kind_of(words, context, listed)
            if key in found:
                old_name, old_kind, old_sure, old_ranks = found[key]
                if old_sure >= sure:
                    kind, sure = old_kind, old_sure
                name = old_name if old_name[:1].isupper() or not name[:1].isupper() else name
                found[key] = (name, kind, sure, old_ranks | ranks)
            else:
                found[key] = (name.strip(), kind, sure, ranks)

        seen_units: set[tuple[str, tuple[str, ...]]] = set()
        for heading, passages in units:
            unit = (heading, tuple(passages))
            if unit in seen_units:  # the same article in another copy of a document
                continue
            seen_units.add(unit)
            head = syllables(heading)
            titled = head[:2] == ["danh", "hiệu"]
            context = head
            for m in _QUOTED.finditer(heading):
                add(m.group(1), context, heading[m.end() :])
            rest = head[2:] if titled else head
            if (
                not _QUOTED.search(heading)
                and tuple(head) not in vocabulary.classes
                and (titled or any(tuple(rest[: len(c)]) == c for c in vocabulary.classes))
            ):
                # "Bằng khen của Bộ, ban, ngành, tỉnh", "Danh hiệu cờ thi đua của Bộ, …",
                # "Danh hiệu xã, phường, thị trấn tiêu biểu"
                add(" ".join(heading.split()[2:]) if titled else heading, rest)
            # The law's lists ("Điều 33. Huân chương"), not an award's own article whose heading
            # starts with its kind ("Điều 26. “Huân chương Hữu nghị”": its items are who may
            # receive it, not awards).
            is_list = not _QUOTED.search(heading) and any(
                tuple(head[: len(h)]) == h for h in vocabulary.list_headings
            )
            lines = (
                line
                for text in passages
                if is_list or _QUOTE_CHARS.search(text)
                for line in text.splitlines()
                if line.strip()
            )
            for line in lines:
                item = _LIST_NUMBER.sub("", line.strip()).strip(" ;.:")
                if len(item.split()) > MAX_LIST_ITEM_WORDS + 4:
                    continue
                quoted = list(_QUOTED.finditer(item))
                for m in quoted:
                    add(m.group(1), context, item[m.end() :], is_list)
                if is_list and not quoted:
                    add(item, context, listed=True)
        return cls(
            vocabulary,
            (
                Award(key, name, kind, tuple(r for r in ("nhất", "nhì", "ba") if r in ranks))
                for key, (name, kind, _, ranks) in found.items()
            ),
        )

    # -- matching ----------------------------------------------------------------------------------
    def find(self, text: str) -> list[ObjectMention]:
        """Awards and kinds named in ``text`` (normalised), longest name first, in order.

        One regular expression holds every name (its words apart by spaces, punctuation or
        quotes, and the filler words), longest first, so the scan runs in C."""
        out: list[ObjectMention] = []
        fillers = self.vocabulary.fillers
        scanned = text
        if self._fillers is not None:  # blanked, not removed: spans stay those of ``text``
            scanned = self._fillers.sub(lambda f: " " * len(f.group(0)), text)
        for m in self._pattern.finditer(scanned):
            words = tuple(w for w in _SYLLABLE.findall(m.group(0)) if w not in fillers)
            value = self.table.get(words)
            if value is None:
                continue
            kind, ref = value
            following = _SYLLABLE.findall(text[m.end() : m.end() + FOLLOWING_CHARS])
            following = following[: RANK_WINDOW + 1]
            span = m.span()
            if kind == "award":
                award = self.awards[ref]
                rank = _rank_after(following, self.vocabulary) if award.ranks else None
                name = award.named(rank)
                out.append(ObjectMention(name, award.award_class, award.key, rank, span=span))
            else:
                every = any(tuple(following[: len(p)]) == p for p in self.vocabulary.all_of_class)
                label = ref[:1].upper() + ref[1:] + (" các loại" if every else "")
                out.append(ObjectMention(label, ref, None, None, every=every, span=span))
        return out

    @cached_property
    def _fillers(self) -> re.Pattern[str] | None:
        words = "|".join(re.escape(f) for f in sorted(self.vocabulary.fillers))
        return re.compile(rf"(?<![^\W_])(?:{words})(?![^\W_])") if words else None

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        """Every name as one regular expression shaped like a trie of its words (names that
        share their first words share their prefix), so it compiles in milliseconds; an
        optional tail makes the longest name win."""
        gap = r"[\W_]+"
        trie: dict[str, dict] = {}
        for key in self.table:
            node = trie
            for word in key:
                node = node.setdefault(word, {})
            node[""] = {}

        def alternation(node: dict[str, dict]) -> str:
            parts = []
            for word in sorted((w for w in node if w), key=lambda w: (-len(w), w)):
                child = node[word]
                rest = alternation(child)
                if not rest:
                    parts.append(re.escape(word))
                elif "" in child:
                    parts.append(f"{re.escape(word)}(?:{gap}(?:{rest}))?")
                else:
                    parts.append(f"{re.escape(word)}{gap}(?:{rest})")
            return "|".join(parts)

        return re.compile(rf"(?<![^\W_])(?:{alternation(trie)})(?![^\W_])")


_LIST_NUMBER = re.compile(r"^\s*(?:\d{1,3}[.)]|[a-zđ]\))\s*")


def _ranks_in(text: str, vocabulary: IntentVocabulary) -> list[str]:
    words = syllables(text)
    return [
        vocabulary.ranks[words[i + 1]]
        for i, w in enumerate(words[:-1])
        if w == _RANK_WORD and words[i + 1] in vocabulary.ranks
    ]


def _rank_after(following: Sequence[str], vocabulary: IntentVocabulary) -> str | None:
    for i, word in enumerate(following[:-1]):
        if strip_diacritics(word) == "hang" and following[i + 1] in vocabulary.ranks:
            return vocabulary.ranks[following[i + 1]]
    return None


# --- readings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionReading:
    """How a question is read. Every field is derived from the question text alone."""

    text: str
    """The text that was read (after abbreviations, diacritics and spelling)."""
    intents: tuple[str, ...] = ()
    """Intent keys (``data/intents.toml``), main one first: "ho_so", "tham_quyen_quyet_dinh"…"""
    objects: tuple[ObjectMention, ...] = ()
    """Awards and kinds named, in order of appearance."""
    subjects: tuple[str, ...] = ()
    """Who it is about: "cá nhân", "tập thể", "hộ gia đình", "doanh nghiệp", …"""
    domain_terms: tuple[str, ...] = ()
    """Words of the field (thi đua, khen thưởng, …) the question uses."""
    main: int | None = None
    """Index in :attr:`objects` of the award asked about (see :attr:`object`)."""
    labels: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    asking: tuple[tuple[int, int], ...] = field(default=(), compare=False, repr=False)
    """Spans of :attr:`text` in the sentences that ask (the others tell a story)."""

    @property
    def object_asked(self) -> bool:
        """Whether the award asked about is named where the question asks ("Tôi xin hỏi …"),
        not only in the story before it."""
        obj = self.object
        return obj is not None and (
            not self.asking or any(a <= obj.span[0] < b for a, b in self.asking)
        )

    @property
    def intent(self) -> str | None:
        """The main intent, or None."""
        return self.intents[0] if self.intents else None

    @property
    def object(self) -> ObjectMention | None:
        """The award asked about: the last award the first asking sentence names ("đã được
        tặng Bằng khen … thì có được trình Huân chương Lao động hạng Ba không?"), else the
        first award, else the first kind named."""
        return self.objects[self.main] if self.main is not None else None

    @property
    def rank(self) -> str | None:
        """The hạng of the main object ("nhất", "nhì", "ba"), if any."""
        obj = self.object
        return obj.rank if obj is not None else None

    @property
    def in_domain(self) -> bool:
        """Whether the question is about thi đua, khen thưởng at all."""
        return bool(self.objects or self.domain_terms)

    @property
    def domain_evidence(self) -> int:
        """How clearly the question is about the field: 2 when it names an award or kind of
        award, uses two of the field's terms ("thi đua" and "khen thưởng") or one of its
        longer terms ("khen thưởng đột xuất", "phong trào thi đua"); 1 for a single short term
        ("khen thưởng" alone also belongs to labour or association rules, "tiền thưởng" to
        tax law); 0 for none."""
        if self.objects or any(len(t.split()) >= SPECIFIC_TERM for t in self.domain_terms):
            return 2
        return min(len(self.domain_terms), 2)

    @property
    def enumeration(self) -> bool:
        return "liet_ke" in self.intents

    def intent_labels(self) -> list[str]:
        return [self.labels.get(i, i) for i in self.intents]

    def to_json(self) -> dict[str, object]:
        return {
            "intents": list(self.intents),
            "intent_labels": self.intent_labels(),
            "objects": [
                {
                    "name": o.name,
                    "class": o.award_class,
                    "award": o.award,
                    "rank": o.rank,
                    "every": o.every,
                }
                for o in self.objects
            ],
            "subjects": list(self.subjects),
            "in_domain": self.in_domain,
        }


@dataclass(frozen=True)
class HeadingReading:
    """What an article (or section) heading says it is about."""

    intents: frozenset[str] = frozenset()
    awards: frozenset[tuple[str, str | None]] = frozenset()
    """(award key, rank or None) named by the heading."""
    classes: frozenset[str] = frozenset()
    """Kinds named as such ("Huân chương các loại", "Mức tiền thưởng Huân chương …")."""
    excluded: frozenset[str] = frozenset()
    """Awards the heading excepts ("(trừ Huân chương Hữu nghị)")."""
    own_article: bool = False
    """The heading is only an award's (or kind's) name: its intents are the award article's
    (``[award_article]``), not written in the heading."""

    @property
    def names_awards(self) -> bool:
        return bool(self.awards or self.classes)


class QuestionReader:
    """Reads questions and headings with one vocabulary and one award catalogue."""

    def __init__(
        self,
        vocabulary: IntentVocabulary,
        catalog: AwardCatalog,
        domain_terms: Iterable[str] = (),
    ) -> None:
        self.vocabulary = vocabulary
        self.catalog = catalog
        terms = {*vocabulary.domain_terms, *(tuple(syllables(t)) for t in domain_terms)}
        terms.discard(())
        self._domain = sorted(terms, key=len, reverse=True)
        self._asked_by = _phrase_table(
            (phrase, order)
            for order, spec in enumerate(vocabulary.intents)
            for phrase in spec.asked_by
        )
        self._heading_cues = _phrase_table(
            (phrase, order)
            for order, spec in enumerate(vocabulary.intents)
            for phrase in spec.heading
        )
        self.labels = {i.key: i.label for i in vocabulary.intents}

    @classmethod
    def build(
        cls,
        units: Iterable[tuple[str, Sequence[str]]],
        document_titles: Sequence[str] = (),
        vocabulary: IntentVocabulary | None = None,
    ) -> QuestionReader:
        """A reader for a knowledge base: awards from its units, and as domain words the words
        most of its documents' titles share ("thi đua", "khen thưởng")."""
        vocabulary = vocabulary or IntentVocabulary.load()
        catalog = AwardCatalog.from_units(vocabulary, units)
        return cls(vocabulary, catalog, shared_title_words(document_titles))

    def read(self, text: str) -> QuestionReading:
        text = normalize(text)
        objects = tuple(self.catalog.find(text))
        asking = self._asking(text)
        words = Words([w for a, b in asking for w in _SYLLABLE.findall(text[a:b])])
        intents = self._intents(words, self.vocabulary.intents, "asked_by")
        found = subjects_in(
            _SYLLABLE.findall(_blank(text, [o.span for o in objects])), self.vocabulary.subjects
        )
        subjects = tuple(s for s in self.vocabulary.subjects if s in found)
        domain = self._domain_terms(_SYLLABLE.findall(text))
        return QuestionReading(
            text=text,
            intents=intents,
            objects=objects,
            subjects=subjects,
            domain_terms=domain,
            labels=self.labels,
            main=_main_object(objects, asking, self.vocabulary, text),
            asking=tuple(asking),
        )

    def _domain_terms(self, words: Sequence[str]) -> tuple[str, ...]:
        """Distinct domain terms, longest first, each word counted in one term only
        ("thi đua, khen thưởng" is two terms, "chiến sĩ thi đua" one)."""
        present = set(words)
        taken = [False] * len(words)
        found: dict[str, None] = {}
        indexed: Words | None = None
        for phrase in self._domain:
            if phrase[0] not in present:
                continue
            indexed = indexed or Words(words)
            for start in indexed.find(phrase):
                span = range(start, start + len(phrase))
                if not any(taken[i] for i in span):
                    for i in span:
                        taken[i] = True
                    found[" ".join(phrase)] = None
        return tuple(found)

    def _asking(self, text: str) -> list[tuple[int, int]]:
        """Spans of the sentences that ask (see ``[question]`` in the data file); the whole
        text when none does or there is only one sentence."""
        spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]
        if len(spans) <= 1:
            return [(0, len(text))]
        vocabulary = self.vocabulary
        asking = []
        for a, b in spans:
            sentence = text[a:b]
            words = Words(_SYLLABLE.findall(sentence))
            if (
                sentence.rstrip().endswith("?")
                or (words.words and words.words[-1] in vocabulary.ends)
                or any(words.has(p) for p in vocabulary.asks)
            ):
                asking.append((a, b))
        return asking or [(0, len(text))]

    def read_heading(self, heading: str, titled: bool = True) -> HeadingReading:
        """What a heading says its article is about; ``titled=False`` for the opening
        sentence of an untitled article, which is about an award only when it starts with
        the award's name ("Huân chương Độc lập hạng ba để tặng …")."""
        text = normalize(heading)
        cut = re.search(r"\btrừ\b", text)
        main, rest = (text[: cut.start()], text[cut.end() :]) if cut else (text, "")
        mentions = self.catalog.find(main)
        excluded = frozenset(m.award for m in self.catalog.find(rest) if m.award)
        awards = frozenset((m.award, m.rank) for m in mentions if m.award)
        classes = frozenset(m.award_class for m in mentions if m.is_class)
        intents = set(self._intents(syllables(main), self.vocabulary.intents, "heading"))
        own = False
        if not intents and mentions:
            # Only the award's own article: its heading is the name and little else
            # ("Danh hiệu “Chiến sĩ thi đua cơ sở”", "“Huân chương Lao động” hạng Ba").
            rest = [
                w
                for w in syllables(_blank(main, [m.span for m in mentions]))
                if w not in self.vocabulary.ranks and w != _RANK_WORD
            ]
            if len(rest) <= AWARD_HEADING_EXTRA:
                own = True
            elif not titled:
                if len(syllables(main[: mentions[0].span[0]])) > 2:
                    return HeadingReading()
                own = True
            if own:
                intents.update(self.vocabulary.award_article)
        elif not titled:
            return HeadingReading()
        return HeadingReading(frozenset(intents), awards, classes, excluded, own)

    def _intents(
        self, words: Sequence[str] | Words, specs: Sequence[IntentSpec], which: str
    ) -> tuple[str, ...]:
        """Intents whose phrases occur, in vocabulary order; a phrase inside a span already
        claimed by an earlier intent does not count ("thẩm quyền đề nghị")."""
        words = words.words if isinstance(words, Words) else list(words)
        table = self._asked_by if which == "asked_by" else self._heading_cues
        matches: dict[int, list[tuple[int, int]]] = {}
        for i, word in enumerate(words):
            for phrase, order in table.get(word, ()):
                n = len(phrase)
                if n == 1 or tuple(words[i : i + n]) == phrase:
                    matches.setdefault(order, []).append((i, i + n))
        claimed: list[tuple[int, int]] = []
        found: list[str] = []
        for order in sorted(matches):
            counted = False
            for start, end in matches[order]:
                if any(a <= start and end <= b for a, b in claimed):
                    continue
                claimed.append((start, end))
                counted = True
            if counted:
                found.append(specs[order].key)
        # main intent = vocabulary order (specific before general), not position
        return tuple(found)


def _phrase_table(
    phrases: Iterable[tuple[tuple[str, ...], int]],
) -> dict[str, list[tuple[tuple[str, ...], int]]]:
    """First word → (phrase, payload): a text's phrases are found in one pass over its words."""
    table: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for phrase, payload in phrases:
        table.setdefault(phrase[0], []).append((phrase, payload))
    return table


_SENTENCE = re.compile(r"[^.?!;\n]+[.?!;\n]*")


def _main_object(
    objects: Sequence[ObjectMention],
    asking: Sequence[tuple[int, int]],
    vocabulary: IntentVocabulary,
    text: str,
) -> int | None:
    """Which of ``objects`` the question asks about (see ``[question]`` in the data file)."""
    if not objects:
        return None

    def after(index: int, phrases: Sequence[tuple[str, ...]]) -> bool:
        before = _SYLLABLE.findall(
            text[max(0, objects[index].span[0] - BEFORE_CHARS) : objects[index].span[0]]
        )
        return any(tuple(before[len(before) - len(p) :]) == p for p in phrases if before)

    for a, b in asking:
        named = [i for i, o in enumerate(objects) if not o.is_class and a <= o.span[0] < b]
        if not named:
            continue
        sought = [i for i in named if after(i, vocabulary.sought)]
        if sought:
            return sought[-1]
        free = [i for i in named if not after(i, vocabulary.held)]
        return free[0] if free else named[-1]
    named = [i for i, o in enumerate(objects) if not o.is_class]
    if named:
        return named[0]
    kinds = [i for i, o in enumerate(objects) if o.award_class not in vocabulary.general_classes]
    return kinds[0] if kinds else None


def shared_title_words(titles: Sequence[str], share: float = 0.5) -> list[str]:
    """Two-syllable words that more than ``share`` of the documents' titles contain: the name
    of the field every loaded text is about ("thi đua", "khen thưởng")."""
    if len(titles) < 2:
        return []
    counts: dict[tuple[str, str], int] = {}
    for title in titles:
        pairs: set[tuple[str, str]] = set()
        for part in re.split(r"[,;:()\-–]", normalize(title)):  # "Thi đua, khen thưởng"
            words = _SYLLABLE.findall(part)
            pairs.update(zip(words, words[1:], strict=False))
        for pair in pairs:
            counts[pair] = counts.get(pair, 0) + 1
    return [" ".join(p) for p, n in counts.items() if n > share * len(titles)]


def subjects_in(
    words: Sequence[str] | Words, table: dict[str, tuple[tuple[str, ...], ...]]
) -> frozenset[str]:
    """The subjects of ``table`` (subject → phrases) that ``words`` mention."""
    indexed = words if isinstance(words, Words) else Words(words)
    at = indexed.at
    return frozenset(
        s for s, phrases in table.items() if any(p[0] in at and indexed.has(p) for p in phrases)
    )


class Words:
    """A word sequence indexed by word, so that looking up many phrases costs one dictionary
    probe each instead of a scan."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.at: dict[str, list[int]] = {}
        for i, word in enumerate(self.words):
            self.at.setdefault(word, []).append(i)

    def find(self, phrase: Sequence[str]) -> Iterable[int]:
        n = len(phrase)
        phrase = tuple(phrase)
        for i in self.at.get(phrase[0], ()):
            if n == 1 or tuple(self.words[i : i + n]) == phrase:
                yield i

    def has(self, phrase: Sequence[str]) -> bool:
        return next(iter(self.find(phrase)), None) is not None

    def __len__(self) -> int:
        return len(self.words)


def occurrences(words: Sequence[str] | Words, phrase: Sequence[str]) -> Iterable[int]:
    """Start positions of ``phrase`` (syllables) in ``words``."""
    return (words if isinstance(words, Words) else Words(words)).find(phrase)


def _contains(words: Sequence[str] | Words, phrase: Sequence[str]) -> bool:
    return next(iter(occurrences(words, phrase)), None) is not None


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)
