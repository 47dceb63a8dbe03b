"""Normalisation keeps offsets: matching happens on folded/simplified views of the same length."""

import pytest

from xxgk.text import Text, t2s_available


def test_views_share_offsets():
    raw = "二、主動公開政府信息情況\u3000（一）１２３條"
    t = Text(raw)
    assert len(t.match) == len(t.text) == len(raw)
    if t2s_available():
        assert t.match.startswith("二、主动公开政府信息情况")
    assert "(一)123" in t.match
    i = t.match.index("123")
    assert t.text[i:i + 3] == "１２３"  # slicing the text gives the characters as written


def test_compact_maps_back():
    t = Text("四、政府信息公开行政复议、行\n   政诉讼情况\n| 0 | 1 |")
    c = t.compact()
    assert "行政复议、行政诉讼情况" in c.s
    k = c.s.index("行政诉讼")
    a, b = c.span_to_text(k, k + 4)
    assert t.text[a:b] == "行\n   政诉讼"


def test_compact_drops_injected_pinyin():
    t = Text("依法依規(guī)做好全省政府信息依申請公開工作")
    assert "依法依规做好" in t.compact().s or not t2s_available()
    assert "guī" not in t.compact().s


def test_traditional_detected():
    assert Text("廣東省人民政府2022年政府信息公開工作年度報告。總體情況，主動公開，依申請公開，監督保障。").traditional
    assert not Text("广东省人民政府2022年政府信息公开工作年度报告").traditional


def test_the_tagger_reads_traditional_text_in_simplified_form_at_the_same_offsets():
    if not t2s_available():
        pytest.skip("no opencc table")
    trad = "二、主動公開政府信息情況\n本年度主動公開政府信息1,234條，其中政策解讀56條。" * 2
    t = Text(trad)
    assert t.traditional and len(t.simplified) == len(trad)
    assert "主动公开政府信息情况" in t.simplified and "政策解读56条" in t.simplified
    assert t.simplified[t.simplified.index("1,234")] == "1" and "，" in t.simplified  # nothing else folded
    plain = Text("一、总体情况\n本年度主动公开政府信息120条。")
    assert not plain.traditional and plain.simplified is plain.text


def test_markdown_markup_is_blank_in_the_match_view():
    """Heading marks, bold, escapes and a pipe table's rule row say nothing: blanks in `match`, at the
    same offsets; an escaped enumerator keeps its dot next to its digit; the text itself is unchanged."""
    from xxgk.text import blank_markup

    s = "## 一、总体情况\n**二、主动公开政府信息情况**\n| 信息内容 | 本年制发件数 |\n| --- | :---: |\n1\\.属于国家秘密\t\\-185\n____年"
    t = Text(s)
    assert len(t.match) == len(s) and t.text == s
    lines = t.match.split("\n")
    assert lines[0] == "   一、总体情况" and lines[1] == "  二、主动公开政府信息情况  "
    assert lines[2] == s.split("\n")[2] and not lines[3].strip()  # the header row stays, the rule row goes
    assert lines[4] == "1. 属于国家秘密\t -185" and lines[5] == "    年"
    assert blank_markup("规章 3---5") == "规章 3---5"  # dashes between figures are no rule row


def test_double_spacing_reads_as_single_spacing():
    """A blank line after every line (markdown paragraphs, some scrapes) separates nothing: the views and
    the linking of counts read the page as single-spaced, so a hard wrap still joins; a page with a few
    paragraph breaks keeps them."""
    from xxgk.conventions import link_counts
    from xxgk.spans import Span
    from xxgk.text import double_spacing, single_spaced

    lines = [f"第{k}段文字，内容较长需要换行处理。" for k in range(12)] + ["涉及的行政诉讼数为", "0件。"]
    doubled = "\n\n".join(lines)
    ranges = double_spacing(doubled)
    assert len(ranges) == 13 and all(doubled[a:b] == "\n" for a, b in ranges)
    flat = single_spaced(doubled)
    assert len(flat) == len(doubled) and "涉及的行政诉讼数为\n 0件。" in flat
    assert double_spacing("\n".join(lines[:6]) + "\n\n" + "\n".join(lines[6:])) == []  # one paragraph break
    a = doubled.index("行政诉讼数")
    n = doubled.index("0件")
    (item,) = link_counts(doubled, [Span(a, a + 5, "CATEGORY", 1.0), Span(n, n + 2, "COUNT", 1.0)])
    assert item.category == "行政诉讼数" and item.value == 0
    assert Text(doubled).unwrapped is not None


def test_invisible_characters_are_taken_out_and_line_separators_break_lines():
    """Zero-width characters would split a figure or a word if blanked; U+2028/2029, a form feed (a page
    break) and a vertical tab end a line."""
    from xxgk.inputs.html import html_to_text
    from xxgk.text import normalise_newlines

    s = "行政\u200b处罚10\u00ad\u200d10件\u2028第二行\u2029\ufeff第三行\x07\x0c第四行\x0b第五行"
    assert normalise_newlines(s) == "行政处罚1010件\n第二行\n第三行 \n第四行\n第五行"
    text, spans, _pictures = html_to_text("<p>全年公开\u200b信息</p><table><tr><td>规章</td><td>1\u200b2</td></tr></table>", "t.html")
    assert "全年公开信息" in text and "规章" in text
    (a, b), = spans
    assert "12" in text[a:b]  # the table's span counted on the text without them


def test_a_half_width_full_stop_ending_a_chinese_sentence_reads_as_one():
    from xxgk.text import full_stops

    s = "结合我局实际.一、总体情况\n邮箱pz@163.com.二、主动公开\n解读率100%.公开局长办公会议12次\n"
    assert full_stops(s) == s.replace("际.", "际。").replace("com.二", "com。二").replace("%.", "%。")
    for kept in ("5949.08", "1.属于国家秘密", "二.主动公开", "www.gov.cn", "总计00000001.属于", "等等...", "3.5亿"):
        assert full_stops(kept) == kept, kept
    assert Text("工作.二、主动公开").match == "工作。二、主动公开"
    assert Text("传真：0591-23100206.一、总体情况").match.endswith("06。一、总体情况")


def test_a_headings_decoration_is_blank_in_the_match_view():
    from xxgk.text import blank_markup

    assert blank_markup("【一、总体情况】\n■ 二、主动公开\n〖三、收到〗") == " 一、总体情况 \n  二、主动公开\n 三、收到 "
    for kept in ("详见【附件】", "文字【注】文字", "【一、总体情况】。后文"):
        assert blank_markup(kept) == kept, kept


def test_box_drawing_rules_between_cells_read_as_cell_separators():
    """Text converters draw a table's cells between box-drawing rules: the row reads as a pipe row."""
    from helpers import run_text
    from layouts import report

    text = report(layout="tab")
    boxed = "\n".join("│" + "│".join(ln.split("\t")) + "│" if "\t" in ln else ln for ln in text.split("\n"))
    assert "\t" not in boxed
    want, got = run_text(text), run_text(boxed)
    assert got.applications == want.applications and got.active_disclosure == want.active_disclosure
    assert got.applications is not None and got.applications.new_received.total is not None
