"""`xxgk inspect`: one document as a page, no gold needed.

The text with the tagged spans (SECTION, COUNT/TOTAL, CATEGORY) highlighted and each section's
body boxed from its header to the next; the three tables as tables, derived cells marked and
cells of failed checks marked with the failed rules next to the table; the narrative counts; the
record's warnings. Self-contained HTML (inline CSS, no network), from templates/inspect.html; this
module gathers the values the page shows.
"""

from __future__ import annotations

import json
from pathlib import Path

from xxgk.rules import labels
from xxgk.record import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, Record, Section, figure_text
from xxgk.evaluation.compare import record_spans
from xxgk.evaluation.highlight import BASE_COLORS, render
from xxgk.evaluation.templating import render as render_template

TABLE_PREFIXES = ("active_disclosure", "applications", "review_litigation")
LEGEND = ("SECTION", "COUNT", "TOTAL", "CATEGORY", "DERIVED", "FAILED CHECK")
GROUP_NAMES = {"review": "行政复议", "litigation_direct": "行政诉讼 未经复议直接起诉",
               "litigation_after_review": "行政诉讼 复议后起诉"}


def _failed_cells(rec: Record) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in rec.checks:
        if c.status == "FAIL":
            for path in c.cells:
                out.setdefault(path, []).append(c.rule)
    return out


def _cell(rec: Record, path: str, value, failed: dict) -> dict:
    """A table cell: its value, classes (derived, fail, null) and a tooltip (path, provenance, failed rules)."""
    prov = rec.provenance.get(path)
    cls = []
    tip = [path]
    if prov is not None:
        tip.append(prov.method + (f" @{prov.start}-{prov.end}" if prov.start is not None else ""))
        if prov.note:
            tip.append(prov.note)
        if prov.method == "derived":
            cls.append("derived")
    if path in failed:
        cls.append("fail")
        tip.append("FAIL: " + ", ".join(failed[path]))
    if value is None:
        cls.append("null")
    return {"value": value, "cls": " ".join(cls), "title": " | ".join(tip)}


def _table2(rec: Record, failed: dict) -> list[dict] | None:
    data = rec.active_disclosure
    if data is None:
        return None
    d = data.model_dump()
    rows = labels.T2_ROWS_2019 if "procurement" in d else labels.T2_ROWS_2021
    groups: dict[tuple, list] = {}
    for spec in rows:
        cols = tuple(k for k in (d[spec.key].keys() if isinstance(d[spec.key], dict) else ("",)))
        groups.setdefault(cols, []).append(spec)
    grids = []
    for cols, specs in groups.items():
        out = []
        for spec in specs:
            v = d[spec.key]
            if isinstance(v, dict):
                cells = [_cell(rec, f"active_disclosure.{spec.key}.{c}", v.get(c), failed) for c in cols]
            else:
                cells = [_cell(rec, f"active_disclosure.{spec.key}", v, failed)]
            out.append({"label": spec.label, "key": spec.key, "cells": cells})
        grids.append({"corner": "row", "head": [{"label": c or "value"} for c in cols], "rows": out})
    return grids


def _table3(rec: Record, failed: dict) -> list[dict] | None:
    data = rec.applications
    if data is None:
        return None
    d = data.model_dump()
    rows = labels.T3_ROWS_2019 if "other_processing" in d else labels.T3_ROWS_2021
    head = [{"label": lab, "code": c} for c, lab in zip(APPLICANT_COLUMNS, labels.T3_COLUMN_LABELS)]
    out = []
    for spec in rows:
        row = d.get(spec.key) or {}
        out.append({"label": spec.label, "key": spec.key,
                    "cells": [_cell(rec, f"applications.{spec.key}.{c}", row.get(c), failed) for c in APPLICANT_COLUMNS]})
    return [{"corner": "row", "head": head, "rows": out}]


def _table4(rec: Record, failed: dict) -> list[dict] | None:
    data = rec.review_litigation
    if data is None:
        return None
    d = data.model_dump()
    out = []
    for g in REVIEW_GROUPS:
        row = d.get(g) or {}
        out.append({"label": GROUP_NAMES[g], "key": g,
                    "cells": [_cell(rec, f"review_litigation.{g}.{c}", row.get(c), failed) for c in REVIEW_COLUMNS]})
    return [{"corner": "group", "head": [{"label": c} for c in REVIEW_COLUMNS], "rows": out}]


def _check(rec: Record, check) -> dict:
    """A failed check as shown: the rule, figures, cells, and its review mark or the line a reviewer
    copies into a review file (docs/panel.md)."""
    from xxgk.panel.review import review_line

    r = check.review
    return {"rule": check.rule, "expected": check.expected, "found": check.found, "message": check.message,
            "cells": list(check.cells),
            "review": None if r is None else {"decision": r.decision, "reviewer": r.reviewer, "note": r.note},
            "review_line": review_line(rec, check) if r is None else None}


def _unsplit(rec: Record) -> list[dict]:
    """Glued runs left null: the cells, and per allowed split the review lines that settle it."""
    from xxgk.panel.review import split_lines

    return [{"digits": u.digits, "start": u.start, "end": u.end, "paths": u.paths, "complete": u.complete,
             "splits": [{"split": ", ".join(map(figure_text, c)), "lines": "\n".join(split_lines(rec, u, c))}
                        for c in u.candidates]}
            for u in rec.unsplit]


def _touches(check, prefix: str) -> bool:
    return check.rule.startswith(prefix) or any(x.startswith(prefix) for x in check.cells)


def _text_blocks(rec: Record, text: str) -> list[dict]:
    spans = record_spans(rec)
    for p in rec.provenance.values():  # derived cells, where offsets point at their source digits
        if p.method == "derived" and p.start is not None and p.end is not None and p.end > p.start:
            spans.append((p.start, p.end, "DERIVED"))
    failed = _failed_cells(rec)
    for path in failed:
        fp = rec.provenance.get(path)
        if fp is not None and fp.start is not None and fp.end is not None and fp.end > fp.start:
            spans.append((fp.start, fp.end, "FAILED CHECK"))
    spans = sorted(set(spans))
    bounds: list[tuple[int, int, Section | None]] = []
    secs = sorted(rec.sections, key=lambda s: s.start)
    first = secs[0].start if secs else len(text)
    if first > 0:
        bounds.append((0, first, None))
    for i, s in enumerate(secs):
        end = secs[i + 1].start if i + 1 < len(secs) else len(text)
        bounds.append((s.start, end, s))
    out = []
    for a, b, sec in bounds:
        if b <= a:
            continue
        local = [(x - a, y - a, lab) for x, y, lab in spans if a <= x and y <= b]
        out.append({"cls": "section" if sec else "section front", "number": sec.number if sec else 0,
                    "start": a, "end": b, "text": render(text[a:b], local),
                    "section": None if sec is None else {
                        "number": sec.number, "key": sec.key, "title": sec.title, "start": sec.start, "end": sec.end,
                        "method": sec.method, "confidence": sec.confidence}})
    return out


def inspect_html(rec: Record, text: str) -> str:
    """The page for one record (extracted with its text)."""
    failed = _failed_cells(rec)
    meta = rec.meta
    counts = {k: sum(1 for c in rec.checks if c.status == k) for k in ("PASS", "FAIL", "NOT_ASSESSABLE")}
    facts = [("source", rec.source), ("status", rec.status), ("format", rec.format), ("title", meta.title),
             ("organization", meta.organization), ("year", meta.year), ("published", meta.published),
             ("sections", " ".join(str(s.number) for s in rec.sections) or "none"),
             ("methods", json.dumps(rec.methods, ensure_ascii=False)),
             ("checks", f"{counts['PASS']} PASS · {counts['FAIL']} FAIL · {counts['NOT_ASSESSABLE']} NOT_ASSESSABLE"),
             ("missing", ", ".join(rec.missing) or "nothing")]
    tables = []
    for title, fn, prefix, name in (("table 二 active_disclosure", _table2, "active_disclosure", "二"),
                                    ("table 三 applications", _table3, "applications", "三"),
                                    ("table 四 review_litigation", _table4, "review_litigation", "四")):
        fails = [_check(rec, c) for c in rec.checks if c.status == "FAIL" and _touches(c, prefix)]
        tables.append({"title": title, "grids": fn(rec, failed), "missing": f"table {name} not found",
                       "failed": fails, "checks": sum(1 for c in rec.checks if c.rule.startswith(prefix))})
    other = [_check(rec, c) for c in rec.checks
             if c.status == "FAIL" and not any(_touches(c, p) for p in TABLE_PREFIXES)]
    return render_template(
        "inspect.html", doc_id=rec.doc_id, title=meta.title, facts=facts, errors=rec.errors, tables=tables,
        other_failed=other, narrative=rec.narrative, legend=[(k, BASE_COLORS[k]) for k in LEGEND],
        blocks=_text_blocks(rec, text), warnings=rec.warnings, unsplit=_unsplit(rec))


def inspect_file(path: str | Path, doc_id: str | None = None, system: str = "combined", use_model: bool = True,
                 model_path: str | None = None, part: int | None = None) -> tuple[Record, str, str]:
    """(record, text, note) for one input document; `doc_id` picks a line of a JSONL input, `part` a report
    of a file that holds several."""
    from dataclasses import replace

    from xxgk.batch.local import Options, extract_records, load_model
    from xxgk.errors import InputError
    from xxgk.pipeline import extract
    from xxgk.inputs.reading import iter_inputs, load_item
    from xxgk.spans import System

    items = [it for it in iter_inputs([str(path)])]
    if doc_id is not None:
        items = [it for it in items if it.doc_id == doc_id]
    if not items:
        raise ValueError(f"{path}: no document" + (f" with id {doc_id!r}" if doc_id else ""))
    item = items[0]
    opts = Options(system=System.parse(system) if use_model else System.RULES, use_model=use_model,
                   model_path=model_path)
    tagger, note = load_model(opts)
    try:
        dec = load_item(item)
    except InputError as e:
        raise ValueError(e.message) from None
    rec = extract(dec, item.doc_id, item.source, item.url, tagger=tagger,
                  system=opts.system if tagger is not None else System.RULES, with_text=True)
    if len(items) > 1 and doc_id is None:
        note += f"; {len(items)} documents in the input, showing the first (--id to choose)"
    if part not in (None, 1) or any(w.startswith("W105") for w in rec.warnings):
        # a file that holds several reports: each is read as `xxgk extract` reads it
        recs = sorted(extract_records(item, replace(opts, with_text=True), tagger, note),
                      key=lambda r: r.part.number if r.part else 1)
        k = part or 1
        if not 1 <= k <= len(recs):
            raise ValueError(f"{path}: --part {k}, but the file holds {len(recs)} report(s)")
        rec = recs[k - 1]
        note += f"; the file holds {len(recs)} reports, showing report {k} (--part to choose)"
    return rec, rec.text or dec.text, note
