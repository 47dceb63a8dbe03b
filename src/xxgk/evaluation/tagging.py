"""Scoring the tagger against the gold fixtures: what training selects a checkpoint and a threshold
by, and what the model card reports.

Two views, both per system (rules, the model alone, combined):
  spans     the tagger over whole documents, exact-match spans per label (`span_report`);
  records   `xxgk.pipeline.extract` with the model on the regions the pipeline gives it, compared
            on sections and narrative (`record_scores`, `pipeline_report`):
              sections         (number, start, end) of each of the six headers
              narrative        (start, end, value, category, total) of each count — all of it right
              counts           (start, end, value) of each count (the number found, whatever it counts)
              count_category   (start, end, category) — the count and what it counts
Only the label groups a fixture checked are scored (`sections` → SECTION, `narrative` → COUNT,
TOTAL, CATEGORY).  Model predictions are cached per (text, regions), so trying thresholds costs no
extra model calls.  The rules come in as a `SpanSource` (default: `xxgk.rules.hints.RuleSpans`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xxgk.combine import combine_spans
from xxgk.gold import Gold
from xxgk.spans import NARRATIVE_LABELS, Regions, Span, SpanSource, SpanTagger, System
from xxgk.tagger import Tagger
from xxgk.evaluation.metrics import TaggerSpanScores, prf

_span_scores = TaggerSpanScores().compute

KEYS = ("sections", "narrative", "counts", "count_category")
# the thresholds tried on dev (ties go to the lower one)
THRESHOLD_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))


def default_rules() -> SpanSource:
    from xxgk.rules.hints import RuleSpans

    return RuleSpans()


class RuleCache:
    """The rules' spans of each gold document, computed once (they are also the hints)."""

    def __init__(self, rules: SpanSource | None = None):
        self.rules = rules or default_rules()
        self.cache: dict[str, list[Span]] = {}

    def of(self, g: Gold) -> list[Span]:
        if g.doc_id not in self.cache:
            self.cache[g.doc_id] = self.rules.spans(g.text)
        return self.cache[g.doc_id]


def gold_spans(g: Gold) -> tuple[list[tuple[int, int, str]], set[str]]:
    """Gold spans for scoring, and the labels they cover: only the label groups the fixture checked."""
    labs: set[str] = set()
    if "sections" in g.checked:
        labs.add("SECTION")
    if "narrative" in g.checked:
        labs |= set(NARRATIVE_LABELS)
    return [(s.start, s.end, s.label) for s in g.spans if s.label in labs], labs


def whole_text_predictions(tagger: Tagger, golds: Sequence[Gold], rules: RuleCache) -> list[list[Span]]:
    """The tagger's spans over each whole gold document (with the rules' spans as hints if it reads them),
    all documents in one batch: a runtime-quantised model's figures depend on what shares a batch."""
    hints = [rules.of(g) for g in golds] if tagger.reads_hints else None
    return tagger.predict_batch([g.text for g in golds], hints=hints)


def span_report(tagger: Tagger | None, golds: Sequence[Gold], threshold: float | None = None,
                rules: RuleCache | None = None) -> tuple[dict, list[list[Span]]]:
    """Span scores of the rules, the model (spans at or above `threshold`; all when None) and the
    combination, over whole gold documents; and the model's predictions."""
    rules = rules or RuleCache()
    rows: dict[str, list] = {s.value: [] for s in System}
    preds = whole_text_predictions(tagger, golds, rules) if tagger is not None else [[] for _ in golds]
    thr = 0.0 if threshold is None else threshold
    for g, mp in zip(golds, preds):
        gold, labs = gold_spans(g)
        rs = [s for s in rules.of(g) if s.label in labs]
        mp = [s for s in mp if s.label in labs]
        rows[System.RULES].append((g.text, gold, [s.key() for s in rs]))
        rows[System.MODEL].append((g.text, gold, [s.key() for s in mp if s.score >= thr]))
        rows[System.COMBINED].append((g.text, gold, [s.key() for s in combine_spans(mp, rs, thr, g.text)]))
    return {k: _span_scores(v) for k, v in rows.items()}, preds


def model_span_f1(tagger: Tagger, golds: Sequence[Gold], rules: RuleCache | None = None) -> float | None:
    """Micro span F1 of the model alone (every span it gives) on `golds`: what training keeps the best
    checkpoint by."""
    rules = rules or RuleCache()
    rows = []
    for g, mp in zip(golds, whole_text_predictions(tagger, golds, rules)):
        gold, labs = gold_spans(g)
        rows.append((g.text, gold, [s.key() for s in mp if s.label in labs]))
    return _span_scores(rows)["micro"]["f1"]


# ---------------------------------------------------------------------------------------------
# records: the tagger as the pipeline uses it
# ---------------------------------------------------------------------------------------------


class CachedTagger:
    """Wraps a tagger: the same spans, cached per (text, regions); `threshold` overrides its own."""

    def __init__(self, tagger: SpanTagger, threshold: float | None = None):
        self.tagger = tagger
        self.cache: dict = {}
        self.override = threshold

    @property
    def threshold(self) -> float:
        return self.tagger.threshold if self.override is None else self.override

    @property
    def reads_hints(self) -> bool:
        return self.tagger.reads_hints

    @property
    def info(self) -> dict:
        return {**self.tagger.info, "threshold": self.threshold}

    def spans(self, text: str, regions: Regions | None = None, hints: Sequence[Span] | None = None) -> list[Span]:
        # hints are the rules' spans of `text` (a function of the text), so not part of the key
        key = (text, tuple(map(tuple, regions)) if regions is not None else None)
        if key not in self.cache:
            self.cache[key] = self.tagger.spans(text, regions=regions, hints=hints)
        return self.cache[key]


def _gold_sets(g: Gold) -> dict:
    out: dict[str, set] = {}
    if "sections" in g.checked:
        out["sections"] = {(s.number, s.start, s.end) for s in g.sections()}
    if "narrative" in g.checked:
        items = g.narrative()
        out["narrative"] = {(n.start, n.end, n.value, n.category, n.total) for n in items}
        out["counts"] = {(n.start, n.end, n.value) for n in items}
        out["count_category"] = {(n.start, n.end, n.category) for n in items}
    return out


def _pred_sets(rec: Any) -> dict:
    return {"sections": {(s.number, s.start, s.end) for s in rec.sections},
            "narrative": {(n.start, n.end, n.value, n.category, n.total) for n in rec.narrative},
            "counts": {(n.start, n.end, n.value) for n in rec.narrative},
            "count_category": {(n.start, n.end, n.category) for n in rec.narrative}}


def record_scores(golds: Sequence[Gold], tagger: SpanTagger | None = None, system: System | str = System.RULES,
                  threshold: float | None = None) -> dict:
    """P/R/F1 per key of the records `extract` gives under `system`, over the gold documents."""
    from xxgk.pipeline import extract
    from xxgk.inputs.reading import Decoded

    system = System.parse(system)
    cached = tagger if isinstance(tagger, CachedTagger) or tagger is None else CachedTagger(tagger)
    if cached is not None:
        cached.override = threshold
    acc = {k: [0, 0, 0] for k in KEYS}
    for g in golds:
        rec = extract(Decoded(text=g.text, sha256="eval"), g.doc_id, str(g.doc),
                      tagger=cached if system.uses_model else None, system=system)
        pred = _pred_sets(rec)
        for k, gs in _gold_sets(g).items():
            ps = pred[k]
            acc[k][0] += len(gs & ps)
            acc[k][1] += len(ps)
            acc[k][2] += len(gs)
    return {k: prf(tp, n_pred - tp, n_gold - tp) for k, (tp, n_pred, n_gold) in acc.items()}


def pipeline_report(golds: Sequence[Gold], tagger: SpanTagger, threshold: float) -> dict:
    """rules / model / combined record scores (one model call per document region set)."""
    cached = CachedTagger(tagger)
    return {system.value: record_scores(golds, cached, system, threshold) for system in System}


def choose_pipeline_threshold(golds: Sequence[Gold], tagger: SpanTagger,
                              grid: Sequence[float] = THRESHOLD_GRID) -> tuple[float, dict]:
    """The threshold that maximises the combined system's sections F1 + narrative F1 + count_category F1
    on `golds` (ties → lower)."""
    cached = CachedTagger(tagger)
    table = {}
    best = (-1.0, 0.5)
    for thr in grid:
        s = record_scores(golds, cached, System.COMBINED, thr)
        f = sum(s[k]["f1"] or 0.0 for k in ("sections", "narrative", "count_category"))  # None: nothing to score
        table[thr] = round(f, 4)
        if f > best[0] + 1e-9:
            best = (f, thr)
    return best[1], table


# ---------------------------------------------------------------------------------------------
# a model folder: threshold, metrics, card
# ---------------------------------------------------------------------------------------------


def score_folder(folder: Path, dev: Sequence[Gold], test: Sequence[Gold], device: str | None = None,
                 rules: RuleCache | None = None, log: Callable[[str], Any] = print) -> dict:
    """Choose the threshold on dev and score dev/test for a model folder; updates its tagger.json and
    model card.  Run at the end of training, and again by `rescore` after decoding changes."""
    from xxgk.tagger.card import write_card
    from xxgk.tagger.loading import load_tagger
    from xxgk.tagger.saving import read_meta, write_meta

    rules = rules or RuleCache()
    shipped = load_tagger(folder, device=device)
    if dev:
        thr, thr_table = choose_pipeline_threshold(dev, shipped)
        how = "pipeline"
    else:  # no dev split (a final fit on train + dev): the threshold the config fixes
        cfg_train = read_meta(folder).get("config", {}).get("train", {})
        thr, thr_table, how = float(cfg_train.get("threshold", 0.5)), {}, "config"
    shipped.meta["threshold"] = thr
    metrics: dict[str, Any] = {"threshold_table_dev": thr_table, "threshold_by": how}
    for name, golds in (("dev", dev), ("test", test)):
        if golds:
            metrics[name], _ = span_report(shipped, golds, thr, rules)
            metrics[name + "_pipeline"] = pipeline_report(golds, shipped, thr)
            log(f"  {name}: span micro F1 rules {metrics[name]['rules']['micro']['f1']} model "
                f"{metrics[name]['model']['micro']['f1']} combined {metrics[name]['combined']['micro']['f1']}")
    meta = read_meta(folder)
    meta.update({"threshold": thr, "metrics": metrics, "size_bytes": (folder / "model.safetensors").stat().st_size})
    write_meta(folder, meta)
    write_card(folder, meta)
    return metrics


def rescore(folder: str | Path, annotations: str | Path = "annotations", evaluate_test: bool = True,
            log: Callable[[str], Any] = print) -> dict:
    """Re-choose the threshold and re-score an existing model folder on the fixtures."""
    from xxgk.gold import load_gold_dir

    golds = load_gold_dir(annotations)
    meta = json.loads((Path(folder) / "tagger.json").read_text(encoding="utf-8"))
    dc = meta.get("config", {}).get("data", {})
    dev = [g for g in golds if g.split == dc.get("dev_split", "dev")]
    test = [g for g in golds if g.split == dc.get("test_split", "test")] if evaluate_test else []
    return score_folder(Path(folder), dev, test, log=log)
