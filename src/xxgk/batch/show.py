"""`xxgk show`: what a person wants to see of a batch at a glance."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from xxgk.batch.sinks import read_records
from xxgk.record import figure_text

NARRATIVE_SHOWN = 5  # per document; the record holds them all
FAILS_SHOWN = 5


def select(recs, statuses: set[str] | None = None, failed_checks: bool = False, unsplit: bool = False,
           warning: str | None = None):
    for r in recs:
        if statuses and r.get("status") not in statuses:
            continue
        if failed_checks and r.get("consistent") is not False:
            continue
        if unsplit and not r.get("unsplit"):
            continue
        if warning and not any(w.startswith(warning + " ") for w in r.get("warnings") or []):
            continue
        yield r


def show_records(path: Path, limit: int = 20, statuses: set[str] | None = None, failed_checks: bool = False,
                 console: Console | None = None, unsplit: bool = False, warning: str | None = None) -> None:
    console = console or Console(width=max(120, Console().width), soft_wrap=True)
    total = 0
    shown: list[dict] = []
    for r in select(read_records(path), statuses, failed_checks, unsplit, warning):  # streamed: a batch may be large
        total += 1
        if len(shown) < limit:
            shown.append(r)
    what = []
    if statuses:
        what.append("status " + "/".join(sorted(statuses)))
    if failed_checks:
        what.append("with failed checks")
    if unsplit:
        what.append("with glued runs left empty")
    if warning:
        what.append(f"warned {warning}")
    title = f"{path} — {total} records" + (f" ({', '.join(what)})" if what else "")
    if total > len(shown):
        title += f", first {len(shown)} shown"
    table = Table(title=title, show_lines=False)
    for col in ("doc_id", "status", "consistent", "format", "year", "organization", "sections", "申请 new", "checks",
                "notes"):
        table.add_column(col)
    for r in shown:
        apps = r.get("applications") or {}
        new = (apps.get("new_received") or {}).get("total")
        checks = r.get("checks") or []
        failed = sum(1 for c in checks if c.get("status") == "FAIL")
        passed = sum(1 for c in checks if c.get("status") == "PASS")
        notes = (r.get("errors") or [""])[0] if r["status"] == "failed" else ", ".join(r.get("missing") or [])
        meta = r.get("meta") or {}
        cons = r.get("consistent")
        table.add_row(r["doc_id"], r["status"], {True: "yes", False: "[red]NO[/red]", None: "–"}[cons],
                      r.get("format") or "", str(meta.get("year") or ""), meta.get("organization") or "",
                      "".join(str(s["number"]) for s in r.get("sections") or []),
                      "" if new is None else str(new), f"{passed} pass / {failed} fail", notes[:60])
    console.print(table)
    for r in shown:
        if r["status"] == "failed":
            continue
        title_text = (r.get("meta") or {}).get("title") or "(no title found)"
        console.print(f"\n[bold]{r['doc_id']}[/bold]: {title_text}", highlight=False)
        for n in (r.get("narrative") or [])[:NARRATIVE_SHOWN]:
            approx = "≈" if n.get("approximate") else ""
            category = n.get("category") or "(nothing named)"
            console.print(f"  narrative: {category} = {approx}{n['value']}{n.get('unit') or ''} ({n['method']})",
                          highlight=False)
        fails = [c for c in r.get("checks") or [] if c.get("status") == "FAIL"]
        for c in fails[:FAILS_SHOWN]:
            console.print(f"  [red]FAIL[/red] {c['rule']}: expected {c['expected']}, found {c['found']}",
                          highlight=False)
        if len(fails) > FAILS_SHOWN:
            console.print(f"  … {len(fails) - FAILS_SHOWN} more failed checks", highlight=False)
        for u in r.get("unsplit") or []:
            splits = " | ".join(",".join(map(figure_text, c)) for c in u["candidates"])
            more = "" if u.get("complete", True) else " | …"
            cells = ", ".join(p.split(".", 1)[1] for p in u["paths"])
            console.print(f"  [yellow]glued[/yellow] '{u['digits']}' → {cells}: {splits}{more}", highlight=False)
