"""The fine-tuned tagger at run time: load a model folder safely, predict spans.

A model folder holds only data, never code:
  model.safetensors   weights (fp32/fp16, or int8 rows + per-row scales, dequantised on load)
  config.json         the BERT configuration (architecture sizes, id2label)
  tokenizer.json      a `tokenizers` tokenizer (offsets into the text are used for labels)
  tagger.json         xxgk metadata: labels, BIO tags, special ids, max length, stride, threshold,
                      version, metrics, training config hash
  README.md           the model card
Loading reads JSON and safetensors only (no pickle, no trust_remote_code).  Anything missing,
damaged or incompatible raises TaggerUnavailable, so the pipeline falls back to rules.

Input features: a model trained with `features = "rules"` also reads the rules' own tags (BIO over
the same labels, projected onto its tokens the way training labels are) through BERT's token-type
embedding, so it learns where the rules are right and where they miss; `tagger.json` records this
and prediction computes the rule tags itself when the caller does not pass them.

Long texts are cut into overlapping token windows; each token's label distribution comes from
the window where the token is farthest from an edge, and BIO tags are decoded over the whole
text, so a span crossing a window boundary comes out whole.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..conventions import is_headline_total, trim_category
from ..labels import COUNT, SECTION_TITLE_CHARS
from ..models import shipped_tagger_path
from ..spans import LABELS, Method, Span

FORMAT_VERSION = 1
FEATURES = ("none", "rules")  # what the model reads besides the text: nothing, or the rules' tags
ENV_MODEL = "XXGK_MODEL"
_BERT_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
              "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "hidden_act", "hidden_dropout_prob",
              "attention_probs_dropout_prob", "initializer_range", "position_embedding_type", "pad_token_id")


class TaggerUnavailable(RuntimeError):
    """The model folder is missing, damaged or incompatible (the pipeline falls back to rules)."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def default_model_path() -> Path:
    env = os.environ.get(ENV_MODEL)
    return Path(env) if env else shipped_tagger_path()  # package data: found in a wheel install too


def bio_tags(labels=LABELS) -> list[str]:
    tags = ["O"]
    for lab in labels:
        tags += [f"B-{lab}", f"I-{lab}"]
    return tags


# --------------------------------------------------------------------------------------------
# tokens, windows, projection and decoding (pure python; shared with training)
# --------------------------------------------------------------------------------------------


def trim_offsets(text: str, offsets, base: int = 0) -> list[tuple[int, int]]:
    """Token offsets with whitespace at either edge removed (a Metaspace token '▁2022' starts at the
    space or line break before it); offsets shifted by `base`."""
    out = []
    for a, b in offsets:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append((a + base, b + base))
    return out


def windows(n: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges [a, b) of at most `size` tokens covering 0..n, consecutive ones overlapping by
    `stride` tokens."""
    if size <= 0:
        raise ValueError("window size must be positive")
    if n <= size:
        return [(0, n)]
    stride = max(0, min(stride, size // 2))
    step = size - stride
    out = []
    a = 0
    while True:
        b = min(a + size, n)
        out.append((max(0, b - size), b))
        if b >= n:
            break
        a += step
    return out


def best_window(wins: list[tuple[int, int]]) -> list[int]:
    """For each token, the index of the window where it is farthest from a window edge."""
    n = wins[-1][1] if wins else 0
    choice = [0] * n
    best = [-1] * n
    for k, (a, b) in enumerate(wins):
        for i in range(a, b):
            d = min(i - a, b - 1 - i)
            if d > best[i]:
                best[i], choice[i] = d, k
    return choice


def project_spans(offsets: list[tuple[int, int]], spans, tag2id: dict) -> list[int]:
    """BIO tag ids for tokens (offsets already whitespace-trimmed) from char spans (start, end, label).
    A token belongs to the span covering most of its characters; the first such token is B."""
    tags = [tag2id["O"]] * len(offsets)
    spans = sorted((s[0], s[1], s[2]) for s in spans)
    j = 0
    last_span = None
    for i, (a, b) in enumerate(offsets):
        if b <= a:
            continue
        while j < len(spans) and spans[j][1] <= a:
            j += 1
        best, best_ov = None, 0
        k = j
        while k < len(spans) and spans[k][0] < b:
            ov = min(b, spans[k][1]) - max(a, spans[k][0])
            if ov > best_ov:
                best, best_ov = spans[k], ov
            k += 1
        if best is None or f"B-{best[2]}" not in tag2id:
            continue
        tags[i] = tag2id[("I-" if best is last_span else "B-") + best[2]]
        last_span = best
    return tags


def decode(tag_ids: list[int], probs: list[float], offsets: list[tuple[int, int]], id2tag: list[str]):
    """BIO over tokens → [(start, end, label, score)], score = mean probability of the tokens' tags.
    An I- tag that does not continue a span of its label starts one (lenient decoding)."""
    out = []
    cur = None  # [start, end, label, probs]
    for t, p, (a, b) in zip(tag_ids, probs, offsets):
        if b <= a:  # empty token (whitespace): does not break a span
            continue
        tag = id2tag[t]
        if tag == "O":
            if cur:
                out.append(cur)
            cur = None
            continue
        bio, lab = tag.split("-", 1)
        if bio == "I" and cur and cur[2] == lab:
            cur[1] = b
            cur[3].append(p)
        else:
            if cur:
                out.append(cur)
            cur = [a, b, lab, [p]]
    if cur:
        out.append(cur)
    return [(a, b, lab, sum(ps) / len(ps)) for a, b, lab, ps in out]


_EDGE_JUNK = " \t\n\u3000#*>|•·-"


def refine(text: str, a: int, b: int, label: str) -> tuple[int, int] | None:
    """Snap a decoded span to the label's conventions where a token boundary blurred it."""
    while a < b and text[a] in _EDGE_JUNK:
        a += 1
    while b > a and text[b - 1] in " \t\n\u3000":
        b -= 1
    if label in ("COUNT", "TOTAL"):
        seg = text[a:b]
        m = None
        for m2 in COUNT.finditer(text, max(0, a - 2), min(len(text), b + 3)):
            if m2.start("num") < b and m2.end() > a:
                m = m2
                break
        if m:
            a, b = m.start("num"), m.end()
        else:
            d = re.search(r"\d", seg)
            if d:
                a += d.start()
    elif label == "CATEGORY":
        while b > a and (text[b - 1].isdigit() or text[b - 1] in "，,。；;：:、（(）)“”\"'"):
            b -= 1
        while a < b and text[a] in "，,。；;：:、（(）)“”\"'":
            a += 1
    elif label == "SECTION":
        while b > a and text[b - 1] in "：:。.，,；;":
            b -= 1
    return (a, b) if b > a else None


TOTAL_MIN_MASS = 0.5


def postprocess(text: str, spans) -> list[tuple[int, int, str, float]]:
    """Decoded spans [start, end, label, score, total mass] → final spans, in text order:
    fragments of one header (same line) or one category (touching) are joined; spans are snapped to
    the label's conventions; a count must be a number with a counting unit; at most one count per
    text is the TOTAL (the one with the most TOTAL probability, if it has enough)."""
    spans = sorted(spans, key=lambda s: (s[0], s[1]))
    merged: list[list] = []
    for s in spans:
        s = list(s)
        if merged:
            p = merged[-1]
            gap = text[p[1]:s[0]]
            join = False
            if p[2] == s[2] == "SECTION" and len(gap) <= 8 and "\n" not in gap and not re.search(r"[。；;！？]", gap):
                join = True
            elif p[2] == s[2] == "CATEGORY" and gap in ("", "的", "公开"):  # 公开 is part of nouns (依申请公开…)
                join = True
            if join:
                n_p, n_s = max(1, p[1] - p[0]), max(1, s[1] - s[0])
                p[1] = s[1]
                p[3] = (p[3] * n_p + s[3] * n_s) / (n_p + n_s)
                p[4] = max(p[4], s[4])
                continue
        merged.append(s)
    out = []
    for a, b, lab, score, mass in merged:
        r = refine(text, a, b, lab)
        if not r:
            continue
        a, b = r
        if lab == "SECTION":
            b = _header_end(text, a, b)
            if not _header_start(text, a) or len(_CJK.findall(text, a, b)) < 2:
                continue  # annotations/GUIDE.md: a bare enumerator is not a header
        if lab in ("COUNT", "TOTAL"):
            if not COUNT.fullmatch(text, a, b):
                continue
        elif lab == "CATEGORY":
            a, b = trim_category(text, a, b)
            if b <= a:
                continue
        group = "COUNT" if lab == "TOTAL" else lab
        prev = next((p for p in reversed(out) if p[2] == group), None)
        if prev is not None and a < prev[1]:
            # two fragments snapped onto the same words (`共计` + `70条` → one count): keep one span
            prev[0], prev[1] = min(prev[0], a), max(prev[1], b)
            prev[3], prev[4] = max(prev[3], score), max(prev[4], mass)
            continue
        out.append([a, b, group, score, mass])
    counts = [s for s in out if s[2] == "COUNT"]
    if counts:
        best = max(counts, key=lambda s: s[4])
        if best[4] < TOTAL_MIN_MASS:  # the model is unsure: the first count stated as a headline total
            best = next((s for s in counts if is_headline_total(text, s[0], s[1])), None)
        if best is not None:
            best[2] = "TOTAL"
    return [(a, b, lab, score) for a, b, lab, score, _m in out]


_CJK = re.compile(r"[\u4e00-\u9fff]")
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


def _header_end(text: str, a: int, b: int) -> int:
    """A header ends at a blank line once it has named a whole standard title: what follows is the
    body (a sub-heading such as 存在问题), not a header broken over lines."""
    m = _BLANK_LINE.search(text, a, b)
    if m and "".join(_CJK.findall(text, a, m.start())).endswith(SECTION_TITLE_CHARS):
        return m.start()
    return b


def _header_start(text: str, a: int) -> bool:
    """A header starts a line (after markdown marks, pipes or spaces), follows a sentence end, or
    follows a space on a glued page (where a table's last figures run into the next header)."""
    line_a = text.rfind("\n", 0, a) + 1
    lead = text[line_a:a]
    if not lead.strip(" \t\u3000#*>|•·-"):
        return True
    return bool(re.search(r"[。；;！!？?:：]\s*$", lead)) or lead.endswith((" ", "\t", "\u3000"))


# --------------------------------------------------------------------------------------------
# weights: int8 storage
# --------------------------------------------------------------------------------------------


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
                raise TaggerUnavailable(f"int8 tensor {k} has no scale")
            out[base] = v.to(torch.float32) * scale.to(torch.float32).unsqueeze(1)
        elif k.endswith(".scale") and (k[:-6] + ".int8") in sd:
            continue
        else:
            out[k] = v.to(torch.float32) if v.dtype.is_floating_point else v
    return out


# --------------------------------------------------------------------------------------------
# building and loading the network
# --------------------------------------------------------------------------------------------


def build_network(bert_cfg: dict, num_labels: int, id2label: list[str] | None = None):
    """A transformers BertForTokenClassification from plain config values (no hub, no code)."""
    from transformers import BertConfig, BertForTokenClassification

    kw = {k: bert_cfg[k] for k in _BERT_KEYS if k in bert_cfg}
    cfg = BertConfig(**kw, num_labels=num_labels)
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


@dataclass
class Tagger:
    net: object  # torch module
    tokenizer: object  # tokenizers.Tokenizer
    meta: dict
    path: Path | None = None
    device: str = "cpu"

    # -- metadata --------------------------------------------------------------------------
    @property
    def tags(self) -> list[str]:
        return list(self.meta["tags"])

    @property
    def uses_rule_features(self) -> bool:
        return self.meta.get("features") == "rules"

    @property
    def threshold(self) -> float:
        return float(self.meta.get("threshold", 0.5))

    @property
    def info(self) -> dict:
        keys = ("name", "version", "labels", "tags", "threshold", "max_length", "stride", "base", "layers",
                "quantization", "runtime_quantization", "features", "size_bytes", "metrics", "config_hash", "created",
                "format_version")
        out = {k: self.meta[k] for k in keys if k in self.meta}
        out["path"] = str(self.path) if self.path else None
        out["device"] = self.device
        return out

    # -- prediction ------------------------------------------------------------------------
    def predict(self, text: str, regions=None, hints=None) -> list[Span]:
        return self.predict_batch([(text, regions, hints)])[0]

    def predict_batch(self, items, batch_size: int = 16) -> list[list[Span]]:
        """items: texts, or (text, regions[, hints]) tuples; regions = [(a, b), ...] char ranges or
        None; hints = the rules' spans over the whole text (computed here when the model reads them
        and none are given)."""
        import torch

        items = [(it, None, None) if isinstance(it, str) else
                 (it[0], it[1] if len(it) > 1 else None, it[2] if len(it) > 2 else None) for it in items]
        size = int(self.meta["max_length"]) - 2
        stride = int(self.meta.get("stride", 32))
        cls_id, sep_id, pad_id = (int(self.meta[k]) for k in ("cls_id", "sep_id", "pad_id"))
        tag2id = {t: i for i, t in enumerate(self.tags)}
        chunks = []  # (item index, ids, offsets, windows, rule feature ids or None)
        for idx, (text, regions, hints) in enumerate(items):
            if self.uses_rule_features and hints is None:
                hints = rule_hints(text)
            for a, b in _norm_regions(regions, len(text)):
                enc = self.tokenizer.encode(text[a:b], add_special_tokens=False)
                if not enc.ids:
                    continue
                offs = trim_offsets(text[a:b], enc.offsets, base=a)
                feats = feature_ids(offs, hints, tag2id) if self.uses_rule_features else None
                chunks.append((idx, enc.ids, offs, windows(len(enc.ids), size, stride), feats))
        jobs = [(c, k) for c, ch in enumerate(chunks) for k in range(len(ch[3]))]
        jobs.sort(key=lambda j: chunks[j[0]][3][j[1]][1] - chunks[j[0]][3][j[1]][0])
        results: dict = {}
        total_ids = [i for i, t in enumerate(self.tags) if t in ("B-TOTAL", "I-TOTAL")]
        self.net.eval()
        with torch.inference_mode():
            for s in range(0, len(jobs), batch_size):
                group = jobs[s:s + batch_size]
                rows, frows = [], []
                for c, k in group:
                    wa, wb = chunks[c][3][k]
                    rows.append([cls_id] + chunks[c][1][wa:wb] + [sep_id])
                    if chunks[c][4] is not None:
                        frows.append([0] + chunks[c][4][wa:wb] + [0])
                width = max(len(r) for r in rows)
                ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                types = torch.zeros((len(rows), width), dtype=torch.long)
                for r, row in enumerate(rows):
                    ids[r, :len(row)] = torch.tensor(row)
                    mask[r, :len(row)] = 1
                    if frows:
                        types[r, :len(row)] = torch.tensor(frows[r])
                kw = {"token_type_ids": types.to(self.device)} if frows else {}
                logits = self.net(input_ids=ids.to(self.device), attention_mask=mask.to(self.device), **kw).logits
                probs = torch.softmax(logits.float(), dim=-1)
                best_p, best_t = probs.max(dim=-1)
                total = probs[..., total_ids].sum(dim=-1) if total_ids else torch.zeros_like(best_p)
                best_p, best_t, total = best_p.cpu().tolist(), best_t.cpu().tolist(), total.cpu().tolist()
                for r, (c, k) in enumerate(group):
                    n = len(rows[r]) - 2
                    results[(c, k)] = (best_t[r][1:1 + n], best_p[r][1:1 + n], total[r][1:1 + n])
        raw: list[list] = [[] for _ in items]  # (start, end, label, score, total mass)
        id2tag = self.tags
        for c, (idx, ids, offs, wins, _f) in enumerate(chunks):
            choice = best_window(wins)
            tag_ids, tag_p, tot = [], [], []
            for i in range(len(ids)):
                k = choice[i]
                ts, ps, tm = results[(c, k)]
                tag_ids.append(ts[i - wins[k][0]])
                tag_p.append(ps[i - wins[k][0]])
                tot.append(tm[i - wins[k][0]])
            for a, b, lab, score in decode(tag_ids, tag_p, offs, id2tag):
                mass = [m for m, (x, y) in zip(tot, offs) if a <= x and y <= b and y > x]
                raw[idx].append([a, b, lab, score, sum(mass) / len(mass) if mass else 0.0])
        out = []
        for (text, _r, _h), spans in zip(items, raw):
            out.append([Span(a, b, lab, round(min(1.0, max(0.0, sc)), 4), Method.MODEL)
                        for a, b, lab, sc in postprocess(text, spans)])
        return out


def rule_hints(text: str) -> list[tuple[int, int, str]]:
    """The rules' spans over a whole text (the model's input features)."""
    from ..pipeline import rule_spans

    return [(s.start, s.end, s.label) for s in rule_spans(text)]


def feature_ids(offsets: list[tuple[int, int]], hints, tag2id: dict) -> list[int]:
    """Rule tags projected onto tokens exactly as training labels are (0 = O)."""
    spans = [(s[0], s[1], s[2]) if isinstance(s, tuple) else (s.start, s.end, s.label) for s in hints or ()]
    if offsets and spans:
        lo, hi = offsets[0][0], offsets[-1][1]
        spans = [s for s in spans if s[1] > lo and s[0] < hi]
    return project_spans(offsets, spans, tag2id)


def _norm_regions(regions, n: int) -> list[tuple[int, int]]:
    if regions is None:
        return [(0, n)] if n else []
    rs = sorted((max(0, int(a)), min(n, int(b))) for a, b in regions)
    out: list[list[int]] = []
    for a, b in rs:
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def load_tagger(path: str | Path | None = None, device: str | None = None, runtime_quant: str | None = None) -> Tagger:
    """Load a model folder (None → $XXGK_MODEL or the shipped tagger (src/xxgk/models/tagger)); TaggerUnavailable on any problem."""
    folder = Path(path) if path is not None else default_model_path()
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
    meta = dict(meta)
    meta["size_bytes"] = wfile.stat().st_size
    meta["runtime_quantization"] = rq if device == "cpu" else "none"
    return Tagger(net=net, tokenizer=tokenizer, meta=meta, path=folder, device=device)


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
