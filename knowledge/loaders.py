"""Source file → clean Unicode text, one established library per format.

Why one module: every later stage (structure parsing, citation checks) relies on ``text`` being
NFC Unicode with ``\\n`` newlines, and on bad files failing early with a Vietnamese
``LoadError`` the bot can show as is. No other exception type may escape for a bad file.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import LoadError
from knowledge.pdf_text import clean_pages
from knowledge.textnorm import clean_text

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".pptx")

_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
_MAX_ZIP_RATIO = 100
_MIN_PDF_CHARS = 20
_UTF16_NULS = 0.3
"""UTF-16 without a BOM: at least this share of NULs in one byte position..."""
_UTF16_STRAY_NULS = 0.02
"""...and at most this share in the other."""
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_VI_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
# Bytes that TCVN3 (ABC, fonts .VnTime...) uses for Vietnamese letters, shown as Latin-1.
_TCVN3_CHARS = "µ¸¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ×ÝØÜÞßãáâä«åèæçé¬êíëìîïóñòô\xadõøö÷ùúýûüþ¡¢§£¤¥¦"
_TCVN3_BYTES = frozenset(_TCVN3_CHARS.encode("latin-1"))
_SUFFIX_HINTS = {".doc": ".docx", ".ppt": ".pptx", ".rtf": ".docx", ".odt": ".docx"}
_HTML_DROP = ("script", "style", "noscript", "template", "head", "nav", "header", "footer", "svg")
_HTML_BLOCKS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section",
    "article", "main", "blockquote", "pre", "dd", "dt", "dl", "center", "aside", "figure",
    "figcaption", "caption", "address", "form", "fieldset", "hr",
)  # fmt: skip
_PARA, _LINE, _CELL = "\ue000", "\ue001", "\ue002"  # private-use markers for HTML layout
_HTML_MARKERS = frozenset((_PARA, _LINE, _CELL))
_HTML_TAG = re.compile(r"<[A-Za-z!/?]")
_MAX_HTML_TAGS = 200_000
"""Tags in one HTML file: a long law saved as a web page has a few thousand; millions would
make the parser's tree alone use gigabytes."""


@dataclass(frozen=True)
class Slide:
    """One presentation slide; ``text[start:end]`` is its block in ``SourceText.text``."""

    number: int
    title: str
    body: str
    start: int
    end: int


@dataclass(frozen=True)
class SourceText:
    """Whole document text (clean NFC Unicode) plus, for .pptx, per-slide offsets."""

    text: str
    fmt: str
    slides: list[Slide] | None = None


def load_file(path: Path, *, display_name: str | None = None) -> SourceText:
    """Read a file from disk; ``display_name`` (default: file name) is what errors show."""
    path = Path(path)
    name = display_name or path.name
    suffix = _suffix(path.name, name)
    try:
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            raise LoadError(name, "tệp lớn hơn 20 MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(name, "không tìm thấy tệp") from None
    except OSError as exc:
        raise LoadError(name, f"không mở được tệp ({exc.strerror or exc})") from None
    return _load(data, name, suffix)


def load_bytes(data: bytes, filename: str) -> SourceText:
    """Same as ``load_file`` for an in-memory upload; the format comes from the suffix."""
    return _load(bytes(data), filename, _suffix(filename))


def _suffix(*names: str) -> str:
    """First supported suffix among ``names``, else a LoadError listing the supported ones."""
    for candidate in names:
        suffix = Path(candidate).suffix.lower()
        if suffix in SUPPORTED_SUFFIXES:
            return suffix
    suffix = Path(names[-1]).suffix.lower()
    what = f"định dạng “{suffix}” chưa được hỗ trợ" if suffix else "tệp không có phần mở rộng"
    hint = f" (hãy lưu lại thành {_SUFFIX_HINTS[suffix]})" if suffix in _SUFFIX_HINTS else ""
    raise LoadError(names[-1], f"{what}{hint}; chỉ nhận {', '.join(SUPPORTED_SUFFIXES)}")


def _load(data: bytes, name: str, suffix: str) -> SourceText:
    if len(data) > MAX_UPLOAD_BYTES:
        raise LoadError(name, "tệp lớn hơn 20 MB")
    if not data.strip():
        raise LoadError(name, "tệp rỗng, không có nội dung")
    if suffix in (".txt", ".md"):
        text, fmt, slides = _clean(_decode(data, name)), suffix[1:], None
    elif suffix in (".html", ".htm"):
        text, fmt, slides = _html(data, name), "html", None
    elif suffix == ".pdf":
        text, fmt, slides = _pdf(data, name), "pdf", None
    elif suffix == ".docx":
        text, fmt, slides = _docx(data, name), "docx", None
    else:
        text, fmt, slides = _pptx(data, name)
    if not text.strip():
        raise LoadError(name, "tệp không có nội dung văn bản")
    return SourceText(text=text, fmt=fmt, slides=slides)


def _clean(text: str) -> str:
    """Newlines → \\n, drop invisible characters, NFC, strip trailing spaces/tabs; nothing else."""
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip(" \t") for line in text.split("\n"))


def _control_ratio(text: str) -> float:
    """Share of C0 control characters other than whitespace: high means binary data."""
    return len(_CONTROL.findall(text)) / max(len(text), 1)


def _decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Strict text decoding: UTF-8 (±BOM), UTF-16 with or without BOM, else a declared
    charset.

    Legacy Vietnamese encodings are detected only to explain the refusal: converting TCVN3
    silently would risk wrong letters in quoted legal text.
    """
    utf16 = (
        "utf-16"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        else _bomless_utf16(data)
    )
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise LoadError(name, "tệp UTF-16 bị lỗi mã hoá") from None
    elif b"\x00" in data:
        raise LoadError(name, "tệp chứa dữ liệu nhị phân, không phải văn bản")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = _decode_legacy(data, name, declared)
    if _control_ratio(text) > 0.05:
        raise LoadError(name, "tệp chứa dữ liệu nhị phân, không phải văn bản")
    return text


def _bomless_utf16(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" for UTF-16 text saved without a byte-order mark, else None.

    Why it is recognisable: Vietnamese text is mostly ASCII letters, spaces and Latin-1
    vowels (à, é, ô...), whose high byte is zero, so UTF-16 puts a NUL in every other byte
    (odd positions for little-endian, even ones for big-endian) and almost never in the
    others. Binary data has NULs at both, or at neither.
    """
    half = len(data) // 2
    if half < 2 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0) / half, data[1::2].count(0) / half
    if odd >= _UTF16_NULS and even <= _UTF16_STRAY_NULS:
        return "utf-16-le"
    if even >= _UTF16_NULS and odd <= _UTF16_STRAY_NULS:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes, name: str, declared: str | None) -> str:
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    if _control_ratio(data.decode("latin-1")) > 0.05:
        raise LoadError(name, "tệp chứa dữ liệu nhị phân, không phải văn bản")
    guess = _guess_vietnamese_encoding(data)
    seen = f"có vẻ là bảng mã {guess}" if guess else "không nhận ra bảng mã"
    raise LoadError(name, f"tệp không phải UTF-8 ({seen}); hãy lưu lại dưới dạng UTF-8 rồi gửi lại")


def _guess_vietnamese_encoding(data: bytes) -> str | None:
    """Name the legacy encoding whose reading of ``data`` looks like Vietnamese, if any."""
    high = [b for b in data if b >= 0x80]
    if not high:
        return None
    try:
        as_1258 = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        as_1258 = ""
    non_ascii = [c for c in as_1258 if ord(c) >= 0x80]
    vi = [c for c in non_ascii if c in _VI_LETTERS]
    if non_ascii and len(vi) / len(non_ascii) >= 0.7 and any(ord(c) > 0xFF for c in vi):
        return "Windows-1258"
    # TCVN3 puts common letters (à á ạ đ ê ô ơ ư...) on 0xA1-0xBF, symbols in Western code pages.
    symbols = sum(1 for b in high if 0xA1 <= b <= 0xBF)
    if sum(1 for b in high if b in _TCVN3_BYTES) >= 0.7 * len(high) and symbols >= len(high) / 4:
        return "TCVN3 (ABC)"
    return None


def _check_zip(data: bytes, name: str, kind: str, folder: str) -> None:
    """Refuse non-zips and zip bombs before python-docx/python-pptx inflate anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise LoadError(name, f"tệp {kind} bị hỏng (không phải tệp nén ZIP hợp lệ)") from None
    unzipped = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unzipped > _MAX_UNZIPPED_BYTES or unzipped > _MAX_ZIP_RATIO * max(packed, 1):
        raise LoadError(name, f"tệp {kind} bất thường (giải nén quá lớn, nghi là “zip bomb”)")
    if not any(info.filename.startswith(folder) for info in infos):  # main part name varies
        raise LoadError(name, f"tệp không phải {kind} hợp lệ (thiếu thư mục {folder})")


def _docx(data: bytes, name: str) -> str:
    """Body paragraphs and table-cell paragraphs in order, blank line between paragraphs."""
    _check_zip(data, name, ".docx", "word/")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs = [_clean(p).strip() for p in _docx_blocks(document)]
    except Exception:  # python-docx/lxml raise many types on malformed parts
        raise LoadError(
            name,
            "tệp .docx bị hỏng, không đọc được nội dung; hãy mở bằng Word, lưu lại rồi gửi lại",
        ) from None
    return "\n\n".join(p for p in paragraphs if p)


def _docx_blocks(container: object) -> Iterator[str]:
    from docx.table import Table

    for item in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Table):
            seen: set[int] = set()
            for row in item.rows:
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # merged cells repeat the same <w:tc>
                        seen.add(id(cell._tc))
                        yield from _docx_blocks(cell)
        else:
            yield item.text


def _pdf(data: bytes, name: str) -> str:
    """PDFium's text layer (whole syllables), without running headers, footers and page
    numbers, lines joined back into paragraphs (:mod:`knowledge.pdf_text`)."""
    if b"%PDF" not in data[:1024]:
        raise LoadError(name, "tệp PDF bị hỏng (không phải định dạng PDF)")
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise LoadError(
                name, "tệp PDF được đặt mật khẩu (mã hoá); hãy gửi bản không khoá"
            ) from None
        raise LoadError(
            name, "tệp PDF bị hỏng, không đọc được nội dung; hãy xuất lại tệp PDF rồi gửi lại"
        ) from None
    try:
        pages = [_pdf_page_text(document, i) for i in range(len(document))]
    except Exception:  # PDFium raises PdfiumError, but a broken page may raise others
        raise LoadError(
            name, "tệp PDF bị hỏng, không đọc được nội dung; hãy xuất lại tệp PDF rồi gửi lại"
        ) from None
    finally:
        document.close()
    text = clean_pages(pages)
    if len(re.sub(r"\s", "", text)) < _MIN_PDF_CHARS:
        raise LoadError(name, "tệp PDF không có lớp văn bản (bản scan); cần bản có chữ hoặc đã OCR")
    return text


def _pdf_page_text(document: object, index: int) -> str:
    page = document[index]  # type: ignore[index]
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()
        page.close()


def _html(data: bytes, name: str) -> str:
    """Visible text of block elements, one per paragraph; charset from <meta> or UTF-8.

    The work is bounded: the number of tags is checked before parsing, and the text is
    collected in one walk over the tree (no tree edits, no recursion), so 40,000 nested
    ``<div>`` take well under a second instead of minutes (editing a deep tree costs the
    depth on every insertion: quadratic).
    """
    match = re.search(rb"<meta[^>]*charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", data[:4096], re.I)
    declared = match.group(1).decode("ascii") if match else None
    raw = _decode(data, name, declared)
    tags = len(_HTML_TAG.findall(raw))
    if tags > _MAX_HTML_TAGS:
        raise LoadError(
            name,
            f"tệp HTML có quá nhiều thẻ ({tags} thẻ, tối đa "
            f"{_MAX_HTML_TAGS}); hãy lưu nội dung thành .docx hoặc .txt rồi "
            "gửi lại",
        )
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(raw.translate(dict.fromkeys(map(ord, _PARA + _LINE + _CELL))), "lxml")
        flat = re.sub(r"\s+", " ", "".join(_html_pieces(soup)))
    except Exception:  # lxml/bs4 on pathological markup
        raise LoadError(
            name, "tệp HTML bị hỏng, không đọc được nội dung; hãy lưu lại trang rồi gửi lại"
        ) from None
    flat = re.sub(rf"(^|[{_PARA}{_LINE}])[ {_CELL}]+", r"\1", flat)  # no "|" at line ends
    flat = re.sub(rf"[ {_CELL}]+([{_PARA}{_LINE}]|$)", r"\1", flat)
    flat = re.sub(rf" ?{_CELL}[ {_CELL}]*", " | ", flat)
    flat = flat.replace(_LINE, "\n").replace(_PARA, "\n\n")
    text = "\n".join(line.strip() for line in _clean(flat).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _html_pieces(soup: object) -> Iterator[str]:
    """The page's visible strings in document order, with layout markers: a paragraph
    marker around each block element, a line marker for ``<br>``, a cell marker after each
    table cell. Dropped elements (scripts, navigation...) and comments yield nothing.

    An explicit stack instead of recursion: nesting depth is whatever the file says.
    """
    from bs4 import CData, NavigableString, Tag

    stack: list[object] = [soup]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if type(node) in (NavigableString, CData) or node in _HTML_MARKERS:
                yield str(node)
            continue
        if not isinstance(node, Tag) or node.name in _HTML_DROP:
            continue
        if node.name == "br":
            yield _LINE
            continue
        after = _PARA if node.name in _HTML_BLOCKS else _CELL if node.name in ("td", "th") else None
        if node.name in _HTML_BLOCKS:
            yield _PARA
        if after is not None:
            stack.append(after)
        stack.extend(reversed(node.contents))


def _pptx(data: bytes, name: str) -> tuple[str, str, list[Slide]]:
    """Slides as "Slide N: <title>\\n<body>" blocks separated by blank lines, with offsets."""
    _check_zip(data, name, ".pptx", "ppt/")
    import pptx

    try:
        contents = [_slide_content(s) for s in pptx.Presentation(io.BytesIO(data)).slides]
    except Exception:  # python-pptx/lxml raise many types on malformed parts
        raise LoadError(
            name,
            "tệp .pptx bị hỏng, không đọc được nội dung; "
            "hãy mở bằng PowerPoint, lưu lại rồi gửi lại",
        ) from None
    if not any(title or body for title, body in contents):
        raise LoadError(name, "tệp không có nội dung văn bản")
    parts: list[str] = []
    slides: list[Slide] = []
    offset = 0
    for number, (title, body) in enumerate(contents, start=1):
        block = f"Slide {number}: {title}" if title else f"Slide {number}:"
        block += f"\n{body}" if body else ""
        slides.append(Slide(number, title, body, offset, offset + len(block)))
        parts.append(block)
        offset += len(block) + 2
    return "\n\n".join(parts), "pptx", slides


def _slide_content(slide: object) -> tuple[str, str]:
    """(title, body) of a slide, both already cleaned so offsets stay exact."""
    shapes = list(_iter_shapes(slide.shapes))  # type: ignore[attr-defined]
    title_shape = slide.shapes.title  # type: ignore[attr-defined]
    if title_shape is None or not title_shape.text_frame.text.strip():
        texts = (s for s in shapes if s.has_text_frame and s.text_frame.text.strip())
        title_shape = next(texts, None)
    title = ""
    if title_shape is not None:
        title = " ".join(_clean(title_shape.text_frame.text.replace("\v", " ")).split())
    lines: list[str] = []
    for shape in shapes:
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        if shape.has_text_frame:
            lines += [p.text.replace("\v", "\n") for p in shape.text_frame.paragraphs]
        elif shape.has_table:
            for row in shape.table.rows:
                cells = (" ".join(c.text.split()) for c in row.cells)
                lines.append(" | ".join(c for c in cells if c))
    body = "\n".join(s for s in (ln.strip() for ln in _clean("\n".join(lines)).split("\n")) if s)
    return title, body


def _iter_shapes(shapes: object) -> Iterator[object]:
    """Shapes in z-order, descending into groups."""
    for shape in shapes:  # type: ignore[attr-defined]
        if hasattr(shape, "shapes"):
            yield from _iter_shapes(shape.shapes)
        else:
            yield shape
