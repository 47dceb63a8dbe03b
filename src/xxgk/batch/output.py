"""Records as tables a researcher opens directly: CSV, Parquet and an Excel workbook.

Four tables, built from records (dicts as read back from JSONL):

- **documents**: one row per document — status, consistency, layout, metadata, what is missing,
  the failed checks by name, warnings and errors as text, and one column per table cell;
- **cells**: one row per table cell of the document's own layout (the long form of the above),
  with how the value was obtained and where it is in the text;
- **narrative**: one row per count stated in running text;
- **checks**: one row per reconciliation check.

`tables.csv` holds the documents table, with `tables.narrative.csv`, `tables.cells.csv` and
`tables.checks.csv` beside it (the same for Parquet); `tables.xlsx` holds them as sheets, with a
`columns` sheet saying which layout (2019 / 2021) each cell column belongs to and what it means.
Every file is written to a temporary name and renamed, so a reader never sees half a table.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from xxgk.rules import labels
from xxgk.record import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, Record, figure_text

TABLE_SUFFIXES = (".csv", ".parquet", ".pq", ".xlsx")
XLSX_MAX_ROWS = 1_048_576  # Excel's sheet limit; beyond it the workbook cannot hold the table

# ---------------------------------------------------------------------------------------------
# the cell columns, with the layout each belongs to
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellColumn:
    path: str
    table: str  # "二" | "三" | "四"
    layouts: tuple[str, ...]  # the formats whose template has this cell
    label: str  # row label (and column label) as printed in the template
    is_float: bool = False


def _t2_columns() -> list[CellColumn]:
    out: dict[str, CellColumn] = {}
    for layout, rows in (("2021", labels.T2_ROWS_2021), ("2019", labels.T2_ROWS_2019)):
        for spec in rows:
            for i, col in enumerate(spec.columns):
                path = f"active_disclosure.{spec.key}" + (f".{col}" if col else "")
                is_float = bool(spec.is_float and spec.is_float[i])
                prev = out.get(path)
                lay = (prev.layouts if prev else ()) + (layout,)
                out[path] = CellColumn(path, "二", lay, f"{spec.label} {col}".strip(), is_float)
    return list(out.values())


def _t3_columns() -> list[CellColumn]:
    keys21 = [r.key for r in labels.T3_ROWS_2021]
    keys19 = [r.key for r in labels.T3_ROWS_2019]
    spec_by_key = {r.key: r for r in labels.T3_ROWS_2021 + labels.T3_ROWS_2019}
    order = keys21[:-2] + ["other_processing"] + keys21[-2:]
    out = []
    for key in order:
        lays = tuple(x for x, keys in (("2021", keys21), ("2019", keys19)) if key in keys)
        for col, col_label in zip(APPLICANT_COLUMNS, labels.T3_COLUMN_LABELS):
            out.append(CellColumn(f"applications.{key}.{col}", "三", lays, f"{spec_by_key[key].label} {col_label}"))
    return out


def _t4_columns() -> list[CellColumn]:
    names = {"review": "行政复议", "litigation_direct": "未经复议直接起诉", "litigation_after_review": "复议后起诉"}
    col_names = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}
    return [CellColumn(f"review_litigation.{g}.{c}", "四", ("2021", "2019"), f"{names[g]} {col_names[c]}")
            for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]


CELL_SPECS: tuple[CellColumn, ...] = tuple(_t2_columns() + _t3_columns() + _t4_columns())
CELL_COLUMNS = [c.path for c in CELL_SPECS]
_FLOAT_PATHS = {c.path for c in CELL_SPECS if c.is_float}

DOCUMENT_META = ["doc_id", "source", "url", "status", "consistent", "format", "meta.title", "meta.organization",
                 "meta.year", "meta.published", "sections_found", "missing", "checks_failed", "failed_checks",
                 "warnings", "errors"]
COLUMNS = DOCUMENT_META + CELL_COLUMNS
CELL_ROW = ["doc_id", "source", "layout", "table", "path", "label", "value", "method", "start", "end", "note"]
NARRATIVE_ROW = ["doc_id", "source", "category", "kind", "kind_confidence", "value", "unit", "approximate", "total",
                 "method", "confidence", "start", "end", "category_start", "category_end"]
CHECK_ROW = ["doc_id", "source", "rule", "status", "expected", "found", "cells", "message"]
LIST_SEP = "; "  # inside one CSV cell: missing parts, failed checks
TEXT_SEP = " | "  # warnings and errors are sentences that may hold ";"

_INT_META = {"meta.year", "checks_failed"}
_BOOL_META = {"consistent"}


# ---------------------------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------------------------


def _walk(prefix: str, obj, out: dict) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _walk(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = obj


def _as_dict(rec: Record | dict) -> dict:
    return json.loads(rec.to_json()) if isinstance(rec, Record) else rec


def _cells(d: dict) -> dict:
    cells: dict = {}
    for key in ("active_disclosure", "applications", "review_litigation"):
        if d.get(key) is not None:
            _walk(key, d[key], cells)
    return cells


def document_row(rec: Record | dict) -> dict:
    """The documents table's row: one per document, one column per cell path."""
    d = _as_dict(rec)
    row: dict = {c: None for c in COLUMNS}
    meta = d.get("meta") or {}
    failed = d.get("failed_checks") or [c["rule"] for c in d.get("checks") or [] if c.get("status") == "FAIL"]
    row.update({
        "doc_id": d["doc_id"], "source": d["source"], "url": d.get("url"), "status": d["status"],
        "consistent": d.get("consistent"), "format": d.get("format"),
        "sections_found": "".join(str(s["number"]) for s in d.get("sections") or []),
        "missing": LIST_SEP.join(d.get("missing") or []), "checks_failed": len(failed),
        "failed_checks": LIST_SEP.join(failed), "warnings": TEXT_SEP.join(d.get("warnings") or []),
        "errors": TEXT_SEP.join(d.get("errors") or []),
    })
    for k in ("title", "organization", "year", "published"):
        row[f"meta.{k}"] = meta.get(k)
    for k, v in _cells(d).items():
        if k in row:
            row[k] = v
    return row


def cell_rows(rec: Record | dict) -> Iterator[dict]:
    """The cells of the document's own layout (tables not found give no rows; cells not found
    give rows with an empty value, so what is missing shows)."""
    d = _as_dict(rec)
    layout = d.get("format")
    cells = _cells(d)
    prov = d.get("provenance") or {}
    unsplit = {}  # a null cell of a glued run: its offsets, and the values the splits allow it
    for u in d.get("unsplit") or []:
        for k, path in enumerate(u["paths"]):
            options = " | ".join(dict.fromkeys(figure_text(c[k]) for c in u["candidates"]))
            more = "" if u.get("complete", True) else " | …"
            unsplit[path] = {"start": u.get("start"), "end": u.get("end"),
                             "note": f"glued '{u['digits']}' not split: {options}{more}"}
    for spec in CELL_SPECS:
        if layout not in spec.layouts or spec.path not in cells:
            continue
        p = prov.get(spec.path) or unsplit.get(spec.path) or {}
        yield {"doc_id": d["doc_id"], "source": d["source"], "layout": layout, "table": spec.table,
               "path": spec.path, "label": spec.label, "value": cells[spec.path], "method": p.get("method"),
               "start": p.get("start"), "end": p.get("end"), "note": p.get("note")}


def narrative_rows(rec: Record | dict) -> Iterator[dict]:
    d = _as_dict(rec)
    for n in d.get("narrative") or []:
        row = {k: n.get(k) for k in NARRATIVE_ROW[2:]}
        yield {"doc_id": d["doc_id"], "source": d["source"], **row}


def check_rows(rec: Record | dict) -> Iterator[dict]:
    d = _as_dict(rec)
    for c in d.get("checks") or []:
        yield {"doc_id": d["doc_id"], "source": d["source"], "rule": c["rule"], "status": c["status"],
               "expected": c.get("expected"), "found": c.get("found"), "cells": LIST_SEP.join(c.get("cells") or []),
               "message": c.get("message")}


@dataclass(frozen=True)
class TableKind:
    name: str
    columns: list[str]
    rows: object  # callable: record -> iterable of rows


TABLES = (
    TableKind("documents", COLUMNS, lambda d: [document_row(d)]),
    TableKind("cells", CELL_ROW, cell_rows),
    TableKind("narrative", NARRATIVE_ROW, narrative_rows),
    TableKind("checks", CHECK_ROW, check_rows),
)


def column_dictionary() -> list[dict]:
    """What each documents column means and which layout it follows (the xlsx `columns` sheet)."""
    out = [{"column": c, "layouts": "all", "meaning": "see the record spec"} for c in DOCUMENT_META]
    out += [{"column": c.path, "layouts": " / ".join(c.layouts), "meaning": f"table {c.table}: {c.label}"}
            for c in CELL_SPECS]
    return out


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def file_mode() -> int:
    """The mode a new file gets under the current umask (tempfile's 0600 is meant for secrets)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(path: Path) -> Iterator[str]:
    """A temporary path beside `path`, renamed onto it (with the umask's mode) when the block ends."""
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def companion(path: Path, table: str) -> Path:
    """`tables.csv` + narrative → `tables.narrative.csv`; the documents table keeps the name."""
    return path if table == "documents" else path.with_name(f"{path.stem}.{table}{path.suffix}")


def write_tables(records: Iterable[dict], path: Path) -> None:
    """Every table of `records` to `path` (and its companions), as CSV, Parquet or xlsx by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        _write_csv(records, path)
    elif suffix in (".parquet", ".pq"):
        _write_parquet(records, path)
    elif suffix == ".xlsx":
        _write_xlsx(records, path)
    else:
        raise ValueError(f"not a table output: {path}")


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _write_csv(records: Iterable[dict], path: Path) -> None:
    with ExitStack() as stack:
        writers = {}
        for t in TABLES:
            tmp = stack.enter_context(atomic_path(companion(path, t.name)))
            fh = stack.enter_context(open(tmp, "w", newline="", encoding="utf-8-sig"))  # BOM: Excel reads UTF-8
            w = csv.DictWriter(fh, fieldnames=t.columns)
            w.writeheader()
            writers[t.name] = (t, w)
        for d in records:
            for t, w in writers.values():
                for row in t.rows(d):  # type: ignore[operator]
                    w.writerow({k: _csv_value(row.get(k)) for k in t.columns})


def _arrow_type(table: str, column: str):
    import pyarrow as pa

    if table == "documents":
        if column in _INT_META:
            return pa.int64()
        if column in _BOOL_META:
            return pa.bool_()
        if column in DOCUMENT_META:
            return pa.string()
        return pa.float64() if column in _FLOAT_PATHS else pa.int64()
    if column in ("start", "end", "category_start", "category_end"):
        return pa.int64()
    if column in ("value", "expected", "found", "confidence", "kind_confidence"):
        return pa.float64()
    if column in ("approximate", "total"):
        return pa.bool_()
    return pa.string()


def _schema(t: TableKind):
    import pyarrow as pa

    return pa.schema([pa.field(c, _arrow_type(t.name, c)) for c in t.columns])


def _coerce(v, typ):
    import pyarrow as pa

    if v is None or v == "":
        return None
    if pa.types.is_boolean(typ):
        return bool(v)
    if pa.types.is_integer(typ):
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None
        return int(f) if f == int(f) else None  # never truncate a figure that is not whole
    if pa.types.is_floating(typ):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


PARQUET_BATCH = 2000  # rows buffered per table before a row group is written (bounded memory)


def _write_parquet(records: Iterable[dict], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with ExitStack() as stack:
        out: dict = {}
        for t in TABLES:
            tmp = stack.enter_context(atomic_path(companion(path, t.name)))
            schema = _schema(t)
            writer = stack.enter_context(pq.ParquetWriter(tmp, schema))
            out[t.name] = (t, schema, writer, [])

        def flush(t, schema, writer, buf):
            cols = {c: [_coerce(r.get(c), schema.field(c).type) for r in buf] for c in t.columns}
            writer.write_table(pa.table(cols, schema=schema))
            buf.clear()

        for d in records:
            for t, schema, writer, buf in out.values():
                buf.extend(t.rows(d))  # type: ignore[operator]
                if len(buf) >= PARQUET_BATCH:
                    flush(t, schema, writer, buf)
        for t, schema, writer, buf in out.values():
            flush(t, schema, writer, buf)


def write_parquet_records(records: Iterable[Record | dict], path) -> None:
    """The documents table alone, for one Parquet shard of a folder output."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = TABLES[0]
    schema = _schema(t)
    rows = [document_row(r) for r in records]
    cols = {c: [_coerce(r.get(c), schema.field(c).type) for r in rows] for c in t.columns}
    pq.write_table(pa.table(cols, schema=schema), path)


def _xlsx_value(v):
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return v


def _write_xlsx(records: Iterable[dict], path: Path) -> None:
    try:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter
    except ImportError:  # pragma: no cover - a declared dependency
        raise ValueError("writing .xlsx needs openpyxl (pip install openpyxl)") from None
    wb = Workbook(write_only=True)
    sheets = {}
    for t in TABLES:
        ws = wb.create_sheet(t.name)
        ws.freeze_panes = "A2"
        for i in range(1, min(3, len(t.columns)) + 1):
            ws.column_dimensions[get_column_letter(i)].width = 18
        ws.append(t.columns)
        sheets[t.name] = [t, ws, 1]
    for d in records:
        for entry in sheets.values():
            t, ws, n = entry
            for row in t.rows(d):  # type: ignore[operator]
                n += 1
                if n > XLSX_MAX_ROWS:
                    raise ValueError(f"the {t.name} sheet would exceed Excel's {XLSX_MAX_ROWS} rows; "
                                     f"use .parquet or .csv for a batch this large")
                ws.append([_xlsx_value(row.get(k)) for k in t.columns])
            entry[2] = n
    ws = wb.create_sheet("columns")
    ws.append(["column", "layouts", "meaning"])
    for row in column_dictionary():
        ws.append([row["column"], row["layouts"], row["meaning"]])
    with atomic_path(path) as tmp:
        wb.save(tmp)
