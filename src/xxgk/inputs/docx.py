"""DOCX → text: paragraphs and tables in body order; a table row is one tab-separated line."""

from __future__ import annotations

import io

from xxgk.errors import Errors, InputError
from xxgk.text import normalise_newlines


def docx_to_text(data: bytes, path: str) -> str:
    return read_docx(data, path)[0]


def read_docx(data: bytes, path: str) -> tuple[str, list[int]]:
    """The text, and the offsets of the paragraphs that hold a picture (a drawing or a VML picture)."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as e:  # pragma: no cover - declared dependency
        raise InputError(Errors.E010.format(path=path, detail=e)) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # zipfile / lxml / KeyError for a zip that is not a docx
        raise InputError(Errors.E010.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    lines: list[str] = []
    pictures: list[int] = []
    at = 0
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            if child.xpath(".//w:drawing | .//w:pict"):
                pictures.append(at)
            lines.append(Paragraph(child, document).text)
            at += len(lines[-1]) + 1
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    key = id(cell._tc)
                    if key in seen:  # a merged cell is returned once per grid column
                        continue
                    seen.add(key)
                    cells.append(" ".join(cell.text.split()))
                line = "\t".join(cells).rstrip("\t")
                if line.strip():
                    lines.append(line)
                    at += len(line) + 1
    text = "\n".join(lines)
    if not text.strip():
        raise InputError(Errors.E002.format(path=path))
    return normalise_newlines(text), pictures
