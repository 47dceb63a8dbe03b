"""The loaded tagger: spans of a text from the network, window by window.

Long texts are cut into overlapping token windows; each token's label distribution comes from the
window where the token is farthest from an edge, and BIO tags are decoded over the whole text, so
a span crossing a window boundary comes out whole.  A model trained with `features = "rules"`
reads the rules' own tags too (BIO over the same labels, projected onto its tokens as training
labels are) through BERT's token-type embedding: callers pass the rules' spans as `hints`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xxgk.spans import Method, Regions, Span, as_label
from xxgk.tagger.bio import best_window, decode, feature_ids, norm_regions, trim_offsets, windows
from xxgk.tagger.postprocess import postprocess


@dataclass
class Tagger:
    net: Any  # a torch module (BertForTokenClassification)
    tokenizer: Any  # a tokenizers.Tokenizer
    meta: dict
    path: Path | None = None
    device: str = "cpu"

    # -- metadata --------------------------------------------------------------------------
    @property
    def tags(self) -> list[str]:
        return list(self.meta["tags"])

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
                "format_version")
        out = {k: self.meta[k] for k in keys if k in self.meta}
        out["path"] = str(self.path) if self.path else None
        out["device"] = self.device
        return out

    # -- prediction ------------------------------------------------------------------------
    def spans(self, text: str, regions: Regions | None = None, hints: Sequence[Span] | None = None) -> list[Span]:
        """The model's spans of `text` (method MODEL, scores in [0, 1]), within `regions` (char ranges;
        None: the whole text).  A model that reads hints needs the rules' spans over the whole text."""
        return self.predict_batch([text], [regions], [hints])[0]

    def predict_batch(self, texts: Sequence[str], regions: Sequence[Regions | None] | None = None,
                      hints: Sequence[Sequence[Span] | None] | None = None, batch_size: int = 16) -> list[list[Span]]:
        """`spans` for many texts at once (windows of all of them batched together); `regions` and
        `hints`, when given, hold one entry per text."""
        import torch

        n_texts = len(texts)
        regions = list(regions) if regions is not None else [None] * n_texts
        hints = list(hints) if hints is not None else [None] * n_texts
        if len(regions) != n_texts or len(hints) != n_texts:
            raise ValueError("regions and hints must hold one entry per text")
        if self.reads_hints and any(h is None for h in hints):
            raise ValueError("this model reads the rules' spans: pass them as hints (xxgk.rules.hints.rule_spans)")
        items = list(zip(texts, regions, hints))
        size = int(self.meta["max_length"]) - 2
        stride = int(self.meta.get("stride", 32))
        cls_id, sep_id, pad_id = (int(self.meta[k]) for k in ("cls_id", "sep_id", "pad_id"))
        tag2id = {t: i for i, t in enumerate(self.tags)}
        chunks: list[tuple[int, list[int], list[tuple[int, int]], list[tuple[int, int]], list[int] | None]] = []
        # (item index, ids, offsets, windows, rule feature ids or None)
        for idx, (text, text_regions, text_hints) in enumerate(items):
            for a, b in norm_regions(text_regions, len(text)):
                enc = self.tokenizer.encode(text[a:b], add_special_tokens=False)
                if not enc.ids:
                    continue
                offs = trim_offsets(text[a:b], enc.offsets, base=a)
                feats = feature_ids(offs, text_hints, tag2id) if self.reads_hints else None
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
                    feats = chunks[c][4]
                    if feats is not None:
                        frows.append([0] + feats[wa:wb] + [0])
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
                p_rows, t_rows, m_rows = best_p.cpu().tolist(), best_t.cpu().tolist(), total.cpu().tolist()
                for r, (c, k) in enumerate(group):
                    n = len(rows[r]) - 2
                    results[(c, k)] = (t_rows[r][1:1 + n], p_rows[r][1:1 + n], m_rows[r][1:1 + n])
        raw: list[list] = [[] for _ in range(n_texts)]  # (start, end, label, score, total mass)
        id2tag = self.tags
        for c, (idx, tok_ids, offs, wins, _f) in enumerate(chunks):
            choice = best_window(wins)
            tag_ids, tag_p, tot = [], [], []
            for i in range(len(tok_ids)):
                k = choice[i]
                ts, ps, tm = results[(c, k)]
                tag_ids.append(ts[i - wins[k][0]])
                tag_p.append(ps[i - wins[k][0]])
                tot.append(tm[i - wins[k][0]])
            for a, b, lab, score in decode(tag_ids, tag_p, offs, id2tag):
                mass = [m for m, (x, y) in zip(tot, offs) if a <= x and y <= b and y > x]
                raw[idx].append([a, b, lab, score, sum(mass) / len(mass) if mass else 0.0])
        out = []
        for text, decoded in zip(texts, raw):
            out.append([Span(a, b, as_label(lab), round(min(1.0, max(0.0, sc)), 4), Method.MODEL)
                        for a, b, lab, sc in postprocess(text, decoded)])
        return out
