"""Loader tests on small FICTIONAL documents built at test time with the real libraries.

Why no fixtures on disk: building each sample here keeps the content visibly made up (no real
legal text) and exercises python-docx / python-pptx / pypdfium2 / BeautifulSoup end to end.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import docx
import pptx
import pytest
from pptx.util import Inches
from pypdf import PdfWriter

from knowledge.errors import LoadError
from knowledge.loaders import MAX_UPLOAD_BYTES, SourceText, load_bytes, load_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

SAMPLE = (
    "QUY CHẾ MẪU\nvề khen thưởng trong Câu lạc bộ Cờ vua Làng Hoa (hư cấu)\n\n"
    "Điều 1. Phạm vi\nQuy chế này áp dụng cho hội viên   câu lạc bộ.\n\n"
    "Điều 2. Danh hiệu\n1. Danh hiệu “Kỳ thủ chăm chỉ” được xét mỗi quý."
)

LOWER_SAMPLE = "Điều 1. phạm vi\nquy chế mẫu này áp dụng cho hội viên câu lạc bộ hư cấu.\n"

# Unicode → TCVN3 (ABC) for lowercase letters, enough to fake a .VnTime document.
_UNI = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ"
_TCVN3 = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ§"


def to_tcvn3(text: str) -> bytes:
    """Encode like a legacy .VnTime document (uppercase accented letters left out)."""
    return text.translate(str.maketrans(_UNI, _TCVN3)).encode("latin-1")


def to_cp1258(text: str) -> bytes:
    """Encode like Windows-1258: base letter (maybe precomposed) + combining tone mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = next(m for m in parts if m in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", parts.replace(tone, "", 1))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def make_pdf(pages: list[list[str]]) -> bytes:
    """Minimal valid PDF: one Helvetica text object per page, ASCII lines, correct xref."""
    count = len(pages)
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{4 + 2 * i} 0 R' for i in range(count))}]"
        f" /Count {count} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        ops = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
        stream = f"BT /F1 12 Tf 72 720 Td {ops} ET"
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode("ascii")
    out += f"startxref\n{xref}\n%%EOF\n".encode("ascii")
    return bytes(out)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_load_error(path: Path, *fragments: str) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_file(path)
    message = str(info.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message
    return info.value


# --- plain text -------------------------------------------------------------------------------


def test_txt_is_verbatim_after_newline_bom_zero_width_and_nfc_cleanup(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", SAMPLE)
    raw = "\ufeff" + decomposed.replace("\n", "\r\n").replace("Phạm vi", "Phạm\u200b vi   ")
    result = load_file(write(tmp_path, "quy-che-mau.txt", raw.encode("utf-8")))
    assert result == SourceText(text=SAMPLE, fmt="txt")
    assert "hội viên   câu lạc bộ" in result.text  # inner whitespace kept verbatim


def test_md_and_utf16_with_bom(tmp_path: Path) -> None:
    markdown = load_file(write(tmp_path, "a.md", b"# Quy ch\xe1\xba\xbf\n"))
    assert (markdown.text, markdown.fmt) == ("# Quy chế\n", "md")
    utf16 = load_bytes(SAMPLE.encode("utf-16"), "mau.TXT")
    assert (utf16.text, utf16.fmt) == (SAMPLE, "txt")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
def test_every_corpus_txt_loads_verbatim() -> None:
    files = sorted(CORPUS.glob("*.txt"))
    assert files
    for path in files:
        expected = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
        result = load_file(path)
        assert result.fmt == "txt"
        assert result.text == unicodedata.normalize("NFC", expected), path.name


# --- docx -------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_body_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("QUY CHẾ MẪU  ")
    document.add_paragraph("")
    document.add_paragraph("Điều 1. Phạm vi")
    document.add_paragraph("Quy chế hư cấu cho câu lạc bộ.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Bảng mức thưởng"
    table.cell(1, 0).text = "Hạng nhất"
    table.cell(1, 1).text = "3 quyển sách"
    document.add_paragraph("Điều 2. Hiệu lực")
    buffer = io.BytesIO()
    document.save(buffer)
    result = load_bytes(buffer.getvalue(), "quy-che-mau.docx")
    assert result.fmt == "docx"
    assert result.text == (
        "QUY CHẾ MẪU\n\nĐiều 1. Phạm vi\n\nQuy chế hư cấu cho câu lạc bộ.\n\n"
        "Bảng mức thưởng\n\nHạng nhất\n\n3 quyển sách\n\nĐiều 2. Hiệu lực"
    )


def test_docx_not_a_zip(tmp_path: Path) -> None:
    assert_load_error(write(tmp_path, "hong.docx", b"day khong phai zip " * 10), "ZIP")


def test_docx_zip_bomb(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"A" * (30 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    assert_load_error(write(tmp_path, "bom.docx", buffer.getvalue()), "zip bomb")


def test_docx_zip_without_document_part(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "Tệp nén bình thường, không phải Word.")
    assert_load_error(write(tmp_path, "nen.docx", buffer.getvalue()), "word/")


def test_docx_with_broken_xml(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document")
    assert_load_error(write(tmp_path, "vo.docx", buffer.getvalue()), "bị hỏng")


# --- pptx -------------------------------------------------------------------------------------


def test_pptx_slides_with_offsets(tmp_path: Path) -> None:
    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])  # title + content
    first.shapes.title.text = "Quy chế mẫu"
    body = first.placeholders[1].text_frame
    body.text = "Điều 1. Phạm vi"
    body.add_paragraph().text = "Áp dụng cho câu lạc bộ hư cấu.  "
    second = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no title placeholder
    second.shapes.add_textbox(Inches(1), Inches(1), Inches(4), Inches(1)).text = "Mức thưởng"
    grid = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (row, col), value in {(0, 0): "Hạng", (0, 1): "Phần thưởng", (1, 0): "Nhất"}.items():
        grid.cell(row, col).text = value
    buffer = io.BytesIO()
    deck.save(buffer)

    result = load_bytes(buffer.getvalue(), "tap-huan-mau.pptx")
    assert result.fmt == "pptx"
    assert result.text == (
        "Slide 1: Quy chế mẫu\nĐiều 1. Phạm vi\nÁp dụng cho câu lạc bộ hư cấu.\n\n"
        "Slide 2: Mức thưởng\nHạng | Phần thưởng\nNhất"
    )
    assert result.slides is not None and [s.number for s in result.slides] == [1, 2]
    for slide in result.slides:
        block = result.text[slide.start : slide.end]
        assert block == f"Slide {slide.number}: {slide.title}\n{slide.body}"
    assert result.slides[1].title == "Mức thưởng"


def test_pptx_corrupt(tmp_path: Path) -> None:
    assert_load_error(write(tmp_path, "hong.pptx", b"PK\x03\x04 cut short"), ".pptx")


# --- pdf --------------------------------------------------------------------------------------


def test_pdf_text_layer_pages_and_spaces() -> None:
    data = make_pdf([["Quy che mau (hu cau)", "Dieu 1.    Pham vi"], ["Dieu 2. Hieu luc"]])
    result = load_bytes(data, "quy-che-mau.pdf")
    assert result.fmt == "pdf"
    # Runs of spaces collapsed; short lines (no justified prose to join) kept as they are,
    # across the page break too (a clause may run on to the next page).
    lines = result.text.split("\n")
    assert lines == ["Quy che mau (hu cau)", "Dieu 1. Pham vi", "Dieu 2. Hieu luc"]


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert_load_error(write(tmp_path, "ban-scan.pdf", buffer.getvalue()), "lớp văn bản", "OCR")


@pytest.mark.parametrize(
    "data",
    [b"khong phai pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", make_pdf([["Dieu 1"]])[:150]],
)
def test_pdf_corrupt(tmp_path: Path, data: bytes) -> None:
    assert_load_error(write(tmp_path, "hong.pdf", data), "PDF")


def test_pdf_encrypted(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.encrypt(user_password="mat-khau-mau", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert_load_error(write(tmp_path, "khoa.pdf", buffer.getvalue()), "mật khẩu")


# --- html -------------------------------------------------------------------------------------


def test_html_blocks_one_per_paragraph() -> None:
    page = """<!DOCTYPE html><html><head><title>Bỏ qua</title>
    <style>p { color: red }</style></head><body>
    <header>Đầu trang</header><nav><a href="/">Trang chủ</a></nav>
    <script>var x = "không lấy";</script><!-- ghi chú -->
    <h1>Quy chế   mẫu</h1>
    <p>Điều 1. Phạm vi<br>Áp dụng cho
       câu lạc bộ hư cấu.</p>
    <ul><li>Khoản một</li><li>Khoản hai</li></ul>
    <table><tr><td>Hạng</td><td>Thưởng</td></tr><tr><td>Nhất</td><td>Sách</td></tr></table>
    <footer>Chân trang</footer></body></html>"""
    result = load_bytes(page.encode("utf-8"), "trang.html")
    assert result.fmt == "html"
    assert result.text == (
        "Quy chế mẫu\n\nĐiều 1. Phạm vi\nÁp dụng cho câu lạc bộ hư cấu.\n\n"
        "Khoản một\n\nKhoản hai\n\nHạng | Thưởng\n\nNhất | Sách"
    )


def test_html_meta_charset_is_honoured() -> None:
    page = '<html><head><meta charset="windows-1258"></head><body><p>Điều 1. Phạm vi</p>'
    assert load_bytes(to_cp1258(page), "cu.htm").text == "Điều 1. Phạm vi"


# --- errors common to all formats -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "fragments"),
    [
        ("rong.txt", b"", ("rỗng",)),
        ("trang.txt", b" \r\n\t\n", ("rỗng",)),
        ("chi-bom.md", b"\xef\xbb\xbf\n", ("không có nội dung",)),
        ("anh.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ("nhị phân",)),
        ("dieu-khien.md", b"\x01\x02\x03\x04\x05\x06\x07abc" * 20, ("nhị phân",)),
        ("nhi-phan.html", b"<html>\x00\x00\x00</html>", ("nhị phân",)),
        ("cu.txt", to_cp1258(SAMPLE), ("không phải UTF-8", "Windows-1258", "UTF-8 rồi gửi lại")),
        ("vntime.txt", to_tcvn3(LOWER_SAMPLE), ("không phải UTF-8", "TCVN3")),
        ("la.txt", "Ein Mädchen aß Brötchen".encode("latin-1"), ("không nhận ra bảng mã",)),
        ("quy-che.doc", b"\xd0\xcf\x11\xe0", (".docx", ".txt, .md")),
        ("chuong-trinh.exe", b"MZ", ("“.exe” chưa được hỗ trợ", ".pptx")),
        ("khong-duoi", b"abc", ("không có phần mở rộng",)),
    ],
)
def test_bad_files_raise_load_error(
    tmp_path: Path, name: str, data: bytes, fragments: tuple[str, ...]
) -> None:
    error = assert_load_error(write(tmp_path, name, data), *fragments)
    assert error.filename == name
    with pytest.raises(LoadError, match=name):
        load_bytes(data, name)


def test_file_larger_than_limit(tmp_path: Path) -> None:
    path = tmp_path / "qua-lon.txt"
    with path.open("wb") as handle:  # sparse: no 20 MB actually written
        handle.truncate(MAX_UPLOAD_BYTES + 1)
    assert_load_error(path, "lớn hơn 20 MB")
    with pytest.raises(LoadError, match="lớn hơn 20 MB"):
        load_bytes(b"a" * (MAX_UPLOAD_BYTES + 1), "qua-lon.md")


def test_display_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="Quy chế mẫu.txt") as info:
        load_file(tmp_path / "x.txt", display_name="Quy chế mẫu.txt")
    assert "không tìm thấy" in str(info.value)
    path = write(tmp_path, "upload-123.bin", SAMPLE.encode("utf-8"))
    assert load_file(path, display_name="quy-che.txt").text == SAMPLE
