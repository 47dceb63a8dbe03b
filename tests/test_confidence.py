"""Confidences in records are in [0, 1] for every system, on real documents (a sixth of annotations/docs).

A section's `confidence` is its finder's confidence: the model's score for a header the tagger
found, the rule rank's share of the best rule rank for a rule header.  The rank that orders
candidates (1 + score for the tagger alone, 2 + 2 x score combined) is never published.
"""

from pathlib import Path

import pytest

from xxgk.pipeline import extract
from xxgk.inputs.reading import InputItem, load_item
from xxgk.rules.sections import RULE_RANK_MAX, TIER_RANK, rule_confidence

DOCS = Path(__file__).resolve().parents[1] / "annotations" / "docs"


@pytest.fixture(scope="module")
def decoded():
    out = []
    for p in sorted(DOCS.iterdir())[::6]:  # every sixth document (text, HTML, PDF), to keep the test short
        item = InputItem(doc_id=p.stem, source=str(p), path=str(p), suffix=p.suffix.lower())
        out.append((p.stem, load_item(item)))
    return out


@pytest.fixture(scope="module")
def tagger():
    from xxgk.tagger import TaggerUnavailable, load_tagger

    try:
        return load_tagger()
    except TaggerUnavailable as e:
        pytest.skip(f"no shipped tagger: {e}")


def _confidences(records):
    secs = [(r.doc_id, s.method, s.confidence) for r in records for s in r.sections]
    narr = [(r.doc_id, n.method, n.confidence) for r in records for n in r.narrative]
    return secs, narr


@pytest.mark.parametrize("system", ["rules", "model", "combined"])
def test_confidences_are_probabilities(decoded, tagger, system):
    recs = [extract(dec, doc_id, doc_id, tagger=tagger if system != "rules" else None, system=system)
            for doc_id, dec in decoded]
    secs, narr = _confidences(recs)
    assert secs and narr
    bad = [x for x in secs + narr if not 0.0 <= x[2] <= 1.0]
    assert not bad, bad[:5]
    methods = {m for _, m, _ in secs}
    # combined: the rules' headers stand, the model's only fill a section they did not find (none here)
    assert methods == ({"rule"} if system in ("rules", "combined") else {"model"})
    if system == "model":
        # the tagger's headers publish its score, not the rank that ordered them (1 + p)
        model_conf = [c for _, m, c in secs if m == "model"]
        assert max(model_conf) > 0.9


def test_rule_confidence_is_the_share_of_the_best_rank():
    assert RULE_RANK_MAX == pytest.approx(4.4) and max(TIER_RANK.values()) < RULE_RANK_MAX
    assert rule_confidence(RULE_RANK_MAX) == 1.0 and rule_confidence(2.2) == 0.5
    assert rule_confidence(RULE_RANK_MAX + 1) == 1.0
