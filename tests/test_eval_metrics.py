"""Evaluation metrics on a hand-computed case: 3 documents, known predictions, exact numbers.

The predictions are records built by hand (a stub system), so the numbers depend on nothing but
the scoring: gold loading (inline-text JSONL) → compare → metrics → metrics.json.
"""

import json

import pytest

from xxgk.evaluation import metrics as M
from xxgk.evaluation.report import build_metrics, check_gate, lookup
from xxgk.evaluation.runner import load_inputs, run
from xxgk.record import (
    ActiveDisclosure2021,
    Check,
    NarrativeCount,
    Provenance,
    Record,
    ReviewCounts,
    ReviewLitigation,
    Section,
)

TEXT_A = "一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。\n二、主动公开政府信息情况\n"
TEXT_B = "一、总体情况\n发布党务公开信息43条；其他类信息52条。办理期限20个工作日。"
TEXT_C = "三、收到和处理政府信息公开申请情况\n我镇收到4个依申请公开。"

GOLD = [
    {"doc_id": "a", "text": TEXT_A, "split": "test",
     "checked": ["format", "meta", "sections", "narrative", "review_litigation", "checks"],
     "record": {"format": "2021", "meta": {"year": 2022},
                "review_litigation": {"review": {"upheld": 1, "corrected": 0, "other": None, "pending": 0,
                                                 "total": 1}}},
     "inconsistencies": [],
     "spans": [{"label": "SECTION", "number": 1, "start": 0, "end": 6}, {"label": "CATEGORY", "start": 13, "end": 17},
               {"label": "TOTAL", "start": 17, "end": 21}, {"label": "CATEGORY", "start": 24, "end": 28},
               {"label": "COUNT", "start": 28, "end": 31}, {"label": "SECTION", "number": 2, "start": 33, "end": 45}]},
    {"doc_id": "b", "text": TEXT_B, "split": "test",
     "checked": ["sections", "narrative", "review_litigation", "checks"],
     "record": {"review_litigation": None},
     "inconsistencies": ["narrative.applications_received"],
     "spans": [{"label": "SECTION", "number": 1, "start": 0, "end": 6}, {"label": "CATEGORY", "start": 9, "end": 13},
               {"label": "COUNT", "start": 15, "end": 18, "text": "43条"}, {"label": "CATEGORY", "start": 19, "end": 21},
               {"label": "COUNT", "start": 24, "end": 27}]},
    {"doc_id": "c", "text": TEXT_C, "split": "dev",
     "checked": ["meta", "sections", "narrative", "active_disclosure", "checks"],
     "record": {"meta": {"title": "某镇 2022年报告"},
                "active_disclosure": {"licensing": 5, "punishment": None, "fees": 1.5}},
     "spans": [{"label": "SECTION", "number": 3, "start": 0, "end": 17}, {"label": "COUNT", "start": 22, "end": 24},
               {"label": "CATEGORY", "start": 24, "end": 29}]},
]


def _sec(n, a, b):
    keys = ("overview", "active_disclosure", "applications", "review_litigation", "problems", "other")
    return Section(number=n, key=keys[n - 1], title="x", start=a, end=b, method="rule", confidence=1.0)


def _count(text, a, b, cat=None, total=False):
    from xxgk.conventions import parse_count

    value, unit, approx = parse_count(text[a:b])
    return NarrativeCount(category=text[cat[0]:cat[1]] if cat else None, value=value, unit=unit, approximate=approx,
                          start=a, end=b, method="rule", category_start=cat[0] if cat else None,
                          category_end=cat[1] if cat else None, total=total)


def _chk(rule, status):
    return Check(rule=rule, ok={"PASS": True, "FAIL": False}.get(status), status=status)


def stub_records():
    a = Record(doc_id="a", source="a", status="ok", format="2021",
               sections=[_sec(1, 0, 6), _sec(2, 33, 45)],
               narrative=[_count(TEXT_A, 17, 21, (13, 17)),  # a TOTAL predicted as COUNT
                          _count(TEXT_A, 28, 31, (26, 28))],  # category 动态 instead of 工作动态 (overlaps)
               review_litigation=ReviewLitigation(review=ReviewCounts(upheld=1, corrected=0, other=0, pending=0,
                                                                      total=1)),  # other: NA read as 0
               checks=[_chk("review_litigation.review.total", "PASS")])
    a.meta.year = 2022
    a.provenance["review_litigation.review.other"] = Provenance(method="text_table", start=28, end=30)
    b = Record(doc_id="b", source="b", status="partial", sections=[_sec(1, 0, 6)],
               narrative=[_count(TEXT_B, 15, 18, (9, 13)), _count(TEXT_B, 24, 27, (19, 21)),
                          _count(TEXT_B, 32, 35)],  # 20个 (工作日): spurious
               checks=[_chk("narrative.applications_received", "FAIL")])
    c = Record(doc_id="c", source="c", status="partial",
               active_disclosure=ActiveDisclosure2021(licensing=None, punishment=None, fees=1.5),
               checks=[_chk("applications.total.balance", "FAIL"), _chk("review_litigation.review.total",
                                                                        "NOT_ASSESSABLE")])
    c.meta.title = "某镇2022年报告"
    return {"a": a, "b": b, "c": c}


@pytest.fixture(scope="module")
def hand_case(tmp_path_factory):
    d = tmp_path_factory.mktemp("hand")
    path = d / "gold.jsonl"
    path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in GOLD), encoding="utf-8")
    golds, note = load_inputs(path)
    recs = stub_records()
    ev = run(golds, ("rules",), extractors={"rules": lambda g, dec: recs[g.doc_id]})
    ev.input_note, ev.input_path = note, str(path)
    return path, ev, build_metrics(ev)


def test_hand_case_spans(hand_case):
    _p, _ev, m = hand_case
    s = m["systems"]["rules"]["spans"]
    lab = s["labels"]
    assert lab["SECTION"]["strict"] == {"precision": 1.0, "recall": 0.75, "f1": 0.8571, "tp": 3, "fp": 0, "fn": 1}
    assert lab["CATEGORY"]["strict"] == {"precision": 0.75, "recall": 0.6, "f1": 0.6667, "tp": 3, "fp": 1, "fn": 2}
    assert lab["COUNT"]["strict"] == {"precision": 0.6, "recall": 0.75, "f1": 0.6667, "tp": 3, "fp": 2, "fn": 1}
    assert lab["TOTAL"]["strict"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 1}
    assert lab["CATEGORY"]["partial"] == {"precision": 1.0, "recall": 0.8, "f1": 0.8889, "tp": 4, "fp": 0, "fn": 1}
    assert [lab[x]["support"] for x in ("CATEGORY", "COUNT", "SECTION", "TOTAL")] == [5, 4, 4, 1]
    assert s["strict"] == {"precision": 0.75, "recall": 0.6429, "f1": 0.6923, "tp": 9, "fp": 3, "fn": 5}
    assert s["partial"] == {"precision": 0.8333, "recall": 0.7143, "f1": 0.7692, "tp": 10, "fp": 2, "fn": 4}
    assert s["untyped"] == {"precision": 0.8333, "recall": 0.7143, "f1": 0.7692, "tp": 10, "fp": 2, "fn": 4}
    assert (s["missed"], s["spurious"], s["wrong_label"]) == (3, 1, 1)
    assert lab["TOTAL"]["wrong_label"] == 1 and lab["COUNT"]["spurious"] == 1
    assert m["systems"]["rules"]["headline"]["span_f1"] == 0.6923


def test_hand_case_cells(hand_case):
    _p, _ev, m = hand_case
    c = m["systems"]["rules"]["cells"]
    assert (c["cells"], c["correct"], c["accuracy"]) == (23, 21, 0.913)
    assert (c["valued_cells"], c["valued_correct"], c["valued_accuracy"]) == (6, 5, 0.8333)
    assert (c["tables"], c["tables_exact"], c["tables_exact_rate"]) == (3, 1, 0.3333)
    assert (c["documents"], c["documents_exact"]) == (3, 1)
    assert c["na_handling"] == {"null_ok": 16, "null_as_zero": 1, "null_as_value": 0, "zero_ok": 2,
                                "zero_as_null": 0, "value_ok": 3, "value_as_null": 1, "wrong_value": 0}
    assert c["per_table"]["review_litigation"] == {"cells": 20, "correct": 19, "accuracy": 0.95, "tables": 2,
                                                   "tables_exact": 1, "tables_exact_rate": 0.5}
    assert c["per_row"]["active_disclosure.licensing"]["accuracy"] == 0.0


def test_hand_case_sections_narrative_checks_fields(hand_case):
    _p, _ev, m = hand_case
    s = m["systems"]["rules"]
    sec = s["sections"]
    assert (sec["tp"], sec["fp"], sec["fn"], sec["f1"], sec["found_rate"]) == (3, 0, 1, 0.8571, 0.75)
    assert sec["offset_error"]["compared"] == 3 and sec["offset_error"]["mean"] == 0.0
    nar = s["narrative"]
    assert nar["gold"] == 5 and nar["predicted"] == 5
    assert nar["value_category"] == {"precision": 0.6, "recall": 0.6, "f1": 0.6, "tp": 3, "fp": 2, "fn": 2}
    chk = s["checks"]
    assert chk["status"] == {"PASS": 1, "FAIL": 2, "NOT_ASSESSABLE": 1}
    assert (chk["inconsistencies"], chk["flagged"], chk["false_alarms"], chk["documents_ok"]) == (1, 1, 1, 2)
    assert s["fields"]["accuracy"] == 1.0 and s["fields"]["fields"] == 3  # title compared without spaces
    assert m["input"]["splits"] == {"test": 2, "dev": 1}


def test_gate_on_hand_case(hand_case):
    _p, _ev, m = hand_case
    assert check_gate(m, {"span_f1": 0.69, "cells": 0.9}) == ("rules", [])
    system, fails = check_gate(m, {"cells": 0.95, "false_alarms": 0})
    assert system == "rules" and len(fails) == 2
    assert "cells = 0.9130 below 0.9500" in fails[0] and "false_alarms = 1 above the maximum" in fails[1]
    assert lookup(m, "systems/rules/headline/cells") == 0.913


def test_span_metric_edge_cases():
    r = M.SpanScores().compute([[]], [[]])
    assert r["strict"]["f1"] is None
    r = M.SpanScores().compute([[(0, 4, "COUNT")]], [[]])
    assert r["strict"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "fp": 0, "fn": 1}
    # partial match is one-to-one: two predictions inside one gold span give one match
    r = M.SpanScores().compute([[(0, 10, "CATEGORY")]], [[(0, 3, "CATEGORY"), (5, 9, "CATEGORY")]])
    assert r["partial"]["tp"] == 1 and r["partial"]["fp"] == 1
    with pytest.raises(ValueError):
        M.SpanScores().compute([[]], [])
    for m in M.METRICS.values():
        assert m.name and m.description and m.inputs


def test_section_offset_error():
    r = M.SectionScores().compute([[(1, 10, 16), (2, 50, 60)]], [[(1, 8, 16), (2, 50, 63), (3, 70, 80)]])
    assert r["tp"] == 0 and r["fp"] == 3 and r["fn"] == 2
    assert r["found"] == 2 and r["offset_error"] == {"compared": 2, "exact": 0, "mean_start": 1.0, "mean_end": 1.5,
                                                     "mean": 2.5, "max": 3}


def test_hand_case_report_lists_wrong_cells_and_spans(hand_case):
    from lxml import html

    from xxgk.evaluation.report import render_html

    _p, ev, m = hand_case
    doc = html.fromstring(render_html(ev, m))
    worst = [h.get("id") for h in doc.xpath("//h3[starts-with(@id, 'doc-')]")]
    errors = {d["doc_id"]: d["errors"]["rules"] for d in m["documents"]}
    assert errors["a"] == {"spans": 4, "sections": 0, "cells": 1, "narrative": 2, "checks": 0, "fields": 0, "total": 7}
    assert errors["c"] == {"spans": 3, "sections": 1, "cells": 1, "narrative": 1, "checks": 1, "fields": 0, "total": 7}
    assert errors["b"]["total"] == 2
    assert worst == ["doc-a", "doc-c", "doc-b"]  # most errors first, ties by id
    rows = {tr.xpath("./td")[0].text_content(): [td.text_content() for td in tr.xpath("./td")]
            for tr in doc.xpath("//details//table//tr[td]")}
    assert rows["review_litigation.review.other"][1:4] == ["—", "0", "null_as_zero"]
    snip = doc.xpath("//tr[td[1]='review_litigation.review.other']/td[@class='snip']")[0]
    assert snip.xpath("./b")[0].text == "90" and snip.text_content().startswith("…一、总体情况⏎全年")
    assert rows["active_disclosure.licensing"][1:4] == ["5", "—", "value_as_null"]
    # the span excerpts show gold and predicted labels
    text = doc.text_content()
    assert "gold TOTAL" in text and "rules COUNT" in text


def test_tagger_span_scores_by_hand():
    """The model card's and training's span scores: the same prf as every other metric."""
    text = "全年主动公开政府信息185条，其中工作动态90条。"
    gold = [(4, 10, "CATEGORY"), (10, 14, "TOTAL"), (17, 21, "CATEGORY"), (21, 24, "COUNT")]
    pred = [(4, 10, "CATEGORY"), (10, 14, "COUNT"), (21, 24, "COUNT"), (0, 2, "SECTION")]
    r = M.TaggerSpanScores().compute([(text, gold, pred)])
    assert r["micro"] == M.prf(2, 2, 2)
    assert r["COUNT+TOTAL"] == M.prf(2, 0, 0) and r["TOTAL"] == M.prf(0, 0, 1) and r["COUNT"] == M.prf(1, 1, 0)
    assert r["SECTION"] == M.prf(0, 1, 0) and r["SECTION"]["recall"] == 0.0
    # the pair (90条, 工作动态) is lost with its category; (185条, 政府信息) is found under either count label
    assert r["narrative_pairs"] == M.prf(1, 1, 1)


def test_nothing_to_score_is_none_not_perfect():
    """0/0 is decided once (metrics.prf): None, in xxgk evaluate, the model card and training alike."""
    assert M.prf(0, 0, 0)["f1"] is None
    r = M.TaggerSpanScores().compute([("无", [], [])])
    assert r["micro"]["f1"] is None and r["SECTION"]["precision"] is None
    from xxgk.tagger.card import metrics_table

    row = next(line for line in metrics_table({"rules": r}).splitlines() if line.startswith("| SECTION"))
    assert row == "| SECTION | 0 | – / – / **–** | – | – |"


def test_narrative_category_errors_by_hand():
    """Side by side: right items set aside, the rest paired on the value (nearest offsets), leftovers typed."""
    text = "主动公开政府信息185条，其中工作动态90条、政策解读12条。收到申请4件，答复5件，另有5件顺延。办理期限20个工作日。"

    def at(s, nth=0):
        i = -1
        for _ in range(nth + 1):
            i = text.index(s, i + 1)
        return i, i + len(s)

    def item(value, cat, num, nth=0):
        return (value, cat, *at(num, nth))

    gold = [item(185, "政府信息", "185条"), item(90, "工作动态", "90条"), item(12, "政策解读", "12条"),
            item(4, "申请", "4件"), item(5, "答复", "5件"), item(5, "顺延", "5件", 1)]
    pred = [item(185, "政府信息", "185条"), item(90, "动态", "90条"), item(4, "收到申请", "4件"),
            item(5, None, "5件", 1), item(20, "办理期限", "20个")]
    r = M.NarrativeCategoryErrors().compute([gold, []], [pred, []], doc_ids=["d", "empty"], texts=[text, ""])
    rows = [(x["doc_id"], x["value"], x["gold_category"], x["predicted_category"], x["error"], x["relation"])
            for x in r["rows"]]
    assert rows == [("d", 90, "工作动态", "动态", "wrong_category", "shorter"),
                    ("d", 12, "政策解读", None, "no_prediction", None),
                    ("d", 4, "申请", "收到申请", "wrong_category", "longer"),
                    ("d", 5, "答复", None, "no_prediction", None),
                    ("d", 5, "顺延", None, "wrong_category", "none_predicted"),
                    ("d", 20, None, "办理期限", "no_gold", None)]
    assert r["counts"] == {"wrong_category": 3, "no_prediction": 2, "no_gold": 1}
    assert r["relations"] == {"shorter": 1, "longer": 1, "none_predicted": 1, "none_gold": 0, "other": 0}
    assert (r["documents"], r["documents_with_errors"]) == (2, 1)
    # offsets of both sides, and the text around the count (the gold's, else the prediction's)
    second_five = r["rows"][4]
    assert second_five["gold_offsets"] == second_five["predicted_offsets"] == list(at("5件", 1))
    assert r["rows"][0]["context"] == {"before": "主动公开政府信息185条，其中工作动态", "count": "90条",
                                       "after": "、政策解读12条。收到申请4件，答复5件"}
    assert r["rows"][5]["gold_offsets"] is None and r["rows"][5]["context"]["count"] == "20个"
    # the same scoring stack: wrong + no_prediction = fn, wrong + no_gold = fp of narrative/value_category
    vc = M.NarrativeScores().compute([gold], [pred])["value_category"]
    assert (vc["tp"], vc["fn"], vc["fp"]) == (1, 5, 4)


def test_hand_case_report_shows_category_errors_side_by_side(hand_case):
    from lxml import html

    from xxgk.evaluation.report import render_html

    _p, ev, m = hand_case
    nce = m["systems"]["rules"]["narrative_category_errors"]
    assert [(x["doc_id"], x["value"], x["gold_category"], x["predicted_category"], x["error"]) for x in nce["rows"]] == [
        ("a", 90, "工作动态", "动态", "wrong_category"), ("b", 20, None, None, "no_gold"),
        ("c", 4, "依申请公开", None, "no_prediction")]
    assert nce["counts"] == {"wrong_category": 1, "no_prediction": 1, "no_gold": 1}
    assert nce["rows"][2]["context"] == {"before": "收到和处理政府信息公开申请情况\n我镇收到", "count": "4个", "after": "依申请公开。"}
    doc = html.fromstring(render_html(ev, m))
    assert doc.xpath("//h2[@id='narrative-category-errors']")[0].text_content() == "Narrative category errors, side by side"
    shown = {tr.get("data-row"): [td.text_content() for td in tr.xpath("./td")]
             for tr in doc.xpath("//table[@id='category-errors-rules']//tr[@data-row]")}
    base = "systems/rules/narrative_category_errors/rows"
    assert shown[f"{base}/0"][:6] == ["a", "90", "工作动态", "动态", "wrong category", "shorter"]
    assert shown[f"{base}/1"][:5] == ["b", "20", "(no gold count)", "—", "no gold"]
    assert shown[f"{base}/2"][:5] == ["c", "4", "依申请公开", "(no prediction)", "no prediction"]
    assert shown[f"{base}/2"][6] == "…收到和处理政府信息公开申请情况⏎我镇收到4个依申请公开。…"
    counts = {el.get("data-key"): el.text_content() for el in doc.xpath("//*[@data-key]")}
    assert counts["systems/rules/narrative_category_errors/counts/no_prediction"] == "1"
    # the worst-document notes read the same rows
    notes = [li.text_content() for li in doc.xpath("//details//li")]
    assert {"narrative missed: 工作动态=90", "narrative spurious: 动态=90", "narrative spurious: None=20",
            "narrative missed: 依申请公开=4"} <= set(notes)
    # a sealed document's rows are counted, not listed
    import copy

    sealed = copy.deepcopy(m)
    next(d for d in sealed["documents"] if d["doc_id"] == "c")["split"] = "sealed"
    doc = html.fromstring(render_html(ev, sealed))
    listed = [tr.xpath("./td")[0].text_content() for tr in doc.xpath("//table[@id='category-errors-rules']//tr[@data-row]")]
    assert listed == ["a", "b"] and "1 row(s) of sealed documents are counted" in doc.text_content()


def test_category_boundaries_by_hand():
    text = "共计95个，发布政务信息12条"
    a = text.index("计")  # 计 is the second half of 共计: starts inside a word
    g = text.index("政务")
    got = M.CategoryBoundaryScores().compute([(text, [(a, a + 1), (g, g + 4), (g, g + 2)])])
    assert got["categories"] == 3
    assert got["inside_word"] == 2  # 计 (start inside 共计), 政务 (ends inside 政务信息)
    assert got["start_inside"] == 1 and got["end_inside"] == 1
    assert got["share"] == round(2 / 3, 4)
    assert M.CategoryBoundaryScores().compute([])["share"] is None
