"""Messages as the bot sends them: HTML escaping, highlighting, checklists, splitting, texts.

Why one module: every piece of source or user text goes through ``esc`` here before it
reaches Telegram's HTML parse mode (the application's default), and that is easiest to get
right (and to test) as plain functions on strings. Telegram limits a message to 4096
characters *after* entity parsing, so lengths below are counted on the visible text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from knowledge.activity import (
    FEEDBACK_REASONS,
    LOCAL_OFFSET,
    ActivityStats,
    SavedAnswer,
    SavedItem,
)
from knowledge.citation import status_line
from knowledge.coverage import needs_confirmation, percent, unparsed_excerpt
from knowledge.model import KIND_LABELS, STATUS_EXPIRED, STATUS_IN_FORCE, STATUS_LABELS
from knowledge.store import DocumentInfo, UnitView
from knowledge.uploads import Received
from retrieval.awards import load_config, no_provision_note
from retrieval.card_answers import OVERVIEW, FacetView
from retrieval.lexicon import never_highlighted
from retrieval.params import is_national
from retrieval.question import MAX_QUESTION_CHARS, is_dossier_question
from retrieval.text import fold, nfc, normalize_tone_marks, tokenize

CHUNK_LIMIT = 3500
"""Visible characters of source text per message: room left for the header and footer."""
ANSWER_TEXT_LIMIT = 3000

_WORD = re.compile(r"[^\W_]+")
_POINT_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<point>[a-zđ])\)[ \t]+", re.MULTILINE)
_CLAUSE_START = re.compile(r"^\s*\d{1,3}[.)](?:\[\d+\])?\s")
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


def esc(text: object) -> str:
    """Escape for Telegram HTML (``<``, ``>``, ``&``); quotes need no escaping in text."""
    return html.escape(str(text), quote=False)


def _norm_word(word: str) -> str:
    return normalize_tone_marks(nfc(word)).lower()


@lru_cache(maxsize=1)
def _stop_syllables() -> tuple[frozenset[str], frozenset[str]]:
    """Function words never highlighted: the one-syllable words of the question-word list
    and of its display-only words (``retrieval/data/stopwords.toml``), with diacritics and
    folded (typed without them)."""
    words = frozenset(w for w in never_highlighted() if " " not in w)
    return words, frozenset(fold(w) for w in words)


# -- question words ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """Phrases of a question to highlight (see :func:`question_terms`).

    ``phrases`` are runs of two or more adjacent question syllables; ``singles`` are the
    syllables the question uses as words of their own. Keys are lowercase, with diacritics
    when the question has them and folded (no diacritics) when it was typed without.
    """

    phrases: frozenset[tuple[str, ...]] = frozenset()
    singles: frozenset[str] = frozenset()
    accented: bool = True

    def __bool__(self) -> bool:
        return bool(self.phrases or self.singles)

    def key(self, word: str) -> str:
        norm = _norm_word(word)
        return norm if self.accented else fold(norm)

    @property
    def longest(self) -> int:
        return max((len(p) for p in self.phrases), default=1)


def _chains(text: str) -> list[list[str]]:
    """Runs of words separated only by spaces (punctuation breaks a phrase)."""
    chains: list[list[str]] = []
    last_end = -1
    for m in _WORD.finditer(text):
        if chains and text[last_end : m.start()].strip(" ") == "":
            chains[-1].append(m.group(0))
        else:
            chains.append([m.group(0)])
        last_end = m.end()
    return chains


def question_terms(question: str) -> Terms:
    """Highlightable phrases of a question: multi-syllable runs, and single-syllable words.

    Highlighting syllable by syllable lights up "đề" in "đề tài" for a question about "đề
    nghị"; matching phrases keeps the highlight on what the officer asked about.
    """
    words = [_norm_word(w) for w in _WORD.findall(question)]
    accented = any(w != fold(w) for w in words)
    stop = _stop_syllables()[0 if accented else 1]

    def key(word: str) -> str:
        norm = _norm_word(word)
        return norm if accented else fold(norm)

    phrases: set[tuple[str, ...]] = set()
    for chain in _chains(question):
        keys = [key(w) for w in chain]
        for i in range(len(keys)):
            for j in range(i + 2, min(len(keys), i + 6) + 1):
                piece = tuple(keys[i:j])
                # Typed without diacritics, "de" may be "để" (stopword) or "đề" (đề nghị):
                # one content word at either end is enough there.
                content_ends = (piece[0] not in stop, piece[-1] not in stop)
                if all(content_ends) or (not accented and any(content_ends)):
                    phrases.add(piece)
    # Words of one syllable in the question's own segmentation ("tặng", "xét"): pyvi joins
    # the syllables of compound words with "_".
    singles = (
        {
            key(t)
            for t in tokenize(question)
            if "_" not in t and _WORD.fullmatch(t) and len(fold(t)) >= 2 and key(t) not in stop
        }
        if accented
        else set()
    )  # unsegmentable without diacritics: phrases only
    return Terms(frozenset(phrases), frozenset(singles), accented)


COMMON_SHARE = 0.5
"""A question word on more than this share of a passage's lines marks none of them."""
COMMON_LINES = 3


def distinctive(text: str, terms: Terms) -> Terms:
    """``terms`` without those on most lines of ``text``: in a money list every line says
    "mức lương cơ sở", and bolding it everywhere points at nothing."""
    lines = [line for line in text.split("\n") if _WORD.search(line)]
    if len(lines) < COMMON_LINES:
        return terms
    keyed = [[terms.key(w) for w in _WORD.findall(line)] for line in lines]
    limit = COMMON_SHARE * len(lines)

    def lines_with(phrase: tuple[str, ...]) -> int:
        n = len(phrase)
        return sum(any(tuple(k[i : i + n]) == phrase for i in range(len(k) - n + 1)) for k in keyed)

    return Terms(
        frozenset(p for p in terms.phrases if lines_with(p) <= limit),
        frozenset(w for w in terms.singles if lines_with((w,)) <= limit),
        terms.accented,
    )


def highlight(text: str, terms: Terms, tag: str = "b") -> str:
    """``text`` escaped for HTML with the question's phrases wrapped in ``<tag>``.

    Matching runs on the raw text and every piece is escaped separately, so a tag can never
    split an entity such as ``&amp;``; adjacent matched words share one tag. Words on most
    lines of a list are not marked (:func:`distinctive`).
    """
    terms = distinctive(text, terms) if terms else terms
    if not terms:
        return esc(text)
    matches = list(_WORD.finditer(text))
    keys = [terms.key(m.group(0)) for m in matches]
    marked = [False] * len(matches)
    i = 0
    while i < len(matches):
        for j in range(min(len(matches), i + terms.longest), i + 1, -1):
            adjacent = all(
                text[matches[k].end() : matches[k + 1].start()].strip(" ") == ""
                for k in range(i, j - 1)
            )
            if adjacent and tuple(keys[i:j]) in terms.phrases:
                marked[i:j] = [True] * (j - i)
                i = j
                break
        else:
            marked[i] = keys[i] in terms.singles
            i += 1
    spans: list[list[int]] = []
    for k, m in enumerate(matches):
        if not marked[k]:
            continue
        if spans and marked[k - 1] and text[spans[-1][1] : m.start()].strip(" ") == "":
            spans[-1][1] = m.end()
        else:
            spans.append([m.start(), m.end()])
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(esc(text[pos:start]))
        out.append(f"<{tag}>{esc(text[start:end])}</{tag}>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


# -- checklists and splitting ------------------------------------------------------------------


def checklist(text: str) -> str | None:
    """Points ``a)``, ``b)``… of a clause as a checklist (``☐ a) …``); None without points."""
    if len(_POINT_LINE.findall(text)) < 2:
        return None
    body = re.sub(r"\n[ \t]*\n+", "\n", text.strip())
    return _POINT_LINE.sub(lambda m: f"{m.group('indent')}☐ {m.group('point')}) ", body)


def _hard_split(text: str, limit: int) -> list[str]:
    """Split one over-long paragraph at sentence ends, else at spaces, else anywhere."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for m in _SENTENCE_END.finditer(window):
            if m.start() >= limit // 3:
                cut = m.start()
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= limit // 3:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def split_text(text: str, limit: int = CHUNK_LIMIT) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, preferring clause boundaries
    ("1.", "2." at a line start), then paragraph ends, then sentence ends."""
    text = text.strip("\n")
    if len(text) <= limit:
        return [text] if text else []
    paragraphs = [p for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    clauses: list[list[str]] = []
    for p in paragraphs:
        if not clauses or _CLAUSE_START.match(p):
            clauses.append([p])
        else:
            clauses[-1].append(p)
    blocks: list[str] = []
    for clause in clauses:
        joined = "\n\n".join(clause)
        if len(joined) <= limit:
            blocks.append(joined)
            continue
        for p in clause:
            blocks.extend(_hard_split(p, limit) if len(p) > limit else [p])
    chunks: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = block
    if current:
        chunks.append(current)
    return chunks


def shorten(text: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` characters cut at a clause/paragraph/sentence boundary."""
    pieces = split_text(text, limit)
    if len(pieces) <= 1:
        return text, False
    return pieces[0], True


# -- statuses and citations ------------------------------------------------------------------------


# -- answers ------------------------------------------------------------------------------------


def render_item(
    item: SavedItem, terms: Terms, *, dossier: bool = False, limit: int = ANSWER_TEXT_LIMIT
) -> tuple[str, bool]:
    """Citation (bold), status, passage (highlighted; a checklist for dossier questions).

    Returns (html, cut) where ``cut`` says the passage was shortened.
    """
    lines = [f"📌 <b>{esc(item.citation)}</b>", *map(esc, where_lines(item))]
    body, cut = item_body(item, dossier=dossier, limit=limit)
    lines.append("")
    lines.append(_marked(body, item.highlight, terms))
    if cut:
        lines.append("…")
    return "\n".join(lines), cut


def where_lines(item: SavedItem) -> list[str]:
    """Under a passage's citation (plain text): where it applies (a local rule) and its
    status (replaced, expired); the chat and the training-session export."""
    lines = []
    if scope := scope_line(item.document_scope):
        lines.append(scope)
    if status := status_line(item.document_status, item.replaced_by, item.replaced_by_name):
        lines.append(status)
    return lines


def scope_line(scope: str | None) -> str | None:
    """ "📍 Áp dụng: tỉnh Bắc Ninh" under a local rule's citation (plain text; None for a
    nationwide one): never shown as if it were national."""
    return f"📍 Áp dụng: {scope}" if scope and not is_national(scope) else None


def item_body(
    item: SavedItem, *, dossier: bool = False, limit: int = ANSWER_TEXT_LIMIT
) -> tuple[str, bool]:
    """The passage as shown (plain text): with its context, as a checklist for a dossier
    question, shortened at a clause boundary. The training-session export writes the same."""
    body = item.context_text or item.text
    listed = checklist(body) if dossier else None
    if listed:
        body = listed
    return shorten(body, limit)


def _marked(body: str, line: str | None, terms: Terms) -> str:
    """``body`` in HTML with the line that answers in bold (the award's line of a money
    list), else the question's distinctive words."""
    at = body.find(line) if line else -1
    if line is None or at < 0:
        return highlight(body, terms)
    return f"{esc(body[:at])}<b>{esc(line)}</b>{esc(body[at + len(line) :])}"


def answer_checklist(answer: SavedAnswer, item: SavedItem | None = None) -> bool:
    """Whether the points of ``item`` (else the answer's) are a ☐ checklist: stored with the
    item or the answer (a dossier question by its intent); for answers saved before, by the
    question's words."""
    if item is not None and item.checklist is not None:
        return item.checklist
    return (
        answer.checklist if answer.checklist is not None else is_dossier_question(answer.question)
    )


def render_answer(answer: SavedAnswer, index: int) -> str:
    """One page of a saved answer: result ``index`` of its list, with a footer (an award
    card's overview: the whole card)."""
    if answer.facet == OVERVIEW:
        return render_card_overview(answer)
    items = answer.items
    index = max(0, min(index, len(items) - 1))
    terms = question_terms(answer.question)
    item = items[index]
    body, cut = render_item(item, terms, dossier=answer_checklist(answer, item))
    direct = render_direct(answer.direct) + "\n\n" if answer.direct and index == 0 else ""
    body = answer_preface(answer) + direct + body
    question = answer.question if len(answer.question) <= 200 else answer.question[:200] + "…"
    footer = [""]
    if cut:
        footer.append("<i>Đoạn trích đã được rút gọn; bấm “Xem toàn văn” để đọc đủ.</i>")
    footer.append(f"<i>Kết quả {index + 1}/{len(items)} · Câu hỏi: {esc(question)}</i>")
    return body + "\n" + "\n".join(footer)


def render_followup(question: str) -> str:
    """Above an answer to a follow-up: how the bot completed it, so a wrong guess shows."""
    return f"↪️ <i>Tôi hiểu bạn hỏi tiếp: “{esc(_clip(question, 300))}”</i>\n\n"


def render_alternative(question: str) -> str:
    """Below an answer when the message may have been a follow-up: the other reading is a
    button."""
    return f"<i>Nếu bạn hỏi tiếp câu trước (“{esc(_clip(question, 200))}”), bấm nút ↪️ bên dưới.</i>"


WEAK_NOTICE = (
    "🔎 Chưa thấy quy định trả lời thẳng câu hỏi này; dưới đây là quy định gần nhất với câu hỏi."
)


def preface_lines(answer: SavedAnswer) -> list[tuple[str, bool]]:
    """What goes above the first passage, as (plain text, in italics): "Có phải bạn hỏi: …"
    when the question was only matched after a spelling correction, "closest provision"
    when nothing answers it directly, and the notes (a replaced or not-loaded document)."""
    lines = []
    if answer.corrected:
        lines.append((f"Có phải bạn hỏi: “{_clip(answer.corrected, 300)}”?", True))
    if answer.weak:
        lines.append((WEAK_NOTICE, False))
    lines += [(f"ℹ️ {note}", False) for note in answer.notes]
    return lines


def answer_preface(answer: SavedAnswer) -> str:
    """:func:`preface_lines` in HTML, followed by a blank line."""
    lines = [
        f"<i>{esc(text)}</i>" if italic else esc(text) for text, italic in preface_lines(answer)
    ]
    return "\n".join(lines) + "\n\n" if lines else ""


def direct_lines(direct: dict[str, object]) -> list[str]:
    """The direct line as plain text lines (the training-session export)."""
    mark, text, _phrase, citation, explanation = _direct_parts(direct)
    return [f"{mark} {text}", f"— {citation}", *explanation]


def _direct_parts(direct: dict[str, object]) -> tuple[str, str, str, str, list[str]]:
    """(mark, verbatim text, answering words, citation, explanation lines) of a stored
    direct line."""
    explanation = direct.get("explanation")
    return (
        DIRECT_MARKS.get(str(direct.get("kind")), "➤"),
        str(direct.get("text") or ""),
        str(direct.get("phrase") or ""),
        str(direct.get("citation") or ""),
        [str(x) for x in explanation] if isinstance(explanation, list) else [],
    )


def overview_lines(answer: SavedAnswer) -> list[tuple[str, str, str | None, str]]:
    """A card's overview as (facet label, citation, scope line or None, excerpt): the chat
    and the export."""
    out = []
    for item in answer.items:
        excerpt, cut = shorten(" ".join((item.context_text or item.text).split()), OVERVIEW_EXCERPT)
        if cut or len(excerpt) > OVERVIEW_EXCERPT:
            excerpt = _clip(excerpt, OVERVIEW_EXCERPT)
        scope = scope_line(item.document_scope)
        out.append((facet_label(item.facet or ""), item.citation, scope, excerpt))
    return out


DIRECT_MARKS = {"money": "💰", "deadline": "⏱"}


def render_direct(direct: dict[str, object]) -> str:
    """The direct line (a money or deadline question): verbatim, the answering words in
    bold, its citation, and what it means ("= 2.340.000 đồng")."""
    mark, text, phrase, citation, explanation = _direct_parts(direct)
    at = text.find(phrase) if phrase else -1
    shown = (
        esc(text)
        if at < 0
        else f"{esc(text[:at])}<b>{esc(phrase)}</b>{esc(text[at + len(phrase) :])}"
    )
    lines = [f"{mark} {shown}", f"<i>— {esc(citation)}</i>", *map(esc, explanation)]
    return "\n".join(lines)


def render_no_answer(
    question: str, related: Sequence[tuple[str, str]], notes: Sequence[str] = ()
) -> str:
    """Nothing relevant: say so, suggest rephrasing, list close headings (citation, title)."""
    lines = [
        "🔎 Tôi chưa tìm thấy quy định phù hợp với câu hỏi này trong cơ sở tri thức.",
        *(f"ℹ️ {esc(note)}" for note in notes),
        "Bạn hãy thử diễn đạt lại: nêu rõ danh hiệu, hình thức khen thưởng hoặc thủ tục cần "
        "hỏi (ví dụ: “Tiêu chuẩn danh hiệu Chiến sĩ thi đua cơ sở”).",
    ]
    if related:
        lines.append("")
        lines.append("Có thể bạn quan tâm:")
        for citation, title in related:
            shown = f"{citation} — {title}" if title else citation
            lines.append(f"• {esc(shown)}")
    lines.append("")
    lines.append(f"<i>Câu hỏi: {esc(_clip(question, 200))}</i>")
    return "\n".join(lines)


SMALL_TALK = {
    "greeting": "Xin chào{name}! 👋 Tôi là trợ lý tra cứu <b>thi đua, khen thưởng</b>. Bạn cứ "
    "hỏi bằng tiếng Việt, có dấu hay không dấu đều được.",
    "thanks": "Rất vui được giúp bạn{name}! 😊 Cần tra cứu thêm, bạn cứ hỏi tiếp nhé.",
    "identity": "Tôi là trợ lý tra cứu <b>thi đua, khen thưởng</b>. Tôi trả lời bằng đúng đoạn "
    "quy định trong các văn bản đã nạp, kèm trích dẫn điều, khoản — không tự soạn "
    "nội dung. Tôi giúp tra: danh hiệu, hình thức khen thưởng nào phù hợp; tiêu "
    "chuẩn; ai đề nghị, ai quyết định; hồ sơ, thủ tục, thời hạn; tiền thưởng.",
    "help": "Bạn gửi câu hỏi như khi hỏi đồng nghiệp, nêu rõ danh hiệu hoặc hình thức khen "
    "thưởng và điều cần biết (tiêu chuẩn, hồ sơ, thẩm quyền…). Gõ /help để xem các lệnh.",
}


def render_small_talk(kind: str, first_name: str | None = None) -> str:
    """A short human reply to a greeting, thanks, "bạn là ai", "giúp với" (never "không tìm
    thấy"), pointing to what the bot can do; the example questions go below as buttons."""
    name = f" {esc(first_name)}" if first_name else ""
    return SMALL_TALK[kind].format(name=name) + "\n\nVí dụ, bấm một câu hỏi mẫu:"


def truncated_notice() -> str:
    return f"✂️ Câu hỏi quá dài nên tôi chỉ dùng {MAX_QUESTION_CHARS} ký tự cuối để tra cứu."


def render_article(
    view: UnitView, *, replaced_by_name: str | None = None, limit: int = CHUNK_LIMIT
) -> list[str]:
    """A unit as written, split on clause boundaries; the first message carries the citation."""
    header = [f"📖 <b>{esc(view.citation)}</b>"]
    status = status_line(view.document.status, view.document.replaced_by, replaced_by_name)
    if status:
        header.append(esc(status))
    pieces = split_text(view.text, limit) or [view.title]
    messages = []
    for n, piece in enumerate(pieces):
        head = header if n == 0 else [f"<i>(tiếp theo, phần {n + 1}/{len(pieces)})</i>"]
        first, _, rest = piece.partition("\n")
        body = f"<b>{esc(first)}</b>" + (f"\n{esc(rest)}" if rest else "") if n == 0 else esc(piece)
        messages.append("\n".join(head) + "\n\n" + body)
    return messages


def render_documents(docs: Sequence[DocumentInfo], version: int) -> list[str]:
    """``/tailieu``: the documents in the knowledge base with their status."""
    if not docs:
        return [
            "Cơ sở tri thức đang trống. Quản trị viên có thể nạp văn bản bằng /capnhat "
            "hoặc gửi tệp cho tôi."
        ]
    lines = [f"📚 <b>Văn bản trong cơ sở tri thức</b> (phiên bản {version}, {len(docs)} văn bản):"]
    for d in docs:
        status = STATUS_LABELS.get(d.meta.status, d.meta.status)
        mark = (
            "✅"
            if d.meta.status == STATUS_IN_FORCE
            else ("⛔" if d.meta.status == STATUS_EXPIRED else "ℹ️")
        )
        extra = ""
        if d.meta.status == STATUS_EXPIRED and d.meta.replaced_by:
            extra = f", thay thế bởi {d.meta.replaced_by}"
        lines.append(
            f"\n{mark} <b>{esc(d.meta.number)}</b> — {esc(d.meta.title)}\n"
            f"    {esc(KIND_LABELS.get(d.meta.kind, 'Tài liệu'))} · {esc(status)}{esc(extra)} · "
            f"{d.units} điều/mục"
        )
    return _pack(lines)


def _pack(lines: Iterable[str], limit: int = CHUNK_LIMIT) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = line.lstrip("\n")
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def render_stats(stats: ActivityStats) -> str:
    lines = [f"📊 <b>Thống kê {len(stats.days)} ngày qua</b>", "", "Câu hỏi theo ngày:"]
    for day, count in stats.days:
        bar = "▇" * min(count, 20)
        lines.append(f"• {day:%d/%m}: {count} {bar}".rstrip())
    lines.append("")
    lines.append(
        f"Tổng: {stats.total} câu hỏi từ {stats.users} người · không tìm thấy câu trả lời: "
        f"{stats.unanswered} ({stats.unanswered_rate:.0%})"
    )
    lines.append(f"Đánh giá: 👍 {stats.positive_count} · 👎 {stats.negative_count}")
    if stats.reasons:
        given = " · ".join(
            f"{FEEDBACK_REASONS.get(r, r)} {n}"
            for r, n in sorted(stats.reasons.items(), key=lambda kv: -kv[1])
        )
        lines.append(f"Lý do 👎: {esc(given)}")
    if stats.top_questions:
        lines.append("")
        lines.append("Câu hỏi nhiều nhất:")
        for n, (question, count) in enumerate(stats.top_questions, start=1):
            lines.append(f"{n}. {esc(_clip(question, 120))} ({count} lần)")
    if stats.negative:
        lines.append("")
        lines.append("👎 gần đây:")
        for fb in stats.negative:
            why = f" ({FEEDBACK_REASONS.get(fb.reason, fb.reason)})" if fb.reason else ""
            lines.append(
                f"• {fb.at:%d/%m %H:%M} “{esc(_clip(fb.question, 120))}” → "
                f"{esc(_clip(fb.citation, 120))}{esc(why)}"
            )
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_when(moment: datetime) -> str:
    """A stored moment (naive UTC, on SQLite and PostgreSQL alike) in Vietnam time."""
    return f"{moment + LOCAL_OFFSET:%H:%M %d/%m/%Y}"


PREVIEW_WARNINGS = 5
"""Caption warnings listed in a preview; the rest are counted. A 1024-character caption can
hold hundreds of fields, and a preview must stay one message (edits append to it)."""


PREVIEW_PENDING = "Cơ sở tri thức chưa thay đổi cho tới khi bạn bấm “✅ Đăng”."
"""The preview's last line while it waits; dropped once the admin has decided."""


def preview_decided(shown_html: str) -> str:
    """The preview as shown, without the waiting line: the text an outcome is added to
    ("✅ Đã đăng", "❌ Đã hủy"), which must not still say nothing has changed."""
    return shown_html.replace(f"\n\n{PREVIEW_PENDING}", "")


def render_preview(received: Received, filename: str) -> str:
    """HTML preview of a parsed upload: what "Đăng" would add.

    Every part is clipped, so the preview stays under ~2,500 visible characters whatever the
    file and caption hold: Telegram refuses messages over 4,096, and the publish/replace
    notes are appended to this text later.
    """
    parsed, caption, existing = received.parsed, received.caption, received.existing
    meta = parsed.meta
    first = parsed.units[0] if parsed.units else None
    heading = f"{first.label}. {first.title}".strip() if first else "—"
    if first is not None and first.kind == "dieu":
        heading = f"Điều {first.label}. {first.title}"
    lines = [
        f"📄 <b>Xem trước tài liệu</b> “{esc(_clip(filename, 100))}”",
        "",
        f"Số hiệu: <b>{esc(_clip(meta.number, 120))}</b>",
        f"Tên: {esc(_clip(meta.title or '—', 300))}",
        f"Loại: {esc(_clip(KIND_LABELS.get(meta.kind, meta.kind), 60))}",
        f"Hiệu lực: {esc(_clip(STATUS_LABELS.get(meta.status, meta.status), 60))}",
        f"Số điều/mục: {len(parsed.units)} · số đoạn trích: {len(parsed.passages)}",
        f"Điều/mục đầu tiên: {esc(_clip(heading, 200))}",
    ]
    if meta.issued:
        lines.insert(5, f"Ngày ban hành: {meta.issued:%d/%m/%Y}")
    if meta.scope:
        lines.insert(
            5, f"Áp dụng: {esc(meta.scope)}" + (f" ({esc(meta.issuer)})" if meta.issuer else "")
        )
    parts = list(dict.fromkeys(u.attachment for u in parsed.units if u.attachment))
    if parts:
        lines.append(f"Gồm văn bản chính và: {esc(', '.join(parts)[:300])}")
    if parsed.coverage is not None:
        lines.append(f"Đã đọc: {esc(percent(parsed.coverage))} nội dung sau phần đầu văn bản")
    if needs_confirmation(parsed):
        lines.append("")
        lines.append("⚠️ <b>Tôi chưa đọc được hết tệp này.</b> Các dòng đầu chưa đọc được:")
        lines += [f"<code>{esc(line)}</code>" for line in unparsed_excerpt(parsed)]
        lines.append(
            "Hãy kiểm tra tệp (hoặc gửi bản .docx/.txt). Bấm “✅ Đăng” nếu vẫn muốn đăng "
            "phần đã đọc được."
        )
    for warning in caption.warnings[:PREVIEW_WARNINGS]:
        lines.append(f"⚠️ {esc(_clip(warning, 150))}")
    if len(caption.warnings) > PREVIEW_WARNINGS:
        lines.append(
            f"⚠️ … và {len(caption.warnings) - PREVIEW_WARNINGS} chỗ khác trong chú "
            "thích không hiểu được; bỏ qua."
        )
    if existing is not None:
        lines.append("")
        lines.append(
            f"⚠️ Cơ sở tri thức đã có văn bản số {esc(_clip(existing.meta.number, 120))} "
            f"(“{esc(_clip(existing.meta.title, 120))}”). Đăng tài liệu này sẽ thay thế "
            "văn bản cũ; tôi sẽ hỏi xác nhận thêm một lần."
        )
    lines.append("")
    lines.append(PREVIEW_PENDING)
    return "\n".join(lines)


# -- award cards ---------------------------------------------------------------------------------

FACET_MARKS = {
    "tieu_chuan": "📋",
    "tham_quyen_quyet_dinh": "🖊",
    "tham_quyen_de_nghi": "🖊",
    "ho_so": "📂",
    "thoi_han": "⏱",
    "tien_thuong": "💰",
    "trao_tang": "🎖",
}
OVERVIEW_EXCERPT = 320
"""Characters of each facet's first passage on a card's overview."""
FACET_TEXT_LIMIT = 3200
"""Visible characters of the passages of one facet view (room for header and footer)."""
CARD_HINT = "Bấm các nút bên dưới để xem từng mục (nguyên văn quy định, kèm trích dẫn)."


def facet_label(facet: str) -> str:
    return f"{FACET_MARKS.get(facet, '•')} {load_config().label(facet)}"


def render_card_overview(answer: SavedAnswer) -> str:
    """A card's overview (``/khenthuong``, inline mode): per facet, its first passage's
    citation and opening, and the money line; the facet buttons open each in full."""
    lines = [f"🎖 <b>{esc(answer.award_name or answer.question)}</b>", esc(CARD_HINT)]
    for label, citation, scope, excerpt in overview_lines(answer):
        lines += ["", f"{label} — <b>{esc(citation)}</b>"]
        if scope:
            lines.append(esc(scope))
        lines.append(esc(excerpt))
    if answer.direct:
        lines += ["", render_direct(answer.direct)]
    missing = missing_facets(answer)
    if missing:
        lines += ["", f"<i>{esc(missing)}</i>"]
    return "\n".join(lines)


def missing_facets(answer: SavedAnswer) -> str | None:
    """ "The loaded texts have no provision of their own on: …" for a card's empty facets."""
    missing = [key for key in load_config().keys if key not in {i.facet for i in answer.items}]
    return no_provision_note(missing) if missing else None


def render_facet_view(view: FacetView) -> str:
    """One facet of a card (a facet button): the direct line, then its first passages, each
    verbatim with its citation."""
    head = " · ".join(facet_label(f) for f in view.facets)
    lines = [f"🎖 <b>{esc(view.card.name)}</b> · {head}"]
    if view.direct:
        lines += ["", render_direct(view.direct)]
    shown = [(f, p) for f in view.facets for p in view.provisions.get(f, ())]
    if not shown:
        lines += [
            "",
            f"Các văn bản đã nạp chưa có quy định riêng về mục này cho {esc(view.card.name)}.",
        ]
    budget = max(400, FACET_TEXT_LIMIT // max(1, len(shown)))
    for facet, p in shown:
        body = f"{p.lead_in}\n\n{p.text}" if p.lead_in else p.text
        body, cut = shorten(body, budget)
        lines += [
            "",
            f"📌 <b>{esc(p.citation)}</b>"
            + (
                f" <i>({esc(load_config().label(facet).lower())})</i>"
                if len(view.facets) > 1
                else ""
            ),
        ]
        if scope := scope_line(p.document_scope):
            lines.append(esc(scope))
        status = status_line(p.document_status)
        if status:
            lines.append(esc(status))
        lines.append(esc(body) + ("\n…" if cut else ""))
    lines += [
        "",
        f"<i>Thẻ khen thưởng: {esc(view.card.name)}. Gõ /khenthuong "
        f"{esc(view.card.name)} để xem cả thẻ.</i>",
    ]
    return "\n".join(lines)


def render_card_choices(name: str, choices: Sequence[str], ranks: bool) -> str:
    """``/khenthuong`` with a name that names no single card: the closest names (buttons)."""
    if ranks:
        return f"“{esc(_clip(name, 100))}” có nhiều hạng. Bạn chọn hạng cần xem:"
    if choices:
        return (
            f"Tôi chưa tìm thấy danh hiệu, hình thức khen thưởng “{esc(_clip(name, 100))}”. "
            "Có phải bạn muốn xem:"
        )
    return (
        f"Tôi chưa tìm thấy danh hiệu, hình thức khen thưởng “{esc(_clip(name, 100))}” "
        "trong cơ sở tri thức. Bạn hãy gõ tên đầy đủ hơn, ví dụ: /khenthuong Huân chương "
        "Lao động hạng Ba"
    )
