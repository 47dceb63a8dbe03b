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
