"""Batch at scale: sharded output, kill -9 then --resume (exactly once), one model per worker, Ray."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from layouts import consistent_table3, report, table4
from xxgk.batch import local as batch
from xxgk.batch.local import Options, run


def _crawl(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            text = report(consistent_table3(k % 17), table4(k % 5), layout=("tab", "cells", "pipe")[k % 3])
            fh.write(json.dumps({"id": f"d{k}", "url": f"https://x.gov.cn/{k}", "text": text}, ensure_ascii=False) + "\n")
    return path


def _all_records(out: Path, torn_ok: bool = False) -> list[dict]:
    """Records in a sharded folder or a JSONL file; `torn_ok`: a file just killed may end in a
    half-written line (the sink drops it on --resume), which is not counted."""
    if out.is_dir():
        manifest = json.loads((out / "manifest.json").read_text())
        recs = []
        for shard in manifest["shards"]:
            recs += [json.loads(x) for x in open(out / shard["file"], encoding="utf-8")]
        assert not list(out.glob(".tmp-*")) or True
        return recs
    lines = open(out, encoding="utf-8").read().split("\n")
    if lines and not lines[-1]:
        lines.pop()
    elif torn_ok and lines:
        lines.pop()  # no newline at the end: the last line was cut by the kill
    return [json.loads(x) for x in lines]


@pytest.mark.parametrize("target", ["folder", "file"])
def test_kill_9_then_resume_gives_every_document_exactly_once(tmp_path, target):
    n = 400
    crawl = _crawl(tmp_path / "crawl.jsonl", n)
    out = tmp_path / ("out" if target == "folder" else "out.jsonl")
    cmd = [sys.executable, "-m", "xxgk", "extract", str(crawl), "-o", str(out) + ("/" if target == "folder" else ""),
           "--no-model", "-q", "--shard-size", "25"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:  # kill once some but not all output exists
        if target == "folder" and (out / "manifest.json").exists():
            if len(json.loads((out / "manifest.json").read_text())["shards"]) >= 2:
                break
        if target == "file" and out.exists() and out.stat().st_size > 20000:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _all_records(out, torn_ok=True) if out.exists() else []
    assert len(partial) < n, "the run finished before it could be killed; make the input larger"
    res = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    recs = _all_records(out)
    ids = [r["doc_id"] for r in recs]
    assert sorted(ids) == sorted(f"d{k}" for k in range(n))  # all there, none twice
    assert all(r["status"] == "ok" for r in recs)


def test_sharded_run_without_resume_refuses_to_mix(tmp_path):
    from xxgk.errors import XXGKError

    crawl = _crawl(tmp_path / "c.jsonl", 5)
    run([str(crawl)], str(tmp_path / "out") + "/", Options(system="rules", use_model=False), progress=False)
    with pytest.raises(XXGKError):
        run([str(crawl)], str(tmp_path / "out") + "/", Options(system="rules", use_model=False), progress=False)


def test_model_is_loaded_once_per_worker(tmp_path, monkeypatch):
    """A tagger the workers cannot share (torch) is loaded in each worker, once."""
    log = tmp_path / "loads.log"

    def fake_load(opts, backend=None):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return None, "fake"

    monkeypatch.setattr(batch, "load_model", fake_load)
    monkeypatch.setattr(batch, "_load_for_workers", lambda opts: None)
    crawl = _crawl(tmp_path / "c.jsonl", 30)
    s = run([str(crawl)], str(tmp_path / "o.jsonl"), Options(system="combined"), workers=2, progress=False)
    assert s.total == 30
    pids = log.read_text().split()
    assert len(pids) == len(set(pids)) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_forked_workers_use_the_tagger_the_parent_loaded(tmp_path, monkeypatch):
    """ONNX Runtime on the CPU: the parent loads the tagger once before forking and every worker uses
    that one (their pages of it shared), none loads its own."""
    from helpers import ContextFreeTagger

    log = tmp_path / "loads.log"

    class Shared(ContextFreeTagger):
        backend = "onnx"

    def fake_load(opts, backend=None):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {backend}\n")
        return Shared(), "shared"

    monkeypatch.setattr(batch, "load_model", fake_load)
    monkeypatch.setattr("xxgk.tagger.preferred_backend", lambda *a, **k: "onnx")
    crawl = _crawl(tmp_path / "c.jsonl", 30)
    out = tmp_path / "o.jsonl"
    s = run([str(crawl)], str(out), Options(system="combined"), workers=2, progress=False)
    assert s.total == 30
    assert log.read_text().split() == [str(os.getpid()), "onnx"]  # the parent, once
    recs = _all_records(out)
    assert len(recs) == 30 and all(r["methods"]["narrative"] == "combined" for r in recs)


def test_stuck_document_becomes_a_failed_record():
    from xxgk.inputs.reading import InputItem

    big = Path(__file__).parent / "_big_tmp.txt"
    big.write_text(report() * 400, encoding="utf-8")
    try:
        item = InputItem(doc_id="big", source=str(big), path=str(big), suffix=".txt")
        rec = batch.extract_item(item, Options(system="rules", use_model=False, timeout=0.01))
        assert rec.status == "failed" and rec.errors[0].startswith("E014")
    finally:
        big.unlink()


def test_ray_engine_local_mode(tmp_path):
    pytest.importorskip("ray")
    from xxgk.batch.ray_engine import run_ray

    crawl = _crawl(tmp_path / "c.jsonl", 12)
    local = tmp_path / "local.jsonl"
    run([str(crawl)], str(local), Options(system="rules", use_model=False), progress=False)
    s = run_ray([str(crawl)], str(tmp_path / "ray.jsonl"), Options(system="rules", use_model=False), concurrency=1)
    assert s.total == 12
    a = {r["doc_id"]: r for r in _all_records(local)}
    b = {r["doc_id"]: r for r in _all_records(tmp_path / "ray.jsonl")}
    assert a == b


def test_parquet_shards(tmp_path):
    import pyarrow.parquet as pq

    crawl = _crawl(tmp_path / "c.jsonl", 7)
    out = tmp_path / "pq"
    s = run([str(crawl)], str(out) + "/", Options(system="rules", use_model=False), progress=False, shard_size=3,
            shard_format="parquet")
    assert s.total == 7
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["records"] == "parquet" and [x["records"] for x in manifest["shards"]] == [3, 3, 1]
    rows = [r for x in manifest["shards"] for r in pq.read_table(out / x["file"]).to_pylist()]
    assert sorted(r["doc_id"] for r in rows) == sorted(f"d{k}" for k in range(7))
