"""Loading a tagger folder safely: data only, never code.

A model folder holds:
  model.safetensors   weights (fp32/fp16, or int8 rows + per-row scales, dequantised on load)
  model.onnx          the same weights as an int8 ONNX graph for ONNX Runtime (optional; onnx_export.py)
  config.json         the BERT configuration (architecture sizes, id2label)
  tokenizer.json      a `tokenizers` tokenizer (offsets into the text are used for labels)
  tagger.json         xxgk metadata: labels, BIO tags, special ids, max length, stride, threshold,
                      input features, version, metrics, training config hash
  README.md           the model card
Loading reads JSON, safetensors and ONNX only (no pickle, no trust_remote_code).  Anything missing,
damaged or incompatible raises TaggerUnavailable, so the pipeline falls back to rules.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from xxgk.models import shipped_tagger_path
from xxgk.spans import LABELS
from xxgk.tagger.inference import Tagger
from xxgk.tagger.storage import dequantize_int8

FORMAT_VERSION = 1
FEATURES = ("none", "rules")  # what the model reads besides the text: nothing, or the rules' tags
ENV_MODEL = "XXGK_MODEL"
ENV_BACKEND = "XXGK_TAGGER_BACKEND"
BACKENDS = ("auto", "onnx", "torch")
_BERT_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
              "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "hidden_act", "hidden_dropout_prob",
              "attention_probs_dropout_prob", "initializer_range", "position_embedding_type", "pad_token_id")


class TaggerUnavailable(RuntimeError):
    """The model folder is missing, damaged or incompatible (the pipeline falls back to rules)."""


def repo_root() -> Path:
    """The checkout the package runs from (training writes runs/ and .cache/ there)."""
    return Path(__file__).resolve().parents[3]


def default_model_path() -> Path:
    env = os.environ.get(ENV_MODEL)
    return Path(env) if env else shipped_tagger_path()  # package data: found in a wheel install too


def build_network(bert_cfg: dict, num_labels: int, id2label: list[str] | None = None,
                  attn_implementation: str | None = None):
    """A transformers BertForTokenClassification from plain config values (no hub, no code)."""
    from transformers import BertConfig, BertForTokenClassification

    kw = {k: bert_cfg[k] for k in _BERT_KEYS if k in bert_cfg}
    cfg = BertConfig(**kw, num_labels=num_labels)  # type: ignore[call-arg]  # a PretrainedConfig kwarg
    if attn_implementation:  # "eager": plain matmul + softmax attention (what the ONNX export fuses)
        cfg._attn_implementation = attn_implementation
    if id2label:
        cfg.id2label = {i: t for i, t in enumerate(id2label)}
        cfg.label2id = {t: i for i, t in enumerate(id2label)}
    return BertForTokenClassification(cfg)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaggerUnavailable(f"{path.name} missing in {path.parent}") from None
    except (OSError, ValueError) as e:
        raise TaggerUnavailable(f"{path} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise TaggerUnavailable(f"{path} must hold a JSON object")
    return data


def load_tagger(path: str | Path | None = None, device: str | None = None, runtime_quant: str | None = None,
                backend: str | None = None, threads: int | None = None) -> Tagger:
    """Load a model folder (None → $XXGK_MODEL or the shipped tagger (src/xxgk/models/tagger)); TaggerUnavailable on any problem.

    `backend` (None → $XXGK_TAGGER_BACKEND, else "auto"): "onnx" runs model.onnx in ONNX Runtime on
    CPU (no torch import: the fast path); "torch" the safetensors weights in torch (CUDA when `device`
    says so or, with device None, when a GPU is there); "auto" takes torch on a GPU, else ONNX when
    the folder has a current model.onnx and onnxruntime is installed, else torch.  `threads`: ONNX
    Runtime's intra-op threads (default 1: one worker process per core); torch keeps its own setting."""
    folder = Path(path) if path is not None else default_model_path()
    backend = (backend or os.environ.get(ENV_BACKEND) or "auto").lower()
    if backend not in BACKENDS:
        raise TaggerUnavailable(f"unknown tagger backend {backend!r} (one of {', '.join(BACKENDS)})")
    if not folder.is_dir():
        raise TaggerUnavailable(f"no tagger model at {folder}")
    meta = _read_json(folder / "tagger.json")
    bert_cfg = _read_json(folder / "config.json")
    if meta.get("format_version") != FORMAT_VERSION:
        raise TaggerUnavailable(f"{folder}: tagger format {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
    if bert_cfg.get("model_type", "bert") != "bert":
        raise TaggerUnavailable(f"{folder}: model_type {bert_cfg.get('model_type')!r} is not supported")
    for key in ("tags", "labels", "max_length", "cls_id", "sep_id", "pad_id"):
        if key not in meta:
            raise TaggerUnavailable(f"{folder}/tagger.json lacks '{key}'")
    tags = meta["tags"]
    if not isinstance(tags, list) or tags[:1] != ["O"] or any(
            t != "O" and (t[:2] not in ("B-", "I-") or t[2:] not in LABELS) for t in tags):
        raise TaggerUnavailable(f"{folder}: unsupported tag set {tags!r}")
    features = meta.get("features", "none")
    if features not in FEATURES:
        raise TaggerUnavailable(f"{folder}: unknown input features {features!r}")
    if features == "rules" and int(bert_cfg.get("type_vocab_size", 0)) < len(tags):
        raise TaggerUnavailable(f"{folder}: reads the rules' tags but config.json has type_vocab_size "
                                f"{bert_cfg.get('type_vocab_size')} < {len(tags)} tags")
    wfile = folder / "model.safetensors"
    if not wfile.exists():
        raise TaggerUnavailable(f"{folder}: model.safetensors missing")
    try:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as e:  # noqa: BLE001 - any tokenizer problem means no model
        raise TaggerUnavailable(f"{folder}: cannot read tokenizer.json: {e}") from None
    meta = dict(meta)
    meta["size_bytes"] = wfile.stat().st_size
    note = None
    if preferred_backend(device, backend) == "onnx":
        runner, note = _onnx_runner(folder, meta, wfile, threads)
        if runner is not None:
            meta["runtime_quantization"] = "onnx-int8"
            return Tagger(net=None, tokenizer=tokenizer, meta=meta, path=folder, device="cpu", runner=runner)
        if backend == "onnx":
            raise TaggerUnavailable(f"{folder}: {note}")
    try:
        import torch
        from safetensors.torch import load_file

        sd = dequantize_int8(load_file(str(wfile)))
        net = build_network(bert_cfg, len(tags), tags)
        missing, unexpected = net.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.startswith("bert.pooler.")]
        if missing or unexpected:
            raise TaggerUnavailable(f"{folder}: weights do not match config (missing {missing[:3]}, "
                                    f"unexpected {unexpected[:3]})")
    except TaggerUnavailable:
        raise
    except Exception as e:  # noqa: BLE001 - damaged or incompatible weights
        raise TaggerUnavailable(f"{folder}: cannot load weights: {type(e).__name__}: {e}") from None
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    net.eval()
    rq = runtime_quant if runtime_quant is not None else meta.get("runtime_quantization", "none")
    if device == "cpu" and rq == "dynamic":
        net = dynamic_quantize(net)
    else:
        net.to(device)
    meta["runtime_quantization"] = rq if device == "cpu" else "none"
    if note:
        meta["backend_note"] = note  # why ONNX Runtime was not used
    return Tagger(net=net, tokenizer=tokenizer, meta=meta, path=folder, device=device)


def preferred_backend(device: str | None = None, backend: str | None = None) -> str:
    """What `load_tagger(device=..., backend=...)` tries first, without loading anything: "onnx" (ONNX
    Runtime on the CPU; torch is the fallback when the folder has no current model.onnx) or "torch"."""
    backend = (backend or os.environ.get(ENV_BACKEND) or "auto").lower()
    if backend == "onnx" or (backend == "auto" and device in (None, "cpu") and not (device is None and _gpu_present())):
        return "onnx"
    return "torch"


def _gpu_present() -> bool:
    """A CUDA GPU torch can use (asked only where a driver is there: importing torch costs seconds)."""
    if not (os.path.exists("/dev/nvidiactl") or os.environ.get("XXGK_ASSUME_GPU")):
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - no usable torch: no GPU either
        return False


def _onnx_runner(folder: Path, meta: dict, wfile: Path, threads: int | None = None):
    """(OnnxRunner, None), or (None, why not) when the folder has no current model.onnx or onnxruntime
    is missing or refuses the graph."""
    rec = meta.get("onnx")
    if not isinstance(rec, dict) or not rec.get("file"):
        return None, "no model.onnx recorded in tagger.json"
    path = folder / str(rec["file"])
    if path.name != str(rec["file"]) or not path.is_file():
        return None, f"{rec['file']} missing"
    from xxgk.tagger.storage import sha256_file

    if rec.get("weights_sha256") != sha256_file(wfile) or rec.get("config_sha256") != sha256_file(folder / "config.json"):
        return None, f"{path.name} was exported from other weights or config than the folder holds"
    try:
        from xxgk.tagger.runtime import OnnxRunner

        return OnnxRunner(path, threads), None
    except ImportError:
        return None, "onnxruntime is not installed"
    except Exception as e:  # noqa: BLE001 - a damaged graph: torch answers
        return None, f"onnxruntime cannot load {path.name}: {type(e).__name__}: {str(e)[:120]}"


def dynamic_quantize(net):
    """int8 dynamic quantisation of Linear layers for CPU inference (falls back to fp32)."""
    import warnings

    try:
        import torch
        from torch.ao.quantization import quantize_dynamic

        with warnings.catch_warnings():  # torch marks the quantized tensor API deprecated
            warnings.simplefilter("ignore")
            return quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
    except Exception:  # noqa: BLE001 - not available in this torch build
        return net
