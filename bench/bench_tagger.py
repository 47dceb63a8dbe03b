"""Speed of the tagger on CPU: documents/s and characters/s, whole texts and pipeline regions.

    python bench/bench_tagger.py [--model src/xxgk/models/tagger] [--docs annotations/docs] [--threads 1]
                                 [--repeat 2] [--json out/bench_tagger.json]

`whole`: every character of every document goes through the model.  `regions`: only what the
pipeline sends (section 一's body and header candidate lines, `xxgk.rules.regions.model_regions`),
which is how `xxgk extract` uses it.  A model that reads the rules' spans gets them as hints,
computed inside the timed part (as the pipeline computes them per document).  `rules+model`: the whole `extract` with the tagger.
Figures are per process with the given number of torch threads (1 = per core).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


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


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--docs", default=str(ROOT / "annotations" / "docs"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--runtime-quant", default=None, choices=[None, "none", "dynamic"])
    ap.add_argument("--json", default=str(ROOT / "out" / "bench_tagger.json"))
    ap.add_argument("--record", action="store_true",
                    help="also write the figures into the model's tagger.json and model card")
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(a.threads)
    from xxgk.tagger import TaggerUnavailable, load_tagger

    try:
        t0 = time.perf_counter()
        tagger = load_tagger(a.model, device="cpu", runtime_quant=a.runtime_quant)
        load_s = time.perf_counter() - t0
    except TaggerUnavailable as e:
        print(f"no model: {e}")
        return {}
    docs = load_docs(a.docs)
    texts = [t for _, t in docs]
    n_chars = sum(len(t) for t in texts)
    regions = [regions_for(t) for t in texts]
    n_region_chars = sum(b - a for rs in regions for a, b in rs)
    from xxgk.rules.hints import rule_spans

    def hints(t):
        return rule_spans(t) if tagger.reads_hints else None

    tagger.spans(texts[0][:500], hints=hints(texts[0][:500]))  # warm up
    whole = timed(lambda: [tagger.spans(t, hints=hints(t)) for t in texts], a.repeat)
    reg = timed(lambda: [tagger.spans(t, regions=r, hints=hints(t)) for t, r in zip(texts, regions)], a.repeat)
    out = {"model": tagger.info.get("path"), "size_mb": round(tagger.info.get("size_bytes", 0) / 2**20, 2),
           "layers": tagger.info.get("layers"), "runtime_quantization": tagger.info.get("runtime_quantization"),
           "threads": a.threads, "docs": len(texts), "chars": n_chars, "region_chars": n_region_chars,
           "load_s": round(load_s, 2),
           "whole": {"docs_per_s": round(len(texts) / whole, 2), "chars_per_s": round(n_chars / whole)},
           "regions": {"docs_per_s": round(len(texts) / reg, 2), "chars_per_s": round(n_region_chars / reg),
                       "doc_chars_per_s": round(n_chars / reg)}}
    try:
        from xxgk.pipeline import extract
        from xxgk.inputs.reading import Decoded

        def run(tg, system):
            for t in texts:
                extract(Decoded(text=t, sha256="bench"), "d", "d", tagger=tg, system=system)

        rules = timed(lambda: run(None, "rules"), a.repeat)
        both = timed(lambda: run(tagger, "combined"), a.repeat)
        out["rules"] = {"docs_per_s": round(len(texts) / rules, 2), "chars_per_s": round(n_chars / rules)}
        out["rules+model"] = {"docs_per_s": round(len(texts) / both, 2), "chars_per_s": round(n_chars / both)}
    except ImportError:
        pass
    print(f"tagger {out['model']} ({out['size_mb']} MB, {out['layers']} layers, "
          f"runtime quant {out['runtime_quantization']}), {a.threads} thread(s), {len(texts)} docs, {n_chars} chars")
    for k in ("whole", "regions", "rules", "rules+model"):
        if k in out:
            print(f"  {k:12s} {out[k]['docs_per_s']:8.2f} docs/s  {out[k]['chars_per_s']:9d} chars/s")
    if a.record and tagger.path:
        from xxgk.tagger.card import write_card

        meta_path = Path(tagger.path) / "tagger.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta.setdefault("speed", {})[f"cpu_{a.threads}_thread_{out['runtime_quantization']}"] = {
            k: out[k] for k in ("threads", "docs", "chars", "whole", "regions", "rules", "rules+model") if k in out}
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        write_card(Path(tagger.path), meta)
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
