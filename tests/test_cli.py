"""The ``tdkt`` command as a user runs it: a real process, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, DEV_SET, manifest_documents, needs_corpus

pytestmark = needs_corpus


def run(args: list[str], db: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TDKT_DATABASE_URL": db}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'kb.db'}"
    result = run(["kb", "sync", str(CORPUS)], url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("+ thêm") == len(manifest_documents())
    return url


def test_sync_twice_changes_nothing(db: str) -> None:
    result = run(["kb", "sync", str(CORPUS)], db)
    assert result.returncode == 0
    assert "Không có thay đổi" in result.stdout


def test_ask_json_has_the_documented_shape(db: str) -> None:
    result = run(["ask", "--json", "-k", "3", "Hồ sơ đề nghị xét tặng hình thức khen thưởng"], db)
    payload = json.loads(result.stdout)
    assert payload["query"].startswith("Hồ sơ")
    assert 1 <= len(payload["answers"]) <= 3
    first = payload["answers"][0]
    assert set(first) == {
        "rank",
        "document_number",
        "document_title",
        "document_status",
        "article",
        "clause",
        "point",
        "citation",
        "text",
        "score",
        "document_scope",
    }
    assert first["document_scope"] == "toàn quốc"
    assert payload["notes"] == [] and payload["corrected"] is None
    source = (CORPUS / "luat-06-2022-qh15.txt").read_text(encoding="utf-8")
    nd = (CORPUS / "nd-152-2025.txt").read_text(encoding="utf-8")
    assert first["text"] in source or first["text"] in nd
    assert isinstance(first["article"], int)


def test_ask_batch_from_stdin_prints_one_object_per_line(db: str) -> None:
    questions = "Tiêu chuẩn Chiến sĩ thi đua toàn quốc\nasdfgh qwerty\n"
    result = run(["ask", "--json", "-"], db, stdin=questions)
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 2
    assert json.loads(lines[0])["answers"]
    assert json.loads(lines[1])["answers"] == []


def test_show_prints_article_84_as_written(db: str) -> None:
    result = run(["kb", "show", "điều 84", "--doc", "06/2022/QH15"], db)
    assert result.returncode == 0
    source = (CORPUS / "luat-06-2022-qh15.txt").read_text(encoding="utf-8")
    start = source.index("Điều 84. Hồ sơ")
    end = source.index("Điều 85.")
    assert source[start:end].strip() in result.stdout
    assert result.stdout.startswith("Điều 84 Luật Thi đua, khen thưởng số 06/2022/QH15")


def test_list_shows_status(db: str) -> None:
    result = run(["kb", "list"], db)
    assert "16/VBHN-VPQH" in result.stdout and "hết hiệu lực" in result.stdout


def test_eval_prints_figures(db: str) -> None:
    result = run(["eval", str(DEV_SET), "--json"], db)
    figures = json.loads(result.stdout)
    assert figures["with_diacritics"]["recall_at_5"] >= 0.9
    assert figures["out_of_scope"]["out_of_scope"] == 5


def test_unknown_option_gets_usage_not_traceback(db: str) -> None:
    result = run(["ask", "--bogus", "x"], db)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_output_cut_short_by_its_reader_is_no_traceback(db: str) -> None:
    """``tdkt ask … | head -1``: the reader closes the pipe after one line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "-k", "20", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TDKT_DATABASE_URL": db},
        cwd=Path(__file__).resolve().parents[1],
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("Hồ sơ đề nghị tặng Bằng khen gồm những gì?\n".encode() * 20)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    process.wait(timeout=120)
    assert process.stderr is not None
    err = process.stderr.read()
    assert first.startswith(b"1. ")
    assert b"Traceback" not in err
    assert process.returncode in (0, 141)


def test_show_gives_both_article_series_the_attached_regulation_first(db: str) -> None:
    result = run(["kb", "show", "điều 2", "--doc", "86/2025/QĐ-UBND"], db)
    assert result.returncode == 0, result.stderr
    regulation = "Điều 2 Quy định ban hành kèm theo Quyết định số 86/2025/QĐ-UBND"
    decision = "Điều 2 Quyết định số 86/2025/QĐ-UBND"
    lines = result.stdout.split("\n")
    assert regulation in lines and decision in lines
    assert lines.index(regulation) < lines.index(decision)
    assert "Điều 2. Đối tượng áp dụng" in result.stdout  # the regulation's article 2, whole


def test_list_json_gives_scope_and_coverage_of_every_document(db: str) -> None:
    result = run(["kb", "list", "--json"], db)
    listed = {d["number"]: d for d in json.loads(result.stdout)}
    for entry in manifest_documents():
        doc = listed[entry["number"]]
        assert {
            "number",
            "title",
            "kind",
            "status",
            "issuer",
            "scope",
            "units",
            "passages",
            "coverage",
        } <= set(doc)
        assert (doc["kind"], doc["status"], doc["scope"]) == (
            entry["kind"],
            entry["status"],
            entry.get("scope"),
        )
        assert doc["coverage"] >= 0.97 and doc["units"] >= 1 and doc["passages"] >= 1


def test_asking_an_empty_knowledge_base_says_it_is_empty(tmp_path: Path) -> None:
    """A forgotten ``kb sync`` (or a wrong URL) must not look like “no provision found”."""
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    for args in (["ask", "Hồ sơ đề nghị tặng Bằng khen gồm những gì?"], ["award", "--list"]):
        result = run(args, db)
        assert result.returncode == 4
        assert "Cơ sở tri thức trống" in result.stderr and "kb sync" in result.stderr
        assert "Không tìm thấy" not in result.stdout


def test_add_holds_a_partly_parsed_file_until_confirmed(tmp_path: Path) -> None:
    from tests.sample_docs import LOST_AFTER_SIGNATURE

    db = f"sqlite:///{tmp_path / 'kb.db'}"
    path = tmp_path / "ngay-hoi.txt"
    path.write_text(LOST_AFTER_SIGNATURE, encoding="utf-8")
    held = run(["kb", "add", str(path)], db)
    assert held.returncode == 1
    assert "chưa nạp" in held.stdout and "--yes" in held.stdout
    assert "| Ngày hội gồm phần thi cắt tỉa bonsai" in held.stdout
    assert "Cơ sở tri thức trống" in run(["kb", "list"], db).stdout
    loaded = run(["kb", "add", "--yes", str(path)], db)
    assert loaded.returncode == 0 and "nạp dù thiếu" in loaded.stdout
    assert "3/2099/QĐ-MAU" in run(["kb", "list"], db).stdout


def test_chat_reads_a_conversation_from_stdin(db: str) -> None:
    lines = [
        "chào bot",
        "hồ sơ đề nghị tặng Huân chương Lao động hạng Ba gồm những gì",
        "còn hạng Nhì thì sao?",
        "Cờ thi đua của Chính phủ tặng cho ai, mức thưởng bao nhiêu?",
    ]
    result = run(["chat", "--json", "-k", "2"], db, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.strip().split("\n")]
    assert out[0]["small_talk"] == "greeting" and out[0]["answers"] == []
    assert out[1]["followup"] is False and out[1]["answers"]
    assert out[2]["followup"] is True and "hạng Nhì" in out[2]["query"]
    assert out[2]["reading"]["objects"][0]["rank"] == "nhì"
    assert [(o["part"], o["of"]) for o in out[3:]] == [(1, 2), (2, 2)]
    assert all(o["answers"] and o["message"] == lines[3] for o in out[3:])
    assert out[4]["reading"]["intents"][0] == "tien_thuong"
    # the shape of `tdkt ask --json` for each question
    asked = json.loads(run(["ask", "--json", "-k", "2", out[2]["query"]], db).stdout)
    assert set(asked) <= set(out[2])
    assert out[2]["answers"] == asked["answers"]


def test_award_card_json_list_and_unknown_names(db: str) -> None:
    result = run(["award", "--json", "hclđ", "hạng", "ba"], db)
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["award"] == "Huân chương Lao động hạng Ba" and "hclđ hạng ba" in card["aliases"]
    assert set(card["facets"]) == {
        "tieu_chuan",
        "tham_quyen_quyet_dinh",
        "tham_quyen_de_nghi",
        "ho_so",
        "thoi_han",
        "tien_thuong",
        "trao_tang",
    }
    texts = {f.name: f.read_text(encoding="utf-8") for f in CORPUS.glob("*.txt")}
    for items in card["facets"].values():
        for item in items:
            assert {"document_number", "article", "clause", "point", "citation", "text"} <= set(
                item
            )
            assert any(item["text"] in t for t in texts.values())  # verbatim
    listed = run(["award", "--list"], db)
    assert listed.returncode == 0
    assert "- Huân chương Lao động hạng Ba (huân chương)" in listed.stdout
    ranks = run(["award", "hclđ"], db)
    assert ranks.returncode == 1 and "có nhiều hạng" in ranks.stdout
    unknown = run(["award", "huy chương bông sen vàng"], db)
    assert unknown.returncode == 1 and "Không tìm thấy" in unknown.stdout
    assert "Gần nhất: Huy chương" in unknown.stdout and "Traceback" not in unknown.stderr


def test_ask_json_gains_the_direct_line_award_and_facet(db: str) -> None:
    question = "mức tiền thưởng cstđ cơ sở bao nhiêu"
    unset = json.loads(run(["ask", "--json", question], db).stdout)
    assert unset["award"] == "Chiến sĩ thi đua cơ sở" and unset["facet"] == "tien_thuong"
    assert unset["direct"]["amount_dong"] is None  # no base salary configured: no amount
    env_run = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", question],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TDKT_DATABASE_URL": db, "TDKT_LUONG_CO_SO": "2.340.000"},
    )
    payload = json.loads(env_run.stdout)
    line = payload["direct"]
    assert line["text"] in payload["answers"][0]["text"]  # the award's point of the answer
    coefficient = line["text"].split(" lần mức lương cơ sở")[0].split()[-1]
    assert line["amount_dong"] == round(float(coefficient.replace(",", ".")) * 2340000)
    assert line["citation"].startswith("Điểm ")
    plain = json.loads(run(["ask", "--json", "Tiêu chuẩn Chiến sĩ thi đua toàn quốc"], db).stdout)
    assert "direct" not in plain
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "ask", question],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TDKT_DATABASE_URL": db, "TDKT_LUONG_CO_SO": "hai triệu"},
    )
    assert bad.returncode == 2 and "TDKT_LUONG_CO_SO" in bad.stderr
