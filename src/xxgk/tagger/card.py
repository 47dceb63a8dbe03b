"""The model card (README.md of a model folder), written from tagger.json.

The figures are those `xxgk.evaluation.tagging` computed with `xxgk.evaluation.metrics.prf` (the
same P/R/F1 as `xxgk evaluate`); a measure with nothing to score (0/0) shows as "–".
"""

from __future__ import annotations

from pathlib import Path

from xxgk.spans import System

LABEL_ROWS = ("SECTION", "COUNT", "TOTAL", "CATEGORY", "COUNT+TOTAL", "narrative_pairs", "micro")
PIPELINE_ROWS = ("sections", "counts", "count_category", "narrative")


def _num(x: float | None, fmt: str) -> str:
    return "–" if x is None else format(x, fmt)


def _table(scores: dict, rows: tuple[str, ...], first: str) -> str:
    """Markdown: one row per key, the gold count, then P / R / F1 of rules, model and combined."""
    lines = [f"| {first} | gold | rules P / R / F1 | model P / R / F1 | combined P / R / F1 |",
             "|---|---:|---|---|---|"]
    for key in rows:
        cells = []
        gold = None
        for system in System:
            s = scores.get(system.value, {}).get(key)
            if not s:
                cells.append("–")
                continue
            gold = s["tp"] + s["fn"]
            cells.append(f"{_num(s['precision'], '.2f')} / {_num(s['recall'], '.2f')} / **{_num(s['f1'], '.3f')}**")
        lines.append(f"| {key} | {gold if gold is not None else '–'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metrics_table(scores: dict) -> str:
    """Span scores: rows = labels, columns = rules / model / combined (P / R / F1)."""
    return _table(scores, LABEL_ROWS, "label")


def pipeline_table(rep: dict) -> str:
    """Record scores: rows = sections, counts, count_category, narrative."""
    return _table(rep, PIPELINE_ROWS, "key")


def write_card(folder: Path, meta: dict) -> None:
    m = meta.get("metrics", {})
    d = meta.get("data", {})
    t = meta.get("training", {})
    v = meta.get("versions", {})
    cfg = meta.get("config", {})
    parts = [
        f"# {meta.get('name', 'xxgk-tagger')} {meta.get('version', '')}",
        "",
        "Token classifier (BIO over characters, projected through the tokenizer's offsets) that tags the "
        "parts of 政府信息公开工作年度报告 text that rules handle badly: section headers (`SECTION`), counts "
        "in running text (`COUNT`, and the headline total of proactively disclosed information `TOTAL`) and "
        "what they count (`CATEGORY`). Labels follow `annotations/GUIDE.md`. Used by `xxgk extract` with the "
        "rules as fallback (policy in `src/xxgk/combine.py`).",
        "",
        "## Model",
        f"- base: {meta.get('base')} (sha256 of the source file `{meta.get('base_sha256')}`); vocabulary trim "
        f"`{meta.get('trim')}`; first {meta.get('layers')} transformer layers kept",
        f"- tags: {', '.join(meta.get('tags', []))}",
        *(["- input: the text's tokens plus the rules' own tags (the same BIO tags, from "
           "`xxgk.rules.hints.rule_spans` over the whole text) through the token-type embedding, one row per tag; "
           f"hidden in {cfg.get('data', {}).get('feature_dropout', 0):.0%} of training windows so the model also "
           "reads text the rules miss; it learns to correct the rules where they disagree with the hand labels"] if meta.get("features") == "rules" else []),
        f"- windows of {meta.get('max_length')} tokens, overlap {meta.get('stride')} tokens; each token's "
        "prediction comes from the window where it is most central",
        f"- weights: `model.safetensors`, storage `{meta.get('quantization')}` "
        f"({meta.get('size_bytes', 0) / 2**20:.1f} MiB; int8 = per-row symmetric int8 + fp32 scales, "
        "dequantised on load); no code in this folder is ever executed",
        *([f"- `model.onnx`: the same weights for ONNX Runtime ({meta['onnx'].get('bytes', 0) / 2**20:.1f} MiB, "
           f"{meta['onnx'].get('quantization')}, fused {', '.join(sorted(meta['onnx'].get('fused', {}))) or 'nothing'}); "
           "extraction runs it when onnxruntime is installed (no torch import), else the safetensors in torch"]
          if isinstance(meta.get("onnx"), dict) else []),
        f"- threshold: **{meta.get('threshold')}**, "
        + ("fixed by the config (`train.threshold`, chosen on dev in an earlier run that held dev out)"
           if m.get("threshold_by") == "config" else "chosen on dev "
           + ("(sum of the combined pipeline's F1 on sections, count+category and narrative items)"
              if m.get("threshold_by") == "pipeline" else "(micro span F1 of the combination policy)")),
        "",
        "## Data",
        f"- hand labels: {d.get('sources')} documents of the {cfg.get('data', {}).get('train_splits')} split(s); refused for overlapping dev/test: "
        f"{d.get('refused') or 'none'}",
        f"- synthetic reports: {d.get('synthetic')}; augmented copies per document: {d.get('augment_copies')} "
        f"(augmenters {cfg.get('data', {}).get('augmenters')}); training examples in all: {d.get('examples')}",
        f"- span counts in the hand labels: {d.get('span_counts')}",
        (f"- dev: {d.get('dev_docs')} docs (checkpoint + threshold); " if d.get("dev_docs") else
         f"- no dev split held out (trained on {cfg.get('data', {}).get('train_splits')}; the last step is kept); ")
        + f"test: {d.get('test_docs')} docs, never trained on",
        f"- hashes: train `{str(d.get('train_hash'))[:16]}`, dev `{str(d.get('dev_hash'))[:16] if d.get('dev_docs') else '–'}`, "
        f"test `{str(d.get('test_hash'))[:16]}`",
        "",
        "## Training",
        f"- config hash `{meta.get('config_hash')}`, seed {meta.get('seed')}, {t.get('steps_run')} steps "
        + (f"(best on dev: {t.get('best_step')})" if d.get("dev_docs") else "(no dev: the last step kept)")
        + f", batch {t.get('batch_size')}, device {t.get('device')}, "
        f"{t.get('minutes')} min",
        f"- versions: {', '.join(f'{k} {val}' for k, val in v.items() if val)}",
        f"- created {meta.get('created')}",
        "",
        "## Metrics (exact span match; labels a fixture did not check are not scored)",
        "",
    ]
    for split in ("dev", "test"):
        if split in m:
            parts += [f"### {split}: spans (the tagger on whole documents)", "", metrics_table(m[split]), ""]
        if split + "_pipeline" in m:
            parts += [f"### {split}: records (`xxgk.pipeline.extract`, model on the regions the pipeline gives it)",
                      "", pipeline_table(m[split + "_pipeline"]), ""]
    if meta.get("speed"):
        parts += ["## Speed (CPU, `bench/bench_tagger.py`)", "",
                  "| setting | docs | whole text docs/s | chars/s | pipeline regions docs/s | rules+model docs/s |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, sp in meta["speed"].items():
            parts.append(f"| {name} | {sp.get('docs')} | {sp.get('whole', {}).get('docs_per_s')} | "
                         f"{sp.get('whole', {}).get('chars_per_s')} | {sp.get('regions', {}).get('docs_per_s')} | "
                         f"{sp.get('rules+model', {}).get('docs_per_s')} |")
        parts.append("")
    parts += ["`rules`: the rule fallback alone; `model`: the tagger alone (spans at or above the threshold); "
              "`combined`: the policy of `xxgk.combine` (the rules' spans and headers stand; model spans at or "
              "above the threshold fill the gaps they leave). `narrative_pairs`: "
              "count span + linked category text, linked as the guide says.", "",
              "Reproduce: `xxgk train --config training/tagger.toml --output src/xxgk/models/tagger --force`.", ""]
    (folder / "README.md").write_text("\n".join(parts), encoding="utf-8")
