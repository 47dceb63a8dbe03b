"""`xxgk inspect`: one document as a page, no gold needed.

The text with the tagged spans (SECTION, COUNT/TOTAL, CATEGORY) highlighted and each section's
body boxed from its header to the next; the three tables as tables, derived cells marked and
cells of failed checks marked with the failed rules next to the table; the narrative counts; the
record's warnings. Self-contained HTML (inline CSS, no network).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from xxgk.rules import labels
from xxgk.record import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, Record, Section
from xxgk.evaluation.compare import record_spans
from xxgk.evaluation.highlight import CSS as SPANS_CSS
from xxgk.evaluation.highlight import render

PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;
 color:#222;max-width:1300px}
h1{font-size:1.4em}h2{margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f2f2f2}td.l,th.l{text-align:left}
td.derived{background:#c7f0a0}td.fail{background:#ff9c9c;font-weight:bold}td.derived.fail{background:#f7c26b}
td.null{color:#aaa}
.section{border-left:5px solid #7aecec;padding-left:10px;margin:14px 0}
.section.front{border-left-color:#ddd}
.sechead{font-size:0.9em;color:#444;margin:4px 0}
.legend span{display:inline-block;padding:1px 6px;margin-right:8px;border-radius:3px}
.side{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
.checks li{margin:3px 0}.bad{color:#b00}.muted{color:#777}
.kv td{text-align:left}
code.review{display:block;white-space:pre-wrap;word-break:break-all;background:#f6f6f6;border:1px dashed #bbb;
 padding:3px 5px;margin:3px 0;font-size:0.8em;color:#333;user-select:all}
"""

def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _v(v) -> str:
    return "null" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


def _failed_cells(rec: Record) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in rec.checks:
        if c.status == "FAIL":
            for path in c.cells:
                out.setdefault(path, []).append(c.rule)
    return out


def _cell(rec: Record, path: str, value, failed: dict) -> str:
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
    c = f' class="{" ".join(cls)}"' if cls else ""
    return f'<td{c} title="{_e(" | ".join(tip))}">{_e(_v(value))}</td>'


def _table2(rec: Record, failed: dict) -> str:
    data = rec.active_disclosure
    if data is None:
        return '<p class="muted">table 二 not found</p>'
    d = data.model_dump()
    rows = labels.T2_ROWS_2019 if "procurement" in d else labels.T2_ROWS_2021
    groups: dict[tuple, list] = {}
    for spec in rows:
        cols = tuple(k for k in (d[spec.key].keys() if isinstance(d[spec.key], dict) else ("",)))
        groups.setdefault(cols, []).append(spec)
    out = []
    for cols, specs in groups.items():
        out.append('<table><thead><tr><th class="l">row</th>' + "".join(f"<th>{_e(c or 'value')}</th>" for c in cols)
                   + "</tr></thead><tbody>")
        for spec in specs:
            v = d[spec.key]
            out.append(f'<tr><td class="l">{_e(spec.label)} <code>{_e(spec.key)}</code></td>')
            if isinstance(v, dict):
                out.append("".join(_cell(rec, f"active_disclosure.{spec.key}.{c}", v.get(c), failed) for c in cols))
            else:
                out.append(_cell(rec, f"active_disclosure.{spec.key}", v, failed))
            out.append("</tr>")
        out.append("</tbody></table>")
    return "".join(out)


def _table3(rec: Record, failed: dict) -> str:
    data = rec.applications
    if data is None:
        return '<p class="muted">table 三 not found</p>'
    d = data.model_dump()
    rows = labels.T3_ROWS_2019 if "other_processing" in d else labels.T3_ROWS_2021
    out = ['<table><thead><tr><th class="l">row</th>'
           + "".join(f"<th>{_e(lab)}<br><code>{_e(c)}</code></th>" for c, lab in zip(APPLICANT_COLUMNS,
                                                                                  labels.T3_COLUMN_LABELS))
           + "</tr></thead><tbody>"]
    for spec in rows:
        row = d.get(spec.key) or {}
        out.append(f'<tr><td class="l">{_e(spec.label)} <code>{_e(spec.key)}</code></td>'
                   + "".join(_cell(rec, f"applications.{spec.key}.{c}", row.get(c), failed) for c in APPLICANT_COLUMNS)
                   + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _table4(rec: Record, failed: dict) -> str:
    data = rec.review_litigation
    if data is None:
        return '<p class="muted">table 四 not found</p>'
    d = data.model_dump()
    names = {"review": "行政复议", "litigation_direct": "行政诉讼 未经复议直接起诉", "litigation_after_review": "行政诉讼 复议后起诉"}
    out = ['<table><thead><tr><th class="l">group</th>' + "".join(f"<th>{_e(c)}</th>" for c in REVIEW_COLUMNS)
           + "</tr></thead><tbody>"]
    for g in REVIEW_GROUPS:
        row = d.get(g) or {}
        out.append(f'<tr><td class="l">{_e(names[g])} <code>{_e(g)}</code></td>'
                   + "".join(_cell(rec, f"review_litigation.{g}.{c}", row.get(c), failed) for c in REVIEW_COLUMNS)
                   + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _checks_for(rec: Record, prefix: str) -> str:
    fails = [c for c in rec.checks if c.status == "FAIL" and (c.rule.startswith(prefix) or
                                                             any(x.startswith(prefix) for x in c.cells))]
    if not fails:
        n = sum(1 for c in rec.checks if c.rule.startswith(prefix))
        return f'<p class="muted">{n} check(s) on this table, none failed</p>' if n else ""
    items = "".join(f'<li class="bad"><b>{_e(c.rule)}</b>: expected {_e(_v(c.expected))}, found {_e(_v(c.found))}'
                    f'{" — " + _e(c.message) if c.message else ""}<br><span class="muted">cells: '
                    f'{_e(", ".join(c.cells))}</span>{_review_html(rec, c)}</li>' for c in fails)
    return f'<div><b>failed checks</b><ul class="checks">{items}</ul></div>'


def _review_html(rec: Record, check) -> str:
    """The check's review mark, or the line a reviewer copies into a review file (docs/panel.md)."""
    from xxgk.panel.review import review_line

    if check.review is not None:
        r = check.review
        return (f'<br><span class="muted">reviewed: {_e(r.decision)} by {_e(r.reviewer or "unnamed")}'
                f'{" — " + _e(r.note) if r.note else ""}</span>')
    return (f'<br><span class="muted">review line (copy into your review file; dismiss or confirm):</span>'
            f'<code class="review">{_e(review_line(rec, check))}</code>')


def _text_blocks(rec: Record, text: str) -> str:
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
        if sec is None:
            head = f'<div class="sechead">before the first section header · characters {a}–{b}</div>'
            cls = "section front"
        else:
            head = (f'<div class="sechead">section {sec.number} <code>{_e(sec.key)}</code> · header “{_e(sec.title)}” '
                    f'at {sec.start}–{sec.end} · body to {b} · {_e(sec.method)}, confidence {sec.confidence:g}</div>')
            cls = "section"
        out.append(f'<div class="{cls}" id="sec-{sec.number if sec else 0}">{head}{render(text[a:b], local)}</div>')
    return "".join(out)


def inspect_html(rec: Record, text: str) -> str:
    """The page for one record (extracted with its text)."""
    failed = _failed_cells(rec)
    meta = rec.meta
    counts = {k: sum(1 for c in rec.checks if c.status == k) for k in ("PASS", "FAIL", "NOT_ASSESSABLE")}
    kv = [("source", rec.source), ("status", rec.status), ("format", rec.format), ("title", meta.title),
          ("organization", meta.organization), ("year", meta.year), ("published", meta.published),
          ("sections", " ".join(str(s.number) for s in rec.sections) or "none"),
          ("methods", json.dumps(rec.methods, ensure_ascii=False)),
          ("checks", f"{counts['PASS']} PASS · {counts['FAIL']} FAIL · {counts['NOT_ASSESSABLE']} NOT_ASSESSABLE"),
          ("missing", ", ".join(rec.missing) or "nothing")]
    body = [f"<h1>{_e(rec.doc_id)} — {_e(meta.title or 'no title found')}</h1>",
            '<table class="kv"><tbody>' + "".join(f'<tr><th class="l">{_e(k)}</th><td>{_e("" if v is None else v)}</td>'
                                                  f"</tr>" for k, v in kv) + "</tbody></table>"]
    if rec.errors:
        body.append("<p class=bad>" + "<br>".join(_e(x) for x in rec.errors) + "</p>")
    legend = "".join(f'<span style="background:{c}">{_e(k)}</span>' for k, c in (
        ("SECTION", "#7aecec"), ("COUNT", "#feca74"), ("TOTAL", "#ff9561"), ("CATEGORY", "#aa9cfc"),
        ("DERIVED", "#c7f0a0"), ("FAILED CHECK", "#ff6b6b")))
    body.append("<h2>Tables</h2><p class='legend'>cells: <span style='background:#c7f0a0'>derived</span>"
                "<span style='background:#ff9c9c'>in a failed check</span> — hover a cell for its path, "
                "provenance and failed rules</p>")
    for title, fn, prefix in (("table 二 active_disclosure", _table2, "active_disclosure"),
                              ("table 三 applications", _table3, "applications"),
                              ("table 四 review_litigation", _table4, "review_litigation")):
        body.append(f"<h3>{_e(title)}</h3><div class='side'><div>{fn(rec, failed)}</div>"
                    f"{_checks_for(rec, prefix)}</div>")
    other = [c for c in rec.checks if c.status == "FAIL" and not any(
        c.rule.startswith(p) or any(x.startswith(p) for x in c.cells)
        for p in ("active_disclosure", "applications", "review_litigation"))]
    if other:
        body.append("<h3>other failed checks</h3><ul class='checks'>" + "".join(
            f'<li class="bad"><b>{_e(c.rule)}</b>: expected {_e(_v(c.expected))}, found {_e(_v(c.found))}'
            f'{" — " + _e(c.message) if c.message else ""}{_review_html(rec, c)}</li>' for c in other) + "</ul>")
    if rec.narrative:
        body.append("<h2>Narrative counts</h2><table><thead><tr><th class='l'>category</th><th>value</th>"
                    "<th class='l'>unit</th><th class='l'>approx.</th><th>offsets</th><th class='l'>method</th>"
                    "<th class='l'>headline total</th></tr></thead><tbody>" + "".join(
                        f"<tr><td class='l'>{_e(n.category or '—')}</td><td>{_e(_v(n.value))}</td>"
                        f"<td class='l'>{_e(n.unit or '')}</td><td class='l'>{'yes' if n.approximate else ''}</td>"
                        f"<td>{n.start}–{n.end}</td><td class='l'>{_e(n.method)}</td>"
                        f"<td class='l'>{'TOTAL' if n.total else ''}</td></tr>" for n in rec.narrative)
                    + "</tbody></table>")
    body.append(f"<h2>Text</h2><p class='legend'>{legend}</p>{_text_blocks(rec, text)}")
    if rec.warnings:
        body.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{_e(w)}</li>" for w in rec.warnings) + "</ul>")
    return ("<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\">"
            f"<title>xxgk inspect — {_e(rec.doc_id)}</title><style>{PAGE_CSS}{SPANS_CSS}</style></head><body>"
            f"{''.join(body)}</body></html>")


def inspect_file(path: str | Path, doc_id: str | None = None, system: str = "combined", use_model: bool = True,
                 model_path: str | None = None) -> tuple[Record, str, str]:
    """(record, text, note) for one input document; `doc_id` picks a line of a JSONL input."""
    from xxgk.batch.local import Options, load_model
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
    return rec, rec.text or dec.text, note
