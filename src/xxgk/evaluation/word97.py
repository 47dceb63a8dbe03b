"""A minimal Word 97-2003 (.doc) file around a text, for the robustness harness and the tests.

It holds what a reader of the text needs and nothing else: an OLE compound file (format version 3,
512-byte sectors) with a `WordDocument` stream (the File Information Block, then the text as UTF-16)
and a `1Table` stream holding the piece table that points at the text. No styles, fonts or
paragraph properties, so Word itself may refuse it; `xxgk.inputs.doc` and `olefile` read it. The
text is Word's own: `\\r` ends a paragraph, `\\x07` ends a table cell, `\\x13 … \\x14 … \\x15` is a field.
"""

from __future__ import annotations

import struct

SECTOR = 512
MINI_CUTOFF = 4096  # streams shorter than this would go to the mini stream; ours are padded past it
ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
TEXT_FC = 1024  # where the text starts in WordDocument, past the FIB
FIB_RG_FC_LCB_PAIRS = 93  # Word 97's FibRgFcLcb97
CLX_INDEX = 33  # fcClx / lcbClx: the 34th pair
LID_ZH_CN = 0x0804


def word97_bytes(text: str) -> bytes:
    """A .doc whose main document is `text` (Word's control characters included)."""
    # the piece table: one piece, character positions 0 … len(text), its text (UTF-16) at TEXT_FC
    plc = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, TEXT_FC, 0)
    clx = bytes([0x02]) + struct.pack("<I", len(plc)) + plc
    return _compound({"WordDocument": _word_document(text, len(clx)), "1Table": clx})


def _word_document(text: str, lcb_clx: int) -> bytes:
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
