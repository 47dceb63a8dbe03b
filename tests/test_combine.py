"""The combination policy (xxgk.combine), directly and through the pipeline with a stand-in tagger.

Each rule of the policy has a test that fails when the rule is switched off: the TOTAL relabelling
(`combine_spans`), the threshold a model header must reach to compete with the rules
(`header_candidates`), and the rules filling in where the model is unsure.
"""

import pytest

from xxgk.combine import combine_spans, header_candidates
from xxgk.pipeline import extract
from xxgk.inputs.reading import Decoded
from xxgk.rules.sections import find_candidates
from xxgk.spans import Method, Span, System
from xxgk.text import Text


def _m(a, b, label, score=0.9):
    return Span(a, b, label, score, Method.MODEL)


def _r(a, b, label, score=0.9):
    return Span(a, b, label, score, Method.RULE)


def test_the_rules_decide_which_count_is_the_total():
    """A kept model count takes the rules' label for the same number; a model TOTAL the rules do not
    confirm becomes a COUNT."""
    model = [_m(0, 4, "CATEGORY"), _m(4, 8, "TOTAL"), _m(10, 13, "COUNT")]
    rules = [_r(4, 8, "COUNT"), _r(10, 13, "TOTAL"), _r(20, 23, "COUNT")]
    got = [(s.start, s.label, s.method.value) for s in combine_spans(model, rules, 0.5)]
    assert got == [(0, "CATEGORY", "model"), (4, "COUNT", "model"), (10, "TOTAL", "model"), (20, "COUNT", "rule")]


def test_without_a_rule_total_the_model_labels_stand():
    model = [_m(4, 8, "TOTAL"), _m(10, 13, "COUNT")]
    rules = [_r(4, 8, "COUNT")]
    assert [s.label for s in combine_spans(model, rules, 0.5)] == ["TOTAL", "COUNT"]


def test_unsure_model_spans_leave_the_rules_in_place():
    model = [_m(4, 8, "COUNT", 0.4), _m(10, 13, "COUNT", 0.8)]
    rules = [_r(3, 8, "COUNT"), _r(10, 12, "COUNT")]
    got = [(s.start, s.end, s.method.value) for s in combine_spans(model, rules, 0.6)]
    assert got == [(3, 8, "rule"), (10, 13, "model")]


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


def test_the_pipeline_relabels_model_counts_by_the_rules_total():
    """Through extract: the model calls the second count the TOTAL, the rules the first; the record
    follows the rules."""
    a = REPORT.index("120条")
    b = REPORT.index("30条")
    tagger = StandInTagger([_m(a, a + 4, "COUNT"), _m(b, b + 3, "TOTAL")])
    rec = extract(Decoded(text=REPORT, sha256="t"), "d", "d", tagger=tagger, system="combined")
    totals = {n.value: n.total for n in rec.narrative if n.method == "model"}
    assert totals == {120: True, 30: False}
    rec = extract(Decoded(text=REPORT, sha256="t"), "d", "d", tagger=tagger, system="model")
    assert {n.value: n.total for n in rec.narrative} == {120: False, 30: True}
