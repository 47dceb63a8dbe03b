"""`--engine ray`: the same per-batch `Extractor` on Ray Data (install with `pip install xxgk[ray]`).

The driver discovers inputs and writes the output through the same sinks as the local engine
(so `--resume`, sharding and atomic renames behave the same); Ray runs the extraction on its
actors, each loading the tagger once.  On a cluster, inputs must be on storage every node sees.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from xxgk.batch.local import Extractor, Options, Summary, open_run_sink
from xxgk.errors import Errors, XXGKError
from xxgk.inputs.reading import InputItem, iter_inputs
from xxgk.record import Record, failed_record
from xxgk.batch.sinks import record_key

_FIELDS = [f.name for f in dataclasses.fields(InputItem)]


class _RayExtractor:
    def __init__(self, opts: Options):
        self.extractor = Extractor(opts, threads=1)

    def __call__(self, batch: dict) -> dict:
        """One record per row, whatever happens: an actor that raised would be retried on the same
        rows forever, so nothing may escape from here."""
        out, ids, sources = [], [], []
        for i in range(len(batch["doc_id"])):
            row = {k: _plain(batch[k][i]) for k in _FIELDS}
            try:
                recs = self.extractor([InputItem(**row)])  # one per report of the file
            except Exception as e:  # pragma: no cover - extract_item already turns errors into records
                detail = f"{type(e).__name__}: {e}"[:200]
                recs = [failed_record(str(row["doc_id"]), str(row["source"]),
                                      [Errors.E015.format(detail=detail, source=row["source"])])]
            for rec in recs:
                out.append(rec.to_json())
                ids.append(rec.doc_id)
                sources.append(rec.source)
        return {"record": out, "doc_id": ids, "source": sources}


def _plain(v):
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if v != v:  # NaN from pandas for missing values
        return None
    return v


def _to_record(raw: str, row: dict) -> Record:
    try:
        return Record.model_validate_json(raw)
    except ValueError as e:  # never expected (records are validated where made), never fatal
        return failed_record(str(row["doc_id"]), str(row["source"]),
                             [Errors.E015.format(detail=f"invalid record: {str(e)[:150]}", source=row["source"])])


def run_ray(inputs: list[str], output: str, opts: Options, resume: bool = False, shard_size: int = 1000,
            concurrency: int | None = None, batch_size: int = 16, shard_format: str = "jsonl",
            force: bool = False, allow_mixed: bool = False) -> Summary:
    try:
        import ray
    except ImportError:
        raise XXGKError("--engine ray needs Ray: pip install 'xxgk[ray]'") from None
    sink = open_run_sink(output, opts, resume, force, allow_mixed, shard_size, shard_format)
    done = sink.done() if resume else set()
    summary = Summary(model="per Ray actor")
    start = time.perf_counter()
    rows = []
    for item in iter_inputs(inputs, opts.max_bytes):
        if record_key(item.source) in done:
            summary.skipped += 1
            continue
        rows.append({k: getattr(item, k) for k in _FIELDS})
    finished = False
    try:
        if not ray.is_initialized():
            ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        if rows:
            ds: Any = ray.data.from_items(rows)
            ds = ds.map_batches(_RayExtractor, fn_constructor_args=(opts,), batch_size=batch_size,
                                concurrency=concurrency or max(1, int(ray.available_resources().get("CPU", 1))),
                                batch_format="numpy")
            for row in ds.iter_rows():
                rec = _to_record(row["record"], row)
                if record_key(rec.source) in done:
                    continue  # a later report of a file a killed run had begun (local.run says why)
                sink.write(rec)
                summary.add(rec)
        finished = True
    finally:
        if finished:
            sink.close()
        else:
            sink.abort()
    summary.seconds = time.perf_counter() - start
    return summary
