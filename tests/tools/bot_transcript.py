"""Print what the real bot sends for each flow, run against the fake Bot API server.

    .venv/bin/python -m tests.tools.bot_transcript [--lines N]

Builds a throwaway knowledge base from ../shared/corpus, starts the bot exactly as the
end-to-end tests do (tests/bot_harness.py), plays each flow and prints every Bot API call
the bot made: method, then the text it sent (HTML as sent), buttons and documents.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from docx import Document

from knowledge.store import KnowledgeStore
from knowledge.sync import sync_folder
from retrieval.text import tokenize
from tests.bot_harness import ADMIN, OFFICER, OTHER, Harness, Sent, buttons, running_bot
from tests.sample_docs import QUY_CHE_MAU

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
GROUP_USER = 555001


def show(title: str, calls: list[Sent], lines: int) -> None:
    print(f"\n=== {title}")
    for call in calls:
        if call.method == "answerInlineQuery":
            results = call.params.get("results", [])
            print(f"  answerInlineQuery: {len(results)} kết quả")
            for r in results[:3]:
                print(f"    • {r['title']} — {r.get('description', '')[:70]}")
            continue
        if call.method == "sendDocument":
            document = call.params["document"]
            print(f"  sendDocument: {document.filename} ({len(document.data)} bytes), caption:")
        text = call.text
        if not text:
            extra = call.params.get("action") or call.params.get("file_id") or ""
            print(f"  {call.method} {extra}".rstrip())
            continue
        body = [line for line in text.split("\n") if line.strip()]
        # Long texts: the first lines and the last one (where edits put their news).
        head = body if len(body) <= lines else [*body[: lines - 1], "…", body[-1]]
        print(f"  {call.method}: " + "\n    ".join(head))
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            labels = [b["text"] for row in markup["inline_keyboard"] for b in row]
            print(f"    [buttons] {' | '.join(labels)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=4, help="dòng tối đa cho mỗi tin nhắn")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tdkt-transcript-"))
    url = f"sqlite:///{folder / 'kb.db'}"
    store = KnowledgeStore(url)
    sync_folder(store, CORPUS, tokenize)
    store.close()
    n = args.lines

    with running_bot(url, sources_dir=CORPUS) as bot:
        flow: Callable[[str, list[Sent]], None] = lambda t, c: show(t, c, n)  # noqa: E731
        flow("/start", bot.command("start"))
        flow("câu hỏi mẫu (nút)", bot.press(bot.last(OFFICER), "ex:0"))
        question = "Hồ sơ đề nghị xét tặng danh hiệu thi đua gồm những gì?"
        flow(f"câu hỏi: {question}", bot.text(question))
        answer = bot.last(OFFICER)
        b = buttons(answer)
        flow("➡️ Kết quả khác", bot.press(answer, b["➡️ Kết quả khác"]))
        flow(
            "⬅️ Kết quả trước",
            bot.press(
                bot.message(OFFICER, answer["message_id"]), "p:" + b["👍"].split(":")[1] + ":0"
            ),
        )
        flow("📖 Xem toàn văn", bot.press(answer, b["📖 Xem toàn văn Điều 84"]))
        flow("👍", bot.press(answer, b["👍"]))
        flow("📤 Chia sẻ", bot.press(answer, b["📤 Chia sẻ"]))
        flow("/dieu 84", bot.command("dieu", "84"))
        flow("/tailieu", bot.command("tailieu"))
        flow("không tìm thấy", bot.text("giá vàng hôm nay bao nhiêu"))
        flow(
            "nhóm: trò chuyện thường (im lặng)",
            bot.text("Chiều nay họp lúc 14h nhé", chat_type="group", user_id=GROUP_USER),
        )
        flow(
            "nhóm: /phien_bat_dau",
            bot.command("phien_bat_dau", "Tập huấn quý I", chat_type="group", user_id=GROUP_USER),
        )
        flow(
            "nhóm: /hoi",
            bot.command(
                "hoi",
                "Ai có thẩm quyền quyết định tặng giấy khen?",
                chat_type="group",
                user_id=GROUP_USER,
            ),
        )
        flow(
            "nhóm: nhắc @bot",
            bot.do(
                lambda: bot.server.mention("Tiêu chuẩn Chiến sĩ thi đua cơ sở", user_id=GROUP_USER)
            ),
        )
        flow(
            "nhóm: trả lời tin của bot",
            bot.do(lambda: bot.server.reply_to(bot.last(-4001), "Kỷ niệm chương", user_id=OTHER)),
        )
        calls = bot.command("phien_ket_thuc", chat_type="group", user_id=GROUP_USER)
        flow("nhóm: /phien_ket_thuc", calls)
        document = bot.server.documents[-1]
        print(
            "    [docx] "
            + " / ".join(
                p.text for p in Document(io.BytesIO(document.data)).paragraphs[:6] if p.text
            )[:400]
        )
        flow(
            "inline: @bot Bằng khen của Thủ tướng Chính phủ",
            bot.do(lambda: bot.server.inline_query("Bằng khen của Thủ tướng Chính phủ")),
        )
        answer_id = b["👍"].split(":")[1]
        flow(
            f"deep link /start a_{answer_id} (người khác)",
            bot.command("start", f"a_{answer_id}", user_id=OTHER),
        )
        flow("deep link mã không tồn tại", bot.command("start", "a_ZZZZZZZZZZ", user_id=OTHER))
        flow(
            "tải tệp: không phải quản trị viên",
            bot.do(
                lambda: bot.server.send_document(
                    "quy-che-mau.txt", QUY_CHE_MAU.encode(), user_id=OFFICER
                )
            ),
        )
        flow(
            "tải tệp hỏng (quản trị viên)",
            bot.do(
                lambda: bot.server.send_document(
                    "hong.docx", b"PK\x03\x04 not a docx", user_id=ADMIN
                )
            ),
        )
        flow(
            "tải tệp Quy chế mẫu: xem trước",
            bot.do(
                lambda: bot.server.send_document(
                    "quy-che-mau.txt",
                    QUY_CHE_MAU.encode(),
                    user_id=ADMIN,
                    caption="tên: Quy chế thi đua mẫu; loại: khác; hiệu lực: còn",
                )
            ),
        )
        preview = bot.last(ADMIN)
        flow("✅ Đăng", bot.press(preview, buttons(preview)["✅ Đăng"], user_id=ADMIN))
        flow(
            "câu hỏi về tài liệu mới",
            bot.text("Người trồng cây giỏi phải chăm sóc mấy chậu bonsai?"),
        )
        flow("/thongke (quản trị viên)", bot.command("thongke", user_id=ADMIN))
        flow("/thongke (cán bộ)", bot.command("thongke"))
        _ = Harness  # the type of `bot`
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
