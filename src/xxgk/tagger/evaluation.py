"""Scoring the tagger the way the pipeline uses it: records from `xxgk.pipeline.extract` with
system = rules | model | combined, compared with the gold fixtures' sections and narrative.

  sections         (number, start, end) of each of the six headers
  narrative        (start, end, value, category, total) of each count — all of it right
  counts           (start, end, value) of each count (the number found, whatever it counts)
  count_category   (start, end, category) — the count and what it counts
Only fixtures that checked `sections` (resp. `narrative`) are scored on them.  Model predictions
are cached per (text, regions), so trying thresholds costs no extra model calls.
"""

from __future__ import annotations

from .policy import _prf

KEYS = ("sections", "narrative", "counts", "count_category")


class CachedTagger:
    """Wraps a Tagger: same predictions, cached; `threshold` overrides info['threshold']."""

    def __init__(self, tagger, threshold: float | None = None):
        self.tagger = tagger
        self.cache: dict = {}
        self.threshold = threshold

    @property
    def info(self) -> dict:
        info = dict(self.tagger.info)
        if self.threshold is not None:
            info["threshold"] = self.threshold
        return info

    @property
    def uses_rule_features(self) -> bool:
        return bool(getattr(self.tagger, "uses_rule_features", False))

    def predict(self, text, regions=None, hints=None):
        # hints are the rules' spans of `text` (a function of the text), so not part of the key
        key = (text, tuple(map(tuple, regions)) if regions is not None else None)
        if key not in self.cache:
            self.cache[key] = self.tagger.predict(text, regions=regions, hints=hints)
        return self.cache[key]

    def predict_batch(self, items):
        return [self.predict(it) if isinstance(it, str) else self.predict(*it) for it in items]


def _gold_sets(g):
    out = {}
    if "sections" in g.checked:
        out["sections"] = {(s.number, s.start, s.end) for s in g.sections()}
    if "narrative" in g.checked:
        items = g.narrative()
        out["narrative"] = {(n.start, n.end, n.value, n.category, n.total) for n in items}
        out["counts"] = {(n.start, n.end, n.value) for n in items}
        out["count_category"] = {(n.start, n.end, n.category) for n in items}
    return out


def _pred_sets(rec):
    return {"sections": {(s.number, s.start, s.end) for s in rec.sections},
            "narrative": {(n.start, n.end, n.value, n.category, n.total) for n in rec.narrative},
            "counts": {(n.start, n.end, n.value) for n in rec.narrative},
            "count_category": {(n.start, n.end, n.category) for n in rec.narrative}}


def record_scores(golds, tagger=None, system: str = "rules", threshold: float | None = None) -> dict | None:
    """P/R/F1 per key over the gold docs; None when the pipeline is not available."""
    try:
        from ..pipeline import extract
        from ..reading import Decoded
    except ImportError:
        return None
    if tagger is not None and not isinstance(tagger, CachedTagger):
        tagger = CachedTagger(tagger)
    if isinstance(tagger, CachedTagger):
        tagger.threshold = threshold
    acc = {k: [0, 0, 0] for k in KEYS}
    for g in golds:
        rec = extract(Decoded(text=g.text, sha256="eval"), g.doc_id, str(g.doc),
                      tagger=tagger if system != "rules" else None, system=system)
        gold = _gold_sets(g)
        pred = _pred_sets(rec)
        for k, gs in gold.items():
            ps = pred[k]
            acc[k][0] += len(gs & ps)
            acc[k][1] += len(ps)
            acc[k][2] += len(gs)
    return {k: _prf(*v) for k, v in acc.items()}


def pipeline_report(golds, tagger, threshold: float) -> dict | None:
    """rules / model / combined record scores (one model call per document region set)."""
    cached = CachedTagger(tagger)
    out = {}
    for system in ("rules", "model", "combined"):
        s = record_scores(golds, cached, system, threshold)
        if s is None:
            return None
        out[system] = s
    return out


def choose_pipeline_threshold(golds, tagger, grid=None) -> tuple[float, dict]:
    """The threshold that maximises the combined system's sections F1 + narrative F1 on `golds`."""
    cached = CachedTagger(tagger)
    grid = grid or [round(0.3 + 0.05 * i, 2) for i in range(14)]
    table = {}
    best = (-1.0, 0.5)
    for thr in grid:
        s = record_scores(golds, cached, "combined", thr)
        if s is None:
            return 0.5, {}
        f = s["sections"]["f1"] + s["narrative"]["f1"] + s["count_category"]["f1"]
        table[thr] = round(f, 4)
        if f > best[0] + 1e-9:
            best = (f, thr)
    return best[1], table
