"""`--engine ray`: the same per-batch `Extractor` on Ray Data (install with `pip install xxgk[ray]`).

The driver discovers inputs and writes the output through the same sinks as the local engine
(so `--resume`, sharding and atomic renames behave the same); Ray runs the extraction on its
actors, each loading the tagger once.  On a cluster, inputs must be on storage every node sees.
"""

from __future__ import annotations

import dataclasses
import time

from .batch import Extractor, Options, Summary
from .errors import XXGKError
from .output import open_sink, record_key
from .reading import InputItem, iter_inputs
from .record import Record

_FIELDS = [f.name for f in dataclasses.fields(InputItem)]


class _RayExtractor:
    def __init__(self, opts: Options):
        self.extractor = Extractor(opts, threads=1)

    def __call__(self, batch: dict) -> dict:
        n = len(batch["doc_id"])
        items = [InputItem(**{k: _plain(batch[k][i]) for k in _FIELDS}) for i in range(n)]
        return {"record": [r.to_json() for r in self.extractor(items)]}


def _plain(v):
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if v != v:  # NaN from pandas for missing values
        return None
    return v


def run_ray(inputs: list[str], output: str, opts: Options, resume: bool = False, shard_size: int = 1000,
            concurrency: int | None = None, batch_size: int = 16, shard_format: str = "jsonl") -> Summary:
    try:
        import ray
    except ImportError:
        raise XXGKError("--engine ray needs Ray: pip install 'xxgk[ray]'") from None
    sink = open_sink(output, resume=resume, shard_size=shard_size, shard_format=shard_format)
    done = sink.done() if resume else set()
    summary = Summary(model="per Ray actor")
    start = time.perf_counter()
    rows = []
    for item in iter_inputs(inputs, opts.max_bytes):
        if record_key(item.source) in done:
            summary.skipped += 1
            continue
        rows.append({k: getattr(item, k) for k in _FIELDS})
    try:
        if not ray.is_initialized():
            ray.init(ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        if rows:
            ds = ray.data.from_items(rows)
            ds = ds.map_batches(_RayExtractor, fn_constructor_args=(opts,), batch_size=batch_size,
                                concurrency=concurrency or max(1, int(ray.available_resources().get("CPU", 1))),
                                batch_format="numpy")
            for row in ds.iter_rows():
                rec = Record.model_validate_json(row["record"])
                sink.write(rec)
                summary.add(rec)
    finally:
        sink.close()
    summary.seconds = time.perf_counter() - start
    return summary
