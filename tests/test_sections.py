"""Section headers in every style, and the things that look like headers but are not."""

import pytest

from helpers import run_text


def numbers(text):
    return [s.number for s in run_text(text).sections]


BODY = "正文内容。\n"


@pytest.mark.parametrize("style", ["一、{t}", "一.{t}", "一．{t}", "（一）{t}", "1. {t}", "## 一、{t}", "第一部分 {t}"])
def test_numbering_styles(style):
    titles = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议、行政诉讼情况",
              "存在的主要问题及改进情况", "其他需要报告的事项"]
    cn = "一二三四五六"
    lines = []
    for i, t in enumerate(titles):
        s = style.replace("一", cn[i]).replace("1", str(i + 1)).format(t=t)
        lines += [s, BODY]
    assert numbers("某县2022年政府信息公开工作年度报告\n" + "\n".join(lines)) == [1, 2, 3, 4, 5, 6]


def test_headers_glued_to_paragraphs_on_one_line():
    text = ("清水县人民政府2019年 政府信息公开工作年度报告 一、总体情况 2019年,本县认真落实。 二、主动公开政府信息情况第二十条第（一）项"
            " 三、收到和处理政府信息公开申请情况（本列数据） 四、政府信息公开行政复议、行政诉讼情况 0 0 五、存在的主要问题及改进情况 不足。"
            " 六、其他需要报告的事项 无。")
    assert numbers(text) == [1, 2, 3, 4, 5, 6]


def test_header_broken_across_lines_and_typo():
    text = ("一、总体情况\n正文。\n四、政府信息公开行政法复议、行\n政诉讼情况\n0 0\n五、存在的主要问题及改进情况\n不足。")
    rec = run_text(text)
    assert [s.number for s in rec.sections] == [1, 4, 5]
    assert rec.sections[1].title == "四、政府信息公开行政法复议、行\n政诉讼情况"


def test_intro_sentence_listing_all_sections_is_not_a_header():
    text = ("本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、行政诉讼情况、"
            "存在的主要问题及改进情况、其他需要报告的事项六部分组成。\n"
            "本报告主要内容包括：1.总体情况；2.主动公开政府信息情况；3.收到和处理政府信息公开申请情况。\n"
            "一、总体情况\n正文。")
    rec = run_text(text)
    assert [(s.number, s.title) for s in rec.sections] == [(1, "一、总体情况")]


def test_subheaders_and_table_of_contents_are_not_headers():
    text = ("目录\n一、总体情况.............................................. 1\n二、主动公开政府信息情况 ........ 10\n"
            "一、总体情况\n（一）主动公开情况。全年主动公开政府信息100条。\n（二）依申请公开情况。收到申请0件。\n")
    rec = run_text(text)
    assert [s.number for s in rec.sections] == [1]
    assert rec.sections[0].start == text.index("一、总体情况\n（一）")


def test_spam_and_pinyin_injected_into_headers():
    text = ("一,、總體情況\n正文。\n二、主動公開政府信息情況\n正文。\n三、收到和處理政府信(xìn)息公開申請情況\n正文。\n"
            "四、政府信息公开行政复议澳门金沙、行政诉讼情况\n正文。")
    assert numbers(text) == [1, 2, 3, 4]


def test_chrome_duplicate_before_the_title_is_skipped():
    text = " 一、总体情况\n\n送庄镇人民政府2022年政府信息公开工作年度报告\n\n一、总体情况\n\n2022年，我镇……\n"
    rec = run_text(text)
    assert rec.sections[0].start == text.index("一、总体情况\n\n2022")


def test_interpretation_article_is_not_a_report():
    text = ("图解：某市2022年政府信息公开工作年度报告\n一、总体情况\n全年主动公开信息100条。\n二、主动公开政府信息情况\n")
    rec = run_text(text)
    assert rec.status == "failed" and rec.errors[0].startswith("E013")


def test_text_that_is_not_a_report():
    rec = run_text("今天天气很好，我们去公园散步，看到很多花。" * 5)
    assert rec.status == "failed" and rec.errors[0].startswith("E012")


@pytest.mark.parametrize("sep", ["\n", " "])
def test_two_numbering_systems(sep):
    # the tables' sections numbered apart from the report's own, and table captions with the section's
    # wording and number (表二：主动公开政府信息情况): the caption's numeral is the table's, not the section's,
    # with or without the line breaks
    lines = ["2024年上海市科委政府信息公开工作年度报告", "一、总体情况", "正文。", "二、工作机制保障", "正文。", "三、主动公开工作情况",
             "正文。", "四、政府信息公开申请情况", "正文。", "一、主动公开政府信息情况", "第二十条", "## 表二：主动公开政府信息情况",
             "| 规章 | 0 | 0 | 0 |", "二、收到和处理政府信息公开申请情况", "表", "三、政府信息公开行政复议、行政诉讼情况", "表",
             "五、其他需要报告的事项", "无。"]
    rec = run_text(sep.join(lines))
    assert [(s.number, s.title) for s in rec.sections] == [
        (1, "一、总体情况"), (2, "一、主动公开政府信息情况"), (3, "二、收到和处理政府信息公开申请情况"),
        (4, "三、政府信息公开行政复议、行政诉讼情况"), (6, "五、其他需要报告的事项")]
    assert "sections.5" in rec.missing and rec.status == "partial"


def test_a_table_caption_stands_in_for_a_missing_header():
    text = ("某县2022年政府信息公开工作年度报告\n一、总体情况\n正文。\n表二：主动公开政府信息情况\n第二十条\n"
            "三、收到和处理政府信息公开申请情况\n表\n")
    assert [(s.number, s.title) for s in run_text(text).sections][:2] == [(1, "一、总体情况"), (2, "表二：主动公开政府信息情况")]


@pytest.mark.parametrize("sep", ["\n", " "])
def test_publication_date_read_whether_or_not_the_body_kept_its_line_breaks(sep):
    head = sep.join(["某某镇人民政府2023年政府信息公开工作年度报告", "来源：某某镇人民政府", "时间：2024-01-03 15:00",
                     "一、总体情况", "全年主动公开政府信息86条。"])
    assert run_text(head).meta.published == "2024-01-03"
    signed = sep.join(["某某镇人民政府2023年政府信息公开工作年度报告", "一、总体情况", "全年主动公开政府信息86条。",
                       "六、其他需要报告的事项", "本年度未收取信息处理费。", "某某镇人民政府", "2024年1月22日"])
    assert run_text(signed).meta.published == "2024-01-22"
    # a date inside a sentence is not the publication date, with or without line breaks
    unsigned = sep.join(["某某镇人民政府2023年政府信息公开工作年度报告", "一、总体情况",
                         "统计期限为2023年1月1日至2023年12月31日。", "六、其他需要报告的事项", "无。"])
    assert run_text(unsigned).meta.published is None


def test_the_2008_template_headers_of_a_free_form_report():
    """Reports before 2019 followed the 2008 regulation's outline: 概述, 主动公开, 依申请公开, 收费及减免,
    行政复议和行政诉讼, 问题和改进, 其他. They map onto the six sections by meaning (annotations/GUIDE.md)."""
    text = ("某区2016年政府信息公开工作年度报告\n一、概述\n正文。\n二、主动公开政府信息情况\n正文。\n"
            "三、政府信息依申请公开工作情况\n2016年未收到申请。\n四、政府信息公开的收费及减免情况\n暂不收费。\n"
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况\n未收到。\n六、政府信息公开工作存在的主要问题和改进措施\n不足。\n"
            "七、其他需说明事项\n无。\n")
    assert numbers(text) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("chrome", ["注册无障碍浏览", "有效", "政府信息公开年报", "年", "ENGLISH", "正文"])
def test_page_chrome_glued_onto_the_title_is_not_the_body(chrome):
    """A page flattened with no separator glues its navigation onto the title line; the body's name is
    the part the report names again (its signature), and a place name is never cut."""
    text = (f"首页{chrome}马头铺镇人民政府2022年度政府信息公开工作年度报告一、总体情况2022年，我镇认真落实条例。"
            "六、其他需要报告的事项无。马头铺镇人民政府2023年1月20日")
    rec = run_text(text)
    assert rec.meta.organization == "马头铺镇人民政府"
    assert rec.meta.title == "马头铺镇人民政府2022年度政府信息公开工作年度报告"
    rec = run_text("武汉市公安局2024年度政府信息公开工作报告\n一、总体情况\n市公安局认真落实条例。\n")
    assert rec.meta.organization == "武汉市公安局"


def test_a_hard_wrap_that_starts_a_line_with_a_report_name_does_not_make_it_a_title():
    """On a page wrapped at a fixed width, a line that fills the width without ending a sentence
    continues on the next: the sentence 特向社会公布 / 2023年…年度报告。本报告… names no title. A title of
    its own, wrapped the same way, is still found."""
    width = 38
    intro = ("根据《中华人民共和国政府信息公开条例》和《关于印发中华人民共和国政府信息公开工作年度报告格式的通知》"
             "（国办公开办函〔2021〕30号）要求，特向社会公布2023年政府信息公开工作年度报告。本报告包括总体情况、主动公开政府信息情况等六个部分。"
             "本报告所列数据统计期限自2023年1月1日起至12月31日止，如有疑问请与本局联系，电话0532-87362451。")
    body = "一、总体情况\n本年度主动公开政府信息120条，其中政策解读12条，政府网站发布信息108条。\n"

    def wrap(s):
        return "\n".join(line[i:i + width] for line in s.split("\n") for i in range(0, max(len(line), 1), width))

    text = wrap(intro + "\n" + body * 3)
    start = text.index("2023年政府信息公开工作年度报告")
    assert text[start - 1] == "\n"  # the wrap put the report's name at a line start
    assert run_text(text).meta.title is None
    titled = wrap("平度市公安局2023年政府信息公开工作年度报告\n" + intro + "\n" + body * 3)
    assert run_text(titled).meta.title == "平度市公安局2023年政府信息公开工作年度报告"


def test_a_title_hard_wrapped_inside_the_bodys_name_keeps_the_whole_name():
    """A break the wrap put inside the name is not the gap between page chrome and the name."""
    width = 42
    intro = ("根据《中华人民共和国政府信息公开条例》和上级相关文件要求,我局组织编制了《苍溪县自然资源局2024年政府信息公开工作"
             "年度报告》(以下简称《年度报告》),现通过苍溪县人民政府网向社会公布。")
    body = "一、总体情况\n本年度主动公开政府信息120条，其中政策解读12条，政府网站发布信息108条，政务新媒体发布信息36条，召开新闻发布会3场。\n"
    text = "\n".join(line[i:i + width] for line in (intro + "\n" + body * 4).split("\n")
                     for i in range(0, max(len(line), 1), width))
    assert "自然\n资源局" in text
    meta = run_text(text).meta
    assert (meta.organization, meta.title) == ("苍溪县自然资源局", "苍溪县自然资源局2024年政府信息公开工作年度报告")


def test_a_link_and_a_flattened_line_break_are_not_part_of_the_title():
    text = ("点击进入 www.example-bet.com 2021年东湖高新区教育局政府信息公开工作 年度报告 一、总体情况 全年主动公开政府信息86条。"
            " 六、其他需要报告的事项 无。")
    meta = run_text(text).meta
    assert (meta.organization, meta.title) == ("东湖高新区教育局", "2021年东湖高新区教育局政府信息公开工作年度报告")


@pytest.mark.parametrize("sep", ["\n", " ", ""])
def test_a_header_cut_by_the_end_of_a_page_that_lost_its_line_breaks(sep):
    text = sep.join(["某县2022年政府信息公开工作年度报告", "一、总体情况", "全年主动公开政府信息86条，制定了工作职责。", "二、主动公"])
    assert numbers(text) == [1, 2]
    # a sentence that ends the page is not a cut header
    assert numbers(sep.join(["某县2022年政府信息公开工作年度报告", "一、总体情况", "全年主动公开政府信息86条。"])) == [1]


def test_a_date_stamp_glued_onto_the_title_is_the_publication_date():
    text = ("东安区人民政府办公室2021年政府信息公开工作年度报告2022/1/29 14:59:38来源:区政府办一、总体情况"
            "本年度报告中所列数据的统计期限为2021年1月1日至12月31日。全年主动公开政府信息86条。")
    assert run_text(text).meta.published == "2022-01-29"


@pytest.mark.parametrize("line", [
    "某县2022年政府信息公开工作年度报告",
    "无障碍 首页 太平乡2020年度政府信息公开工作年度报告 2021年政务公开工作报告",
    "x" * 3000 + "县2019 年 度政务信息公开工作报告" + "，" * 50 + "2020年信息公开报告",
    "2023年 " + "甲" * 45 + "2024年度乙局政府信息公开报告",
    " " * 60 + "2021年政府信息公开报告",
])
def test_title_search_from_the_years_finds_what_the_plain_scan_finds(line):
    """`labels.title_matches` starts its search near each year instead of at every position of a long
    line: the matches must be those of `TITLE.finditer`."""
    from xxgk.rules import labels

    def spans(it):
        return [(m.span(), m.groupdict()) for m in it]

    assert spans(labels.title_matches(line)) == spans(labels.TITLE.finditer(line))
    assert spans(labels.title_matches(line))  # each line holds a title



@pytest.mark.parametrize("sep", ["\n", " "])
def test_links_to_other_reports_under_the_article_are_not_its_title(sep):
    """A page ends with links: 上一篇/下一篇 and a 相关链接 list, other years' reports of the same body among
    them. They are never the report's title, whether the report's own title is a line of its own, glued
    to its first paragraph (a one-line body), or missing (a page cut above it)."""
    links = ["上一篇：某县人民政府2021年政府信息公开工作年度报告", "下一篇：某县人民政府关于印发2023年政务公开工作要点的通知",
             "相关链接", "某县人民政府2020年政府信息公开工作年度报告", "【打印本页】【关闭窗口】"]
    body = ["一、总体情况", "全年主动公开政府信息86条。", "二、主动公开政府信息情况", "规章 0 1 12"]
    for title, want in (("某县人民政府2022年政府信息公开工作年度报告", ("某县人民政府", 2022)), (None, (None, 2022))):
        lines = ([title] if title else []) + body + links
        meta = run_text(sep.join(lines).replace("全年", "2022年全年")).meta
        assert (meta.organization, meta.year) == want, (title, sep)
    # a page that repeats 一、总体情况 above the title as a heading keeps the title
    meta = run_text("\n".join(["一、总体情况", "某县人民政府2022年政府信息公开工作年度报告", *body])).meta
    assert meta.title == "某县人民政府2022年政府信息公开工作年度报告"
    # a page cut to its tables (no sentence, no title): the links' years are not its year
    meta = run_text("\n".join(body[2:] + links)).meta
    assert (meta.title, meta.year) == (None, None)
    # a list of links read before the article (a sidebar) does not end the search for its title
    meta = run_text("\n".join(["相关文章", "某县人民政府关于印发2023年政务公开工作要点的通知",
                                "某县人民政府2022年政府信息公开工作年度报告", *body, *links])).meta
    assert (meta.title, meta.year) == ("某县人民政府2022年政府信息公开工作年度报告", 2022)
