"""A minimal OFD (GB/T 33190) around a text, for the robustness harness and the tests.

The page is laid out as the harness's PDF is (`pdfwrite.printed_lines`: paragraphs broken at the page
width, table cells in columns, table 三's outer label running down its rows), then written as an OFD
exporter writes it: each printed piece a `TextObject` in millimetres with its glyphs' advances in
`DeltaX` (runs of equal advances as `g N d`, as exporters compress them); ideographs one em wide,
ASCII half an em, as report fonts set them. Each page also uses a template holding its page number,
as exported reports do: furniture the reader must pass over. No fonts, images or signatures.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from xml.sax.saxutils import escape

from xxgk.evaluation.pdfwrite import FONT_SIZE, LINE_HEIGHT, LINES_PER_PAGE, MARGIN, PAGE_H, PAGE_W, printed_lines

MM = 25.4 / 72  # millimetres per point: OFD measures in millimetres
_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def _advances(piece: str, size: float) -> list[float]:
    return [size if unicodedata.east_asian_width(ch) in ("W", "F") else size / 2 for ch in piece]


def _delta_x(advances: list[float]) -> str:
    """The advances between glyphs (one fewer than glyphs), equal neighbours written as `g N d`."""
    out: list[str] = []
    i = 0
    steps = advances[:-1]
    while i < len(steps):
        j = i
        while j < len(steps) and steps[j] == steps[i]:
            j += 1
        out.append(f"g {j - i} {steps[i]:.3f}" if j - i > 1 else f"{steps[i]:.3f}")
        i = j
    return " ".join(out)


def _text_object(oid: int, x: float, y: float, piece: str, size: float) -> str:
    adv = _advances(piece, size)
    return (f'<ofd:TextObject ID="{oid}" Boundary="{x:.3f} {y:.3f} {sum(adv):.3f} {size * 1.2:.3f}" Font="2" '
            f'Size="{size:.3f}"><ofd:TextCode X="0" Y="{size:.3f}" DeltaX="{_delta_x(adv)}">{escape(piece)}'
            f'</ofd:TextCode></ofd:TextObject>')


def ofd_bytes(text: str, middle: bool = False) -> bytes:
    """An OFD whose pages print `text` (tabs separate the cells of a table row)."""
    lines = printed_lines(text, middle)
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    size = FONT_SIZE * MM
    oid = 10
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_NS} Version="1.0" DocType="OFD">'
                              "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0</ofd:DocID></ofd:DocInfo>"
                              "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        page_refs, templates = [], []
        for n, page in enumerate(pages):
            objs = []
            y: float = MARGIN
            for segments in page:
                y += LINE_HEIGHT
                for x, piece in segments:
                    if piece.strip():
                        oid += 1
                        objs.append(_text_object(oid, x * MM, (y - FONT_SIZE) * MM, piece, size))
            tid = 1000 + n
            oid += 1
            number = _text_object(oid, PAGE_W / 2 * MM, (PAGE_H - MARGIN / 2) * MM, f"- {n + 1} -", size)
            z.writestr(f"Doc_0/Tpls/Tpl_{n}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}><ofd:Content><ofd:Layer ID="{tid}1">'
                       f"{number}</ofd:Layer></ofd:Content></ofd:Page>")
            templates.append(f'<ofd:TemplatePage ID="{tid}" BaseLoc="Tpls/Tpl_{n}/Content.xml"/>')
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}><ofd:Template TemplateID="{tid}"/>'
                       f'<ofd:Content><ofd:Layer ID="{n + 2000}">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>')
            page_refs.append(f'<ofd:Page ID="{n + 3000}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        z.writestr("Doc_0/Document.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_NS}><ofd:CommonData>'
                   f"<ofd:MaxUnitID>{oid}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_W * MM:.1f} "
                   f'{PAGE_H * MM:.1f}</ofd:PhysicalBox></ofd:PageArea>{"".join(templates)}</ofd:CommonData>'
                   f'<ofd:Pages>{"".join(page_refs)}</ofd:Pages></ofd:Document>')
    return buf.getvalue()
