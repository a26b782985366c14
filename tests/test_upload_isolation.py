"""Uploads never stall answers: officers' answers while four large PDFs are being read.

Before: uploads were parsed in asyncio's default threads, the ones answers use; eight large
PDFs at once froze answering for about two minutes. Now they wait for the upload worker
process, one at a time, and answers go on. The PDFs are made here (tests/pdf_writer.py) from
fictional text, each near the page and character budgets: the heaviest upload accepted.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.uploads import MAX_UPLOAD_PAGES
from tests.bot_harness import ADMIN, OFFICER, Harness, copy_database, running_bot
from tests.pdf_writer import make_pdf

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = (
    "Tiêu chuẩn danh hiệu Tập thể lao động xuất sắc là gì?",
    "Ai có thẩm quyền quyết định tặng giấy khen?",
    "Hồ sơ đề nghị tặng Bằng khen gồm những gì?",
    "Chiến sĩ thi đua cơ sở cần tiêu chuẩn gì?",
)
LINE = "Thành viên câu lạc bộ chăm sóc ba chậu bonsai sống khỏe qua mùa đông và tưới cây."
PAGES = 300
P95_LIMIT_S = 3.0


def large_pdf(n: int, pages: int = PAGES, lines: int = 40) -> bytes:
    """A fictional "Quy chế mẫu" of ``pages`` pages, one article per page."""
    head = ["ỦY BAN MẪU", f"Số: {n:02d}/2099/QC-MAU", "QUY CHẾ", "Chăm sóc cây cảnh mẫu"]
    body = [
        [f"Điều {p + 1}. Tiêu chuẩn chăm sóc số {p + 1}", *[LINE] * lines] for p in range(pages)
    ]
    return make_pdf([head, *body])


@pytest.fixture(scope="module")
def bot(corpus_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    url = copy_database(corpus_db, tmp_path_factory.mktemp("uploads"))
    with running_bot(url) as harness:
        yield harness


def previews(bot: Harness) -> list[str]:
    return [
        m["text"]
        for m in bot.server.sent_messages(ADMIN)
        if m.get("text", "").startswith(("📄 Xem trước", "❌"))
    ]


def answers_during_uploads(bot: Harness, files: list[bytes]) -> list[float]:
    """Send ``files`` at once (as Telegram's multi-select does) and ask questions one after
    another until every upload got its preview; returns each answer's latency."""
    before = len(previews(bot))
    latencies: list[float] = []
    for n, data in enumerate(files):
        bot.server.send_document(f"quy-che-lon-{n}.pdf", data, user_id=ADMIN)
    started = time.monotonic()
    while len(previews(bot)) < before + len(files):
        question = QUESTIONS[len(latencies) % len(QUESTIONS)]
        asked = time.monotonic()
        bot.text(question, user_id=OFFICER)
        latencies.append(time.monotonic() - asked)
        assert "Kết quả 1/" in bot.last(OFFICER)["text"]
        assert time.monotonic() - started < 240, "uploads not done in 4 minutes"
    shown = previews(bot)[before:]
    assert all(text.startswith("📄 Xem trước") for text in shown), shown
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 20 else max(latencies)
    print(
        f"\n{len(files)} PDFs ({len(files[0]) / 1e6:.1f} MB each) read in "
        f"{time.monotonic() - started:.1f} s; {len(latencies)} answers meanwhile: median "
        f"{statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s"
    )
    assert len(latencies) >= 10  # the uploads really overlapped the questions
    assert p95 <= P95_LIMIT_S
    return latencies


def test_answers_do_not_wait_for_four_large_pdfs(bot: Harness) -> None:
    answers_during_uploads(bot, [large_pdf(n) for n in range(11, 15)])


def test_answers_do_not_wait_for_eight_pdfs_sent_at_once(bot: Harness) -> None:
    # Eight uploads used to take every default thread: answers waited up to 7 s here.
    answers_during_uploads(bot, [large_pdf(n, pages=120) for n in range(21, 29)])


def test_pdf_over_the_page_budget_is_refused_quickly(bot: Harness) -> None:
    data = large_pdf(15, pages=MAX_UPLOAD_PAGES + 100, lines=2)
    asked = time.monotonic()
    bot.do(lambda: bot.server.send_document("qua-dai.pdf", data, user_id=ADMIN))
    took = time.monotonic() - asked
    text = bot.last(ADMIN)["text"]
    assert f"có {MAX_UPLOAD_PAGES + 101} trang, vượt giới hạn {MAX_UPLOAD_PAGES} trang" in text
    assert "Cơ sở tri thức không thay đổi." in text
    assert took < 10


def test_page_budget_needs_only_the_runtime_pdf_library(tmp_path: Path) -> None:
    """Production installs pypdfium2, not pypdf (a test extra): the budget must hold there."""
    path = tmp_path / "qua-dai.pdf"
    path.write_bytes(large_pdf(16, pages=MAX_UPLOAD_PAGES + 1, lines=1))
    code = (
        "import sys; sys.modules['pypdf'] = None\n"
        "from pathlib import Path\n"
        "from knowledge.errors import KnowledgeError\n"
        "from knowledge.uploads import check_budget\n"
        "try:\n"
        f"    check_budget(Path({str(path)!r}).read_bytes(), 'qua-dai.pdf')\n"
        "except KnowledgeError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert f"vượt giới hạn {MAX_UPLOAD_PAGES} trang" in out.stdout
