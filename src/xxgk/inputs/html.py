"""HTML → text: the article body as lines, each table row as one tab-separated line.

Tables are read as grids: rowspan/colspan are resolved so every row knows which cells it
holds; a cell continued from the row above is rendered empty (so label columns stay aligned),
a cell continued from the left is not repeated (so a number spanning three columns is read
once).  Navigation chrome (nav, header, footer, menus, breadcrumbs, scripts) is dropped.
"""

from __future__ import annotations

import re

from xxgk.errors import Errors, InputError
from xxgk.text import normalise_newlines, strip_invisible

_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr",
          "table", "blockquote", "pre", "dd", "dt", "dl", "header", "footer", "main", "center", "hr", "form",
          "tbody", "thead", "caption", "figure", "figcaption", "address"}
_DROP_TAGS = {"script", "style", "noscript", "nav", "iframe", "select", "option", "button", "svg", "canvas",
              "template", "object", "embed", "head", "title", "meta", "link", "input", "textarea"}
_CHROME = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|header|head|topbar|top-bar|"
                     r"sidebar|side|share|toolbar|tools|search|login|copyright|banner|location|position|weizhi)(?:$|[\s_-])",
                     re.I)
# a hidden container with this much text that names 政府信息公开 is the report, shown by a script: kept
HIDDEN_REPORT_CHARS = 1000
_HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# an <img> narrower or lower than this (in its width/height attributes or style) is an icon, a bullet or
# a button, not a picture that could hold a table
MIN_PICTURE_PX = 200
# a table cell holding more text than this is a column of a page laid out in a table (a table's row label
# is under 100 characters, the longest ones of table 三 included)
LAYOUT_CELL_CHARS = 400
_STYLE_PX = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.I)


def html_to_text(html: str, path: str) -> tuple[str, list[tuple[int, int]], list[int]]:
    """The page's article as text; the text ranges rendered from its tables; the offsets where its
    pictures (`<img>` large enough to hold a table) stand."""
    try:
        import lxml.html
        from lxml import etree
    except ImportError as e:  # pragma: no cover - declared dependency
        raise InputError(Errors.E016.format(path=path, detail=e)) from None
    html = strip_invisible(html)  # before the table spans are counted: normalising later removes nothing
    if not html.strip():
        raise InputError(Errors.E002.format(path=path))
    try:
        # lxml refuses str input that declares an encoding; strip the declaration
        html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as e:
        raise InputError(Errors.E016.format(path=path, detail=str(e)[:80])) from None
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    for el in list(root.iter()):
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.getparent() is not None:
                el.drop_tree()
            continue
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _DROP_TAGS or (tag in ("header", "footer", "aside")) or _is_hidden(el) or _is_chrome(el):
            if el.getparent() is not None:
                el.drop_tree()
    body = root.find(".//body")
    if body is None:
        body = root
    out = _Renderer()
    if title and title not in " ".join(body.text_content().split()):
        out._emit(title)  # the page title often is the only place the report's title is given
        out._newline()
    out.render(body)
    return out.finish()


def _is_hidden(el) -> bool:
    """An element a browser does not show (`hidden`, `display: none`, `visibility: hidden`): what a hijacked
    mirror hides in a page for search engines, or a number's decoy digits, is not the report's text. A
    page's body, or a container holding the report itself, hidden until a script shows it, is kept."""
    if not (el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or "")):
        return False
    if el.tag.lower() in ("html", "body", "main", "article"):
        return False
    text = el.text_content()
    return len(text) < HIDDEN_REPORT_CHARS or "政府信息公开" not in text


def _is_chrome(el) -> bool:
    if el.tag.lower() in ("body", "html", "table", "tr", "td", "th", "tbody"):
        return False
    ident = " ".join(filter(None, (el.get("id"), el.get("class"), el.get("role"))))
    if not ident or not _CHROME.search(ident):
        return False
    # never drop a container that holds the report itself
    text = el.text_content()
    return len(text) < 400 or "政府信息公开" not in text


class _Renderer:
    def __init__(self):
        self.parts: list[str] = []
        self.len = 0
        self.table_spans: list[tuple[int, int]] = []
        self.pictures: list[int] = []

    def _emit(self, s: str):
        if s and not s.strip(" ") and (not self.parts or self.parts[-1].endswith("\n")):
            return  # no lines of blanks
        if s:
            self.parts.append(s)
            self.len += len(s)

    def _newline(self):
        if self.parts and not self.parts[-1].endswith("\n"):
            self._emit("\n")

    def render(self, el):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "img" and _is_picture(el):
            self.pictures.append(self.len)
        if tag == "table" and _is_layout(el):
            # a page laid out in a table (older sites): each cell is a block of the page, its tables read
            # as tables, not the whole article flattened into one cell
            for tr in (r for r in el.iter("tr") if _nearest_table(r) is el):
                for td in tr:
                    if isinstance(td.tag, str) and td.tag.lower() in ("td", "th"):
                        self._newline()
                        self.render(td)
                        self._newline()
            return
        if tag == "table":
            self._newline()
            start = self.len
            self._table(el)
            self.table_spans.append((start, self.len))
            self._newline()
        else:
            block = tag in _BLOCK
            if block:
                self._newline()
            if el.text:
                self._emit(_flat(el.text) if tag != "pre" else el.text.replace("\r", ""))
            for child in el:
                if isinstance(child.tag, str):
                    self.render(child)
                if child.tail:
                    self._emit(_flat(child.tail))
            if block or tag == "br":
                self._newline()

    def _table(self, table):
        grid = table_grid(table)
        for row in grid:
            cells = []
            for cell in row:
                if cell is None:  # continued from the left: not repeated
                    continue
                text, origin = cell
                cells.append(text if origin else "")
            line = "\t".join(cells).rstrip("\t")
            if line.strip():
                self._emit(line)
                self._emit("\n")

    def finish(self) -> tuple[str, list[tuple[int, int]], list[int]]:
        return normalise_newlines("".join(self.parts)), self.table_spans, self.pictures


def _is_layout(table) -> bool:
    """A table the page is laid out in, not a table of figures: one of its own cells holds a table, or
    more text than a table's cell ever does."""
    for tr in table.iter("tr"):
        if _nearest_table(tr) is not table:
            continue
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            if td.find(".//table") is not None or len(td.text_content()) > LAYOUT_CELL_CHARS:
                return True
    return False


def _is_picture(img) -> bool:
    """An image with a source, not known to be smaller than a table's picture would be."""
    if not (img.get("src") or img.get("data-src")):
        return False
    size = {k.lower(): float(v) for k, v in _STYLE_PX.findall(img.get("style") or "")}
    for name in ("width", "height"):
        raw = str(img.get(name) or "").strip().lower().removesuffix("px")
        if name not in size and raw.replace(".", "", 1).isdigit():
            size[name] = float(raw)
    return all(v >= MIN_PICTURE_PX for v in size.values())


def _flat(s: str) -> str:
    return _SPACES.sub(" ", s.replace("\r", " ").replace("\n", " "))


def table_grid(table) -> list[list]:
    """Rows of the table as a grid: each slot is (text, is_origin) or None for colspan continuation."""
    rows = [tr for tr in table.iter("tr") if _nearest_table(tr) is table]
    grid: list[list] = []
    pending: dict[int, tuple[str, int, bool]] = {}  # column -> (text, rows left, first column of the cell)
    for tr in rows:
        row: list = []
        col = 0

        def fill_pending(row=row):
            nonlocal col
            while col in pending:
                text, left, first = pending[col]
                row.append((text, False) if first else None)
                if left <= 1:
                    del pending[col]
                else:
                    pending[col] = (text, left - 1, first)
                col += 1

        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            fill_pending()
            text = _cell_text(td)
            colspan = _int_attr(td, "colspan")
            rowspan = _int_attr(td, "rowspan")
            row.append((text, True))
            if rowspan > 1:
                pending[col] = (text, rowspan - 1, True)
            for k in range(1, colspan):
                row.append(None)
                if rowspan > 1:
                    pending[col + k] = ("", rowspan - 1, False)
            col += colspan
        fill_pending()
        grid.append(row)
    return grid


def _nearest_table(el):
    p = el.getparent()
    while p is not None and (not isinstance(p.tag, str) or p.tag.lower() != "table"):
        p = p.getparent()
    return p


def _cell_text(td) -> str:
    parts = []
    for t in td.itertext():
        parts.append(t)
    s = " ".join(p.strip() for p in parts if p.strip())
    return _SPACES.sub(" ", s).replace("\t", " ").strip()


def _int_attr(el, name: str) -> int:
    try:
        return max(1, min(100, int(str(el.get(name, "1")).strip() or 1)))
    except ValueError:
        return 1
