"""Robustness: score the systems on the fixtures re-served in damaged forms (`perturb.FORMS`).

Each fixture's normalised text is written as a file in each form, read back through the ordinary
input path and extracted; the record is compared with the same gold. Offsets move under most forms
(a wrap adds line breaks, HTML drops chrome), so robustness is measured on what does not depend on
them, with the evaluation's own metrics (`metrics.py`):

  cells      table cell accuracy (CellScores)
  headers    F1 of the section numbers found per document (SectionScores `by_number`)
  narrative  F1 of (value, category) per document (NarrativeScores; categories folded, so a
             traditional-character copy matches)
  meta       accuracy of the meta fields (FieldScores over meta.*; titles folded the same way)

The drop of a form is clean minus form, in points (1 point = 0.01). The gate (`check`) fails when a
gated form (information-preserving, one damage: `perturb.PRESERVING`) drops more than the limit on
any of these; lossy and composite forms are reported only.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Callable

from xxgk.evaluation import metrics as M
from xxgk.evaluation.compare import compare
from xxgk.evaluation.perturb import FORMS, render

ROBUST_KEYS = ("cells", "headers", "narrative", "meta")
# CI limit: a gated form may cost at most half a point on any key (issue 12).
DEFAULT_MAX_DROP_POINTS = 0.5


def invariant_scores(comparisons) -> dict:
    """The offset-free scores of a list of DocComparison (one per document)."""
    cmps = list(comparisons)
    cell_docs = [c for c in cmps if c.cells is not None]
    cells = M.CellScores().compute([x for c in cell_docs for x in c.cells], [c.doc_id for c in cell_docs])
    sec = [c for c in cmps if c.gold_sections is not None]
    sections = M.SectionScores().compute([c.gold_sections for c in sec], [c.pred_sections for c in sec])
    nar = [c for c in cmps if c.gold_narrative is not None]
    narrative = M.NarrativeScores().compute([c.gold_narrative for c in nar], [c.pred_narrative for c in nar])
    meta = M.FieldScores().compute([f for c in cmps for f in c.fields if f[0].startswith("meta.")])
    return {"cells": cells["accuracy"], "headers": sections["by_number"]["f1"],
            "narrative": narrative["value_category"]["f1"], "meta": meta["accuracy"],
            "counts": {"cells": cells["cells"], "headers": sections["gold"], "narrative": narrative["gold"],
                       "meta": meta["fields"]}}


def _drop(clean: dict, got: dict) -> dict:
    out = {}
    for k in ROBUST_KEYS:
        a, b = clean.get(k), got.get(k)
        out[k] = None if a is None or b is None else M.r4(100 * (a - b))
    return out


def read_rendered(path: Path):
    """Read a rendered file through the ordinary input path (a JSONL gives its one line)."""
    from xxgk.inputs.reading import iter_inputs, load_item

    item = next(iter_inputs([str(path)]))
    return load_item(item)


def run_forms(golds, extractors: dict[str, Callable], clean: dict[str, list], forms=None, seed: int = 0,
              progress: Callable[[str], None] | None = None) -> dict:
    """Score every system on every form. `extractors`: name → fn(gold, decoded) → Record (as the
    evaluation runner's); `clean`: name → the system's DocComparisons on the documents as they are."""
    from xxgk.record import failed_record

    names = list(forms or FORMS)
    out: dict = {"forms": {n: {"description": FORMS[n].description, "lossy": FORMS[n].lossy,
                               "composite": FORMS[n].composite, "gated": FORMS[n].gated} for n in names},
                 "documents": len(golds), "seed": seed, "max_drop_points": DEFAULT_MAX_DROP_POINTS,
                 "keys": list(ROBUST_KEYS), "systems": {}}
    per_form: dict = {s: {n: [] for n in names} for s in extractors}
    raised: dict = {s: {n: 0 for n in names} for s in extractors}
    seconds: dict = {s: {n: 0.0 for n in names} for s in extractors}
    with tempfile.TemporaryDirectory(prefix="xxgk-robust-") as tmp:
        for i, g in enumerate(golds):
            for n in names:
                suffix, data = render(n, g.text, g.doc_id, seed)
                path = Path(tmp) / f"{g.doc_id}{suffix}"
                path.write_bytes(data)
                try:
                    dec = read_rendered(path)
                    read_error = None
                except Exception as e:  # noqa: BLE001 - a form the reader cannot take is a failed record
                    dec, read_error = None, f"{type(e).__name__}: {e}"
                for s, fn in extractors.items():
                    t0 = time.perf_counter()
                    err = read_error
                    if dec is not None:
                        try:
                            rec = fn(g, dec)
                        except Exception as e:  # noqa: BLE001
                            err = f"{type(e).__name__}: {e}"
                    if err:
                        raised[s][n] += 1
                        rec = failed_record(g.doc_id, str(path), [f"robustness ({n}): {err}"])
                    seconds[s][n] += time.perf_counter() - t0
                    per_form[s][n].append(compare(g, rec, error=err))
                path.unlink()
            if progress:
                progress(f"{i + 1}/{len(golds)} {g.doc_id}")
    for s in extractors:
        base = invariant_scores(clean[s])
        rows = {}
        for n in names:
            sc = invariant_scores(per_form[s][n])
            rows[n] = {"scores": sc, "drop": _drop(base, sc), "lossy": FORMS[n].lossy,
                       "composite": FORMS[n].composite, "gated": FORMS[n].gated, "raised": raised[s][n],
                       "seconds": M.r4(seconds[s][n]),
                       "documents_changed": [c.doc_id for c, b in zip(per_form[s][n], clean[s])
                                             if _doc_key(c) != _doc_key(b)]}
        worst = {}
        for k in ROBUST_KEYS:
            cand = [(rows[n]["drop"][k], n) for n in names if FORMS[n].gated and rows[n]["drop"][k] is not None]
            if cand:
                d, n = max(cand)
                worst[k] = {"form": n, "drop": d}
        out["systems"][s] = {"clean": base, "forms": rows, "worst_preserving": worst}
    return out


def _doc_key(c) -> tuple:
    """What a document's robustness scores depend on (to list documents a form changed)."""
    cells = tuple((x.path, x.got) for x in (c.cells or []))
    secs = tuple(sorted(n for n, *_ in (c.pred_sections or [])))
    nar = tuple(sorted(repr((M.num_key(v), M.cat_key(k))) for v, k, *_ in (c.pred_narrative or [])))
    meta = tuple((f, M.cat_key(g) if isinstance(g, str) else g) for f, _e, g in c.fields if f.startswith("meta."))
    return cells, secs, nar, meta


def check(rob: dict, max_drop_points: float = DEFAULT_MAX_DROP_POINTS, systems=None) -> list[str]:
    """Failures: a gated form (information-preserving, one damage) that drops more than the limit on a
    key; any form whose documents could not be read."""
    fails = []
    for s, data in rob.get("systems", {}).items():
        if systems and s not in systems:
            continue
        for n, row in data["forms"].items():
            for k in ROBUST_KEYS if row.get("gated", not row["lossy"]) else ():
                d = row["drop"][k]
                if d is not None and d > max_drop_points + 1e-9:
                    fails.append(f"{s}: form {n} drops {k} by {d:.2f} points (limit {max_drop_points:g}); "
                                 f"documents changed: {', '.join(row['documents_changed'][:8])}")
            if row["raised"]:
                fails.append(f"{s}: form {n}: {row['raised']} document(s) could not be read or extracted")
    return fails


def terminal_lines(rob: dict) -> list[str]:
    """A compact terminal table: per system, the drop (points) of each form on each key."""
    lines = []
    for s, data in rob["systems"].items():
        lines.append("")
        lines.append(f"robustness ({s}, {rob['documents']} documents): drop in points from clean")
        lines.append("form".ljust(14) + "".join(k.rjust(11) for k in ROBUST_KEYS))
        lines.append("clean".ljust(14) + "".join(
            (f"{100 * data['clean'][k]:.2f}" if data["clean"][k] is not None else "—").rjust(11) for k in ROBUST_KEYS))
        for n, row in data["forms"].items():
            name = n + ("*" if row["lossy"] else "") + ("°" if row.get("composite") else "")
            lines.append(name.ljust(14) + "".join(
                (f"{row['drop'][k]:+.2f}" if row["drop"][k] is not None else "—").rjust(11) for k in ROBUST_KEYS))
    if lines:
        lines.append("(* lossy, ° two damages at once: shown, not gated)")
    return lines
