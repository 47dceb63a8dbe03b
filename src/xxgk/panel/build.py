"""Joining records into a panel (body × year), its conflicts, and its tables.

Records are reviewed first (value corrections feed the cross-year checks), then identified
(identity), grouped by body and year, and checked (checks).  Two records for one body and year are a
named conflict: both stay in the tables, flagged, and the checks touching that year are
NOT_ASSESSABLE naming them — the panel never picks one silently.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.errors import Warnings
from xxgk.record import Record, figure_text, get_path, table_cells
from xxgk.panel.checks import CrossYearCheck, body_checks
from xxgk.panel.copies import fill_from_copies
from xxgk.panel.identity import Identities, load_aliases, raw_name, resolve
from xxgk.batch.sinks import prepare_folder
from xxgk.panel.read import iter_records
from xxgk.panel.review import CROSS_YEAR_PREFIX, ReviewBook, load_review, mark_checks
from xxgk.panel.settle import settle_by_years, used_checks

# the wide table's columns and the body pages' small multiples, in this order
HEADLINE = (
    "applications.new_received.total",
    "applications.carried_over.total",
    "applications.total_processed.total",
    "applications.carried_forward.total",
    "applications.granted.total",
    "review_litigation.review.total",
    "review_litigation.litigation_direct.total",
    "review_litigation.litigation_after_review.total",
    "active_disclosure.normative_documents.in_force",
    "active_disclosure.regulations.in_force",
    "active_disclosure.normative_documents.total_public",
    "active_disclosure.regulations.total_public",
)
TIDY_COLUMNS = ("body", "year", "doc_id", "source", "format", "status", "path", "value", "method", "start", "end",
                "original", "review", "conflict", "xxgk", "tagger", "system")
WIDE_KEYS = ("body", "year", "doc_id", "source", "format", "conflict")
CHECK_COLUMNS = ("body", "year", "prior_year", "rule", "status", "relation", "expected", "found", "formula",
                 "message", "review", "documents", "evidence")
# differing cells named per conflict (the rest are counted)
CONFLICT_DIFF_SHOWN = 20


@dataclass
class Conflict:
    body: str
    year: int
    records: list[Record]
    differing: list[str]  # cell paths whose values differ between the records

    def to_dict(self) -> dict:
        return {"body": self.body, "year": self.year, "name": f"{self.body} {self.year}",
                "documents": [{"doc_id": r.doc_id, "source": r.source, "format": r.format,
                               "text_sha256": r.text_sha256} for r in self.records],
                "same_figures": not self.differing, "differing_cells": self.differing[:CONFLICT_DIFF_SHOWN],
                "differing_count": len(self.differing)}


@dataclass
class Panel:
    records: list[Record] = field(default_factory=list)  # those in the panel
    body_of: dict[int, str] = field(default_factory=dict)  # id(record) → body
    bodies: dict[str, dict[int, list[Record]]] = field(default_factory=dict)
    identities: Identities = field(default_factory=Identities)
    checks: list[CrossYearCheck] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # W162 left out, W161 unused review lines, ambiguous names

    def in_conflict(self, rec: Record) -> bool:
        body = self.body_of[id(rec)]
        return rec.meta.year is not None and len(self.bodies[body][rec.meta.year]) > 1

    def summary(self) -> dict:
        counts = {s: sum(1 for c in self.checks if c.status == s) for s in ("PASS", "FAIL", "NOT_ASSESSABLE")}
        return {"records": len(self.records), "bodies": len(self.bodies),
                "bodies_with_several_years": sum(1 for b in self.bodies.values() if len(b) > 1),
                "conflicts": len(self.conflicts), "checks": counts,
                "failed_unreviewed": sum(1 for c in self.checks if c.status == "FAIL" and c.review is None),
                "notes": len(self.notes)}


def build_panel(specs: Sequence[str | Path], aliases: str | Path | None = None,
                review: str | Path | ReviewBook | None = None) -> Panel:
    records = list(iter_records(specs))
    book = load_review(review) if isinstance(review, (str, Path)) else review
    if book is not None:
        book.check_unique(records)
        for r in records:
            book.apply(r)
    return join(records, load_aliases(aliases) if aliases else None, book)


def join(records: list[Record], aliases: dict[str, str] | None = None, book: ReviewBook | None = None) -> Panel:
    panel = Panel()
    named: list[tuple[Record, str]] = []
    for r in records:
        name = raw_name(r.meta.organization, r.meta.title)
        why = ("status failed" if r.status == "failed" else "no reporting year" if r.meta.year is None
               else "no organisation name or title" if name is None else None)
        if why or name is None:
            panel.notes.append(Warnings.W162.format(why=why, source=r.source))
            continue
        named.append((r, name))
    panel.identities = resolve([n for _, n in named], aliases)
    panel.notes.extend(panel.identities.ambiguous)
    for r, name in named:
        body = panel.identities.body[name]
        panel.records.append(r)
        panel.body_of[id(r)] = body
        year = r.meta.year
        assert year is not None  # records without a year were left out above
        panel.bodies.setdefault(body, {}).setdefault(year, []).append(r)
    for body in sorted(panel.bodies):
        by_year = panel.bodies[body]
        for year in sorted(by_year):
            if len(by_year[year]) > 1:
                panel.notes.extend(fill_from_copies(by_year[year]))
                panel.conflicts.append(Conflict(body, year, by_year[year], _differing(by_year[year])))
        notes, used = settle_by_years(body, by_year)
        panel.notes.extend(notes)
        panel.checks.extend(used_checks(body_checks(body, by_year), used))
    if book is not None:
        _review_cross_year(panel, book)
        panel.notes.extend(book.unused())
    return panel


def _review_cross_year(panel: Panel, book: ReviewBook) -> None:
    """Cross-year decisions name the later year's document (doc_id or source) and the rule."""
    for e in book.entries:
        d = e.decision
        if d.check is None or not d.check.startswith(CROSS_YEAR_PREFIX):
            continue
        for c in panel.checks:
            later = {(x.doc_id, x.source) for x in c.evidence if x.year == c.year}
            if any(d.document in pair for pair in later):
                e.used += mark_checks([c], d)


def _differing(recs: list[Record]) -> list[str]:
    cells = [table_cells(r) for r in recs]
    paths = sorted(set().union(*cells))
    return [p for p in paths if len({repr(c.get(p)) for c in cells}) > 1]


# ---------------------------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------------------------


def _sorted_records(panel: Panel) -> list[Record]:
    return sorted(panel.records, key=lambda r: (panel.body_of[id(r)], r.meta.year, r.source))


def _review_text(mark) -> str:
    if mark is None:
        return ""
    return f"{mark.decision} by {mark.reviewer or 'unnamed'}" + (f": {mark.note}" if mark.note else "")


def tidy_rows(panel: Panel) -> list[dict]:
    """One row per (record, table cell): the long table."""
    rows = []
    for r in _sorted_records(panel):
        prod = r.producer
        head = {"body": panel.body_of[id(r)], "year": r.meta.year, "doc_id": r.doc_id, "source": r.source,
                "format": r.format, "status": r.status, "conflict": panel.in_conflict(r),
                "xxgk": prod.xxgk if prod else None, "tagger": prod.tagger if prod else None,
                "system": prod.system if prod else None}
        for path, value in table_cells(r).items():
            p = r.provenance.get(path)
            rows.append({**head, "path": path, "value": value, "method": p.method if p else None,
                         "start": p.start if p else None, "end": p.end if p else None,
                         "original": p.original if p else None, "review": _review_text(p.review) if p else ""})
    return rows


def wide_rows(panel: Panel) -> list[dict]:
    """One row per record (body, year), the headline figures as columns."""
    rows = []
    for r in _sorted_records(panel):
        row = {"body": panel.body_of[id(r)], "year": r.meta.year, "doc_id": r.doc_id, "source": r.source,
               "format": r.format, "conflict": panel.in_conflict(r)}
        for path in HEADLINE:
            row[path] = get_path(r, path)
        rows.append(row)
    return rows


def check_rows(panel: Panel) -> list[dict]:
    rows = []
    for c in panel.checks:
        d = c.model_dump(mode="json")
        rows.append({**{k: d.get(k) for k in CHECK_COLUMNS if k in d}, "review": _review_text(c.review),
                     "documents": " | ".join(c.documents),
                     "evidence": "; ".join(f"{e.year} {e.path}={figure_text(e.value)} [{e.doc_id}]" for e in c.evidence)})
    return rows


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def _write_csv(path: Path, rows: list[dict], columns) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:  # the BOM lets Excel read the Chinese
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})


def _write_tidy_parquet(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"year": pa.int64(), "value": pa.float64(), "start": pa.int64(), "end": pa.int64(),
             "original": pa.float64(), "conflict": pa.bool_()}
    schema = pa.schema([pa.field(c, types.get(c, pa.string())) for c in TIDY_COLUMNS])
    cols = {c: [_arrow_value(r.get(c), schema.field(c).type) for r in rows] for c in TIDY_COLUMNS}
    pq.write_table(pa.table(cols, schema=schema), path)


def _arrow_value(v, typ):
    import pyarrow as pa

    if v is None:
        return None
    if pa.types.is_floating(typ):
        return float(v)
    if pa.types.is_string(typ):
        return str(v)
    return v


def _write_xlsx(path: Path, sheets: dict[str, tuple[list[dict], tuple]]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, (rows, columns) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(list(columns))
        for row in rows:
            ws.append([_cell_value(row.get(c)) for c in columns])
        ws.freeze_panes = "A2"
        for i, c in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = min(48, max(8, len(str(c)) + 2))
    wb.save(path)


def _cell_value(v):
    if v is None or isinstance(v, (int, float, str, bool)):
        return v
    return json.dumps(v, ensure_ascii=False)


def body_rows(panel: Panel) -> list[dict]:
    rows = []
    for body in sorted(panel.bodies):
        years = sorted(panel.bodies[body])
        variants = panel.identities.variants(body)
        rows.append({"body": body, "years": " ".join(map(str, years)), "reports": sum(
            len(v) for v in panel.bodies[body].values()), "variants": " | ".join(variants),
            "joined_by": " | ".join(f"{v}: {panel.identities.why[v]}" for v in variants)})
    return rows


BODY_COLUMNS = ("body", "years", "reports", "variants", "joined_by")
CONFLICT_COLUMNS = ("body", "year", "name", "same_figures", "differing_count", "differing_cells", "documents")


def write_panel(panel: Panel, out: str | Path, html: bool = True) -> dict[str, Path]:
    """Write every output into the folder `out`; returns name → path."""
    out = Path(out)
    prepare_folder(out)
    tidy, wide, checks = tidy_rows(panel), wide_rows(panel), check_rows(panel)
    conflicts = [c.to_dict() for c in panel.conflicts]
    bodies = body_rows(panel)
    wide_columns = WIDE_KEYS + HEADLINE
    files = {name: out / name for name in ("tidy.csv", "tidy.parquet", "wide.csv", "checks.json", "checks.csv",
                                           "conflicts.json", "conflicts.csv", "bodies.csv", "panel.xlsx",
                                           "summary.json")}
    _write_csv(files["tidy.csv"], tidy, TIDY_COLUMNS)
    _write_tidy_parquet(files["tidy.parquet"], tidy)
    _write_csv(files["wide.csv"], wide, wide_columns)
    files["checks.json"].write_text(json.dumps([c.model_dump(mode="json") for c in panel.checks],
                                               ensure_ascii=False, indent=1), encoding="utf-8")
    _write_csv(files["checks.csv"], checks, CHECK_COLUMNS)
    files["conflicts.json"].write_text(json.dumps(conflicts, ensure_ascii=False, indent=1), encoding="utf-8")
    conflict_rows = [{**c, "differing_cells": " ".join(c["differing_cells"]),
                      "documents": " | ".join(f"{d['doc_id']} ({d['source']})" for d in c["documents"])}
                     for c in conflicts]
    _write_csv(files["conflicts.csv"], conflict_rows, CONFLICT_COLUMNS)
    _write_csv(files["bodies.csv"], bodies, BODY_COLUMNS)
    _write_xlsx(files["panel.xlsx"], {"wide": (wide, wide_columns), "tidy": (tidy, TIDY_COLUMNS),
                                      "checks": (checks, CHECK_COLUMNS), "conflicts": (conflict_rows, CONFLICT_COLUMNS),
                                      "bodies": (bodies, BODY_COLUMNS)})
    summary = {**panel.summary(), "notes_list": panel.notes}
    files["summary.json"].write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if html:
        from xxgk.panel.html import write_html

        files.update(write_html(panel, out))
    return files
