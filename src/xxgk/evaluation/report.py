"""metrics.json, index.html and the terminal summary, all from one dict (`build_metrics`).

Every number the HTML shows is looked up in that dict and written with `fmt`, and the dict
itself is embedded in the page (`<script type="application/json" id="xxgk-metrics">`); each shown
number carries its path (`data-key="systems/rules/headline/cells"`), so a test can check the page
against metrics.json number by number.
"""

from __future__ import annotations

import base64
import html
import io
import json
import platform
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from xxgk.spans import System
from xxgk.evaluation import metrics as M
from xxgk.evaluation.highlight import CSS as SPANS_CSS
from xxgk.evaluation.highlight import excerpts, render

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


def fmt(v: Any) -> str:
    """How a number is shown (HTML and terminal): the value metrics.json holds."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


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
                 "tables_exact", "docs_cells_exact", "narrative_f1", "narrative_kind_accuracy", "inconsistencies_flagged",
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
# HTML
# ---------------------------------------------------------------------------------------------

PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;
 color:#222;max-width:1400px}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:8px 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f2f2f2}td.l,th.l{text-align:left}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:" ⇅";color:#999}
.bad{background:#fde2e2}.good{background:#e3f6e3}.muted{color:#777}.note{color:#555;font-size:0.9em}
.fig{display:inline-block;margin:6px 18px 6px 0;vertical-align:top}
code{background:#f5f5f5;padding:0 3px}
.snip{font-family:monospace;white-space:pre-wrap;text-align:left;max-width:520px}
.snip b{background:#ffe08a}
details{margin:6px 0}summary{cursor:pointer}
.xxgk-title{font-size:0.85em;color:#555;margin-top:8px}
"""

SORT_JS = """
document.querySelectorAll('table.sortable').forEach(function(t){
 t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
  var tb=t.tBodies[0],rows=Array.from(tb.rows),asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
  rows.sort(function(a,b){var x=a.cells[i].dataset.v!==undefined?a.cells[i].dataset.v:a.cells[i].textContent,
   y=b.cells[i].dataset.v!==undefined?b.cells[i].dataset.v:b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);
   var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:String(x).localeCompare(String(y));return asc?c:-c;});
  rows.forEach(function(r){tb.appendChild(r)});});});});
"""


def _e(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _num(metrics: dict, path: str, cls: str = "") -> str:
    v = lookup(metrics, path)
    c = f' class="{cls}"' if cls else ""
    return f'<td{c} data-key="{_e(path)}">{_e(fmt(v))}</td>'


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


def _summary_table(metrics: dict) -> str:
    systems = metrics["systems_evaluated"]
    h = ['<table id="summary"><thead><tr><th class="l">metric</th><th class="l">what</th>']
    h += [f"<th>{_e(s)}</th>" for s in systems] + ["</tr></thead><tbody>"]
    for key, (_p, better, desc) in HEADLINE.items():
        vals = [metrics["systems"][s]["headline"].get(key) for s in systems]
        best = None
        nums = [v for v in vals if v is not None]
        if len(nums) > 1 and key != "docs_per_s":
            best = max(nums) if better == "higher" else min(nums)
        row = [(f'<tr><td class="l"><code>{_e(key)}</code></td><td class="l">{_e(desc)}'
                f'{" (lower is better)" if better == "lower" else ""}</td>')]
        for s, v in zip(systems, vals):
            row.append(_num(metrics, f"systems/{s}/headline/{key}", "good" if best is not None and v == best else ""))
        h.append("".join(row) + "</tr>")
    h.append("</tbody></table>")
    return "".join(h)


def _span_table(metrics: dict) -> str:
    systems = metrics["systems_evaluated"]
    labels = sorted({lab for s in systems for lab in metrics["systems"][s]["spans"]["labels"]})
    cols = [("strict/precision", "P strict"), ("strict/recall", "R strict"), ("strict/f1", "F1 strict"),
            ("partial/precision", "P partial"), ("partial/recall", "R partial"), ("partial/f1", "F1 partial"),
            ("support", "support"), ("predicted", "predicted"), ("missed", "missed"), ("spurious", "spurious"),
            ("wrong_label", "wrong label")]
    h = ['<table><thead><tr><th class="l">system</th><th class="l">label</th>']
    h += [f"<th>{_e(c)}</th>" for _, c in cols] + ["</tr></thead><tbody>"]
    for s in systems:
        for lab in labels + ["(all, micro)"]:
            base = f"systems/{s}/spans/labels/{lab}" if lab != "(all, micro)" else f"systems/{s}/spans"
            h.append(f'<tr><td class="l">{_e(s)}</td><td class="l">{_e(lab)}</td>')
            h.append("".join(_num(metrics, f"{base}/{p}") for p, _ in cols) + "</tr>")
        h.append(f'<tr><td class="l">{_e(s)}</td><td class="l">untyped (boundaries only)</td>'
                 + _num(metrics, f"systems/{s}/spans/untyped/precision")
                 + _num(metrics, f"systems/{s}/spans/untyped/recall") + _num(metrics, f"systems/{s}/spans/untyped/f1")
                 + '<td colspan="8"></td></tr>')
    h.append("</tbody></table>")
    return "".join(h)


def _kv_table(metrics: dict, rows: list[tuple[str, str]]) -> str:
    systems = metrics["systems_evaluated"]
    h = ['<table><thead><tr><th class="l">measure</th>'] + [f"<th>{_e(s)}</th>" for s in systems]
    h.append("</tr></thead><tbody>")
    for sub, label in rows:
        h.append(f'<tr><td class="l">{_e(label)}</td>' + "".join(_num(metrics, f"systems/{s}/{sub}") for s in systems)
                 + "</tr>")
    h.append("</tbody></table>")
    return "".join(h)


def _rows_table(metrics: dict, limit: int = 25) -> str:
    systems = metrics["systems_evaluated"]
    prim = metrics["primary"]
    rows = metrics["systems"][prim]["cells"]["per_row"]
    order = sorted(rows, key=lambda k: (rows[k]["accuracy"] if rows[k]["accuracy"] is not None else 2, k))[:limit]
    h = ['<table class="sortable"><thead><tr><th class="l">row</th><th>cells</th>']
    h += [f"<th>{_e(s)} accuracy</th>" for s in systems] + ["</tr></thead><tbody>"]
    for k in order:
        h.append(f'<tr><td class="l"><code>{_e(k)}</code></td>'
                 + _num(metrics, f"systems/{prim}/cells/per_row/{k}/cells")
                 + "".join(_num(metrics, f"systems/{s}/cells/per_row/{k}/accuracy") for s in systems) + "</tr>")
    h.append("</tbody></table>")
    return "".join(h)


def _docs_table(metrics: dict, anchors: set[str]) -> str:
    systems = metrics["systems_evaluated"]
    h = [('<table class="sortable" id="documents"><thead><tr><th class="l">document</th><th class="l">split</th>'
          '<th class="l">format</th>')]
    for s in systems:
        h.append(f"<th>{_e(s)} errors</th>")
        h += [f"<th>{_e(s)} {p}</th>" for p in ERROR_PARTS]
        h.append(f'<th class="l">{_e(s)} status</th>')
    h.append("</tr></thead><tbody>")
    for i, d in enumerate(metrics["documents"]):
        name = _e(d["doc_id"])
        if d["doc_id"] in anchors:
            name = f'<a href="#doc-{_e(d["doc_id"])}">{name}</a>'
        h.append(f'<tr><td class="l">{name}</td><td class="l">{_e(d["split"])}</td>'
                 f'<td class="l">{_e(d["format"] or "")}</td>')
        for s in systems:
            tot = d["errors"][s]["total"]
            h.append(f'<td data-v="{tot}" data-key="documents/{i}/errors/{s}/total"'
                     f'{" class=bad" if tot else ""}>{tot}</td>')
            h += [f'<td data-key="documents/{i}/errors/{s}/{p}">{d["errors"][s][p]}</td>' for p in ERROR_PARTS]
            h.append(f'<td class="l">{_e(d["status"][s])}</td>')
        h.append("</tr>")
    h.append("</tbody></table>")
    return "".join(h)


def _snippet(text: str, a: int | None, b: int | None, ctx: int = 30) -> str:
    if a is None or b is None or not (0 <= a <= b <= len(text)):
        return '<span class="muted">—</span>'
    pre = text[max(0, a - ctx):a].replace("\n", "⏎")
    mid = text[a:b].replace("\n", "⏎")
    post = text[b:b + ctx].replace("\n", "⏎")
    return f"…{_e(pre)}<b>{_e(mid)}</b>{_e(post)}…"


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


def _doc_detail(ev, metrics: dict, doc_id: str) -> str:
    prim = metrics["primary"]
    text = ev.texts[doc_id]
    idx = next(i for i, d in enumerate(metrics["documents"]) if d["doc_id"] == doc_id)
    h = [f'<h3 id="doc-{_e(doc_id)}">{_e(doc_id)}</h3>']
    parts = ", ".join(f"{s}: <span data-key=\"documents/{idx}/errors/{s}/total\">"
                      f"{metrics['documents'][idx]['errors'][s]['total']}</span> errors"
                      for s in metrics["systems_evaluated"])
    g = next(x for x in ev.golds if x.doc_id == doc_id)
    src = g.origin or (str(g.doc) if g.doc else "inline text")
    h.append(f'<p class="note">{_e(src)} — {parts}</p>')
    cmp = ev.runs[prim].comparisons[doc_id]
    if cmp.error:
        h.append(f'<p class="bad">{_e(prim)} raised: {_e(cmp.error)}</p>')
    # spans: excerpts around every strict mismatch, gold and the primary system together
    g_err, p_err = cmp.span_errors()
    if g_err or p_err:
        points = [(a, b) for a, b, _ in g_err + p_err]
        wins = excerpts(len(text), points, context=60, limit=8)
        h.append(f"<p>Spans: {len(g_err)} gold span(s) not matched exactly, {len(p_err)} {_e(prim)} span(s) not in "
                 f"the gold (green underline = gold, coloured = {_e(prim)}); excerpts around each difference:</p>")
        for a, b in wins:
            spans = [(x - a, y - a, f"gold {lab}") for x, y, lab in cmp.gold_spans if a <= x and y <= b]
            spans += [(x - a, y - a, f"{prim} {lab}") for x, y, lab in cmp.pred_spans if a <= x and y <= b]
            h.append(render(text[a:b], spans, title=f"characters {a}–{b}"))
    # sections
    if cmp.gold_sections is not None and sorted(cmp.gold_sections) != sorted(cmp.pred_sections):
        gs = {x[0]: x for x in cmp.gold_sections}
        ps = {x[0]: x for x in cmp.pred_sections}
        h.append('<table><thead><tr><th>section</th><th class="l">gold</th>'
                 f'<th class="l">{_e(prim)}</th></tr></thead><tbody>')
        for k in sorted(set(gs) | set(ps)):
            if gs.get(k) == ps.get(k):
                continue
            cell = []
            for x in (gs.get(k), ps.get(k)):
                cell.append(f'<td class="l snip">{_e(x[1])}–{_e(x[2])} {_snippet(text, x[1], x[2], 8)}</td>'
                            if x else '<td class="l muted">none</td>')
            h.append(f"<tr><td>{k}</td>{''.join(cell)}</tr>")
        h.append("</tbody></table>")
    # wrong cells, per system
    for s, run in ev.runs.items():
        c = run.comparisons[doc_id]
        wrong = [x for x in (c.cells or []) if not x.correct]
        if not wrong:
            continue
        rec = run.records[doc_id]
        h.append(f"<details{' open' if s == prim else ''}><summary>{_e(s)}: {len(wrong)} wrong cell(s)</summary>"
                 '<table><thead><tr><th class="l">cell</th><th>expected</th><th>got</th><th class="l">kind</th>'
                 '<th class="l">source (where the system read it)</th></tr></thead><tbody>')
        for x in wrong[:60]:
            a, b = _cell_source(rec, x.path)
            got = x.got if not isinstance(x.got, dict) else "(other layout)"
            h.append(f'<tr><td class="l"><code>{_e(x.path)}</code></td><td>{_e(fmt(x.expected))}</td>'
                     f'<td>{_e(fmt(got))}</td><td class="l">{_e(x.na_kind)}{" (derived)" if x.derived else ""}</td>'
                     f'<td class="snip">{_snippet(text, a, b)}</td></tr>')
        if len(wrong) > 60:
            h.append(f'<tr><td class="l muted" colspan="5">… {len(wrong) - 60} more</td></tr>')
        h.append("</tbody></table></details>")
    # narrative, checks, fields
    for s, run in ev.runs.items():
        c = run.comparisons[doc_id]
        notes = []
        if c.gold_narrative is not None:
            from collections import Counter

            gk = Counter((M.num_key(v), M.cat_key(k)) for v, k, *_ in c.gold_narrative)
            pk = Counter((M.num_key(v), M.cat_key(k)) for v, k, *_ in c.pred_narrative)
            miss, extra = gk - pk, pk - gk
            if miss:
                notes.append("narrative missed: " + "; ".join(f"{k}={v}" for v, k in sorted(miss.elements(), key=str)))
            if extra:
                notes.append("narrative spurious: " + "; ".join(f"{k}={v}" for v, k in sorted(extra.elements(), key=str)))
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
            h.append(f"<details{' open' if s == prim else ''}><summary>{_e(s)}: {len(notes)} other difference(s)"
                     "</summary><ul>" + "".join(f"<li>{_e(x)}</li>" for x in notes[:40]) + "</ul></details>")
    return "".join(h)


def _robustness_section(metrics: dict) -> list[str]:
    rob = metrics.get("robustness")
    if not rob:
        return []
    from xxgk.evaluation.robustness import ROBUST_KEYS

    out = [("<h2>Robustness: the same fixtures in damaged forms</h2><p class=note>Each fixture re-served in each "
            f"form ({rob['documents']} documents, seed {rob['seed']}) and read through the ordinary input path. Scores "
            "that do not depend on offsets: cells, headers (F1 of section numbers), narrative (F1 of value + category, "
            "traditional forms folded), meta. Drop = clean − form, in points; information-preserving forms are gated at "
            f"{rob['max_drop_points']:g} point; lossy forms are shown apart.</p>")]
    for s, data in rob["systems"].items():
        head = "".join(f"<th>{_e(k)}</th><th>drop</th>" for k in ROBUST_KEYS)
        rows = ["<tr><td>clean</td><td></td>" + "".join(
            f"<td>{_num(metrics, f'robustness/systems/{s}/clean/{k}')}</td><td></td>" for k in ROBUST_KEYS) + "</tr>"]
        for n, row in data["forms"].items():
            cells = []
            for k in ROBUST_KEYS:
                d = row["drop"][k]
                cls = "bad" if (d is not None and d > rob["max_drop_points"] and not row["lossy"]) else ""
                cells.append(f"<td>{_num(metrics, f'robustness/systems/{s}/forms/{n}/scores/{k}')}</td>"
                             f"<td>{_num(metrics, f'robustness/systems/{s}/forms/{n}/drop/{k}', cls)}</td>")
            changed = ", ".join(_e(d) for d in row["documents_changed"][:6])
            more = len(row["documents_changed"]) - 6
            changed += f" (+{more})" if more > 0 else ""
            rows.append(f"<tr><td>{_e(n)}{' (lossy)' if row['lossy'] else ''}</td>"
                        f"<td class=note>{_e(rob['forms'][n]['description'])}</td>{''.join(cells)}"
                        f"<td class=note>{changed}</td></tr>")
        out.append(f"<h3>{_e(s)}</h3><table><tr><th>form</th><th></th>{head}<th>documents changed</th></tr>"
                   + "".join(rows) + "</table>")
    return out


def render_html(ev, metrics: dict, worst: int = 5) -> str:
    systems = metrics["systems_evaluated"]
    prim = metrics["primary"]
    inp = metrics["input"]
    head = [(f"<p>{_e(inp['note'])}. Systems: {', '.join(_e(s) for s in systems)}; the worst-document views show "
             f"<b>{_e(prim)}</b>. xxgk {_e(metrics['xxgk_version'])}, {_e(metrics['created'])}.</p>")]
    for s, why in metrics["unavailable"].items():
        head.append(f'<p class="bad">{_e(s)}: not evaluated — {_e(why)}</p>')
    if metrics.get("model"):
        head.append(f'<p class="note">tagger: {_e(json.dumps(metrics["model"], ensure_ascii=False))}'
                    f' (loaded in {fmt(metrics.get("model_load_seconds"))} s; torch threads '
                    f'{fmt(metrics.get("torch_threads"))})</p>')
    figs = "".join(f'<div class="fig"><img alt="{_e(cap)}" src="{src}"><div class="note">{_e(cap)}</div></div>'
                   for cap, src in _figures(metrics))
    worst_ids = _worst_docs(ev, metrics, worst) if systems else []
    body = [
        "<h1>xxgk evaluation</h1>", *head,
        "<h2>Summary</h2>", _summary_table(metrics),
        ('<p class="note">Best value per row in green. Every number on this page is in metrics.json '
         "(also embedded at the end of this page). How to read it: "
         "docs/evaluation.md in the xxgk repository.</p>"),
        figs,
        ("<h2>Spans</h2><p class=note>Read back from each record: section headers, narrative counts (TOTAL for the "
         "headline total), and the categories the counts took. Strict = label and exact offsets; partial = label and "
         "overlap; missed = no prediction overlaps the gold span; spurious = the prediction overlaps no gold span; "
         "wrong label = exact offsets, another label.</p>"), _span_table(metrics),
        "<h2>Sections</h2>", _kv_table(metrics, [
            ("sections/gold", "gold headers"), ("sections/predicted", "predicted headers"),
            ("sections/precision", "precision (exact number+offsets)"), ("sections/recall", "recall"),
            ("sections/f1", "F1"), ("sections/found", "found with the right number (overlap)"),
            ("sections/found_rate", "found rate"), ("sections/wrong_number", "overlapping header, wrong number"),
            ("sections/offset_error/compared", "headers compared for offsets"),
            ("sections/offset_error/exact", "offsets exact"), ("sections/offset_error/mean_start", "mean |Δstart|"),
            ("sections/offset_error/mean_end", "mean |Δend|"), ("sections/offset_error/max", "max |Δstart|+|Δend|"),
            ("sections/documents_exact", "documents with every header exact")]),
        "<h2>Tables</h2>", _kv_table(metrics, [
            ("cells/cells", "cells scored"), ("cells/correct", "cells right"), ("cells/accuracy", "cell accuracy"),
            ("cells/valued_cells", "cells the gold gives a number"), ("cells/valued_accuracy", "their accuracy"),
            ("cells/tables", "tables scored"), ("cells/tables_exact", "tables with every cell right"),
            ("cells/documents", "documents scored"), ("cells/documents_exact", "documents with every cell right"),
            ("cells/derived/cells", "cells the system derived"), ("cells/derived/accuracy", "derived cells right")]
            + [(f"cells/per_table/{t}/accuracy", f"{t}: cell accuracy") for t in
               sorted({t for s in systems for t in metrics["systems"][s]["cells"]["per_table"]})]
            + [(f"cells/per_table/{t}/tables_exact_rate", f"{t}: tables exact") for t in
               sorted({t for s in systems for t in metrics["systems"][s]["cells"]["per_table"]})]),
        ("<h3>NA (null) and zero</h3><p class=note>null_ok: gold null, output null; null_as_zero: the document gives "
         "no value (NA mark, blank, cut off) but the output says 0; zero_as_null: the document says 0, the output "
         "null; value_as_null: a number missed; wrong_value: another number.</p>"),
        _kv_table(metrics, [(f"cells/na_handling/{k}", k) for k in M.NA_KINDS]),
        f"<h3>Rows, worst first ({_e(prim)})</h3>", _rows_table(metrics),
        "<h2>Narrative counts</h2>", _kv_table(metrics, [
            ("narrative/gold", "gold counts"), ("narrative/predicted", "predicted counts"),
            ("narrative/value_category/precision", "precision (value, category)"),
            ("narrative/value_category/recall", "recall (value, category)"),
            ("narrative/value_category/f1", "F1 (value, category)"),
            ("narrative/span/f1", "F1 (exact offsets + value + category)"),
            ("narrative/value_span/f1", "F1 (exact offsets + value)"),
            ("narrative/documents_exact", "documents with every count right")]),
        "<h2>Reconciliation checks</h2>", _kv_table(metrics, [
            ("checks/status/PASS", "PASS"), ("checks/status/FAIL", "FAIL"),
            ("checks/status/NOT_ASSESSABLE", "NOT_ASSESSABLE"), ("checks/inconsistencies", "gold inconsistencies"),
            ("checks/flagged", "flagged FAIL"), ("checks/false_alarms", "false alarms"),
            ("checks/documents_with_false_alarms", "documents with a false alarm"),
            ("checks/documents_ok", "documents right")]),
        "<h2>Record fields</h2>", _kv_table(metrics, [("fields/accuracy", "all fields")] + [
            (f"fields/per_field/{f}/accuracy", f) for f in
            sorted({f for s in systems for f in metrics["systems"][s]["fields"]["per_field"]})]),
        "<h2>Run cost</h2>", _kv_table(metrics, [
            ("runtime/documents", "documents"), ("runtime/seconds", "seconds (extract)"),
            ("runtime/docs_per_s", "documents per second"), ("runtime/ms_per_doc", "ms per document"),
            ("records/status/ok", "records ok"), ("records/status/partial", "records partial"),
            ("records/status/failed", "records failed"), ("records/raised", "documents where the system raised")]),
        *_robustness_section(metrics),
        "<h2>Documents</h2><p class=note>Click a column to sort; linked documents are shown in detail below.</p>",
        _docs_table(metrics, set(worst_ids)),
        f"<h2>Worst documents ({_e(prim)})</h2>",
        *[_doc_detail(ev, metrics, d) for d in worst_ids],
    ]
    if not worst_ids:
        body.append("<p>No document has an error.</p>")
    data = json.dumps(metrics, ensure_ascii=False).replace("</", "<\\/")
    return ("<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>xxgk evaluation</title>"
            f"<style>{PAGE_CSS}{SPANS_CSS}</style></head><body>{''.join(body)}"
            f'<script type="application/json" id="xxgk-metrics">{data}</script>'
            f"<script>{SORT_JS}</script></body></html>")


def write_report(ev, out_dir: Path, worst: int = 5) -> dict:
    """Write metrics.json and index.html into out_dir; returns the metrics dict."""
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics = build_metrics(ev)
    write_metrics(metrics, out_dir / "metrics.json")
    (out_dir / "index.html").write_text(render_html(ev, metrics, worst=worst), encoding="utf-8")
    return metrics
