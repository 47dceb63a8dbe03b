"""A minimal PDF around a text, for the robustness harness and the tests: a text layer as a report
exported to PDF has one.

Lines longer than the page is wide are broken where the page ends (as a PDF's paragraphs are). Lines
holding tabs are the rows of a table (`blocks.Table`: one grid, a shorter row's label merged across
the columns it lacks); its first column is wide, the others share the rest. A cell wider than
its column is wrapped inside it, top-aligned (or centred), so a long row label spreads over several
printed lines (as a Word table exported to PDF prints it). A table with two label columns (三、本年度
办理结果 over its rows' own labels) has a narrow outer column whose label runs down the rows it spans,
one character a line, beside their labels and figures, as real PDFs print table 三. A page holds
`LINES_PER_PAGE` printed lines. No page numbers or running heads: page furniture is the harness's `pages` form, so that this
form is one damage.

The font is `STSong-Light`, one of the CJK fonts every PDF reader knows without embedding (Adobe-GB1,
text encoded as UCS-2 through the predefined `UniGB-UCS2-H` CMap), so the file stays small and
carries no font program; pdfminer maps its glyphs back to Unicode. Nothing else (no images, no
metadata).
"""

from __future__ import annotations

import zlib

from xxgk.evaluation.blocks import blocks

PAGE_W, PAGE_H = 595, 842  # A4, points
MARGIN = 50
FONT_SIZE = 10.5  # 五号, the size most reports are set in
LINE_HEIGHT = 1.5 * FONT_SIZE
LINES_PER_PAGE = int((PAGE_H - 2 * MARGIN) // LINE_HEIGHT)
CHARS_PER_LINE = int((PAGE_W - 2 * MARGIN) // FONT_SIZE)  # every glyph is one em wide (the font's DW)
# a font descriptor like the one PDF writers give STSong-Light (readers warn without one)
_DESCRIPTOR = (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
               b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")


def _hex(s: str) -> str:
    # UCS-2: a character outside the Basic Multilingual Plane has no code in UniGB-UCS2-H
    return "<" + "".join(f"{ord(c):04X}" if ord(c) < 0x10000 else "003F" for c in s) + ">"


LABEL_COLUMN = 0.3  # the share of the width a table's first column (the row labels) gets
CELL_PAD = 4.0  # points left free at a cell's right edge
NARROW_COLUMN = FONT_SIZE + CELL_PAD + 1  # a column one character wide


# a line is not broken inside a run of these (a figure, a Latin word), as word processors lay text out
_UNBREAKABLE = set("0123456789.,%+-−ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# nor does a line start with closing punctuation: it hangs at the end of the line before
_NO_LINE_START = set("，。、；：！？）】》”’,.;:!?)")


def _wrap(s: str, width: int) -> list[str]:
    """`s` broken into lines of at most `width` characters (one more for hanging punctuation)."""
    width = max(1, width)
    out: list[str] = []
    while len(s) > width:
        cut = width
        if s[cut] in _UNBREAKABLE:
            k = cut
            while k > 0 and s[k - 1] in _UNBREAKABLE:
                k -= 1
            if k > 0:  # else the run is longer than a line: break it where the line ends
                cut = k
        if s[cut] in _NO_LINE_START:
            cut += 1
        out.append(s[:cut])
        s = s[cut:]
    if s or not out:  # (a hung mark may have taken the last character)
        out.append(s)
    return out


def _run_down(out: list[list[tuple[float, str]]], x: float, group: tuple[int, str] | None) -> None:
    """Print a group's outer label one character a line from the group's first printed line on, beside
    the rows it spans (more lines when it is longer than they are)."""
    if group is None:
        return
    at, label = group
    for k, ch in enumerate(label):
        if at + k == len(out):
            out.append([])
        out[at + k].insert(0, (x, ch))


def printed_lines(text: str, middle: bool = False) -> list[list[tuple[float, str]]]:
    """Printed lines, each a list of (x, text): paragraphs broken at the page width, table rows with
    their cells wrapped inside their columns, top-aligned (or, with `middle`, centred vertically)."""
    inner = PAGE_W - 2 * MARGIN
    out: list[list[tuple[float, str]]] = []
    for block in blocks(text):
        if isinstance(block, str):
            out += [[(MARGIN, piece)] for piece in _wrap(block, CHARS_PER_LINE)]
            continue
        if block.grid == 1:  # tabs with nothing after them: one full-width cell
            widths: list[float] = [float(inner)]
        else:
            first = inner * LABEL_COLUMN if block.grid > 2 else inner / 2
            widths = [first] + [(inner - first) / (block.grid - 1)] * (block.grid - 1)
        narrow = block.grid > 3 and any(len(r) == block.grid and not r[0].strip() and r[1].strip()
                                        for r in block.rows)
        if narrow:
            # two label columns (三、本年度办理结果 over its rows' own labels): the outer one is a
            # narrow column its label runs down, one character a line
            widths = [NARROW_COLUMN, first - NARROW_COLUMN] + widths[1:-1]
        edges = [MARGIN + sum(widths[:k]) for k in range(block.grid + 1)]
        group: tuple[int, str] | None = None  # (first printed line, label) of a label running down rows
        for cells in block.rows:
            cols = block.columns(cells)
            both = narrow and len(cells) == block.grid
            if both and cells[0].strip() and cells[1].strip():  # an outer label starts a group of rows
                _run_down(out, edges[0], group)
                group = (len(out), cells[0].strip())
                cells, cols = cells[1:], cols[1:]  # printed down its rows (close), not in this one
            elif both and not cells[0].strip() and group is not None:  # the group goes on
                cells, cols = cells[1:], cols[1:]
            else:
                _run_down(out, edges[0], group)
                group = None
                if narrow and cols[0] == (0, 1) and len(cells) > 1 and not cells[1].strip():
                    # a label over both label columns (一、本年新收…): one cell across them
                    cells, cols = [cells[0], *cells[2:]], [(0, 2), *cols[2:]]
            xs = [edges[c] for c, _ in cols]
            ws = [edges[c + n] - edges[c] for c, n in cols]
            pieces = [_wrap(c.strip(), int((w - CELL_PAD) // FONT_SIZE)) for c, w in zip(cells, ws)]
            height = max(len(p) for p in pieces)
            if middle:  # a short cell's lines stand in the middle of its row
                pieces = [[""] * ((height - len(p)) // 2) + p for p in pieces]
            for k in range(height):
                out.append([(x, p[k]) for x, p in zip(xs, pieces) if k < len(p)])
        _run_down(out, edges[0], group)
    return out


def _page_stream(lines: list[list[tuple[float, str]]], pictures: frozenset[int] = frozenset()) -> bytes:
    ops = []
    y: float = PAGE_H - MARGIN
    for k, segments in enumerate(lines):
        y -= LINE_HEIGHT
        if k in pictures:  # an image across the text width, in place of the line
            ops.append(f"q {PAGE_W - 2 * MARGIN} 0 0 {LINE_HEIGHT} {MARGIN} {y:.1f} cm /Im1 Do Q")
        for x, piece in segments:
            if piece.strip():
                ops.append(f"BT /F1 {FONT_SIZE} Tf 1 0 0 1 {x:.1f} {y:.1f} Tm {_hex(piece)} Tj ET")
    return zlib.compress("\n".join(ops).encode("ascii"))


def pdf_bytes(text: str, middle: bool = False, pictures: tuple[int, ...] = ()) -> bytes:
    """A PDF whose text layer prints `text` (tabs separate the cells of a table row); with `middle`,
    table cells are centred vertically in their rows, as many reports set them; `pictures`: the printed
    lines (numbered from 0 over the whole document) drawn as an image across the text width (a table
    pasted as a picture), for the tests."""
    lines = printed_lines(text, middle)
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    # objects: 1 catalog, 2 page tree, 3 font, 4 CID font, 5 descriptor, 6 a one-pixel grey image, then a page
    # and its content each
    first_page = 7
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
            b"/DescendantFonts [4 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 >>",
            _DESCRIPTOR,
            b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 "
            b"/Length 1 >>\nstream\n\x80\nendstream"]
    for i, page in enumerate(pages):
        here = frozenset(k - i * LINES_PER_PAGE for k in pictures if 0 <= k - i * LINES_PER_PAGE < len(page))
        stream = _page_stream(page, here)
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << "
                    f"/F1 3 0 R >> /XObject << /Im1 6 0 R >> >> /Contents {first_page + 2 * i + 1} 0 R >>".encode())
        objs.append(f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objs):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
