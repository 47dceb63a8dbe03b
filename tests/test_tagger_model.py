"""Windows, offset projection, decoding, merging across windows, int8 storage, safe loading."""

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from xxgk.tagger import Tagger, TaggerUnavailable, load_tagger
from xxgk.tagger.bio import best_window, bio_tags, decode, project_spans, trim_offsets, windows
from xxgk.tagger.postprocess import refine

TAGS = bio_tags()
T2I = {t: i for i, t in enumerate(TAGS)}


def test_import_is_cheap():
    code = "import sys, xxgk.tagger; assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("n,size,stride", [(0, 8, 2), (5, 8, 2), (8, 8, 2), (9, 8, 2), (50, 8, 3), (100, 16, 8)])
def test_windows_cover_and_overlap(n, size, stride):
    ws = windows(n, size, stride)
    assert ws[0][0] == 0 and ws[-1][1] == n
    for a, b in ws:
        assert 0 < b - a <= size or n == 0
    for (_a1, b1), (a2, _b2) in zip(ws, ws[1:]):
        assert a2 < b1 and b1 - a2 >= min(stride, size // 2)  # consecutive windows overlap
    if n:
        choice = best_window(ws)
        assert len(choice) == n
        for i, k in enumerate(choice):  # the chosen window is the most central one
            a, b = ws[k]
            d = min(i - a, b - 1 - i)
            assert all(min(i - x, y - 1 - i) <= d for x, y in ws if x <= i < y)


def test_trim_offsets_drops_whitespace_edges():
    text = "ab\n 2022年"
    assert trim_offsets(text, [(0, 2), (2, 8), (8, 9)], base=10) == [(10, 12), (14, 18), (18, 19)]


def test_project_spans_bio_and_boundaries_inside_tokens():
    # tokens: 发布|信息|18|36|条|其中  ; spans: 信息 (CATEGORY), 1836条 (COUNT)
    offs = [(0, 2), (2, 4), (4, 6), (6, 8), (8, 9), (9, 11)]
    tags = project_spans(offs, [(2, 4, "CATEGORY"), (4, 9, "COUNT")], T2I)
    assert [TAGS[t] for t in tags] == ["O", "B-CATEGORY", "B-COUNT", "I-COUNT", "I-COUNT", "O"]
    # a boundary inside a token: the token goes to the span covering most of it
    tags = project_spans([(0, 3), (3, 5)], [(0, 1, "COUNT"), (1, 5, "CATEGORY")], T2I)
    assert [TAGS[t] for t in tags] == ["B-CATEGORY", "I-CATEGORY"]
    # two adjacent spans of the same label stay two spans (B then B)
    tags = project_spans([(0, 1), (1, 2)], [(0, 1, "COUNT"), (1, 2, "COUNT")], T2I)
    assert [TAGS[t] for t in tags] == ["B-COUNT", "B-COUNT"]


def test_decode_is_lenient_and_scores():
    offs = [(0, 1), (1, 2), (2, 2), (2, 3), (3, 4), (4, 5)]
    tags = [T2I[t] for t in ("B-SECTION", "I-SECTION", "O", "I-SECTION", "I-COUNT", "O")]
    spans = decode(tags, [0.9, 0.7, 0.1, 0.8, 0.6, 0.99], offs, TAGS)
    assert spans == [(0, 3, "SECTION", pytest.approx(0.8)), (3, 4, "COUNT", pytest.approx(0.6))]


def test_refine_snaps_counts_and_headers():
    text = "发布信息1836 条其中## 一、总体情况：\n"
    a = text.index("1836")
    assert refine(text, a - 1, a + 8, "COUNT") == (a, a + 6)
    h = text.index("#")
    assert text[slice(*refine(text, h, len(text), "SECTION"))] == "一、总体情况"


# ---------------------------------------------------------------------------------------------
# merging across windows, with a token-local fake network (its output cannot depend on context,
# so any difference between windowed and whole-text predictions is a merging bug)
# ---------------------------------------------------------------------------------------------


class LocalNet:
    def __init__(self, tok):
        import torch

        v = tok.get_vocab()
        self.table = torch.zeros(max(v.values()) + 1, len(TAGS))
        self.table[:, T2I["O"]] = 2.0
        for ch, t in list(v.items()):
            if ch.isdigit() or ch == "条":
                self.table[t, T2I["I-COUNT"]] = 5.0
            elif ch in "一、总体情况":
                self.table[t, T2I["I-SECTION"]] = 5.0

    def eval(self):
        return self

    def __call__(self, input_ids, attention_mask):
        return SimpleNamespace(logits=self.table[input_ids])


def _fake_tagger(max_length, stride=4):
    from xxgk.tagger.encoder import char_tokenizer

    tok, ids = char_tokenizer(["一、总体情况全年发布信息条其中工作动态0123456789xyz"])
    meta = {"tags": TAGS, "labels": ["SECTION", "COUNT", "TOTAL", "CATEGORY"], "max_length": max_length,
            "stride": stride, **ids}
    return Tagger(net=LocalNet(tok), tokenizer=tok, meta=meta)


TEXT = "xyz\n一、总体情况\n全年发布信息1836条，其中工作动态 90条xyz" * 5


@pytest.mark.parametrize("max_length,stride", [(6, 2), (7, 3), (10, 4), (16, 0), (33, 8)])
def test_windowed_predictions_equal_whole_text(max_length, stride):
    whole = _fake_tagger(1000).spans(TEXT)
    assert [(TEXT[s.start:s.end], s.label) for s in whole][:3] == [("一、总体情况", "SECTION"), ("1836条", "TOTAL"),
                                                                    ("90条", "COUNT")]
    small = _fake_tagger(max_length, stride).spans(TEXT)
    assert [(s.start, s.end, s.label) for s in small] == [(s.start, s.end, s.label) for s in whole]


def test_regions_limit_tagging_and_keep_global_offsets():
    tg = _fake_tagger(12, 4)
    a = TEXT.index("全年")
    b = TEXT.index("，")
    spans = tg.spans(TEXT, regions=[(a, b), (a + 2, b - 1), (len(TEXT) + 5, len(TEXT) + 9)])
    assert [(TEXT[s.start:s.end], s.method) for s in spans] == [("1836条", "model")]
    assert all(0 <= s.score <= 1 for s in spans)
    assert tg.spans(TEXT, regions=[]) == []
    batch = tg.predict_batch([TEXT, "一、总体情况", ""], regions=[[(a, b)], None, None])
    assert [len(x) for x in batch] == [1, 1, 0]


# ---------------------------------------------------------------------------------------------
# int8 storage and fallback on missing / damaged folders
# ---------------------------------------------------------------------------------------------


def test_int8_roundtrip_is_close():
    import torch

    from xxgk.tagger.storage import dequantize_int8, quantize_int8

    sd = {"w": torch.randn(64, 128), "b": torch.randn(64), "small": torch.randn(2, 2)}
    q = quantize_int8(sd)
    assert q["w.int8"].dtype == torch.int8 and "w" not in q and "small" in q
    back = dequantize_int8(q)
    assert set(back) == set(sd)
    assert (back["w"] - sd["w"]).abs().max() <= sd["w"].abs().max() / 127 + 1e-6


def test_missing_folder_raises(tmp_path):
    with pytest.raises(TaggerUnavailable):
        load_tagger(tmp_path / "nope")
    with pytest.raises(TaggerUnavailable):
        load_tagger(tmp_path)  # empty folder


def test_default_path_env(monkeypatch, tmp_path):
    from xxgk.tagger import default_model_path

    monkeypatch.setenv("XXGK_MODEL", str(tmp_path))
    assert default_model_path() == tmp_path
    monkeypatch.delenv("XXGK_MODEL")
    assert default_model_path().parts[-2:] == ("models", "tagger")


@pytest.mark.parametrize("damage", ["weights_garbage", "weights_truncated", "weights_missing", "tokenizer_garbage",
                                    "config_garbage", "meta_missing", "meta_tags", "shape_mismatch",
                                    "format_version", "pickle_only", "features_unknown", "features_no_room"])
def test_damaged_folder_raises(tiny_model, tmp_path, damage):
    import shutil

    d = tmp_path / "m"
    shutil.copytree(tiny_model, d)
    w = d / "model.safetensors"
    if damage == "weights_garbage":
        w.write_bytes(b"\x00garbage" * 100)
    elif damage == "weights_truncated":
        w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    elif damage == "weights_missing":
        w.unlink()
    elif damage == "tokenizer_garbage":
        (d / "tokenizer.json").write_text("{not json")
    elif damage == "config_garbage":
        (d / "config.json").write_text("[1, 2")
    elif damage == "meta_missing":
        (d / "tagger.json").unlink()
    elif damage == "meta_tags":
        meta = json.loads((d / "tagger.json").read_text())
        meta["tags"] = ["O", "B-EVIL"]
        (d / "tagger.json").write_text(json.dumps(meta))
    elif damage == "shape_mismatch":
        cfg = json.loads((d / "config.json").read_text())
        cfg["hidden_size"] *= 2
        cfg["intermediate_size"] *= 2
        (d / "config.json").write_text(json.dumps(cfg))
    elif damage == "format_version":
        meta = json.loads((d / "tagger.json").read_text())
        meta["format_version"] = 99
        (d / "tagger.json").write_text(json.dumps(meta))
    elif damage in ("features_unknown", "features_no_room"):  # rule-tag input the weights cannot take
        meta = json.loads((d / "tagger.json").read_text())
        meta["features"] = "spacy" if damage == "features_unknown" else "rules"
        (d / "tagger.json").write_text(json.dumps(meta))
    elif damage == "pickle_only":  # a pytorch_model.bin is never read
        w.rename(d / "pytorch_model.bin")
    with pytest.raises(TaggerUnavailable):
        load_tagger(d)


def test_postprocess_conventions():
    from xxgk.conventions import trim_category
    from xxgk.tagger.postprocess import postprocess

    t = "工作动态类信息数量90条，其他政府信息4条，各类信息3条，信息5条"
    cut = lambda s: t[slice(*trim_category(t, t.index(s), t.index(s) + len(s)))]  # noqa: E731
    assert cut("工作动态类信息数量") == "工作动态"
    assert cut("其他政府信息") == "其他政府信息"
    assert cut("各类信息") == "信息"
    text = "2022年，全年主动公开政府信息185条，其中工作动态90条。第二十条\n（一）主动公开\n说明一、总体情况"
    a = text.index("185")
    spans = [[a, a + 4, "COUNT", 0.9, 0.1], [text.index("90"), text.index("90") + 3, "COUNT", 0.9, 0.2],
             [text.index("条\n") , text.index("条\n") + 1, "COUNT", 0.9, 0.0],  # 第二十条: no number, not a count
             [text.index("主动公开\n"), text.index("主动公开\n") + 4, "SECTION", 0.8, 0.0],  # mid-line: dropped
             [text.index("政府"), text.index("政府") + 2, "CATEGORY", 0.9, 0.0],
             [text.index("信息1"), text.index("信息1") + 2, "CATEGORY", 0.7, 0.0]]  # fragments joined
    got = [(text[x:y], lab) for x, y, lab, _ in postprocess(text, spans)]
    assert got == [("政府信息", "CATEGORY"), ("185条", "TOTAL"), ("90条", "COUNT")]


def test_postprocess_one_count_for_fragments_on_the_same_number():
    """`共计` and `70条` decoded as two counts snap onto the same number: one count comes out, with
    the larger score and TOTAL mass."""
    from xxgk.tagger.postprocess import postprocess

    text = "2023年全乡主动公开信息共计70条，无政府信息公开申请。"
    a = text.index("共计")
    spans = [[a, a + 2, "COUNT", 0.6, 0.3], [a + 2, a + 5, "TOTAL", 0.9, 0.8]]
    got = [(text[x:y], lab, sc) for x, y, lab, sc in postprocess(text, spans)]
    assert got == [("70条", "TOTAL", 0.9)]


def test_postprocess_header_conventions():
    """annotations/GUIDE.md: a bare enumerator is not a header; a header broken over lines keeps its
    line break; once a whole standard title is named, a blank line ends it (what follows is body)."""
    from xxgk.tagger.postprocess import postprocess

    text = "二\n\n二、主动公开政府\n信息情况\n五、存在的主要问题及改进情况\n\n存在问题\n一、总体\n\n情况"
    spans = [[0, 1, "SECTION", 0.8, 0.0]]
    for h in ("二、主动公开政府\n信息情况", "五、存在的主要问题及改进情况\n\n存在问题", "一、总体\n\n情况"):
        spans.append([text.index(h), text.index(h) + len(h), "SECTION", 0.9, 0.0])
    got = [text[x:y] for x, y, lab, _ in postprocess(text, spans)]
    assert got == ["二、主动公开政府\n信息情况", "五、存在的主要问题及改进情况", "一、总体\n\n情况"]


def test_model_header_cut_by_the_end_of_a_page_gets_its_number():
    """The tagger's span `三、收到` at the very end of a truncated page names section 3, as the rules'
    own cut-header candidate does; the same words followed by more text name nothing."""
    from xxgk.rules.sections import model_candidates
    from xxgk.spans import Span
    from xxgk.text import Text

    text = "二、主动公开政府信息情况\n政府集中采购 1 8040\n三、收到"
    a = text.index("三、收到")
    cands = model_candidates(Text(text), [Span(a, a + 4, "SECTION", 0.7, "model")])
    assert [(c.number, text[c.start:c.end]) for c in cands] == [(3, "三、收到")]
    t2 = Text(text + "\n一些正文")
    assert model_candidates(t2, [Span(a, a + 4, "SECTION", 0.7, "model")]) == []


class CopyRulesNet:
    """A fake network that answers with the rule tag it is given as input (token_type_ids)."""

    def eval(self):
        return self

    def __call__(self, input_ids, attention_mask, token_type_ids):
        import torch

        return SimpleNamespace(logits=torch.nn.functional.one_hot(token_type_ids, len(TAGS)).float() * 9.0)


@pytest.mark.parametrize("max_length", [8, 1000])
def test_rule_features_reach_the_network(max_length):
    """With `features = rules`, the rules' spans are projected onto the tokens as token_type_ids:
    a network that copies them predicts the rule spans (whole text, windows and regions alike)."""
    from xxgk.rules.hints import rule_spans
    from xxgk.tagger.encoder import char_tokenizer

    text = "一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。\n二、主动公开政府信息情况\n见下表。"
    tok, ids = char_tokenizer([text])
    meta = {"tags": TAGS, "labels": ["SECTION", "COUNT", "TOTAL", "CATEGORY"], "max_length": max_length,
            "stride": 2, "features": "rules", **ids}
    tg = Tagger(net=CopyRulesNet(), tokenizer=tok, meta=meta)
    hints = rule_spans(text)
    rules = [(s.start, s.end, s.label) for s in hints]
    assert ("185条" in [text[a:b] for a, b, _ in rules]) and any(lab == "SECTION" for *_, lab in rules)
    got = [(s.start, s.end, s.label) for s in tg.spans(text, hints=hints)]
    assert got == rules
    assert [(s.start, s.end, s.label) for s in tg.spans(text, hints=[])] == []
    a = text.index("全年")
    assert [text[s.start:s.end] for s in tg.spans(text, regions=[(a, a + 25)], hints=hints)] == ["政府信息", "185条",
                                                                                                 "工作动态", "90条"]
    with pytest.raises(ValueError, match="hints"):  # the tagger never computes the rules itself
        tg.spans(text)
