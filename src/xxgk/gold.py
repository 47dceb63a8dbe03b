"""Hand-labelled fixtures: load, validate and resolve them (format in annotations/GUIDE.md).

A fixture is `annotations/gold/<doc_id>.json`: the document it labels (a file under
`annotations/docs/`), a gold record holding only the keys a person checked, and span labels
for the tagger.  Sections and narrative counts of the gold record are derived from the
SECTION / COUNT / TOTAL / CATEGORY spans, so each fact is labelled once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from xxgk.kinds import KIND_NAMES
from xxgk.record import SECTION_KEYS, NarrativeCount, Record, Section

SPAN_LABELS = ("SECTION", "COUNT", "TOTAL", "CATEGORY")
# sealed: real reports no rule or model decision was tuned on (see annotations/README.md)
SPLITS = ("train", "dev", "test", "sealed")
GOLD_KEYS = ("format", "status", "meta", "sections", "active_disclosure", "applications", "review_litigation",
             "narrative", "checks")


class GoldError(ValueError):
    """A gold file that does not validate; the message names the file."""


@dataclass
class Span:
    start: int
    end: int
    label: str
    text: str = ""
    number: int | None = None  # SECTION: which of the six standard sections
    value: float | None = None  # COUNT/TOTAL: override when the text does not parse plainly
    kind: str | None = None  # COUNT/TOTAL: the normalised kind of the count (xxgk.kinds.KIND_NAMES)

    def to_json(self) -> dict:
        d = {"label": self.label, "start": self.start, "end": self.end, "text": self.text}
        if self.number is not None:
            d["number"] = self.number
        if self.value is not None:
            d["value"] = self.value
        if self.kind is not None:
            d["kind"] = self.kind
        return d


@dataclass
class Gold:
    doc_id: str
    path: Path  # the gold file
    doc: Path | None  # the labelled document (None: the text was given inline)
    text: str  # normalised text of the document (what offsets point into)
    split: str
    checked: list[str]
    record: dict
    spans: list[Span]
    inconsistencies: list[str] = field(default_factory=list)
    origin: str = ""
    notes: str = ""
    spans_only: bool = False  # a plain span line ({"id", "text", "spans"}): only spans are scored

    def sections(self) -> list[Section]:
        out = []
        for s in sorted(self.spans, key=lambda s: s.start):
            if s.label == "SECTION" and s.number:
                out.append(Section(number=s.number, key=SECTION_KEYS[s.number - 1], title=s.text, start=s.start,
                                   end=s.end, method="rule", confidence=1.0))
        return out

    def narrative(self) -> list[NarrativeCount]:
        from xxgk.conventions import link_counts
        from xxgk.spans import Span as TypedSpan
        from xxgk.spans import as_label

        return link_counts(self.text, [TypedSpan(s.start, s.end, as_label(s.label), value=s.value) for s in self.spans])

    def kinds(self) -> dict[int, str]:
        """The labelled `kind` of each count, by the count's start offset (counts without one are absent)."""
        return {s.start: s.kind for s in self.spans if s.label in ("COUNT", "TOTAL") and s.kind is not None}

    def narrative_with_kinds(self) -> list[NarrativeCount]:
        """`narrative()` with each item's gold `kind` set from its COUNT/TOTAL span (null where unlabelled)."""
        kinds = self.kinds()
        items = self.narrative()
        for n in items:
            n.kind = kinds.get(n.start)
        return items



def resolve_spans(text: str, spans: list[dict], where: str = "") -> list[dict]:
    """Fill start/end of spans given by text (+ optional `occurrence` or `after` context)."""
    out = []
    for i, sp in enumerate(spans):
        sp = dict(sp)
        if "start" not in sp or "end" not in sp:
            needle = sp.get("text")
            if not needle:
                raise GoldError(f"{where}: span {i} has neither offsets nor text")
            pos = 0
            if sp.get("after"):
                a = text.find(sp["after"])
                if a < 0:
                    raise GoldError(f"{where}: span {i}: context {sp['after']!r} not in text")
                pos = a + len(sp["after"]) if sp.get("after_end", True) else a
            k = int(sp.get("occurrence", 1))
            idx = -1
            for _ in range(k):
                idx = text.find(needle, pos)
                if idx < 0:
                    raise GoldError(f"{where}: span {i}: {needle!r} (occurrence {k}) not in text")
                pos = idx + 1
            sp["start"], sp["end"] = idx, idx + len(needle)
        sp.pop("occurrence", None)
        sp.pop("after", None)
        sp.pop("after_end", None)
        out.append(sp)
    return out


def read_doc_text(doc: Path) -> str:
    from xxgk.inputs.reading import InputItem, load_item

    item = InputItem(doc_id=doc.stem, source=str(doc), path=str(doc), suffix=doc.suffix.lower())
    return load_item(item).text


def load_gold(path: str | Path, text_cache: dict | None = None) -> Gold:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise GoldError(f"{path}: cannot read gold JSON: {e}") from None
    if not isinstance(raw, dict):
        raise GoldError(f"{path}: gold file must hold a JSON object")
    return gold_from_dict(raw, str(path), base=path.parent.parent, path=path, text_cache=text_cache)


def gold_from_dict(raw: dict, where: str, base: Path, path: Path | None = None, text_cache: dict | None = None,
                   require_split: bool = True, allow_spans_only: bool = False) -> Gold:
    """One gold object (a gold file's content or a JSONL line) → Gold; GoldError naming `where`.

    The document is `doc` (relative to `base`) or the inline normalised `text`.  Without `record`,
    `{"id", "text", "spans": [...]}` is the plain span format: spans only (any label), nothing else
    is scored (accepted where `allow_spans_only`: JSONL lines).
    """
    path = Path(path) if path is not None else Path(where)
    if allow_spans_only and "record" not in raw and "spans" in raw and ("text" in raw or "doc" in raw):
        return _spans_only(raw, where, base, path, text_cache)
    if "doc_id" not in raw and "id" in raw:
        raw = {**raw, "doc_id": str(raw["id"])}
    required = ("doc_id", "split", "record") if require_split else ("doc_id", "record")
    for key in required:
        if key not in raw:
            raise GoldError(f"{where}: missing key '{key}'")
    if "doc" not in raw and "text" not in raw:
        raise GoldError(f"{where}: missing key 'doc' (or an inline 'text')")
    split = raw.get("split", "test")
    if split not in SPLITS:
        raise GoldError(f"{where}: split must be one of {SPLITS}, not {split!r}")
    if not isinstance(raw["record"], dict):
        raise GoldError(f"{where}: 'record' must be an object")
    doc, text = _gold_text(raw, where, base, text_cache)
    checked = raw.get("checked") or [k for k in GOLD_KEYS if k in raw["record"]]
    if not isinstance(checked, list):
        raise GoldError(f"{where}: 'checked' must be a list of record keys")
    bad = [k for k in checked if k not in GOLD_KEYS]
    if bad:
        raise GoldError(f"{where}: unknown checked keys {bad}")
    _validate_record(where, raw["record"])
    incons = raw.get("inconsistencies", [])
    if not isinstance(incons, list) or not all(isinstance(x, str) for x in incons):
        raise GoldError(f"{where}: 'inconsistencies' must be a list of check rule names")
    spans = _read_spans(raw.get("spans", []), text, where, labels=SPAN_LABELS)
    return Gold(doc_id=str(raw["doc_id"]), path=path, doc=doc, text=text, split=split, checked=checked,
                record=raw["record"], spans=spans, inconsistencies=list(incons),
                origin=raw.get("origin", ""), notes=raw.get("notes", ""))


def _gold_text(raw: dict, where: str, base: Path, text_cache: dict | None) -> tuple[Path | None, str]:
    if "doc" in raw:
        if not isinstance(raw["doc"], str) or not raw["doc"]:
            raise GoldError(f"{where}: 'doc' must be a path")
        doc = (base / raw["doc"]).resolve() if not Path(raw["doc"]).is_absolute() else Path(raw["doc"])
        if not doc.exists():
            raise GoldError(f"{where}: labelled document {raw['doc']} not found")
        try:
            key = str(doc)
            if text_cache is not None and key in text_cache:
                text = text_cache[key]
            else:
                text = read_doc_text(doc)
                if text_cache is not None:
                    text_cache[key] = text
        except Exception as e:
            raise GoldError(f"{where}: cannot read document {doc}: {e}") from None
        return doc, text
    if not isinstance(raw["text"], str) or not raw["text"]:
        raise GoldError(f"{where}: 'text' must be a non-empty string")
    return None, raw["text"]


def _read_spans(items, text: str, where: str, labels: tuple[str, ...] | None) -> list[Span]:
    if not isinstance(items, list):
        raise GoldError(f"{where}: 'spans' must be a list")
    spans = []
    for i, sp in enumerate(items):
        if isinstance(sp, (list, tuple)) and len(sp) >= 3 and labels is None:
            sp = {"start": sp[0], "end": sp[1], "label": sp[2]}
        if not isinstance(sp, dict) or "start" not in sp or "end" not in sp or "label" not in sp:
            raise GoldError(f"{where}: span {i} needs label/start/end (run `xxgk annotations resolve`)")
        if labels is not None and sp["label"] not in labels:
            raise GoldError(f"{where}: span {i} has unknown label {sp['label']!r}")
        if labels is None and (not isinstance(sp["label"], str) or not sp["label"]):
            raise GoldError(f"{where}: span {i} needs a label (a non-empty string)")
        try:
            a, b = int(sp["start"]), int(sp["end"])
        except (TypeError, ValueError):
            raise GoldError(f"{where}: span {i} offsets must be integers") from None
        if not (0 <= a < b <= len(text)):
            raise GoldError(f"{where}: span {i} offsets {a}:{b} outside the text (length {len(text)})")
        if "text" in sp and text[a:b] != sp["text"]:
            raise GoldError(f"{where}: span {i} text {sp['text']!r} != text slice {text[a:b]!r}")
        if sp["label"] == "SECTION" and labels is not None and sp.get("number") not in (1, 2, 3, 4, 5, 6):
            raise GoldError(f"{where}: SECTION span {i} needs number 1-6")
        kind = sp.get("kind")
        if kind is not None:
            if sp["label"] not in ("COUNT", "TOTAL"):
                raise GoldError(f"{where}: span {i} ({sp['label']}) has a kind; only COUNT/TOTAL spans take one")
            if kind not in KIND_NAMES:
                raise GoldError(f"{where}: span {i} has unknown kind {kind!r}; kinds: {', '.join(KIND_NAMES)} "
                                "(annotations/GUIDE.md, 'Kinds of narrative counts')")
        spans.append(Span(start=a, end=b, label=sp["label"], text=text[a:b], number=sp.get("number"),
                          value=sp.get("value"), kind=kind))
    spans.sort(key=lambda s: (s.start, s.end))
    for x, y in zip(spans, spans[1:]):
        if y.start < x.end:
            raise GoldError(f"{where}: spans overlap: {x.text!r}@{x.start} and {y.text!r}@{y.start}")
    return spans


def _spans_only(raw: dict, where: str, base: Path, path: Path, text_cache: dict | None) -> Gold:
    doc_id = raw.get("id", raw.get("doc_id"))
    if doc_id is None:
        raise GoldError(f"{where}: missing key 'id'")
    doc, text = _gold_text(raw, where, base, text_cache)
    spans = _read_spans(raw["spans"], text, where, labels=None)
    split = raw.get("split", "test")
    if split not in SPLITS:
        raise GoldError(f"{where}: split must be one of {SPLITS}, not {split!r}")
    return Gold(doc_id=str(doc_id), path=path, doc=doc, text=text, split=split, checked=[], record={},
                spans=spans, spans_only=True, notes=raw.get("notes", ""))


def load_gold_jsonl(path: str | Path, text_cache: dict | None = None) -> list[Gold]:
    """A JSONL of gold objects (`doc` relative to the JSONL's folder, or inline `text`) or plain span lines."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise GoldError(f"{path}: cannot read: {e}") from None
    out, seen = [], set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path} line {n}"
        try:
            raw = json.loads(line)
        except ValueError as e:
            raise GoldError(f"{where}: invalid JSON: {e}") from None
        if not isinstance(raw, dict):
            raise GoldError(f"{where}: each line must hold a JSON object")
        g = gold_from_dict(raw, where, base=path.parent, path=path, text_cache=text_cache, require_split=False,
                           allow_spans_only=True)
        if g.doc_id in seen:
            raise GoldError(f"{where}: duplicate id {g.doc_id!r}")
        seen.add(g.doc_id)
        out.append(g)
    if not out:
        raise GoldError(f"{path}: no gold lines")
    return out


def _validate_record(path, rec: dict) -> None:
    """The partial gold record must be a valid subset of a record."""
    probe = {"doc_id": "gold", "source": "gold", "status": rec.get("status", "ok")}
    for k, v in rec.items():
        if k in ("sections", "narrative"):
            raise GoldError(f"{path}: '{k}' is derived from spans; label SECTION/COUNT/CATEGORY spans instead")
        probe[k] = v
    try:
        Record.model_validate(probe)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise GoldError(f"{path}: record does not match the spec at {loc}: {first['msg']}") from None


def load_gold_dir(folder: str | Path, splits: tuple[str, ...] | None = None) -> list[Gold]:
    folder = Path(folder)
    gold_dir = folder / "gold" if (folder / "gold").is_dir() else folder
    files = sorted(gold_dir.glob("*.json"))
    cache: dict = {}
    out = [load_gold(f, cache) for f in files]
    if splits:
        out = [g for g in out if g.split in splits]
    return out


def resolve_file(path: str | Path) -> int:
    """Resolve text-given spans of one gold file in place; returns the number of spans."""
    path = Path(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    doc = path.parent.parent / raw["doc"]
    text = read_doc_text(doc)
    spans = resolve_spans(text, raw.get("spans", []), str(path))
    for sp in spans:
        sp["text"] = text[sp["start"]:sp["end"]]
    raw["spans"] = sorted(spans, key=lambda s: s["start"])
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    load_gold(path)  # validate
    return len(spans)
