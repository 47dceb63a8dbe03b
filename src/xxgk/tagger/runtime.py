"""What runs the network: ONNX Runtime (CPU, int8, no torch import) or torch (training, GPU, fallback).

Both take a batch of padded windows as numpy int64 arrays (token ids, attention mask, token types:
the rules' tags) and give logits (batch, tokens, tags) as a float32 numpy array, so `inference.py`
does not care which one runs.  The ONNX graph is exported from the stored weights when a model is
saved (`onnx_export.py`); loading picks the runner (`loading.load_tagger`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

# windows per forward pass: on CPU a batch of short regions sorted by length keeps padding low; a GPU
# wants many windows at once (documents are batched together by the batch runner)
CPU_BATCH = 16
GPU_BATCH = 128


class TorchRunner:
    """A transformers BertForTokenClassification (dynamic int8 Linear layers on CPU when loaded so)."""

    name = "torch"

    def __init__(self, net: Any, device: str = "cpu"):
        self.net = net
        self.device = device

    @property
    def batch_size(self) -> int:
        return GPU_BATCH if self.device.startswith("cuda") else CPU_BATCH

    def __call__(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None) -> np.ndarray:
        import torch

        self.net.eval()
        with torch.inference_mode():
            kw = {"token_type_ids": torch.from_numpy(types).to(self.device)} if types is not None else {}
            logits = self.net(input_ids=torch.from_numpy(ids).to(self.device),
                              attention_mask=torch.from_numpy(mask).to(self.device), **kw).logits
            return logits.float().cpu().numpy()


class OnnxRunner:
    """An ONNX Runtime session on CPU over `model.onnx` (int8 weights, fused attention)."""

    name = "onnx"
    batch_size = CPU_BATCH

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime as ort

        so = ort.SessionOptions()
        # threads: the batch runner's workers ask for 1 (it scales with processes, one per core); a
        # single process takes every core.  Idle threads sleep instead of spinning.
        so.intra_op_num_threads = int(threads or os.cpu_count() or 1)
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3  # errors only
        self.session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.threads = so.intra_op_num_threads

    def __call__(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None) -> np.ndarray:
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = types if types is not None else np.zeros_like(ids)
        return np.asarray(self.session.run(["logits"], feed)[0], dtype=np.float32)
