"""`model.onnx`: the stored weights exported for ONNX Runtime, so extraction needs no torch.

Part of saving a model folder (`saving.write_model_folder`), and `xxgk export-onnx FOLDER` for a
folder saved without it.  The graph is exported from `model.safetensors` as the loader reads it
(int8 rows dequantised), so both runtimes start from the same weights; then ONNX Runtime's BERT
optimizer fuses attention, embeddings + layer norm and GELU, and dynamic quantisation stores the
matrices (embeddings included) as int8: about the size of model.safetensors, and about 1.3x the
speed of torch's dynamic int8 on one core here (docs/benchmarks.md).  tagger.json records the file's
sha256 and the sha256 of the weights and config.json it came from: a graph that no longer matches
them is not used (the loader falls back to torch, which checks them).

Exporting needs torch, `onnx` and `onnxruntime` (the `train` extra); running needs onnxruntime only.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

ONNX_FILE = "model.onnx"
OPSET = 17


class ExportUnavailable(RuntimeError):
    """The packages the export needs are missing."""


def export_onnx(folder: Path, quantize: bool = True) -> dict:
    """Write folder/model.onnx from folder/model.safetensors + config.json and record it in
    tagger.json (key "onnx"); returns that record.  Raises ExportUnavailable without onnx/onnxruntime."""
    try:
        import onnx
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as e:
        raise ExportUnavailable(f"exporting to ONNX needs onnx and onnxruntime ({e})") from None
    import torch
    from safetensors.torch import load_file

    from xxgk.tagger.loading import build_network
    from xxgk.tagger.storage import dequantize_int8, sha256_file

    folder = Path(folder)
    meta = json.loads((folder / "tagger.json").read_text(encoding="utf-8"))
    bert = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    tags = meta["tags"]
    net = build_network(bert, len(tags), tags, attn_implementation="eager")  # a pattern the optimizer fuses
    net.load_state_dict(dequantize_int8(load_file(str(folder / "model.safetensors"))), strict=False)
    net.eval()
    reads_types = meta.get("features") == "rules"

    class Logits(torch.nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.net(input_ids=input_ids, attention_mask=attention_mask,
                            token_type_ids=token_type_ids).logits

    n = min(8, int(meta.get("max_length", 16)))
    ids = torch.full((2, n), int(meta.get("cls_id", 0)), dtype=torch.long)
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"}, "logits": {0: "batch", 1: "tokens"}}
    import warnings

    with tempfile.TemporaryDirectory() as tmp:
        raw, fused = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about shapes taken as constants
            torch.onnx.export(Logits(net), (ids, mask, types), str(raw), opset_version=OPSET, dynamo=False,
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["logits"], dynamic_axes=axes)
        heads = int(bert["num_attention_heads"])
        opt = optimize_model(str(raw), model_type="bert", num_heads=heads, hidden_size=int(bert["hidden_size"]))
        fused_ops = {k: v for k, v in opt.get_fused_operator_statistics().items() if v}
        opt.save_model_to_file(str(fused))
        out = folder / ONNX_FILE
        if quantize:
            import logging

            logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))  # a pre-processing hint
            quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        else:
            out.write_bytes(fused.read_bytes())
    out.chmod(0o644)
    record = {"file": ONNX_FILE, "bytes": out.stat().st_size, "sha256": sha256_file(out),
              "weights_sha256": sha256_file(folder / "model.safetensors"),
              "config_sha256": sha256_file(folder / "config.json"), "opset": OPSET,
              "quantization": "int8 (dynamic)" if quantize else "none", "fused": fused_ops,
              "token_type_ids": reads_types,
              "versions": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__, "torch": torch.__version__}}
    meta["onnx"] = record
    (folder / "tagger.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return record
