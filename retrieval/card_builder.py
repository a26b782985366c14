"""Reading award cards from the texts of one index snapshot (see :mod:`retrieval.awards` for
the method): every unit is read once into pieces (a provision with the cards it speaks of and
the facets it answers); a card is assembled from its pieces on first use."""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from knowledge.model import STATUS_EXPIRED, STATUS_IN_FORCE, STATUS_REFERENCE
from knowledge.store import IndexRow
from retrieval.award_data import (
    AWARD,
    CONTEXT,
    GENERAL,
    GROUP,
    KIND,
    NAMED,
    OWN,
    TIER,
    AwardCard,
    CardConfig,
    Provision,
    card_id,
    load_config,
    phrase_pattern,
    phrases,
)
from retrieval.fields import FieldIndex, opening_sentence
from retrieval.intent import (
    Award,
    HeadingReading,
    ObjectMention,
    QuestionReader,
    syllables,
)
from retrieval.params import HIERARCHY, OTHER_LEVEL, is_national, same_locality
from retrieval.passage_choice import delegation_rule
from retrieval.rulebooks import Rulebooks, read_rulebooks
from retrieval.text import fold, normalize, sentence_spans, sentences

LIST_LEFTOVER = 2
"""Words besides names (and "hạng", "và" …) a list item may hold."""
_LIST_WORDS = frozenset({"hạng", "và", "hoặc", "các", "loại", "danh", "hiệu"})
CUE_LEVEL = KIND
"""A passage's own facet words count only when it names the award or its kind."""
LEAD_WORDS = 6
"""Syllables at the start of a clause in which its facet phrase makes it the facet's own
provision ("Hồ sơ đề nghị … gồm"), not one mentioning it in passing."""
BEFORE_CHARS = 40
AFTER_CHARS = 80

_POINT_LINE = re.compile(r"^[ \t]*([a-zđ])\)[ \t]+", re.MULTILINE)
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}[.)](?:\[\d+\])?|[a-zđ]\))\s*")
_RANK_AFTER = re.compile(r"hạng\s+([^\W_]+)")
_RANK_GAP = re.compile(r"^[\s,;”\"»“«]*(?:(?:và|hoặc)\s+)?$")
_ALL_RANKS = re.compile(r"^[\s”\"»]*\(?\s*các\s+hạng")
_DEFINITION = re.compile(r"(?P<name>[^:\n]{3,120}?)\s+gồm\s*:\s*(?P<items>[^\n]+)")


# -- reading passages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    kind: str  # "award", "class", "group"
    ref: str
    ranks: frozenset[str] | None = None
    """The hạng named with an award; None: the award as a whole."""
    every: bool = False
    """A kind named as a whole ("Huân chương các loại")."""
    condition: bool = False
    """A prerequisite ("đã được tặng …"): named, but not what the passage is about."""
    other: bool = False
    """Another award of the kind ("Bằng khen của quân khu …", "… khác"): the passage is
    about an award the catalogue does not hold."""

    @property
    def ignored(self) -> bool:
        return self.condition or self.other


@dataclass
class _Block:
    """A clause, a point of it, or a paragraph after its last point, as the builder reads it."""

    row: int
    clause: str | None
    point: str | None
    text: str
    lead_in: str | None
    mentions: list[_Mention]
    unnamed_sentence: bool = False
    """Some sentence of it names no award: that sentence speaks of its article's awards."""
    listing: bool = False
    """Nothing but names ("a) Huân chương: “Huân chương Sao vàng”, …;"): an item of a list
    of awards says nothing about any one of them."""
    trailing: bool = False


Cover = dict[str, tuple[float, bool]]
"""card id → (level, from a bare kind only)."""


@dataclass
class _Piece:
    """A provision of a unit with the cards it speaks of, before any card is assembled."""

    unit: int
    block: _Block
    whole: str | None
    final: Cover
    facets: frozenset[str]
    """Facets its heading answers (the stronger source)."""
    cues: frozenset[str]
    """Further facets its own words (or a delegating heading) answer, for cards it names."""
    heading_cover: Cover
    heading_names: int
    """How many awards its heading names: an award's own article before a shared one."""
    special: bool
    """About a special subject (foreigners, households …): after the general provisions."""
    provision: Provision | None = None
    opens: dict[str, bool] = field(default_factory=dict)


@dataclass
class _Entry:
    provision: Provision
    level: float
    bare: bool
    order: tuple


class AwardCards:
    """The cards of one index snapshot (see the module docstring)."""

    def __init__(
        self,
        rows: Sequence[IndexRow],
        fields: FieldIndex,
        reader: QuestionReader,
        headings: Sequence[HeadingReading] | None = None,
        *,
        abbreviations: dict[str, str] | None = None,
        locality: str | None = None,
        config: CardConfig | None = None,
        rulebooks: Rulebooks | None = None,
    ) -> None:
        self.rows = rows
        self.fields = fields
        self.reader = reader
        self.catalog = reader.catalog
        self.config = config or load_config()
        self.locality = locality
        self.abbreviations = abbreviations or {}
        vocab = reader.vocabulary
        self._facet_of_intent = {i: f.key for f in self.config.facets for i in f.intents}
        self._specific = {f.key for f in self.config.facets if f.specific}
        self._with_award = {f.key for f in self.config.facets if f.general_with_award}
        self._answer_patterns = {f.key: f.answers for f in self.config.facets}
        self._general = vocab.general_classes
        self._classes = sorted(vocab.classes, key=len, reverse=True)
        self._facet_cues = {f.key: phrase_pattern(f.cues) for f in self.config.facets}
        self._heading_cues = {f.key: phrase_pattern(f.heading_cues) for f in self.config.facets}
        self._any_cue = phrase_pattern(
            c for f in self.config.facets for c in (*f.cues, *f.heading_cues)
        )
        self._opening = {
            f.key: [p for i in f.intents for s in vocab.intents if s.key == i for p in s.heading]
            + list(f.cues)
            for f in self.config.facets
        }
        special = self.config.raw.get("special", {})
        self._special = phrase_pattern(p for ps in vocab.special_subjects.values() for p in ps)
        self._special_anywhere = phrase_pattern(phrases(special.get("phrases", [])))
        self._special_words = int(special.get("opening_words", 16))
        self._delegation = delegation_rule()
        self._conditions = phrase_pattern(self.config.conditions)
        self._skip_headings = phrase_pattern(self.config.skip_headings)
        self._other = phrase_pattern((*c, w) for c in vocab.classes for w in self.config.not_this)
        first = [rows[m[0]] for m in fields.unit_rows]
        self.headings = (
            list(headings)
            if headings
            else [
                reader.read_heading(
                    r.unit_title or opening_sentence(r.text), titled=bool(r.unit_title)
                )
                for r in first
            ]
        )
        self.rulebooks = rulebooks or read_rulebooks(
            self.headings,
            [(r.document_number, r.unit_attachment) for r in first],
            [r.document_scope for r in first],
            locality,
        )
        self._rule_awards: dict[int, list[str]] = {}
        """Unit → the awards whose rule it is (see _unit_pieces): a local rulebook's own
        awards; with a locality, also the national awards its own rules set criteria for."""
        for table in (self.rulebooks.own_rules, self.rulebooks.local_rules):
            for award, units in table.items():
                for u in units:
                    if award not in self._rule_awards.setdefault(u, []):
                        self._rule_awards[u].append(award)
        self.parent: dict[str, str] = {}
        """Kind → the general kind whose list names it ("cờ thi đua" → "danh hiệu thi đua")."""
        self.groups: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        """A qualifier the texts define ("cấp nhà nước") → its members (("class", "huân
        chương"), ("award", "bằng khen thủ tướng chính phủ"))."""
        self._group_pattern: re.Pattern[str] | None = None
        self._ranks: dict[tuple[str, str], tuple[bool, bool, int]] = {}
        self._read_cache: dict[str, tuple[list[_Mention], bool, bool]] = {}
        self._norm_cache: dict[str, str] = {}
        self._cue_cache: dict[str, frozenset[str]] = {}
        self._cover_cache: dict[tuple, Cover] = {}
        self._built: dict[str, AwardCard] = {}
        self._answers: dict[tuple, bool] = {}
        self._opens: dict[tuple[str, str], bool] = {}
        self._lock = threading.RLock()  # a local award's card builds its national one
        self._prepare()
        for cache in (self._norm_cache, self._cue_cache, self._cover_cache, self._read_cache):
            cache.clear()

    # -- public lookups --------------------------------------------------------------------------
    def get(self, card_id_: str) -> AwardCard | None:
        """The card with this id, built on first use; None when the award is not (or no
        longer) in the knowledge base or no passage speaks of it."""
        if card_id_ not in self.present:
            return None
        with self._lock:
            card = self._built.get(card_id_)
            if card is None:
                card = self._built[card_id_] = self._make(card_id_)
        return card

    def card(self, award: str, rank: str | None = None) -> AwardCard | None:
        return self.get(card_id(award, rank))

    @property
    def cards(self) -> dict[str, AwardCard]:
        """Every card (builds them all: for listings and statistics, not for answering)."""
        out = {cid: self.get(cid) for cid in self.present}
        return {cid: card for cid, card in out.items() if card is not None}

    def names(self, text: str, card: AwardCard) -> bool:
        """Whether ``text`` names ``card``'s award itself (not only its kind)."""
        mentions, _, _ = self._read(text)
        found = self._covers(mentions).get(card.id)
        return found is not None and found[0] >= NAMED

    def answers(self, provision: Provision, card: AwardCard, pattern: re.Pattern[str]) -> bool:
        """Whether a sentence of ``provision`` both names ``card``'s award (or its kind) and
        holds what answers the facet ("… “Cờ thi đua của Chính phủ” … chậm nhất vào ngày 30
        tháng 6 hằng năm"). Memoised: asked on every question about the award."""
        key = (provision.row, provision.point, provision.text[:40], card.id, pattern.pattern)
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._sentence_answers(provision, card, pattern)
        return found

    def _sentence_answers(
        self, provision: Provision, card: AwardCard, pattern: re.Pattern[str]
    ) -> bool:
        for sentence in sentences(provision.text):
            if not pattern.search(normalize(sentence)):
                continue
            mentions, _, _ = self._read(sentence)
            found = self._covers(mentions).get(card.id)
            if found is not None and found[0] >= KIND:
                return True
        return False

    def names_award(self, text: str) -> bool:
        """Whether ``text`` names some award itself (not as a condition)."""
        mentions, _, _ = self._read(text)
        return any(m.kind == "award" and not m.ignored for m in mentions)

    def general_rules(self, facet: str, phrase: str) -> list[Provision]:
        """Passages of the articles answering ``facet`` that contain ``phrase``, whatever they
        name: a facet's general rule ("Tiền thưởng … được làm tròn số lên …")."""
        spec = self.config.facet(facet)
        if spec is None:
            return []
        wanted = phrase_pattern([tuple(syllables(phrase))])
        out = []
        for u, members in enumerate(self.fields.unit_rows):
            first = self.rows[members[0]]
            if first.document_status == STATUS_EXPIRED or not self.headings[u].intents & set(
                spec.intents
            ):
                continue
            for i in members:
                r = self.rows[i]
                if wanted is not None and wanted.search(self._norm(r.text)):
                    out.append(
                        self._provision(_Block(i, r.clause, r.point, r.text, None, []), None)
                    )
        out.sort(key=lambda p: self._document_rank(p.row))
        return out

    def name(self, card_id_: str) -> str:
        award, rank = self._templates[card_id_]
        return self.catalog.awards[award].named(rank)

    def ranks_of(self, award: str) -> list[AwardCard]:
        found = (
            (self.card(award, r) for r in self.catalog.awards[award].ranks)
            if award in self.catalog.awards
            else ()
        )
        return [c for c in found if c is not None]

    def for_object(self, obj: ObjectMention | None) -> AwardCard | None:
        """The card of a named award; None for a kind, or a ranked award without its hạng."""
        if obj is None or obj.award is None:
            return None
        return self.card(obj.award, obj.rank)

    def choices(self, obj: ObjectMention | None) -> list[AwardCard]:
        """Cards an incomplete name may mean: the hạng of a ranked award, a kind's awards."""
        if obj is None:
            return []
        if obj.award is not None:
            return self.ranks_of(obj.award)
        ids = [
            cid
            for cid in self.ordered_ids()
            if self.catalog.awards[self._templates[cid][0]].award_class == obj.award_class
        ]
        return [c for c in map(self.get, ids) if c is not None]

    def ordered_ids(self) -> list[str]:
        """Present cards by kind, then name."""

        def key(cid: str) -> tuple[str, str]:
            award = self.catalog.awards[self._templates[cid][0]]
            return (award.award_class, fold(self.name(cid)))

        return sorted(self.present, key=key)

    def ordered(self) -> list[AwardCard]:
        return [c for c in map(self.get, self.ordered_ids()) if c is not None]

    def suggest(self, text: str, n: int = 5) -> list[AwardCard]:
        """The cards whose names (or aliases) are closest to ``text``, typed loosely."""
        wanted = fold(" ".join(syllables(text)))
        if not wanted:
            return []
        names: dict[str, str] = {}
        for cid in self.ordered_ids():
            award, rank = self._templates[cid]
            for name in (self.name(cid), *self._aliases(self.catalog.awards[award], rank)):
                names.setdefault(fold(" ".join(syllables(name))), cid)
        words = set(wanted.split())
        contained = sorted(
            (cid for key, cid in names.items() if wanted in key or words <= set(key.split())),
            key=lambda cid: len(self.name(cid)),
        )
        close = [names[k] for k in difflib.get_close_matches(wanted, list(names), n=n, cutoff=0.45)]
        overlap = sorted(
            names.items(), key=lambda kv: -len(words & set(kv[0].split())) / len(words)
        )
        shared = [cid for k, cid in overlap if words & set(k.split())]
        out: list[str] = []
        for cid in (*contained, *close, *shared):
            if cid not in out:
                out.append(cid)
        return [c for c in map(self.get, out[:n]) if c is not None]

    # -- building --------------------------------------------------------------------------------
    def _prepare(self) -> None:
        """Read every unit once: its clause groups, what each names, which facets its heading
        answers. Cards are then assembled from these pieces on demand (:meth:`_make`)."""
        self._templates = {
            card_id(a.key, r): (a.key, r)
            for a in self.catalog.awards.values()
            for r in (a.ranks or (None,))
        }
        self._by_award: dict[str, list[tuple[str, str | None]]] = {}
        self._by_class: dict[str, list[str]] = {}
        for cid, (award, rank) in self._templates.items():
            self._by_award.setdefault(award, []).append((cid, rank))
            self._by_class.setdefault(self.catalog.awards[award].award_class, []).append(cid)
        self._read_groups()
        if self.groups:
            self._group_pattern = phrase_pattern(self.groups)
        units = self._units()
        self._read_kinds(units)
        self._by_general: dict[str, list[str]] = {}
        self._by_group: dict[tuple[str, ...], list[str]] = {}
        for cid, (award, _rank) in self._templates.items():
            known = self.catalog.awards[award]
            general = self._general_of(known)
            # an award of unknown kind may be of either general kind
            for kind in [general] if general else self._general:
                self._by_general.setdefault(kind, []).append(cid)
            for qualifier, members in self.groups.items():
                if ("award", award) in members or ("class", known.award_class) in members:
                    self._by_group.setdefault(qualifier, []).append(cid)
        self.pieces: list[_Piece] = []
        self._pieces_of: dict[str, list[int]] = {}
        for u, groups in units:
            for piece in self._unit_pieces(u, groups):
                n = len(self.pieces)
                self.pieces.append(piece)
                for c, (level, _) in piece.final.items():
                    if piece.facets or level >= NAMED:
                        self._pieces_of.setdefault(c, []).append(n)
        self.present: set[str] = set(self._pieces_of)
        """Cards some passage speaks of in a facet."""

    def _make(self, cid: str) -> AwardCard:
        """One card: its pieces by facet, in order (see the module docstring)."""
        award, rank = self._templates[cid]
        entries: dict[str, list[_Entry]] = {}
        binding = False
        pieces = [self.pieces[n] for n in self._pieces_of.get(cid, ())]
        # Articles that name this award, its kind or a group it is in somewhere.
        naming = {p.unit for p in pieces if p.final[cid][0] >= GROUP}
        for piece in pieces:
            level, bare = piece.final[cid]
            targets = [
                (f, 1)
                for f in piece.facets
                if (level >= KIND or f not in self._specific)
                and not (f in self._with_award and level <= GENERAL and piece.unit not in naming)
            ]
            if level >= NAMED:
                targets += [(f, 0) for f in piece.cues]
            if not targets:
                continue
            provision = self._provision_of(piece)
            if level >= NAMED and provision.document_status != STATUS_REFERENCE:
                binding = True
            heading_level = piece.heading_cover.get(cid, (0.0, False))[0]
            for facet, source in targets:
                entries.setdefault(facet, []).append(
                    self._entry(piece, provision, facet, source, level, bare, heading_level)
                )
        facets: dict[str, tuple[Provision, ...]] = {}
        tiers: dict[str, tuple[tuple, ...]] = {}
        for spec in self.config.facets:
            found_entries = entries.get(spec.key, [])
            if binding:  # reference material only serves awards no binding text names
                found_entries = [
                    e for e in found_entries if e.provision.document_status != STATUS_REFERENCE
                ]
            ordered = self._ordered(found_entries, spec.key)
            facets[spec.key] = tuple(e.provision for e in ordered)
            # the tier without the special flag, then the flag (see AwardCard.first_tier)
            tiers[spec.key] = tuple(
                (*e.order[:2], *e.order[3 : TIER + 1], e.order[2]) for e in ordered
            )
        known = self.catalog.awards[award]
        same = self.catalog.same_as.get(award)
        if same is not None:
            # A local name of a national award ("Cờ thi đua của Ủy ban nhân dân tỉnh" is the
            # law's "Cờ thi đua của Bộ, ban, ngành, tỉnh"): what the national texts say of it
            # follows the local rule's own provisions.
            general = self.card(same, rank if rank in self.catalog.awards[same].ranks else None)
            if general is not None:
                for facet, items in general.facets.items():
                    mine = list(zip(facets.get(facet, ()), tiers.get(facet, ()), strict=True))
                    seen = {p.key for p, _ in mine}
                    added = [
                        (p, t)
                        for p, t in zip(items, general.tiers.get(facet, ()), strict=True)
                        if p.key not in seen
                    ]
                    # its own provisions naming it, then the national ones, then the rest
                    merged = (
                        [e for e in mine if -e[1][1] >= NAMED]
                        + added
                        + [e for e in mine if -e[1][1] < NAMED]
                    )
                    facets[facet] = tuple(p for p, _ in merged)
                    tiers[facet] = tuple(t for _, t in merged)
        return AwardCard(
            id=cid,
            award=award,
            rank=rank,
            name=known.named(rank),
            award_class=known.award_class,
            aliases=self._aliases(known, rank),
            facets=facets,
            tiers=tiers,
        )

    def _aliases(self, award: Award, rank: str | None) -> tuple[str, ...]:
        """Other names officers use: the data file's aliases and chat abbreviations."""
        if not hasattr(self, "_alias_table"):
            fillers = self.reader.vocabulary.fillers
            table = {key: list(names) for key, names in self.catalog.aliases_of.items()}
            for short, expansion in self.abbreviations.items():
                key = " ".join(w for w in syllables(expansion) if w not in fillers)
                if key in self.catalog.awards:
                    table.setdefault(key, []).append(short)
            self._alias_table = table
        suffix = f" hạng {rank}" if rank else ""
        return tuple(dict.fromkeys(a + suffix for a in self._alias_table.get(award.key, ())))

    def _units(self) -> list[tuple[int, list[list[_Block]]]]:
        """The clause groups of the units worth reading: in force or reference, not about
        taking awards back, and with a heading that answers a facet or names awards, or a
        passage with a facet's words."""
        out = []
        skip = self.config.skip_intents
        for u, members in enumerate(self.fields.unit_rows):
            first = self.rows[members[0]]
            heading = self.headings[u]
            if (
                first.document_status == STATUS_EXPIRED
                or heading.intents & skip
                or (
                    self._skip_headings is not None
                    and self._skip_headings.search(self._norm(first.unit_title))
                )
            ):
                continue
            worth = bool(heading.intents or heading.names_awards)
            if not worth and self._any_cue is not None:
                worth = any(self._any_cue.search(self._norm(self.rows[i].text)) for i in members)
            if worth:
                out.append((u, self._blocks(members)))
        return out

    # -- blocks and mentions -----------------------------------------------------------------------
    def _blocks(self, members: Sequence[int]) -> list[list[_Block]]:
        """The unit's clause groups: a lead-in block followed by its points (and a paragraph
        after the last point that does not belong to it), or one block for a clause."""
        groups: list[list[_Block]] = []
        intro: list[_Block] | None = None
        for i in members:
            r = self.rows[i]
            if (
                r.point is not None
                and groups
                and groups[-1][0].clause == r.clause
                and groups[-1][0].point is None
                and groups[-1][0].row != i
            ):
                lead = groups[-1][0]
                groups[-1].append(self._block(i, r.clause, r.point, r.text, lead.text))
                continue
            starts = [m.start() for m in _POINT_LINE.finditer(r.text)]
            if intro is not None and r.clause is not None and r.point is None and not starts:
                # "Danh hiệu … đạt các tiêu chuẩn sau đây:" followed by its clauses "1. …"
                intro.append(self._block(i, r.clause, None, r.text, intro[0].text))
                continue
            intro = None
            if r.point is not None or not starts:
                groups.append([self._block(i, r.clause, r.point, r.text, None)])
                if r.clause is None and r.point is None and r.text.rstrip().endswith(":"):
                    intro = groups[-1]
                continue
            lead_text = r.text[: starts[0]].strip()
            group = [self._block(i, r.clause, None, lead_text, None)]
            bounds = [*starts, len(r.text)]
            for n, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
                piece = r.text[a:b].strip()
                letter = _POINT_LINE.match(r.text, a)
                trailing = None
                if n == len(starts) - 1:
                    # After the last point: its sub-items when it introduces them ("sau
                    # đây:"), else the clause's own closing paragraph.
                    first_par, _, rest = piece.partition("\n")
                    if rest.strip() and not first_par.rstrip().endswith(":"):
                        piece, trailing = first_par.strip(), rest.strip()
                group.append(
                    self._block(i, r.clause, letter.group(1) if letter else None, piece, lead_text)
                )
                if trailing:
                    block = self._block(i, r.clause, None, trailing, None)
                    block.trailing = True
                    group.append(block)
            groups.append(group)
        return groups

    def _block(
        self, row: int, clause: str | None, point: str | None, text: str, lead_in: str | None
    ) -> _Block:
        mentions, unnamed, listing = self._read(text)
        return _Block(
            row, clause, point, text, lead_in, mentions, unnamed and point is None, listing
        )

    def _read(self, text: str) -> tuple[list[_Mention], bool, bool]:
        """What ``text`` names, whether one of its sentences names nothing, and whether it is
        nothing but names (memoised: the same clause recurs in copies of a document)."""
        found = self._read_cache.get(text)
        if found is None:
            norm = self._norm(text)
            spans: list[tuple[int, int]] = []
            mentions = self._mentions(norm, spans)
            unnamed = listing = False
            if mentions:
                rest = norm
                for a, b in sorted(spans, reverse=True):
                    rest = rest[:a] + " " + rest[b:]
                left = [
                    w
                    for w in syllables(_NUMBERING.sub("", rest, count=1))
                    if w not in _LIST_WORDS and w not in self.reader.vocabulary.ranks
                ]
                listing = len(left) <= LIST_LEFTOVER
            if mentions:
                for start, end in sentence_spans(norm):
                    sentence = norm[start:end]
                    if len(sentence.split()) >= 4 and not any(start <= a < end for a, _b in spans):
                        unnamed = True
                        break
            found = self._read_cache[text] = (mentions, unnamed, listing)
        return found

    def _mentions(self, norm: str, spans: list[tuple[int, int]] | None = None) -> list[_Mention]:
        out: list[_Mention] = []
        not_this = self.config.not_this
        for m in self.catalog.find(norm):
            if spans is not None:
                spans.append(m.span)
            if m.award is not None:
                award = self.catalog.awards[m.award]
                ranks = self._ranks_after(norm, m.span[1]) if award.ranks else None
                out.append(
                    _Mention("award", m.award, ranks, condition=self._is_condition(norm, m.span[0]))
                )
            else:
                following = syllables(norm[m.span[1] : m.span[1] + 12])[:1]
                out.append(
                    _Mention(
                        "class",
                        m.award_class,
                        every=m.every,
                        other=bool(following) and following[0] in not_this,
                    )
                )
        if self._group_pattern is not None:
            for g in self._group_pattern.finditer(norm):
                out.append(_Mention("group", " ".join(syllables(g.group(0)))))
                if spans is not None:
                    spans.append(g.span())
        return out

    def _ranks_after(self, norm: str, end: int) -> frozenset[str] | None:
        """The hạng named after an award: one, several ("hạng Nhất, hạng Nhì, hạng Ba"), or
        None for the award as a whole (no hạng, "(các hạng)")."""
        after = norm[end : end + AFTER_CHARS]
        if _ALL_RANKS.match(after):
            return None
        ranks: list[str] = []
        pos = 0
        for m in _RANK_AFTER.finditer(after):
            if not _RANK_GAP.match(after[pos : m.start()]):
                break
            rank = self.reader.vocabulary.ranks.get(m.group(1))
            if rank is None:
                break
            ranks.append(rank)
            pos = m.end()
        return frozenset(ranks) if ranks else None

    def _is_condition(self, norm: str, start: int) -> bool:
        """ "… 03 lần được tặng danh hiệu “Chiến sĩ thi đua cơ sở”": a prerequisite."""
        if self._conditions is None:
            return False
        before = " ".join(syllables(norm[max(0, start - BEFORE_CHARS) : start]))
        before = before.removesuffix(" danh hiệu") if before.endswith(" danh hiệu") else before
        found = list(self._conditions.finditer(before))
        return bool(found) and found[-1].end() == len(before)

    # -- kinds and groups the texts define ---------------------------------------------------------
    def _read_kinds(self, units: list[tuple[int, list[list[_Block]]]]) -> None:
        """The law's lists of the general kinds ("Điều 9. Hình thức khen thưởng": Huân chương,
        Huy chương, …; "Điều 20. Danh hiệu thi đua đối với tập thể": “Cờ thi đua của Chính
        phủ” …) say which kind belongs to which."""
        for u, groups in units:
            title = tuple(syllables(self.rows[self.fields.unit_rows[u][0]].unit_title))
            general = next(
                (g for g in self._general if title[: len(g.split())] == tuple(g.split())), None
            )
            if general is None:
                continue
            for block in (b for g in groups for b in g):
                for m in block.mentions:
                    kind = (
                        m.ref
                        if m.kind == "class"
                        else (self.catalog.awards[m.ref].award_class if m.kind == "award" else "")
                    )
                    if kind and kind not in self._general:
                        self.parent.setdefault(kind, general)

    def _read_groups(self) -> None:
        """Definitions of a group of awards ("Các hình thức khen thưởng cấp Nhà nước gồm:
        Huân chương, …"): the qualifier ("cấp nhà nước") and its members."""
        for u, members in enumerate(self.fields.unit_rows):
            if (
                not self.headings[u].intents & self.config.group_intents
                or self.rows[members[0]].document_status == STATUS_EXPIRED
            ):
                continue
            for i in members:
                for m in _DEFINITION.finditer(self._norm(self.rows[i].text)):
                    name = [w for w in syllables(_NUMBERING.sub("", m.group("name"))) if w != "các"]
                    kind = next((c for c in self._classes if tuple(name[: len(c)]) == c), None)
                    if kind is None:
                        continue
                    qualifier = tuple(name[len(kind) :])
                    if len(qualifier) < self.config.group_min_words:
                        continue
                    found = self.groups.setdefault(qualifier, set())
                    for mention in self.catalog.find(m.group("items")):
                        found.add(
                            ("award", mention.award)
                            if mention.award
                            else ("class", mention.award_class)
                        )

    def _general_of(self, award: Award) -> str | None:
        kind = award.award_class
        return kind if kind in self._general else self.parent.get(kind)

    # -- which cards a passage is about ---------------------------------------------------------
    def _covers(
        self,
        mentions: Sequence[_Mention],
        excluded: frozenset[str] = frozenset(),
        heading: bool = False,
    ) -> Cover:
        """The cards ``mentions`` speak of, with how specifically (memoised: the same names
        recur; callers never change the result)."""
        key = (tuple(mentions), excluded, heading)
        found = self._cover_cache.get(key)
        if found is None:
            found = self._cover_cache[key] = self._compute_covers(mentions, excluded, heading)
        return found

    def _compute_covers(
        self, mentions: Sequence[_Mention], excluded: frozenset[str], heading: bool
    ) -> Cover:
        out: Cover = {}

        def put(cid: str, level: float, bare: bool = False) -> None:
            if self._templates[cid][0] in excluded:
                return
            old = out.get(cid)
            if old is None or level > old[0] or (level == old[0] and old[1] and not bare):
                out[cid] = (level, bare)

        groups = [m for m in mentions if m.kind == "group"]
        in_groups = {c for m in groups for c in self._by_group.get(tuple(m.ref.split()), ())}
        for m in mentions:
            if m.ignored:
                continue
            if m.kind == "award":
                for cid, rank in self._by_award.get(m.ref, ()):
                    if m.ranks is None:
                        put(cid, AWARD if rank else OWN)
                    elif rank in m.ranks:
                        put(cid, OWN)
            elif m.kind == "class" and m.ref in self._general:
                # "danh hiệu thi đua, hình thức khen thưởng … cấp Nhà nước": the group's only
                for cid in self._by_general.get(m.ref, ()):
                    if not groups or cid in in_groups:
                        put(cid, GENERAL)
            elif m.kind == "class":
                for cid in self._by_class.get(m.ref, ()):
                    put(cid, KIND, bare=not (m.every or heading))
            else:
                for cid in self._by_group.get(tuple(m.ref.split()), ()):
                    put(cid, GROUP)
        return out

    @staticmethod
    def _names(mentions: Iterable[_Mention]) -> bool:
        """Whether a passage names what it is about (a prerequisite does not count)."""
        return any(not m.condition for m in mentions)

    def _unit_pieces(self, u: int, groups: list[list[_Block]]) -> Iterable[_Piece]:
        heading = self.headings[u]
        first = self.rows[self.fields.unit_rows[u][0]]
        title = self._norm(first.unit_title)
        facets = {self._facet_of_intent[i] for i in heading.intents if i in self._facet_of_intent}
        delegated = {
            f for f, p in self._heading_cues.items() if p is not None and p.search(title)
        } - facets
        heading_mentions = [
            _Mention("award", a, frozenset({r}) if r else None) for a, r in heading.awards
        ]
        others = {
            " ".join(syllables(m.group(0))[:-1])
            for m in (self._other.finditer(title) if self._other else ())
        }
        heading_mentions += [
            _Mention("class", c, every=True) for c in heading.classes if c not in others
        ]  # "Các danh hiệu thi đua khác"
        heading_cover = self._covers(heading_mentions, heading.excluded, heading=True)
        specific_heading = bool(heading.awards)
        general_heading = (
            not heading.awards
            and bool(heading.classes)
            and set(heading.classes) <= set(self._general)
        )
        special = bool(self._special and self._special.search(title))

        pieces = [p for group in groups for p in self._group_provisions(group, heading.excluded)]
        context: Cover = {}
        if not heading_cover:
            # A passage naming nothing speaks of what its article names elsewhere.
            for _block, _whole, cover, _named in pieces:
                context.update(
                    {c: (CONTEXT, False) for c, (level, _) in cover.items() if level >= GROUP}
                )
        inherited = heading_cover or context
        if not inherited and u in self._rule_awards:
            # A local rulebook's article naming no award ("Thời gian đề nghị khen thưởng") is
            # its rule for the awards it defines, short of naming them.
            inherited = {
                cid: (GROUP, False)
                for award in self._rule_awards[u]
                for cid, _rank in self._by_award.get(award, ())
            }
        for block, whole, cover, named in pieces:
            if not named:
                final = inherited
            elif heading_cover:
                # An award of unknown kind ("xã, phường, đặc khu tiêu biểu") may be of the
                # general kind a heading names ("Mức tiền thưởng danh hiệu thi đua").
                inside = {
                    c: v
                    for c, v in cover.items()
                    if c in heading_cover
                    or (
                        general_heading
                        and self._general_of(self.catalog.awards[self._templates[c][0]]) is None
                    )
                }
                if inside:
                    final = {c: max(v, heading_cover.get(c, v)) for c, v in inside.items()}
                else:  # it names conditions (a specific heading) or other awards
                    final = heading_cover if specific_heading else {}
            else:
                final = cover
            if named and block.unnamed_sentence and inherited:
                final = dict(final)
                for c, v in inherited.items():
                    final.setdefault(c, (min(v[0], CONTEXT), False))
            if not final:
                continue
            cues = (self._cue_facets(block) | delegated) - facets
            if not facets and not cues:
                continue
            text = whole if whole is not None else block.text
            yield _Piece(
                unit=u,
                block=block,
                whole=whole,
                final=final,
                facets=frozenset(facets),
                cues=cues,
                heading_cover=heading_cover,
                heading_names=len({a for a, _ in heading.awards}) or 99,
                special=special or self._special_in(text),
            )

    def _group_provisions(
        self, group: list[_Block], excluded: frozenset[str]
    ) -> list[tuple[_Block, str | None, Cover, bool]]:
        """(block, whole clause text or None for the block's own, cards covered, names any).

        A clause whose points each name an award (a money list) gives one provision per
        point; otherwise the clause is one provision, about what its lead-in names (its
        points' names are then conditions), or else what it and its points name."""
        lead, parts = group[0], group[1:]
        if not parts:
            return [
                (
                    lead,
                    None,
                    self._listed(lead, self._covers(lead.mentions, excluded)),
                    self._names(lead.mentions),
                )
            ]
        points = [p for p in parts if not p.trailing]
        lead_awards = any(m.kind == "award" and not m.ignored for m in lead.mentions)
        named_points = [
            p for p in points if any(m.kind == "award" and not m.ignored for m in p.mentions)
        ]
        if len(named_points) >= 2 and not lead_awards:
            out: list[tuple[_Block, str | None, Cover, bool]] = []
            for p in parts:
                if self._names(p.mentions):
                    out.append((p, None, self._listed(p, self._covers(p.mentions, excluded)), True))
                elif self._names(lead.mentions) and not p.trailing:
                    out.append((p, None, self._covers(lead.mentions, excluded), True))
                else:
                    out.append((p, None, {}, False))
            return out
        mentions = (
            list(lead.mentions)
            if lead_awards
            else [*lead.mentions, *(m for p in parts for m in p.mentions)]
        )
        rows = list(dict.fromkeys(b.row for b in group))
        whole = (
            self.rows[rows[0]].text
            if len(rows) == 1
            else "\n\n".join(self.rows[i].text for i in rows)
        )
        return [(lead, whole, self._covers(mentions, excluded), self._names(mentions))]

    @staticmethod
    def _listed(block: _Block, cover: Cover) -> Cover:
        """An item of a list of awards names each no more than a group does: it says what
        the list is about, nothing about the award."""
        if not block.listing:
            return cover
        return {c: (min(level, GROUP), False) for c, (level, _bare) in cover.items()}

    def _cue_facets(self, block: _Block) -> frozenset[str]:
        return self._cues_in(block.text) | self._cues_in(block.lead_in or "")

    def _cues_in(self, text: str) -> frozenset[str]:
        found = self._cue_cache.get(text)
        if found is None:
            norm = self._norm(text)
            found = self._cue_cache[text] = frozenset(
                f for f, p in self._facet_cues.items() if p is not None and p.search(norm)
            )
        return found

    def _opens_with(self, text: str, facet: str) -> bool:
        """Whether a clause is the facet's own provision: it holds what answers it ("20 ngày
        làm việc", "1,0 lần mức lương cơ sở") or opens with it ("Hồ sơ đề nghị … gồm")
        (memoised: the same clause recurs in copies of a document)."""
        found = self._opens.get((text, facet))
        if found is None:
            found = self._opens[(text, facet)] = self._reads_as(text, facet)
        return found

    def _reads_as(self, text: str, facet: str) -> bool:
        answers = self._answer_patterns.get(facet)
        if answers is not None:
            return bool(answers.search(normalize(text)))
        head = syllables(_NUMBERING.sub("", text, count=1))[:LEAD_WORDS]
        return any(
            tuple(head[k : k + len(p)]) == p for p in self._opening.get(facet, ()) for k in range(3)
        )

    def _provision_of(self, piece: _Piece) -> Provision:
        if piece.provision is None:
            piece.provision = self._provision(piece.block, piece.whole)
        return piece.provision

    def _provision(self, block: _Block, whole: str | None) -> Provision:
        r = self.rows[block.row]
        point = None if whole is not None else block.point
        text = whole if whole is not None else block.text
        citation = replace(r, point=point).citation()
        return Provision(
            **r.cited_fields(),
            clause=r.clause,
            point=point,
            citation=citation,
            text=text,
            row=block.row,
            paragraph=r.paragraph,
            lead_in=block.lead_in if whole is None else None,
        )

    def _document_rank(self, row: int) -> tuple[bool, bool, int]:
        """In force before the rest, nationwide (or the deployment's own) before another
        locality's, then down the legal hierarchy."""
        r = self.rows[row]
        key = (r.document_number, r.document_status)
        found = self._ranks.get(key)
        if found is None:
            local = not (
                is_national(r.document_scope) or same_locality(r.document_scope, self.locality)
            )
            found = self._ranks[key] = (
                r.document_status != STATUS_IN_FORCE,
                local,
                HIERARCHY.get(r.document_kind, OTHER_LEVEL),
            )
        return found

    def _entry(
        self,
        piece: _Piece,
        provision: Provision,
        facet: str,
        source: int,
        level: float,
        bare: bool,
        heading_level: float,
    ) -> _Entry:
        opens = piece.opens.get(facet)
        if opens is None:
            opens = piece.opens[facet] = self._opens_with(provision.text, facet)
        spec = self.config.facet(facet)
        ranked = level
        if opens and spec is not None and spec.opening_first and level >= KIND:
            ranked = max(level, NAMED)
        order = (
            -source,
            -ranked,
            piece.special,
            -heading_level,
            piece.heading_names,
            *self._document_rank(provision.row),
            not opens,
            provision.row,
            provision.point is not None,
            provision.point or "",
            len(provision.text),
        )
        return _Entry(provision, level, bare, order)

    def _ordered(self, entries: list[_Entry], facet: str) -> list[_Entry]:
        if facet in self.config.bare_fallback and any(e.level >= NAMED for e in entries):
            entries = [e for e in entries if not e.bare]
        best: dict[int, _Entry] = {}
        for e in entries:
            key = id(e.provision)
            if key not in best or e.order < best[key].order:
                best[key] = e
        return sorted(best.values(), key=lambda e: e.order)

    def _special_in(self, text: str) -> bool:
        """Whether a provision comes after the general ones: it opens on a special subject
        ("cá nhân, tập thể người nước ngoài", "hộ gia đình"), is about the army's or police's
        own rules, or only hands the detail to another body ("Chính phủ quy định chi tiết …",
        ``[delegation]`` of data/passage_choice.toml)."""
        opening = self._norm(" ".join(text.split()[: self._special_words]))
        if self._special is not None and self._special.search(opening):
            return True
        if self._special_anywhere is not None and self._special_anywhere.search(self._norm(text)):
            return True
        return self._delegation.matches(text, self._norm(text))

    def _norm(self, text: str) -> str:
        found = self._norm_cache.get(text)
        if found is None:
            found = self._norm_cache[text] = normalize(text)
        return found
