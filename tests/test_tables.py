"""The three tables in every layout: values come back exactly as written, NA as null, never 0."""

import pytest

from helpers import cells, run_text
from layouts import COLS, T2_2021, consistent_table3, report, report_html, table4
from xxgk.inputs.html import html_to_text
from xxgk.pipeline import extract
from xxgk.inputs.reading import Decoded

LAYOUTS = ["tab", "cells", "spaced", "pipe", "pipe-loose", "pdf", "pdf-centred"]


def assert_table3(rec, t3):
    got = cells(rec, "applications")
    wrong = [(k, c, t3[k][c], got.get(k, {}).get(c)) for k in t3 for c in COLS if got.get(k, {}).get(c) != t3[k][c]]
    assert wrong == []


@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_table3_and_4_in_every_layout(layout, fmt):
    t3, t4 = consistent_table3(7, fmt, big=True), table4(3)
    rec = run_text(report(t3, t4, layout=layout, fmt=fmt))
    # table 二 is printed in the 2021 layout here; its labels decide the format, and a 2019-style
    # table 三 (one （六） row, as some 2021 reports keep) is still read with its own rows
    assert rec.format == "2021"
    assert type(rec.applications).__name__ == f"Applications{fmt}"
    assert_table3(rec, t3)
    assert cells(rec, "review_litigation") == t4
    assert [c.rule for c in rec.checks if c.status != "PASS"] == []
    assert rec.status == "ok"
    assert {p.method for k, p in rec.provenance.items() if k.startswith("applications")} == {"text_table"}


@pytest.mark.parametrize("layout", ["tab", "cells", "spaced", "pipe", "glued"])
def test_table2_2021(layout):
    text = report(layout="tab").replace(report(layout="tab").split("二、主动公开政府信息情况\n")[1].split("\n三、")[0],
                                        __import__("layouts").table2_text(layout))
    rec = run_text(text)
    ad = cells(rec, "active_disclosure")
    if layout == "glued":
        # 规章1011: of 1,0,11 and 10,1,1 only the first has in force ≥ issued − repealed (derived, warned);
        # 行政规范性文件82666 stays ambiguous under that bound (8,2,666 / 8,26,66 / 8,266,6): warned, and
        # only the 8 that every allowed split shares is read
        assert ad["regulations"] == T2_2021["regulations"]
        assert rec.provenance["active_disclosure.regulations.in_force"].method == "derived"
        assert any(w.startswith("W122") and "in force ≥ issued − repealed" in w for w in rec.warnings)
        assert ad["normative_documents"] == {"issued": 8, "repealed": None, "in_force": None}
        assert rec.provenance["active_disclosure.normative_documents.issued"].method == "derived"
        assert any(w.startswith("W123") for w in rec.warnings)
        assert ad["licensing"] == T2_2021["licensing"] and ad["fees"] == T2_2021["fees"]
    else:
        assert ad == T2_2021
    assert isinstance(ad["fees"], float)


def test_table2_2019_layout_with_procurement():
    text = ("二、主动公开政府信息情况\n第二十条第(一)项 |\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n"
            "规章 | 0 | 0 | 0 |\n规范性文件 | 5 | 5 | 12 |\n第二十条第(五)项 |\n信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
            "行政许可 | 8 | -2 | 18000 |\n其他对外管理服务事项 | 25 | 0 | 1635 |\n第二十条第(六)项 |\n"
            "信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n行政处罚 | 1 | / | 93 |\n行政强制 | 1 | 0 | 0 |\n"
            "第二十条第(八)项 |\n信息内容 | 上一年项目数量 | 本年增/减 |\n行政事业性收费 | 0 | 0 |\n第二十条第(九)项 |\n"
            "信息内容 | 采购项目数量 | 采购总金额(万元) |\n政府集中采购 | 13 | 477.35 |\n三、收到和处理政府信息公开申请情况\n")
    rec = run_text("某镇2020年政府信息公开工作年度报告\n一、总体情况\n正文。\n" + text)
    assert rec.format == "2019"
    assert cells(rec, "active_disclosure") == {
        "regulations": {"made": 0, "published": 0, "total_public": 0},
        "normative_documents": {"made": 5, "published": 5, "total_public": 12},
        "licensing": {"prior_items": 8, "change": -2, "decisions": 18000},
        "other_services": {"prior_items": 25, "change": 0, "decisions": 1635},
        "punishment": {"prior_items": 1, "change": None, "decisions": 93},  # "/" is NA, not 0
        "coercion": {"prior_items": 1, "change": 0, "decisions": 0},
        "fees": {"prior_items": 0, "change": 0},
        "procurement": {"items": 13, "amount": 477.35},
    }


def test_html_grid():
    t3, t4 = consistent_table3(11, big=True), table4(5)
    text, spans, _pictures = html_to_text(report_html(t3, t4), "x.html")
    rec = extract(Decoded(text=text, sha256="x", html_spans=spans), "d", "x.html", system="rules")
    assert_table3(rec, t3)
    assert cells(rec, "review_litigation") == t4
    assert cells(rec, "active_disclosure") == T2_2021
    assert rec.provenance["applications.granted.total"].method == "html_table"
    assert rec.meta.title == "某某市人民政府2022年政府信息公开工作年度报告"
    assert [s.number for s in rec.sections] == [1, 2, 3, 4, 5, 6]


def test_glued_digits_split_by_the_tables_constraints():
    t3, t4 = consistent_table3(4), {g: {"upheld": 1, "corrected": 0, "other": 2, "pending": 0, "total": 3}
                                     for g in ("review", "litigation_direct", "litigation_after_review")}
    rec = run_text(report(t3, t4, layout="glued"))
    assert_table3(rec, t3)
    assert cells(rec, "review_litigation") == t4
    derived = {k for k, p in rec.provenance.items() if p.method == "derived"}
    multi = [k for k in t3 if len("".join(str(t3[k][c]) for c in COLS)) > 7]
    for k in multi:  # a run longer than its cells needed the row total: marked derived
        assert f"applications.{k}.total" in derived
    assert any(w.startswith("W122") for w in rec.warnings)


def test_glued_offsets_point_at_the_digits():
    text = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 申请人情况 "
            "一、本年新收政府信息公开申请数量 713000074二、上年结转政府信息公开申请数量 1000001")
    rec = run_text(text)
    p = rec.provenance["applications.new_received.natural_person"]
    assert text[p.start:p.end] == "71" and p.method == "derived"
    assert text[rec.provenance["applications.new_received.total"].start:
                rec.provenance["applications.new_received.total"].end] == "74"
    assert rec.applications.carried_over.natural_person == 1
    assert rec.provenance["applications.carried_over.total"].method == "text_table"  # 7 digits, 7 cells: read


def test_ambiguous_glued_run_is_left_null_not_guessed():
    text = ("三、收到和处理政府信息公开申请情况 申请人情况 一、本年新收政府信息公开申请数量 1111111111111124"
            " 二、上年结转政府信息公开申请数量 0000000")
    rec = run_text(text)
    assert rec.applications.new_received.total is None
    assert any(w.startswith("W123") for w in rec.warnings)


def test_a_zero_run_one_digit_short_is_no_cell():
    """'000000' for seven cells: six zeros and a blank cell, glued; the blank's place is unknown, so no cell is
    read (before, the run was taken for one cell: 自然人 0), and the record lists where the blank may be."""
    text = ("三、收到和处理政府信息公开申请情况 申请人情况 一、本年新收政府信息公开申请数量 1000001"
            " 二、上年结转政府信息公开申请数量 0000000 四、结转下年度继续办理 000000")
    rec = run_text(text)
    cf = rec.applications.carried_forward
    assert all(getattr(cf, c) is None for c in ("natural_person", "commercial", "total"))
    assert rec.applications.new_received.total == 1
    (run,) = [u for u in rec.unsplit if u.paths[0].startswith("applications.carried_forward")]
    assert run.digits == "000000" and len(run.paths) == 7 and len(run.candidates) == 7
    assert all(c.count(None) == 1 and c.count(0) == 6 for c in run.candidates)
    assert text[run.start:run.end] == "000000"
    assert run.allows([0, None, 0, 0, 0, 0, 0]) and not run.allows([0, 0, 0, 0, 0, 0, 0])


T2_2019_GLUED = ("一、总体情况 {prose}。 二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 "
                 "对外公开总数量 规章000规范性文件1077第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购1973601627.4 "
                 "三、收到和处理政府信息公开申请情况")


def test_glued_table2_run_split_by_the_figures_the_report_states_in_its_text():
    prose = "全年公开规范性文件类信息10条，在政府采购网发布采购信息197批次涉及金额3601627.4元"
    rec = run_text(T2_2019_GLUED.format(prose=prose))
    ad = rec.active_disclosure
    assert (ad.normative_documents.made, ad.normative_documents.published, ad.normative_documents.total_public) == (10, 7, 7)
    assert (ad.procurement.items, ad.procurement.amount) == (197, 3601627.4)
    text = T2_2019_GLUED.format(prose=prose)
    p = rec.provenance["active_disclosure.procurement.amount"]
    assert text[p.start:p.end] == "3601627.4" and p.method == "derived"
    assert sum("figures repeated in the text" in w for w in rec.warnings) == 2


def test_glued_table2_run_stays_null_when_the_text_names_another_row():
    # 10 appears in the prose, but next to 行政许可, not 规范性文件: no evidence for the split
    rec = run_text(T2_2019_GLUED.format(prose="办理行政许可10件，全年发布信息197批次"))
    assert rec.active_disclosure.normative_documents.made is None
    assert rec.active_disclosure.procurement.items is None
    assert sum(w.startswith("W123") for w in rec.warnings) == 2
    # the record lists, per run, the splits the row allows (a reviewer or a copy of the report decides)
    runs = {u.digits: u for u in rec.unsplit}
    nd = runs["1077"]
    assert nd.paths == ["active_disclosure.normative_documents.made", "active_disclosure.normative_documents.published",
                        "active_disclosure.normative_documents.total_public"]
    assert nd.candidates == [[1, 0, 77], [10, 7, 7]] and nd.complete
    text = T2_2019_GLUED.format(prose="办理行政许可10件，全年发布信息197批次")
    assert text[nd.start:nd.end] == "1077"
    pr = runs["1973601627.4"]
    assert pr.paths == ["active_disclosure.procurement.items", "active_disclosure.procurement.amount"]
    assert [197, 3601627.4] in pr.candidates and all(isinstance(c[1], float) for c in pr.candidates)
    # the cells table says so beside the empty cell
    from xxgk.batch.output import cell_rows

    row = next(r for r in cell_rows(rec) if r["path"] == "active_disclosure.normative_documents.made")
    assert row["value"] is None and row["note"] == "glued '1077' not split: 1 | 10"
    assert (row["start"], row["end"]) == (nd.start, nd.end)


@pytest.mark.parametrize("mark", ["-", "/", "—", "不适用"])
def test_na_marks_are_null_never_zero(mark):
    t3 = consistent_table3(2)
    t3["rejected_publication"] = dict.fromkeys(COLS)
    text = report(t3).replace("3.要求提供公开出版物\t" + "\t".join(["None"] * 7), "3.要求提供公开出版物\t" + "\t".join([mark] * 7))
    text = text.replace("None", mark)
    rec = run_text(text)
    assert rec.applications.rejected_publication.model_dump() == dict.fromkeys(COLS)
    assert rec.applications.granted.total == t3["granted"]["total"]
    rs = [c for c in rec.checks if c.rule == "applications.total.results_sum"][0]
    assert rs.status == "NOT_ASSESSABLE"


def test_blank_cell_between_values_is_null():
    text = "三、收到和处理政府信息公开申请情况\n申请人情况\n一、本年新收政府信息公开申请数量\t3\t\t0\t0\t0\t0\t3\n"
    rec = run_text(text)
    assert rec.applications.new_received.model_dump() == {
        "natural_person": 3, "commercial": None, "research": 0, "social_welfare": 0, "legal_service": 0,
        "other": 0, "total": 3}


def test_missing_total_is_derived_and_marked():
    t3 = consistent_table3(5)
    text = report(t3, layout="pipe")
    row = "| 四、结转下年度继续办理 | " + " | ".join(str(t3["carried_forward"][c]) for c in COLS) + " |"
    blank = "| 四、结转下年度继续办理 | " + " | ".join(str(t3["carried_forward"][c]) for c in COLS[:-1]) + " |  |"
    rec = run_text(text.replace(row, blank))
    assert rec.applications.carried_forward.total == t3["carried_forward"]["total"]
    assert rec.provenance["applications.carried_forward.total"].method == "derived"
    assert any(w.startswith("W129") for w in rec.warnings)
    rt = [c for c in rec.checks if c.rule == "applications.carried_forward.row_total"][0]
    assert rt.status == "NOT_ASSESSABLE"


def test_extra_value_column_is_dropped_consistently():
    t3 = consistent_table3(6)
    text = report(t3, layout="tab")
    lines = []
    for line in text.split("\n"):
        parts = line.split("\t")
        if parts and any(lbl in line for lbl in ("予以公开", "国家秘密", "重复申请", "总计")):
            line = line + "\t0"  # a stray eighth value column
        lines.append(line)
    rec = run_text("\n".join(lines))
    assert_table3(rec, t3)
    assert any(w.startswith("W128") for w in rec.warnings)


def test_report_whose_totals_disagree_is_flagged_not_fixed():
    t3 = consistent_table3(8)
    t3["granted"] = dict(t3["granted"])
    t3["granted"]["total"] += 5  # the document's own arithmetic is wrong
    rec = run_text(report(t3))
    assert rec.applications.granted.total == t3["granted"]["total"]  # read as written
    failed = {c.rule for c in rec.checks if c.status == "FAIL"}
    assert failed == {"applications.granted.row_total", "applications.total.results_sum"}
    fail = [c for c in rec.checks if c.rule == "applications.granted.row_total"][0]
    assert fail.found == t3["granted"]["total"] and fail.expected == t3["granted"]["total"] - 5
    assert "applications.granted.total" in fail.cells
    assert any(w.startswith("W130") for w in rec.warnings)


def test_truncated_table_gives_what_is_there_and_says_what_is_missing():
    t3 = consistent_table3(9, big=True)
    text = report(t3, layout="tab")
    cut = text[: text.index("5.属于三类内部事务信息")]
    rec = run_text(cut)
    got = cells(rec, "applications")
    assert got["denied_third_party"] == t3["denied_third_party"]
    assert got["denied_internal_affairs"] == dict.fromkeys(COLS)
    assert rec.status == "partial"
    assert "review_litigation" in rec.missing and any(m.startswith("applications (") for m in rec.missing)
    assert "sections.4" in rec.missing


def test_narrative_restatement_is_checked():
    t3 = consistent_table3(1)
    n = t3["new_received"]["total"]
    ok = run_text(report(t3, narrative=f"2022年，我镇收到 {n} 个依申请公开。"))
    assert [c.status for c in ok.checks if c.rule == "narrative.applications_received"] == ["PASS"]
    bad = run_text(report(t3, narrative=f"全年共收到政府信息公开申请{n + 3}件。"))
    chk = [c for c in bad.checks if c.rule == "narrative.applications_received"][0]
    assert chk.status == "FAIL" and chk.found == n + 3 and chk.expected == n
    other = run_text(report(t3, narrative=f"户籍窗口全年共受理{n + 1000}件，办结率100%。"))
    assert [c for c in other.checks if c.rule == "narrative.applications_received"] == []  # not 信息公开


def test_real_layouts_from_the_corpus(corpus):
    """PDF with footers and stacked labels, markdown with displaced labels, crawler text with glued digits."""
    from xxgk.batch.local import Options, extract_item
    from xxgk.inputs.reading import iter_inputs

    pdf = extract_item(next(iter_inputs([str(corpus / "full" / "001.pdf")])), Options(system="rules"))
    assert pdf.applications.unavailable_not_held.model_dump() == dict(zip(COLS, [746, 12, 0, 0, 10, 1, 769]))
    assert pdf.applications.rejected_confirmation.total == 1 and pdf.review_litigation.review.total == 351
    md = extract_item(next(iter_inputs([str(corpus / "full" / "004.md")])), Options(system="rules"))
    assert md.applications.denied_internal_affairs.total == 1 and md.applications.unavailable_needs_creation.total == 6
    assert md.applications.other_no_correction.model_dump() == dict(zip(COLS, [8, 2, 0, 0, 0, 0, 10]))
    glued = extract_item(next(iter_inputs([str(corpus / "full" / "010.txt")])), Options(system="rules"))
    assert glued.active_disclosure.normative_documents.model_dump() == {"issued": 88, "repealed": 55, "in_force": 698}
    assert glued.provenance["active_disclosure.normative_documents.repealed"].method == "derived"


def test_table3_leading_zero_token_is_two_cells():
    """No cell is printed as '02' or '010': '2 0 0 0 0 02' is a plain one-digit-per-cell reading, and
    '0 7 0 3 0 010' splits its last token as 0 and 10 (derived, and only when the row adds up)."""
    t3 = consistent_table3(1)
    assert list(t3["granted"].values()) == [2, 0, 0, 0, 0, 0, 2]
    assert list(t3["denied_law_prohibited"].values()) == [0, 7, 0, 3, 0, 0, 10]
    text = report(t3, table4(1)).replace("（一）予以公开\t2\t0\t0\t0\t0\t0\t2", "（一）予以公开\t2 0 0 0 0 02")
    text = text.replace("2.其他法律行政法规禁止公开\t0\t7\t0\t3\t0\t0\t10", "2.其他法律行政法规禁止公开\t0 7 0 3 0 010")
    rec = run_text(text)
    got = cells(rec, "applications")
    assert got["granted"] == t3["granted"] and got["denied_law_prohibited"] == t3["denied_law_prohibited"]
    assert rec.provenance["applications.granted.total"].method == "text_table"
    assert rec.provenance["applications.denied_law_prohibited.total"].method == "derived"
    assert [w for w in rec.warnings if w.startswith("W122")] == [
        "W122 table 三: glued digits '0 7 0 3 0 010' split as 0,7,0,3,0,0,10 using no cell printed with a leading zero"]
    assert [c.rule for c in rec.checks if c.status == "FAIL"] == []


def test_table3_glued_zeros_with_one_gap_read_the_gap_as_the_empty_cell():
    t3 = consistent_table3(1)
    t3["carried_forward"] = dict.fromkeys(t3["carried_forward"], 0)
    text = report(t3, table4(1))
    row = text[text.index("四、结转下年度继续办理"):].split("\n", 1)[0]
    text = text.replace(row, "四、结转下年度继续办理\t0 00000")
    rec = run_text(text)
    got = cells(rec, "applications")["carried_forward"]
    assert got == {**dict.fromkeys(t3["carried_forward"], 0), "commercial": None}
    assert any(w.startswith("W133") for w in rec.warnings)


def test_table3_row_label_variant_with_he():
    """其他法律和行政法规禁止公开 (with 和) is the same row; its enumerator is not glued to the row above."""
    t3 = consistent_table3(3)
    text = report(t3, table4(1), layout="glued").replace("其他法律行政法规禁止公开", "其他法律和行政法规禁止公开")
    rec = run_text(text)
    assert cells(rec, "applications") == t3


def test_prose_counts_survive_a_body_flattened_onto_one_line_beside_a_pipe_table():
    prose = ("一、总体情况 全年主动公开政府信息86条，其中机构信息2条。政策解读5条。 "
             "二、主动公开政府信息情况 | 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 | | 规章 | 0 | 0 | 0 |")
    rec = run_text(prose)
    assert [(x.value, x.category) for x in rec.narrative][:3] == [(86, "政府信息"), (2, "机构"), (5, "政策解读")]
    # a figure inside a pipe row is a cell, not a prose count
    assert all(x.value != 0 for x in rec.narrative)


def test_page_numbers_inside_a_flattened_table_are_not_cells():
    rows = ("三、收到和处理政府信息公开申请情况 - 3 - 一、本年新收政府信息公开申请数量 5 1 0 0 0 0 6 "
            "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0 - 4 - 三、本年度办理结果 （一）予以公开 5 1 0 0 0 0 6")
    rec = run_text(rows)
    assert rec.applications.carried_over.total == 0
    assert rec.applications.granted.total == 6
    # a lone `- 4 -` (no page before or after it) may be NA, 4, NA: it is not masked
    from xxgk.rules.tables import _inline_page_numbers
    assert _inline_page_numbers("行政许可 - 4 - 其他") == []
    assert len(_inline_page_numbers("- 3 - 正文 - 4 -")) == 2


@pytest.mark.parametrize("spam", ["点击进入 www.example-bet.com", "加微信 领取红包 www.88bet.com"])
def test_a_link_spammed_into_a_flattened_table_hides_no_cell(spam):
    # a line with a web address is junk when it stands alone; on a body flattened to one line the
    # address stands inside the table's one line, which still holds every cell (and its digits are none)
    t3, t4 = consistent_table3(5), table4(2)
    lines = report(t3, t4, layout="tab").split("\n")
    for label in ("四、政府信息公开行政复议", "二、上年结转", "三、收到和处理", "规章"):  # last first: indices hold
        k = next(i for i, ln in enumerate(lines) if ln.startswith(label))
        lines[k:k] = [spam]
    for sep in ("\n", " "):
        rec = run_text(sep.join(lines))
        assert cells(rec, "active_disclosure") == T2_2021
        assert_table3(rec, t3)
        assert rec.status == "ok"


@pytest.mark.parametrize("layout", ["tab", "cells", "pdf"])
def test_a_pdf_page_break_inside_a_table_hides_no_cell(layout):
    """A page number and the report's title as the next page's running head, between a row's figures."""
    t3, t4 = consistent_table3(4), table4(1)
    text = report(t3, t4, layout=layout)
    title = text.split("\n")[0]
    lines = text.split("\n")
    for label in ("予以公开", "本年新收"):  # inside table 三, twice (a running head repeats)
        k = next(i for i, ln in enumerate(lines) if label in ln)
        lines[k + 4:k + 4] = [f"- {k} -", title]  # one cell a line: between a row's figures
    rec = run_text("\n".join(lines))
    assert_table3(rec, t3)
    assert rec.status == "ok"


def test_table3_row_cut_by_a_hard_wrap_continues_on_the_next_line():
    text = ("三、收到和处理政府信息公开申请情况 申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
            "一、本年新收政府信息公开申请数量 5 1 0 0 0 0 6 二、上年结转政府信息公开申请数量 0 0 0 \n"
            "0 0 0 0 三、本年度办理结果 （一）予以公开 5 1 0 0 0 0 6\n")
    rec = run_text(text)
    assert rec.applications.carried_over.model_dump() == dict.fromkeys(COLS, 0)
    assert rec.applications.granted.total == 6
    # rows printed one per line, each complete, stay apart
    rows = ("三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t5\t1\t0\t0\t0\t0\t6\n"
            "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n")
    rec = run_text(rows)
    assert rec.applications.new_received.total == 6 and rec.applications.carried_over.total == 0


def test_glued_minus_is_the_sign_of_the_change_column():
    base = ("二、主动公开政府信息情况 第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可{}"
            "其他对外管理服务事项000第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费{} 三、收到和处理政府信息公开申请情况")
    text = base.format("1-10", "15-15")
    rec = run_text(text)
    ad = rec.active_disclosure
    assert (ad.licensing.prior_items, ad.licensing.change, ad.licensing.decisions) == (1, -1, 0)
    assert (ad.fees.prior_items, ad.fees.change) == (15, -15)
    p = rec.provenance["active_disclosure.fees.change"]
    assert text[p.start:p.end] == "-15"
    # 88-720 is 88,-7,20 or 88,-72,0: the change and the decisions stay null, the 88 both share is read
    text = base.format("88-720", "0 0")
    rec = run_text(text)
    ad = rec.active_disclosure
    assert (ad.licensing.prior_items, ad.licensing.change, ad.licensing.decisions) == (88, None, None)
    assert rec.provenance["active_disclosure.licensing.prior_items"].method == "derived"
    assert any(w.startswith("W123") for w in rec.warnings)
    # only the cells the splits disagree on are listed
    (run,) = rec.unsplit
    assert run.paths == ["active_disclosure.licensing.change", "active_disclosure.licensing.decisions"]
    assert sorted(run.candidates) == [[-72, 0], [-7, 20]]


def test_a_figure_with_thousands_separators_is_one_figure_never_a_glued_run():
    """`规范性文件1,077` with two cells missing: 1,077 is one figure (1077), not digits to split (it used to
    crash the glued-run search); the missing cells stay null with W121."""
    text = T2_2019_GLUED.format(prose="全年公开信息10条").replace("规范性文件1077", "规范性文件1,077")
    rec = run_text(text)
    nd = rec.active_disclosure.normative_documents
    assert (nd.made, nd.published, nd.total_public) == (1077, None, None)
    p = rec.provenance["active_disclosure.normative_documents.made"]
    assert text[p.start:p.end] == "1,077"
    assert any(w.startswith("W121") for w in rec.warnings)
    assert not [u for u in rec.unsplit if u.digits.startswith("1,077")]


def test_counts_with_thousands_separators_and_a_decimal_part():
    from xxgk.conventions import parse_count

    assert parse_count("2,764.2万宗") == (27642000, "宗", False)
    assert parse_count("108,932人次") == (108932, "人次", False)


def test_glued_plus_is_not_a_digit_of_the_run():
    """`+110` for three cells: the plus is no digit, so the run is 110 and splits as 1, 1, 0 (it used to crash
    the glued-run search)."""
    base = ("二、主动公开政府信息情况 第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可{}"
            "其他对外管理服务事项000第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费{} 三、收到和处理政府信息公开申请情况")
    text = base.format("+110", "0 0")
    rec = run_text(text)
    lic = rec.active_disclosure.licensing
    assert (lic.prior_items, lic.change, lic.decisions) == (1, 1, 0)
    p = rec.provenance["active_disclosure.licensing.prior_items"]
    assert text[p.start:p.end] == "1" and text[p.start - 1] == "+"
