"""Where records go: JSONL (the record itself), or CSV / Parquet flattenings of the tables.

Every sink knows which documents it already holds (for `--resume`) and writes so that an
interrupted run leaves a readable file: JSONL appends one whole line per record and drops a
torn last line on resume; CSV/Parquet are rewritten through a temporary file and a rename.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from pathlib import Path

from . import labels
from .errors import XXGKError
from .record import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, Record

# ---------------------------------------------------------------------------------------------
# flattening: one row per document, one column per cell path
# ---------------------------------------------------------------------------------------------

_T2_PATHS_2021 = [f"active_disclosure.{r}.{c}" for r in ("regulations", "normative_documents")
                  for c in ("issued", "repealed", "in_force")] + \
                 [f"active_disclosure.{k}" for k in ("licensing", "punishment", "coercion", "fees")]
_T2_PATHS_2019 = [f"active_disclosure.{r}.{c}" for r in ("regulations", "normative_documents")
                  for c in ("made", "published", "total_public")] + \
                 [f"active_disclosure.{r}.{c}" for r in ("licensing", "other_services", "punishment", "coercion")
                  for c in ("prior_items", "change", "decisions")] + \
                 [f"active_disclosure.fees.{c}" for c in ("prior_items", "change")] + \
                 [f"active_disclosure.procurement.{c}" for c in ("items", "amount")]
_T3_ROWS = [r.key for r in labels.T3_ROWS_2021] + ["other_processing"]
_T3_PATHS = [f"applications.{r}.{c}" for r in _T3_ROWS for c in APPLICANT_COLUMNS]
_T4_PATHS = [f"review_litigation.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
_FLOAT_PATHS = {"active_disclosure.fees", "active_disclosure.procurement.amount"}

META_COLUMNS = ["doc_id", "source", "url", "status", "format", "meta.title", "meta.organization", "meta.year",
                "meta.published", "sections_found", "checks_failed", "checks_failed_rules", "warnings", "errors"]
CELL_COLUMNS = _T2_PATHS_2021 + [p for p in _T2_PATHS_2019 if p not in _T2_PATHS_2021] + _T3_PATHS + _T4_PATHS
COLUMNS = META_COLUMNS + CELL_COLUMNS


def _walk(prefix: str, obj, out: dict) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            _walk(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = obj


def flatten(rec: Record | dict) -> dict:
    d = rec.model_dump() if isinstance(rec, Record) else rec
    row = {c: None for c in COLUMNS}
    row.update({"doc_id": d["doc_id"], "source": d["source"], "url": d.get("url"), "status": d["status"],
                "format": d.get("format")})
    meta = d.get("meta") or {}
    for k in ("title", "organization", "year", "published"):
        row[f"meta.{k}"] = meta.get(k)
    row["sections_found"] = "".join(str(s["number"]) for s in d.get("sections") or [])
    failed = [c["rule"] for c in d.get("checks") or [] if c.get("status") == "FAIL"]
    row["checks_failed"] = len(failed)
    row["checks_failed_rules"] = ";".join(failed)
    row["warnings"] = len(d.get("warnings") or [])
    row["errors"] = " | ".join(d.get("errors") or [])
    cells: dict = {}
    for key in ("active_disclosure", "applications", "review_litigation"):
        if d.get(key) is not None:
            _walk(key, d[key], cells)
    for k, v in cells.items():
        if k in row:
            row[k] = v
    return row


def _arrow_schema():
    import pyarrow as pa

    fields = []
    for c in COLUMNS:
        if c in ("meta.year", "checks_failed", "warnings"):
            t = pa.int64()
        elif c in META_COLUMNS:
            t = pa.string()
        elif c in _FLOAT_PATHS:
            t = pa.float64()
        else:
            t = pa.int64()
        fields.append(pa.field(c, t))
    return pa.schema(fields)


# ---------------------------------------------------------------------------------------------
# sinks
# ---------------------------------------------------------------------------------------------


def record_key(source: str) -> str:
    """What identifies a document across runs (resume): where it came from."""
    return source


class Sink:
    def __init__(self, path: Path, resume: bool):
        self.path = path
        self.resume = resume
        self.written = 0

    def done(self) -> set[str]:
        return set()

    def write(self, rec: Record) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _check_writable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise XXGKError(f"cannot create output folder {parent}: {e.strerror or e}") from None
    if path.exists() and path.is_dir():
        return
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise XXGKError(f"output is not writable: {path}")


_SOURCE = re.compile(rb'"source":\s*("(?:[^"\\]|\\.)*")')


class JsonlSink(Sink):
    def __init__(self, path: Path, resume: bool):
        super().__init__(path, resume)
        _check_writable(path)
        self._done: set[str] = set()
        if resume and path.exists():
            self._repair_and_scan()
            mode = "a"
        else:
            mode = "w"
        try:
            self.fh = open(path, mode, encoding="utf-8")
        except OSError as e:
            raise XXGKError(f"cannot write {path}: {e.strerror or e}") from None

    def _repair_and_scan(self) -> None:
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                cut = data.rfind(b"\n") + 1  # a record torn by a kill: drop it, it will be redone
                fh.truncate(cut)
                data = data[:cut]
        for line in data.splitlines():
            m = _SOURCE.search(line, 0, 4096)  # no need to parse 40 KB records to learn their source
            if m:
                try:
                    self._done.add(record_key(json.loads(m.group(1))))
                except ValueError:
                    continue

    def done(self) -> set[str]:
        return self._done

    def write(self, rec: Record) -> None:
        self.fh.write(rec.to_json() + "\n")
        self.fh.flush()
        self.written += 1

    def close(self) -> None:
        self.fh.close()


class TableSink(Sink):
    """CSV or Parquet: rows kept in memory and written atomically at the end (and periodically)."""

    def __init__(self, path: Path, resume: bool, kind: str, flush_every: int = 1000):
        super().__init__(path, resume)
        _check_writable(path)
        self.kind = kind
        self.rows: list[dict] = []
        self.flush_every = flush_every
        if resume and path.exists():
            self.rows = self._read_existing()
        self._done = {record_key(r["source"]) for r in self.rows if r.get("source")}

    def _read_existing(self) -> list[dict]:
        try:
            if self.kind == "csv":
                with open(self.path, newline="", encoding="utf-8") as fh:
                    return [dict(r) for r in csv.DictReader(fh)]
            import pyarrow.parquet as pq

            return pq.read_table(self.path).to_pylist()
        except Exception as e:
            raise XXGKError(f"cannot resume from {self.path}: {e}") from None

    def done(self) -> set[str]:
        return self._done

    def write(self, rec: Record) -> None:
        self.rows.append(flatten(rec))
        self.written += 1
        if self.written % self.flush_every == 0:
            self._flush()

    def _flush(self) -> None:
        fd, tmp = tempfile.mkstemp(dir=str(self.path.parent or "."), prefix=".xxgk-", suffix=self.path.suffix)
        os.close(fd)
        try:
            if self.kind == "csv":
                with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:
                    w = csv.DictWriter(fh, fieldnames=COLUMNS)
                    w.writeheader()
                    for r in self.rows:
                        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS})
            else:
                write_parquet(self.rows, tmp)
            os.replace(tmp, self.path)
        except OSError as e:
            raise XXGKError(f"cannot write {self.path}: {e.strerror or e}") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def close(self) -> None:
        self._flush()


def write_parquet(rows: list[dict], path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schema()
    cols = {c: [_coerce(r.get(c), schema.field(c).type) for r in rows] for c in COLUMNS}
    pq.write_table(pa.table(cols, schema=schema), path)


def _coerce(v, typ):
    import pyarrow as pa

    if v is None or v == "":
        return None
    if pa.types.is_integer(typ):
        try:
            return int(float(v))
        except (TypeError, ValueError):
            return None
    if pa.types.is_floating(typ):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None
    return str(v)


def open_sink(path: str | Path, resume: bool = False, shard_size: int = 1000, shard_format: str = "jsonl") -> Sink:
    raw = str(path)
    path = Path(path)
    suffix = path.suffix.lower()
    if raw.endswith(("/", os.sep)) or path.is_dir() or suffix == "":
        from .shards import ShardedSink

        return ShardedSink(path, resume, shard_size, shard_format)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonlSink(path, resume)
    if suffix == ".csv":
        return TableSink(path, resume, "csv")
    if suffix in (".parquet", ".pq"):
        return TableSink(path, resume, "parquet")
    raise XXGKError(f"unknown output format '{suffix}' (use .jsonl, .csv, .parquet, or a folder)")
