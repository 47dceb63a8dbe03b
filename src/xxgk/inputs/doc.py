"""Word 97–2003 (.doc, and WPS's .wps, which shares the format) → text.

A .doc is an OLE compound file; its `WordDocument` stream starts with the File Information Block
(FIB), which says where the piece table (`Clx`) lies in the table stream (`0Table` or `1Table`). The
piece table maps the document's character positions onto runs of bytes in `WordDocument`, each
either UTF-16 or 8-bit (cp1252, for runs that hold no other characters). Of the text, only the main
document is kept (`ccpText` characters: not headers, footnotes or comments).

Word's control characters become what the rest of xxgk reads: a paragraph mark or a line/page break
is a line break, a table cell mark is a tab (cells stay apart: a row's figures are never glued), a
field keeps its shown result and drops its code (`HYPERLINK "…"`, `PAGE`), pictures and other anchors
are dropped. A row's end is not told apart from a cell's (that needs each paragraph's properties), so
a table reads as its cells separated by tabs with the rows run together; the table parsers read the
labels and figures of such a table as they read a one-line body (checked on the five HTML reports of
the corpus rewritten as Word tables: the same cells).

Word 6/95 files, encrypted files and OLE files without a Word document (an .xls, a .ppt) are errors
(E024), never read as something else.
"""

from __future__ import annotations

import io
import struct

from xxgk.errors import Errors, InputError
from xxgk.text import normalise_newlines

W_IDENT = 0xA5EC  # FibBase.wIdent of every Word binary document
NFIB_WORD97 = 0x00C1  # Word 97 and later; Word 6/95 (nFib 101–105) lay out the FIB differently
F_ENCRYPTED = 0x0100
F_WHICH_TABLE = 0x0200  # FibBase flags: the piece table is in 1Table (else 0Table)
FC_COMPRESSED = 0x40000000  # a piece's fc: 8-bit text at fc/2
CCP_TEXT_INDEX = 3  # FibRgLw97: cbMac, reserved1, reserved2, ccpText, …
CLX_INDEX = 33  # FibRgFcLcb97: the 34th (fc, lcb) pair is fcClx / lcbClx
FIELD_BEGIN, FIELD_SEPARATOR, FIELD_END = "\x13", "\x14", "\x15"
# control characters → text: paragraph, line break, page/section break, cell mark; the rest go
_CONTROL = {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x07": "\t", "\x1e": "-", "\x1f": ""}
_DROPPED = {chr(c) for c in range(0x20) if chr(c) not in _CONTROL and chr(c) not in "\t\n"}


def doc_to_text(data: bytes, path: str) -> str:
    import olefile  # a declared dependency; imported here, as the other readers, only when a .doc comes

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as e:  # olefile raises OSError and others on a damaged container
        raise InputError(Errors.E024.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    with ole:
        if not ole.exists("WordDocument"):
            streams = ", ".join("/".join(s) for s in ole.listdir()[:5])
            raise InputError(Errors.E024.format(path=path, detail=f"no Word document in it (streams: {streams})"))
        word = ole.openstream("WordDocument").read()
        try:
            ccp_text, fc_clx, lcb_clx, flags = _fib(word)
        except (struct.error, ValueError) as e:
            raise InputError(Errors.E024.format(path=path, detail=str(e) or "its header is cut short")) from None
        if flags & F_ENCRYPTED:
            raise InputError(Errors.E024.format(path=path, detail="it is encrypted"))
        table_name = "1Table" if flags & F_WHICH_TABLE else "0Table"
        if not ole.exists(table_name):
            raise InputError(Errors.E024.format(path=path, detail=f"its {table_name} stream is missing"))
        table = ole.openstream(table_name).read()
    try:
        raw = "".join(_pieces(word, table[fc_clx:fc_clx + lcb_clx]))
    except (struct.error, ValueError) as e:
        raise InputError(Errors.E024.format(path=path, detail=f"bad piece table ({e})")) from None
    text = _plain(raw[:ccp_text])
    if not text.strip():
        raise InputError(Errors.E002.format(path=path))
    return normalise_newlines(text)


def _fib(word: bytes) -> tuple[int, int, int, int]:
    """(ccpText, fcClx, lcbClx, flags) from the FIB; ValueError when it is not a Word 97+ FIB, struct.error
    when it is cut short."""
    ident, nfib = struct.unpack_from("<HH", word, 0)
    if ident != W_IDENT:
        raise ValueError("its WordDocument stream does not start like a Word document")
    if nfib < NFIB_WORD97:
        raise ValueError(f"Word 6/95 format (nFib {nfib}); save it as .docx or Word 97-2003")
    (flags,) = struct.unpack_from("<H", word, 0x0A)
    pos = 32  # FibBase
    (csw,) = struct.unpack_from("<H", word, pos)
    pos += 2 + 2 * csw  # FibRgW97
    (cslw,) = struct.unpack_from("<H", word, pos)
    lw = struct.unpack_from(f"<{cslw}i", word, pos + 2)
    pos += 2 + 4 * cslw  # FibRgLw97
    (pairs,) = struct.unpack_from("<H", word, pos)
    if pairs <= CLX_INDEX:
        raise ValueError("no piece table in its header")
    fc_clx, lcb_clx = struct.unpack_from("<II", word, pos + 2 + 8 * CLX_INDEX)
    return lw[CCP_TEXT_INDEX], fc_clx, lcb_clx, flags


def _pieces(word: bytes, clx: bytes):
    """The document's text, piece by piece, from the Clx (Prc entries, then the Pcdt)."""
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: formatting of pieces, skipped
        (cb,) = struct.unpack_from("<h", clx, i + 1)
        i += 3 + cb
    if i >= len(clx) or clx[i] != 0x02:
        raise ValueError("no Pcdt")
    (lcb,) = struct.unpack_from("<I", clx, i + 1)
    plc = clx[i + 5:i + 5 + lcb]
    if len(plc) < lcb or lcb < 4:
        raise ValueError("piece table cut short")
    n = (len(plc) - 4) // 12  # n+1 character positions, then n 8-byte piece descriptors
    cps = struct.unpack_from(f"<{n + 1}I", plc, 0)
    for k in range(n):
        (fc,) = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)
        count = cps[k + 1] - cps[k]
        if count <= 0:
            continue
        if fc & FC_COMPRESSED:
            start = (fc & ~FC_COMPRESSED) // 2
            yield word[start:start + count].decode("cp1252", errors="replace")
        else:
            yield word[fc:fc + 2 * count].decode("utf-16-le", errors="replace")


def _plain(raw: str) -> str:
    """Word's control characters → text; a field keeps its result (nested fields included)."""
    out: list[str] = []
    stack: list[bool] = []  # per open field: True while in its code (before the separator)
    for ch in raw:
        if ch == FIELD_BEGIN:
            stack.append(True)
        elif ch == FIELD_SEPARATOR:
            if stack:
                stack[-1] = False
        elif ch == FIELD_END:
            if stack:
                stack.pop()
        elif stack and any(stack):
            continue  # field code: `HYPERLINK "http://…"`, `PAGE`, `TOC \o`
        elif ch in _CONTROL:
            out.append(_CONTROL[ch])
        elif ch not in _DROPPED:
            out.append(ch)
    return "".join(out)
