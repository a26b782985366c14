"""Bad input, end to end: each case is sent to the real bot (through the fake Bot API server)
the way a user would send it, and must get a clear Vietnamese message, leave the knowledge
base exactly as it was (version and document list), and leave the bot answering.

One parametrized test so the count is plain: ``pytest tests/test_bad_input.py -q``. The bad
files are made here at test time from fictional text (never legal text). Some cases repeat
checks of tests/test_bot_admin.py and tests/test_bot_officer.py on purpose: this file is the
single list of what a hostile or careless user can send.
"""

from __future__ import annotations

import io
import random
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.bot_harness import (
    ADMIN,
    OFFICER,
    Harness,
    Sent,
    buttons,
    copy_database,
    running_bot,
    sent_messages,
)
from tests.fake_bot_api import DEFAULT_GROUP_CHAT_ID
from tests.sample_docs import QUY_CHE_MAU

QUESTION = "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?"
CAPTION = "tên: Quy chế thi đua mẫu; loại: khác; hiệu lực: còn"
FORGER = 100888  # an officer with a modified client, not in TDKT_ADMIN_IDS
FICTION = (
    "quy chế mẫu về phong trào trồng cây xanh của tổ dân phố\n"
    "điều 1. mỗi hộ gia đình chăm sóc ba chậu hoa giấy trước cổng nhà.\n"
    "điều 2. hộ đạt thành tích được tặng một bó hoa hồng và lời cảm ơn.\n"
)
"""Fictional Vietnamese text (lower case: TCVN3 has no upper-case toned letters)."""
UNCHANGED = "Cơ sở tri thức không thay đổi."
REFUSED = "Xin lỗi, chỉ quản trị viên"


# -- sample bad files, made at test time ----------------------------------------------------


def corrupt_pdf() -> bytes:
    """A PDF header followed by noise: pypdf cannot find a cross-reference table."""
    noise = random.Random(1).randbytes(4000)
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog" + noise


def zip_bomb_docx() -> bytes:
    """A .docx-looking zip whose document part inflates 1000×: refused before inflating."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b" " * (30 * 1024 * 1024))
    return buffer.getvalue()


def binary_bytes() -> bytes:
    """Random bytes (an image or an executable renamed to .txt)."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(2).randbytes(3000)


def to_windows_1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese editors wrote it: a precomposed base letter where the code
    page has one, tone marks as combining characters."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in marks:
            joined = unicodedata.normalize("NFC", base + mark)
            try:
                joined.encode("cp1258")
            except UnicodeEncodeError:
                continue
            base = joined
            marks.remove(mark)
            break
        out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


_VI_LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_TCVN3_LOWER = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ"


def to_tcvn3(text: str) -> bytes:
    """TCVN3 (ABC, the .VnTime fonts): one byte per lower-case Vietnamese letter."""
    table = dict(zip(_VI_LOWER, _TCVN3_LOWER, strict=True))
    return "".join(table.get(c, c) for c in unicodedata.normalize("NFC", text)).encode("latin-1")


# -- the running bot ---------------------------------------------------------------------------


@dataclass
class Context:
    bot: Harness
    upload_id: str
    """A pending upload of the admin (fictional "Quy chế mẫu"), target of forged buttons."""
    document_id: int
    """An active document's id, target of forged "retire" buttons."""
    victim: dict
    """A message in the forger's own chat, on which the modified client forges buttons."""
    downloaded: bool = False
    """Whether the last upload was downloaded (getFile) before being refused."""


@pytest.fixture(scope="module")
def ctx(corpus_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    url = copy_database(corpus_db, tmp_path_factory.mktemp("bad-input"))
    with running_bot(url) as bot:
        bot.do(
            lambda: bot.server.send_document(
                "quy-che-mau.txt", QUY_CHE_MAU.encode(), user_id=ADMIN, caption=CAPTION
            )
        )
        preview = bot.last(ADMIN)
        upload_id = buttons(preview)["✅ Đăng"].split(":")[1]
        bot.text(QUESTION, user_id=FORGER)
        victim = bot.last(FORGER)
        document_id = bot.services.store.documents()[0].id
        yield Context(bot, upload_id, document_id, victim)


def kb_state(bot: Harness) -> tuple[int, list[tuple[str, str, bool]]]:
    store = bot.services.store
    docs = store.documents(include_retired=True)
    return store.current_version(), sorted((d.meta.number, d.content_hash, d.active) for d in docs)


def upload(ctx: Context, name: str, data: bytes, *, user_id: int = ADMIN) -> str:
    """Send a file; return the one reply as shown (no getFile: refused before download)."""
    calls = ctx.bot.do(lambda: ctx.bot.server.send_document(name, data, user_id=user_id))
    ctx.downloaded = "getFile" in [c.method for c in calls]
    return only_text(ctx, calls, user_id)


def forge(ctx: Context, data: str) -> list[Sent]:
    return ctx.bot.press(ctx.victim, data, user_id=FORGER, strict=False)


def only_text(ctx: Context, calls: list[Sent], chat: int = FORGER) -> str:
    """The one message the case produced, as the user sees it (HTML parsed by the server)."""
    [message] = sent_messages(calls)
    assert message.params["chat_id"] == chat
    return str(ctx.bot.last(chat)["text"])


def alert(calls: list[Sent]) -> str:
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params.get("show_alert") is True
    assert sent_messages(calls) == []
    return str(answer.params["text"])


# -- the cases -----------------------------------------------------------------------------------
# Each returns the text the user saw and checks what is specific to it.


def case_corrupt_pdf(ctx: Context) -> str:
    text = upload(ctx, "bao-cao.pdf", corrupt_pdf())
    assert "Không đọc được tệp “bao-cao.pdf”: tệp PDF bị hỏng" in text and UNCHANGED in text
    return text


def case_docx_zip_bomb(ctx: Context) -> str:
    text = upload(ctx, "quy-che.docx", zip_bomb_docx())
    assert "zip bomb" in text and UNCHANGED in text
    return text


def case_docx_not_a_zip(ctx: Context) -> str:
    text = upload(ctx, "quy-che.docx", b"Plain text saved with a .docx name.")
    assert "không phải tệp nén ZIP hợp lệ" in text and UNCHANGED in text
    return text


def case_upload_50_mb(ctx: Context) -> str:
    text = upload(ctx, "tai-lieu-lon.pdf", b"%PDF-1.7\n" + bytes(50 * 1024 * 1024))
    assert not ctx.downloaded  # refused by its declared size, before downloading
    assert "50.0 MB" in text and "giới hạn 20 MB" in text
    return text


def case_binary_renamed_txt(ctx: Context) -> str:
    text = upload(ctx, "ghi-chu.txt", binary_bytes())
    assert "dữ liệu nhị phân, không phải văn bản" in text and UNCHANGED in text
    return text


def case_empty_file(ctx: Context) -> str:
    text = upload(ctx, "trong.txt", b"")
    assert "rỗng" in text and "không thay đổi" in text
    return text


def case_no_recognisable_structure(ctx: Context) -> str:
    shopping = "rau muống\nhai quả trứng\n\n***\nnước mắm\n".encode()
    text = upload(ctx, "danh-sach.txt", shopping)
    assert "Không phân tích được tệp “danh-sach.txt”" in text and UNCHANGED in text
    return text


def case_windows_1258_text(ctx: Context) -> str:
    text = upload(ctx, "quy-che-1258.txt", to_windows_1258(FICTION))
    assert "Windows-1258" in text and "UTF-8" in text and UNCHANGED in text
    return text


def case_tcvn3_text(ctx: Context) -> str:
    text = upload(ctx, "quy-che-abc.txt", to_tcvn3(FICTION))
    assert "TCVN3" in text and "UTF-8" in text and UNCHANGED in text
    return text


def nested_html(depth: int) -> bytes:
    """The fictional "Quy chế mẫu" inside ``depth`` nested <div>: pathological markup."""
    body = "".join(f"<p>{line}</p>" for line in QUY_CHE_MAU.splitlines() if line.strip())
    return f"<html><body>{'<div>' * depth}{body}{'</div>' * depth}</body></html>".encode()


def case_html_nested_40000_deep(ctx: Context) -> str:
    data = nested_html(40_000)
    started = time.monotonic()
    calls = ctx.bot.do(lambda: ctx.bot.server.send_document("long-nhau.html", data, user_id=ADMIN))
    took = time.monotonic() - started
    text = only_text(ctx, calls, ADMIN)
    # Read in one linear walk: it was 82 s (quadratic); the text is all there.
    assert text.startswith("📄 Xem trước") and "Số hiệu: 01/2099/QC-MAU" in text
    assert took < 10, f"{len(data) / 1000:.0f} KB of nested HTML took {took:.1f} s"
    print(f"\n40,000 nested <div> ({len(data) / 1000:.0f} KB): previewed in {took:.2f} s")
    return text


def case_html_with_too_many_tags(ctx: Context) -> str:
    data = b"<html><body>" + b"<b>x</b>" * 250_000 + b"</body></html>"
    text = upload(ctx, "qua-nhieu-the.html", data)
    assert "tệp HTML có quá nhiều thẻ" in text and UNCHANGED in text
    return text


def utf16_preview(ctx: Context, name: str, data: bytes) -> str:
    """UTF-16 without a byte-order mark is read, not refused as binary data."""
    assert not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = only_text(
        ctx, ctx.bot.do(lambda: ctx.bot.server.send_document(name, data, user_id=ADMIN)), ADMIN
    )
    assert "dữ liệu nhị phân" not in text
    assert text.startswith("📄 Xem trước") and "Điều/mục đầu tiên: Điều 1. Phạm vi" in text
    return text


def case_utf16_le_text_without_bom(ctx: Context) -> str:
    return utf16_preview(ctx, "utf16-le.txt", QUY_CHE_MAU.encode("utf-16-le"))


def case_utf16_be_text_without_bom(ctx: Context) -> str:
    return utf16_preview(ctx, "utf16-be.txt", QUY_CHE_MAU.encode("utf-16-be"))


def case_utf16_html_without_bom(ctx: Context) -> str:
    return utf16_preview(ctx, "utf16.html", nested_html(3).decode().encode("utf-16-le"))


def case_unsupported_format(ctx: Context) -> str:
    text = upload(ctx, "quy-che.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert not ctx.downloaded
    assert "chưa được hỗ trợ" in text and ".docx" in text
    return text


def case_upload_by_non_admin(ctx: Context) -> str:
    text = upload(ctx, "quy-che-mau.txt", QUY_CHE_MAU.encode(), user_id=FORGER)
    assert not ctx.downloaded
    assert text.startswith(REFUSED)
    return text


def case_caption_with_bad_metadata(ctx: Context) -> str:
    calls = ctx.bot.do(
        lambda: ctx.bot.server.send_document(
            "quy-che-mau-b.txt",
            QUY_CHE_MAU.encode(),
            user_id=ADMIN,
            caption="số: ; hiệu lực: mãi mãi; màu: xanh; ngày ban hành: 31/02/2025",
        )
    )
    text = only_text(ctx, calls, ADMIN)
    for warning in (
        "Hiệu lực “mãi mãi” không rõ",
        "Không hiểu “màu: xanh”",
        "Ngày “31/02/2025” không hợp lệ",
    ):
        assert warning in text
    assert "Cơ sở tri thức chưa thay đổi cho tới khi bạn bấm “✅ Đăng”." in text
    return text


def case_retire_command_by_non_admin(ctx: Context) -> str:
    text = only_text(ctx, ctx.bot.command("xoa", "06/2022/QH15", user_id=FORGER))
    assert text.startswith(REFUSED)
    return text


def case_sync_command_by_non_admin(ctx: Context) -> str:
    text = only_text(ctx, ctx.bot.command("capnhat", user_id=FORGER))
    assert text.startswith(REFUSED)
    return text


def case_article_command_with_markup(ctx: Context) -> str:
    text = only_text(ctx, ctx.bot.command("dieu", "99999 <b>", user_id=FORGER))
    assert text.startswith("Không tìm thấy Điều 99999 trong văn bản <b>")
    return text


def case_message_of_10000_characters(ctx: Context) -> str:
    long = (QUESTION + " ") * (10_000 // (len(QUESTION) + 1) + 1)
    text = only_text(ctx, ctx.bot.text(long[:10_000], user_id=FORGER))
    assert text.startswith("✂️ Câu hỏi quá dài") and "Kết quả 1/" in text
    assert len(text) <= 4096
    return text


def case_html_and_markdown_in_question(ctx: Context) -> str:
    tricky = (
        "<b>Giấy khen</b> & <script>alert(1)</script> *Bằng khen* _x_ "
        "[link](http://x.example) `code` </i>"
    )
    text = only_text(ctx, ctx.bot.text(tricky, user_id=FORGER))
    # Escaped and shown as typed (the fake server parses HTML like Telegram: a stray tag
    # would have been a 400 "can't parse entities").
    assert "<b>Giấy khen</b> & <script>alert(1)</script> *Bằng khen*" in text
    return text


def case_emoji_only(ctx: Context) -> str:
    text = only_text(ctx, ctx.bot.text("😀🎉👍🏻", user_id=FORGER))
    assert text.startswith("Bạn hãy gõ câu hỏi bằng chữ")
    return text


def case_forged_publish_button(ctx: Context) -> str:
    return alert(forge(ctx, f"u:{ctx.upload_id}:ok"))


def case_forged_replace_button(ctx: Context) -> str:
    return alert(forge(ctx, f"u:{ctx.upload_id}:rep"))


def case_forged_cancel_button(ctx: Context) -> str:
    return alert(forge(ctx, f"u:{ctx.upload_id}:no"))


def case_forged_retire_button(ctx: Context) -> str:
    return alert(forge(ctx, f"x:{ctx.document_id}:ok"))


def case_forged_malformed_admin_data(ctx: Context) -> str:
    text = alert(forge(ctx, "u:../../etc:ok"))
    assert text.startswith("Nút này không còn dùng được")
    return text


def case_deep_link_to_unknown_answer(ctx: Context) -> str:
    text = only_text(ctx, ctx.bot.command("start", "a_ZZZZZZZZZZ", user_id=FORGER))
    assert text.startswith("Không tìm thấy câu trả lời được chia sẻ (mã “ZZZZZZZZZZ”)")
    return text


def case_deep_link_malformed(ctx: Context) -> str:
    text = only_text(ctx, ctx.bot.command("start", "a_<b>&x", user_id=FORGER))
    assert text.startswith("Không tìm thấy câu trả lời được chia sẻ (mã “<b>&x”)")
    return text


INVISIBLE = "\u200b\u200c\u200d\u00ad\ufeff\u2060\u200e\u200f"
"""Zero-width space, non-joiner, joiner, soft hyphen, BOM, word joiner, LRM, RLM: what text
pasted from Word, PDFs, web pages or some phone keyboards carries invisibly."""


def with_invisible(text: str) -> str:
    """``text`` with an invisible character after every third letter (inside words) and a
    BOM in front, as a paste may bring it."""
    out = ["\ufeff"]
    for i, char in enumerate(text):
        out.append(char)
        if char.isalnum() and i % 3 == 0:
            out.append(INVISIBLE[i % len(INVISIBLE)])
    return "".join(out)


def case_invisible_characters_in_question(ctx: Context) -> str:
    clean = only_text(ctx, ctx.bot.text(QUESTION, user_id=FORGER))
    text = only_text(ctx, ctx.bot.text(with_invisible(QUESTION), user_id=FORGER))
    assert text.splitlines()[0] == clean.splitlines()[0]  # the same cited passage first
    assert text.splitlines()[-1].endswith(f"Câu hỏi: {QUESTION}")  # shown cleaned
    assert not set(INVISIBLE) & set(text)
    return text


def case_invisible_characters_typed_without_diacritics(ctx: Context) -> str:
    question = "hs de nghi tang bk gom nhung gi"
    clean = only_text(ctx, ctx.bot.text(question, user_id=FORGER))
    text = only_text(ctx, ctx.bot.text(with_invisible(question), user_id=FORGER))
    assert text.splitlines()[0] == clean.splitlines()[0] and "Kết quả 1/" in text
    return text


def case_invisible_characters_in_article_command(ctx: Context) -> str:
    text = only_text(
        ctx, ctx.bot.command("dieu", with_invisible("84 06/2022/QH15"), user_id=FORGER)
    )
    assert text.startswith("📖 Điều 84 Luật Thi đua, khen thưởng số 06/2022/QH15")
    return text


def case_invisible_characters_in_group_question(ctx: Context) -> str:
    calls = ctx.bot.command("hoi", with_invisible(QUESTION), chat_type="group", user_id=FORGER)
    text = only_text(ctx, calls, DEFAULT_GROUP_CHAT_ID)
    assert "Kết quả 1/" in text and text.splitlines()[-1].endswith(f"Câu hỏi: {QUESTION}")
    return text


def case_invisible_characters_in_inline_query(ctx: Context) -> str:
    def titles(query: str) -> list[str]:
        calls = ctx.bot.do(lambda: ctx.bot.server.inline_query(query, user_id=FORGER))
        [answer] = [c for c in calls if c.method == "answerInlineQuery"]
        return [r["title"] for r in answer.params["results"]]

    clean = titles(QUESTION)
    assert clean and titles(with_invisible(QUESTION)) == clean
    return clean[0]


CASES: dict[str, Callable[[Context], str]] = {
    name.removeprefix("case_"): func
    for name, func in globals().items()
    if name.startswith("case_") and callable(func)
}
FORGED = {
    "forged_publish_button",
    "forged_replace_button",
    "forged_cancel_button",
    "forged_retire_button",
    "forged_malformed_admin_data",
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(ctx: Context, name: str) -> None:
    bot = ctx.bot
    before = kb_state(bot)
    failed_before = len(bot.server.failed_calls)
    actions_before = len(bot.services.activity.admin_actions(1000))
    shown = CASES[name](ctx)
    assert shown.strip() and "Traceback" not in shown and 'File "' not in shown
    if name in FORGED:
        assert shown.startswith(("Xin lỗi, chỉ quản trị viên", "Nút này không còn"))
        assert bot.services.activity.upload(ctx.upload_id).state == "cho-duyet"
        if name != "forged_malformed_admin_data":  # the refusal is audited
            assert len(bot.services.activity.admin_actions(1000)) == actions_before + 1
    assert kb_state(bot) == before
    # Every message was accepted by the (HTML-parsing) server: no 400 along the way.
    assert bot.server.failed_calls[failed_before:] == []
    # And the bot keeps answering.
    reply = only_text(ctx, bot.text(QUESTION, user_id=OFFICER), OFFICER)
    assert "Kết quả 1/" in reply
