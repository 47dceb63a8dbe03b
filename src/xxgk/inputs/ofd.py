"""OFD (GB/T 33190, the national fixed-layout format many government sites publish beside or instead
of PDF) → text, one page after another.

An OFD file is a zip: `OFD.xml` names each document's `Document.xml`, which lists its pages; a page's
`Content.xml` places text objects (`TextObject`, in millimetres, y downwards), each holding runs of
glyphs (`TextCode`) with the run's origin (`X`, `Y`) and the advance after each glyph (`DeltaX`,
`DeltaY`; `g 3 3.5` stands for three advances of 3.5). The glyphs are gathered by page, put on printed
lines by their baselines and ordered by x, then read as a PDF's characters are (`inputs.layout`: words
at gaps, a table row's blank cells put back by column). Page templates (running heads, page numbers)
are not read: they are furniture that repeats on every page.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from xxgk.errors import Errors, InputError
from xxgk.inputs.layout import WORD_GAP, with_blank_cells
from xxgk.text import normalise_newlines

# a zip whose parts unpack to more than this is refused before it is read (a report is a few MB)
MAX_UNPACKED = 200 * 2**20
# two glyphs stand on one printed line when their baselines differ by less than this share of the
# larger glyph (a figure centred in its cell sits a little off the label's baseline; the next line is a
# whole line height away)
SAME_LINE = 0.5
# an ASCII glyph (a digit) whose advance the file does not give is taken as half an em, an ideograph
# as a whole one: the widths of the fonts reports are set in
NARROW_ADVANCE = 0.5

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class _Glyph:
    x: float
    y: float  # the baseline, downwards from the page's top
    size: float
    text: str
    advance: float | None  # to the next glyph of its run, when the file gives it


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _numbers(s: str | None) -> list[float]:
    return [float(x) for x in _NUMBER.findall(s or "")]


def _deltas(s: str | None, n: int) -> list[float]:
    """`DeltaX`/`DeltaY` with its `g N d` repeats written out, the first `n` of them (a run of n glyphs
    has n - 1 advances; a repeat count beyond that is not taken at its word)."""
    out: list[float] = []
    words = (s or "").split()
    i = 0
    while i < len(words) and len(out) < n:
        if words[i] == "g" and i + 2 < len(words):
            try:
                out += [float(words[i + 2])] * max(0, min(int(float(words[i + 1])), n - len(out)))
            except (ValueError, OverflowError):
                pass
            i += 3
            continue
        try:
            out.append(float(words[i]))
        except ValueError:
            pass
        i += 1
    return out


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _text_object(obj: ElementTree.Element) -> list[_Glyph]:
    """The glyphs of one TextObject, placed on the page."""
    box = _numbers(obj.get("Boundary"))
    bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
    ctm = _numbers(obj.get("CTM"))
    a, b, c, d, e, f = ctm if len(ctm) == 6 else (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    size = (_numbers(obj.get("Size")) or [3.5])[0] * (abs(a) or 1.0)
    out: list[_Glyph] = []
    x = y = 0.0
    for code in obj:
        if _local(code.tag) != "TextCode" or not code.text:
            continue
        x = float(code.get("X", x))
        y = float(code.get("Y", y))
        dx, dy = _deltas(code.get("DeltaX"), len(code.text)), _deltas(code.get("DeltaY"), len(code.text))
        for i, ch in enumerate(code.text):
            px, py = a * x + c * y + e + bx, b * x + d * y + f + by
            adv = dx[i] * (abs(a) or 1.0) if i < len(dx) else None
            out.append(_Glyph(px, py, size, ch, adv))
            x += dx[i] if i < len(dx) else size / (abs(a) or 1.0) * (1.0 if _wide(ch) else NARROW_ADVANCE)
            y += dy[i] if i < len(dy) else 0.0
    return out


def _lines(glyphs: list[_Glyph]) -> list[dict]:
    """Printed lines of one page in the shape `inputs.layout` reads: the text (a space at each gap wider
    than a word gap) and each character's horizontal extent."""
    rows: list[list[_Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (g.y, g.x)):
        if rows and abs(g.y - rows[-1][0].y) < SAME_LINE * max(g.size, rows[-1][0].size):
            rows[-1].append(g)
        else:
            rows.append([g])
    out = []
    for row in rows:
        row.sort(key=lambda g: g.x)
        chars: list[dict] = []
        text = ""
        for g in row:
            width = g.advance if g.advance and g.advance > 0 else g.size * (1.0 if _wide(g.text) else NARROW_ADVANCE)
            ch = {"text": g.text, "x0": g.x, "x1": g.x + width}
            if chars and chars[-1]["text"].strip() and g.text.strip():
                prev = chars[-1]
                mean = ((prev["x1"] - prev["x0"]) + width) / 2
                if g.x - prev["x1"] > WORD_GAP * mean:
                    text += " "
            chars.append(ch)
            text += g.text
        if text.strip():
            out.append({"text": text.rstrip(), "chars": chars})
    return out


def _part(z: zipfile.ZipFile, name: str, path: str) -> ElementTree.Element:
    name = name.strip().lstrip("/")
    try:
        return ElementTree.fromstring(z.read(name))
    except KeyError:
        raise InputError(Errors.E026.format(path=path, detail=f"no part {name!r}")) from None
    except ElementTree.ParseError as e:
        raise InputError(Errors.E026.format(path=path, detail=f"{name}: {e}")) from None


def _resolve(base: str, loc: str) -> str:
    """A part's location: absolute from the package root when it starts with '/', else beside `base`."""
    loc = loc.strip()
    return loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(base), loc))


def is_ofd(data: bytes) -> bool:
    """A zip holding an `OFD.xml` at its root."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(n.lstrip("/") == "OFD.xml" for n in z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def read_ofd(data: bytes, path: str) -> tuple[str, int]:
    """The text, and the number of table rows whose empty cells were put back by their columns."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputError(Errors.E026.format(path=path, detail=f"not a zip: {e}")) from None
    with z:
        if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
            raise InputError(Errors.E026.format(path=path, detail=f"unpacks to more than {MAX_UNPACKED // 2**20} MB"))
        root = _part(z, "OFD.xml", path)
        docs = [el.text for el in root.iter() if _local(el.tag) == "DocRoot" and el.text]
        if not docs:
            raise InputError(Errors.E026.format(path=path, detail="OFD.xml names no document"))
        pages: list[list[dict]] = []
        try:
            for doc in docs:
                doc_name = _resolve("", doc)
                document = _part(z, doc_name, path)
                for page in (el for el in document.iter() if _local(el.tag) == "Page" and el.get("BaseLoc")):
                    content = _part(z, _resolve(doc_name, page.get("BaseLoc", "")), path)
                    glyphs = [g for obj in content.iter() if _local(obj.tag) == "TextObject"
                              for g in _text_object(obj)]
                    pages.append(_lines(glyphs))
        except (zipfile.BadZipFile, OSError, ValueError, OverflowError, EOFError) as e:  # a damaged member, a bad number
            raise InputError(Errors.E026.format(path=path, detail=f"{type(e).__name__}: {str(e)[:80]}")) from None
    texts, repaired = with_blank_cells(pages)
    text = "\n".join("\n".join(lines) for lines in texts)
    if not text.strip():
        raise InputError(Errors.E026.format(path=path, detail="no text objects (scanned images? xxgk does no OCR)"))
    return normalise_newlines(text), repaired
