"""PDF → text from its text layer (pdfplumber), one page after another.

The text is pdfplumber's own line by line, with one repair (`inputs.layout`): a table row whose empty
cells left nothing in the text layer is written with tabs, its blanks in place.
"""

from __future__ import annotations

import io
import re

from xxgk.errors import Errors, InputError
from xxgk.inputs.layout import with_blank_cells
from xxgk.text import normalise_newlines


# a glyph pdfminer could not map to Unicode (a font embedded without a ToUnicode map) is written `(cid:N)`
_CID = re.compile(r"\(cid:\d+\)")
# private-use code points: what some fonts map their glyphs to instead of the characters they print
_PRIVATE = re.compile("[\ue000-\uf8ff]")
# above this share of unmapped glyphs there is no text to read (the page needs OCR); below it the text
# is read and the unmapped glyphs are named
UNMAPPED_SHARE = 0.5


def unmapped_glyphs(text: str) -> tuple[str, int, int, int]:
    """The text with each `(cid:N)` written as one U+FFFD; how many were; the number of unmapped glyphs
    (those and private-use characters) and of all glyphs (characters other than blanks)."""
    text, cids = _CID.subn("\ufffd", text)
    glyphs = sum(1 for ch in text if not ch.isspace())
    return text, cids, cids + len(_PRIVATE.findall(text)), glyphs


def pdf_to_text(data: bytes, path: str) -> str:
    return read_pdf(data, path)[0]


def read_pdf(data: bytes, path: str) -> tuple[str, int, int]:
    """The text, the number of table rows whose empty cells were put back by their columns, and the
    number of `(cid:N)` glyphs read as U+FFFD."""
    try:
        import pdfplumber
    except ImportError as e:  # pragma: no cover - declared dependency
        raise InputError(Errors.E008.format(path=path, detail=e)) from None
    pages: list[list[dict]] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                # the lines pdfplumber's extract_text joins, with their characters
                pages.append(page.extract_text_lines())
                page.flush_cache()
    except InputError:
        raise
    except Exception as e:  # pdfminer raises many unrelated types for broken files
        raise InputError(Errors.E008.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    texts, repaired = with_blank_cells(pages)
    text = "\n".join("\n".join(lines) for lines in texts)
    if not text.strip():
        raise InputError(Errors.E009.format(path=path))
    text, cids, unmapped, glyphs = unmapped_glyphs(text)
    if unmapped > UNMAPPED_SHARE * glyphs:
        raise InputError(Errors.E027.format(n=unmapped, m=glyphs, path=path))
    return normalise_newlines(text), repaired, cids
