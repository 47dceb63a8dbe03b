"""Re-serve a report's text in the damaged forms real scrapes take (the robustness harness).

Each `Form` turns a document's normalised text into the bytes of a file (with its suffix), which
the harness then reads through the ordinary input path (`xxgk.inputs.reading`), exactly as a user's file
would be read. Information-preserving forms keep every figure and label, so a reader that gets
the clean text right must get these right too; lossy forms (`glued`) can make figures ambiguous
and are reported apart. Composite forms put two damages on one page, as scrapes do (a hijacked
mirror's page flattened to one line, a hard-wrapped page with junk lines); they are reported, not
gated: the gate holds each damage alone.

The forms follow what scrapes were seen to do (see `../shared/tools/perturb.py`, which shows them):
re-encoding, traditional characters, Windows line ends, full-width digits, bodies flattened to one
line, hard wraps, spam lines injected between lines (table rows included), letter-spaced lines (a
PDF's justified text), a PDF's page breaks (page number, running head), one `<p>` per line inside
page chrome, crawler JSONL, DOCX, Word 97-2003 .doc, lines indented with no-break spaces, headings
in 【】 or after a bullet, half-width full stops, form feeds for page breaks, radicals for ideographs, mojibake, a JSON string saved with its escapes, HTML
tags and character references left in text, zero-width characters, double-spaced lines, a web-to-markdown converter's output, UTF-16 without BOM.
"""

from __future__ import annotations

import functools
import io
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from html import escape
from typing import Callable

from xxgk.evaluation.blocks import Table, blocks
from xxgk.evaluation.ofdwrite import ofd_bytes
from xxgk.evaluation.pdfwrite import pdf_bytes
from xxgk.evaluation.word97 import word97_bytes

# Width of a hard wrap: scraped pages were seen wrapped at 38 to 60 characters per line.
WRAP_WIDTH = (38, 60)
# Share of lines followed by an injected junk line (about one in eight, as seen on hijacked mirrors).
SPAM_RATE = 0.12
SPAM_LINES = ("澳门新葡京 官方网站", "点击进入 www.example-bet.com", "最新电影 在线观看 免费",
              "彩票开奖结果 实时查询", "加微信 领取红包", "【广告】 特价机票")


@dataclass(frozen=True)
class Form:
    name: str
    description: str
    suffix: str
    lossy: bool
    render: Callable[[str, str, random.Random], bytes]  # (text, doc_id, rng) -> file bytes
    composite: bool = False  # two damages at once: reported, not gated

    @property
    def gated(self) -> bool:
        """Held to the robustness limit: information-preserving, one damage."""
        return not self.lossy and not self.composite


@functools.lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc  # opencc-python-reimplemented, a declared dependency

    return opencc.OpenCC(config)


def to_traditional(s: str) -> str:
    return _opencc("s2t").convert(s)


def big5_bytes(s: str) -> bytes:
    """Traditional characters as a Big5 page has them: Taiwan forms (s2tw, which Big5 encodes: 為 not
    爲), odd spaces as spaces; what Big5 still cannot encode (pinyin tone marks) becomes '?', as a
    real conversion does."""
    import unicodedata

    out = []
    for ch in _opencc("s2tw").convert(s):
        try:
            out.append(ch.encode("big5"))
        except UnicodeEncodeError:
            alt = " " if ch.isspace() else unicodedata.normalize("NFKC", ch)
            out.append(alt.encode("big5", errors="replace"))
    return b"".join(out)


def fullwidth_digits(s: str) -> str:
    return s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


# a figure of four or more digits before a counting unit (the units written here, independently of the
# rules), as pages exported from spreadsheets print it: 108932人次 → 108,932人次; years, dates, phone
# numbers and table runs are not followed by such a unit, so only figures get separators
_COUNTED_FIGURE = re.compile(r"(?<![\d.,])([1-9]\d{3,8})(?=(?:\.\d+)?(?:余|多)?[万千]?(?:余|多)?"
                             r"(?:人次|场次|条|件|篇|期|个|次|份|场|项|部|宗|批|起|则|封))")


# a whole table cell of four or more digits (tab-separated rows, where every cell is one figure)
_CELL_FIGURE = re.compile(r"(?<=\t)([1-9]\d{3,8})(\.\d+)?(?=\t|\n|$)")


def thousands_separators(s: str) -> str:
    s = _CELL_FIGURE.sub(lambda m: f"{int(m.group(1)):,}{m.group(2) or ''}", s)
    return _COUNTED_FIGURE.sub(lambda m: f"{int(m.group(1)):,}", s)


def hard_wrap(s: str, rng: random.Random) -> str:
    width = rng.randint(*WRAP_WIDTH)
    out = []
    for line in s.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out)


def inject_spam(s: str, rng: random.Random, junk: tuple[str, ...] = SPAM_LINES) -> str:
    out = []
    for line in s.split("\n"):
        out.append(line)
        if rng.random() < SPAM_RATE:
            out.append(rng.choice(junk))
    return "\n".join(out)


# Share of lines letter-spaced (a PDF's justified lines: a blank between every two Chinese characters).
LETTER_SPACED_SHARE = 0.3


def letter_spaced(s: str, rng: random.Random) -> str:
    """Some lines with a blank between every two neighbouring non-Latin characters, as a PDF's text
    layer gives justified lines (号 ， 邮 编 ：); figures and table cells (tab or pipe rows) as they are."""
    out = []
    for line in s.split("\n"):
        if rng.random() < LETTER_SPACED_SHARE and "\t" not in line and "|" not in line:
            line = re.sub(r"(?<=[^\x00-\x7f\s])(?=[^\x00-\x7f\s])", " ", line)
        out.append(line)
    return "\n".join(out)


# Lines per page of a PDF's text layer, where a page number and the running head fall.
PAGE_LINES = 25


def page_breaks(s: str) -> str:
    """A PDF's page furniture every PAGE_LINES lines, tables included: the page number (`- 3 -`) and
    the report's title as the next page's running head."""
    lines = s.split("\n")
    head = next((ln.strip() for ln in lines if "报告" in ln), "")[:40]
    out = []
    for k, line in enumerate(lines):
        out.append(line)
        if k and k % PAGE_LINES == 0:
            out += [f"- {k // PAGE_LINES} -"] + ([head] if head else [])
    return "\n".join(out)


def _html_table(table: Table) -> str:
    """A <table> of a block's rows: a shorter row's label with colspan (`Table.columns`), and a row's
    leading empty cells under a cell of the same width folded into it as rowspan, as report pages
    write a label over several rows (三、本年度办理结果)."""
    grid_rows: list[list[dict]] = []
    above: dict[tuple[int, int], dict] = {}  # (first column, width) → the cell last placed there
    for cells in table.rows:
        lead = next((k for k, c in enumerate(cells) if c.strip()), len(cells))
        row: list[dict] = []
        for k, ((col, n), text) in enumerate(zip(table.columns(cells), cells)):
            if k < lead and (col, n) in above:
                above[(col, n)]["rowspan"] += 1
                continue
            td = {"text": text, "colspan": n, "rowspan": 1}
            row.append(td)
            above = {key: v for key, v in above.items() if key[0] + key[1] <= col or key[0] >= col + n}
            above[(col, n)] = td
        grid_rows.append(row)

    def cell(td: dict) -> str:
        span = (f' colspan="{td["colspan"]}"' if td["colspan"] > 1 else "") + \
            (f' rowspan="{td["rowspan"]}"' if td["rowspan"] > 1 else "")
        return f"<td{span}>{escape(td['text'])}</td>"

    return "<table border='1'>" + "\n".join("<tr>" + "".join(map(cell, r)) + "</tr>" for r in grid_rows) + "</table>\n"


def html_page(s: str, title: str) -> str:
    """`s` as a web page: a <p> per line, each run of tab-separated lines a <table> (`_html_table`),
    inside a site's chrome."""
    parts: list[str] = []
    for block in blocks(s):
        if isinstance(block, str):
            if block.strip():
                parts.append(f"<p>{escape(block)}</p>\n")
        else:
            parts.append(_html_table(block))
    paras = "".join(parts)
    nav = "".join(f'<li><a href="/n{i}">栏目{i}</a></li>' for i in range(12))
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
            f"<body><div class='nav'><ul>{nav}</ul></div>"
            f"<div class='crumb'>首页 &gt; 政府信息公开 &gt; 年度报告</div>"
            f"<div class='article'>{paras}</div>"
            f"<div class='footer'>主办单位：本站 网站标识码 0000000000</div></body></html>")


# Share of paragraphs and table rows followed by a hidden block of a hijacked mirror's spam.
HIDDEN_SPAM_RATE = 0.3


def hidden_spam_page(s: str, title: str, rng: random.Random) -> str:
    """`html_page` with spam a hijacked mirror hides for search engines after some paragraphs
    (`display:none`) and table rows (a hidden row with a figure), as browsers do not show it."""
    def after_p(m: re.Match) -> str:
        if rng.random() >= HIDDEN_SPAM_RATE:
            return m.group(0)
        return m.group(0) + f'<div style="display:none">{rng.choice(SPAM_LINES)} 2019年度报告 12345条</div>'

    def after_tr(m: re.Match) -> str:
        if rng.random() >= HIDDEN_SPAM_RATE:
            return m.group(0)
        return m.group(0) + f'<tr style="display: none"><td>{rng.choice(SPAM_LINES)}</td><td>88</td></tr>'

    return re.sub(r"</tr>", after_tr, re.sub(r"</p>", after_p, html_page(s, title)))


def layout_table_page(s: str, title: str) -> str:
    """`html_page` as older sites lay a page out: in a table, a column of links beside the article's cell."""
    page = html_page(s, title)
    a, b = page.index("<body>") + len("<body>"), page.rindex("</body>")
    links = "".join(f'<a href="/c{i}">栏目{i}</a><br>' for i in range(6))
    return (page[:a] + f'<table width="980" border="0"><tr><td width="200" valign="top">{links}</td>'
            f'<td valign="top">{page[a:b]}</td></tr></table>' + page[b:])


# a DOCX made from a template holds its parts in content controls: this many blocks to a control
CONTROL_BLOCKS = 4


def docx_bytes(s: str, controls: bool = False) -> bytes:
    """A DOCX of `s`: a paragraph per line, and each run of tab-separated lines a Word table (`blocks`:
    a shorter row's first cell merged across the columns it lacks). With `controls`, as a document made
    from a template: every other run of `CONTROL_BLOCKS` paragraphs and tables inside a content control
    (`w:sdt`), and each paragraph's runs inside an inline one."""
    import docx
    from docx.oxml import OxmlElement

    def control(elements: list) -> None:
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        sdt.append(content)
        elements[0].addprevious(sdt)
        for el in elements:
            content.append(el)

    d = docx.Document()
    for block in blocks(s):
        if isinstance(block, str):
            d.add_paragraph(block)
            continue
        table = d.add_table(rows=len(block.rows), cols=block.grid)
        for r, cells in enumerate(block.rows):
            out = table.rows[r].cells
            for (col, n), text in zip(block.columns(cells), cells):
                if n > 1:
                    out[col].merge(out[col + n - 1])
                out[col].text = text
    if controls:
        body = d.element.body
        kids = [k for k in body.iterchildren() if k.tag.rsplit("}", 1)[-1] in ("p", "tbl")]
        for p in (k for k in kids if k.tag.endswith("}p")):
            runs = [r for r in p.iterchildren() if r.tag.endswith("}r")]
            if runs:
                control(runs)
        for k in range(0, len(kids), 2 * CONTROL_BLOCKS):
            control(kids[k:k + CONTROL_BLOCKS])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def doc_bytes(s: str) -> bytes:
    """A Word 97-2003 file of `s` as Word stores it: a paragraph per line (`\\r`), and a tab-separated line a
    table row, each cell ended by a cell mark and the row by one more, marked as a row end."""
    out: list[str] = []
    row_ends: list[int] = []
    pos = 0
    for line in s.split("\n"):
        if "\t" in line:
            part = "".join(cell + "\x07" for cell in line.rstrip("\t ").split("\t"))
            row_ends.append(pos + len(part))
            part += "\x07"
        else:
            part = line + "\r"
        out.append(part)
        pos += len(part)
    return word97_bytes("".join(out), row_ends)


# a line a web-to-markdown converter makes a heading: short, and starting with a section's or
# subsection's enumerator (the <h2>/<strong> of the page it converts)
MD_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十]+部分)")
MD_HEADING_MAX_CHARS = 30
# what such converters escape: markup characters anywhere, and a line start that would read as a list
_MD_INLINE = re.compile(r"([*_`\[\]|])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+#>])|(\d+)(?=\.))")


def _heading_line(line: str) -> bool:
    """A line a converter or a repost treats as a heading (`MD_HEADING`, short, no figures)."""
    return bool(MD_HEADING.match(line)) and len(line.strip()) <= MD_HEADING_MAX_CHARS and not re.search(r"\d", line)


def decorated(s: str, rng: random.Random) -> str:
    """`s` as a repost dresses its headings (the lines `markdown` makes headings): each in 【…】 or after a
    bullet (■ ), one style a page."""
    bracket = rng.random() < 0.5
    return "\n".join((f"【{ln.strip()}】" if bracket else f"■ {ln.strip()}") if _heading_line(ln) else ln
                     for ln in s.split("\n"))


def _md_cells(table: Table, row: list[str]) -> list[str]:
    """A row's cells on the table's grid: a shorter row's label, then the empty cells it spans."""
    return [row[0]] + [""] * (table.grid - len(row)) + row[1:]


def markdown(s: str, rng: random.Random) -> str:
    """`s` as a web-to-markdown converter (html2text, markdownify, a reader API) writes the page: blank
    lines between paragraphs; enumerated short lines without figures as headings (`## ` or `**…**`, one
    style a page); markup characters and list-like line starts escaped (`\\*`, `\\-185`, `1\\.`); and each run of
    tab-separated lines a pipe table, its first row the header, a `| --- |` rule under it, a shorter
    row's label followed by the empty cells of the columns it spans."""
    bold = rng.random() < 0.5
    out: list[str] = []
    for block in blocks(s):
        if isinstance(block, Table):
            rows = ["| " + " | ".join(_MD_INLINE.sub(r"\\\1", c.strip()) for c in _md_cells(block, r)) + " |"
                    for r in block.rows]
            out.append("\n".join([rows[0], "|" + " --- |" * block.grid] + rows[1:]))
            continue
        line = block.strip()
        if not line:
            continue
        line = _MD_LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\"),
                                  _MD_INLINE.sub(r"\\\1", line))
        if _heading_line(line):
            line = f"**{line}**" if bold else f"## {line}"
        out.append(line)
    return "\n\n".join(out) + "\n"


_ENTITY_FOR = {"“": "&ldquo;", "”": "&rdquo;", "—": "&mdash;", "。": "&#12290;", "&": "&amp;"}


def html_entities(s: str) -> str:
    """`s` as a scrape that stripped a page's tags but kept its character references writes it."""
    s = "".join(_ENTITY_FOR.get(c, c) for c in s)
    return re.sub(r"(?m)^(?=\S)", "&nbsp;" * 4, s)


def leftover_tags(s: str, rng: random.Random) -> str:
    """`s` with the tags a careless scrape leaves: a line as a paragraph (`<p>…</p>`) or ended by `<br>`,
    and now and then a run of Chinese characters inside a styled `<span>`."""
    def spans(line: str) -> str:
        return re.sub(r"[\u4e00-\u9fff]{2,6}", lambda m: f"<span style='font-family:宋体'>{m.group()}</span>"
                      if rng.random() < 0.2 else m.group(), line)

    return "\n".join(line if not line.strip() else f"<p>{spans(line)}</p>" if rng.random() < 0.3
                     else f"{spans(line)}<br>" for line in s.split("\n"))


def form_feeds(s: str) -> str:
    """`s` with every PAGE_LINES-th line break a form feed (a text extractor's page break)."""
    lines = s.split("\n")
    return "".join(line + ("" if k == len(lines) - 1 else "\f" if (k + 1) % PAGE_LINES == 0 else "\n")
                   for k, line in enumerate(lines))


@functools.lru_cache(maxsize=1)
def _radical_lookalikes() -> dict[int, str]:
    """Each ideograph that a Kangxi radical or a simplified radical shows → that radical."""
    from xxgk.text import SIMPLIFIED_RADICALS

    table = {ord(unicodedata.normalize("NFKC", chr(cp))): chr(cp) for cp in range(0x2F00, 0x2FD6)}
    table.update({ord(ideograph): radical for radical, ideograph in SIMPLIFIED_RADICALS.items()})
    return table


def radicals(s: str) -> str:
    """`s` with every ideograph that has a radical look-alike written as that radical (⼀、总体情况, ⾏政, ⻓期),
    as the text layer of a PDF whose font maps those glyphs to the radicals' code points gives it."""
    return s.translate(_radical_lookalikes())


def mojibake(s: str) -> str:
    """`s`'s UTF-8 bytes read as Windows-1252, as a Western system shows them (its five undefined bytes
    passed through as the code points of the same number)."""
    out = []
    for b in s.encode("utf-8"):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


# Share of characters followed by an invisible one in the `zerowidth` form (a site that marks copies
# puts one every few characters).
ZERO_WIDTH_RATE = 0.15
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def zero_width(s: str, rng: random.Random) -> str:
    return "".join(c + (rng.choice(ZERO_WIDTH) if rng.random() < ZERO_WIDTH_RATE else "") for c in s)


def one_line(s: str) -> str:
    return re.sub(r"\s*\n\s*", " ", s)


def box_rules(s: str) -> str:
    """Each table row with its cells between box-drawing rules (`│规章│0│1│12│`), as text converters draw
    tables."""
    return "\n".join("│" + "│".join(line.split("\t")) + "│" if "\t" in line else line for line in s.split("\n"))


def _two_encodings(s: str) -> bytes:
    lines = s.split("\n")
    k = max(1, len(lines) // 3)
    return ("\n".join(lines[:k]) + "\n").encode("utf-8") + "\n".join(lines[k:]).encode("gb18030")


_REPORT_TITLE = re.compile(r"([\u4e00-\u9fff]{2,30}?)((?:19|20)\d\d)\s*年度?政府信息公开工作年度报告")


def related_links(s: str) -> str:
    """`s` followed by the links a government page puts under an article: the previous and next articles
    and a list of related ones, other years' reports of the same body among them."""
    m = _REPORT_TITLE.search(s[:2000])
    body, year = (m.group(1), int(m.group(2))) if m else ("某县人民政府", 2022)
    return (s + f"\n上一篇：{body}{year - 1}年政府信息公开工作年度报告\n下一篇：{body}关于印发{year + 1}年政务公开工作要点的"
            f"通知\n相关链接\n{body}{year - 2}年政府信息公开工作年度报告\n{body}{year - 3}年度政府信息公开工作年度报告\n"
            "【打印本页】【关闭窗口】")


def _utf8(s: str) -> bytes:
    return s.encode("utf-8")


FORMS: dict[str, Form] = {f.name: f for f in (
    Form("gb18030", "GB18030 bytes", ".txt", False, lambda s, i, r: s.encode("gb18030")),
    Form("big5", "traditional characters, Big5 bytes", ".txt", False,
         lambda s, i, r: big5_bytes(s)),
    Form("trad", "traditional characters, UTF-8", ".txt", False, lambda s, i, r: _utf8(to_traditional(s))),
    Form("crlf", "Windows line ends", ".txt", False, lambda s, i, r: _utf8(s.replace("\n", "\r\n"))),
    Form("fullwidth", "full-width digits (０-９)", ".txt", False, lambda s, i, r: _utf8(fullwidth_digits(s))),
    Form("thousands", "figures before a counting unit and table cells written with thousands separators "
         "(108,932人次, 5,949.08)", ".txt",
         False, lambda s, i, r: _utf8(thousands_separators(s))),
    Form("oneline", "every line break turned into one space", ".txt", False, lambda s, i, r: _utf8(one_line(s))),
    Form("wrap", "hard-wrapped at 38-60 characters", ".txt", False, lambda s, i, r: _utf8(hard_wrap(s, r))),
    Form("spam", "junk lines injected between lines, table rows included", ".txt", False,
         lambda s, i, r: _utf8(inject_spam(s, r))),
    Form("spaced", "letter-spaced lines (a PDF's justified text: a blank between every two Chinese characters)",
         ".txt", False, lambda s, i, r: _utf8(letter_spaced(s, r))),
    Form("pages", "a PDF's page breaks every 25 lines, tables included: page number and running head", ".txt",
         False, lambda s, i, r: _utf8(page_breaks(s))),
    Form("html", "one <p> per line, table rows in <table>s, inside page chrome", ".html", False,
         lambda s, i, r: _utf8(html_page(s, i))),
    Form("hidden", "the HTML page with a hijacked mirror's spam hidden after some paragraphs and table rows "
         "(display:none)", ".html", False, lambda s, i, r: _utf8(hidden_spam_page(s, i, r))),
    Form("links", "the page's links after the article: previous and next articles, related ones (other years' "
         "reports of the same body)", ".txt", False, lambda s, i, r: _utf8(related_links(s))),
    Form("layout", "the HTML page laid out in a table, as older sites do: links in one cell, the article and its "
         "tables in another", ".html", False, lambda s, i, r: _utf8(layout_table_page(s, i))),
    Form("jsonl", "crawler JSONL line (id, url, text)", ".jsonl", False,
         lambda s, i, r: _utf8(json.dumps({"id": i, "url": f"http://example.invalid/{i}", "text": s},
                                          ensure_ascii=False) + "\n")),
    Form("docx", "DOCX, one paragraph per line, table rows in Word tables", ".docx", False,
         lambda s, i, r: docx_bytes(s)),
    Form("docx-controls", "DOCX made from a template: parts of it inside content controls, block and inline",
         ".docx", False, lambda s, i, r: docx_bytes(s, controls=True)),
    Form("doc", "Word 97-2003 .doc, one paragraph per line, table rows in Word tables", ".doc", False,
         lambda s, i, r: doc_bytes(s)),
    Form("pdf", "PDF text layer: lines broken at the page width, table cells drawn in columns, 47 lines a page",
         ".pdf", False, lambda s, i, r: pdf_bytes(s)),
    Form("pdf-centred", "the same PDF with table cells centred vertically (figures beside the middle line of a "
         "long label)", ".pdf", False, lambda s, i, r: pdf_bytes(s, middle=True)),
    Form("ofd", "OFD (GB/T 33190) laid out as the PDF: text objects in millimetres, glyph advances, a page "
         "number in each page's template", ".ofd", False, lambda s, i, r: ofd_bytes(s)),
    Form("nbsp", "every line indented with no-break spaces (a page's &nbsp; indents, kept by the scrape)", ".txt",
         False, lambda s, i, r: _utf8(re.sub(r"(?m)^(?=\S)", "\u00a0" * 4, s))),
    Form("decorated", "enumerated heading lines dressed as reposts dress them: 【一、总体情况】 or ■ 一、总体情况",
         ".txt", False, lambda s, i, r: _utf8(decorated(s, r))),
    Form("halfstop", "every 。 written as a half-width full stop '.' (pipelines that make punctuation half-width)",
         ".txt", False, lambda s, i, r: _utf8(s.replace("。", "."))),
    Form("formfeed", "a page break written as a form feed in place of every 25th line break, as text extractors "
         "write it", ".txt", False, lambda s, i, r: _utf8(form_feeds(s))),
    Form("radicals", "ideographs with a radical look-alike written as the radical (⼀ for 一, ⾏ for 行, ⻓ for 长), "
         "as some PDF fonts' text layers give them", ".txt", False, lambda s, i, r: _utf8(radicals(s))),
    Form("mojibake", "UTF-8 bytes read as Windows-1252 and saved again (平潭 as å¹³æ½­)", ".txt", False,
         lambda s, i, r: _utf8(mojibake(s))),
    Form("escaped", "the page as a JSON string saved as it was: one line, breaks written \\n, tabs \\t", ".txt",
         False, lambda s, i, r: _utf8(s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t"))),
    Form("tags", "HTML tags left in the text by a scrape that did not take the page apart: <br> at line ends, "
         "<p>…</p> around some lines, <span …> around some words", ".txt", False, lambda s, i, r: _utf8(leftover_tags(s, r))),
    Form("entities", "HTML character references left in the text by a scrape that stripped the tags: &nbsp; "
         "indents, &ldquo;…&rdquo; quotes, &mdash;, &#12290; for 。", ".txt", False,
         lambda s, i, r: _utf8(html_entities(s))),
    Form("zerowidth", "zero-width spaces and joiners sprinkled through the text (editors' leftovers, copy marks)",
         ".txt", False, lambda s, i, r: _utf8(zero_width(s, r))),
    Form("double", "double-spaced: a blank line after every line", ".txt", False,
         lambda s, i, r: _utf8(s.replace("\n", "\n\n"))),
    Form("markdown", "a web-to-markdown converter's output: paragraphs apart, enumerated headings as ## or **bold**, "
         "markup escaped, tables as pipe tables with a header rule", ".md", False,
         lambda s, i, r: _utf8(markdown(s, r))),
    Form("boxrules", "table rows with their cells between box-drawing rules (│规章│0│1│12│), as text converters "
         "draw tables", ".txt", False, lambda s, i, r: _utf8(box_rules(s))),
    Form("utf16", "UTF-16-LE without BOM", ".txt", False, lambda s, i, r: s.encode("utf-16-le")),
    Form("mixed", "the first third of the lines UTF-8, the rest GB18030 (a page template and an article stored "
         "apart)", ".txt", False, lambda s, i, r: _two_encodings(s)),
    Form("mojibake-gbk", "UTF-8 read as GBK and saved again (鏀垮簻淇℃伅 for 政府信息; lossy: bytes lost where a "
         "character broke)", ".txt", True,
         lambda s, i, r: _utf8(s.encode("utf-8").decode("gb18030", errors="replace"))),
    Form("glued", "line breaks removed with no separator (lossy: table digits run together)", ".txt", True,
         lambda s, i, r: _utf8(re.sub(r"\s*\n\s*", "", s))),
    # two damages at once
    Form("spam+oneline", "junk lines, then flattened to one line (a hijacked mirror's page as a one-line body)",
         ".txt", False, lambda s, i, r: _utf8(one_line(inject_spam(s, r))), composite=True),
    Form("spam+wrap", "junk lines in a page hard-wrapped at 38-60 characters", ".txt", False,
         lambda s, i, r: _utf8(hard_wrap(inject_spam(s, r), r)), composite=True),
    Form("trad+wrap", "traditional characters, hard-wrapped", ".txt", False,
         lambda s, i, r: _utf8(hard_wrap(to_traditional(s), r)), composite=True),
    Form("html+spam", "one <p> per line inside page chrome, junk paragraphs among them", ".html", False,
         lambda s, i, r: _utf8(html_page(inject_spam(s, r), i)), composite=True),
    Form("wrap+oneline", "hard-wrapped, then flattened to one line (lossy: a wrap inside a figure becomes a space)",
         ".txt", True, lambda s, i, r: _utf8(one_line(hard_wrap(s, r))), composite=True),
)}

# the gated forms (information-preserving, one damage each), the lossy ones, the composite ones
PRESERVING = tuple(n for n, f in FORMS.items() if f.gated)
LOSSY = tuple(n for n, f in FORMS.items() if f.lossy)
COMPOSITE = tuple(n for n, f in FORMS.items() if f.composite)


def render(form: str, text: str, doc_id: str, seed: int = 0) -> tuple[str, bytes]:
    """(suffix, bytes) of `text` served in `form`; the same seed and doc_id give the same bytes."""
    f = FORMS[form]
    rng = random.Random(f"{seed}:{form}:{doc_id}")
    return f.suffix, f.render(text, doc_id, rng)
