"""End to end, admins: uploads (preview, publish, replace, refusals), /capnhat, /xoa,
/thongke, forged callbacks, and answering while an update runs.

The uploaded document is the fictional "Quy chế mẫu" (tests/sample_docs.py).
"""

from __future__ import annotations

import threading

import pytest

from knowledge import uploads
from knowledge.activity import UPLOAD_PENDING, UPLOAD_PUBLISHED
from tests.bot_harness import (
    ADMIN,
    OFFICER,
    Harness,
    buttons,
    entity_texts,
    sent_messages,
)
from tests.sample_docs import LOST_AFTER_SIGNATURE, QUY_CHE_MAU, QUY_CHE_MAU_V2

NUMBER = "01/2099/QC-MAU"
CAPTION = "tên: Quy chế thi đua mẫu; loại: khác; hiệu lực: còn"
CITATION_NAME = "Quy chế thi đua mẫu số 01/2099/QC-MAU"
BONSAI = "Người trồng cây giỏi phải chăm sóc mấy chậu bonsai?"


def kb_state(bot: Harness) -> tuple[int, list[tuple[str, str]]]:
    store = bot.services.store
    return store.current_version(), [(d.meta.number, d.content_hash) for d in store.documents()]


def upload(
    bot: Harness, name: str, data: bytes, *, user_id: int = ADMIN, caption: str | None = None
) -> list:
    return bot.do(lambda: bot.server.send_document(name, data, user_id=user_id, caption=caption))


def test_non_admin_upload_is_refused(bot: Harness) -> None:
    before = kb_state(bot)
    calls = upload(bot, "quy-che-mau.txt", QUY_CHE_MAU.encode(), user_id=OFFICER)
    assert [c.method for c in calls] == ["sendMessage"]  # refused before downloading
    assert calls[0].text.startswith("Xin lỗi, chỉ quản trị viên")
    assert kb_state(bot) == before
    action = bot.services.activity.admin_actions(1)[0]
    assert (action.action, action.ok) == ("tai-len", False)


def test_corrupt_and_unsupported_uploads_leave_the_knowledge_base_unchanged(bot: Harness) -> None:
    before = kb_state(bot)
    calls = upload(bot, "hong.docx", b"PK\x03\x04 this is not really a docx")
    assert "getFile" in [c.method for c in calls]
    [refusal] = sent_messages(calls)
    assert "Không đọc được tệp “hong.docx”" in refusal.text
    assert "Cơ sở tri thức không thay đổi." in refusal.text
    calls = upload(bot, "cu.doc", b"\xd0\xcf\x11\xe0 old word")
    assert "getFile" not in [c.method for c in calls]
    assert "chưa được hỗ trợ" in sent_messages(calls)[0].text
    calls = upload(bot, "rat-lon.pdf", b"%PDF" + bytes(21 * 1024 * 1024))
    assert "getFile" not in [c.method for c in calls]  # refused by size before downloading
    assert "20 MB" in sent_messages(calls)[0].text
    calls = upload(bot, "trong.txt", b"   \n  ")
    assert "không thay đổi" in sent_messages(calls)[0].text
    assert kb_state(bot) == before


def test_upload_preview_then_publish(bot: Harness) -> None:
    before = kb_state(bot)
    calls = upload(bot, "quy-che-mau.txt", QUY_CHE_MAU.encode(), caption=CAPTION)
    assert [c.method for c in calls] == ["sendChatAction", "getFile", "sendMessage"]
    preview = bot.last(ADMIN)
    text = preview["text"]
    assert text.startswith("📄 Xem trước tài liệu “quy-che-mau.txt”")
    for line in (
        f"Số hiệu: {NUMBER}",
        "Tên: Quy chế thi đua mẫu",
        "Loại: Tài liệu",
        "Hiệu lực: còn hiệu lực",
        "Số điều/mục: 3",
        "Điều/mục đầu tiên: Điều 1. Phạm vi áp dụng",
    ):
        assert line in text
    assert set(buttons(preview)) == {"✅ Đăng", "❌ Hủy"}
    assert kb_state(bot) == before  # nothing changes before "Đăng"
    upload_id = buttons(preview)["✅ Đăng"].split(":")[1]
    pending = bot.services.activity.upload(upload_id)
    assert pending.state == UPLOAD_PENDING and pending.data == QUY_CHE_MAU.encode()

    calls = bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    final = bot.message(ADMIN, preview["message_id"])
    assert "✅ Đã đăng." in final["text"] and f"+ thêm: {NUMBER}" in final["text"]
    assert "chưa thay đổi cho tới khi" not in final["text"]  # no longer true once published
    version, docs = kb_state(bot)
    assert version == before[0] + 1 and NUMBER in [n for n, _ in docs]
    assert bot.services.activity.upload(upload_id).state == UPLOAD_PUBLISHED
    assert "reply_markup" not in final  # no second publish from the same buttons
    assert bot.services.activity.admin_actions(1)[0].action == "dang"

    message = _officer_asks(bot, BONSAI)
    assert entity_texts(message, "bold")[0].endswith(CITATION_NAME)
    assert "ba chậu bonsai" in message["text"]


def _officer_asks(bot: Harness, question: str) -> dict:
    bot.text(question)
    return bot.last(OFFICER)


def test_forged_admin_callbacks_are_refused(bot: Harness) -> None:
    upload(bot, "quy-che-mau-2.txt", QUY_CHE_MAU_V2.encode(), caption=CAPTION)
    preview = bot.last(ADMIN)
    before = kb_state(bot)
    data = buttons(preview)["✅ Đăng"]
    calls = bot.press(preview, data, user_id=OFFICER)  # a modified client replays the data
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params["text"].startswith("Xin lỗi, chỉ quản trị viên")
    assert answer.params.get("show_alert") is True
    assert kb_state(bot) == before
    assert bot.services.activity.upload(data.split(":")[1]).state == UPLOAD_PENDING
    doc = bot.services.store.find_active(NUMBER)
    bot.press(preview, f"x:{doc.id}:ok", user_id=OFFICER, strict=False)
    assert kb_state(bot) == before


def test_replacing_needs_explicit_confirmation(bot: Harness) -> None:
    preview = bot.last(ADMIN)  # the V2 upload from the previous test, still pending
    assert "⚠️ Cơ sở tri thức đã có văn bản số 01/2099/QC-MAU" in preview["text"]
    before = kb_state(bot)
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    asked = bot.message(ADMIN, preview["message_id"])
    assert set(buttons(asked)) == {"♻️ Thay thế văn bản cũ", "❌ Hủy"}
    assert kb_state(bot) == before
    bot.press(asked, buttons(asked)["♻️ Thay thế văn bản cũ"], user_id=ADMIN)
    done = bot.message(ADMIN, preview["message_id"])
    assert f"~ thay: {NUMBER}" in done["text"]
    version, docs = kb_state(bot)
    assert version == before[0] + 1
    assert [n for n, _ in docs].count(NUMBER) == 1
    message = _officer_asks(bot, BONSAI)
    assert "năm chậu bonsai" in message["text"] and "ba chậu" not in message["text"]


def test_cancel_upload(bot: Harness) -> None:
    upload(bot, "quy-che-mau.txt", QUY_CHE_MAU.encode(), caption=CAPTION)
    preview = bot.last(ADMIN)
    before = kb_state(bot)
    bot.press(preview, buttons(preview)["❌ Hủy"], user_id=ADMIN)
    cancelled = bot.message(ADMIN, preview["message_id"])
    assert "❌ Đã hủy. Cơ sở tri thức không thay đổi." in cancelled["text"]
    assert "cho tới khi bạn bấm" not in cancelled["text"]
    assert kb_state(bot) == before


def test_bot_keeps_answering_while_publishing(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    started = threading.Event()
    real_publish = uploads.publish

    def slow_publish(*args: object, **kwargs: object):  # noqa: ANN202
        started.set()
        assert release.wait(20)
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(uploads, "publish", slow_publish)
    upload(bot, "quy-che-mau.txt", QUY_CHE_MAU.encode(), caption=CAPTION)
    preview = bot.last(ADMIN)
    version = kb_state(bot)[0]
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)  # V2 is live: confirm
    asked = bot.message(ADMIN, preview["message_id"])
    pressed = bot.server.press_button(asked, buttons(asked)["♻️ Thay thế văn bản cũ"], user_id=ADMIN)
    assert started.wait(20)
    message = _officer_asks(bot, BONSAI)  # answered from the old version meanwhile
    assert "năm chậu bonsai" in message["text"]
    assert kb_state(bot)[0] == version
    release.set()
    bot.wait_done(pressed["update_id"])
    assert kb_state(bot)[0] == version + 1
    message = _officer_asks(bot, BONSAI)
    assert "ba chậu bonsai" in message["text"]


def test_capnhat_resyncs_the_sources_folder(bot: Harness) -> None:
    [refused] = sent_messages(bot.command("capnhat"))
    assert refused.text.startswith("Xin lỗi, chỉ quản trị viên")
    before = kb_state(bot)
    calls = bot.command("capnhat", user_id=ADMIN)
    texts = [c.text for c in sent_messages(calls)]
    assert texts[0].startswith("⏳ Đang đồng bộ thư mục")
    assert texts[-1].startswith("✅ Đồng bộ xong.") and "Không có thay đổi." in texts[-1]
    assert "= giữ nguyên: 06/2022/QH15" in texts[-1]
    assert kb_state(bot) == before


def test_xoa_retires_a_document_after_confirmation(bot: Harness) -> None:
    [refused] = sent_messages(bot.command("xoa", NUMBER))
    assert refused.text.startswith("Xin lỗi")
    [unknown] = sent_messages(bot.command("xoa", "99/9999/XX", user_id=ADMIN))
    assert "Không có văn bản số hiệu “99/9999/XX”" in unknown.text
    [confirm] = sent_messages(bot.command("xoa", NUMBER, user_id=ADMIN))
    assert confirm.text.startswith(f"Gỡ văn bản <b>{NUMBER}</b>")
    message = bot.last(ADMIN)
    assert bot.services.store.find_active(NUMBER) is not None
    bot.press(message, buttons(message)["🗑 Gỡ văn bản"], user_id=ADMIN)
    assert bot.message(ADMIN, message["message_id"])["text"].startswith(f"✅ Đã gỡ {NUMBER}.")
    assert bot.services.store.find_active(NUMBER) is None
    message = _officer_asks(bot, BONSAI)
    assert CITATION_NAME not in message["text"]


def test_thongke_for_admins_only(bot: Harness) -> None:
    _officer_asks(bot, "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?")
    answer = bot.last(OFFICER)
    bot.press(answer, buttons(answer)["👎"])
    [refused] = sent_messages(bot.command("thongke"))
    assert refused.text == "Xin lỗi, chỉ quản trị viên mới xem được thống kê."
    [stats] = sent_messages(bot.command("thongke", user_id=ADMIN))
    text = bot.last(ADMIN)["text"]
    assert text.startswith("📊 Thống kê 7 ngày qua")
    assert "Câu hỏi theo ngày:" in text and "không tìm thấy câu trả lời:" in text
    assert f"{BONSAI} (" in text  # among the top questions
    assert "👎 gần đây:" in text
    assert "“Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?” → " in text


def test_a_partly_read_upload_shows_what_was_not_read_and_publishes_on_confirmation(
    bot: Harness,
) -> None:
    upload(bot, "ngay-hoi.txt", LOST_AFTER_SIGNATURE.encode(), caption="số: 09/2099/KH-MAU")
    preview = bot.last(ADMIN)
    assert "Tôi chưa đọc được hết tệp này" in preview["text"]
    assert "Ngày hội gồm phần thi cắt tỉa bonsai" in preview["text"]
    before = kb_state(bot)
    bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN)
    assert "✅ Đã đăng" in bot.message(ADMIN, preview["message_id"])["text"]
    version, docs = kb_state(bot)
    assert version == before[0] + 1 and "09/2099/KH-MAU" in [n for n, _ in docs]
    [info] = [d for d in bot.services.store.documents() if d.meta.number == "09/2099/KH-MAU"]
    assert info.coverage is not None and info.coverage < 0.97
