"""How model spans and rule spans combine, and how both are scored against gold spans.

Policy (the threshold is chosen on the dev split and stored in the model's tagger.json):
  1. a model span whose score is at least the threshold is kept, with method "model";
  2. a rule span is kept unless it overlaps a kept model span of the same label group
     (SECTION is one group; COUNT/TOTAL/CATEGORY the other);
  3. model spans below the threshold are dropped, and the rules speak there;
  4. which count is the headline TOTAL is a document-level convention the rules decide better (on
     dev): when the rules name a TOTAL, a kept model count takes the rule's COUNT/TOTAL label for the
     same number, and a model TOTAL the rules do not confirm becomes a COUNT.
So the model wins where it is confident and the rules fill in everywhere else.  The pipeline uses
this for narrative spans; headers are combined as scored candidates in `xxgk.pipeline`.
"""

from __future__ import annotations

from dataclasses import replace

from ..spans import Span

GROUPS = {"SECTION": "header", "COUNT": "narrative", "TOTAL": "narrative", "CATEGORY": "narrative"}


def combine(model_spans, rule_spans, threshold: float) -> list[Span]:
    kept = [s for s in model_spans if s.score >= threshold]
    rule_counts = {(s.start, s.end): s.label for s in rule_spans if s.label in ("COUNT", "TOTAL")}
    if "TOTAL" in rule_counts.values():
        kept = [replace(s, label=rule_counts.get((s.start, s.end), "COUNT")) if s.label in ("COUNT", "TOTAL") else s
                for s in kept]
    out = list(kept)
    for r in rule_spans:
        g = GROUPS.get(r.label)
        if any(GROUPS.get(m.label) == g and m.start < r.end and r.start < m.end for m in kept):
            continue
        out.append(r)
    out.sort(key=lambda s: (s.start, s.end))
    # no overlaps in the result: the earlier/longer (model first) wins
    res: list[Span] = []
    for s in out:
        if res and s.start < res[-1].end and GROUPS.get(s.label) == GROUPS.get(res[-1].label):
            continue
        res.append(s)
    return res


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp, "pred": n_pred, "gold": n_gold}


def span_scores(docs) -> dict:
    """docs: [(text, gold spans [(a, b, label)], predicted spans [(a, b, label)])] → exact-match
    P/R/F1 per label, for counts regardless of COUNT/TOTAL ('COUNT+TOTAL'), micro over all, and for
    narrative pairs (count span + its linked category text, linked as annotations/GUIDE.md says)."""
    from ..narrative import link_counts

    keys = ("SECTION", "COUNT", "TOTAL", "CATEGORY", "COUNT+TOTAL", "micro", "narrative_pairs")
    acc = {k: [0, 0, 0] for k in keys}

    def add(k, g, p):
        acc[k][0] += len(g & p)
        acc[k][1] += len(p)
        acc[k][2] += len(g)

    for text, gold, pred in docs:
        gold = {(a, b, lab) for a, b, lab in gold}
        pred = {(a, b, lab) for a, b, lab in pred}
        for lab in ("SECTION", "COUNT", "TOTAL", "CATEGORY"):
            add(lab, {s for s in gold if s[2] == lab}, {s for s in pred if s[2] == lab})
        add("COUNT+TOTAL", {(a, b) for a, b, lab in gold if lab in ("COUNT", "TOTAL")},
            {(a, b) for a, b, lab in pred if lab in ("COUNT", "TOTAL")})
        add("micro", gold, pred)

        def pairs(spans):
            items = link_counts(text, [Span(a, b, lab) for a, b, lab in spans])
            return {(n.start, n.end, n.category) for n in items}

        add("narrative_pairs", pairs(gold), pairs(pred))
    return {k: _prf(*v) for k, v in acc.items()}
