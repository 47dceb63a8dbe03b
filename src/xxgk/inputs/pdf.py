"""PDF → text from its text layer (pdfplumber), one page after another.

The text is pdfplumber's own line by line, with two repairs: a table row whose empty cells left nothing
in the text layer is written with tabs, its blanks in place (`inputs.layout`), and a glyph without a
Unicode mapping (`(cid:N)`) is one U+FFFD. Where the pages' pictures stand is given too (W113).
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
# an image narrower than this share of its page is a logo, a seal or a QR code, not a picture of a table
MIN_PICTURE_WIDTH = 1 / 3


def unmapped_glyphs(lines: list[str]) -> tuple[list[str], int]:
    """The lines with each `(cid:N)` written as one U+FFFD (a glyph is one character, as the page shows
    it), and how many were."""
    out, cids = [], 0
    for line in lines:
        line, n = _CID.subn("\ufffd", line)
        out.append(line)
        cids += n
    return out, cids


def private_use(text: str) -> int:
    return len(_PRIVATE.findall(text))


def pdf_to_text(data: bytes, path: str) -> str:
    return read_pdf(data, path)[0]


def read_pdf(data: bytes, path: str) -> tuple[str, int, int, list[int]]:
    """The text, the number of table rows whose empty cells were put back by their columns, the
    number of `(cid:N)` glyphs read as U+FFFD, and where the pages' pictures stand in the text (the
    offset of the first line below each)."""
    try:
        import pdfplumber
    except ImportError as e:  # pragma: no cover - declared dependency
        raise InputError(Errors.E008.format(path=path, detail=e)) from None
    pages: list[list[dict]] = []
    below: list[tuple[int, int]] = []  # (page, line) of the first line below each picture
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                # the lines pdfplumber's extract_text joins, with their characters
                found = page.extract_text_lines()
                pages.append(found)
                for img in page.images:
                    if img["x1"] - img["x0"] >= MIN_PICTURE_WIDTH * float(page.width):
                        below.append((len(pages) - 1, sum(1 for ln in found if ln["top"] < img["top"])))
                page.flush_cache()
    except InputError:
        raise
    except Exception as e:  # pdfminer raises many unrelated types for broken files
        raise InputError(Errors.E008.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    texts, repaired = with_blank_cells(pages)
    offsets: dict[tuple[int, int], int] = {}
    page_texts, at, cids = [], 0, 0
    for p, printed in enumerate(texts):
        read, n = unmapped_glyphs(printed)
        cids += n
        k = at
        for i, line in enumerate(read + [""]):  # past the last line: the next page's start
            offsets[(p, i)] = k
            k += len(line) + 1
        page_texts.append("\n".join(read))
        at += len(page_texts[-1]) + 1
    text = "\n".join(page_texts)
    if not text.strip():
        raise InputError(Errors.E009.format(path=path))
    glyphs = sum(1 for ch in text if not ch.isspace())
    if cids + private_use(text) > UNMAPPED_SHARE * glyphs:
        raise InputError(Errors.E027.format(n=cids + private_use(text), m=glyphs, path=path))
    return normalise_newlines(text), repaired, cids, [offsets[k] for k in below]
