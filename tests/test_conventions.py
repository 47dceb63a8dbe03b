"""The labelling conventions the rules and the tagger share (xxgk.conventions), and that both use them."""

import pytest

from xxgk.conventions import header_lines, is_headline_total, trim_category
from xxgk.rules.narrative import rule_spans
from xxgk.tagger.postprocess import postprocess
from xxgk.text import Text


@pytest.mark.parametrize("phrase,trimmed", [
    ("工作动态类信息数量", "工作动态"), ("党务公开信息", "党务公开"), ("其他类信息", "其他"), ("信息", "信息"),
    ("领导信息类", "领导"), ("各类政府信息", "政府信息"), ("项目的", "项目"), ("领域公共", "领域公共"),
    ("政策文件等", "政策文件"), ("各类", ""),
])
def test_trim_category_as_the_guide_says(phrase, trimmed):
    text = "，" + phrase + "12条"
    a, b = trim_category(text, 1, 1 + len(phrase))
    assert text[a:b] == trimmed


@pytest.mark.parametrize("phrase", ["项目的", "工作动态类信息数量", "领导信息类", "政府信息"])
def test_rules_and_tagger_trim_a_category_alike(phrase):
    text = f"今年发布{phrase}12条。"
    rule_cats = [text[s.start:s.end] for s in rule_spans(Text(text), 0, len(text)) if s.label == "CATEGORY"]
    a = text.index(phrase)
    n = text.index("12")
    spans = [[a, a + len(phrase), "CATEGORY", 0.9, 0.0], [n, n + 3, "COUNT", 0.9, 0.0]]
    model_cats = [text[x:y] for x, y, lab, _ in postprocess(text, spans) if lab == "CATEGORY"]
    assert rule_cats == model_cats == [text[slice(*trim_category(text, a, a + len(phrase)))]]


def test_headline_total_cue():
    t = "全年主动公开政府信息185条，其中工作动态90条。"
    assert is_headline_total(t, t.index("185"), t.index("185") + 4)
    t = "其中工作动态90条。"
    assert not is_headline_total(t, t.index("90"), t.index("90") + 3)
    t = "发布信息共计70条"
    assert is_headline_total(t, t.index("70"), t.index("70") + 3)
    t = "收到依申请公开4件"
    assert not is_headline_total(t, t.index("4"), t.index("4") + 2)


def test_the_tagger_falls_back_on_the_same_total_cue():
    """With no TOTAL mass, the tagger's headline total is the first count the shared cue accepts."""
    text = "办理建议5件。全年主动公开政府信息185条，其中工作动态90条。"
    spans = [[text.index(x), text.index(x) + len(x), "COUNT", 0.9, 0.0] for x in ("5件", "185条", "90条")]
    got = [(text[a:b], lab) for a, b, lab, _ in postprocess(text, spans)]
    assert got == [("5件", "COUNT"), ("185条", "TOTAL"), ("90条", "COUNT")]


def test_header_lines_read_the_text_and_its_match_view_alike():
    text = "标题\n（一）主动公开\n一、总体情况\n1．概述\n二、" + "很长的一行" * 20 + "\n正文"
    lines = list(header_lines(text))
    assert [text[a:b] for a, b in lines] == ["（一）主动公开", "一、总体情况", "1．概述"]
    assert list(header_lines(Text(text).match)) == lines
