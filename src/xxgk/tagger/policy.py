"""How model spans and rule spans are scored against gold spans (the policy that combines them is
`xxgk.combine`)."""

from __future__ import annotations

from ..spans import Span


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp, "pred": n_pred, "gold": n_gold}


def span_scores(docs) -> dict:
    """docs: [(text, gold spans [(a, b, label)], predicted spans [(a, b, label)])] → exact-match
    P/R/F1 per label, for counts regardless of COUNT/TOTAL ('COUNT+TOTAL'), micro over all, and for
    narrative pairs (count span + its linked category text, linked as annotations/GUIDE.md says)."""
    from ..conventions import link_counts

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
