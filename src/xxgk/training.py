"""Training the tagger, with the rules wired in: `xxgk train --config training/tagger.toml`.

`xxgk.tagger` never imports the rules; this module hands them to it: the weak labels that fill
what a fixture did not check, the hints a model with rule features reads, and the baseline the
model card compares with (`xxgk.evaluation.tagging`).  Also the other tagger command that needs the
rules, `xxgk export-predictions`.

Reproducible: the seed, the config's hash, hashes of every data source, package versions and the
base encoder's hash go into tagger.json and the model card.  The test split is never trained on
(only scored, for the card); dev picks the checkpoint and the threshold.  Writes to a temporary
folder first, then moves it in place, so a failed run never damages a model; an existing model
folder is only replaced with `force`.
"""

from __future__ import annotations

import functools
import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, List, Optional

import typer

from xxgk.spans import LABELS, SpanSource


def train(config: str | Path | None, output: str | Path | None = None, force: bool = False,
          overrides: dict | None = None, log: Callable[[str], Any] = print, rules: SpanSource | None = None,
          onnx: bool = True) -> Path:
    """Fine-tune a tagger as `config` says and write its model folder (default: runs/tagger-<time>);
    `rules` default to `xxgk.rules.hints.RuleSpans`.  Without `onnx` no model.onnx is written
    (`xxgk export-onnx` writes it later; the scores are the torch model's either way)."""
    import torch

    from xxgk.evaluation.tagging import RuleCache, model_span_f1, score_folder
    from xxgk.tagger.bio import bio_tags
    from xxgk.tagger.config import TrainError, load_config
    from xxgk.tagger.data import build_dataset, collect_data
    from xxgk.tagger.encoder import add_feature_embeddings, prepare_base
    from xxgk.tagger.inference import Tagger
    from xxgk.tagger.loading import FORMAT_VERSION, build_network, repo_root
    from xxgk.tagger.loop import choose_device, fit
    from xxgk.tagger.saving import read_meta, versions, write_model_folder

    cfg, cfg_hash = load_config(config, overrides)
    rule_cache = RuleCache(rules)
    tc, mc = cfg.train, cfg.model
    out = Path(output) if output else repo_root() / "runs" / time.strftime("tagger-%Y%m%d-%H%M%S")
    if out.exists() and any(out.iterdir()) and not force:
        raise TrainError(f"{out} exists and is not empty; pass --force to replace it")
    seed = int(tc.seed)
    random.seed(seed)
    torch.manual_seed(seed)
    if tc.threads:
        torch.set_num_threads(int(tc.threads))
    t0 = time.time()
    examples, dev, test, data_desc = collect_data(cfg, rule_cache.rules, log)
    log(f"data: {data_desc['sources']} + {data_desc['synthetic']} synthetic → {len(examples)} examples; "
        f"dev {len(dev)}, test {len(test)} docs")
    if not examples:
        raise TrainError("no training data")
    bert, sd, tok, ids, base_desc = prepare_base(cfg, [e.text for e in examples])
    tags = bio_tags(LABELS)
    reads_rules = mc.features == "rules"
    if reads_rules:
        add_feature_embeddings(bert, sd, len(tags))
    ds = build_dataset(tok, examples, tags, int(mc.max_length), int(mc.stride), ids["cls_id"], ids["sep_id"],
                       keep_empty=float(cfg.data.keep_empty), seed=seed,
                       features=rule_cache.rules if reads_rules else None,
                       feature_dropout=float(cfg.data.feature_dropout))
    log(f"windows: {len(ds)} of ≤{mc.max_length} tokens" + (" (with the rules' tags as input)" if reads_rules else ""))
    net = build_network(bert, len(tags), tags)
    if sd is not None:
        missing, unexpected = net.bert.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.startswith("pooler.")]
        if missing or unexpected:
            raise TrainError(f"base weights do not fit: missing {missing[:3]} unexpected {unexpected[:3]}")
    device = choose_device(cfg)
    net.to(device)
    meta = {"format_version": FORMAT_VERSION, "name": mc.name, "version": mc.version, "labels": list(LABELS),
            "tags": tags, "max_length": int(mc.max_length), "stride": int(mc.stride), **ids,
            "threshold": 0.5, "layers": bert["num_hidden_layers"], "quantization": mc.quantization,
            "features": mc.features, "runtime_quantization": mc.runtime_quantization}
    live = Tagger(net=net, tokenizer=tok, meta=meta, device=device)
    result = fit(net, ds, cfg, device, ids["pad_id"],
                 select=(lambda: model_span_f1(live, dev, rule_cache)) if dev else None, log=log, started=t0)
    tmp = out.parent / (out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    meta.update({"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "config_hash": cfg_hash,
                 "seed": seed, "versions": versions(), "data": data_desc, **base_desc,
                 "training": {"steps_run": result.steps_run, "best_step": result.best_step, "device": device,
                              "batch_size": tc.batch_size, "minutes": round((time.time() - t0) / 60, 2),
                              "history": result.history},
                 "config": cfg.as_dict()})
    # stored as it will be loaded (int8 round trip), so thresholds and metrics are of the shipped weights
    note = write_model_folder(tmp, net, bert, tok, meta, mc.quantization, onnx=onnx)
    if note:
        log(note)
    # reload exactly as the pipeline will, then choose the threshold and score
    score_folder(tmp, dev, test if tc.evaluate_test else [], device=device, rules=rule_cache, log=log)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    log(f"wrote {out} in {(time.time() - t0) / 60:.1f} min (threshold {read_meta(out)['threshold']})")
    return out


# ---------------------------------------------------------------------------------------------
# Sweeps: one recipe over several seeds (and settings), the spread reported
# ---------------------------------------------------------------------------------------------

# the record-level figures a sweep reports, per split and system (the card's `<split>_pipeline` tables)
SWEEP_KEYS = ("sections", "counts", "count_category", "narrative")
SWEEP_SYSTEMS = ("rules", "model", "combined")


def parse_grid(assignments: Sequence[str]) -> list[dict]:
    """`["model.layers=4,6", "train.lr=1e-4"]` → one overrides dict per combination (values parsed as
    TOML scalars: 4 → int, 1e-4 → float, false → bool, anything else a string)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    axes: list[tuple[list[str], list[Any]]] = []
    for a in assignments:
        key, sep, vals = a.partition("=")
        if not sep or not key.strip() or "." not in key:
            raise ValueError(f"{a!r}: expected SECTION.KEY=V1,V2,…")
        parsed = []
        for v in vals.split(","):
            v = v.strip()
            try:
                parsed.append(tomllib.loads(f"x = {v}")["x"])
            except tomllib.TOMLDecodeError:
                parsed.append(v)
        axes.append((key.strip().split("."), parsed))
    combos: list[dict] = [{}]
    for path, values in axes:
        nxt = []
        for c in combos:
            for v in values:
                d = json.loads(json.dumps(c))
                node = d
                for part in path[:-1]:
                    node = node.setdefault(part, {})
                node[path[-1]] = v
                nxt.append(d)
        combos = nxt
    return combos


def _flat(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def run_figures(meta: dict) -> dict:
    """What a sweep keeps of one run's tagger.json: the record-level F1 per split, system and key."""
    metrics = meta.get("metrics", {})
    scores = {}
    for split in ("dev", "test"):
        tab = metrics.get(f"{split}_pipeline")
        if tab:
            scores[split] = {sys: {k: tab[sys][k]["f1"] for k in SWEEP_KEYS if k in tab.get(sys, {})}
                             for sys in SWEEP_SYSTEMS if sys in tab}
    tr = meta.get("training", {})
    return {"seed": meta.get("seed"), "threshold": meta.get("threshold"), "steps_run": tr.get("steps_run"),
            "best_step": tr.get("best_step"), "minutes": tr.get("minutes"), "device": tr.get("device"),
            "scores": scores}


def _sweep_one(job: dict) -> dict:
    out = Path(job["output"])
    with open(out.parent / f"{out.name}.log", "w", encoding="utf-8") as f:
        train(job["config"], out, force=True, overrides=job["overrides"], onnx=job["onnx"],
              log=lambda s: print(s, file=f, flush=True))
    from xxgk.tagger.saving import read_meta

    fig = run_figures(read_meta(out))
    if not job["keep"]:
        shutil.rmtree(out)
    return {"name": job["name"], "setting": job["setting"], **fig}


def spread(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation, min and max of one figure over seeds."""
    import statistics

    vs = [float(v) for v in values]
    return {"mean": round(statistics.fmean(vs), 4), "sd": round(statistics.stdev(vs), 4) if len(vs) > 1 else 0.0,
            "min": min(vs), "max": max(vs), "n": len(vs)}


def sweep(config: str | Path, grid: Sequence[dict], seeds: Sequence[int], output: str | Path, jobs: int = 1,
          fixed: dict | None = None, keep_models: bool = False, onnx: bool = False,
          log: Callable[[str], Any] = print) -> dict:
    """Train `config` once per setting of `grid` (overrides dicts) and seed, `jobs` runs at a time
    (separate processes; torch threads shared out), and write `output`/sweep.json: every run's
    record-level F1 (the figures of its model card) and, per setting, their spread over the seeds."""
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    from xxgk.tagger.config import merge_overrides

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
    job_list: list[dict] = []
    for setting in grid or [{}]:
        label = ",".join(f"{k}={v}" for k, v in _flat(setting).items()) or "config"
        for seed in seeds:
            over = merge_overrides(merge_overrides(fixed or {}, setting),
                                   {"train": {"seed": int(seed), "threads": threads}})
            name = f"{len(job_list):02d}-" + "".join(c if c.isalnum() or c in "=.-" else "_" for c in label) \
                + f"-s{seed}"
            job_list.append({"config": str(config), "output": str(output / name), "overrides": over,
                             "onnx": onnx, "keep": keep_models, "name": name, "setting": label})
    runs: list[dict] = []

    def collect(job: dict, result: Callable[[], dict]) -> None:
        try:
            runs.append(result())
            log(f"done {job['name']}")
        except Exception as e:  # noqa: BLE001 (one failed run is reported, the others go on)
            runs.append({"name": job["name"], "setting": job["setting"], "error": repr(e)})
            log(f"FAILED {job['name']}: {e!r}")

    if jobs <= 1:
        for j in job_list:
            collect(j, functools.partial(_sweep_one, j))
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futs = {pool.submit(_sweep_one, j): j for j in job_list}
            for fut in as_completed(futs):
                collect(futs[fut], fut.result)
    runs.sort(key=lambda r: r["name"])
    settings: dict[str, dict] = {}
    for r in runs:
        if "error" in r:
            continue
        agg = settings.setdefault(r["setting"], {})
        for split, systems in r["scores"].items():
            for system, keys in systems.items():
                for key, f1 in keys.items():
                    agg.setdefault(f"{split}.{system}.{key}", []).append(f1)
    summary = {"config": str(config), "fixed": fixed or {}, "seeds": list(seeds), "runs": runs,
               "settings": {s: {k: spread(v) for k, v in figs.items()} for s, figs in settings.items()}}
    (output / "sweep.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return summary


def sweep_table(summary: dict, split: str = "dev") -> str:
    """Markdown: one row per setting, mean ± sd over seeds of the record-level narrative figures."""
    cols = [(f"{split}.{sys}.{key}", f"{sys} {key}") for key in ("count_category", "narrative")
            for sys in SWEEP_SYSTEMS]
    lines = ["| setting | seeds | " + " | ".join(c for _, c in cols) + " |", "|---|---:|" + "---|" * len(cols)]
    for setting, figs in summary["settings"].items():
        n = max((f["n"] for f in figs.values()), default=0)
        cells = [f"{figs[k]['mean']:.3f} ± {figs[k]['sd']:.3f}" if k in figs else "–" for k, _ in cols]
        lines.append(f"| {setting} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# CLI commands (registered in xxgk.cli); heavy imports happen inside each command
# ---------------------------------------------------------------------------------------------


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(1)


def train_command(
    config: Path = typer.Option(Path("training/tagger.toml"), "--config", "-c", help="training config (TOML)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="model folder to write (default: runs/tagger-<time>)"),
    force: bool = typer.Option(False, "--force", help="replace an existing model folder (e.g. src/xxgk/models/tagger)"),
    steps: Optional[int] = typer.Option(None, "--steps", help="override train.steps"),
    device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda | auto (default: config)"),
    onnx: bool = typer.Option(True, "--onnx/--no-onnx", help="also write model.onnx (later: xxgk export-onnx)"),
) -> None:
    """Fine-tune the tagger on annotations/ (train split) and extra data; writes a model folder with its card."""
    from xxgk.tagger.config import TrainError

    if not config.exists():
        _fail(f"config {config} not found")
    over: dict = {}
    if steps is not None:
        over.setdefault("train", {})["steps"] = steps
    if device is not None:
        over.setdefault("train", {})["device"] = device
    try:
        out = train(config, output, force=force, overrides=over or None, log=typer.echo, onnx=onnx)
    except (TrainError, ValueError, OSError) as e:
        _fail(str(e))
    typer.echo(str(out))


def sweep_command(
    config: Path = typer.Option(Path("training/tagger-dev.toml"), "--config", "-c", help="training config (TOML)"),
    output: Path = typer.Option(..., "--output", "-o", help="folder for the runs and sweep.json"),
    seeds: str = typer.Option("13,14,15", "--seeds", help="comma-separated seeds"),
    grid: List[str] = typer.Option([], "--grid", help="SECTION.KEY=V1,V2 (repeatable; every combination is run)"),
    fixed: List[str] = typer.Option([], "--set", help="SECTION.KEY=VALUE for every run (repeatable)"),
    jobs: int = typer.Option(1, "--jobs", "-j", help="runs at a time (processes; one GPU is shared)"),
    keep_models: bool = typer.Option(False, "--keep-models",
                                     help="keep each run's model folder (without model.onnx: xxgk export-onnx)"),
) -> None:
    """Train one recipe over several seeds (and settings); prints the spread of the record-level figures."""
    from xxgk.tagger.config import TrainError

    if not config.exists():
        _fail(f"config {config} not found")
    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
        combos = parse_grid(grid)
        fixed_combos = parse_grid(fixed)
        if len(fixed_combos) > 1:
            raise ValueError("--set takes one value per key (--grid takes several)")
        fixed_over = fixed_combos[0]
        summary = sweep(config, combos, seed_list, output, jobs=jobs, fixed=fixed_over, keep_models=keep_models,
                        log=typer.echo)
    except (TrainError, ValueError, OSError) as e:
        _fail(str(e))
    for split in ("dev", "test"):
        if any(k.startswith(split + ".") for figs in summary["settings"].values() for k in figs):
            typer.echo(f"\n{split} (record level, F1 mean ± sd over seeds)\n" + sweep_table(summary, split))
    failed = [r["name"] for r in summary["runs"] if "error" in r]
    if failed:
        _fail(f"{len(failed)} run(s) failed: {', '.join(failed)} (see their .log files)")
    typer.echo(str(output / "sweep.json"))


def export_predictions_command(
    inputs: List[str] = typer.Argument(..., help="documents, folders, globs or JSONL"),
    output: Path = typer.Option(..., "--output", "-o", help="Label Studio tasks JSON to write"),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="model folder (default: src/xxgk/models/tagger)"),
) -> None:
    """Pre-annotations for Label Studio, least confident documents first."""
    from xxgk.rules.hints import RuleSpans
    from xxgk.tagger import TaggerUnavailable
    from xxgk.tagger.export import export_predictions

    try:
        tasks = export_predictions(inputs, output, model, log=typer.echo, hints_from=RuleSpans())
    except TaggerUnavailable as e:
        _fail(f"no model: {e}")
    typer.echo(f"wrote {len(tasks)} tasks to {output}")
