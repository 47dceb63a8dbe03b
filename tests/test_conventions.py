"""The labelling conventions the rules and the tagger share (xxgk.conventions), and that both use them."""

import re

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


# ---------------------------------------------------------------------------------------------
# whole-word categories and channels (issue 14; annotations/GUIDE.md, CATEGORY)
# ---------------------------------------------------------------------------------------------

from xxgk.conventions import channel_category, inside_word, on_words  # noqa: E402


def test_inside_word_reads_jieba_words_across_a_hard_wrap():
    text = "共计95个，发布政务信息12条，市政府网站主动公开各类政\n府信息 5500 余条"
    assert inside_word(text, text.index("计"))  # 共|计
    assert not inside_word(text, text.index("政务"))
    assert inside_word(text, text.index("信息", text.index("政务")))  # 政务|信息 is one word
    assert inside_word(text, text.index("\n") + 1)  # 政⏎|府: the wrap does not end the word
    assert not inside_word(text, text.index("95"))


@pytest.mark.parametrize("phrase,whole", [
    ("政\n府信息", "政\n府信息"), ("政务", "政务信息"), ("共计", ""), ("调查问卷", "调查问卷"),
])
def test_categories_are_put_on_whole_words(phrase, whole):
    text = {"政务": "，政务信息发布393条", "调查问卷": "，组织开展调查问卷4次"}.get(phrase, "，" + phrase + "12条")
    a = text.index(phrase)
    got = text[slice(*trim_category(text, a, a + len(phrase)))]
    assert got == whole
    ca, cb = on_words(text, a, a + len(phrase))
    assert not inside_word(text, ca) and not inside_word(text, cb)


def test_the_1836_312_1524_sentence_gives_three_categories():
    text = "2021 年，轵城镇在各类公开载体发布信息 1836 条，其中通过微信公众平台“济源轵城”发布信息 312 条，通过政府网站发布信息 1524 条。"
    cats = [text[s.start:s.end] for s in rule_spans(Text(text), 0, len(text)) if s.label == "CATEGORY"]
    assert cats == ["公开载体", "微信公众平台“济源轵城”", "政府网站"]
    head = text.index("信息 312")
    assert text[slice(*channel_category(text, head, head + 2))] == "微信公众平台“济源轵城”"


@pytest.mark.parametrize("sentence,channel", [
    ("我局通过微信公众号公开政府信息480条", "微信公众号"), ("微博发布信息103条", "微博"),
    ("市科委通过部门网站当年发布政府信息 393 件", "部门网站"), ("全年共发布信息1836条", None),
    ("本年度公开信息77条", None), ("党务公开信息43条", None),
])
def test_a_generic_count_takes_its_channel(sentence, channel):
    a = sentence.rindex("信息")
    if sentence[a - 2:a] in ("政府", "政务"):
        a -= 2
    b = sentence.rindex("信息") + 2
    got = channel_category(sentence, a, b)
    assert (sentence[slice(*got)] if got else None) == channel


def test_rule_categories_never_start_or_end_inside_a_word():
    text = ("全市在运维政务新媒体共计 95 个。行政许可和其他对外管理服务事项类信息4条；发布公告公示、部门动态等85条，"
            "政务信息发布 393 条，解读类信息发布 21 条，“三公”经费20条，共发布999篇公众号信息。")
    spans = [s for s in rule_spans(Text(text), 0, len(text)) if s.label == "CATEGORY"]
    assert spans
    for s in spans:
        assert not inside_word(text, s.start) and not inside_word(text, s.end), text[s.start:s.end]


def test_synthetic_reports_label_whole_word_categories():
    from xxgk.tagger.synth import synth_examples

    n = 0
    for ex in synth_examples(40, seed=3):
        for a, b, lab, *_ in ex.spans:
            if lab == "CATEGORY":
                n += 1
                assert not inside_word(ex.text, a) and not inside_word(ex.text, b), ex.text[a:b]
    assert n > 100


def test_a_hard_wrap_inside_a_verb_or_a_figure_changes_nothing():
    from helpers import run_text

    clean = "一、总体情况\n全年通过政府网站发布政策解读20条，编辑出版政府公报9期，在今日头条发布信息1118条。\n"
    wrapped = "一、总体情况\n全年通过政府网站发布政策解读2\n0条，编辑出版政府公报9期，在今日头条发\n布信息11\n18条。\n"
    from xxgk.evaluation.metrics import cat_key

    def items(text):
        return [(x.value, cat_key(x.category)) for x in run_text(text).narrative]

    assert items(clean) == [(20, "政策解读"), (9, "政府公报"), (1118, "今日头条")]
    assert items(wrapped) == items(clean)


# Each pair: a sentence as written, and the same sentence hard-wrapped where the fixtures' wraps fell
# (after a category, inside a word, after an opening quote, after a space, inside a boundary word);
# and the same again with the page flattened to one line, each line break a space (政府信 息).
# The record must not change, and a category's text carries no line break (its offsets still do).
@pytest.mark.parametrize("brk", ["\n", " "])
@pytest.mark.parametrize("clean,cut_after", [
    ("全年主动公开政府信息152条，其中行政法规、规章和规范性文件类信息2条；机关职能类信息30条。", "规范性文件"),
    ("基层政务公开领域信息124条,工作动态34条,预算决算4条。", "工作动态"),
    ("方便群众了解信息，2020年共发布244篇公众号信息。", "244篇"),
    ("共发布了40期安全生产信息简报。", "安全生产信息"),
    ("工作信息30条、财政信息4条、人事信息5条。", "人事信"),
    ("受理申请5件。“同意公开”3件，“部分公开”0件、“不予公开”2件。", "“"),
    ("受理申请5件。“同意公开”3件，“部分公开”0件、“不予公开”2件。", "“部分公开”"),  # a PDF hangs the ” at a line's end
    ("全年在各类公开载体发布信息 1836 条，其中通过政府网站发布信息 1524 条。", "信息 "),
    ("推进重大决策预公开。公开政策解读信息26条。", "。公"),
    ("突发公共事件的应急预案5条，其他应主动公开的政府信息53条。", "其他应"),
    ("所有信息均在20个工作日内公开，共公开各类信息23条。", "20个工"),
    ("通过政府网站主动公开政府信息86条。", "主动公开政"),
])
def test_a_hard_wrap_where_the_fixtures_had_one_changes_nothing(clean, cut_after, brk):
    from helpers import run_text
    from xxgk.evaluation.metrics import cat_key

    i = clean.index(cut_after) + len(cut_after)
    wrapped = clean[:i] + brk + clean[i:]

    def items(text):
        return [(x.value, x.category) for x in run_text("一、总体情况" + brk + text + brk).narrative]

    assert items(clean) and all(c is None or not re.search(r"[\u4e00-\u9fff]\s", c) for _, c in items(wrapped))
    assert [(v, cat_key(c)) for v, c in items(wrapped)] == [(v, cat_key(c)) for v, c in items(clean)]


def test_a_count_right_after_a_comma_is_a_count_and_a_thousands_group_is_not():
    from helpers import run_text

    got = [(x.value, x.category) for x in run_text("一、总体情况\n整改到位。目前，70个新媒体账号运行良好；发布信息1,234条。\n").narrative]
    assert [v for v, _ in got] == [70, 1234]


def test_a_volume_word_after_the_verb_is_not_the_category():
    from helpers import run_text

    got = [(x.value, x.category) for x in run_text(
        "一、总体情况\n全年信息公开目录信息更新量599条，政务信息公开主动公开总数146条。\n").narrative]
    assert got == [(599, "信息公开目录"), (146, "政务信息")]


def test_unwrap_removes_only_layout_line_breaks():
    from xxgk.conventions import unwrap

    assert unwrap("扶贫、教育、医\n疗") == "扶贫、教育、医疗"
    assert unwrap("政府 \n 网站") == "政府网站"
    assert unwrap("APP\nStore") == "APP Store"
    assert unwrap("公 示公告") == unwrap("公\u3000示公告") == "公示公告"  # a flattened page's line break
    assert unwrap("微信 WeChat 公众号") == "微信 WeChat 公众号"


def test_a_free_form_reports_section_two_is_running_text():
    """A pre-2019 report's section 二 stands where table 二 would be; no table is read there, so its
    counts are narrative like section 一's."""
    from helpers import run_text

    rec = run_text("平潭综合实验区2018年政府信息公开工作年度报告\n一、概述\n2018年，我区认真贯彻落实政府信息公开条例。\n"
                   "二、主动公开政府信息情况\n（一）主动公开政府信息的数量\n2018年全区主动公开政府信息2069条。"
                   "主动公开政府信息的主要类别有：机构职能类信息211条，规划计划类信息15条。\n"
                   "三、依申请公开政府信息情况\n2018年未收到政府信息公开申请。\n")
    assert rec.format == "pre2019" and rec.active_disclosure is None
    assert not [w for w in rec.warnings if w.startswith(("W120", "W121", "W126"))]  # no fixed tables to miss
    assert [(n.value, n.category) for n in rec.narrative] == [(2069, "政府信息"), (211, "机构职能"), (15, "规划计划")]


@pytest.mark.parametrize("layout", ["tab", "pipe", "cells"])
def test_sentences_before_a_table_in_its_section_are_running_text(layout):
    """Section 二 may open with sentences before table 二 (the 2019 template's free-form habit kept in a
    2021 report); they are narrative, and the table's own cells are not."""
    from helpers import run_text
    from layouts import T2_2021, report

    text = report(layout=layout).replace(
        "二、主动公开政府信息情况", "二、主动公开政府信息情况（一）主动公开政府信息的数量2022年制作、获取政府信息总数510条。", 1)
    rec = run_text(text)
    assert rec.active_disclosure is not None
    assert rec.active_disclosure.normative_documents.in_force == T2_2021["normative_documents"]["in_force"]
    assert [(n.value, n.category) for n in rec.narrative] == [(185, "政府信息"), (90, "工作动态"), (510, "政府信息")]


def test_a_quantity_adverb_does_not_hide_the_thing_named_before_it():
    from helpers import run_text

    got = [(x.value, x.category) for x in run_text(
        "一、总体情况\n其中：财政预算、决算报告共3条；专项资金使用情况公开共62条；其他文件累计2条。\n").narrative]
    assert got == [(3, "财政预算、决算报告"), (62, "专项资金使用情况公开"), (2, "其他文件")]


@pytest.mark.parametrize("sentence,expected", [
    # a channel noun ending a compound (门户网站) still cuts with its verb
    ("主动在张家港市政府门户网站公开部门文件219件。", [(219, "部门文件")]),
    ("共在各级各类新闻媒体刊发稿件1592篇。", [(1592, "稿件")]),
    ("向社会各界公布自然资源政府信息累计131条。", [(131, "自然资源政府信息")]),
    # 信息数 is 信息 (then its channel, when the clause names one)
    ("全年主动公开信息数160条，其中机关职能类信息20条。", [(160, "信息"), (20, "机关职能")]),
    # outcome nouns that are also boundary verbs
    ("所有办结的信息公开申请中同意公开答复 9 件，不予处理 0 件，其他处理 14 件。",
     [(9, "同意公开答复"), (0, "不予处理"), (14, "其他处理")]),
])
def test_categories_around_verbs(sentence, expected):
    from helpers import run_text

    assert [(x.value, x.category) for x in run_text("一、总体情况\n" + sentence + "\n").narrative] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("2018年政府信息公开专栏访问量达108932人次。", [(108932, "政府信息公开专栏访问量")]),  # a year before the thing
    ("2020年度和平街道发生依申请公开1次。", [(1, "依申请公开")]),
    ("本年度受理申请总数为15件。", [(15, "申请")]),  # a copula links the thing to its count
    ("2024 年市科委有 1 件涉及政府信息公开工作的行政复议。", [(1, None)]),  # 有 is a verb, not part of a name
    ("所有信息20条。", [(20, "信息")]),
    # a classifier, a list closed by 等, or a modifier before the count: the noun after the unit is counted
    ("新增社保等8个便民主题，涉及21个领域68项内容。", [(8, "便民主题"), (21, "领域"), (68, "内容")]),
    ("对全区现存的33个政务新媒体，全面检查。", [(33, "政务新媒体")]),
    ("微信公众号41个，共发布信息3404条。", [(41, "微信公众号"), (3404, "信息")]),  # 号 of an account is no doc number
    ("政务动态信息1297条，公开目录信息580条。", [(1297, "政务动态"), (580, "公开目录")]),
    ("通过邮寄、网络提交的各类政府信息公开申请21件。因政府信息公开产生行政复议共2件。",
     [(21, "政府信息公开申请"), (2, "行政复议")]),  # 提交, 产生: verbs
    ("本机关共受理公开申请34件，均在法定期限内予以办理。", [(34, "公开申请")]),  # 公开申请 is a noun, not 公开 + 申请
    ("主要涉及征地拆迁等方面，21件公开申请均在法定时限内办理。", [(21, "公开申请")]),  # an adverb ends the noun after the unit
])
def test_years_verbs_and_copulas_before_a_count(sentence, expected):
    from helpers import run_text

    assert [(x.value, x.category) for x in run_text("一、总体情况\n" + sentence + "\n").narrative] == expected


def test_a_page_wrapped_at_a_fixed_width_reads_its_sentences_whole():
    """On a page hard-wrapped at one width, a line that fills the width and does not end a sentence
    continues on the next (Text.wrap_breaks): the narrative reads the sentence whole wherever the wrap
    fell (a verb, a unit, a volume word), and the offsets still point at the wrapped text."""
    from helpers import run_text
    from xxgk.evaluation.metrics import cat_key

    width = 40
    filler = "本局认真落实政府信息公开条例各项要求，扎实推进政务公开工作，不断提升公开质量，"
    cuts = [("全年通过网站发布信息1877条，其中公开", "目录信息580条。"),
            ("微信公众号发布稿件605篇，阅读量达100余", "万次。"),
            ("全年主动公开信息", "数86条，其中机关职能类信息8条。")]
    clean_lines, wrapped_lines = ["一、总体情况"], ["一、总体情况"]
    for before, after in cuts:
        head = (filler * 3)[:width - len(before)] + before
        clean_lines.append(head + after)
        wrapped_lines += [head, after]
    page = [(filler * 3)[:width]] * 6  # more lines of the page's width
    clean = "\n".join(clean_lines + page)
    wrapped = "\n".join(wrapped_lines + page)

    def items(text):
        return [(x.value, cat_key(x.category)) for x in run_text(text).narrative]

    assert items(clean) == [(1877, "网站"), (580, "公开目录"), (605, "稿件"), (1000000, "阅读量"), (86, "信息"),
                            (8, "机关职能")]
    assert items(wrapped) == items(clean)
    rec = run_text(wrapped)
    assert [wrapped[x.start:x.end] for x in rec.narrative][3] == "100余\n万次"


@pytest.mark.parametrize("junk", ["点击进入 www.example-bet.com", "www.88bet.com"])
def test_a_link_line_injected_inside_a_sentence_is_not_part_of_it(junk):
    """A hijacked mirror injects lines that are only a web address: the sentence reads as if the line
    were not there (a line that states something around an address is a sentence and stays)."""
    from helpers import run_text

    clean = "一、总体情况\n全年共收到政府信息公开申请17件，办结17件。\n"
    dirty = f"一、总体情况\n全年共收到政府\n{junk}\n信息公开申请17件，办结17件。\n"
    items = lambda text: [(x.value, x.category) for x in run_text(text).narrative]  # noqa: E731
    assert items(clean) == [(17, "政府信息公开申请"), (17, None)]
    assert items(dirty) == items(clean)
    assert items("一、总体情况\n通过门户网站www.xx.gov.cn发布信息86条。\n") == [(86, "信息")]


@pytest.mark.parametrize("lines", [1, 12])
def test_a_letter_spaced_line_reads_as_written(lines):
    """A PDF's justified line puts a blank between every two characters (号 ， 邮 编); the narrative
    reads it as the sentence it is, on a page of many lines or of a few long ones. One blank in a
    line (a junk line's 彩票开奖结果 实时查询) is no letter spacing."""
    from helpers import run_text
    from xxgk.text import Text

    sentence = "全年主动公开政府信息86条，其中政策解读5条，通过政务微博发布信息12条。"
    spaced = re.sub(r"(?<=[^\x00-\x7f])(?=[^\x00-\x7f])", " ", sentence)
    filler = ["本局认真落实条例，扎实推进政务公开工作。" * (20 // lines)] * lines

    def items(s):
        return [(x.value, x.category) for x in run_text("\n".join(["一、总体情况", s] + filler)).narrative]

    assert items(sentence) == [(86, "政府信息"), (5, "政策解读"), (12, "政务微博")]
    assert items(spaced) == items(sentence)
    assert Text("彩票开奖结果 实时查询\n" + spaced).letter_spacing[0] > len("彩票开奖结果 实时查询")


def test_a_sentence_across_a_pdf_page_break_reads_whole():
    """The page number and the running head (the title, repeated at each page's top) between two lines of
    a sentence are page furniture, not part of it."""
    from helpers import run_text

    title = "某镇2022年政府信息公开工作年度报告"
    clean = f"{title}\n一、总体情况\n全年主动公开政府信息86条，其中组织机构\n信息3条。\n二、主动公开政府信息情况\n"
    paged = clean.replace("组织机构\n", f"组织机构\n- 1 -\n{title}\n")
    items = lambda text: [(x.value, x.category) for x in run_text(text).narrative]  # noqa: E731
    assert [v for v, _ in items(clean)] == [86, 3]
    assert items(paged) == items(clean)
