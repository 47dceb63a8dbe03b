"""Import span annotations from labelling tools into the plain JSONL format.

Plain format (one document per line):
    {"id": "...", "text": "...", "spans": [{"start": 0, "end": 6, "label": "SECTION", "text": "一、总体情况"}]}
Offsets are Python string (code point) offsets, `end` exclusive.

Readers:
  - Label Studio full JSON export (a list of tasks with `data` and `annotations[].result[]`);
  - Label Studio JSON_MIN export (a list of flat objects: the text plus a list of
    {start, end, text, labels});
  - doccano JSONL (`label` / `labels` as [start, end, label] triples, or `entities` with
    start_offset / end_offset).
Label Studio measures offsets in UTF-16 code units (JavaScript strings), so a character outside
the Basic Multilingual Plane (𠮷, emoji) counts twice; offsets are converted, and every span is
checked against the text it claims where the export gives it.
"""

from __future__ import annotations

import json
from pathlib import Path

from xxgk.spans import LABELS

FORMATS = ("labelstudio", "labelstudio-min", "doccano", "auto")


class ImportError_(ValueError):
    """An export that cannot be read (the message names the file and item)."""


# --------------------------------------------------------------------------------------------
# UTF-16 offsets
# --------------------------------------------------------------------------------------------


def utf16_to_cp(text: str) -> list[int]:
    """Table: UTF-16 offset → code point offset (length = UTF-16 length + 1)."""
    table = []
    for i, ch in enumerate(text):
        table.append(i)
        if ord(ch) > 0xFFFF:
            table.append(i + 1)  # the low surrogate: an offset inside the character rounds up
    table.append(len(text))
    return table


def cp_to_utf16(text: str, i: int) -> int:
    return i + sum(1 for ch in text[:i] if ord(ch) > 0xFFFF)


def has_astral(text: str) -> bool:
    return any(ord(ch) > 0xFFFF for ch in text)


def fix_offsets(text: str, a: int, b: int, claimed: str | None, mode: str, where: str) -> tuple[int, int]:
    """Code point offsets for a span given in `mode` ('utf16' | 'codepoints' | 'auto'), verified
    against `claimed` text when the export carries it."""
    cands = []
    if mode in ("utf16", "auto") and has_astral(text):
        t = utf16_to_cp(text)
        if 0 <= a <= b < len(t):
            cands.append((t[a], t[b]))
    if mode in ("codepoints", "auto") or not has_astral(text):
        cands.append((a, b))
    for ca, cb in cands:
        if 0 <= ca < cb <= len(text) and (claimed is None or text[ca:cb] == claimed):
            return ca, cb
    if claimed:  # offsets off: the nearest occurrence of the claimed text
        hits = []
        pos = text.find(claimed)
        while pos >= 0:
            hits.append(pos)
            pos = text.find(claimed, pos + 1)
        if hits:
            best = min(hits, key=lambda h: abs(h - a))
            return best, best + len(claimed)
    raise ImportError_(f"{where}: span {a}:{b} {claimed!r} does not fit the text")


# --------------------------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------------------------


def _doc(doc_id, text, spans, where, stats) -> dict:
    out = []
    for a, b, lab, claimed, mode in spans:
        lab = str(lab).upper()
        if lab not in LABELS:
            stats["unknown_labels"][lab] = stats["unknown_labels"].get(lab, 0) + 1
            continue
        ca, cb = fix_offsets(text, int(a), int(b), claimed, mode, f"{where} ({lab})")
        out.append({"start": ca, "end": cb, "label": lab, "text": text[ca:cb]})
    out.sort(key=lambda s: (s["start"], s["end"]))
    return {"id": str(doc_id), "text": text, "spans": out}


def _task_text(data: dict, where: str) -> str:
    if isinstance(data.get("text"), str):
        return data["text"]
    for v in data.values():
        if isinstance(v, str) and len(v) > 0:
            return v
    raise ImportError_(f"{where}: no text in the task data")


def read_labelstudio(items: list, where: str, stats: dict) -> list[dict]:
    """Full JSON export: tasks with annotations (the last non-cancelled one is used)."""
    docs = []
    for k, task in enumerate(items):
        w = f"{where}[{k}]"
        if not isinstance(task, dict) or "data" not in task:
            raise ImportError_(f"{w}: not a Label Studio task")
        text = _task_text(task["data"], w)
        anns = [a for a in task.get("annotations") or task.get("completions") or [] if not a.get("was_cancelled")]
        if not anns:
            stats["unannotated"] += 1
            continue
        ann = max(anns, key=lambda a: (a.get("updated_at") or a.get("created_at") or "", a.get("id") or 0))
        spans = []
        for r in ann.get("result", []):
            v = r.get("value", {})
            labs = v.get("labels") or v.get("hypertextlabels") or []
            if "start" not in v or "end" not in v or not labs:
                continue
            for lab in labs:
                spans.append((v["start"], v["end"], lab, v.get("text"), "auto"))
        doc_id = task["data"].get("doc_id") or task["data"].get("id") or task.get("id") or k
        docs.append(_doc(doc_id, text, spans, w, stats))
    return docs


def read_labelstudio_min(items: list, where: str, stats: dict) -> list[dict]:
    """JSON_MIN export: flat objects; the span list is any list of {start, end, labels}."""
    docs = []
    for k, obj in enumerate(items):
        w = f"{where}[{k}]"
        if not isinstance(obj, dict):
            raise ImportError_(f"{w}: not a JSON_MIN item")
        text = obj.get("text")
        if not isinstance(text, str):
            raise ImportError_(f"{w}: no 'text'")
        spans = []
        for _key, val in obj.items():
            if isinstance(val, list) and val and all(isinstance(x, dict) and "start" in x and "end" in x for x in val):
                for x in val:
                    for lab in x.get("labels") or ([x["label"]] if "label" in x else []):
                        spans.append((x["start"], x["end"], lab, x.get("text"), "auto"))
        docs.append(_doc(obj.get("doc_id") or obj.get("id") or k, text, spans, w, stats))
    return docs


def read_doccano(lines: list[dict], where: str, stats: dict, offsets: str = "codepoints") -> list[dict]:
    docs = []
    for k, obj in enumerate(lines):
        w = f"{where}:{k + 1}"
        text = obj.get("text") if isinstance(obj, dict) else None
        if not isinstance(text, str):
            raise ImportError_(f"{w}: no 'text'")
        spans = []
        for key in ("label", "labels"):
            for x in obj.get(key) or []:
                if isinstance(x, (list, tuple)) and len(x) >= 3:
                    spans.append((x[0], x[1], x[2], None, offsets))
        for x in obj.get("entities") or []:
            spans.append((x["start_offset"], x["end_offset"], x["label"], None, offsets))
        docs.append(_doc(obj.get("doc_id") or obj.get("id") or k, text, spans, w, stats))
    return docs


def detect_format(path: Path) -> str:
    raw = path.read_text(encoding="utf-8").lstrip()
    if raw.startswith("["):
        items = json.loads(raw)
        first = items[0] if items else {}
        return "labelstudio" if isinstance(first, dict) and "data" in first else "labelstudio-min"
    return "doccano"


def import_file(path: str | Path, fmt: str = "auto", offsets: str | None = None) -> tuple[list[dict], dict]:
    """→ (documents in the plain format, stats)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ImportError_(f"format must be one of {FORMATS}")
    if fmt == "auto":
        fmt = detect_format(path)
    stats: dict = {"format": fmt, "unannotated": 0, "unknown_labels": {}}
    where = str(path)
    try:
        if fmt == "doccano":
            lines = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
            docs = read_doccano(lines, where, stats, offsets or "codepoints")
        else:
            items = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(items, dict):
                items = [items]
            docs = (read_labelstudio if fmt == "labelstudio" else read_labelstudio_min)(items, where, stats)
    except json.JSONDecodeError as e:
        raise ImportError_(f"{where}: not valid JSON: {e}") from None
    stats["documents"] = len(docs)
    stats["spans"] = sum(len(d["spans"]) for d in docs)
    return docs, stats


def write_plain(docs: list[dict], output: str | Path) -> None:
    with Path(output).open("w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
