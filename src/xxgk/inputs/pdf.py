"""PDF → text from its text layer (pdfplumber), one page after another."""

from __future__ import annotations

import io

from xxgk.errors import Errors, InputError
from xxgk.text import normalise_newlines


def pdf_to_text(data: bytes, path: str) -> str:
    try:
        import pdfplumber
    except ImportError as e:  # pragma: no cover - declared dependency
        raise InputError(Errors.E008.format(path=path, detail=e)) from None
    pages = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                pages.append(page.extract_text() or "")
                page.flush_cache()
    except InputError:
        raise
    except Exception as e:  # pdfminer raises many unrelated types for broken files
        raise InputError(Errors.E008.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(Errors.E009.format(path=path))
    return normalise_newlines(text)
