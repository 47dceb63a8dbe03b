"""Run each system over the gold documents and score them.

    golds, note = load_inputs("annotations/", splits=None)      # the test split by default
    ev = run(golds, systems=("rules", "model", "combined"))     # tagger loaded once, if any
    metrics = ev.metrics()                                      # the dict metrics.json holds

Each document is decoded once and extracted once per system; the time of `extract` is summed
per system (decoding is shared and not counted), so docs/s compares the systems on the same work.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from xxgk.gold import SPLITS, Gold, GoldError, load_gold, load_gold_dir, load_gold_jsonl
from xxgk.record import Record, failed_record
from xxgk.spans import System
from xxgk.evaluation import metrics as M
from xxgk.evaluation.compare import DocComparison, compare

SYSTEMS = tuple(s.value for s in System)
DEFAULT_SPLITS = ("test",)


class EvalInputError(ValueError):
    """Inputs that cannot be evaluated (bad path, bad gold, unknown split or system)."""


def parse_splits(spec: str | None) -> tuple[str, ...] | None:
    """'all' → None (every split); 'dev,test' → ('dev', 'test'); None → None."""
    if spec is None:
        return None
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts or parts == ["all"]:
        return None
    bad = [p for p in parts if p not in SPLITS]
    if bad:
        raise EvalInputError(f"unknown split(s) {bad}: use {', '.join(SPLITS)} or all")
    return tuple(parts)


def load_inputs(path: str | Path, splits: str | None = None) -> tuple[list[Gold], str]:
    """Gold documents from an annotations folder (default: test split), a gold JSON or a JSONL.

    Returns the golds and a line that says what was loaded (printed and kept in metrics.json).
    """
    path = Path(path)
    if not path.exists():
        raise EvalInputError(f"{path}: no such file or folder")
    try:
        if path.is_dir():
            gold_dir = path / "gold" if (path / "gold").is_dir() else path
            if not any(gold_dir.glob("*.json")):
                raise EvalInputError(f"{path}: no gold files (expected gold/*.json)")
            chosen = parse_splits(splits) if splits is not None else DEFAULT_SPLITS
            golds = load_gold_dir(path, chosen)
            which = "all splits" if chosen is None else "split " + ",".join(chosen)
            default = "" if splits is not None else " (the default; --splits all|dev,test|… to change)"
            note = f"{path}: {which}{default}, {len(golds)} documents"
        elif path.suffix.lower() in (".jsonl", ".ndjson"):
            chosen = parse_splits(splits)
            golds = load_gold_jsonl(path)
            if chosen is not None:
                golds = [g for g in golds if g.split in chosen]
            note = f"{path}: {'all lines' if chosen is None else 'split ' + ','.join(chosen)}, {len(golds)} documents"
        else:
            chosen = parse_splits(splits)
            golds = [load_gold(path)]
            if chosen is not None:
                golds = [g for g in golds if g.split in chosen]
            note = f"{path}: {len(golds)} document"
    except GoldError as e:
        raise EvalInputError(str(e)) from None
    if not golds:
        raise EvalInputError(f"{path}: no documents in the chosen split(s)")
    return golds, note


def parse_systems(spec: str | None) -> tuple[str, ...]:
    if not spec:
        return SYSTEMS
    parts = tuple(dict.fromkeys(p.strip() for p in spec.split(",") if p.strip()))
    bad = [p for p in parts if p not in SYSTEMS]
    if bad or not parts:
        raise EvalInputError(f"unknown system(s) {bad}: use {', '.join(SYSTEMS)}")
    return parts


@dataclass
class SystemRun:
    name: str
    records: dict[str, Record] = field(default_factory=dict)
    comparisons: dict[str, DocComparison] = field(default_factory=dict)
    seconds: float = 0.0
    per_doc_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Evaluation:
    golds: list[Gold]
    runs: dict[str, SystemRun]
    requested: tuple[str, ...]
    unavailable: dict[str, str] = field(default_factory=dict)
    model_info: dict | None = None
    model_load_seconds: float | None = None
    input_note: str = ""
    input_path: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    torch_threads: int | None = None
    extractors: dict = field(default_factory=dict)  # name → fn(gold, decoded) → Record, as run
    robustness: dict | None = None  # robustness.run_forms(...) when asked for

    @property
    def primary(self) -> str:
        """The system the gate and the worst-document views look at: combined, else the last run."""
        if System.COMBINED in self.runs:
            return System.COMBINED.value
        return list(self.runs)[-1]

    def metrics(self) -> dict:
        from xxgk.evaluation.report import build_metrics

        return build_metrics(self)


def _decode(g: Gold):
    from xxgk.inputs.reading import Decoded, InputItem, load_item

    if g.doc is not None:
        item = InputItem(doc_id=g.doc_id, source=str(g.doc), path=str(g.doc), suffix=g.doc.suffix.lower())
        dec = load_item(item)
        if dec.text != g.text:  # the gold offsets point into g.text: never score against other text
            dec = Decoded(text=g.text, sha256=dec.sha256, warnings=dec.warnings, html_spans=dec.html_spans,
                          kind=dec.kind)
        return dec
    import hashlib

    return Decoded(text=g.text, sha256=hashlib.sha256(g.text.encode("utf-8")).hexdigest())


Extractor = Callable[[Gold, object], Record]


def system_extractor(name: str, tagger=None) -> Extractor:
    from xxgk.pipeline import extract

    system = System.parse(name)

    def run_one(g: Gold, dec) -> Record:
        return extract(dec, g.doc_id, str(g.doc) if g.doc else f"{g.path}#{g.doc_id}",
                       tagger=tagger if system.uses_model else None, system=system)

    return run_one


def load_model(model_path: str | Path | None) -> tuple[object | None, str | None, float]:
    """(tagger, why unavailable, load seconds)."""
    t0 = time.perf_counter()
    try:
        from xxgk.tagger import TaggerUnavailable, load_tagger
    except ImportError as e:  # pragma: no cover - the tagger package is part of xxgk
        return None, f"tagger package cannot be imported: {e}", 0.0
    try:
        tagger = load_tagger(model_path)
    except TaggerUnavailable as e:
        return None, str(e), time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001 - a broken model is reported, never a crash
        return None, f"{type(e).__name__}: {e}", time.perf_counter() - t0
    return tagger, None, time.perf_counter() - t0


def run(golds: list[Gold], systems: tuple[str, ...] = SYSTEMS, model_path: str | Path | None = None,
        tagger=None, extractors: dict[str, Extractor] | None = None,
        progress: Callable[[str], None] | None = None, threads: int | None = None) -> Evaluation:
    """Extract every document once per system and compare with its gold.

    `extractors` (name → fn(gold, decoded) → Record) replaces the pipeline, for tests.
    `threads` sets torch's intra-op threads for the tagger (None: torch's default).
    """
    ev = Evaluation(golds=golds, runs={}, requested=tuple(systems))
    if extractors is None:
        extractors = {}
        needs_model = [s for s in systems if System.parse(s).uses_model]
        if needs_model and tagger is None:
            tagger, why, secs = load_model(model_path)
            if tagger is None:
                for s in needs_model:
                    ev.unavailable[s] = f"no tagger model ({why})"
            else:
                ev.model_load_seconds = M.r4(secs)
        if tagger is not None:
            info = dict(tagger.info)
            ev.model_info = {k: info.get(k) for k in ("name", "version", "path", "threshold", "quantization",
                                                      "runtime_quantization", "device", "created", "config_hash")
                             if k in info}
        for s in systems:
            if s not in ev.unavailable:
                extractors[s] = system_extractor(s, tagger)
    ev.extractors = dict(extractors)
    for s in extractors:
        ev.runs[s] = SystemRun(name=s)
    torch = sys.modules.get("torch") if tagger is not None else None
    before = torch.get_num_threads() if torch is not None else None
    try:
        if torch is not None:
            if threads:
                torch.set_num_threads(int(threads))
            ev.torch_threads = torch.get_num_threads()
        _extract_all(ev, golds, extractors, progress)
    finally:
        if torch is not None and threads:
            torch.set_num_threads(before)  # leave torch as we found it
    return ev


def add_robustness(ev: Evaluation, forms=None, seed: int = 0, progress=None) -> dict:
    """Score the systems of `ev` on its fixtures re-served in damaged forms (robustness.py)."""
    from xxgk.evaluation.robustness import run_forms

    clean = {s: [r.comparisons[g.doc_id] for g in ev.golds] for s, r in ev.runs.items()}
    ev.robustness = run_forms(ev.golds, ev.extractors, clean, forms=forms, seed=seed, progress=progress)
    return ev.robustness


def _extract_all(ev: Evaluation, golds: list[Gold], extractors: dict[str, Extractor], progress) -> None:
    for i, g in enumerate(golds):
        dec = _decode(g)
        ev.texts[g.doc_id] = g.text
        for s, fn in extractors.items():
            run_ = ev.runs[s]
            err = None
            t0 = time.perf_counter()
            try:
                rec = fn(g, dec)
            except Exception as e:  # noqa: BLE001 - one document must not stop the evaluation
                err = f"{type(e).__name__}: {e}"
                rec = failed_record(g.doc_id, str(g.doc), [f"evaluation: the system raised {err}"])
            dt = time.perf_counter() - t0
            run_.seconds += dt
            run_.per_doc_seconds[g.doc_id] = dt
            run_.records[g.doc_id] = rec
            run_.comparisons[g.doc_id] = compare(g, rec, error=err)
        if progress:
            progress(f"{i + 1}/{len(golds)} {g.doc_id}")
