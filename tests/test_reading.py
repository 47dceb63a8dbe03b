"""Reading and decoding: every kind of input becomes text, or a clear error naming the file."""

import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xxgk.errors import InputError
from xxgk.inputs.reading import decode_bytes, iter_inputs, load_item

SAMPLE = "淮安市人民政府2024年政府信息公开工作年度报告\n一、总体情况\n（一）主动公开情况。全年主动公开政府信息5500余条。\n"


@pytest.mark.parametrize("encoding,prefix", [
    ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b""), ("gb2312", b""),
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("big5", b""),
])
def test_encodings_are_detected_not_assumed(encoding, prefix):
    text = SAMPLE * 3
    if encoding == "big5":
        text = "淮安市人民政府2024年政府資訊公開工作年度報告\n一、總體情況\n主動公開政府資訊5500餘條，依申請公開辦理情況良好。\n" * 3
    data = prefix + text.encode(encoding)
    dec = decode_bytes(data, ".txt", "x.txt")
    assert dec.text.strip() == text.strip()
    assert dec.sha256 and len(dec.sha256) == 64


def test_utf8_cut_mid_character_keeps_utf8():
    data = (SAMPLE * 20).rstrip().encode("utf-8")[:-1]  # a page cut inside its last character
    dec = decode_bytes(data, ".txt", "cut.txt")
    assert dec.text.startswith("淮安市人民政府")
    assert any(w.startswith("W102") for w in dec.warnings)


def test_line_endings_unified_controls_blanked():
    dec = decode_bytes("一、总体情况\r\n二、\x00x\r".encode(), ".txt", "x.txt")
    assert dec.text == "一、总体情况\n二、 x\n"


@pytest.mark.parametrize("data,code", [
    (b"", "E002"), (b"   \n\n ", "E002"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "E003"),
    (b"\x00\x01\x02\x03" * 400, "E003"), (b"%PDF-1.4 garbage that is not a pdf", "E008"),
])
def test_bad_bytes_fail_with_a_catalogued_error(data, code):
    with pytest.raises(InputError) as e:
        decode_bytes(data, ".txt", "bad.txt")
    assert e.value.message.startswith(code)
    assert "bad.txt" in e.value.message


def test_pdf_suffix_with_other_content():
    with pytest.raises(InputError) as e:
        decode_bytes(b"hello world", ".pdf", "x.pdf")
    assert e.value.message.startswith("E008")


def test_docx_tables_and_paragraphs_in_order(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph("某某县2022年政府信息公开工作年度报告")
    d.add_paragraph("二、主动公开政府信息情况")
    table = d.add_table(rows=2, cols=4)
    for i, v in enumerate(["规章", "1", "0", "11"]):
        table.rows[0].cells[i].text = v
    merged = table.rows[1].cells[0].merge(table.rows[1].cells[1])
    merged.text = "行政规范性文件"
    table.rows[1].cells[2].text = "8"
    table.rows[1].cells[3].text = "66"
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    buf = io.BytesIO()
    d.save(buf)
    dec = decode_bytes(buf.getvalue(), ".docx", "r.docx")
    lines = dec.text.split("\n")
    assert lines[0] == "某某县2022年政府信息公开工作年度报告"
    assert "规章\t1\t0\t11" in lines
    assert "行政规范性文件\t8\t66" in lines  # a merged cell is read once
    assert lines[-1] == "三、收到和处理政府信息公开申请情况"


def test_broken_docx_is_a_clear_error():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a word document")
    with pytest.raises(InputError) as e:
        decode_bytes(buf.getvalue(), ".docx", "broken.docx")
    assert e.value.message.startswith("E010") and "broken.docx" in e.value.message


def test_html_grid_rowspan_colspan_and_chrome():
    html = """<html><head><title>某市2022年政府信息公开工作年度报告</title></head><body>
    <div class="breadcrumb">首页 &gt; 信息公开 一、总体情况</div><nav>菜单 二、主动公开政府信息情况</nav>
    <div id="content"><p>一、总体情况</p>
    <table><tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>5</td><td>1</td></tr>
    <tr><td>（三）不予公开</td><td>1.属于国家秘密</td><td>0</td><td>2</td></tr>
    <tr><td>行政许可</td><td colspan="3">11398889</td></tr></table></div>
    <script>var a = "二、主动公开政府信息情况";</script></body></html>"""
    dec = decode_bytes(html.encode(), ".html", "x.html")
    lines = dec.text.split("\n")
    assert lines[0] == "某市2022年政府信息公开工作年度报告"
    assert "首页" not in dec.text and "菜单" not in dec.text and "var a" not in dec.text
    assert "三、本年度办理结果\t（一）予以公开\t5\t1" in lines
    assert "\t（三）不予公开\t1.属于国家秘密\t0\t2" in lines  # rowspan continuation kept empty
    assert "行政许可\t11398889" in lines  # colspan not repeated
    assert dec.html_spans and dec.kind == "html"


def test_html_declared_gbk():
    html = '<html><head><meta charset="gbk"></head><body><p>一、总体情况 政府信息公开</p></body></html>'
    dec = decode_bytes(html.encode("gbk"), ".htm", "x.htm")
    assert "一、总体情况" in dec.text


def test_jsonl_lines(tmp_path):
    p = tmp_path / "crawl.jsonl"
    p.write_text("\n".join([
        json.dumps({"id": "a-1", "url": "http://x/1", "text": "一、总体情况"}, ensure_ascii=False),
        "{not json",
        json.dumps({"url": "http://x/3", "html": "<p>二、主动公开政府信息情况</p>"}, ensure_ascii=False),
        json.dumps({"id": 7, "title": "no body"}),
        "",
        json.dumps(["a list"]),
    ]) + "\n", encoding="utf-8")
    items = list(iter_inputs([str(p)]))
    assert [i.doc_id for i in items] == ["a-1", "crawl:2", "crawl:3", "7", "crawl:6"]
    assert items[0].url == "http://x/1" and items[0].source.endswith("crawl.jsonl#L1")
    assert load_item(items[0]).text == "一、总体情况"
    assert "二、主动公开政府信息情况" in load_item(items[2]).text
    for bad, code in ((items[1], "E006"), (items[3], "E007"), (items[4], "E006")):
        with pytest.raises(InputError) as e:
            load_item(bad)
        assert e.value.message.startswith(code) and "crawl.jsonl" in e.value.message


def test_jsonl_field_names_crawlers_use_and_a_title_kept_apart(tmp_path):
    """Crawlers name the page `content`, `body`, `raw_html` …; a page's HTML is read as HTML whatever its field;
    a `title` the text does not hold leads the text, so the report is named from it (W104)."""
    from xxgk.pipeline import extract

    title = "某某县人民政府2023年政府信息公开工作年度报告"
    body = "一、总体情况\n全年主动公开政府信息185条。\n二、主动公开政府信息情况"
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "a", "title": title, "content": body},
        {"id": "b", "title": title, "raw_html": f"<html><body><p>{title}</p><p>一、总体情况</p></body></html>"},
        {"id": "c", "content": "<!DOCTYPE html><html><body><table><tr><td>规章</td><td>1</td></tr></table></body></html>"},
        {"id": "d", "page": "nothing we know"},
    ]) + "\n", encoding="utf-8")
    a, b, c, d = iter_inputs([str(p)])
    dec = load_item(a)
    assert dec.text.startswith(title + "\n一、总体情况") and any(w.startswith("W104") for w in dec.warnings)
    rec = extract(dec, a.doc_id, a.source, system="rules")
    assert rec.meta.title == title and rec.meta.year == 2023 and rec.meta.organization == "某某县人民政府"
    dec = load_item(b)  # the title is on the page already: not added twice
    assert dec.kind == "jsonl-html" and dec.text.count(title) == 1 and not dec.warnings
    dec = load_item(c)
    assert dec.kind == "jsonl-html" and dec.html_spans and "规章" in dec.text
    with pytest.raises(InputError) as e:
        load_item(d)
    assert e.value.message.startswith("E007") and "content" in e.value.message and "raw_html" in e.value.message


def test_discovery_files_folders_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "r1.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "deep" / "r2.html").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "notes.xlsx").write_text("x", encoding="utf-8")
    (tmp_path / "b.md").write_text("x", encoding="utf-8")
    specs = [str(tmp_path / "a"), str(tmp_path / "*.md"), str(tmp_path / "a" / "r1.txt"), str(tmp_path / "nope.txt")]
    items = list(iter_inputs(specs))
    names = [i.doc_id for i in items]
    assert names == ["r1", "r2", "b", "nope"]  # recursive, deduplicated, unsupported types skipped in folders
    with pytest.raises(InputError) as e:
        load_item(items[-1])
    assert e.value.message.startswith("E001")


def test_too_large_file_fails_without_reading(tmp_path):
    big = tmp_path / "huge.txt"
    with open(big, "wb") as fh:
        fh.truncate(100 * 2**20)  # sparse: 100 MB of nothing, instantly
    item = next(iter_inputs([str(big)]))
    with pytest.raises(InputError) as e:
        load_item(item, max_bytes=50 * 2**20)
    assert e.value.message.startswith("E005") and "huge.txt" in e.value.message


def test_real_pdf_text_layer(corpus):
    item = next(iter_inputs([str(corpus / "full" / "001.pdf")]))
    dec = load_item(item)
    assert dec.kind == "pdf"
    assert "淮安市人民政府" in dec.text and "行政处罚 3985758" in dec.text


def test_pdf_written_by_the_harness_reads_back_line_by_line():
    """The harness's PDF form (xxgk.evaluation.pdfwrite: STSong-Light, no embedded font): its text layer
    comes back through the ordinary PDF path, paragraphs broken at the page width but never inside a
    figure, table cells in their columns, a long row label wrapped in its cell below the figures."""
    from xxgk.evaluation.pdfwrite import CHARS_PER_LINE, pdf_bytes
    from xxgk.inputs.pdf import pdf_to_text

    para = "本年主动公开政府信息" * 4 + "全年共计" + "12345条，其中工作动态90条。"  # the page ends inside 12345
    text = "\n".join([para, "一、本年新收政府信息公开申请数量\t34\t0\t0\t0\t0\t0\t34", "规章\t0\t1\t12"])
    got = pdf_to_text(pdf_bytes(text), "x.pdf").split("\n")
    assert CHARS_PER_LINE == 47 and got[0] == para[:44] and got[1] == para[44:]  # 12345 kept whole
    assert got[2].split()[1:] == ["34", "0", "0", "0", "0", "0", "34"] and got[2].startswith("一、本年新收")
    assert "".join(got[2].split()[:1] + got[3:-1]) == "一、本年新收政府信息公开申请数量"
    assert got[-1] == "规章 0 1 12"


def test_pdf_row_with_a_blank_cell_keeps_its_columns():
    """An empty cell leaves nothing in a PDF's text layer; the rows that fill every column show where
    the columns are, so the short row is written with tabs and its blank stays blank (not its
    neighbour's figure). A row with more blanks than a third of the columns (more likely another
    table's row whose figures happen to line up) is left as pdfplumber gives it."""
    from helpers import run_text
    from layouts import report
    from xxgk.evaluation.pdfwrite import pdf_bytes
    from xxgk.inputs.pdf import pdf_to_text

    lines = report(layout="tab").split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("四、结转下年度继续办理"))
    cells = lines[k].split("\t")  # label, an empty second label column, 7 figures, an empty last column
    assert len(cells) == 10 and cells[1] == cells[9] == ""
    cells[3] = ""  # 商业企业 left empty
    lines[k] = "\t".join(cells)
    lines.insert(k + 1, "（八）备注\t\t7\t\t\t\t\t\t7\t")
    got = pdf_to_text(pdf_bytes("\n".join(lines)), "x.pdf").split("\n")
    assert "\t".join([cells[0], *cells[2:9]]) in got  # the blank under 商业企业 kept
    assert "（八）备注 7 7" in got  # five blanks of seven: not repaired
    rec = run_text("\n".join(got))
    want = run_text("\n".join(lines)).applications.carried_forward
    cf = rec.applications.carried_forward
    assert cf.commercial is None and cf == want
    from helpers import run_bytes

    warned = [w for w in run_bytes(pdf_bytes("\n".join(lines)), ".pdf").warnings if w.startswith("W106")]
    assert warned and warned[0].startswith("W106 1 table row(s) of a PDF")  # the record says a row was placed


def test_pdf_with_centred_cells_prints_the_figures_beside_the_middle_of_the_label():
    from xxgk.evaluation.pdfwrite import pdf_bytes
    from xxgk.inputs.pdf import pdf_to_text

    label = "属于本机关不掌握相关政府信息的情况说明以及其他需要另行说明事项"  # three lines in its column
    got = pdf_to_text(pdf_bytes(f"{label}\t4\t0\t0\t0\t0\t0\t4\n规章\t0\t0\t0", middle=True), "x.pdf").split("\n")
    first, middle, last = got[:3]
    assert not any(ch.isdigit() for ch in first + last) and first + middle.split()[0] + last == label
    assert middle.split()[1:] == ["4", "0", "0", "0", "0", "0", "4"]


def test_docx_tables_written_by_the_harness_read_back_as_tab_rows():
    """The harness's DOCX form puts table rows in real Word tables (one grid, a shorter row's label
    merged across the columns it lacks); the reader gives each row back as one tab-separated line,
    empty cells kept, a merged cell once."""
    from xxgk.evaluation.perturb import docx_bytes
    from xxgk.inputs.docx import docx_to_text

    text = "一、总体情况\n\t自然人\t商业企业\t总计\n一、本年新收\t\t34\t0\t34\n四、结转下年度继续办理\t5\t\t5\n规章\t0\t1\t12"
    assert docx_to_text(docx_bytes(text), "x.docx") == text
    import docx

    (table,) = docx.Document(io.BytesIO(docx_bytes(text))).tables
    assert len(table.rows) == 4 and len(table.columns) == 5


def test_html_tables_written_by_the_harness_read_back_as_tab_rows():
    """The harness's HTML form puts table rows in a <table> (a shorter row's label spanning the columns
    it lacks); the reader gives each row back as one tab-separated line, empty cells kept."""
    from xxgk.evaluation.perturb import html_page
    from xxgk.inputs.html import html_to_text

    text = ("一、总体情况\n\t自然人\t商业企业\t总计\n一、本年新收\t\t34\t0\t34\n三、本年度办理结果\t（一）予以公开\t1\t0\t1\n"
            "\t（二）部分公开\t0\t0\t0\n四、结转下年度继续办理\t5\t\t5\n规章\t0\t1\t12")
    page = html_page(text, "标题")
    assert page.count("<table") == 1 and 'colspan="2"' in page and 'rowspan="2">三、本年度办理结果' in page
    got, _spans, _pictures = html_to_text(page, "x.html")
    assert got.strip().split("\n")[1:] == text.split("\n")


def test_harness_writers_take_a_line_of_tabs_alone():
    """A tab-separated line with nothing after its first cell (`标题\\t`, a lone tab) is a one-column
    table: every writer of the harness renders it."""
    from xxgk.evaluation.perturb import FORMS, render

    for form in FORMS:
        _suffix, data = render(form, "一、总体情况\t\n\t\n全年公开信息1000条。\n规章\t0\t1\t12", "doc")
        assert data, form


def test_pdf_with_an_outer_label_running_down_its_rows_reads_like_the_table():
    """Table 三 with two label columns: the harness's PDF prints the outer label (三、本年度办理结果) one
    character a line down the rows it spans, as real PDFs do; the record reads the same cells."""
    from helpers import run_text
    from layouts import consistent_table3, report
    from xxgk.evaluation.pdfwrite import pdf_bytes
    from xxgk.inputs.pdf import pdf_to_text

    text = report(consistent_table3(3), layout="tab")
    got = pdf_to_text(pdf_bytes(text), "x.pdf")
    assert "\n、 " in got and "\n本 " in got  # the outer label's characters beside the rows' own labels
    assert run_text(got).applications == run_text(text).applications


def test_html_character_references_left_in_plain_text_are_read(tmp_path):
    """A scrape that stripped the tags but kept the entities: they are read as the characters they stand
    for, with a warning counting them; a name HTML does not define, or one without its semicolon, stays."""
    body = "&nbsp;&nbsp;一、总体情况\n&ldquo;放管服&rdquo;改革&#12290;规章&nbsp;0&nbsp;1\nR&D &copy &foo; 1&amp;2"
    dec = decode_bytes(body.encode("utf-8"), ".txt", "t.txt")
    assert dec.text == "\xa0\xa0一、总体情况\n“放管服”改革。规章\xa00\xa01\nR&D &copy &foo; 1&2"
    assert any(w.startswith("W107 8 ") for w in dec.warnings)
    assert not any(w.startswith("W107") for w in decode_bytes("R&D 1&2".encode(), ".txt", "t.txt").warnings)
    twice = decode_bytes("&amp;nbsp;规章&amp;ldquo;R&amp;amp;D&amp;rdquo;".encode(), ".txt", "t.txt")
    assert twice.text == "\xa0规章“R&D”"  # escaped twice, as some sites' JSON interfaces return a page
    line = json.dumps({"id": "a", "text": "规章&nbsp;0&nbsp;1"}, ensure_ascii=False)
    (tmp_path / "c.jsonl").write_text(line + "\n", encoding="utf-8")
    (item,) = iter_inputs([str(tmp_path / "c.jsonl")])
    dec = load_item(item)
    assert dec.text == "规章\xa00\xa01" and any(w.startswith("W107 2 ") for w in dec.warnings)


def test_html_tags_left_in_plain_text_are_read_as_breaks_and_gaps():
    """Leftover tags end lines where blocks or breaks were, a cell's end is a tab, inline tags go; a `<`
    that opens no known tag stays (收到申请<5件)."""
    body = ("<p>一、总体情况</p>\n<p>全年公开<span style='font-family:宋体'>政务</span>信息185条。<br>二、主动公开</p>\n"
            "<tr><td>规章</td><td>0</td><td>1</td></tr>\n收到申请<5件")
    dec = decode_bytes(body.encode("utf-8"), ".txt", "t.txt")
    assert dec.text == "一、总体情况\n全年公开政务信息185条。\n二、主动公开\n规章\t0\t1\t\n收到申请<5件"
    assert any(w.startswith("W108 15 ") for w in dec.warnings), dec.warnings


def test_mojibake_is_read_back_and_a_western_text_is_left_alone():
    """A Chinese page whose UTF-8 (or GB18030) bytes were read as Windows-1252 or Latin-1 is decoded again
    (W109); a text that is Western to begin with, or already Chinese, is not touched."""
    from xxgk.inputs.reading import repair_mojibake

    good = "平潭综合实验区2022年度政府信息公开工作年度报告\n一、总体情况\n规章\t0\t1"
    for bad in (good.encode("utf-8").decode("latin-1"), good.encode("gb18030").decode("latin-1")):
        dec = decode_bytes(bad.encode("utf-8"), ".txt", "m.txt")
        assert dec.text == good and any(w.startswith("W109") for w in dec.warnings)
    for kept in ("Café déjà vu — naïve résumé", good, "平潭 Ã©"):
        assert repair_mojibake(kept) == (kept, None)


def test_radicals_from_a_pdf_text_layer_are_read_as_the_ideographs_they_show(tmp_path):
    """Kangxi radicals (⼀ ⾏ ⽂), simplified radicals (⻓ ⻔, which NFKC leaves alone) and compatibility
    ideographs are written as the ideographs, one for one (W111 counts them); the report then reads as
    the same report written plainly, in a text file and in a JSONL line."""
    from helpers import run_text
    from layouts import consistent_table3, report

    from xxgk.evaluation.perturb import radicals
    from xxgk.text import normalise_newlines

    plain = "⼀、总体情况\n部⻔⽹站⻓期公开⾏政规范性⽂件9件，\uf900"
    dec = decode_bytes(plain.encode("utf-8"), ".txt", "r.txt")
    assert dec.text == "一、总体情况\n部门网站长期公开行政规范性文件9件，豈"
    assert any(w.startswith("W111 7 ") for w in dec.warnings), dec.warnings
    assert not any(w.startswith("W111") for w in decode_bytes("一、总体情况".encode(), ".txt", "t.txt").warnings)
    text = report(consistent_table3(3))
    assert radicals(text) != text
    (tmp_path / "r.jsonl").write_text(json.dumps({"id": "r", "text": radicals(text)}, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    (item,) = iter_inputs([str(tmp_path / "r.jsonl")])
    assert load_item(item).text == normalise_newlines(text)
    assert run_text(decode_bytes(radicals(text).encode(), ".txt", "r.txt").text).applications == \
        run_text(text).applications


def test_a_json_string_saved_with_its_escapes_gets_its_breaks_back():
    body = r'一、总体情况\n全年公开信息185条，\"政务公开\"专栏\u5e73\u6f6d。\n规章\t0\t1'
    dec = decode_bytes(body.encode("utf-8"), ".txt", "e.txt")
    assert dec.text == '一、总体情况\n全年公开信息185条，"政务公开"专栏平潭。\n规章\t0\t1'
    assert any(w.startswith("W100") and "4 of them" in w for w in dec.warnings)  # 2 breaks, 2 tabs
    real = "第一行\n第二行\n路径 C:\\new\n"  # more real breaks than written ones: left as written
    assert decode_bytes(real.encode("utf-8"), ".txt", "r.txt").text == real


def _ofd(pages: list[str], doc_root: str = "Doc_0/Document.xml", page_loc: str = "Pages/Page_{n}/Content.xml") -> bytes:
    """A hand-written OFD package whose pages hold the given Content.xml layers."""
    import zipfile

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", f"<ofd:OFD {ns}><ofd:DocBody><ofd:DocRoot>{doc_root}</ofd:DocRoot></ofd:DocBody></ofd:OFD>")
        refs = "".join(f'<ofd:Page ID="{n}" BaseLoc="{page_loc.format(n=n)}"/>' for n in range(len(pages)))
        z.writestr(doc_root.lstrip("/"), f"<ofd:Document {ns}><ofd:Pages>{refs}</ofd:Pages></ofd:Document>")
        base = doc_root.lstrip("/").rsplit("/", 1)[0]
        for n, layer in enumerate(pages):
            loc = page_loc.format(n=n)
            name = loc.lstrip("/") if loc.startswith("/") else f"{base}/{loc}"
            z.writestr(name, f"<ofd:Page {ns}><ofd:Content><ofd:Layer>{layer}</ofd:Layer></ofd:Content></ofd:Page>")
    return buf.getvalue()


def test_ofd_text_objects_read_as_printed_lines():
    """OFD places glyphs: runs with their origin and advances (`g 3 5` for three advances of 5), objects
    in any order, a row's label and figures in separate objects on one baseline, a figure a little
    off it (centred in its cell), a scaled object (CTM); parts found from OFD.xml by relative and
    absolute locations, pages in order."""
    from xxgk.inputs.ofd import read_ofd

    page0 = ('<ofd:TextObject Boundary="100 30 40 6" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="2.5 2.5">120'
             '</ofd:TextCode></ofd:TextObject>'  # second on its line, listed first
             '<ofd:TextObject Boundary="20 30 60 6" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="g 3 5">规范性文件'
             '</ofd:TextCode><ofd:TextCode X="40" Y="5.4">8</ofd:TextCode></ofd:TextObject>'
             '<ofd:TextObject Boundary="20 10 100 6" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="g 5 5">一、总体情况'
             '</ofd:TextCode></ofd:TextObject>')
    page1 = ('<ofd:TextObject Boundary="20 10 100 6" Size="2.5" CTM="2 0 0 2 0 0"><ofd:TextCode X="0" Y="2.5">'
             '本年公开信息100条。</ofd:TextCode></ofd:TextObject>')
    for root, loc in (("Doc_0/Document.xml", "Pages/Page_{n}/Content.xml"),
                      ("/Doc_0/Document.xml", "/Doc_0/P{n}.xml")):
        text, repaired = read_ofd(_ofd([page0, page1], root, loc), "x.ofd")
        assert text.split("\n") == ["一、总体情况", "规范性文件 8 120", "本年公开信息100条。"] and repaired == 0


def test_ofd_written_by_the_harness_reads_like_its_pdf():
    """The harness's OFD form: same layout as its PDF (table rows in columns, a blank cell kept by its
    column, W106), the page number in each page's template not read, and the record the same."""
    from helpers import run_bytes, run_text
    from layouts import report
    from xxgk.evaluation.ofdwrite import ofd_bytes

    lines = report(layout="tab").split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("四、结转下年度继续办理"))
    cells = lines[k].split("\t")
    cells[3] = ""  # 商业企业 left empty
    lines[k] = "\t".join(cells)
    text = "\n".join(lines)
    rec = run_bytes(ofd_bytes(text), ".ofd")
    want = run_text(text)
    assert rec.applications == want.applications and rec.active_disclosure == want.active_disclosure
    assert [s.number for s in rec.sections] == [s.number for s in want.sections] == [1, 2, 3, 4, 5, 6]
    assert rec.applications.carried_forward.commercial is None
    assert any(w.startswith("W106 1 table row(s) of a PDF or OFD") for w in rec.warnings)
    got = decode_bytes(ofd_bytes(text), ".ofd", "x.ofd")
    assert got.kind == "ofd" and "- 1 -" not in got.text


def test_ofd_errors_name_the_file():
    """Not a zip, a zip without OFD.xml, a page part missing, no text at all (a scan): E026; a zip
    holding OFD.xml under another suffix is read as OFD."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<x/>")
    broken = _ofd(["<ofd:TextObject"])
    empty = _ofd(['<ofd:ImageObject Boundary="0 0 210 297" ResourceID="5"/>'])
    for data, detail in ((b"plain text, not a zip", "content is not an OFD"), (buf.getvalue(), "no part 'OFD.xml'"),
                         (broken, "Content.xml"), (empty, "no text objects")):
        with pytest.raises(InputError) as e:
            decode_bytes(data, ".ofd", "scan.ofd")
        assert str(e.value).startswith("E026") and detail in str(e.value) and "scan.ofd" in str(e.value)
    page = '<ofd:TextObject Boundary="0 0 50 6" Size="5"><ofd:TextCode X="0" Y="5">一、总体情况</ofd:TextCode></ofd:TextObject>'
    dec = decode_bytes(_ofd([page]), ".txt", "renamed.txt")
    assert dec.kind == "ofd" and dec.text == "一、总体情况"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(['X="a"', 'Y="1e999"', 'DeltaX="g 1e12 3"', 'DeltaX="g inf 3"', 'DeltaX="g x"',
                                 'DeltaY="2 2 g 4"', 'X="-5"', 'Boundary="nan 1"', 'CTM="0 0 0 0 0 0"', 'Size="0"']),
                max_size=4), st.text(alphabet="一2 <&", max_size=8))
def test_ofd_with_odd_numbers_gives_text_or_e026(attrs, body):
    """Whatever numbers an OFD's attributes hold (a repeat count of 10^12 included), a page reads or
    fails with E026 naming the file, quickly."""
    from xml.sax.saxutils import escape

    obj = (f'<ofd:TextObject {" ".join(a for a in attrs if not a.startswith(("X", "Y", "Delta")))}>'
           f'<ofd:TextCode {" ".join(a for a in attrs if a.startswith(("X", "Y", "Delta")))}>{escape(body)}'
           "</ofd:TextCode></ofd:TextObject>")
    try:
        dec = decode_bytes(_ofd([obj]), ".ofd", "odd.ofd")
    except InputError as e:
        assert str(e).startswith("E026") and "odd.ofd" in str(e)
    else:
        assert dec.text.strip()


def test_pdf_glyphs_without_unicode_mapping_are_named_not_read_as_a_non_report():
    """A font embedded without a ToUnicode map leaves pdfminer only glyph numbers (`(cid:19968)`): a PDF
    made of them is E027 (it needs OCR), not E012 "not a report"; a few of them in a readable page are
    one U+FFFD each, counted (W112)."""
    from xxgk.evaluation.pdfwrite import pdf_bytes
    from xxgk.inputs.pdf import unmapped_glyphs

    data = pdf_bytes("一、总体情况\n本年主动公开信息185条。\n规章\t0\t1\t12")
    unmapped = data.replace(b"/Encoding /UniGB-UCS2-H", b"/Encoding /Identity-H").replace(
        b"/Ordering (GB1) /Supplement 2", b"/Ordering (Identity) /Supplement 0")
    assert decode_bytes(data, ".pdf", "ok.pdf").text.startswith("一、总体情况")
    with pytest.raises(InputError) as e:
        decode_bytes(unmapped, ".pdf", "fonts.pdf")
    assert re.match(r"E027 PDF text layer cannot be read: (\d+) of \1 glyphs", str(e.value)) and "fonts.pdf" in str(e.value)
    assert unmapped_glyphs(["规章 (cid:48) 1 12", "(cid:1)本年"]) == (["规章 \ufffd 1 12", "\ufffd本年"], 2)


def _table3_as_picture() -> str:
    """The test report with table 三's rows taken out and one empty line where they stood."""
    from layouts import report

    lines = report(layout="tab").split("\n")
    a = next(i for i, ln in enumerate(lines) if ln.startswith("三、收到和处理"))
    b = next(i for i, ln in enumerate(lines) if ln.startswith("四、政府信息公开行政复议"))
    return "\n".join(lines[:a + 1] + [""] + lines[b:])


def _w113(rec) -> list[str]:
    return [w for w in rec.warnings if w.startswith("W113")]


def test_a_table_printed_as_a_picture_is_named():
    """A report that pastes table 三 as a picture has no cell of it in its text: the record says the
    table is likely that picture (W113), whether the page is HTML, DOCX or PDF. A small image (an icon)
    or a picture where the table was read says nothing."""
    import docx

    from helpers import run_bytes
    from xxgk.evaluation.pdfwrite import printed_lines, pdf_bytes
    from xxgk.evaluation.perturb import html_page

    text = _table3_as_picture()
    page = html_page(text.replace("三、收到和处理政府信息公开申请情况\n", "三、收到和处理政府信息公开申请情况\nPICTURE\n"), "t")
    assert page.count("PICTURE") == 1
    for img, warned in (('<img src="t3.png" width="640">', True), ('<img src="icon.gif" width="16" height="16">', False),
                        ('<img src="t3.png" style="width: 600px; height: 300px">', True), ("<img>", False)):
        rec = run_bytes(page.replace("PICTURE", img).encode(), ".html")
        assert rec.applications is None or not any(v for v in rec.applications.model_dump().values() if v)
        assert [w.split(" not in the text")[0] for w in _w113(rec)] == (["W113 table 三"] if warned else []), img
    far = page.replace("PICTURE", "本年度收到申请情况如下。" * 30 + '<img src="t3.png" width="640">')
    assert not _w113(run_bytes(far.encode(), ".html"))  # too far under the header: a footer's logo, say
    # DOCX: a paragraph holding a drawing
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000"
                        "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082")
    d = docx.Document()
    for ln in text.split("\n"):
        if ln:
            d.add_paragraph(ln)
        else:
            d.add_paragraph().add_run().add_picture(io.BytesIO(png))
    buf = io.BytesIO()
    d.save(buf)
    assert len(_w113(run_bytes(buf.getvalue(), ".docx"))) == 1
    # PDF: an image across the page on the empty line
    lines = printed_lines(text)
    k = next(i for i, ln in enumerate(lines) if not any(p.strip() for _x, p in ln) and i > 0)
    rec = run_bytes(pdf_bytes(text, pictures=(k,)), ".pdf")
    assert len(_w113(rec)) == 1 and "section 3 (收到和处理政府信息公开申请情况) holds 1 picture" in _w113(rec)[0]
    assert not _w113(run_bytes(pdf_bytes(text), ".pdf"))  # no picture, nothing said
    from layouts import report

    assert not _w113(run_bytes(pdf_bytes(report(layout="tab"), pictures=(k,)), ".pdf"))  # the table was read


def test_lines_in_two_encodings_are_read_line_by_line():
    """A page template in UTF-8 around an article stored as GBK (or Big5), or parts appended to one file:
    each line is read in its own encoding (W114), a line of one GBK ideograph that happens to be valid
    UTF-8 (`息` is `Ϣ`) going with the lines around it. A UTF-8 file cut inside its last character is
    UTF-8 with one broken character, not mixed."""
    head = "平潭综合实验区2023年政府信息公开工作年度报告\n来源：本站\n"
    body = "一、总体情况\n本年主动公开信息185条。\n5.属于三类内部事务信\n息\n规章\t0\t1\t12"
    traditional = "一、總體情況\n本年主動公開信息185條。\n5.屬於三類內部事務信\n息\n規章\t0\t1\t12"
    for legacy, article in (("gb18030", body), ("big5", traditional)):
        dec = decode_bytes(head.encode("utf-8") + article.encode(legacy) + "\n© 版权所有".encode("utf-8"),
                           ".txt", "mixed.txt")
        assert dec.text == head + article + "\n© 版权所有", legacy
        assert [w.split(":")[0] for w in dec.warnings] == ["W114 lines in two encodings (a page template and an "
                                                          "article stored apart, parts appended)"]
        assert f"3 line(s) as UTF-8 and 5 as {legacy}" in dec.warnings[0]
    cut = (head + body).encode("utf-8")[:-1]  # the last character's last byte lost
    dec = decode_bytes(cut * 3, ".txt", "cut.txt")
    assert not any(w.startswith("W114") for w in dec.warnings)


def test_a_page_laid_out_in_a_table_reads_like_the_page():
    """Older sites lay the whole page out in a table, the article (and its tables) inside one cell: that
    cell is read as the page it holds, its tables as tables, not as one flattened cell."""
    from layouts import report
    from xxgk.evaluation.perturb import html_page
    from xxgk.inputs.html import html_to_text

    page = html_page(report(layout="tab"), "标题")
    a, b = page.index("<body>") + len("<body>"), page.rindex("</body>")
    laid_out = page[:a] + '<table><tr><td>栏目导航</td><td>' + page[a:b] + "</td></tr></table>" + page[b:]
    plain, plain_spans, _ = html_to_text(page, "x.html")
    text, spans, _ = html_to_text(laid_out, "x.html")
    lines = text.split("\n")
    assert "栏目导航" in lines and "\n".join(ln for ln in lines if ln != "栏目导航") == plain
    assert len(spans) == len(plain_spans) > 0
    # a table of figures whose cells hold paragraphs (a Word export) stays a table
    word = "<table><tr><td><p>规章</p></td><td><p>0</p></td><td><p>1</p></td><td><p>12</p></td></tr></table>"
    assert html_to_text(f"<html><body>{word}</body></html>", "w.html")[0].strip() == "规章\t0\t1\t12"


def test_what_a_browser_does_not_show_is_not_read():
    """A hijacked mirror hides spam for search engines in the article (`display:none`, `visibility:
    hidden`, the `hidden` attribute), in paragraphs and in table rows; a page hides decoy digits inside a
    figure. None of it is the report's text."""
    from xxgk.inputs.html import html_to_text

    page = ("<html><body><p>一、总体情况</p><div style='display:none'>澳门新葡京 2019年度报告 12345条</div>"
            "<p>全年公开信息1<span style='display: none'>9</span>85条。</p><p hidden>彩票开奖</p>"
            "<table><tr><td>规章</td><td>0</td><td>1</td><td>12</td></tr>"
            "<tr style='visibility:hidden'><td>加微信 领取红包</td><td>88</td></tr></table></body></html>")
    text, _spans, _pictures = html_to_text(page, "x.html")
    assert text.split() == ["一、总体情况", "全年公开信息185条。", "规章", "0", "1", "12"]


def test_docx_content_controls_and_nested_runs_are_read():
    """A DOCX made from a template holds parts in content controls (`w:sdt`), block and inline; a
    paragraph's text may sit in a hyperlink or a text box. All of it is read in its place, tab stops of
    a paragraph's properties are no tabs, and the plain DOCX reads as before."""
    import docx
    from docx.oxml import parse_xml

    from xxgk.evaluation.perturb import docx_bytes
    from xxgk.inputs.docx import docx_to_text

    text = "某县2022年政府信息公开工作年度报告\n一、总体情况\n本年公开信息185条。\n规章\t0\t1\t12\n六、其他需要报告的事项"
    assert docx_to_text(docx_bytes(text, controls=True), "t.docx") == docx_to_text(docx_bytes(text), "t.docx") == text
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    d = docx.Document()
    d.element.body.insert(0, parse_xml(
        f'<w:p {ns}><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr>'
        '<w:hyperlink><w:r><w:t>详见</w:t></w:r></w:hyperlink><w:r><w:tab/><w:t>附件</w:t></w:r></w:p>'))
    buf = io.BytesIO()
    d.save(buf)
    assert docx_to_text(buf.getvalue(), "t.docx") == "详见\t附件"


def test_docx_with_a_part_kept_as_html_reads_it_in_place():
    """HTML-to-DOCX converters keep the page as an HTML part (`w:altChunk`): it is read where it stands,
    its tables as tab rows (before, the document read as empty: E002)."""
    import docx
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("某县2022年政府信息公开工作年度报告")
    d.add_paragraph("六、其他需要报告的事项")
    html = ("<html><head><meta charset='gbk'></head><body><p>一、总体情况</p>"
            "<table><tr><td>规章</td><td>0</td><td>1</td><td>12</td></tr></table></body></html>").encode("gbk")
    part = Part(PackURI("/word/afchunk.htm"), "text/html", html, d.part.package)
    rid = d.part.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk")
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    d.element.body.insert(1, parse_xml(f'<w:altChunk {ns} r:id="{rid}"/>'))
    buf = io.BytesIO()
    d.save(buf)
    assert decode_bytes(buf.getvalue(), ".docx", "t.docx").text.split("\n") == [
        "某县2022年政府信息公开工作年度报告", "一、总体情况", "规章\t0\t1\t12", "", "六、其他需要报告的事项"]


def test_a_page_hidden_until_a_script_shows_it_is_read():
    """Some sites hide the body, or the article's container, until a script shows it: that is the report."""
    from layouts import report
    from xxgk.inputs.html import html_to_text

    paras = "".join(f"<p>{ln}</p>" for ln in report(layout="tab").split("\n"))
    for page in (f"<html><body style='display:none'>{paras}</body></html>",
                 f"<html><body><div id='zoom' style='display: none'>{paras}</div></body></html>"):
        assert "一、总体情况" in html_to_text(page, "x.html")[0]


def test_utf8_read_as_gbk_is_read_back_losing_only_the_broken_characters():
    """UTF-8 once read as GBK and saved (鏀垮簻淇℃伅 for 政府信息) was refused as binary (its U+FFFD) or read
    as nonsense. It is read back (W109): each character whose byte the misreading lost is one U+FFFD,
    never a guess, and the rest, figures included, come back whole. A Chinese text is left alone."""
    text = "本年主动公开政府信息185条，其中工作动态90条。\n规章\t0\t1\t12\n市科委编制了 2024 年度报告。"
    moj = text.encode("utf-8").decode("gb18030", errors="replace")
    assert "\ufffd" in moj and "政府" not in moj
    dec = decode_bytes(moj.encode("utf-8"), ".txt", "moj.txt")
    assert dec.warnings and dec.warnings[0].startswith("W109 the text was mojibake (utf-8 read as gb18030, ")
    assert len(dec.text) == len(text)
    assert all(a == b for a, b in zip(dec.text, text) if b != "\ufffd" and a != "\ufffd")
    assert dec.text.count("\ufffd") == int(dec.warnings[0].split("gb18030, ")[1].split(" ")[0]) > 0
    assert "185条" in dec.text and "规章\t0\t1\t12" in dec.text
    assert not decode_bytes(text.encode("utf-8"), ".txt", "ok.txt").warnings
