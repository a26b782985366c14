"""A minimal PDF writer for tests: large PDFs with a real text layer, made at test time.

Why our own: no PDF-writing library is a dependency, and the tests need PDFs of hundreds of
pages whose text pypdf extracts as Vietnamese. Each page is a Helvetica text block; letters
outside ASCII are mapped to codes 128–255 of the font's encoding with ``/uniXXXX`` glyph
names, which pypdf turns back into Unicode. Text must be fictional (tests/sample_docs.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence


def _escape(raw: bytes) -> bytes:
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF with one page per item of ``pages``, each a list of lines."""
    extra = sorted({c for page in pages for line in page for c in line if ord(c) > 126})
    if len(extra) > 128:
        raise ValueError("at most 128 different non-ASCII characters")
    codes = {c: 128 + i for i, c in enumerate(extra)}
    names = " ".join(f"/uni{ord(c):04X}" for c in extra)
    objects: list[bytes] = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [128 " + names.encode() + b"] >> >>"
    ]
    pages_id = 1 + 2 * len(pages) + 1
    kids = []
    for page in pages:
        body = [b"BT /F1 9 Tf 11 TL 40 800 Td"]
        for line in page:
            encoded = bytes(codes.get(c, ord(c) if ord(c) < 127 else 63) for c in line)
            body.append(b"(" + _escape(encoded) + b") Tj T*")
        body.append(b"ET")
        stream = b"\n".join(body)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 1 0 R >> >> >>" % (pages_id, len(objects))
        )
        kids.append(len(objects))
    objects.append(
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    )
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body_bytes in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body_bytes))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, len(objects), xref)
    )
    return out.getvalue()
