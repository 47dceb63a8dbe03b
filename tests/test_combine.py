"""The combination policy (xxgk.combine), directly and through the pipeline with a stand-in tagger.

Each rule of the policy has a test that fails when the rule is switched off. Narrative
(`combine_spans`): the rules' spans stand against any model span; a model count fills a gap the
rules leave, and becomes a COUNT when the rules name the TOTAL; a model category extends a rule
category to the left only; a model category is added only for counts that have none, never taking a
count from a rule category; model spans below the threshold are not used. Headers
(`header_candidates`): the threshold a model header must reach to compete with the rules.
"""

import pytest

from xxgk.combine import combine_spans, header_candidates
from xxgk.pipeline import extract
from xxgk.inputs.reading import Decoded
from xxgk.rules.sections import find_candidates
from xxgk.spans import Method, Span, System
from xxgk.text import Text

from helpers import ContextFreeTagger


def _m(a, b, label, score=0.9):
    return Span(a, b, label, score, Method.MODEL)


def _r(a, b, label, score=0.9):
    return Span(a, b, label, score, Method.RULE)


def _at(text, s, after=0):
    a = text.index(s, after)
    return a, a + len(s)


def _got(spans):
    return [(s.start, s.end, s.label, s.method.value) for s in spans]


# 120条 TOTAL with 政府信息; 30条 with 工作动态; 3条 with 组织机构 (the rules say 机构); 8件 with nothing
TEXT = "全年主动公开政府信息120条，其中工作动态30条，组织机构信息3条。本年度办结8件。"


def _rules(text=TEXT):
    return [_r(*_at(text, "政府信息"), "CATEGORY"), _r(*_at(text, "120条"), "TOTAL"),
            _r(*_at(text, "工作动态"), "CATEGORY"), _r(*_at(text, "30条"), "COUNT"),
            _r(*_at(text, "机构"), "CATEGORY"), _r(*_at(text, "3条"), "COUNT"), _r(*_at(text, "8件"), "COUNT")]


def test_the_rules_spans_stand_against_confident_model_spans():
    """A model count or category that overlaps a rule span is dropped, however sure the model is
    (the policy before let it replace the rule's span)."""
    model = [_m(*_at(TEXT, "信息120条"), "COUNT", 0.99), _m(*_at(TEXT, "动态"), "CATEGORY", 0.99),
             _m(*_at(TEXT, "工作动态30"), "CATEGORY", 0.99)]
    assert _got(combine_spans(model[:2], _rules(), 0.6, TEXT)) == _got(sorted(_rules(), key=lambda s: s.start))
    assert _got(combine_spans(model[2:], _rules(), 0.6, TEXT)) == _got(sorted(_rules(), key=lambda s: s.start))


def test_a_count_the_rules_missed_is_added_and_an_unsure_one_is_not():
    text = "全年主动公开政府信息120条，微博12条，本年度办结8件。"
    rules = [_r(*_at(text, "政府信息"), "CATEGORY"), _r(*_at(text, "120条"), "COUNT")]
    for score, added in ((0.9, True), (0.59, False)):
        got = _got(combine_spans([_m(*_at(text, "12条", text.index("微博")), "COUNT", score)], rules, 0.6, text))
        assert ((*_at(text, "12条", text.index("微博")), "COUNT", "model") in got) is added
        assert [g for g in got if g[3] == "rule"] == _got(rules)


def test_an_added_model_total_is_a_count_when_the_rules_name_the_total():
    text = "全年主动公开政府信息120条，微博12条。"
    model = [_m(*_at(text, "12条", text.index("微博")), "TOTAL")]
    with_total = [_r(*_at(text, "120条"), "TOTAL")]
    without = [_r(*_at(text, "120条"), "COUNT")]
    assert [s.label for s in combine_spans(model, with_total, 0.6, text)] == ["TOTAL", "COUNT"]
    assert [s.label for s in combine_spans(model, without, 0.6, text)] == ["COUNT", "TOTAL"]


def test_a_model_category_extends_a_rule_category_to_the_left_only():
    """组织机构 (model) replaces 机构 (rules): same end, earlier start.  A model category that ends later
    (机构信息) or that would run into another span is not taken."""
    rules = _rules()
    left = _m(*_at(TEXT, "组织机构"), "CATEGORY")
    got = _got(combine_spans([left], rules, 0.6, TEXT))
    assert (*_at(TEXT, "组织机构"), "CATEGORY", "model") in got
    assert (*_at(TEXT, "机构"), "CATEGORY", "rule") not in got
    right = _m(*_at(TEXT, "机构信息"), "CATEGORY")
    assert _got(combine_spans([right], rules, 0.6, TEXT)) == _got(sorted(rules, key=lambda s: s.start))
    a, b = _at(TEXT, "机构")
    into_count = _m(TEXT.index("30条") + 2, b, "CATEGORY")  # 条，组织机构: starts inside the 30条 count
    assert _got(combine_spans([into_count], rules, 0.6, TEXT)) == _got(sorted(rules, key=lambda s: s.start))
    assert _got(combine_spans([_m(*_at(TEXT, "组织机构"), "CATEGORY", 0.5)], rules, 0.6, TEXT)) == \
        _got(sorted(rules, key=lambda s: s.start))


def test_a_model_category_is_added_for_a_count_that_has_none():
    """办结 names the 8件 (the rules gave it no category): the model's category is added."""
    got = combine_spans([_m(*_at(TEXT, "办结"), "CATEGORY")], _rules(), 0.6, TEXT)
    assert (*_at(TEXT, "办结"), "CATEGORY", "model") in _got(got)


def test_a_model_category_never_takes_a_count_from_a_rule_category():
    """其中工作动态30条 is paired by the rules; a model category between 工作动态 and 30条 (here 动态,
    say the rules had 工作 only) would become that count's category: it is not added."""
    text = "其中工作动态30条。"
    rules = [_r(*_at(text, "工作"), "CATEGORY"), _r(*_at(text, "30条"), "COUNT")]
    got = _got(combine_spans([_m(*_at(text, "动态"), "CATEGORY")], rules, 0.6, text))
    assert got == _got(rules)


def test_headers_passed_to_combine_spans_follow_the_confident_model():
    """`evaluation.tagging` passes SECTION spans too: a model header at or above the threshold wins."""
    text = "一、总体情况\n正文。"
    rule = [_r(0, 6, "SECTION")]
    assert _got(combine_spans([_m(0, 7, "SECTION")], rule, 0.6, text)) == [(0, 7, "SECTION", "model")]
    assert _got(combine_spans([_m(0, 7, "SECTION", 0.3)], rule, 0.6, text)) == [(0, 6, "SECTION", "rule")]


class StandInTagger:
    """A SpanTagger that answers with fixed spans (no model)."""

    def __init__(self, spans, threshold=0.6):
        self._spans = spans
        self.threshold = threshold
        self.reads_hints = False
        self.info = {"name": "stand-in", "threshold": threshold}

    def spans(self, text, regions=None, hints=None):
        return list(self._spans)


REPORT = ("某县文化局2023年政府信息公开工作年度报告\n一、总体情况\n本局2023年主动公开政府信息情况良好。"
          "全年主动公开政府信息120条，其中工作动态30条。\n三、收到和处理政府信息公开申请情况\n本年度收到申请2件。\n")


@pytest.mark.parametrize("score,expected", [(0.3, [1, 3]), (0.9, [1, 2, 3])])
def test_a_model_header_below_the_threshold_does_not_count(score, expected):
    """Combined: the tagger's header candidate (section 2's words inside a sentence) competes with the
    rules' candidates only at or above the tagger's threshold."""
    a = REPORT.index("主动公开政府信息情况")
    tagger = StandInTagger([_m(a, a + len("主动公开政府信息情况"), "SECTION", score)], threshold=0.6)
    rec = extract(Decoded(text=REPORT, sha256="t"), "d", "d", tagger=tagger, system="combined")
    assert [s.number for s in rec.sections] == expected
    assert rec.methods["sections"] == "combined"
    # the rules alone never take a header in the middle of a sentence
    assert [s.number for s in extract(Decoded(text=REPORT, sha256="t"), "d", "d", system="rules").sections] == [1, 3]


def test_header_candidates_apply_the_threshold():
    t = Text(REPORT)
    a = REPORT.index("主动公开政府信息情况")
    rule = find_candidates(t)
    for score, kept in ((0.59, False), (0.6, True)):
        span = _m(a, a + len("主动公开政府信息情况"), "SECTION", score)
        cands = header_candidates(t, rule, [span], System.COMBINED, 0.6)
        assert any(c.tier == "model" for c in cands) is kept
        model = [c for c in cands if c.tier == "model"]
        assert all(c.confidence == score and c.rank == pytest.approx(2 + 2 * score) for c in model)


def test_through_the_pipeline_the_rules_counts_stand_and_the_model_extends_a_category():
    """Through extract: the model calls the second count the TOTAL and the first a COUNT; the record keeps
    the rules' counts and labels.  The rules read 组织机构信息3条 as 机构; the model's 组织机构 extends it."""
    text = REPORT.replace("工作动态30条。", "工作动态30条，组织机构信息3条。")
    a, b = text.index("120条"), text.index("30条")
    c = text.index("组织机构")
    tagger = StandInTagger([_m(a, a + 4, "COUNT"), _m(b, b + 3, "TOTAL"), _m(c, c + 4, "CATEGORY")])
    rules = extract(Decoded(text=text, sha256="t"), "d", "d", system="rules")
    assert {n.value: n.category for n in rules.narrative}[3] == "机构"
    rec = extract(Decoded(text=text, sha256="t"), "d", "d", tagger=tagger, system="combined")
    assert {n.value: (n.total, n.method) for n in rec.narrative if n.value in (120, 30)} == {
        120: (True, "rule"), 30: (False, "rule")}
    assert {n.value: n.category for n in rec.narrative}[3] == "组织机构"
    rec = extract(Decoded(text=text, sha256="t"), "d", "d", tagger=tagger, system="model")
    assert {n.value: n.total for n in rec.narrative} == {120: False, 30: True}


def test_the_tagger_reads_a_letter_spaced_line_without_its_spacing():
    """A PDF's justified line (全 年 主 动 …) reaches the tagger as written without the blanks (it learned
    from text without them), and its spans come back in the text's own offsets."""
    import re

    sentence = "全年主动公开政府信息120条，其中组织机构信息3条。"
    spaced = re.sub(r"(?<=[^\x00-\x7f])(?=[^\x00-\x7f])", " ", sentence)  # 全 年 … 信 息120条 ， 其 中 …
    text = REPORT.replace("工作动态30条。", "工作动态30条。\n" + spaced)
    seen = []

    class Recording(ContextFreeTagger):
        def spans(self, text, regions=None, hints=None):
            seen.append(text)
            return super().spans(text, regions, hints)

    rec = extract(Decoded(text=text, sha256="t"), "d", "d", tagger=Recording(), system="model")
    assert seen and all(sentence in t for t in seen)
    got = {n.value: text[n.start:n.end] for n in rec.narrative}
    assert got[120] == "120条" and got[3] == "3条"
    cats = {n.value: text[n.category_start:n.category_end] for n in rec.narrative if n.category_start is not None}
    assert cats[3] == "机 构 信 息"  # the stand-in's four characters before the count, in the text as it stands


# ---------------------------------------------------------------------------------------------
# what the tagger reads: only the gaps the rules leave (combine.header_regions, narrative_regions)
# ---------------------------------------------------------------------------------------------


def test_header_gaps_are_where_the_missing_sections_would_stand():
    from xxgk.combine import header_gaps
    from xxgk.record import Section

    def sec(k, a, b):
        return Section(number=k, key="overview", title="t", start=a, end=b, method="rule", confidence=1.0)

    # found 1, 3 and 6: 2 lies between 1 and 3, 4 and 5 between 3 and 6
    assert header_gaps([sec(1, 0, 6), sec(3, 40, 50), sec(6, 80, 88)], 100) == [(6, 40), (50, 80)]
    assert header_gaps([sec(2, 10, 16)], 100) == [(0, 10)]  # 一 before 二; nothing looked for after 二
    assert header_gaps([sec(1, 10, 16)], 100) == []  # a page cut inside section 一: the rest is not there
    assert header_gaps([], 100) == []
    assert header_gaps([sec(k, 10 * k, 10 * k + 5) for k in range(1, 7)], 100) == []


def test_a_header_the_rules_found_stands_against_a_confident_model_header():
    """Combined: a model header for a section the rules found is not a candidate, however sure; one for a
    section they did not find is."""
    t = Text(REPORT)
    rule = find_candidates(t)
    a = REPORT.index("本年度收到申请")
    three = _m(a, a + 7, "SECTION", 0.99)  # the model's "section 3" (its number comes from the wording)
    b = REPORT.index("主动公开政府信息情况")
    two = _m(b, b + len("主动公开政府信息情况"), "SECTION", 0.99)
    from xxgk.rules.sections import model_candidates

    assert [c.number for c in model_candidates(t, [two])] == [2]
    cands = header_candidates(t, rule, [two], System.COMBINED, 0.6)
    assert [c.number for c in cands if c.tier == "model"] == [2]
    rec = extract(Decoded(text=REPORT, sha256="t"), "d", "d", tagger=StandInTagger([two, three]), system="combined")
    assert [(s.number, s.method) for s in rec.sections] == [(1, "rule"), (2, "model"), (3, "rule")]
    assert rec.sections[1].confidence == 0.99  # the model's score, not the rank that ordered it


def _records(text, tagger, monkeypatch, gaps_only):
    from xxgk import combine

    monkeypatch.setattr(combine, "GAPS_ONLY", gaps_only)
    rec = extract(Decoded(text=text, sha256="t"), "d", "d", tagger=tagger, system="combined")
    return ([(s.number, s.start, s.end, s.method) for s in rec.sections],
            [(n.start, n.end, n.value, n.category, n.total, n.method) for n in rec.narrative])


def test_the_tagger_reads_only_the_gaps_and_the_records_are_those_of_reading_everything(monkeypatch):
    text = REPORT.replace("工作动态30条。", "工作动态30条，组织机构信息3条。本年度办结8件。")
    gated, whole = ContextFreeTagger(), ContextFreeTagger()
    assert _records(text, gated, monkeypatch, True) == _records(text, whole, monkeypatch, False)


def test_with_all_six_headers_found_the_tagger_reads_no_header(monkeypatch, corpus):
    """A complete seed report: the rules find the six headers, so the only call is for the narrative,
    and it holds no header line and nothing of the tables."""
    from xxgk.inputs.reading import iter_inputs, load_item

    dec = load_item(next(iter_inputs([str(corpus / "seeds" / "000_93c1fd8d0891e013.txt")])))
    tagger = ContextFreeTagger()
    rec = extract(dec, "d", "d", tagger=tagger, system="combined")
    assert [s.method for s in rec.sections] == ["rule"] * 6
    assert len(tagger.calls) == 1
    t2 = next(s.start for s in rec.sections if s.number == 2)
    assert all(b <= t2 for a, b in tagger.calls[0])  # the overview only: no table row is read


def test_on_the_corpus_the_gated_tagger_changes_no_record(monkeypatch, corpus):
    """The gating claim on every corpus document (skipped without ../shared/corpus)."""
    from xxgk.inputs.reading import iter_inputs, load_item

    n = differ = 0
    for item in iter_inputs([str(corpus)]):
        try:
            text = load_item(item).text
        except Exception:
            continue
        n += 1
        if _records(text, ContextFreeTagger(), monkeypatch, True) != _records(text, ContextFreeTagger(), monkeypatch, False):
            differ += 1
    assert n > 100 and differ == 0
