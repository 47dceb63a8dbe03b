"""xxgk benchmarks (`make bench`): figures printed, and written to JSON for comparison across commits.

Measured, all in one run on the same machine (compare ratios, not absolute numbers):
  1. the corpus: read+decode only (the floor) vs the rule pipeline, documents/s and MiB/s;
  2. synthetic crawls (1k and 10k documents made by repeating and perturbing the corpus) through the
     batch runner with 1 worker and with all cores: documents/s and peak RSS per worker;
  3. document length: one report, and the same report made 10x longer;
  4. rules + model when a model is installed: the fast path (ONNX Runtime, focused regions) and the
     reference path (torch, whole overview), each next to the rules in its own process, with load time,
     peak RSS and the held-out test accuracy; GPU figures when a GPU is present ("no GPU" otherwise).

usage: python bench/bench.py [--quick] [--out bench/results.json] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from xxgk.batch.local import Options, extract_item    # noqa: E402
from xxgk.inputs.reading import iter_inputs, load_item    # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_tagger import timed  # noqa: E402  (best of n runs, shared by both benches)


def corpus_items(corpus: Path):
    return list(iter_inputs([str(corpus / d) for d in ("seeds", "pages", "full")]))


def time_it(fn, repeat: int = 3) -> float:
    return timed(fn, repeat)


def bench_corpus(corpus: Path, repeat: int) -> dict:
    items = corpus_items(corpus)
    size = sum(os.path.getsize(i.path) for i in items)
    opts = Options(system="rules", use_model=False)
    for i in items[:5]:  # warm caches (opencc table, regexes)
        extract_item(i, opts)
    from xxgk.pipeline import extract

    t_read = time_it(lambda: [load_item(i) for i in items], repeat)
    t_rules = time_it(lambda: [extract_item(i, opts) for i in items], repeat)
    decoded = [load_item(i) for i in items]
    t_pipe = time_it(lambda: [extract(d, "d", "s", system="rules") for d in decoded], repeat)
    text_items = [i for i in items if not i.path.endswith(".pdf")]
    t_read_np = time_it(lambda: [load_item(i) for i in text_items], repeat)
    t_rules_np = time_it(lambda: [extract_item(i, opts) for i in text_items], repeat)
    n = len(items)
    return {
        "documents": n, "mib": round(size / 2**20, 3),
        "read_decode_docs_per_s": round(n / t_read, 1), "read_decode_mib_per_s": round(size / 2**20 / t_read, 2),
        "rules_docs_per_s": round(n / t_rules, 1), "rules_mib_per_s": round(size / 2**20 / t_rules, 2),
        "rules_over_read_time_ratio": round(t_rules / t_read, 2),
        "pipeline_only_docs_per_s": round(n / t_pipe, 1),
        "without_pdf": {"documents": len(text_items), "read_decode_docs_per_s": round(len(text_items) / t_read_np, 1),
                        "rules_docs_per_s": round(len(text_items) / t_rules_np, 1),
                        "rules_over_read_time_ratio": round(t_rules_np / t_read_np, 2)},
    }


def _perturb(text: str, rnd: random.Random) -> str:
    """A realistic variant: another body's name, re-wrapped lines, chrome, a glued or spaced line."""
    orgs = ["城关镇人民政府", "某某县教育局", "东城街道办事处", "高新区管委会", "市卫生健康委员会", "某某县自然资源局"]
    text = text.replace("人民政府", rnd.choice(orgs)[-4:], 1)
    lines = text.split("\n")
    out = []
    for line in lines:
        r = rnd.random()
        if r < 0.05 and len(line) > 40 and "\t" not in line:
            k = rnd.randint(10, len(line) - 10)
            out.extend([line[:k], line[k:]])  # hard wrap
        elif r < 0.07:
            out.append(line.replace(" ", ""))
        else:
            out.append(line)
    if rnd.random() < 0.3:
        out.insert(0, "首页 > 政府信息公开 > 政府信息公开年报  打印本页 关闭窗口")
    return "\n".join(out)


def make_crawl(corpus: Path, n: int, path: Path, seed: int = 0) -> int:
    rnd = random.Random(seed)
    texts = []
    for item in corpus_items(corpus):
        try:
            texts.append(load_item(item).text)
        except Exception:
            continue
    size = 0
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            base = texts[k % len(texts)]
            line = json.dumps({"id": f"doc-{k}", "url": f"https://example.gov.cn/{k}.html",
                               "text": _perturb(base, rnd)}, ensure_ascii=False)
            fh.write(line + "\n")
            size += len(line.encode()) + 1
    return size


def bench_batch(corpus: Path, sizes: list[int], workers_list: list[int], tmp: Path) -> list[dict]:
    rows = []
    for n in sizes:
        crawl = tmp / f"crawl-{n}.jsonl"
        size = make_crawl(corpus, n, crawl)
        for w in workers_list:
            out = tmp / f"out-{n}-{w}.jsonl"
            code = ("import resource,sys,time,json; sys.path.insert(0, %r);"
                    "from xxgk.batch.local import Options, run;"
                    "t=time.perf_counter(); s=run([%r], %r, Options(system='rules', use_model=False), workers=%d, "
                    "progress=False); dt=time.perf_counter()-t;"
                    "print(json.dumps({'n': s.total, 'secs': dt, 'self_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
                    "'children_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, 'ok': s.ok, 'failed': s.failed}))"
                    % (str(ROOT / "src"), str(crawl), str(out), w))
            res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            r = json.loads(res.stdout.strip().splitlines()[-1])
            rss = max(r["self_kb"], r["children_kb"]) / 1024
            rows.append({"documents": n, "workers": w, "seconds": round(r["secs"], 2),
                         "docs_per_s": round(n / r["secs"], 1), "docs_per_s_per_worker": round(n / r["secs"] / w, 1),
                         "mib_per_s": round(size / 2**20 / r["secs"], 2), "peak_rss_mib_per_worker": round(rss, 1),
                         "failed": r["failed"]})
            out.unlink(missing_ok=True)
        crawl.unlink(missing_ok=True)
    return rows


# how often the workers' memory is read while a run goes (seconds)
MEMORY_SAMPLE_EVERY = 0.3


def bench_worker_memory(corpus: Path, tmp: Path, n: int, workers: int, model: bool) -> dict | None:
    """Memory of each worker of `xxgk extract --workers N` (Linux: /proc/PID/smaps_rollup), at its largest
    while the run goes: RSS counts pages shared with the parent and the other workers in full; PSS
    splits them among the sharers; private is what each worker adds.  None where /proc is missing."""
    if not Path("/proc/self/smaps_rollup").exists():
        return None
    crawl = tmp / f"crawl-mem-{n}.jsonl"
    make_crawl(corpus, n, crawl)
    cmd = [sys.executable, "-m", "xxgk", "extract", str(crawl), "-o", str(tmp / "mem.jsonl"), "--force", "-q",
           "--workers", str(workers)] + ([] if model else ["--no-model"])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak: dict[int, dict] = {}
    while proc.poll() is None:
        try:
            kids = [int(x) for x in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        except OSError:
            kids = []
        for k in kids:
            try:
                f = {ln.split()[0][:-1]: int(ln.split()[1]) / 1024
                     for ln in Path(f"/proc/{k}/smaps_rollup").read_text().splitlines()[1:]}
            except (OSError, ValueError, IndexError):
                continue
            row = {"rss": f.get("Rss", 0), "pss": f.get("Pss", 0),
                   "private": f.get("Private_Clean", 0) + f.get("Private_Dirty", 0)}
            if row["pss"] > peak.get(k, {}).get("pss", 0):
                peak[k] = row
        time.sleep(MEMORY_SAMPLE_EVERY)
    crawl.unlink(missing_ok=True)
    if not peak:
        return None
    return {"documents": n, "workers": workers, "model": model,
            **{f"{k}_mib": round(max(r[k] for r in peak.values()), 1) for k in ("rss", "pss", "private")}}


def bench_length(corpus: Path, repeat: int) -> dict:
    from xxgk.pipeline import extract
    from xxgk.inputs.reading import Decoded

    base = load_item(next(iter_inputs([str(corpus / "full" / "001.pdf")]))).text
    long = "\n".join([base] * 10)
    one = time_it(lambda: extract(Decoded(base, "x"), "d", "s", system="rules"), repeat)
    ten = time_it(lambda: extract(Decoded(long, "x"), "d", "s", system="rules"), repeat)
    return {"chars": len(base), "seconds_1x": round(one, 4), "seconds_10x": round(ten, 4),
            "ratio_10x_over_1x": round(ten / one, 2)}


def bench_model(corpus: Path, tmp: Path, cores: int, quick: bool = False) -> dict | None:
    """The model path next to the rules, each run in its own process (one process = one batch worker):
    the fast path (what `xxgk extract` runs) on 1 thread and on all cores, and the reference path it
    replaced (torch on the whole overview) on 1 thread, each with the rules timed in the same process;
    the held-out accuracy of both; GPU figures when a GPU is there."""
    script = ROOT / "bench" / "bench_tagger.py"
    if not script.exists():
        return None
    runs = [("fast_threads_1", ["--threads", "1"] + ([] if quick else ["--accuracy"])),
            ("reference_threads_1", ["--threads", "1", "--reference", "--gpu"] + ([] if quick else ["--accuracy"]))]
    if cores > 1:
        runs.insert(1, (f"fast_threads_{cores}", ["--threads", str(cores)]))
    out = {}
    for name, args in runs:
        path = tmp / f"{name}.json"
        res = subprocess.run([sys.executable, str(script), "--docs", str(corpus), "--json", str(path),
                              "--repeat", "1" if quick else "2", *args], capture_output=True, text=True)
        if res.returncode != 0 or not path.exists():
            return {"error": (res.stdout + res.stderr).strip().splitlines()[-1:]}
        out[name] = json.loads(path.read_text())
    return out


def print_model(m: dict) -> None:
    print("\n[4] rules + model (corpus documents; each row one process = one batch worker; the rules timed in "
          "the same process)")
    print("    path              backend  threads  load s  peak RSS  rules docs/s  model docs/s  of rules  chars/s"
          "  tokens/pass")
    for name, r in m.items():
        # the model path's speed as a share of the rules' in the same process: what carries from one
        # machine to another (absolute figures drift with the machine's load)
        share = r["rules+model"]["docs_per_s"] / r["rules"]["docs_per_s"] if r["rules"]["docs_per_s"] else 0.0
        print(f"    {name:17s} {r['backend']:7s}  {r['threads']:7d}  {r['load_s']:6.2f}  {r['peak_rss_mib']:5.0f} MiB  "
              f"{r['rules']['docs_per_s']:12.1f}  {r['rules+model']['docs_per_s']:12.2f}  {f'1/{1 / share:.1f}' if share else '-':>8s}"
              f"  {r['rules+model']['chars_per_s']:7d}  {r['tokens_per_pass']:11d}")
    for name, r in m.items():
        acc = r.get("accuracy")
        if acc:
            keys = ("span_f1", "span_f1_partial", "span_f1_untyped", "sections", "narrative_f1")
            print(f"    held-out test ({acc['documents']} docs), {name}: combined "
                  + ", ".join(f"{k} {acc['combined'][k]}" for k in keys)
                  + "; rules " + ", ".join(f"{k} {acc['rules'][k]}" for k in keys))
    for r in m.values():
        g = r.get("gpu")
        if g:
            print(f"    GPU: {g['gpu']}: {g['docs_per_s']} docs/s, {g['tokens_per_s']} tokens/s ({g['note']}); "
                  f"whole pipeline, documents in lock-step: {g['pipeline_docs_per_s']} docs/s"
                  if g.get("gpu") else f"    GPU: {g['note']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    ap.add_argument("--corpus", default=os.environ.get("XXGK_CORPUS", str(ROOT.parent / "shared" / "corpus")))
    ap.add_argument("--no-model", action="store_true")
    a = ap.parse_args()
    corpus = Path(a.corpus)
    if not corpus.is_dir():
        sys.exit(f"corpus not found: {corpus} (set --corpus or XXGK_CORPUS)")
    cores = os.cpu_count() or 1
    results = {"machine": {"python": platform.python_version(), "cpus": cores, "platform": platform.platform()},
               "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"xxgk bench on {cores} CPU(s), Python {platform.python_version()}")
    c = bench_corpus(corpus, 1 if a.quick else 3)
    results["corpus"] = c
    print(f"\n[1] corpus ({c['documents']} documents, {c['mib']} MiB)")
    print(f"    read+decode only : {c['read_decode_docs_per_s']:8.1f} docs/s  {c['read_decode_mib_per_s']:6.2f} MiB/s")
    print(f"    rule pipeline    : {c['rules_docs_per_s']:8.1f} docs/s  {c['rules_mib_per_s']:6.2f} MiB/s")
    print(f"    rules take {c['rules_over_read_time_ratio']}x the time of reading alone "
          f"(the one PDF's text layer dominates reading)")
    w = c["without_pdf"]
    print(f"    without the PDF  : read {w['read_decode_docs_per_s']:.1f} docs/s, rules {w['rules_docs_per_s']:.1f} "
          f"docs/s, ratio {w['rules_over_read_time_ratio']}x")
    print(f"    pipeline alone on decoded text: {c['pipeline_only_docs_per_s']:.1f} docs/s")
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [200] if a.quick else [1000, 10000]
        workers = sorted({1, cores})
        rows = bench_batch(corpus, sizes, workers, Path(tmp))
    results["batch"] = rows
    print("\n[2] batch runner on synthetic crawls (rules only)")
    print("    docs    workers  seconds   docs/s  docs/s/worker  MiB/s  peak RSS/worker")
    for r in rows:
        print(f"    {r['documents']:6d}  {r['workers']:7d}  {r['seconds']:7.2f}  {r['docs_per_s']:7.1f}  "
              f"{r['docs_per_s_per_worker']:13.1f}  {r['mib_per_s']:5.2f}  {r['peak_rss_mib_per_worker']:8.1f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        mem = [m for m in (bench_worker_memory(corpus, Path(tmp), 200 if a.quick else 600, 2, model)
                           for model in ((False,) if a.no_model else (False, True))) if m]
    results["worker_memory"] = mem
    if mem:
        print("\n[2b] memory of each of 2 workers (xxgk extract --workers 2; jieba, the kind model and the character"
              "\n     tables are loaded once in the parent and shared by the forked workers)")
        for m in mem:
            print(f"    {'rules + model' if m['model'] else 'rules only':13s}  RSS {m['rss_mib']:6.1f} MiB  "
                  f"PSS {m['pss_mib']:6.1f} MiB  private {m['private_mib']:6.1f} MiB")
    ln = bench_length(corpus, 1 if a.quick else 3)
    results["length"] = ln
    print(f"\n[3] document length: {ln['chars']} chars {ln['seconds_1x'] * 1000:.1f} ms; 10x longer "
          f"{ln['seconds_10x'] * 1000:.1f} ms (ratio {ln['ratio_10x_over_1x']})")
    if not a.no_model:
        with tempfile.TemporaryDirectory() as tmp:
            m = bench_model(corpus, Path(tmp), cores, a.quick)
        results["model"] = m
        if m and "error" not in m:
            print_model(m)
        elif m:
            print(f"\n[4] tagger: {m}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten: {a.out}")


if __name__ == "__main__":
    main()
