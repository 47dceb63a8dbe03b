"""The model path against the rules, in one process: documents/s, characters/s, load time, peak RSS,
tokens, and the held-out accuracy of the model benchmarked.

    python bench/bench_tagger.py [--model DIR] [--docs ../shared/corpus] [--threads 1] [--repeat 2]
                                 [--backend auto|onnx|torch] [--reference] [--accuracy] [--gpu]
                                 [--json out/bench_tagger.json]

`rules`: `xxgk.pipeline.extract` without the tagger; `rules+model`: the same with it (the default
combined system), so the two figures come from the same run.  The default is what `xxgk extract`
runs: ONNX Runtime when installed, on the focused regions (`xxgk.rules.regions.model_regions`);
`--reference` runs the path the focused one replaced: torch (dynamic int8) on the whole overview.
One process is one batch worker: `--threads 1` gives figures per core, and the peak RSS is the
worker's.  `load_s` is the time from importing the tagger package to a loaded model (the runtime's
import included).  `--accuracy` scores the `test` split (annotations/) with this very tagger and
regions: the headline of `xxgk evaluate --systems rules,combined`.  `--gpu` (torch only) also runs
the tagger alone on CUDA over all documents at once (windows of all documents batched together),
when a GPU is there; otherwise it says "no GPU".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ACCURACY_KEYS = ("span_f1", "span_f1_partial", "span_f1_untyped", "sections", "narrative_f1",
                 "narrative_kind_accuracy", "cells")


def load_docs(spec: str) -> list[tuple[str, str]]:
    from xxgk.inputs.reading import iter_inputs, load_item

    docs = []
    for item in iter_inputs([spec]):
        try:
            docs.append((item.doc_id, load_item(item).text))
        except Exception:  # noqa: BLE001
            continue
    return docs


def regions_for(text: str):
    from xxgk.rules.meta import extract_meta
    from xxgk.rules.regions import model_regions
    from xxgk.rules.sections import choose, find_candidates, to_sections
    from xxgk.text import Text

    t = Text(text)
    _meta, title = extract_meta(t)
    cands = find_candidates(t, title.end if title else None)
    return model_regions(t, cands, to_sections(t, choose(cands)))


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


class Counting:
    """Wraps a tagger's runner to count the tokens it is sent."""

    def __init__(self, runner):
        self.runner, self.tokens = runner, 0
        self.name, self.batch_size = runner.name, runner.batch_size

    def __call__(self, ids, mask, types):
        self.tokens += int(mask.sum())
        return self.runner(ids, mask, types)


def accuracy(tagger, annotations: Path) -> dict:
    from xxgk.evaluation.report import build_metrics
    from xxgk.evaluation.runner import load_inputs, run

    golds, _ = load_inputs(str(annotations), "test")
    m = build_metrics(run(golds, systems=("rules", "combined"), tagger=tagger))
    return {"split": "test", "documents": len(golds),
            **{s: {k: m["systems"][s]["headline"].get(k) for k in ACCURACY_KEYS} for s in ("rules", "combined")}}


def gpu_figures(model: str | None, texts: list[str], repeat: int) -> dict:
    try:
        import torch
    except ImportError:
        return {"gpu": None, "note": "no GPU (torch not installed)"}
    if not torch.cuda.is_available():
        return {"gpu": None, "note": "no GPU"}
    from xxgk.rules.hints import rule_spans
    from xxgk.tagger import load_tagger

    tagger = load_tagger(model, device="cuda", backend="torch")
    regions = [regions_for(t) for t in texts]
    hints = [rule_spans(t) if tagger.reads_hints else None for t in texts]
    counting = Counting(tagger.runner)
    tagger.runner = counting
    tagger.predict_batch(texts[:8], regions[:8], hints[:8])  # warm up (kernels, allocator)
    counting.tokens = 0
    secs = timed(lambda: (torch.cuda.synchronize(), tagger.predict_batch(texts, regions, hints),
                          torch.cuda.synchronize()), repeat)
    tokens = counting.tokens // max(1, repeat)
    # the whole pipeline as `xxgk extract` runs it with a GPU tagger: documents in lock-step, GPU_BATCH_DOCS
    # at a time, their tagger requests batched at each step (the rules on one core)
    from xxgk.batch.local import GPU_BATCH_DOCS
    from xxgk.inputs.reading import Decoded
    from xxgk.pipeline import extract_many

    docs = [(Decoded(text=t, sha256="bench"), "d", "d", None) for t in texts]
    counting.tokens = 0
    pipe = timed(lambda: [extract_many(docs[i:i + GPU_BATCH_DOCS], tagger)
                          for i in range(0, len(docs), GPU_BATCH_DOCS)], repeat)
    return {"gpu": torch.cuda.get_device_name(0), "note": "tagger alone, all documents batched together",
            "docs_per_s": round(len(texts) / secs, 1), "tokens_per_s": round(tokens / secs),
            "batch_windows": counting.batch_size,
            "pipeline_docs_per_s": round(len(texts) / pipe, 1),
            "pipeline_tokens_per_pass": counting.tokens // max(1, repeat)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--docs", default=os.environ.get("XXGK_CORPUS", str(ROOT.parent / "shared" / "corpus")))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--backend", default=None, choices=[None, "auto", "onnx", "torch"])
    ap.add_argument("--runtime-quant", default=None, choices=[None, "none", "dynamic"])
    ap.add_argument("--reference", action="store_true",
                    help="the path the fast one replaced: torch on the whole overview")
    ap.add_argument("--accuracy", action="store_true", help="score the test split of --annotations")
    ap.add_argument("--annotations", default=str(ROOT / "annotations"))
    ap.add_argument("--gpu", action="store_true", help="GPU figures when a GPU is there (imports torch)")
    ap.add_argument("--json", default=str(ROOT / "out" / "bench_tagger.json"))
    a = ap.parse_args(argv)
    backend = "torch" if a.reference else a.backend
    if a.reference:
        from xxgk.rules import regions as regions_module

        regions_module.FOCUS = False
    t0 = time.perf_counter()
    from xxgk.tagger import TaggerUnavailable, load_tagger

    try:
        tagger = load_tagger(a.model, device="cpu", runtime_quant=a.runtime_quant, backend=backend, threads=a.threads)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(a.threads)
        load_s = time.perf_counter() - t0
    except TaggerUnavailable as e:
        print(f"no model: {e}")
        return {}
    docs = load_docs(a.docs)
    texts = [t for _, t in docs]
    n_chars = sum(len(t) for t in texts)
    from xxgk.inputs.reading import Decoded
    from xxgk.pipeline import extract

    def run(tg):
        for t in texts:
            extract(Decoded(text=t, sha256="bench"), "d", "d", tagger=tg)

    counting = Counting(tagger.runner)
    tagger.runner = counting
    run(tagger)  # warm up: caches, the runtime's buffers; counts the tokens of one pass
    tokens = counting.tokens
    rules = timed(lambda: run(None), a.repeat)
    both = timed(lambda: run(tagger), a.repeat)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info = tagger.info
    onnx = tagger.meta.get("onnx") if tagger.backend == "onnx" else None
    out = {"path": "reference" if a.reference else "fast", "model": info.get("path"), "backend": tagger.backend,
           "regions": "whole overview" if a.reference else "focused",
           "size_mb": round((onnx["bytes"] if onnx else info.get("size_bytes", 0)) / 2**20, 2),
           "layers": info.get("layers"), "runtime_quantization": info.get("runtime_quantization"),
           "threads": a.threads, "docs": len(texts), "chars": n_chars, "tokens_per_pass": tokens,
           "load_s": round(load_s, 2), "peak_rss_mib": round(rss_mib, 1), "torch_imported": "torch" in sys.modules,
           "rules": {"docs_per_s": round(len(texts) / rules, 2), "chars_per_s": round(n_chars / rules)},
           "rules+model": {"docs_per_s": round(len(texts) / both, 2), "chars_per_s": round(n_chars / both),
                           "tokens_per_s": round(tokens / both)}}
    tagger.runner = counting.runner
    if a.accuracy:
        out["accuracy"] = accuracy(tagger, Path(a.annotations))
    if a.gpu:
        out["gpu"] = gpu_figures(a.model, texts, a.repeat)
    print(f"{out['path']} path: {out['backend']} ({out['runtime_quantization']}, {out['size_mb']} MB, "
          f"{out['layers']} layers), regions {out['regions']}, {a.threads} thread(s), {len(texts)} docs, "
          f"{n_chars} chars, {tokens} tokens a pass")
    print(f"  load {out['load_s']} s, peak RSS {out['peak_rss_mib']} MiB (torch imported: {out['torch_imported']})")
    for k in ("rules", "rules+model"):
        print(f"  {k:12s} {out[k]['docs_per_s']:8.2f} docs/s  {out[k]['chars_per_s']:9d} chars/s")
    if "accuracy" in out:
        acc = out["accuracy"]
        for s in ("rules", "combined"):
            print(f"  test ({acc['documents']} docs) {s:9s} " + "  ".join(f"{k} {acc[s][k]}" for k in ACCURACY_KEYS))
    if "gpu" in out:
        g = out["gpu"]
        print(f"  GPU: {g['gpu']}: tagger alone {g['docs_per_s']} docs/s, {g['tokens_per_s']} tokens/s; whole "
              f"pipeline (combined, lock-step batches) {g['pipeline_docs_per_s']} docs/s" if g.get("gpu")
              else f"  GPU: {g['note']}")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
