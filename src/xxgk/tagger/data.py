"""Training data for the tagger: examples, weak labels, augmentation, token windows.

An `Example` is a text with character spans (start, end, label).  Sources:
  - gold fixtures (`annotations/gold`, train split only; labels of groups a fixture did not check
    — SECTION when `sections` is unchecked, COUNT/TOTAL/CATEGORY when `narrative` is — are filled
    with weak labels from the rules);
  - plain JSONL files `{"id", "text", "spans": [{"start", "end", "label"}]}`;
  - unlabelled text files labelled by the rules (weak labels);
  - synthetic reports (`synth.py`) and realistic augmentations of all the above (line wrapping,
    glued headers, traditional characters, injected junk, cut-off pages), spans carried through
    every edit.
Nothing whose text overlaps an evaluation fixture (dev/test) is ever used: `LeakGuard` checks.
Examples become token windows with BIO tags projected through the tokenizer's offsets and a
Hugging Face `datasets.Dataset`.  The rules (weak labels, and the hints a model with rule features
reads) come in as a `SpanSource` argument: this package never imports them.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xxgk.conventions import header_lines
from xxgk.spans import LABELS, NARRATIVE_LABELS, Span, SpanSource
from xxgk.tagger.bio import bio_tags, feature_ids, project_spans, trim_offsets, windows
from xxgk.tagger.config import TrainConfig, TrainError
from xxgk.tagger.examples import Example, drop_overlaps


# --------------------------------------------------------------------------------------------
# weak labels from the rules
# --------------------------------------------------------------------------------------------


def weak_spans(text: str, rules: SpanSource, labels: Sequence[str] = LABELS) -> list[tuple[int, int, str]]:
    """The rules' spans of `text` as training labels (weak labels), of the given labels only."""
    return drop_overlaps((s.start, s.end, s.label) for s in rules.spans(text) if s.label in labels)


# --------------------------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------------------------


class LeakGuard:
    """Refuses training text that reproduces an evaluation document (dev/test fixture): compares
    folded, whitespace-free text by 80-character chunks; a candidate holding 30 % or more of an
    evaluation document's chunks (or that document whole) is a leak."""

    CHUNK = 80

    def __init__(self, texts):
        self.docs = []
        for t in texts:
            f = self._fold(t)
            chunks = {f[i:i + self.CHUNK] for i in range(0, max(1, len(f) - self.CHUNK + 1), self.CHUNK)}
            self.docs.append((f, chunks))

    @staticmethod
    def _fold(text: str) -> str:
        from xxgk.text import Text

        return re.sub(r"\s+", "", Text(text).match)

    def leaks(self, text: str) -> bool:
        f = self._fold(text)
        for doc, chunks in self.docs:
            if not doc:
                continue
            if doc in f or (len(f) >= self.CHUNK and f in doc and len(f) > 0.3 * len(doc)):
                return True
            hit = sum(1 for c in chunks if c in f)
            if chunks and hit >= max(1, 0.3 * len(chunks)):
                return True
        return False


def gold_examples(folder: str | Path, splits: Sequence[str] = ("train",),
                  rules: SpanSource | None = None) -> list[Example]:
    """The fixtures of `splits`; with `rules`, the label groups a fixture did not check are filled with
    the rules' weak labels."""
    from xxgk.gold import load_gold_dir

    if "test" in splits or "sealed" in splits:
        raise ValueError("the test and sealed splits are never trained on")
    out = []
    for g in load_gold_dir(folder, splits=tuple(splits)):
        spans = [(s.start, s.end, s.label) for s in g.spans]
        if rules is not None:
            missing: list[str] = []
            if "sections" not in g.checked:
                missing.append("SECTION")
            if "narrative" not in g.checked:
                missing += list(NARRATIVE_LABELS)
            if missing:
                spans = [s for s in spans if s[2] not in missing]
                spans = drop_overlaps(spans + weak_spans(g.text, rules, missing))
        out.append(Example(g.doc_id, g.text, spans, "gold"))
    return out


def eval_texts(folder: str | Path) -> list[str]:
    """Texts of the fixtures that must never be trained on (dev, test and sealed)."""
    from xxgk.gold import load_gold_dir

    return [g.text for g in load_gold_dir(folder, splits=("dev", "test", "sealed"))]


def read_jsonl(path: str | Path) -> list[Example]:
    """The plain interchange format: one document per line, {"id", "text", "spans": [...]}."""
    out = []
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                d = json.loads(line)
                text = d["text"]
                spans = [(int(s["start"]), int(s["end"]), str(s["label"])) for s in d.get("spans", [])]
            except (ValueError, KeyError, TypeError) as e:
                raise ValueError(f"{path}:{n}: not an annotation line ({e})") from None
            ex = Example(str(d.get("id", f"{path.stem}-{n}")), text, drop_overlaps(spans), "jsonl")
            ex.check()
            out.append(ex)
    return out


def write_jsonl(examples, path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps({"id": ex.id, "text": ex.text, "spans": [
                {"start": a, "end": b, "label": lab, "text": ex.text[a:b]} for a, b, lab in ex.spans]},
                ensure_ascii=False) + "\n")


def weak_examples(paths: Sequence[str | Path], rules: SpanSource) -> list[Example]:
    """Unlabelled text files (or JSONL with 'text') labelled by the rules."""
    from xxgk.text import normalise_newlines

    out = []
    for p in paths:
        p = Path(p)
        if p.suffix == ".jsonl":
            for ex in read_jsonl(p):
                out.append(Example(ex.id, ex.text, weak_spans(ex.text, rules), "weak"))
        else:
            text = normalise_newlines(p.read_text(encoding="utf-8", errors="replace"))
            out.append(Example(p.stem, text, weak_spans(text, rules), "weak"))
    return out


# --------------------------------------------------------------------------------------------
# augmentation: edits that carry spans along
# --------------------------------------------------------------------------------------------


def apply_edits(ex: Example, edits, tag: str) -> Example:
    """edits: (pos, n_delete, insert) on ex.text, non-overlapping.  Spans are mapped through;
    a span whose characters are all deleted is dropped."""
    text = ex.text
    edits = sorted(edits, key=lambda e: (e[0], e[1]))
    parts = []
    newpos = [-1] * len(text)  # old offset → new offset of that character (-1: deleted)
    pos = 0
    out_len = 0
    for at, n_del, ins in edits:
        if at < pos:
            continue
        for i in range(pos, at):
            newpos[i] = out_len + (i - pos)
        parts.append(text[pos:at])
        out_len += at - pos
        parts.append(ins)
        out_len += len(ins)
        pos = at + n_del
    for i in range(pos, len(text)):
        newpos[i] = out_len + (i - pos)
    parts.append(text[pos:])
    new = "".join(parts)
    spans = []
    for a, b, lab in ex.spans:
        kept = [newpos[i] for i in range(a, b) if newpos[i] >= 0]
        if kept:
            spans.append((kept[0], kept[-1] + 1, lab))
    return Example(ex.id + "~" + tag, new, drop_overlaps(spans), ex.source + "+aug")


def _inside(spans, i, labels=LABELS) -> bool:
    return any(a < i < b and lab in labels for a, b, lab in spans)


def aug_wrap(ex: Example, rng: random.Random) -> Example:
    """Hard-wrap lines at a fixed width (as scraped pages do); a wrap may fall inside a span."""
    width = rng.choice([30, 40, 50, 60, 60, 70])
    edits = []
    col = 0
    for i, ch in enumerate(ex.text):
        if ch == "\n":
            col = 0
            continue
        col += 1
        if col >= width and i + 1 < len(ex.text) and ex.text[i + 1] != "\n":
            if not _inside(ex.spans, i + 1, ("COUNT", "TOTAL", "CATEGORY")) or rng.random() < 0.3:
                edits.append((i + 1, 0, "\n"))
                col = 0
    return apply_edits(ex, edits, "wrap")


def aug_glue(ex: Example, rng: random.Random) -> Example:
    """Join section headers to the line before and/or the body after (bodies on one line)."""
    edits = []
    text = ex.text
    for a, b, lab in ex.spans:
        if lab != "SECTION":
            continue
        if rng.random() < 0.6:  # glue the body: delete the line break(s) after the header
            j = b
            while j < len(text) and text[j] in "\n \t\u3000":
                j += 1
            if j > b:
                edits.append((b, j - b, rng.choice(["", "", " "])))
        if rng.random() < 0.4:  # glue to the previous line
            j = a
            while j > 0 and text[j - 1] in "\n \t\u3000":
                j -= 1
            if j < a and j > 0:
                edits.append((j, a - j, rng.choice(["", " "])))
    return apply_edits(ex, edits, "glue")


def _s2t_table() -> dict:
    from xxgk.text import opencc_char_table

    return opencc_char_table("STCharacters")


def aug_traditional(ex: Example, rng: random.Random) -> Example:
    """Simplified → traditional, character for character (offsets unchanged)."""
    table = _s2t_table()
    if not table:
        return ex
    return Example(ex.id + "~trad", ex.text.translate(table), list(ex.spans), ex.source + "+aug")


JUNK = ["足彩app", "澳门", "(zhèng)", "(fǔ)", "[广告]", "★", "www.xx.cn", "↑", "点击", "返回顶部", "打印本页 关闭窗口",
        "【字体：大 中 小】", "分享到：", "扫一扫在手机打开当前页", "|", "||||", "(xìn)", "彩票", "棋牌"]
CHROME = ["索引号：11410000MB0000000X/2022-00001", "发布机构：人民政府办公室", "打印本页 关闭窗口",
          "【字体：大 中 小】", "分享到：", "来源：本网", "浏览次数：", "首页 > 政务公开 > 政府信息公开年报",
          "您当前的位置：首页 > 信息公开 > 年度报告", "扫一扫在手机打开当前页"]


def aug_junk(ex: Example, rng: random.Random) -> Example:
    """Inject spam words (also inside headers, as mirror sites do) and page chrome lines."""
    edits = []
    text = ex.text
    n = max(1, len(text) // 400)
    for _ in range(n):
        i = rng.randrange(0, len(text) + 1)
        if _inside(ex.spans, i, ("COUNT", "TOTAL", "CATEGORY")):
            continue
        edits.append((i, 0, rng.choice(JUNK)))
    for a, b, lab in ex.spans:
        if lab == "SECTION" and b - a > 4 and rng.random() < 0.25:
            edits.append((rng.randrange(a + 2, b - 1), 0, rng.choice(JUNK[:6])))
    if rng.random() < 0.5:
        lines = [m.start() for m in re.finditer(r"^", text, re.M)]
        for _ in range(rng.randint(1, 3)):
            i = rng.choice(lines)
            edits.append((i, 0, rng.choice(CHROME) + "\n"))
    # edits at the same position: keep the first
    seen, uniq = set(), []
    for e in sorted(edits):
        if e[0] not in seen:
            seen.add(e[0])
            uniq.append(e)
    return apply_edits(ex, uniq, "junk")


def aug_cut(ex: Example, rng: random.Random) -> Example:
    """Cut the page off (as `pages/` are, after ~2,000 bytes), possibly inside a span; sometimes
    inside a header on purpose.  A header cut after its enumerator and two characters stays a
    header, labelled as far as it goes (annotations/GUIDE.md); a cut count or category is dropped."""
    if len(ex.text) < 200:
        return ex
    end = rng.randrange(len(ex.text) // 3, len(ex.text))
    heads = [(a, b) for a, b, lab in ex.spans if lab == "SECTION" and a >= len(ex.text) // 3 and b - a >= 6]
    if heads and rng.random() < 0.3:
        a, b = rng.choice(heads)
        end = rng.randrange(a + 4, b)
    spans = []
    for a, b, lab in ex.spans:
        if b <= end:
            spans.append((a, b, lab))
        elif lab == "SECTION" and a < end and end - a >= 4:
            spans.append((a, end, lab))
    return Example(ex.id + "~cut", ex.text[:end], spans, ex.source + "+aug")


def aug_spaces(ex: Example, rng: random.Random) -> Example:
    """Full-width spaces/indents and spaced-out numbers as some pages have."""
    edits = []
    for m in re.finditer(r"\n", ex.text):
        if rng.random() < 0.3:
            edits.append((m.end(), 0, rng.choice(["\u3000\u3000", "  ", "\t"])))
    for a, b, lab in ex.spans:
        if lab in ("COUNT", "TOTAL") and rng.random() < 0.3:
            d = re.search(r"\d(?=\D)", ex.text[a:b])
            if d:
                edits.append((a + d.end(), 0, " "))
    return apply_edits(ex, edits, "space")


AUGMENTERS = {"wrap": aug_wrap, "glue": aug_glue, "traditional": aug_traditional, "junk": aug_junk,
              "cut": aug_cut, "spaces": aug_spaces}


def augment(ex: Example, rng: random.Random, names=tuple(AUGMENTERS), k: int = 2) -> Example:
    """Apply k randomly chosen augmenters in turn."""
    out = ex
    for name in rng.sample(list(names), min(k, len(names))):
        out = AUGMENTERS[name](out, rng)
    return out


def region_examples(ex: Example, hints_from: SpanSource | None = None) -> list[Example]:
    """Header candidate lines on their own, as the pipeline sends them to the model (one short
    region per line: `conventions.header_lines`); with `hints_from`, each line carries the rules'
    spans read over the whole document (as the pipeline computes them)."""
    out = []
    parent_hints = None
    for a, b in header_lines(ex.text):
        line = ex.text[a:b]
        spans = [(x - a, y - a, lab) for x, y, lab in ex.spans if a <= x and y <= b]
        hints = None
        if hints_from is not None:  # the pipeline reads the rules over the whole document, then tags the line
            if parent_hints is None:
                parent_hints = hints_from.spans(ex.text)
            hints = [Span(s.start - a, s.end - a, s.label, s.score, s.method) for s in parent_hints
                     if a <= s.start and s.end <= b]
        out.append(Example(f"{ex.id}@{a}", line, spans, ex.source + "+line", hints))
    return out


# --------------------------------------------------------------------------------------------
# all the training data of a config
# --------------------------------------------------------------------------------------------


def collect_data(cfg: TrainConfig, rules: SpanSource, log: Callable[[str], Any] = print):
    """→ (train examples, dev golds, test golds, data description with hashes).  `rules` fill the label
    groups a fixture did not check, label the `weak` files, and give header lines their hints."""
    from xxgk.gold import load_gold_dir

    dc = cfg.data
    seed = cfg.train.seed
    rng = random.Random(seed)
    ann = cfg.resolve(dc.annotations) if dc.annotations else None
    golds = load_gold_dir(ann) if ann and ann.exists() else []
    if {"test", "sealed", dc.test_split} & set(dc.train_splits):
        raise TrainError("the test and sealed splits are never trained on")
    dev = [g for g in golds if g.split == dc.dev_split]
    test = [g for g in golds if g.split == dc.test_split]
    sealed = [g for g in golds if g.split == "sealed"]
    guard = LeakGuard([g.text for g in dev + test + sealed])
    base: list[Example] = []
    if ann and ann.exists():
        base += gold_examples(ann, splits=tuple(dc.train_splits), rules=rules)
    for p in dc.jsonl:
        base += read_jsonl(cfg.resolve(p))
    weak_paths: list[str | Path] = []
    for pat in dc.weak:
        q = cfg.resolve(pat)
        weak_paths += sorted(q.parent.glob(q.name)) if any(ch in q.name for ch in "*?[") else [q]
    base += weak_examples(weak_paths, rules)
    kept: list[Example] = []
    dropped: list[Example] = []
    for ex in base:
        (dropped if guard.leaks(ex.text) else kept).append(ex)
    for ex in dropped:
        log(f"  refused {ex.id} ({ex.source}): its text overlaps a dev/test fixture")
    from xxgk.tagger.synth import synth_examples

    synth = synth_examples(int(dc.synthetic), seed=seed) if dc.synthetic else []
    examples = list(kept)
    for _k in range(int(dc.augment_copies)):
        for ex in kept:
            examples.append(augment(ex, rng, dc.augmenters, dc.augment_k))
    for ex in synth:
        examples.append(ex if rng.random() < 0.5 else augment(ex, rng, dc.augmenters, 1))
    if dc.header_lines:  # header candidate lines alone, as the pipeline's regions are
        hints_from = rules if cfg.model.features == "rules" else None
        lines = [r for ex in kept + synth[: len(synth) // 2] for r in region_examples(ex, hints_from)]
        examples += lines
    for ex in examples:
        ex.check()
    h = hashlib.sha256()
    for ex in kept:
        h.update(ex.id.encode() + b"\0" + ex.text.encode() + json.dumps(ex.spans).encode())
    desc: dict[str, Any] = {
        "sources": {src: sum(1 for e in kept if e.source == src) for src in sorted({e.source for e in kept})},
        "train_docs": [e.id for e in kept], "refused": [e.id for e in dropped],
        "synthetic": len(synth), "augment_copies": int(dc.augment_copies), "examples": len(examples),
        "train_hash": h.hexdigest(),
        "dev_docs": len(dev), "test_docs": len(test),
        "dev_hash": _golds_hash(dev), "test_hash": _golds_hash(test),
        "span_counts": {lab: sum(1 for e in kept for s in e.spans if s[2] == lab) for lab in LABELS},
    }
    return examples, dev, test, desc


def _golds_hash(golds) -> str:
    h = hashlib.sha256()
    for g in sorted(golds, key=lambda g: g.doc_id):
        h.update(g.doc_id.encode() + g.text.encode() + json.dumps([s.to_json() for s in g.spans]).encode())
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# token windows and the datasets.Dataset
# --------------------------------------------------------------------------------------------


def encode_example(tokenizer: Any, ex: Example, tag2id: dict, max_length: int, stride: int,
                   cls_id: int, sep_id: int, features: SpanSource | None = None, feature_dropout: float = 0.0,
                   rng: random.Random | None = None) -> list[dict]:
    """Token windows of one example: input_ids (with CLS/SEP), labels (-100 on CLS/SEP) and, with
    `features` (the rules), token_type_ids = the rules' tags on the same tokens (all O in a share
    `feature_dropout` of windows, so the model also learns to read text the rules miss)."""
    enc = tokenizer.encode(ex.text, add_special_tokens=False)
    offs = trim_offsets(ex.text, enc.offsets)
    tags = project_spans(offs, ex.spans, tag2id)
    feats = None
    if features is not None:
        feats = feature_ids(offs, ex.hints if ex.hints is not None else features.spans(ex.text), tag2id)
    rows = []
    for a, b in windows(len(enc.ids), max_length - 2, stride):
        labels = [-100] + [t if offs[i][1] > offs[i][0] else -100 for i, t in zip(range(a, b), tags[a:b])] + [-100]
        # a window starting inside a span: its first token is I- (keep), decoding is lenient
        row = {"input_ids": [cls_id] + list(enc.ids[a:b]) + [sep_id], "labels": labels,
               "doc": ex.id, "source": ex.source, "has_span": any(t > 0 for t in tags[a:b])}
        if feats is not None:
            drop = feature_dropout > 0 and (rng or random).random() < feature_dropout
            row["token_type_ids"] = [0] * (b - a + 2) if drop else [0] + feats[a:b] + [0]
        rows.append(row)
    return rows


def build_dataset(tokenizer: Any, examples: Sequence[Example], tags: Sequence[str], max_length: int, stride: int,
                  cls_id: int, sep_id: int, keep_empty: float = 1.0, seed: int = 0,
                  features: SpanSource | None = None, feature_dropout: float = 0.0) -> Any:
    """A `datasets.Dataset` of token windows; windows without any span are kept with probability
    `keep_empty` (tables and boilerplate dominate reports).  `features`: the rules, for a model that
    reads their tags."""
    from datasets import Dataset

    tag2id = {t: i for i, t in enumerate(tags)}
    rng = random.Random(seed)
    frng = random.Random(seed + 1)
    rows = []
    for ex in examples:
        for r in encode_example(tokenizer, ex, tag2id, max_length, stride, cls_id, sep_id, features,
                                feature_dropout, frng):
            if r["has_span"] or rng.random() < keep_empty:
                rows.append(r)
    if not rows:
        raise ValueError("no training windows")
    return Dataset.from_list(rows)


def default_tags() -> list[str]:
    return bio_tags(LABELS)
