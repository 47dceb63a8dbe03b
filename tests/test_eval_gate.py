"""The CI gate: the evaluation on the test split must not fall below annotations/thresholds.json.

`rules` is always gated (it is deterministic and takes about a second). `combined` is gated when
a tagger loads (src/xxgk/models/tagger or $XXGK_MODEL), against its own thresholds, falling back to the
rules thresholds when the file has none for it; without a model, combined *is* rules, which the
first test covers.
"""

import json

import pytest

from xxgk.evaluation.report import build_metrics, check_gate, thresholds_for
from xxgk.evaluation.runner import load_inputs, run


@pytest.fixture(scope="module")
def thresholds(annotations_dir):
    return json.loads((annotations_dir / "thresholds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def golds(annotations_dir, thresholds):
    golds, _note = load_inputs(annotations_dir, thresholds.get("split", "test"))
    return golds


def _gate(golds, thresholds, system, **kw):
    ev = run(golds, (system,), **kw)
    assert system in ev.runs, ev.unavailable
    metrics = build_metrics(ev)
    source, limits = thresholds_for(thresholds, system)
    assert limits, f"annotations/thresholds.json has no limits for {system} (nor a fallback)"
    _sys, failures = check_gate(metrics, limits, system)
    return source, failures, metrics["systems"][system]["headline"]


def test_thresholds_file_is_sane(thresholds):
    from xxgk.evaluation.report import HEADLINE

    measured = thresholds.get("measured", {})
    for system, limits in thresholds["systems"].items():
        for key, limit in limits.items():
            assert key in HEADLINE, f"{system}: unknown metric {key}"
            if key in measured.get(system, {}):  # never above what was measured (never below, for maximums)
                m = measured[system][key]
                assert (limit >= m) if HEADLINE[key][1] == "lower" else (limit <= m), (system, key)


def test_rules_meet_thresholds(golds, thresholds):
    source, failures, head = _gate(golds, thresholds, "rules")
    assert not failures, f"rules below the {source} thresholds: {failures}\nmeasured: {head}"


def test_combined_meets_thresholds(golds, thresholds):
    from xxgk.tagger import TaggerUnavailable, load_tagger

    try:
        tagger = load_tagger()
    except TaggerUnavailable as e:
        pytest.skip(f"no tagger model ({e}): combined runs as rules, gated by test_rules_meet_thresholds")
    # one torch thread: on small CI machines the int8 tagger is several times faster than with the default
    source, failures, head = _gate(golds, thresholds, "combined", tagger=tagger, threads=1)
    assert not failures, f"combined below the {source} thresholds: {failures}\nmeasured: {head}"
