"""Word 97–2003 (.doc, and WPS's .wps, which shares the format) → text.

A .doc is an OLE compound file; its `WordDocument` stream starts with the File Information Block
(FIB), which says where the piece table (`Clx`) lies in the table stream (`0Table` or `1Table`). The
piece table maps the document's character positions onto runs of bytes in `WordDocument`, each
either UTF-16 or 8-bit (cp1252, for runs that hold no other characters). Of the text, only the main
document is kept (`ccpText` characters: not headers, footnotes or comments).

Word's control characters become what the rest of xxgk reads: a paragraph mark or a line/page break
is a line break, a table cell mark is a tab (cells stay apart: a row's figures are never glued), a
table row ends its line (Word marks a row's last mark in the paragraph's properties, sprmPFTtp, read
from the FKP pages the PlcBtePapx lists), a field keeps its shown result and drops its code
(`HYPERLINK "…"`, `PAGE`), pictures and other anchors are dropped. When the paragraph properties
cannot be read, rows run together on a line and the table parsers read them as a one-line body's
(checked on the five HTML reports of the corpus rewritten as Word tables, both ways: the same cells).

Word 6/95 files, encrypted files and OLE files without a Word document (an .xls, a .ppt) are errors
(E024), never read as something else.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Set as AbstractSet

from xxgk.errors import Errors, InputError
from xxgk.text import normalise_newlines

W_IDENT = 0xA5EC  # FibBase.wIdent of every Word binary document
NFIB_WORD97 = 0x00C1  # Word 97 and later; Word 6/95 (nFib 101–105) lay out the FIB differently
F_ENCRYPTED = 0x0100
F_WHICH_TABLE = 0x0200  # FibBase flags: the piece table is in 1Table (else 0Table)
FC_COMPRESSED = 0x40000000  # a piece's fc: 8-bit text at fc/2
CCP_TEXT_INDEX = 3  # FibRgLw97: cbMac, reserved1, reserved2, ccpText, …
CLX_INDEX = 33  # FibRgFcLcb97: the 34th (fc, lcb) pair is fcClx / lcbClx
PAPX_INDEX = 13  # … and the 14th fcPlcfBtePapx / lcbPlcfBtePapx: the pages of paragraph properties
FKP_SIZE = 512
BX_SIZE = 13  # an FKP's BxPap: the PAPX's offset (in words), then 12 reserved bytes
SPRA_SIZE = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # operand bytes by a sprm's spra (6: variable)
TTP_SPRMS = (0x2417, 0x244C)  # sprmPFTtp, sprmPFInnerTtp: the paragraph is a table row's end mark
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
            ccp_text, (fc_clx, lcb_clx), (fc_papx, lcb_papx), flags = _fib(word)
        except (struct.error, ValueError) as e:
            raise InputError(Errors.E024.format(path=path, detail=str(e) or "its header is cut short")) from None
        if flags & F_ENCRYPTED:
            raise InputError(Errors.E024.format(path=path, detail="it is encrypted"))
        table_name = "1Table" if flags & F_WHICH_TABLE else "0Table"
        if not ole.exists(table_name):
            raise InputError(Errors.E024.format(path=path, detail=f"its {table_name} stream is missing"))
        table = ole.openstream(table_name).read()
    try:
        pieces = _piece_table(table[fc_clx:fc_clx + lcb_clx])
        raw = "".join(_piece_text(word, p) for p in pieces)
    except (struct.error, ValueError) as e:
        raise InputError(Errors.E024.format(path=path, detail=f"bad piece table ({e})")) from None
    try:
        rows = _row_ends(word, table[fc_papx:fc_papx + lcb_papx], pieces)
    except (struct.error, ValueError, IndexError):
        rows = set()  # paragraph properties unreadable: rows run together, as without them
    text = _plain(raw[:ccp_text], rows)
    if not text.strip():
        raise InputError(Errors.E002.format(path=path))
    return normalise_newlines(text)


def _fib(word: bytes) -> tuple[int, tuple[int, int], tuple[int, int], int]:
    """(ccpText, (fcClx, lcbClx), (fcPlcfBtePapx, lcbPlcfBtePapx), flags) from the FIB; ValueError when it
    is not a Word 97+ FIB, struct.error when it is cut short."""
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
    clx = struct.unpack_from("<II", word, pos + 2 + 8 * CLX_INDEX)
    papx = struct.unpack_from("<II", word, pos + 2 + 8 * PAPX_INDEX)
    return lw[CCP_TEXT_INDEX], clx, papx, flags


def _piece_table(clx: bytes) -> list[tuple[int, int, int, bool]]:
    """The pieces of the Clx (Prc entries, then the Pcdt): (first character, characters, fc, 8-bit)."""
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
    out = []
    for k in range(n):
        (fc,) = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * k + 2)
        count = cps[k + 1] - cps[k]
        if count <= 0:
            continue
        compressed = bool(fc & FC_COMPRESSED)
        out.append((cps[k], count, (fc & ~FC_COMPRESSED) // 2 if compressed else fc, compressed))
    return out


def _piece_text(word: bytes, piece: tuple[int, int, int, bool]) -> str:
    _, count, fc, compressed = piece
    if compressed:
        return word[fc:fc + count].decode("cp1252", errors="replace")
    return word[fc:fc + 2 * count].decode("utf-16-le", errors="replace")


def _row_ends(word: bytes, plc: bytes, pieces: list[tuple[int, int, int, bool]]) -> set[int]:
    """Character positions of the marks that end a table row: the last character of each paragraph
    whose properties (PAPX, in the FKP pages PlcBtePapx lists) set sprmPFTtp or sprmPFInnerTtp."""
    if len(plc) < 8:
        return set()
    n = (len(plc) - 4) // 8  # n+1 FCs, then n page numbers
    pns = struct.unpack_from(f"<{n}I", plc, 4 * (n + 1))
    ends_fc: set[int] = set()
    for pn in pns:
        page = word[(pn & 0x3FFFFF) * FKP_SIZE:((pn & 0x3FFFFF) + 1) * FKP_SIZE]
        if len(page) < FKP_SIZE:
            continue
        crun = page[FKP_SIZE - 1]
        rgfc = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for j in range(crun):
            offset = 2 * page[4 * (crun + 1) + BX_SIZE * j]
            if offset and _is_row_end(page, offset):
                ends_fc.add(rgfc[j + 1])  # the paragraph ends before this fc: its mark is the last character
    out = set()
    for cp, count, fc, compressed in pieces:
        width = 1 if compressed else 2
        for end in ends_fc:
            if fc < end <= fc + width * count:
                out.add(cp + (end - fc) // width - 1)
    return out


def _is_row_end(page: bytes, offset: int) -> bool:
    """Whether the PAPX at `offset` in an FKP page holds sprmPFTtp / sprmPFInnerTtp set to 1."""
    cb = page[offset]
    if cb:
        start, size = offset + 1, 2 * cb - 1
    else:
        start, size = offset + 2, 2 * page[offset + 1]
    pos, end = start + 2, start + size  # the paragraph's style (istd), then its sprms
    while pos + 2 <= end:
        (op,) = struct.unpack_from("<H", page, pos)
        pos += 2
        spra = op >> 13
        if spra == 6:  # variable length: the first byte says how many follow (sprmTDefTable: 2 bytes)
            length = struct.unpack_from("<H", page, pos)[0] + 1 if op == 0xD608 else page[pos] + 1
        else:
            length = SPRA_SIZE[spra]
        if op in TTP_SPRMS and page[pos]:
            return True
        pos += length
    return False


def _plain(raw: str, row_ends: AbstractSet[int] = frozenset()) -> str:
    """Word's control characters → text; a field keeps its result (nested fields included); a table row
    ends its line (its last cell's tab dropped)."""
    out: list[str] = []
    stack: list[bool] = []  # per open field: True while in its code (before the separator)
    for i, ch in enumerate(raw):
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
        elif i in row_ends:
            if out and out[-1] == "\t":
                out.pop()
            out.append("\n")
        elif ch in _CONTROL:
            out.append(_CONTROL[ch])
        elif ch not in _DROPPED:
            out.append(ch)
    return "".join(out)
