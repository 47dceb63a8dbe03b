"""Weights at rest: row-wise symmetric int8 with fp32 scales (`X` → `X.int8` + `X.scale`), and back."""

from __future__ import annotations


def quantize_int8(sd: dict, min_numel: int = 4096) -> dict:
    """Row-wise symmetric int8 for 2-D weights (`X` → `X.int8` + `X.scale`); others kept."""
    import torch

    out = {}
    for k, v in sd.items():
        if v.dtype.is_floating_point and v.dim() == 2 and v.numel() >= min_numel:
            w = v.float()
            scale = w.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
            out[k + ".int8"] = torch.round(w / scale).clamp(-127, 127).to(torch.int8).contiguous()
            out[k + ".scale"] = scale.squeeze(1).float().contiguous()
        else:
            out[k] = v.float().contiguous() if v.dtype.is_floating_point else v.contiguous()
    return out


def dequantize_int8(sd: dict) -> dict:
    import torch

    out = {}
    for k, v in sd.items():
        if k.endswith(".int8"):
            base = k[:-5]
            scale = sd.get(base + ".scale")
            if scale is None:
                raise ValueError(f"int8 tensor {k} has no scale")
            out[base] = v.to(torch.float32) * scale.to(torch.float32).unsqueeze(1)
        elif k.endswith(".scale") and (k[:-6] + ".int8") in sd:
            continue
        else:
            out[k] = v.to(torch.float32) if v.dtype.is_floating_point else v
    return out


def sha256_file(path) -> str:
    """The sha256 of a file (hex), read in blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
