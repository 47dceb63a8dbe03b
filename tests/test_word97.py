"""Word 97-2003 (.doc / .wps) inputs: a real file saved by Word, the control characters of Word's text,
a real report's tables through a .doc, and the errors."""

import struct

import pytest

from xxgk.errors import InputError
from xxgk.evaluation.word97 import word97_bytes
from xxgk.inputs.reading import decode_bytes

from conftest import ROOT
from helpers import run_bytes

REAL = ROOT / "tests" / "data" / "word97" / "olefile-test-ole-file.doc"


def test_a_file_saved_by_word_is_read():
    dec = decode_bytes(REAL.read_bytes(), ".doc", str(REAL))
    assert dec.kind == "doc"
    assert dec.text == "Test OLE file, saved as Word 97-2003 Document.\n"


def test_word_control_characters_become_text():
    raw = ("某某县2022年政府信息公开工作年度报告\r一、总体情况\r"
           '通过\x13 HYPERLINK "http://www.example.gov.cn" \x14政府网站\x15发布信息12条\x01。\x0b第二行\r'
           "\x13 PAGE \x14- 3 -\x15\x0c"  # a field's result stays, its code goes; a page break is a line break
           "申请人情况\x07自然人\x07总计\x07\x07一、本年新收\x0771\x0774\x07\x07\r")
    for suffix in (".doc", ".wps", ".txt"):  # sniffed, not trusted by suffix
        text = decode_bytes(word97_bytes(raw), suffix, f"x{suffix}").text
        assert text == ("某某县2022年政府信息公开工作年度报告\n一、总体情况\n通过政府网站发布信息12条。\n第二行\n- 3 -\n"
                        "申请人情况\t自然人\t总计\t\t一、本年新收\t71\t74\t\t\n")


def test_table_rows_end_their_lines():
    """Word marks a row's end as a paragraph property (sprmPFTtp): each row is a line, its empty cells kept."""
    raw = "申请人情况\x07自然人\x07总计\x07\x07一、本年新收\x0771\x0774\x07\x07二、上年结转\x07\x070\x07\x07\r"
    rows = [13, 27, 38]  # the second mark of each `\x07\x07`: the row's end (the first ends its last cell)
    assert all(raw[i - 1:i + 1] == "\x07\x07" for i in rows)
    text = decode_bytes(word97_bytes(raw, rows), ".doc", "x.doc").text
    assert text == "申请人情况\t自然人\t总计\n一、本年新收\t71\t74\n二、上年结转\t\t0\n\n"


def test_nested_fields_keep_the_inner_result():
    raw = "见\x13 IF \x13 PAGE \x14 2\x15 > 1 \x14第\x13 PAGE \x142\x15页\x15。"
    assert decode_bytes(word97_bytes(raw), ".doc", "x.doc").text == "见第2页。"


def _patched(data: bytes, stream_offset_in_file: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, stream_offset_in_file, value)
    return bytes(out)


def _word_stream_offset(data: bytes) -> int:
    import io

    import olefile

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        first = ole.root.kids_dict["worddocument"].isectStart
    return (first + 1) * 512  # sector n starts after the 512-byte header


@pytest.mark.parametrize("field, value, why", [
    (0x0A, 0x0300, "encrypted"),  # fEncrypted with fWhichTblStm
    (0x02, 0x0065, "Word 6/95"),  # nFib 101
    (0x00, 0x1234, "does not start like a Word document"),
])
def test_files_that_cannot_be_read_are_named_errors(field, value, why):
    data = word97_bytes("一、总体情况\r")
    bad = _patched(data, _word_stream_offset(data) + field, "<H", value)
    with pytest.raises(InputError) as e:
        decode_bytes(bad, ".doc", "bad.doc")
    assert e.value.message.startswith("E024") and why in e.value.message and "bad.doc" in e.value.message


def test_other_office_files_and_damaged_containers():
    data = word97_bytes("一、总体情况\r")
    xls_like = data.replace("WordDocument".encode("utf-16-le"), "Workbook\0\0\0\0".encode("utf-16-le"))
    with pytest.raises(InputError) as e:
        decode_bytes(xls_like, ".doc", "sheet.doc")
    assert e.value.message.startswith("E024") and "no Word document" in e.value.message
    with pytest.raises(InputError) as e:
        decode_bytes(data, ".xls", "sheet.xls")  # an Office file xxgk does not read: named, not guessed at
    assert e.value.message.startswith("E003") and "Office 97-2003" in e.value.message
    with pytest.raises(InputError) as e:
        decode_bytes(data[:700], ".doc", "cut.doc")
    assert e.value.message.startswith("E024") and "cut.doc" in e.value.message
    with pytest.raises(InputError) as e:
        decode_bytes("一、总体情况".encode(), ".doc", "text.doc")
    assert e.value.message.startswith("E024") and "not an OLE file" in e.value.message


def _word_text_of_html(html: str) -> tuple[str, list[int]]:
    """A report page as Word holds it: a paragraph per block, a table's cells each ended by a cell mark
    and each row by one more (as Word stores a table); and where those row-end marks stand."""
    import lxml.html

    root = lxml.html.fromstring(html)
    for el in root.xpath("//script|//style"):
        el.drop_tree()
    out: list[str] = []
    rows: list[int] = []

    def walk(el) -> None:
        if el.tag == "table":
            for tr in el.xpath(".//tr"):
                out.extend(" ".join(td.text_content().split()) + "\x07" for td in tr.xpath("./td|./th"))
                rows.append(sum(map(len, out)))
                out.append("\x07")
            return
        if el.text and el.text.strip():
            out.append(el.text.strip())
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            if child.tail and child.tail.strip():
                out.append(child.tail.strip())
        if el.tag in ("p", "div", "h1", "h2", "h3", "li", "br"):
            out.append("\r")

    walk(root.find("body") if root.find("body") is not None else root)
    return "".join(out), rows


def test_a_real_report_reads_the_same_from_a_doc(corpus, tmp_path):
    """平潭 投资促进局 2025 (a train document), its HTML tables rewritten as Word tables."""
    html = (corpus / "more" / "041.html").read_bytes()
    a = run_bytes(html, ".html")
    text, rows = _word_text_of_html(html.decode("utf-8"))
    # with its rows marked (as Word writes them), and without (a file whose paragraph properties are lost)
    for marked in (rows, []):
        b = run_bytes(word97_bytes(text, marked), ".doc")
        assert b.status == a.status == "ok"
        for part in ("active_disclosure", "applications", "review_litigation", "meta"):
            assert getattr(b, part) == getattr(a, part), part
        assert [s.number for s in b.sections] == [1, 2, 3, 4, 5, 6]


def test_the_harness_doc_form_puts_table_rows_in_word_tables(tmp_path):
    """perturb.doc_bytes: a tab-separated line becomes a Word table row (cell marks, a row-end mark);
    read back, every line is what it was, empty cells included."""
    from xxgk.evaluation.perturb import doc_bytes
    from xxgk.inputs.reading import iter_inputs, load_item

    text = "一、总体情况\n\t自然人\t商业企业\t总计\n四、结转下年度继续办理\t5\t\t5\n二、主动公开政府信息情况"
    f = tmp_path / "a.doc"
    f.write_bytes(doc_bytes(text))
    assert load_item(next(iter(iter_inputs([str(f)])))).text.rstrip("\n") == text
