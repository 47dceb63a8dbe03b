"""Region variants of the model path, side by side: tokens a pass over the corpus and the combined
system's held-out metrics on one split, with one tagger (issue 15; docs/benchmarks.md).

    python bench/regions_eval.py [--model DIR] [--split dev] [--variants current,tight] [--docs ../shared/corpus]

Each variant sets `xxgk.rules.regions` constants (see VARIANTS) for the whole run.  Tokens are
counted by the tagger's own windowing with a runner that does no arithmetic, so they cost nothing;
metrics run the model.  Choose on `dev` with a model that did not train on it (training/tagger-dev.toml).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

KEYS = ("span_f1", "span_f1_partial", "span_f1_untyped", "sections", "narrative_f1", "narrative_kind_accuracy")

# name → regions constants; the other constants keep their current values
VARIANTS: dict[str, dict] = {
    "current": {},
    "whole": {"FOCUS": False},
    "dec03": {"HEADER_CONTEXT": 100, "CANDIDATE_BEFORE": 40, "CANDIDATE_AFTER": 160},  # before issue 15's cut
    "hdr0": {"HEADER_CONTEXT": 0},
    "hdr100": {"HEADER_CONTEXT": 100},
    "cand40-160": {"CANDIDATE_BEFORE": 40, "CANDIDATE_AFTER": 160},
    "cand10-40": {"CANDIDATE_BEFORE": 10, "CANDIDATE_AFTER": 40},
    "cnt50-30": {"COUNT_CONTEXT_BEFORE": 50, "COUNT_CONTEXT_AFTER": 30},
}


class NoCompute:
    """A runner that counts tokens and returns flat logits."""

    name, batch_size = "count", 16

    def __init__(self, n_tags: int):
        self.n_tags, self.tokens = n_tags, 0

    def __call__(self, ids, mask, types):
        self.tokens += int(mask.sum())
        return np.zeros((*ids.shape, self.n_tags), dtype=np.float32)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--variants", default="current")
    ap.add_argument("--annotations", default=str(ROOT / "annotations"))
    ap.add_argument("--docs", default=os.environ.get("XXGK_CORPUS", str(ROOT.parent / "shared" / "corpus")))
    ap.add_argument("--no-metrics", action="store_true")
    ap.add_argument("--threshold", type=float, default=None, help="instead of the model's own")
    a = ap.parse_args(argv)
    from bench_tagger import load_docs
    from xxgk.evaluation.report import build_metrics
    from xxgk.evaluation.runner import load_inputs, run
    from xxgk.inputs.reading import Decoded
    from xxgk.pipeline import extract
    from xxgk.rules import regions
    from xxgk.tagger import load_tagger

    tagger = load_tagger(a.model, device="cpu", backend="onnx", threads=1)
    real = tagger.runner
    if a.threshold is not None:
        tagger.meta["threshold"] = a.threshold
    texts = [t for _, t in load_docs(a.docs)]
    golds = None if a.no_metrics else load_inputs(a.annotations, a.split)[0]
    defaults = {k: getattr(regions, k) for v in VARIANTS.values() for k in v}
    for name in a.variants.split(","):
        for k, v in {**defaults, **VARIANTS[name]}.items():
            setattr(regions, k, v)
        counter = NoCompute(len(tagger.tags))
        tagger.runner = counter
        for t in texts:
            extract(Decoded(text=t, sha256="x"), "d", "d", tagger=tagger)
        tagger.runner = real
        line = f"{name:14s} tokens {counter.tokens:7d}"
        if golds is not None:
            m = build_metrics(run(golds, systems=("combined",), tagger=tagger))["systems"]["combined"]["headline"]
            line += "  " + "  ".join(f"{k} {m.get(k)}" for k in KEYS)
        print(line, flush=True)


if __name__ == "__main__":
    main()
