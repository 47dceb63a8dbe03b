"""The loaded tagger: spans of a text from the network, window by window.

The network runs in ONNX Runtime or torch (`runtime.py`; `loading.load_tagger` picks).  Long texts
are cut into overlapping token windows; each token's label distribution comes from the
window where the token is farthest from an edge, and BIO tags are decoded over the whole text, so
a span crossing a window boundary comes out whole.  A model trained with `features = "rules"`
reads the rules' own tags too (BIO over the same labels, projected onto its tokens as training
labels are) through BERT's token-type embedding: callers pass the rules' spans as `hints`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xxgk.spans import Method, Regions, Span, as_label
from xxgk.tagger.bio import best_window, decode, feature_ids, norm_regions, trim_offsets, windows
from xxgk.tagger.postprocess import postprocess


@dataclass
class Tagger:
    net: Any  # a torch module (BertForTokenClassification), or None when ONNX Runtime runs the model
    tokenizer: Any  # a tokenizers.Tokenizer
    meta: dict
    path: Path | None = None
    device: str = "cpu"
    runner: Any = None  # runtime.OnnxRunner or runtime.TorchRunner (made from `net` when not given)

    def __post_init__(self) -> None:
        if self.runner is None:
            if self.net is None:
                raise ValueError("a Tagger needs a network or a runner")
            from xxgk.tagger.runtime import TorchRunner

            self.runner = TorchRunner(self.net, self.device)

    # -- metadata --------------------------------------------------------------------------
    @property
    def tags(self) -> list[str]:
        return list(self.meta["tags"])

    @property
    def backend(self) -> str:
        """What runs the network: "onnx" (ONNX Runtime) or "torch"."""
        return getattr(self.runner, "name", "torch")

    @property
    def reads_hints(self) -> bool:
        """Trained with `features = "rules"`: it reads the rules' spans, which callers pass as `hints`."""
        return self.meta.get("features") == "rules"

    @property
    def threshold(self) -> float:
        return float(self.meta.get("threshold", 0.5))

    @property
    def info(self) -> dict:
        keys = ("name", "version", "labels", "tags", "threshold", "max_length", "stride", "base", "layers",
                "quantization", "runtime_quantization", "features", "size_bytes", "metrics", "config_hash", "created",
                "format_version", "backend_note")
        out = {k: self.meta[k] for k in keys if k in self.meta}
        out["path"] = str(self.path) if self.path else None
        out["device"] = self.device
        out["backend"] = self.backend
        return out

    # -- prediction ------------------------------------------------------------------------
    def spans(self, text: str, regions: Regions | None = None, hints: Sequence[Span] | None = None) -> list[Span]:
        """The model's spans of `text` (method MODEL, scores in [0, 1]), within `regions` (char ranges;
        None: the whole text).  A model that reads hints needs the rules' spans over the whole text."""
        return self.predict_batch([text], [regions], [hints])[0]

    def predict_batch(self, texts: Sequence[str], regions: Sequence[Regions | None] | None = None,
                      hints: Sequence[Sequence[Span] | None] | None = None,
                      batch_size: int | None = None) -> list[list[Span]]:
        """`spans` for many texts at once (windows of all of them batched together, shortest first, so
        a batch holds windows of about one length); `regions` and `hints`, when given, hold one entry per
        text.  `batch_size`: windows per forward pass (default: the runner's)."""
        import numpy as np

        n_texts = len(texts)
        regions = list(regions) if regions is not None else [None] * n_texts
        hints = list(hints) if hints is not None else [None] * n_texts
        if len(regions) != n_texts or len(hints) != n_texts:
            raise ValueError("regions and hints must hold one entry per text")
        if self.reads_hints and any(h is None for h in hints):
            raise ValueError("this model reads the rules' spans: pass them as hints (xxgk.rules.hints.rule_spans)")
        runner_batch: int = getattr(self.runner, "batch_size", None) or 16
        batch_size = int(batch_size or runner_batch)
        size = int(self.meta["max_length"]) - 2
        stride = int(self.meta.get("stride", 32))
        cls_id, sep_id, pad_id = (int(self.meta[k]) for k in ("cls_id", "sep_id", "pad_id"))
        tag2id = {t: i for i, t in enumerate(self.tags)}
        chunks: list[tuple[int, list[int], list[tuple[int, int]], list[tuple[int, int]], list[int] | None]] = []
        # (item index, ids, offsets, windows, rule feature ids or None)
        for idx, (text, text_regions, text_hints) in enumerate(zip(texts, regions, hints)):
            spans_in = sorted(text_hints or (), key=lambda s: s.start) if self.reads_hints else None
            for a, b in norm_regions(text_regions, len(text)):
                enc = self.tokenizer.encode(text[a:b], add_special_tokens=False)
                if not enc.ids:
                    continue
                offs = trim_offsets(text[a:b], enc.offsets, base=a)
                feats = feature_ids(offs, spans_in, tag2id) if spans_in is not None else None
                chunks.append((idx, enc.ids, offs, windows(len(enc.ids), size, stride), feats))
        jobs = [(c, k) for c, ch in enumerate(chunks) for k in range(len(ch[3]))]
        jobs.sort(key=lambda j: chunks[j[0]][3][j[1]][1] - chunks[j[0]][3][j[1]][0])
        results: dict = {}
        total_ids = [i for i, t in enumerate(self.tags) if t in ("B-TOTAL", "I-TOTAL")]
        for group in _length_groups(jobs, [chunks[c][3][k][1] - chunks[c][3][k][0] for c, k in jobs], batch_size):
            width = max(chunks[c][3][k][1] - chunks[c][3][k][0] for c, k in group) + 2
            ids = np.full((len(group), width), pad_id, dtype=np.int64)
            mask = np.zeros((len(group), width), dtype=np.int64)
            types = np.zeros((len(group), width), dtype=np.int64) if self.reads_hints else None
            for r, (c, k) in enumerate(group):
                wa, wb = chunks[c][3][k]
                n = wb - wa
                ids[r, 0], ids[r, n + 1] = cls_id, sep_id
                ids[r, 1:n + 1] = chunks[c][1][wa:wb]
                mask[r, :n + 2] = 1
                feats = chunks[c][4]
                if types is not None and feats is not None:
                    types[r, 1:n + 1] = feats[wa:wb]
            logits = self.runner(ids, mask, types)
            logits = logits - logits.max(axis=-1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=-1, keepdims=True)
            best_t = probs.argmax(axis=-1)
            best_p = np.take_along_axis(probs, best_t[..., None], axis=-1)[..., 0]
            total = probs[..., total_ids].sum(axis=-1) if total_ids else np.zeros_like(best_p)
            for r, (c, k) in enumerate(group):
                n = chunks[c][3][k][1] - chunks[c][3][k][0]
                results[(c, k)] = (best_t[r, 1:1 + n].tolist(), best_p[r, 1:1 + n].tolist(),
                                   total[r, 1:1 + n].tolist())
        raw: list[list] = [[] for _ in range(n_texts)]  # (start, end, label, score, total mass)
        id2tag = self.tags
        for c, (idx, tok_ids, offs, wins, _f) in enumerate(chunks):
            if len(wins) == 1:
                tag_ids, tag_p, tot = results[(c, 0)]
            else:
                choice = best_window(wins)
                tag_ids, tag_p, tot = [], [], []
                for i in range(len(tok_ids)):
                    k = choice[i]
                    ts, ps, tm = results[(c, k)]
                    tag_ids.append(ts[i - wins[k][0]])
                    tag_p.append(ps[i - wins[k][0]])
                    tot.append(tm[i - wins[k][0]])
            starts = [x for x, _y in offs]  # non-decreasing (trimmed offsets stay inside their tokens)
            for a, b, lab, score in decode(tag_ids, tag_p, offs, id2tag):
                mass = []
                i = bisect_left(starts, a)
                while i < len(offs) and offs[i][0] < b:
                    x, y = offs[i]
                    if x < y <= b:
                        mass.append(tot[i])
                    i += 1
                raw[idx].append([a, b, lab, score, sum(mass) / len(mass) if mass else 0.0])
        out = []
        for text, decoded in zip(texts, raw):
            out.append([Span(a, b, as_label(lab), round(min(1.0, max(0.0, sc)), 4), Method.MODEL)
                        for a, b, lab, sc in postprocess(text, decoded)])
        return out


# a batch holds windows of about one length: padding a 10-token header line to a 250-token window
# costs what 25 header lines do (a document's windows are mostly short, with a few long ones)
GROUP_LENGTH_RATIO = 1.3
GROUP_LENGTH_SLACK = 8


def _length_groups(jobs: list, lengths: list[int], batch_size: int) -> list[list]:
    """`jobs` (sorted by `lengths`, ascending) cut into batches of at most `batch_size` whose longest
    window is at most GROUP_LENGTH_RATIO times the shortest (plus a few tokens)."""
    groups: list[list] = []
    first = 0
    for job, n in zip(jobs, lengths):
        if not groups or len(groups[-1]) >= batch_size or n > first * GROUP_LENGTH_RATIO + GROUP_LENGTH_SLACK:
            groups.append([])
            first = n
        groups[-1].append(job)
    return groups
