"""How the tagger's spans and the rules' spans combine into one answer, per system.

`System.RULES` uses the rules only; `System.MODEL` the tagger only; `System.COMBINED` both.  The
threshold is chosen on the dev split and stored in the model's tagger.json.

Narrative (COUNT / TOTAL / CATEGORY), `combine_spans`:
  1. a model span whose score is at least the threshold is kept, with method "model";
  2. a rule span is kept unless it overlaps a kept model span of the same group (SECTION is one
     group; COUNT/TOTAL/CATEGORY the other);
  3. model spans below the threshold are dropped, and the rules speak there;
  4. which count is the headline TOTAL is a document-level convention the rules decide better (on
     dev): when the rules name a TOTAL, a kept model count takes the rule's COUNT/TOTAL label for the
     same number, and a model TOTAL the rules do not confirm becomes a COUNT.
So the model wins where it is confident and the rules fill in everywhere else.

Headers, `header_candidates`: the tagger's SECTION spans become section candidates next to the
rules' candidates, and `sections.choose` picks the best sequence by rank.  A candidate's rank only
orders candidates; its confidence (the model's score, or the rule rank's share of the best rule
rank) is what a record publishes.

This module reads both sides and belongs to neither: the tagger never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from xxgk.rules.sections import Candidate, model_candidates
from xxgk.spans import COUNT_LABELS, NARRATIVE_LABELS, Span, System
from xxgk.text import Text

# --tagger alone: every model header ranks 1 plus its score, so the sequence with the most headers
# wins and the score only breaks ties between sequences of as many headers
MODEL_ONLY_RANK_BASE = 1.0
# combined: a model header at or above the threshold ranks in [2 + 2 * threshold, 4], above every
# weak or fuzzy rule candidate (at most 1 + 0.6 + 0.3 + 0.5 = 2.4 and 3.4) but below a header in the
# template's own wording at the start of its line with the right numeral (sections.RULE_RANK_MAX, 4.4)
COMBINED_RANK_BASE = 2.0
COMBINED_RANK_PER_SCORE = 2.0


def header_candidates(t: Text, rule_cands: list[Candidate], model_spans: Sequence[Span], system: System,
                      threshold: float) -> list[Candidate]:
    """The section candidates `sections.choose` picks from, under `system`."""
    if system is System.RULES or not model_spans:
        return rule_cands if system is not System.MODEL else []
    mc = model_candidates(t, list(model_spans))
    if system is System.MODEL:
        for c in mc:
            c.rank = MODEL_ONLY_RANK_BASE + c.confidence
        return mc
    out = list(rule_cands)
    for c in mc:
        if c.confidence < threshold:
            continue  # the model is unsure: the rules answer
        c.rank = COMBINED_RANK_BASE + COMBINED_RANK_PER_SCORE * c.confidence
        out.append(c)
    return out


def narrative_spans(model_spans: Sequence[Span], rule_spans: Sequence[Span], prose: Sequence[tuple[int, int]],
                    system: System, threshold: float) -> list[Span]:
    """COUNT / TOTAL / CATEGORY spans of the running text (`prose`) under `system`; `rule_spans` are
    the rules' spans of the same text."""
    if system is System.RULES:
        return list(rule_spans)
    model = [s for s in model_spans if s.label in NARRATIVE_LABELS and any(a <= s.start < b for a, b in prose)]
    if system is System.MODEL:
        return sorted(model, key=lambda s: s.start)
    return combine_spans(model, rule_spans, threshold)


def combine_spans(model_spans: Sequence[Span], rule_spans: Sequence[Span], threshold: float) -> list[Span]:
    """Model spans at or above `threshold`, rule spans elsewhere (the policy in the module docstring)."""
    kept = [s for s in model_spans if s.score >= threshold]
    rule_counts = {(s.start, s.end): s.label for s in rule_spans if s.label in COUNT_LABELS}
    if "TOTAL" in rule_counts.values():
        kept = [replace(s, label=rule_counts.get((s.start, s.end), "COUNT")) if s.label in COUNT_LABELS else s
                for s in kept]
    out = list(kept)
    for r in rule_spans:
        if any(m.group == r.group and m.overlaps(r) for m in kept):
            continue
        out.append(r)
    out.sort(key=lambda s: (s.start, s.end))
    # no overlaps in the result: the earlier/longer (model first) wins
    res: list[Span] = []
    for s in out:
        if res and s.start < res[-1].end and s.group == res[-1].group:
            continue
        res.append(s)
    return res
