"""`xxgk show`: what a person wants to see of a batch at a glance."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table


def show_records(path: Path, limit: int = 20) -> None:
    console = Console(width=max(120, Console().width))
    with open(path, encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    table = Table(title=f"{path} — {len(recs)} records", show_lines=False)
    for col in ("doc_id", "status", "consistent", "format", "year", "organization", "sections", "申请 new", "checks",
                "notes"):
        table.add_column(col)
    for r in recs[:limit]:
        apps = r.get("applications") or {}
        new = (apps.get("new_received") or {}).get("total")
        checks = r.get("checks") or []
        failed = sum(1 for c in checks if c.get("status") == "FAIL")
        passed = sum(1 for c in checks if c.get("status") == "PASS")
        notes = (r.get("errors") or [""])[0] if r["status"] == "failed" else ", ".join(r.get("missing") or [])
        meta = r.get("meta") or {}
        cons = r.get("consistent")
        table.add_row(r["doc_id"], r["status"], {True: "yes", False: "[red]NO[/red]", None: "–"}[cons],
                      r.get("format") or "", str(meta.get("year") or ""),
                      meta.get("organization") or "", "".join(str(s["number"]) for s in r.get("sections") or []),
                      "" if new is None else str(new), f"{passed} pass / {failed} fail", notes[:60])
    console.print(table)
    for r in recs[:3]:
        if r["status"] == "failed":
            continue
        console.print(f"\n[bold]{r['doc_id']}[/bold]: {(r.get('meta') or {}).get('title') or '(no title found)'}")
        for n in (r.get("narrative") or [])[:5]:
            approx = "≈" if n.get("approximate") else ""
            console.print(f"  narrative: {n.get('category')} = {approx}{n['value']}{n.get('unit') or ''} ({n['method']})")
        fails = [c for c in r.get("checks") or [] if c.get("status") == "FAIL"]
        for c in fails[:5]:
            console.print(f"  [red]FAIL[/red] {c['rule']}: expected {c['expected']}, found {c['found']}")
    bad = [r for r in recs if r.get("consistent") is False]
    if bad:
        console.print(f"\n[bold]{len(bad)} documents whose own figures disagree[/bold] (consistent: false)")
        for r in bad[:limit]:
            console.print(f"  {r['doc_id']} ({r['source']}): {', '.join(r.get('failed_checks') or [])}",
                          soft_wrap=True)
