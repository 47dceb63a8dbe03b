"""The narrative-kind taxonomy, its classifier (numpy prediction of a scikit-learn fit, shipped as JSON),
the gold labels and where kinds show up: records, the narrative table, the schema, evaluation."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from xxgk import kinds as K
from xxgk.cli import app
from xxgk.gold import GoldError, gold_from_dict
from xxgk.record import NarrativeCount, Record

ROOT = Path(__file__).resolve().parents[1]


def test_every_kind_is_documented_in_the_guide_and_docs():
    guide = (ROOT / "annotations" / "GUIDE.md").read_text(encoding="utf-8")
    section = guide.split("## Kinds of narrative counts", 1)[1].split("\n## ", 1)[0]
    doc = (ROOT / "docs" / "kinds.md").read_text(encoding="utf-8")
    for text in (section, doc):
        listed = re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M)
        assert listed == list(K.KIND_NAMES)
    assert len(set(K.KIND_NAMES)) == len(K.KINDS)
    assert all(k.definition and k.examples for k in K.KINDS)


def test_gold_kinds_are_validated():
    text = "全年主动公开政府信息171条。"
    base = {"doc_id": "x", "split": "train", "record": {}, "text": text, "checked": ["narrative"]}
    good = {**base, "spans": [{"label": "CATEGORY", "start": 6, "end": 10},
                              {"label": "TOTAL", "kind": "disclosed_total", "start": 10, "end": 14}]}
    g = gold_from_dict(good, "t", base=ROOT)
    assert [n.kind for n in g.narrative_with_kinds()] == ["disclosed_total"]
    assert g.spans[1].to_json()["kind"] == "disclosed_total"
    bad = {**base, "spans": [{"label": "COUNT", "kind": "press", "start": 10, "end": 14}]}
    with pytest.raises(GoldError, match="unknown kind 'press'"):
        gold_from_dict(bad, "t", base=ROOT)
    on_category = {**base, "spans": [{"label": "CATEGORY", "kind": "other", "start": 6, "end": 10}]}
    with pytest.raises(GoldError, match="only COUNT/TOTAL"):
        gold_from_dict(on_category, "t", base=ROOT)


def test_every_split_has_a_kind_on_every_count_and_a_total_is_disclosed_total():
    for f in sorted((ROOT / "annotations" / "gold").glob("*.json")):
        raw = json.loads(f.read_text(encoding="utf-8"))
        counts = [s for s in raw.get("spans", []) if s["label"] in ("COUNT", "TOTAL")]
        if "narrative" in raw.get("checked", []):
            assert all(s.get("kind") in K.KIND_NAMES for s in counts), f.name
            assert all(s["kind"] == "disclosed_total" for s in counts if s["label"] == "TOTAL"), f.name


def _rows():
    text = ("全年主动公开政府信息171条，其中工作动态34条，政策文件2条，政策解读5条。微信公众号发布信息88条。"
            "收到政府信息公开申请3件，予以公开2件。行政复议1件。")
    items = [("政府信息", "171条", True, "disclosed_total"), ("工作动态", "34条", False, "disclosed_by_topic"),
             ("政策文件", "2条", False, "policy_documents"), ("政策解读", "5条", False, "policy_interpretation"),
             ("信息", "88条", False, "disclosed_by_channel"), ("政府信息公开申请", "3件", False, "applications_received"),
             ("予以公开", "2件", False, "applications_handled"), ("行政复议", "1件", False, "review_litigation")]
    rows, labels, pos = [], [], 0
    for cat, num, total, kind in items:
        a = text.index(num, pos)
        pos = a + len(num)
        rows.append(K.features(text, a, a + len(num), cat, num[-1], total))
        labels.append(kind)
    return rows, labels


def test_numpy_prediction_equals_sklearn_predict_proba():
    from xxgk import kinds_train as T

    rows, labels = _rows()
    vecs, clf = T.fit(rows, labels, C=10.0)
    model = K.KindModel(json.loads(json.dumps(T.export(vecs, clf))))  # through JSON, as shipped
    probe = rows + [K.features("发布解读稿件7篇，网友留言3条", 6, 8, "解读稿件", "篇", False)]
    X = T.transform(vecs, probe)
    assert np.allclose(model.transform(probe), X.toarray(), atol=1e-9)
    assert np.allclose(model.predict_proba(probe), clf.predict_proba(X), atol=1e-6)
    # the regression's answer wherever the guide decides nothing (here: all but the TOTAL)
    expected = [K.guide_kind(r) or k for r, k in zip(probe, clf.predict(X))]
    assert [k for k, _ in model.predict(probe)] == expected
    assert expected[0] == "disclosed_total" and "disclosed_total" not in clf.classes_  # not fitted on


def test_the_guide_decides_the_total_and_outlets_counted_with_ge():
    """GUIDE "Deciding": a TOTAL is disclosed_total; 个 of outlets (政务新媒体33个, 2个政府网站, 8个栏目)
    is platforms, with confidence 1.0, whatever the regression says; other 个 counts are the regression's."""
    text = "全区现存政务新媒体33个，对全区2个政府网站、5个栏目开展检查，共有12个单位。全年主动公开政府信息171条。"
    cases = [("政务新媒体", "33个", "platforms"), ("", "2个", "platforms"), ("栏目", "5个", "platforms"),
             ("单位", "12个", None)]
    for cat, num, kind in cases:
        a = text.index(num)
        assert K.guide_kind(K.features(text, a, a + len(num), cat, "个", False)) == kind, num
    a = text.index("171条")
    row = K.features(text, a, a + 4, "政府信息", "条", True)
    assert K.guide_kind(row) == "disclosed_total"
    rows, labels = _rows()
    from xxgk import kinds_train as T

    model = K.KindModel(T.export(*T.fit(rows, labels)))
    a = text.index("33个")
    assert model.predict([K.features(text, a, a + 3, "政务新媒体", "个", False), row]) == [
        ("platforms", 1.0), ("disclosed_total", 1.0)]


def test_the_guide_decides_categories_that_name_one_kind_and_the_pre_2019_statistics():
    """Audience figures, 行政复议/诉讼 cases, deputies' 建议/提案, press conferences and the pre-2019
    statistics of information made or classed 依申请公开 are fixed by the guide; an outcome of an
    application (不予公开 3件) and a topic are left to the regression."""
    text = ("专栏访问量达108932人次，涉及政府信息公开的行政诉讼0件，办理人大代表建议50件，召开新闻发布会3次。"
            "本年度制作、获取政府信息总数352条，依申请公开信息数142条，不予公开信息数79条。"
            "收到申请5件，不予公开3件，发布财政预决算信息35条。")
    cases = [("专栏访问量", "108932人次", "人次", "views"), ("涉及政府信息公开的行政诉讼", "0件", "件", "review_litigation"),
             ("人大代表建议", "50件", "件", "other"), ("新闻发布会", "3次", "次", "press_conferences"),
             ("政府信息", "352条", "条", "other"), ("依申请公开", "142条", "条", "other"),
             ("不予公开", "79条", "条", "other"), ("不予公开", "3件", "件", None), ("财政预决算", "35条", "条", None)]
    for cat, num, unit, kind in cases:
        a = text.index(num)
        assert K.guide_kind(K.features(text, a, a + len(num), cat, unit, False)) == kind, num


def test_the_guide_decides_review_counts_and_their_outcomes():
    """复议 / 诉讼 in a category, an outcome right after a count of 行政复议 (not after one of 申请), and
    the pre-2019 全文电子化 restatement of the total are fixed by the guide; those items still train the
    regression (only the TOTAL's are left out), so their kinds stay among its classes."""
    text = ("全年共收到行政复议1件,维持结果1件,尚未办结0件;未经复议直接诉讼0件。收到申请5件,维持结果2件。"
            "全文电子化的主动公开信息数共198条。")
    cases = [("维持结果", "1件,尚", "review_litigation"), ("尚未办结", "0件;", "review_litigation"),
             ("未经复议直接诉讼", "0件。", "review_litigation"), ("维持结果", "2件", None),
             ("全文电子化的主动公开", "198条", "disclosed_total")]
    for cat, num, kind in cases:
        a = text.index(num)
        b = a + len(num.rstrip(",尚;。"))
        assert K.guide_kind(K.features(text, a, b, cat, text[b - 1], False)) == kind, num
    from xxgk import kinds_train as T

    rows, labels = _rows()
    a = text.index("1件")
    rows.append(K.features(text, a, a + 2, "行政复议", "件", False))
    labels.append("review_litigation")
    assert "review_litigation" in T.fit(rows, labels)[1].classes_


def test_grouped_cross_validation_holds_out_whole_bodies():
    """C is chosen by folds cut between bodies (a body's reports are held out together); with one body
    there is nothing to hold out, and no figure."""
    from xxgk import kinds_train as T

    rows, labels = _rows()
    ex = T.Examples(rows, labels, [(f"d{i}", 0) for i in range(len(rows))], [f"b{i % 3}" for i in range(len(rows))])
    acc = T.grouped_cv(ex, C=10.0, folds=3)
    assert acc is not None and 0.0 <= acc <= 1.0
    assert T.grouped_cv(T.Examples(rows, labels, ex.where, ["one"] * len(rows)), C=10.0) is None  # one body: no folds


def test_context_features_sentence_heading_and_conjunctions():
    text = ("（三）行政复议情况\n全年共收到政府信息公开行政复议351件，其中结果\n维持72件。\n"
            "（四）平台建设\n通过官方网站发布政务类信息34条，通过微信公众号发布信息12条。")
    a = text.index("72件")
    f = K.features(text, a, a + 3, "结果维持", "件", False)
    assert f["before"] == "维持"  # the clause before the number stops at the line break
    assert f["sentence"].endswith("全年共收到政府信息公开行政复议351件,其中结果维持")  # the sentence does not
    assert f["heading"] == "行政复议情况"
    assert "x:review+outcome" in f["cues"].split() and "s:review" in f["cues"].split()
    assert "c:outcome&x:review+outcome" in f["pairs"].split() and f["conj"] == "x:review+outcome"
    a = text.index("34条")
    f = K.features(text, a, a + 3, "政务", "条", False)
    assert f["heading"] == "平台建设"
    assert "x:named+channel" in f["cues"].split()  # a thing named through a channel: not the channel
    a = text.index("12条")
    f = K.features(text, a, a + 3, "信息", "条", False)
    assert "x:generic+channel" in f["cues"].split()
    assert K.heading_before("正文没有标题。共3条", 9) == ""


def test_model_json_is_data_only_and_refuses_foreign_classes():
    rows, labels = _rows()
    from xxgk import kinds_train as T

    data = T.export(*T.fit(rows, labels))
    assert data["format"] == K.MODEL_FORMAT
    with pytest.raises(ValueError, match="outside the taxonomy"):
        K.KindModel({**data, "classes": ["nonsense"] + data["classes"][1:]})
    shipped = K.load_model()
    assert shipped is not None and set(shipped.classes) <= set(K.KIND_NAMES)
    assert K.model_path().read_bytes()[:1] == b"{"  # JSON, not a pickle


def test_records_of_a_bundled_example_carry_kinds(tmp_path):
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(app, ["extract", str(ROOT / "examples" / "zhicheng-2021.txt"), "--no-model", "-o", str(out)])
    assert res.exit_code == 0, res.output
    rec = Record.model_validate_json(out.read_text(encoding="utf-8").splitlines()[0])
    assert rec.narrative
    for n in rec.narrative:
        assert n.kind in K.KIND_NAMES
        assert 0.0 < n.kind_confidence <= 1.0
    assert rec.narrative[0].total and rec.narrative[0].kind == "disclosed_total"


def test_without_a_model_kinds_stay_null(monkeypatch):
    monkeypatch.setattr(K, "load_model", lambda path=None: None)
    items = [NarrativeCount(category="信息", value=3, unit="条", start=0, end=2, method="rule")]
    assert K.assign_kinds("3条", items)[0].kind is None


def test_kind_in_schema():
    res = CliRunner().invoke(app, ["schema"])
    assert res.exit_code == 0
    props = json.loads(res.output)["$defs"]["NarrativeCount"]["properties"]
    assert props["kind"]["anyOf"][0]["enum"] == list(K.KIND_NAMES)
    assert "kind_confidence" in props


def test_narrative_table_has_kind_columns(tmp_path):
    from xxgk.batch.output import write_tables

    rec = {"doc_id": "d1", "source": "a.txt", "status": "ok", "narrative": [
        {"category": "政策解读", "kind": "policy_interpretation", "kind_confidence": 0.9731, "value": 21, "unit": "条",
         "approximate": False, "total": False, "method": "rule", "confidence": 0.9, "start": 10, "end": 13,
         "category_start": 6, "category_end": 10},
        {"category": "信息", "kind": None, "kind_confidence": None, "value": 5, "unit": "条", "approximate": True,
         "total": True, "method": "model", "confidence": 1.0, "start": 20, "end": 22, "category_start": None,
         "category_end": None}]}
    write_tables([rec], tmp_path / "t.csv")
    with open(tmp_path / "t.narrative.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["doc_id", "source", "category", "kind", "kind_confidence", "value", "unit", "approximate", "total", "method",
         "confidence", "start", "end", "category_start", "category_end"],
        ["d1", "a.txt", "政策解读", "policy_interpretation", "0.9731", "21", "条", "false", "false", "rule", "0.9", "10",
         "13", "6", "10"],
        ["d1", "a.txt", "信息", "", "", "5", "条", "true", "true", "model", "1.0", "20", "22", "", ""],
    ]


def test_kind_accuracy_metric_by_hand():
    from xxgk.evaluation.metrics import METRICS, NarrativeKindScores

    gold = [[(10, "信息", 0, 3, "disclosed_total"), (2, "解读", 5, 7, "policy_interpretation"),
             (2, "解读", 9, 11, "policy_interpretation"), (4, "申请", 12, 14, None), (7, "留言", 15, 17, "public_engagement")],
            [(1, "复议", 0, 2, "review_litigation")]]
    pred = [[(10, "信息", 0, 3, "disclosed_total"), (2, "解读", 5, 7, "policy_interpretation"),
             (2, "解读", 9, 11, "other"), (4, "申请", 12, 14, "applications_received")],
            [(1, "复议", 0, 2, None)]]
    out = NarrativeKindScores().compute(gold, pred)
    # counted: 10 信息, both 解读, 1 复议 (申请 has no gold kind, 留言 is not matched)
    assert (out["counted"], out["correct"], out["accuracy"]) == (4, 2, 0.5)
    assert out["confusion"]["policy_interpretation"] == {"other": 1, "policy_interpretation": 1}
    assert out["confusion"]["review_litigation"] == {"None": 1}
    assert "narrative_kind" in METRICS
