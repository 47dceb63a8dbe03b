"""A minimal Word 97-2003 (.doc) file around a text, for the robustness harness and the tests.

It holds what a reader of the text needs and nothing else: an OLE compound file (format version 3,
512-byte sectors) with a `WordDocument` stream (the File Information Block, then the text as UTF-16)
and a `1Table` stream holding the piece table that points at the text, and paragraph properties only
to mark where a table row ends. No styles or fonts, so Word itself may refuse it; `xxgk.inputs.doc`
and `olefile` read it. The
text is Word's own: `\\r` ends a paragraph, `\\x07` ends a table cell, `\\x13 … \\x14 … \\x15` is a field.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

SECTOR = 512
MINI_CUTOFF = 4096  # streams shorter than this would go to the mini stream; ours are padded past it
ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
TEXT_FC = 1024  # where the text starts in WordDocument, past the FIB
FIB_RG_FC_LCB_PAIRS = 93  # Word 97's FibRgFcLcb97
CLX_INDEX = 33  # fcClx / lcbClx: the 34th pair
PAPX_INDEX = 13  # fcPlcfBtePapx / lcbPlcfBtePapx: where the paragraph properties' pages are listed
PARAGRAPHS_PER_PAGE = 20  # entries of one 512-byte FKP page: 4 + 13 bytes each, and a PAPX for a row end
BX_SIZE = 13  # an FKP entry's BxPap: the PAPX's offset in words, 12 reserved bytes
# a paragraph's properties as a row end: cb = 3 (5 bytes follow), istd 0, sprmPFTtp (0x2417) = 1
TTP_PAPX = bytes([3, 0, 0]) + struct.pack("<H", 0x2417) + bytes([1])
LID_ZH_CN = 0x0804


def word97_bytes(text: str, row_ends: Iterable[int] = ()) -> bytes:
    """A .doc whose main document is `text` (Word's control characters included); `row_ends` are the
    positions of the `\\x07` marks that end a table row (Word marks their paragraphs as row ends)."""
    # the piece table: one piece, character positions 0 … len(text), its text (UTF-16) at TEXT_FC
    plc = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, TEXT_FC, 0)
    clx = bytes([0x02]) + struct.pack("<I", len(plc)) + plc
    body = text.encode("utf-16-le")
    fkp_at = TEXT_FC + len(body) + (-(TEXT_FC + len(body)) % SECTOR)  # paragraph properties, page-aligned
    pages, bte = _paragraph_pages(text, set(row_ends), fkp_at)
    word = _word_document(text, len(clx), len(clx), len(bte))
    word += bytes(fkp_at - len(word)) + pages
    return _compound({"WordDocument": word, "1Table": clx + bte})


def _paragraph_pages(text: str, row_ends: set[int], at: int) -> tuple[bytes, bytes]:
    """(FKP pages of paragraph properties, the PlcBtePapx pointing at them): every paragraph (ended by a
    paragraph or cell mark) gets an entry; those ending a table row carry sprmPFTtp."""
    ends = [i + 1 for i, ch in enumerate(text) if ch in "\r\x07"]
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    fc = [TEXT_FC + 2 * e for e in ends]
    pages: list[bytes] = []
    first_fcs: list[int] = []
    pns: list[int] = []
    start, k = TEXT_FC, 0
    while k < len(ends):
        page = bytearray(SECTOR)
        crun = min(PARAGRAPHS_PER_PAGE, len(ends) - k)
        rgfc = [start] + fc[k:k + crun]
        struct.pack_into(f"<{crun + 1}I", page, 0, *rgfc)
        top = SECTOR - 1  # PAPX records are laid from the page's end down (byte 511 holds crun)
        for j in range(crun):
            if ends[k + j] - 1 in row_ends:
                top -= len(TTP_PAPX) + (top - len(TTP_PAPX)) % 2
                page[top:top + len(TTP_PAPX)] = TTP_PAPX
                page[4 * (crun + 1) + BX_SIZE * j] = top // 2
        page[SECTOR - 1] = crun
        first_fcs.append(start)
        pns.append((at + SECTOR * len(pages)) // SECTOR)
        pages.append(bytes(page))
        start, k = rgfc[-1], k + crun
    bte = struct.pack(f"<{len(pages) + 1}I", *first_fcs, start) + struct.pack(f"<{len(pns)}I", *pns)
    return b"".join(pages), bte


def _word_document(text: str, lcb_clx: int, fc_papx: int, lcb_papx: int) -> bytes:
    body = text.encode("utf-16-le")
    fib = bytearray(TEXT_FC)
    struct.pack_into("<HHHH", fib, 0, 0xA5EC, 0x00C1, 0, LID_ZH_CN)  # wIdent, nFib, unused, lid
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # fWhichTblStm: the piece table is in 1Table
    struct.pack_into("<H", fib, 0x0C, 0x00BF)  # nFibBack
    struct.pack_into("<H", fib, 32, 14)  # csw: FibRgW97 (14 words, zero)
    struct.pack_into("<H", fib, 62, 22)  # cslw: FibRgLw97 (22 longs)
    struct.pack_into("<ii", fib, 64, TEXT_FC + len(body), 0)  # cbMac
    struct.pack_into("<i", fib, 64 + 4 * 3, len(text))  # ccpText
    struct.pack_into("<H", fib, 152, FIB_RG_FC_LCB_PAIRS)
    struct.pack_into("<II", fib, 154 + 8 * CLX_INDEX, 0, lcb_clx)  # fcClx (start of 1Table), lcbClx
    struct.pack_into("<II", fib, 154 + 8 * PAPX_INDEX, fc_papx, lcb_papx)  # fcPlcfBtePapx, lcbPlcfBtePapx
    return bytes(fib) + body


def _compound(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (v3) holding the streams, each in regular sectors."""
    padded = []
    for data in streams.values():
        size = max(len(data), MINI_CUTOFF)
        size += -size % SECTOR
        padded.append(data + bytes(size - len(data)))
    stream_sectors = [len(d) // SECTOR for d in padded]
    n_fat = 1
    while True:  # FAT sectors + 1 directory sector + the streams, 128 FAT entries a sector
        total = n_fat + 1 + sum(stream_sectors)
        if n_fat * (SECTOR // 4) >= total:
            break
        n_fat += 1
    fat = [FATSECT] * n_fat + [ENDOFCHAIN]  # the FAT sectors, then the directory's one sector
    starts = []
    for count in stream_sectors:
        first = len(fat)
        starts.append(first)
        fat += [first + k + 1 for k in range(count - 1)] + [ENDOFCHAIN]
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    names = list(streams)
    assert len(names) == 2, "the directory tree below is written for two streams"
    # the greater name under the root, the lesser its left sibling (names sort by length, then upper case)
    lesser, greater = sorted(range(2), key=lambda k: (len(names[k]), names[k].upper()))
    entries = [_entry("Root Entry", 5, child=greater + 1, start=ENDOFCHAIN, size=0)]
    for k, name in enumerate(names):
        left = lesser + 1 if k == greater else NOSTREAM
        entries.append(_entry(name, 2, left=left, start=starts[k], size=len(padded[k])))
    entries += [bytes(128)] * (SECTOR // 128 - len(entries))
    header = bytearray(SECTOR)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, n_fat, n_fat, 0, MINI_CUTOFF, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    struct.pack_into("<109I", header, 76, *difat)
    body = struct.pack(f"<{len(fat)}I", *fat) + b"".join(entries) + b"".join(padded)
    return bytes(header) + body


def _entry(name: str, kind: int, left: int = NOSTREAM, child: int = NOSTREAM, start: int = 0, size: int = 0) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0"
    e = bytearray(128)
    e[0:len(raw)] = raw
    struct.pack_into("<HBB", e, 64, len(raw), kind, 1)  # name length, object type, black
    struct.pack_into("<III", e, 68, left, NOSTREAM, child)
    struct.pack_into("<IQ", e, 116, start, size)
    return bytes(e)
