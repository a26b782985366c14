"""Telegram-free formatting: HTML escaping, highlighting, checklists, splitting, message texts.

Why separate from the handlers: every piece of source or user text goes through ``esc`` here
before it reaches Telegram's HTML parse mode, and that is easiest to get right (and to test)
as plain functions on strings. Telegram limits a message to 4096 characters *after* entity
parsing, so lengths below are counted on the visible text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from knowledge.activity import LOCAL_OFFSET, ActivityStats, SavedAnswer, SavedItem
from knowledge.citation import document_name, render_citation
from knowledge.model import (
    KIND_LABELS,
    STATUS_EXPIRED,
    STATUS_IN_FORCE,
    STATUS_LABELS,
    STATUS_REFERENCE,
    UNIT_ARTICLE,
    UNIT_SECTION,
    UNIT_SLIDE,
    number_key,
)
from knowledge.store import DocumentInfo, UnitView
from retrieval.text import DOC_NUMBER, nfc, normalize_tone_marks, strip_diacritics, tokenize

MESSAGE_LIMIT = 4096
CHUNK_LIMIT = 3500
"""Visible characters of source text per message: room left for the header and footer."""
ANSWER_TEXT_LIMIT = 3000
MAX_QUESTION_CHARS = 500

_WORD = re.compile(r"[^\W_]+")
_STOPWORDS = frozenset(  # function words typed with diacritics: never highlighted
    """
    à ạ ai anh bao bằng bị bởi các cái cần chỉ cho chứ chúng có của cũng đã đang để đến đi đó
    được em gì gồm hay hoặc hỏi khi không là làm lên lúc mà mấy mình một muốn nào này nếu nhé
    như những nơi ở ông phải ra rằng rồi sao sẽ sau tại thế thì theo thôi tôi trên từ tuy về
    và vậy vào với xin cảm ơn ơi nhiêu bạn
    """.split()
)
_FOLDED_STOPWORDS = frozenset(  # the same typed without diacritics (ambiguous ones included)
    """
    a ai anh bao bi boi cac cai can chi cho chu chung co cua cung da dang de den di do duoc
    dc em gi gom hay hoac hoi j khi khong ko la lam len luc ma may minh mot muon nao nay neu nhe
    nhu nhung noi o ong phai ra rang roi sao se sau tai the thi theo thoi toi tren tu tuy ve va
    vay vao voi xin cam on oi nhieu ban
    """.split()
)
_DOSSIER = re.compile(
    r"\b(?:ho\s*so|hs|giay\s*to|thu\s*tuc|thanh\s*phan|gom\s+nhung\s+gi|can\s+nhung\s+gi)\b"
)
_POINT_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<point>[a-zđ])\)[ \t]+", re.MULTILINE)
_CLAUSE_START = re.compile(r"^\s*\d{1,3}[.)](?:\[\d+\])?\s")
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


def esc(text: object) -> str:
    """Escape for Telegram HTML (``<``, ``>``, ``&``); quotes need no escaping in text."""
    return html.escape(str(text), quote=False)


def fold(text: str) -> str:
    """Lowercase without diacritics (đ → d): how officers type without a Vietnamese IME."""
    return strip_diacritics(nfc(text)).lower()


def _norm_word(word: str) -> str:
    return normalize_tone_marks(nfc(word)).lower()


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
    stop = _STOPWORDS if accented else _FOLDED_STOPWORDS

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
    singles = {
        key(t) for t in tokenize(question)
        if "_" not in t and _WORD.fullmatch(t) and len(fold(t)) >= 2 and key(t) not in stop
    } if accented else set()  # unsegmentable without diacritics: phrases only
    return Terms(frozenset(phrases), frozenset(singles), accented)


def highlight(text: str, terms: Terms, tag: str = "b") -> str:
    """``text`` escaped for HTML with the question's phrases wrapped in ``<tag>``.

    Matching runs on the raw text and every piece is escaped separately, so a tag can never
    split an entity such as ``&amp;``; adjacent matched words share one tag.
    """
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


def is_dossier_question(question: str) -> bool:
    """Is the officer asking what a dossier/procedure consists of (with or without accents)?"""
    return bool(_DOSSIER.search(fold(question)))


def clean_question(raw: str) -> tuple[str, bool]:
    """Whitespace-normalised question, cut to ``MAX_QUESTION_CHARS`` at a word boundary.

    Returns (question, truncated).
    """
    text = " ".join(nfc(raw or "").split())
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[:MAX_QUESTION_CHARS]
    if " " in cut[MAX_QUESTION_CHARS // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut, True


def has_words(text: str) -> bool:
    """At least one letter or digit: emoji, stickers-as-text and punctuation are not questions."""
    return bool(_WORD.search(text or ""))


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


# -- references inside a passage -----------------------------------------------------------------


@dataclass(frozen=True)
class PassageReference:
    """"khoản 2 Điều 83 của Luật này": ``label`` 83, ``scope`` same/number/title."""

    text: str
    label: str
    scope: str  # "same" | "number" | "title"
    value: str = ""


_REFERENCE = re.compile(
    r"(?:\bđiểm\s+[a-zđ]\s+)?"
    r"(?:\b(?:các\s+)?khoản\s+\d{1,3}(?:\s*(?:,|và|hoặc)\s*(?:khoản\s+)?\d{1,3})*\s+)?"
    r"\bĐiều\s+(?P<label>\d{1,3}[a-z]?)\b",
    re.IGNORECASE,
)
_KINDS = r"(?:Bộ luật|Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh|Quy chế|Hướng dẫn)"
_SAME_DOC = re.compile(rf"^\s*,?\s*(?:của\s+)?(?:{_KINDS}|văn bản)\s+này\b", re.IGNORECASE)
_NAMED_DOC = re.compile(rf"^\s*,?\s*(?:của\s+)?(?P<kind>{_KINDS})\b(?P<rest>[^;\n]{{0,90}})")
_LIST_GAP = re.compile(r"^\s*(?:,|;|và|hoặc|,\s*và)\s*$", re.IGNORECASE)


def find_references(text: str) -> list[PassageReference]:
    """References to other articles in ``text``, in order, without duplicates.

    "khoản 2 Điều 12, khoản 7 Điều 84 của Luật Thi đua, khen thưởng": both belong to the law
    named after the list. A bare "Điều 84" means the same document.
    """
    matches = [
        m for m in _REFERENCE.finditer(text)
        if not re.search(r"(^|\n)[\s“\"]*$", text[: m.start()])  # an article heading
    ]
    scopes: list[tuple[str, str]] = [("same", "")] * len(matches)
    for i in range(len(matches) - 1, -1, -1):
        m = matches[i]
        nxt = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        gap = text[m.end() : nxt]
        if i + 1 < len(matches) and _LIST_GAP.match(gap):
            scopes[i] = scopes[i + 1]
            continue
        tail = text[m.end() : m.end() + 120]
        if _SAME_DOC.match(tail):
            scopes[i] = ("same", "")
            continue
        named = _NAMED_DOC.match(tail)
        if named:
            rest = named.group("rest")
            rest = re.split(r"\bĐiều\b", rest)[0]
            number = DOC_NUMBER.search(rest)
            if number and number.start() <= 6:
                scopes[i] = ("number", re.sub(r"\s+", "", number.group(0)))
            else:  # "của Luật Thi đua, khen thưởng, có…": resolved by title prefix later
                scopes[i] = ("title", f"{named.group('kind')} {rest.strip()}".strip())
    seen: set[tuple[str, str, str]] = set()
    found: list[PassageReference] = []
    for m, (scope, value) in zip(matches, scopes, strict=True):
        key = (m.group("label"), scope, value)
        if key in seen:
            continue
        seen.add(key)
        shown = " ".join(m.group(0).split())
        found.append(PassageReference(shown[0].upper() + shown[1:], m.group("label"), scope,
                                      value))
    return found


# -- statuses and citations ------------------------------------------------------------------------


def status_line(status: str, replaced_by: str | None = None,
                replaced_by_name: str | None = None) -> str | None:
    """A warning for documents not in force (plain text); None when in force."""
    if status == STATUS_IN_FORCE:
        return None
    if status == STATUS_EXPIRED:
        if replaced_by_name or replaced_by:
            by = replaced_by_name or replaced_by
            return f"⚠️ Văn bản hết hiệu lực, đã được thay thế bởi {by}."
        return "⚠️ Văn bản hết hiệu lực."
    if status == STATUS_REFERENCE:
        return "ℹ️ Tài liệu tham khảo, không phải văn bản quy phạm pháp luật."
    return "⚠️ Chưa rõ hiệu lực của văn bản này; hãy kiểm tra trước khi áp dụng."


def unit_name(kind: str, label: str) -> str:
    """"Điều 84", "Mục 3.1", "Slide 7" — for buttons."""
    if kind == UNIT_ARTICLE:
        return f"Điều {label}"
    if kind == UNIT_SECTION:
        return label if label.startswith("Phụ lục") else f"Mục {label}"
    if kind == UNIT_SLIDE:
        return f"Slide {label}"
    return "văn bản"


def view_citation(view: UnitView) -> str:
    return render_citation(view.document, view.kind, view.label, view.title, part=view.part)


# -- answers ------------------------------------------------------------------------------------


def render_item(item: SavedItem, terms: Terms, *, dossier: bool = False,
                limit: int = ANSWER_TEXT_LIMIT) -> tuple[str, bool]:
    """Citation (bold), status, passage (highlighted; a checklist for dossier questions).

    Returns (html, cut) where ``cut`` says the passage was shortened.
    """
    lines = [f"📌 <b>{esc(item.citation)}</b>"]
    status = status_line(item.document_status, item.replaced_by, item.replaced_by_name)
    if status:
        lines.append(esc(status))
    body = item.context_text or item.text
    listed = checklist(body) if dossier else None
    if listed:
        body = listed
    body, cut = shorten(body, limit)
    lines.append("")
    lines.append(highlight(body, terms))
    if cut:
        lines.append("…")
    return "\n".join(lines), cut


def render_answer(answer: SavedAnswer, index: int) -> str:
    """One page of a saved answer: result ``index`` of its list, with a footer."""
    items = answer.items
    index = max(0, min(index, len(items) - 1))
    terms = question_terms(answer.question)
    body, cut = render_item(items[index], terms, dossier=is_dossier_question(answer.question))
    question = answer.question if len(answer.question) <= 200 else answer.question[:200] + "…"
    footer = [""]
    if cut:
        footer.append("<i>Đoạn trích đã được rút gọn; bấm “Xem toàn văn” để đọc đủ.</i>")
    footer.append(f"<i>Kết quả {index + 1}/{len(items)} · Câu hỏi: {esc(question)}</i>")
    return body + "\n" + "\n".join(footer)


def render_no_answer(question: str, related: Sequence[tuple[str, str]]) -> str:
    """Nothing relevant: say so, suggest rephrasing, list close headings (citation, title)."""
    lines = [
        "🔎 Tôi chưa tìm thấy quy định phù hợp với câu hỏi này trong cơ sở tri thức.",
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


def truncated_notice() -> str:
    return (f"✂️ Câu hỏi quá dài nên tôi chỉ dùng {MAX_QUESTION_CHARS} ký tự đầu tiên để tra "
            "cứu.")


def render_article(view: UnitView, *, replaced_by_name: str | None = None,
                   limit: int = CHUNK_LIMIT) -> list[str]:
    """A unit as written, split on clause boundaries; the first message carries the citation."""
    header = [f"📖 <b>{esc(view_citation(view))}</b>"]
    status = status_line(view.document.status, view.document.replaced_by, replaced_by_name)
    if status:
        header.append(esc(status))
    pieces = split_text(view.text, limit) or [view.title]
    messages = []
    for n, piece in enumerate(pieces):
        head = header if n == 0 else [f"<i>(tiếp theo, phần {n + 1}/{len(pieces)})</i>"]
        first, _, rest = piece.partition("\n")
        body = f"<b>{esc(first)}</b>" + (f"\n{esc(rest)}" if rest else "") if n == 0 else esc(
            piece)
        messages.append("\n".join(head) + "\n\n" + body)
    return messages


def render_documents(docs: Sequence[DocumentInfo], version: int) -> list[str]:
    """``/tailieu``: the documents in the knowledge base with their status."""
    if not docs:
        return ["Cơ sở tri thức đang trống. Quản trị viên có thể nạp văn bản bằng /capnhat "
                "hoặc gửi tệp cho tôi."]
    lines = [f"📚 <b>Văn bản trong cơ sở tri thức</b> (phiên bản {version}, {len(docs)} văn bản):"]
    for d in docs:
        status = STATUS_LABELS.get(d.meta.status, d.meta.status)
        mark = "✅" if d.meta.status == STATUS_IN_FORCE else (
            "⛔" if d.meta.status == STATUS_EXPIRED else "ℹ️")
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
    if stats.top_questions:
        lines.append("")
        lines.append("Câu hỏi nhiều nhất:")
        for n, (question, count) in enumerate(stats.top_questions, start=1):
            lines.append(f"{n}. {esc(_clip(question, 120))} ({count} lần)")
    if stats.negative:
        lines.append("")
        lines.append("👎 gần đây:")
        for fb in stats.negative:
            lines.append(f"• {fb.at:%d/%m %H:%M} “{esc(_clip(fb.question, 120))}” → "
                         f"{esc(_clip(fb.citation, 120))}")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def replaced_by_name(number: str | None, docs: Iterable[DocumentInfo]) -> str | None:
    """"Luật Thi đua, khen thưởng số 06/2022/QH15" for a replacing document's number."""
    if not number:
        return None
    key = number_key(number)
    for d in docs:
        if number_key(d.meta.number) == key:
            return document_name(d.meta)
    return number


def format_when(moment: datetime) -> str:
    """A stored moment (naive UTC, on SQLite and PostgreSQL alike) in Vietnam time."""
    return f"{moment + LOCAL_OFFSET:%H:%M %d/%m/%Y}"
