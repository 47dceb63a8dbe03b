"""metrics.json, index.html and the terminal summary, all from one dict (`build_metrics`).

Every number the HTML shows is looked up in that dict and written with `fmt`, and the dict
itself is embedded in the page (`<script type="application/json" id="xxgk-metrics">`); each shown
number carries its path (`data-key="systems/rules/headline/cells"`), so a test can check the page
against metrics.json number by number. The page is templates/report.html (with _document.html,
_robustness.html, _macros.html); this module gathers the values it shows, as plain dicts.
"""

from __future__ import annotations

import base64
import io
import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from markupsafe import Markup

from xxgk.spans import System
from xxgk.evaluation import metrics as M
from xxgk.evaluation.highlight import excerpts, render
from xxgk.evaluation.templating import fmt
from xxgk.evaluation.templating import render as render_template

SCHEMA = "xxgk-eval/1"

# the headline numbers of each system: key → (path in the system's dict, better, description)
HEADLINE: dict[str, tuple[str, str, str]] = {
    "span_f1": ("spans/strict/f1", "higher", "spans: micro F1, strict (label + exact offsets), all labels"),
    "span_f1_partial": ("spans/partial/f1", "higher", "spans: micro F1, partial (label + overlap)"),
    "span_f1_untyped": ("spans/untyped/f1", "higher", "spans: boundary-only F1 (exact offsets, any label)"),
    "sections": ("sections/f1", "higher", "section headers: F1 of exact (number, start, end)"),
    "sections_found": ("sections/found_rate", "higher", "section headers found with the right number (overlap)"),
    "section_offset_error": ("sections/offset_error/mean", "lower",
                             "mean |Δstart|+|Δend| (chars) of headers with the right number"),
    "cells": ("cells/accuracy", "higher", "table cells right (null must be null)"),
    "cells_valued": ("cells/valued_accuracy", "higher", "table cells right, among cells the gold gives a number"),
    "tables_exact": ("cells/tables_exact_rate", "higher", "tables with every cell right"),
    "docs_cells_exact": ("cells/documents_exact_rate", "higher", "documents with every cell right"),
    "narrative_f1": ("narrative/value_category/f1", "higher", "narrative counts: F1 on (value, category)"),
    "narrative_kind_accuracy": ("narrative_kind/accuracy", "higher",
                                "narrative kinds: accuracy on items matched on (value, category) whose gold has a kind"),
    "category_inside_word": ("category_boundaries/share", "lower",
                             "narrative categories predicted that start or end inside a word (jieba; target < 0.01)"),
    "inconsistencies_flagged": ("checks/flagged_rate", "higher", "gold inconsistencies flagged FAIL"),
    "false_alarms": ("checks/false_alarms", "lower", "checks FAIL where the gold adds up"),
    "checks_docs_ok": ("checks/documents_ok_rate", "higher", "documents: all inconsistencies flagged, no false alarm"),
    "fields": ("fields/accuracy", "higher", "format, status, meta fields right"),
    "docs_per_s": ("runtime/docs_per_s", "higher", "documents per second (extract only, same documents)"),
}
ERROR_PARTS = ("spans", "sections", "cells", "narrative", "checks", "fields")


def lookup(d: Any, path: str) -> Any:
    cur = d
    for part in path.split("/"):
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


# ---------------------------------------------------------------------------------------------
# the metrics dict
# ---------------------------------------------------------------------------------------------


def build_metrics(ev) -> dict:
    from xxgk import __version__

    golds = ev.golds
    splits: dict[str, int] = {}
    for g in golds:
        splits[g.split] = splits.get(g.split, 0) + 1
    out: dict = {
        "schema": SCHEMA,
        "xxgk_version": __version__,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "input": {"path": ev.input_path, "note": ev.input_note, "documents": len(golds), "splits": splits,
                  "spans_only_documents": sum(1 for g in golds if g.spans_only)},
        "systems_requested": list(ev.requested),
        "systems_evaluated": list(ev.runs),
        "primary": ev.primary if ev.runs else None,
        "unavailable": dict(ev.unavailable),
        "model": ev.model_info,
        "model_load_seconds": ev.model_load_seconds,
        "torch_threads": ev.torch_threads,
        "headline_keys": {k: {"path": p, "better": b, "description": d} for k, (p, b, d) in HEADLINE.items()},
        "systems": {},
        "documents": [],
        "metric_definitions": M.describe(),
    }
    for name, run in ev.runs.items():
        cmps = [run.comparisons[g.doc_id] for g in golds]
        s: dict = {}
        s["spans"] = M.SpanScores().compute([c.gold_spans for c in cmps], [c.pred_spans for c in cmps])
        sec = [c for c in cmps if c.gold_sections is not None]
        s["sections"] = M.SectionScores().compute([c.gold_sections for c in sec], [c.pred_sections for c in sec])
        cell_docs = [c for c in cmps if c.cells is not None]
        s["cells"] = M.CellScores().compute([x for c in cell_docs for x in c.cells], [c.doc_id for c in cell_docs])
        nar = [c for c in cmps if c.gold_narrative is not None]
        s["narrative"] = M.NarrativeScores().compute([c.gold_narrative for c in nar], [c.pred_narrative for c in nar])
        s["narrative_kind"] = M.NarrativeKindScores().compute([c.gold_narrative for c in nar],
                                                              [c.pred_narrative for c in nar])
        s["narrative_category_errors"] = M.NarrativeCategoryErrors().compute(
            [c.gold_narrative for c in nar], [c.pred_narrative for c in nar], doc_ids=[c.doc_id for c in nar],
            texts=[ev.texts.get(c.doc_id) for c in nar])
        s["category_boundaries"] = M.CategoryBoundaryScores().compute(
            [(ev.texts.get(g.doc_id, g.text), [(n.category_start, n.category_end) for n in run.records[g.doc_id].narrative
                                               if n.category_start is not None and n.category_end is not None])
             for g in golds if g.doc_id in run.records])
        chk = [c for c in cmps if c.inconsistencies is not None]
        s["checks"] = M.CheckScores().compute([(c.inconsistencies, c.checks) for c in chk])
        s["fields"] = M.FieldScores().compute([f for c in cmps for f in c.fields])
        status: dict[str, int] = {"ok": 0, "partial": 0, "failed": 0}
        for c in cmps:
            status[c.status] = status.get(c.status, 0) + 1
        s["records"] = {"status": status, "raised": sum(1 for c in cmps if c.error)}
        n = len(cmps)
        s["runtime"] = {"documents": n, "seconds": M.r4(run.seconds),
                        "docs_per_s": M.r4(n / run.seconds) if run.seconds > 0 else None,
                        "ms_per_doc": M.r4(1000 * run.seconds / n) if n else None}
        s["headline"] = {k: lookup(s, p) for k, (p, _b, _d) in HEADLINE.items()}
        out["systems"][name] = s
    if getattr(ev, "robustness", None):
        out["robustness"] = ev.robustness
    for g in golds:
        row = {"doc_id": g.doc_id, "split": g.split, "format": g.record.get("format"),
               "spans_only": g.spans_only, "errors": {}, "status": {}}
        for name, run in ev.runs.items():
            c = run.comparisons[g.doc_id]
            row["errors"][name] = c.errors()
            row["status"][name] = c.status
        out["documents"].append(row)
    return out


def write_metrics(metrics: dict, path: Path) -> None:
    path.write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# gate
# ---------------------------------------------------------------------------------------------


def gate_system(metrics: dict) -> str | None:
    """The system a gate applies to: combined if it ran, else the only (or last) one."""
    ev = metrics.get("systems_evaluated") or []
    if System.COMBINED in ev:
        return System.COMBINED.value
    return ev[-1] if ev else None


def check_gate(metrics: dict, limits: dict[str, float], system: str | None = None) -> tuple[str | None, list[str]]:
    """(system, failures). A limit is a minimum, or a maximum for keys where lower is better."""
    system = system or gate_system(metrics)
    if system is None:
        return None, ["no system was evaluated"]
    head = metrics["systems"][system]["headline"]
    fails = []
    for key, limit in limits.items():
        if key not in HEADLINE:
            fails.append(f"unknown metric {key!r} (known: {', '.join(HEADLINE)})")
            continue
        v = head.get(key)
        if v is None:
            continue  # not measured on these documents (e.g. no inconsistencies in the gold)
        if HEADLINE[key][1] == "lower":
            if v > limit:
                fails.append(f"{system}: {key} = {fmt(v)} above the maximum {fmt(limit)}")
        elif v < limit:
            fails.append(f"{system}: {key} = {fmt(v)} below {fmt(limit)}")
    return system, fails


def thresholds_for(thresholds: dict, system: str) -> tuple[str, dict]:
    """The limits for a system from annotations/thresholds.json: its own entry, else the rules entry
    (a combined system with no model yet runs as rules; once a model ships, the rules numbers are the floor
    until thresholds for combined are measured and added)."""
    systems = thresholds.get("systems", {})
    if system in systems:
        return system, dict(systems[system])
    fallback = thresholds.get("fallback", {}).get(system, System.RULES.value)
    return fallback, dict(systems.get(fallback, {}))


# ---------------------------------------------------------------------------------------------
# terminal
# ---------------------------------------------------------------------------------------------

TERMINAL_KEYS = ("span_f1", "span_f1_partial", "sections", "section_offset_error", "cells", "cells_valued",
                 "tables_exact", "docs_cells_exact", "narrative_f1", "narrative_kind_accuracy", "category_inside_word",
                 "inconsistencies_flagged",
                 "false_alarms", "checks_docs_ok", "fields", "docs_per_s")


def terminal_lines(metrics: dict) -> list[str]:
    systems = metrics["systems_evaluated"]
    width = max(len(k) for k in TERMINAL_KEYS) + 2
    lines = [metrics["input"]["note"]]
    for s, why in metrics["unavailable"].items():
        lines.append(f"{s}: skipped — {why}")
    lines.append("")
    lines.append("metric".ljust(width) + "".join(s.rjust(10) for s in systems))
    for k in TERMINAL_KEYS:
        lines.append(k.ljust(width) + "".join(fmt(metrics["systems"][s]["headline"].get(k)).rjust(10)
                                              for s in systems))
    return lines


# ---------------------------------------------------------------------------------------------
# HTML (templates/report.html; this part only gathers the values the page shows)
# ---------------------------------------------------------------------------------------------

ROWS_SHOWN = 25  # rows of the worst-rows table
CELLS_SHOWN = 60  # wrong cells listed per document and system
NOTES_SHOWN = 40  # other differences listed per document and system
EXCERPTS_SHOWN = 8  # text excerpts around span differences per document
EXCERPT_CONTEXT = 60  # characters around each span difference


def _num(metrics: dict, path: str, cls: str = "") -> dict:
    """A shown number: its path in metrics.json (the cell's data-key) and its value."""
    return {"key": path, "value": lookup(metrics, path), "cls": cls}


def _fig_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _bar_chart(title: str, groups: list[str], series: dict[str, list[float | None]], ylabel: str,
               horizontal: bool = False) -> str | None:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    n = max(1, len(series))
    if horizontal:
        fig = Figure(figsize=(6.4, 0.32 * len(groups) * n + 1.2))
    else:
        fig = Figure(figsize=(max(4.5, 0.9 * len(groups) * n + 1.5), 3.4))
    ax = fig.add_subplot(111)
    width = 0.8 / n
    colors = {System.RULES.value: "#4c72b0", System.MODEL.value: "#dd8452", System.COMBINED.value: "#55a868"}
    for k, (name, vals) in enumerate(series.items()):
        xs = [i + (k - (n - 1) / 2) * width for i in range(len(groups))]
        ys = [v if v is not None else 0.0 for v in vals]
        if horizontal:
            bars = ax.barh(xs, ys, height=width, label=name, color=colors.get(name))
        else:
            bars = ax.bar(xs, ys, width=width, label=name, color=colors.get(name))
        for b, v in zip(bars, vals):
            txt = "n/a" if v is None else f"{v:.2f}"
            if horizontal:
                ax.text(b.get_width() + 0.005, b.get_y() + b.get_height() / 2, txt, va="center", fontsize=7)
            else:
                ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.01, txt, ha="center", fontsize=7)
    if horizontal:
        ax.set_yticks(range(len(groups)))
        ax.set_yticklabels(groups, fontsize=8)
        ax.set_xlim(0, 1.1)
        ax.set_xlabel(ylabel)
        ax.invert_yaxis()
    else:
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels(groups, fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    return _fig_png(fig)


def _figures(metrics: dict) -> list[tuple[str, str]]:
    systems = metrics["systems_evaluated"]
    out = []
    labels = sorted({lab for s in systems for lab in metrics["systems"][s]["spans"]["labels"]})
    if labels:
        series = {s: [lookup(metrics, f"systems/{s}/spans/labels/{lab}/strict/f1") for lab in labels] for s in systems}
        img = _bar_chart("span F1 per label (strict)", labels, series, "F1")
        if img:
            out.append(("span F1 per label, strict match (numbers: table below)", img))
        series = {s: [lookup(metrics, f"systems/{s}/spans/labels/{lab}/partial/f1") for lab in labels]
                  for s in systems}
        img = _bar_chart("span F1 per label (partial overlap)", labels, series, "F1")
        if img:
            out.append(("span F1 per label, partial (overlap) match", img))
    tables = sorted({t for s in systems for t in metrics["systems"][s]["cells"]["per_table"]})
    if tables:
        groups = tables + ["all cells", "valued cells"]
        series = {s: [lookup(metrics, f"systems/{s}/cells/per_table/{t}/accuracy") for t in tables]
                  + [lookup(metrics, f"systems/{s}/cells/accuracy"), lookup(metrics, f"systems/{s}/cells/valued_accuracy")]
                  for s in systems}
        img = _bar_chart("cell accuracy per table", groups, series, "accuracy")
        if img:
            out.append(("cell accuracy per table (valued cells: cells the gold gives a number)", img))
    return out


def _summary_rows(metrics: dict) -> list[dict]:
    systems = metrics["systems_evaluated"]
    out = []
    for key, (_p, better, desc) in HEADLINE.items():
        vals = [metrics["systems"][s]["headline"].get(key) for s in systems]
        best = None
        nums = [v for v in vals if v is not None]
        if len(nums) > 1 and key != "docs_per_s":
            best = max(nums) if better == "higher" else min(nums)
        out.append({"key": key, "description": desc, "lower": better == "lower",
                    "cells": [_num(metrics, f"systems/{s}/headline/{key}",
                                   "good" if best is not None and v == best else "") for s, v in zip(systems, vals)]})
    return out


SPAN_COLUMNS = (("strict/precision", "P strict"), ("strict/recall", "R strict"), ("strict/f1", "F1 strict"),
                ("partial/precision", "P partial"), ("partial/recall", "R partial"), ("partial/f1", "F1 partial"),
                ("support", "support"), ("predicted", "predicted"), ("missed", "missed"), ("spurious", "spurious"),
                ("wrong_label", "wrong label"))


def _span_rows(metrics: dict) -> list[dict]:
    systems = metrics["systems_evaluated"]
    labels = sorted({lab for s in systems for lab in metrics["systems"][s]["spans"]["labels"]})
    out = []
    for s in systems:
        for lab in labels + ["(all, micro)"]:
            base = f"systems/{s}/spans/labels/{lab}" if lab != "(all, micro)" else f"systems/{s}/spans"
            out.append({"system": s, "label": lab, "cells": [_num(metrics, f"{base}/{p}") for p, _ in SPAN_COLUMNS],
                        "pad": 0})
        untyped = [_num(metrics, f"systems/{s}/spans/untyped/{k}") for k in ("precision", "recall", "f1")]
        out.append({"system": s, "label": "untyped (boundaries only)", "cells": untyped,
                    "pad": len(SPAN_COLUMNS) - len(untyped)})
    return out


def _kv_rows(metrics: dict, rows: list[tuple[str, str]]) -> list[dict]:
    """Rows of a measure × system table: (path under systems/<system>/, label)."""
    systems = metrics["systems_evaluated"]
    return [{"label": label, "cells": [_num(metrics, f"systems/{s}/{sub}") for s in systems]} for sub, label in rows]


def _kv_tables(metrics: dict) -> dict[str, list[dict]]:
    systems = metrics["systems_evaluated"]
    tables = sorted({t for s in systems for t in metrics["systems"][s]["cells"]["per_table"]})
    fields = sorted({f for s in systems for f in metrics["systems"][s]["fields"]["per_field"]})
    spec = {
        "sections": [
            ("sections/gold", "gold headers"), ("sections/predicted", "predicted headers"),
            ("sections/precision", "precision (exact number+offsets)"), ("sections/recall", "recall"),
            ("sections/f1", "F1"), ("sections/found", "found with the right number (overlap)"),
            ("sections/found_rate", "found rate"), ("sections/wrong_number", "overlapping header, wrong number"),
            ("sections/offset_error/compared", "headers compared for offsets"),
            ("sections/offset_error/exact", "offsets exact"), ("sections/offset_error/mean_start", "mean |Δstart|"),
            ("sections/offset_error/mean_end", "mean |Δend|"), ("sections/offset_error/max", "max |Δstart|+|Δend|"),
            ("sections/documents_exact", "documents with every header exact")],
        "tables": [
            ("cells/cells", "cells scored"), ("cells/correct", "cells right"), ("cells/accuracy", "cell accuracy"),
            ("cells/valued_cells", "cells the gold gives a number"), ("cells/valued_accuracy", "their accuracy"),
            ("cells/tables", "tables scored"), ("cells/tables_exact", "tables with every cell right"),
            ("cells/documents", "documents scored"), ("cells/documents_exact", "documents with every cell right"),
            ("cells/derived/cells", "cells the system derived"), ("cells/derived/accuracy", "derived cells right")]
        + [(f"cells/per_table/{t}/accuracy", f"{t}: cell accuracy") for t in tables]
        + [(f"cells/per_table/{t}/tables_exact_rate", f"{t}: tables exact") for t in tables],
        "na": [(f"cells/na_handling/{k}", k) for k in M.NA_KINDS],
        "narrative": [
            ("narrative/gold", "gold counts"), ("narrative/predicted", "predicted counts"),
            ("narrative/value_category/precision", "precision (value, category)"),
            ("narrative/value_category/recall", "recall (value, category)"),
            ("narrative/value_category/f1", "F1 (value, category)"),
            ("narrative/span/f1", "F1 (exact offsets + value + category)"),
            ("narrative/value_span/f1", "F1 (exact offsets + value)"),
            ("narrative/documents_exact", "documents with every count right")],
        "checks": [
            ("checks/status/PASS", "PASS"), ("checks/status/FAIL", "FAIL"),
            ("checks/status/NOT_ASSESSABLE", "NOT_ASSESSABLE"), ("checks/inconsistencies", "gold inconsistencies"),
            ("checks/flagged", "flagged FAIL"), ("checks/false_alarms", "false alarms"),
            ("checks/documents_with_false_alarms", "documents with a false alarm"),
            ("checks/documents_ok", "documents right")],
        "fields": [("fields/accuracy", "all fields")] + [(f"fields/per_field/{f}/accuracy", f) for f in fields],
        "cost": [
            ("runtime/documents", "documents"), ("runtime/seconds", "seconds (extract)"),
            ("runtime/docs_per_s", "documents per second"), ("runtime/ms_per_doc", "ms per document"),
            ("records/status/ok", "records ok"), ("records/status/partial", "records partial"),
            ("records/status/failed", "records failed"), ("records/raised", "documents where the system raised")],
    }
    return {name: _kv_rows(metrics, rows) for name, rows in spec.items()}


def _table_rows(metrics: dict, limit: int = ROWS_SHOWN) -> list[dict]:
    """Table rows (e.g. applications.granted), the primary system's worst first."""
    systems = metrics["systems_evaluated"]
    prim = metrics["primary"]
    rows = metrics["systems"][prim]["cells"]["per_row"]
    order = sorted(rows, key=lambda k: (rows[k]["accuracy"] if rows[k]["accuracy"] is not None else 2, k))[:limit]
    return [{"row": k, "cells": [_num(metrics, f"systems/{prim}/cells/per_row/{k}/cells")]
             + [_num(metrics, f"systems/{s}/cells/per_row/{k}/accuracy") for s in systems]} for k in order]


def _document_rows(metrics: dict, anchors: set[str]) -> list[dict]:
    systems = metrics["systems_evaluated"]
    out = []
    for i, d in enumerate(metrics["documents"]):
        out.append({"doc_id": d["doc_id"], "linked": d["doc_id"] in anchors, "split": d["split"], "format": d["format"],
                    "systems": [{"total": {"key": f"documents/{i}/errors/{s}/total", "value": d["errors"][s]["total"]},
                                 "parts": [{"key": f"documents/{i}/errors/{s}/{p}", "value": d["errors"][s][p]}
                                           for p in ERROR_PARTS],
                                 "status": d["status"][s]} for s in systems]})
    return out


def _snippet(text: str, a: int | None, b: int | None, ctx: int = 30) -> dict | None:
    """The text around [a, b) as (before, text, after), line breaks shown as ⏎; None without a place."""
    if a is None or b is None or not (0 <= a <= b <= len(text)):
        return None
    return {"before": text[max(0, a - ctx):a].replace("\n", "⏎"), "text": text[a:b].replace("\n", "⏎"),
            "after": text[b:b + ctx].replace("\n", "⏎")}


def _cell_source(rec, path: str) -> tuple[int | None, int | None]:
    p = rec.provenance.get(path)
    if p is not None and p.start is not None:
        return p.start, p.end
    row = path.rsplit(".", 1)[0] + "."
    near = [v for k, v in rec.provenance.items() if k.startswith(row) and v.start is not None]
    if near:
        return min(v.start for v in near), max(v.end for v in near)
    return None, None


def _worst_docs(ev, metrics: dict, n: int) -> list[str]:
    prim = metrics["primary"]
    docs = [d for d in metrics["documents"] if d["errors"][prim]["total"] > 0]
    docs.sort(key=lambda d: (-d["errors"][prim]["total"], d["doc_id"]))
    return [d["doc_id"] for d in docs[:n]]


def _doc_detail(ev, metrics: dict, doc_id: str) -> dict:
    """What the report shows of one of the worst documents (templates/_document.html)."""
    prim = metrics["primary"]
    text = ev.texts[doc_id]
    idx = next(i for i, d in enumerate(metrics["documents"]) if d["doc_id"] == doc_id)
    g = next(x for x in ev.golds if x.doc_id == doc_id)
    cmp = ev.runs[prim].comparisons[doc_id]
    out: dict = {"doc_id": doc_id, "source": g.origin or (str(g.doc) if g.doc else "inline text"),
                 "totals": [{"system": s, "key": f"documents/{idx}/errors/{s}/total",
                             "value": metrics["documents"][idx]["errors"][s]["total"]}
                            for s in metrics["systems_evaluated"]],
                 "error": cmp.error, "spans": None, "sections": None, "wrong_cells": [], "notes": []}
    # spans: excerpts around every strict mismatch, gold and the primary system together
    g_err, p_err = cmp.span_errors()
    if g_err or p_err:
        points = [(a, b) for a, b, _ in g_err + p_err]
        shown = []
        for a, b in excerpts(len(text), points, context=EXCERPT_CONTEXT, limit=EXCERPTS_SHOWN):
            spans = [(x - a, y - a, f"gold {lab}") for x, y, lab in cmp.gold_spans if a <= x and y <= b]
            spans += [(x - a, y - a, f"{prim} {lab}") for x, y, lab in cmp.pred_spans if a <= x and y <= b]
            shown.append(render(text[a:b], spans, title=f"characters {a}–{b}"))
        out["spans"] = {"gold": len(g_err), "predicted": len(p_err), "excerpts": shown}
    # sections
    if cmp.gold_sections is not None and sorted(cmp.gold_sections) != sorted(cmp.pred_sections):
        gs = {x[0]: x for x in cmp.gold_sections}
        ps = {x[0]: x for x in cmp.pred_sections}

        def side(x):
            return {"start": x[1], "end": x[2], "snippet": _snippet(text, x[1], x[2], 8)} if x else None

        out["sections"] = [{"number": k, "gold": side(gs.get(k)), "predicted": side(ps.get(k))}
                           for k in sorted(set(gs) | set(ps)) if gs.get(k) != ps.get(k)]
    # wrong cells, per system
    for s, run in ev.runs.items():
        c = run.comparisons[doc_id]
        wrong = [x for x in (c.cells or []) if not x.correct]
        if not wrong:
            continue
        rec = run.records[doc_id]
        cells = []
        for x in wrong[:CELLS_SHOWN]:
            src_a, src_b = _cell_source(rec, x.path)
            cells.append({"path": x.path, "expected": x.expected,
                          "got": x.got if not isinstance(x.got, dict) else "(other layout)",
                          "kind": x.na_kind, "derived": x.derived, "snippet": _snippet(text, src_a, src_b)})
        out["wrong_cells"].append({"system": s, "open": s == prim, "count": len(wrong), "cells": cells,
                                   "more": max(0, len(wrong) - CELLS_SHOWN)})
    # narrative, checks, fields
    for s, run in ev.runs.items():
        c = run.comparisons[doc_id]
        notes = []
        if c.gold_narrative is not None:  # the rows of narrative_category_errors, as (value, category) pairs
            rows = [r for r in metrics["systems"][s]["narrative_category_errors"]["rows"] if r["doc_id"] == doc_id]
            miss = [(r["value"], M.cat_key(r["gold_category"])) for r in rows if r["error"] != "no_gold"]
            extra = [(r["value"], M.cat_key(r["predicted_category"])) for r in rows if r["error"] != "no_prediction"]
            if miss:
                notes.append("narrative missed: " + "; ".join(f"{k}={v}" for v, k in sorted(miss, key=str)))
            if extra:
                notes.append("narrative spurious: " + "; ".join(f"{k}={v}" for v, k in sorted(extra, key=str)))
        if c.inconsistencies is not None:
            failing = {r for r, st in c.checks if st == "FAIL"}
            for r in sorted(set(c.inconsistencies) - failing):
                notes.append(f"inconsistency not flagged: {r}")
            rec = run.records[doc_id]
            for ch in rec.checks:
                if ch.status == "FAIL" and ch.rule not in c.inconsistencies:
                    notes.append(f"false alarm: {ch.rule} expected {fmt(ch.expected)}, found {fmt(ch.found)}")
        for f, e, got in c.fields:
            if not M.field_equal(f, e, got):
                notes.append(f"{f}: expected {e!r}, got {got!r}")
        if notes:
            out["notes"].append({"system": s, "open": s == prim, "count": len(notes), "lines": notes[:NOTES_SHOWN]})
    return out


CATEGORY_ERROR_ROWS_SHOWN = 400  # rows per system in the side-by-side table (metrics.json holds them all)
RELATIONS = {"shorter": "predicted category inside the gold one", "longer": "predicted category contains the gold one",
             "none_predicted": "no category predicted", "none_gold": "the gold count has no category",
             "other": "other wording"}


def _category_errors(metrics: dict, anchors: set[str]) -> dict:
    """The side-by-side narrative category errors: counts per error type, and the rows (metrics.py computes both)."""
    systems = metrics["systems_evaluated"]
    base = "narrative_category_errors"
    counts = _kv_rows(metrics, [(f"{base}/counts/wrong_category", "wrong category (same value)"),
                                (f"{base}/counts/no_prediction", "gold count, no prediction of its value"),
                                (f"{base}/counts/no_gold", "predicted count, no gold count of its value")]
                      + [(f"{base}/relations/{k}", f"wrong category: {v}") for k, v in RELATIONS.items()]
                      + [(f"{base}/documents_with_errors", "documents with an error")])
    # rows of sealed documents are counted but not listed: they are never read one by one (docs/development.md)
    sealed = {d["doc_id"] for d in metrics["documents"] if d["split"] == "sealed"}
    out = []
    for s in systems:
        rows = [(i, r) for i, r in enumerate(metrics["systems"][s][base]["rows"]) if r["doc_id"] not in sealed]
        shown = []
        for i, r in rows[:CATEGORY_ERROR_ROWS_SHOWN]:
            ctx = r["context"]
            shown.append({**r, "path": f"systems/{s}/{base}/rows/{i}", "linked": r["doc_id"] in anchors,
                          "context": None if ctx is None else {k: ctx[c].replace("\n", "⏎") for k, c in
                                                               (("before", "before"), ("text", "count"),
                                                                ("after", "after"))}})
        out.append({"system": s, "open": s == metrics["primary"], "total": len(rows), "rows": shown,
                    "more": max(0, len(rows) - CATEGORY_ERROR_ROWS_SHOWN),
                    "sealed": len(metrics["systems"][s][base]["rows"]) - len(rows)})
    return {"counts": counts, "systems": out}


def _robustness(metrics: dict) -> dict | None:
    rob = metrics.get("robustness")
    if not rob:
        return None
    from xxgk.evaluation.robustness import ROBUST_KEYS

    systems = []
    for s, data in rob["systems"].items():
        forms = []
        for n, row in data["forms"].items():
            cells = []
            for k in ROBUST_KEYS:
                d = row["drop"][k]
                bad = d is not None and d > rob["max_drop_points"] and row.get("gated", not row["lossy"])
                cells.append((_num(metrics, f"robustness/systems/{s}/forms/{n}/scores/{k}"),
                              _num(metrics, f"robustness/systems/{s}/forms/{n}/drop/{k}", "bad" if bad else "")))
            forms.append({"name": n, "lossy": row["lossy"], "composite": row.get("composite", False),
                          "description": rob["forms"][n]["description"],
                          "cells": cells, "changed": row["documents_changed"][:6],
                          "more": len(row["documents_changed"]) - 6})
        systems.append({"name": s, "clean": [_num(metrics, f"robustness/systems/{s}/clean/{k}") for k in ROBUST_KEYS],
                        "forms": forms})
    return {"documents": rob["documents"], "seed": rob["seed"], "max_drop_points": rob["max_drop_points"],
            "measures": ROBUST_KEYS, "systems": systems}


def render_html(ev, metrics: dict, worst: int = 5) -> str:
    systems = metrics["systems_evaluated"]
    worst_ids = _worst_docs(ev, metrics, worst) if systems else []
    return render_template(
        "report.html",
        input_note=metrics["input"]["note"], systems=systems, primary=metrics["primary"],
        version=metrics["xxgk_version"], created=metrics["created"], unavailable=list(metrics["unavailable"].items()),
        model=json.dumps(metrics["model"], ensure_ascii=False) if metrics.get("model") else None,
        model_load_seconds=metrics.get("model_load_seconds"), torch_threads=metrics.get("torch_threads"),
        summary=_summary_rows(metrics),
        figures=[{"caption": cap, "src": src} for cap, src in _figures(metrics)],
        span_columns=[c for _, c in SPAN_COLUMNS], span_rows=_span_rows(metrics),
        kv=_kv_tables(metrics), table_rows=_table_rows(metrics), robustness=_robustness(metrics),
        category_errors=_category_errors(metrics, set(worst_ids)),
        error_parts=ERROR_PARTS, documents=_document_rows(metrics, set(worst_ids)),
        worst=[_doc_detail(ev, metrics, d) for d in worst_ids],
        # the dict itself, for a test or a script reading the page; "</" cannot end the script early
        metrics_json=Markup(json.dumps(metrics, ensure_ascii=False).replace("</", "<\\/")))


def write_report(ev, out_dir: Path, worst: int = 5) -> dict:
    """Write metrics.json and index.html into out_dir; returns the metrics dict."""
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = build_metrics(ev)
    write_metrics(metrics, out_dir / "metrics.json")
    (out_dir / "index.html").write_text(render_html(ev, metrics, worst=worst), encoding="utf-8")
    return metrics
