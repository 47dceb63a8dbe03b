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

import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, List, Optional

import typer

from xxgk.spans import LABELS, SpanSource


def train(config: str | Path | None, output: str | Path | None = None, force: bool = False,
          overrides: dict | None = None, log: Callable[[str], Any] = print, rules: SpanSource | None = None) -> Path:
    """Fine-tune a tagger as `config` says and write its model folder (default: runs/tagger-<time>);
    `rules` default to `xxgk.rules.hints.RuleSpans`."""
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
    note = write_model_folder(tmp, net, bert, tok, meta, mc.quantization)
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
        out = train(config, output, force=force, overrides=over or None, log=typer.echo)
    except (TrainError, ValueError, OSError) as e:
        _fail(str(e))
    typer.echo(str(out))


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
