"""DOCX → text: paragraphs and tables in body order; a table row is one tab-separated line.

Word wraps parts of a document in content controls (`w:sdt`, what templates' fields are) and custom
XML elements; what they hold is read in its place, and so is the text of a paragraph's inline
content controls, hyperlinks, fields' results and text boxes. A part of the document kept as HTML or
text beside it (`w:altChunk`, what HTML-to-DOCX converters write) is read in its place too.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from xxgk.errors import Errors, InputError
from xxgk.text import normalise_newlines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_to_text(data: bytes, path: str) -> str:
    return read_docx(data, path)[0]


def _blocks(parent) -> Iterator:
    """The paragraphs and tables of a body or a cell, in order, through content controls and custom XML."""
    for child in parent.iterchildren():
        if child.tag in (_W + "p", _W + "tbl", _W + "altChunk"):
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _W + "customXml":
            yield from _blocks(child)


def _paragraph_text(p) -> str:
    """A paragraph's text as Word shows it: its runs' text, tabs and breaks, wherever the runs are nested
    (hyperlinks, inline content controls, fields, text boxes)."""
    out: list[str] = []
    for el in p.iter(_W + "t", _W + "tab", _W + "br", _W + "cr"):
        if el.tag == _W + "t":
            out.append(el.text or "")
        elif el.getparent() is not None and el.getparent().tag == _W + "r":  # not a tab stop of pPr
            out.append("\t" if el.tag == _W + "tab" else "\n")
    return "".join(out)


def _cell_text(tc) -> str:
    parts = []
    for block in _blocks(tc):
        if block.tag == _W + "p":
            parts.append(_paragraph_text(block))
        else:  # a table inside the cell: its cells' text
            parts += [_cell_text(inner) for inner in block.iter(_W + "tc")]
    return " ".join(" ".join(parts).split())


_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


# decodes a text part's bytes of unknown encoding: (bytes, path, is_html) -> (text, warnings)
Decode = Callable[[bytes, str, bool], tuple[str, list[str]]]


def _utf8(data: bytes, path: str, html: bool) -> tuple[str, list[str]]:
    return data.decode("utf-8", errors="replace"), []


def _alt_chunk(document, chunk, path: str, decode: Decode) -> str:
    """The text of a part kept as HTML or plain text (`w:altChunk`); '' for other kinds (RTF, another
    DOCX), which are rare."""
    from xxgk.inputs.html import html_to_text

    part = document.part.related_parts.get(chunk.get(_R_ID))
    if part is None:
        return ""
    kind = part.content_type.lower()
    if "html" not in kind and not kind.startswith("text/plain"):
        return ""
    text, _warnings = decode(part.blob, path, "html" in kind)
    return html_to_text(text, path)[0] if "html" in kind else text


def read_docx(data: bytes, path: str, decode: Decode = _utf8) -> tuple[str, list[int]]:
    """The text, and the offsets of the paragraphs that hold a picture (a drawing or a VML picture).
    `decode` reads the bytes of a part kept as HTML or text (the input layer's encoding detection)."""
    try:
        import docx
        from docx.table import Table
    except ImportError as e:  # pragma: no cover - declared dependency
        raise InputError(Errors.E010.format(path=path, detail=e)) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # zipfile / lxml / KeyError for a zip that is not a docx
        raise InputError(Errors.E010.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    lines: list[str] = []
    pictures: list[int] = []
    at = 0
    for block in _blocks(document.element.body):
        if block.tag == _W + "altChunk":
            for line in _alt_chunk(document, block, path, decode).split("\n"):
                lines.append(line)
                at += len(line) + 1
            continue
        if block.tag == _W + "p":
            if block.xpath(".//w:drawing | .//w:pict"):
                pictures.append(at)
            lines.append(_paragraph_text(block))
            at += len(lines[-1]) + 1
            continue
        for row in Table(block, document).rows:  # python-docx resolves the grid: merged cells, spans
            cells, seen = [], set()
            for cell in row.cells:
                key = id(cell._tc)
                if key in seen:  # a merged cell is returned once per grid column
                    continue
                seen.add(key)
                cells.append(_cell_text(cell._tc))
            line = "\t".join(cells).rstrip("\t")
            if line.strip():
                lines.append(line)
                at += len(line) + 1
    text = "\n".join(lines)
    if not text.strip():
        raise InputError(Errors.E002.format(path=path))
    return normalise_newlines(text), pictures
