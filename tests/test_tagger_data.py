"""Training data: augmentations carry spans through every edit, synthetic reports, BIO windows."""

import random

import pytest

from xxgk.tagger.data import (AUGMENTERS, aug_cut, Example, apply_edits, augment, build_dataset, default_tags, drop_overlaps,
                              encode_example, gold_examples, weak_spans)
from xxgk.rules.hints import RuleSpans
from xxgk.tagger.synth import synth_examples

TEXT = ("首页 > 年报\n一、总体情况\n2022年，我镇发布政务动态类信息185条，其中，工作动态类信息数量90条；党务公开信息43条。\n"
        "二、主动公开政府信息情况\n规章\t0\t0\t0\n三、收到和处理政府信息公开申请情况\n我镇收到4个依申请公开。\n") * 2


def _ex():
    spans, pos = [], 0
    for s, lab in [("一、总体情况", "SECTION"), ("政务动态", "CATEGORY"), ("185条", "TOTAL"), ("工作动态", "CATEGORY"),
                   ("90条", "COUNT"), ("党务公开", "CATEGORY"), ("43条", "COUNT"), ("二、主动公开政府信息情况", "SECTION"),
                   ("三、收到和处理政府信息公开申请情况", "SECTION"), ("4个", "COUNT"), ("依申请公开", "CATEGORY")] * 2:
        a = TEXT.index(s, pos)
        spans.append((a, a + len(s), lab))
        pos = a + len(s)
    return Example("t", TEXT, spans)


def _core(s: str) -> str:
    import re

    from xxgk.text import Text

    junk = "|".join(map(re.escape, ["足彩app", "澳门", "(zhèng)", "(fǔ)", "[广告]", "★", "www.xx.cn", "↑", "点击", "返回顶部",
                                    "打印本页 关闭窗口", "【字体：大 中 小】", "分享到：", "扫一扫在手机打开当前页", "(xìn)", "彩票",
                                    "棋牌", "|"]))
    return re.sub(r"\s+", "", Text(re.sub(junk, "", s)).match)


def test_apply_edits_maps_spans():
    ex = Example("x", "ab一、总体情况cd", [(2, 8, "SECTION")])
    out = apply_edits(ex, [(0, 1, "ZZ"), (4, 0, "\n"), (8, 2, "")], "t")
    assert out.text == "ZZb一、\n总体情况"
    assert [out.text[a:b] for a, b, _ in out.spans] == ["一、\n总体情况"]
    gone = apply_edits(ex, [(2, 6, "")], "t")
    assert gone.spans == []


@pytest.mark.parametrize("name", sorted(AUGMENTERS))
def test_augmenters_keep_span_texts(name):
    ex = _ex()
    for seed in range(8):
        out = AUGMENTERS[name](ex, random.Random(seed))
        out.check()
        kept = [(out.text[a:b], lab) for a, b, lab in out.spans]
        orig = [(ex.text[a:b], lab) for a, b, lab in ex.spans]
        if name == "cut":  # the spans before the cut, the last one possibly a header cut short
            assert kept[:-1] == orig[:len(kept) - 1]
            if kept:
                (k, lk), (o, lo) = kept[-1], orig[len(kept) - 1]
                assert lk == lo and (k == o or (lk == "SECTION" and o.startswith(k) and len(k) >= 4))
            continue
        assert len(kept) == len(orig)
        for (k, lk), (o, lo) in zip(kept, orig):
            assert lk == lo and _core(k) == _core(o), (name, k, o)


def test_augment_combines():
    out = augment(_ex(), random.Random(1), k=3)
    out.check()
    assert out.source.endswith("+aug") and out.spans


def test_synthetic_reports_are_well_formed():
    exs = synth_examples(30, seed=3)
    assert len({e.text for e in exs}) == 30
    labels = {lab for e in exs for _, _, lab in e.spans}
    assert labels == {"SECTION", "COUNT", "TOTAL", "CATEGORY"}
    for e in exs:
        e.check()
        assert drop_overlaps(e.spans) == sorted(e.spans)
        for a, b, lab in e.spans:
            s = e.text[a:b]
            assert s == s.strip() and s
            if lab in ("COUNT", "TOTAL"):
                assert s[0].isdigit()
    assert synth_examples(3, seed=3)[0].text == exs[0].text  # seeded


def test_encode_example_windows_and_labels():
    from xxgk.tagger.encoder import char_tokenizer

    tok, ids = char_tokenizer([TEXT])
    tags = default_tags()
    rows = encode_example(tok, _ex(), {t: i for i, t in enumerate(tags)}, 16, 4, ids["cls_id"], ids["sep_id"])
    assert len(rows) > 5
    for r in rows:
        assert r["input_ids"][0] == ids["cls_id"] and r["input_ids"][-1] == ids["sep_id"]
        assert len(r["labels"]) == len(r["input_ids"]) <= 16 and r["labels"][0] == r["labels"][-1] == -100
    # the labels of the first occurrence of 185条, read back through the windows
    ds = build_dataset(tok, [_ex()], tags, 16, 4, ids["cls_id"], ids["sep_id"], keep_empty=0.0)
    assert all(any(y > 0 for y in r) for r in ds["labels"])


def test_gold_examples_train_split_only(annotations_dir):
    with pytest.raises(ValueError):
        gold_examples(annotations_dir, splits=("train", "test"))
    for ex in gold_examples(annotations_dir, splits=("train",), rules=RuleSpans()):
        ex.check()


def test_weak_spans_from_rules():
    spans = weak_spans(TEXT, RuleSpans())
    got = {(TEXT[a:b], lab) for a, b, lab in spans}
    assert ("一、总体情况", "SECTION") in got
    assert any(lab in ("COUNT", "TOTAL") and s.startswith("185") for s, lab in got)


def test_cut_inside_a_header_keeps_what_identifies_it():
    text = "前言。" * 80 + "\n三、收到和处理政府信息公开申请情况\n本年度收到申请4件。"
    a = text.index("三、")
    ex = Example("c", text, [(a, a + 17, "SECTION")])
    cuts = [aug_cut(ex, random.Random(seed)) for seed in range(40)]
    inside = [c for c in cuts if a < len(c.text) < a + 17]
    assert inside, "some cuts fall inside the header"
    for c in inside:
        n = len(c.text) - a
        assert c.spans == ([(a, len(c.text), "SECTION")] if n >= 4 else [])
