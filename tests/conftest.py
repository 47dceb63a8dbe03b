import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers.py, goldcmp.py, layouts.py


def pytest_collection_modifyitems(config, items):
    """Tests marked slow (real fine-tuning, long runs) run only with XXGK_SLOW=1."""
    if os.environ.get("XXGK_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow; set XXGK_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus (real reports); tests using it skip cleanly when it is absent."""
    path = ROOT.parent / "shared" / "corpus"
    if not path.is_dir():
        pytest.skip("../shared/corpus not available")
    return path


@pytest.fixture(scope="session")
def annotations_dir() -> Path:
    return ROOT / "annotations"


TINY_DOCS = [
    {"id": "a", "text": "一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。\n二、主动公开政府信息情况\n规章 0 0",
     "spans": [[0, 6, "SECTION"], [13, 17, "CATEGORY"], [17, 21, "TOTAL"], [24, 28, "CATEGORY"], [28, 31, "COUNT"],
               [33, 45, "SECTION"]]},
    {"id": "b", "text": "一、总体情况\n发布党务公开信息43条；其他类信息52条。办理期限20个工作日。",
     "spans": [[0, 6, "SECTION"], [9, 13, "CATEGORY"], [15, 18, "COUNT"], [19, 21, "CATEGORY"], [24, 27, "COUNT"]]},
    {"id": "c", "text": "三、收到和处理政府信息公开申请情况\n我镇收到4个依申请公开。",
     "spans": [[0, 17, "SECTION"], [22, 24, "COUNT"], [24, 29, "CATEGORY"]]},
]

# steps after which the tiny model has learned all 14 spans of TINY_DOCS (30 steps learn 6)
TINY_STEPS = 200

TINY_CONFIG = """
[model]
base = "random"
max_length = 24
stride = 6
quantization = "{quant}"
[model.random]
hidden_size = 32
num_hidden_layers = 1
num_attention_heads = 2
intermediate_size = 64
[data]
annotations = ""
jsonl = ["{jsonl}"]
augment_copies = 1
[train]
seed = 7
steps = {steps}
batch_size = 4
lr = 3e-3
head_lr = 3e-3
eval_every = 0
"""


def write_tiny_data(folder: Path, steps: int = 30, quant: str = "int8") -> Path:
    """A JSONL of three labelled documents and a tiny training config; returns the config path."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    jsonl = folder / "tiny.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for d in TINY_DOCS:
            spans = [{"start": a, "end": b, "label": lab} for a, b, lab in d["spans"]]
            fh.write(json.dumps({"id": d["id"], "text": d["text"], "spans": spans}, ensure_ascii=False) + "\n")
    cfg = folder / "tiny.toml"
    cfg.write_text(TINY_CONFIG.format(jsonl=jsonl.as_posix(), steps=steps, quant=quant), encoding="utf-8")
    return cfg


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory) -> Path:
    return write_tiny_data(tmp_path_factory.mktemp("tinydata"))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tiny_config) -> Path:
    """A tiny random-init tagger (char tokenizer built in code) trained until it has learned every span
    of TINY_DOCS (200 steps, seconds on a CPU): no download."""
    from xxgk.training import train

    out = tmp_path_factory.mktemp("tiny") / "model"
    train(tiny_config, out, overrides={"train": {"steps": TINY_STEPS}}, log=lambda *a: None)
    return out
