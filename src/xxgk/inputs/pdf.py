"""PDF → text from its text layer (pdfplumber), one page after another.

The text is pdfplumber's own line by line, with one repair (`inputs.layout`): a table row whose empty
cells left nothing in the text layer is written with tabs, its blanks in place.
"""

from __future__ import annotations

import io

from xxgk.errors import Errors, InputError
from xxgk.inputs.layout import with_blank_cells
from xxgk.text import normalise_newlines


def pdf_to_text(data: bytes, path: str) -> str:
    return read_pdf(data, path)[0]


def read_pdf(data: bytes, path: str) -> tuple[str, int]:
    """The text, and the number of table rows whose empty cells were put back by their columns."""
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
    return normalise_newlines(text), repaired
