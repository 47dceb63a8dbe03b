"""Batch runs a researcher can trust: one writer per output, no silent overwrite or mixing,
nothing lost when the end of a run fails, unreadable inputs named, every record valid, and
tables (CSV / Parquet / xlsx) a person opens directly."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from layouts import consistent_table3, report, table4
from xxgk.batch.local import Options, run
from xxgk.cli import app
from xxgk.errors import OutputWriteError, XXGKError
from xxgk.batch.sinks import read_records, staging_path

runner = CliRunner()
RULES = Options(system="rules", use_model=False)
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _crawl(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            text = report(consistent_table3(k % 17), table4(k % 5), layout=("tab", "cells", "pipe")[k % 3])
            fh.write(json.dumps({"id": f"d{k}", "text": text}, ensure_ascii=False) + "\n")
    return path


def _ids(out: Path) -> list[str]:
    return [r["doc_id"] for r in read_records(out)]


# ---------------------------------------------------------------------------------------------
# one writer per output
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["file", "folder"])
def test_two_runs_started_together_one_refused_none_lost(tmp_path, target):
    """Started together with --resume: one run writes, the other is refused with exit 2, and the
    output holds every document exactly once, whichever run wins."""
    n = 300
    crawl = _crawl(tmp_path / "crawl.jsonl", n)
    out = tmp_path / ("out.jsonl" if target == "file" else "out")
    cmd = [sys.executable, "-m", "xxgk", "extract", str(crawl), "-o", str(out) + ("/" if target == "folder" else ""),
           "--no-model", "-q", "--resume", "--shard-size", "40"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert sorted(c for c, _ in results) == [0, 2], results
    loser = next(err for c, err in results if c == 2)
    assert "in use by pid" in loser and "lock" in loser
    assert sorted(_ids(out)) == sorted(f"d{k}" for k in range(n))
    assert not list(tmp_path.glob("*.lock")) and not (out / ".lock").exists() if target == "folder" else True


@pytest.mark.parametrize("first", ["big", "small"])
@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_second_run_into_a_busy_output_is_refused_in_either_order(tmp_path, target, first):
    """Run A is writing when run B starts (and the other way round): B exits 2 naming A, and the
    output holds exactly A's documents, none of B's, none lost."""
    sizes = {"big": 300, "small": 200}  # both long enough to be running when the other starts
    crawls = {k: _crawl(tmp_path / f"{k}.jsonl", n) for k, n in sizes.items()}
    out = tmp_path / ("out.jsonl" if target == "file" else "out")
    lock = Path(str(out) + ".lock") if target == "file" else out / ".lock"

    def cmd(which):
        return [sys.executable, "-m", "xxgk", "extract", str(crawls[which]), "-o",
                str(out) + ("/" if target == "folder" else ""), "--no-model", "-q", "--resume", "--shard-size", "40"]

    second = "small" if first == "big" else "big"
    a = subprocess.Popen(cmd(first), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not lock.exists() and a.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    if not lock.exists():
        a.wait()
        pytest.skip("the first run finished before the second could start")
    b = subprocess.run(cmd(second), capture_output=True, text=True, timeout=300)
    assert a.wait(timeout=300) == 0, a.stderr.read()
    assert b.returncode == 2 and f"in use by pid {a.pid}" in b.stderr
    assert sorted(_ids(out)) == sorted(f"d{k}" for k in range(sizes[first]))


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    crawl = _crawl(tmp_path / "c.jsonl", 3)
    out = tmp_path / "o.jsonl"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    (tmp_path / "o.jsonl.lock").write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}))
    s = run([str(crawl)], str(out), RULES, progress=False)
    assert s.total == 3 and not (tmp_path / "o.jsonl.lock").exists()


def test_a_live_lock_of_another_host_is_respected(tmp_path):
    crawl = _crawl(tmp_path / "c.jsonl", 3)
    (tmp_path / "o.jsonl.lock").write_text(json.dumps({"pid": 1, "host": "elsewhere", "since": "x"}))
    with pytest.raises(XXGKError, match="in use by pid 1 on elsewhere"):
        run([str(crawl)], str(tmp_path / "o.jsonl"), RULES, progress=False)


# ---------------------------------------------------------------------------------------------
# no silent overwrite, no silent mixing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["r.jsonl", "t.csv", "t.parquet", "t.xlsx", "shards/"])
def test_existing_output_needs_force(tmp_path, name):
    big, small = _crawl(tmp_path / "big.jsonl", 6), _crawl(tmp_path / "small.jsonl", 2)
    out = str(tmp_path / name)
    assert runner.invoke(app, ["extract", str(big), "-o", out, "--no-model", "-q"]).exit_code == 0
    res = runner.invoke(app, ["extract", str(small), "-o", out, "--no-model", "-q"])
    assert res.exit_code == 2 and "--force" in res.output
    assert len(_ids(Path(out))) == 6  # untouched
    res = runner.invoke(app, ["extract", str(small), "-o", out, "--no-model", "-q", "--force"])
    assert res.exit_code == 0, res.output
    assert len(_ids(Path(out))) == 2


@pytest.mark.parametrize("name", ["r.jsonl", "t.csv", "shards/"])
def test_resume_refuses_to_mix_systems(tmp_path, name):
    crawl = _crawl(tmp_path / "c.jsonl", 4)
    out = str(tmp_path / name)
    assert runner.invoke(app, ["extract", str(crawl), "-o", out, "--no-model", "-q"]).exit_code == 0
    more = _crawl(tmp_path / "more.jsonl", 1)
    res = runner.invoke(app, ["extract", str(crawl), str(more), "-o", out, "--system", "combined", "-q", "--resume",
                              "--model", str(tmp_path / "no-model-here")])
    assert res.exit_code == 2 and "--allow-mixed" in res.output and "rules" in res.output
    assert len(_ids(Path(out))) == 4
    res = runner.invoke(app, ["extract", str(crawl), str(more), "-o", out, "--no-model", "-q", "--resume"])
    assert res.exit_code == 0, res.output  # the same system continues


def test_resume_refuses_when_the_tagger_silently_fell_back(tmp_path, monkeypatch):
    """Records made with the tagger, then a resume whose tagger fails to load (rules only)."""
    from xxgk.batch import local as batch

    crawl = _crawl(tmp_path / "c.jsonl", 3)
    out = tmp_path / "o.jsonl"
    run([str(crawl)], str(out), RULES, progress=False)
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    for r in recs:  # as if written by a run with the tagger
        r["methods"] = {"sections": "combined", "narrative": "combined"}
        r.pop("producer", None)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs[:2]), encoding="utf-8")
    monkeypatch.setattr(batch, "load_model", lambda opts: (None, "W140 tagger unavailable (test); rules only"))
    with pytest.raises(XXGKError, match="tagger unavailable"):
        run([str(crawl)], str(out), Options(system="combined"), progress=False, resume=True)
    run([str(crawl)], str(out), Options(system="combined"), progress=False, resume=True, allow_mixed=True)
    assert len(_ids(out)) == 3


# ---------------------------------------------------------------------------------------------
# a failure at the end loses nothing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_table_output_failing_at_close_keeps_every_record(tmp_path, monkeypatch, suffix):
    crawl = _crawl(tmp_path / "c.jsonl", 7)
    out = tmp_path / f"tables{suffix}"

    def read_only(records, path):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("xxgk.batch.sinks.write_tables", read_only)
    res = runner.invoke(app, ["extract", str(crawl), "-o", str(out), "--no-model", "-q"])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    err_lines = [x for x in res.output.splitlines() if x.startswith("xxgk: error")]
    assert len(err_lines) == 1 and "Read-only file system" in err_lines[0]
    assert str(staging_path(out)) in err_lines[0] and "--resume" in err_lines[0]
    assert not out.exists()
    assert sorted(_ids(staging_path(out))) == sorted(f"d{k}" for k in range(7))
    monkeypatch.undo()
    s = run([str(crawl)], str(out), RULES, progress=False, resume=True)
    assert s.total == 0 and s.skipped == 7  # nothing extracted again
    assert out.exists() and len(_ids(out)) == 7


def test_jsonl_write_failure_mid_run_is_one_clear_error(tmp_path, monkeypatch):
    crawl = _crawl(tmp_path / "c.jsonl", 5)
    out = tmp_path / "o.jsonl"
    from xxgk.batch.sinks import JsonlSink

    real = JsonlSink.write

    class FullDisk:
        def __init__(self, fh):
            self.fh = fh

        def write(self, data):
            raise OSError(28, "No space left on device")

        def flush(self):
            pass

        def close(self):
            self.fh.close()

    def flaky(self, rec):
        if self.written == 3 and not isinstance(self.fh, FullDisk):
            self.fh = FullDisk(self.fh)
        return real(self, rec)

    monkeypatch.setattr(JsonlSink, "write", flaky)
    with pytest.raises(OutputWriteError, match="No space left on device.*3 records written before are intact"):
        run([str(crawl)], str(out), RULES, progress=False)
    assert len(_ids(out)) == 3 and not Path(str(out) + ".lock").exists()


def test_outputs_get_the_umask_mode(tmp_path):
    crawl = _crawl(tmp_path / "c.jsonl", 2)
    old = os.umask(0o022)
    try:
        for name in ("t.csv", "t.parquet", "t.xlsx", "r.jsonl", "t.csv.records.jsonl"):
            if not name.endswith(".records.jsonl"):
                run([str(crawl)], str(tmp_path / name), RULES, progress=False)
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name
        run([str(crawl)], str(tmp_path / "sh") + "/", RULES, progress=False)
        assert (tmp_path / "sh" / "part-00000.jsonl").stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


# ---------------------------------------------------------------------------------------------
# unreadable inputs are named
# ---------------------------------------------------------------------------------------------


def _run_cli_as_unprivileged(args: list[str], result_file: Path) -> tuple[int, str]:
    """Run the CLI in a forked child that drops root to 'nobody' (root reads everything, so a
    permission test needs an unprivileged user); a non-root user runs it as itself."""
    if os.geteuid() != 0:
        res = runner.invoke(app, args)
        return res.exit_code, res.output
    import pwd

    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root with no 'nobody' user to drop privileges to")
    pid = os.fork()
    if pid == 0:  # the child: modules are imported already, so nothing under /root is read again
        code = 99
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            res = runner.invoke(app, args)
            result_file.write_text(json.dumps([res.exit_code, res.output]), encoding="utf-8")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if not result_file.exists():
        pytest.skip("could not run the CLI as an unprivileged user here")
    code, out = json.loads(result_file.read_text(encoding="utf-8"))
    return code, out


def test_unreadable_folder_and_file_are_input_errors():
    root = Path(tempfile.mkdtemp(prefix="xxgk-perm-"))
    try:
        os.chmod(root, 0o777)
        (root / "in").mkdir()
        (root / "in" / "good.txt").write_text(report(consistent_table3(1), table4(1)), encoding="utf-8")
        locked = root / "in" / "locked"
        locked.mkdir()
        (locked / "hidden.txt").write_text(report(consistent_table3(2)), encoding="utf-8")
        (root / "in" / "secret.txt").write_text(report(consistent_table3(3)), encoding="utf-8")
        for p in (root / "in", root / "in" / "good.txt", locked / "hidden.txt"):
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        os.chmod(root / "in" / "secret.txt", 0o000)
        os.chmod(locked, 0o000)
        out = root / "out"
        out.mkdir()
        os.chmod(out, 0o777)
        # the same command once as root first: the child can then import nothing the CLI needs from a Python
        # installed under /root (rich, for one, imports colorsys only when it prints a summary)
        warm = runner.invoke(app, ["extract", str(root / "in" / "good.txt"), "-o", str(out / "warm.jsonl"),
                                   "--no-model", "-q"])
        assert warm.exit_code == 0, warm.output
        code, text = _run_cli_as_unprivileged(
            ["extract", str(root / "in"), str(locked / "hidden.txt"), "-o", str(out / "r.jsonl"), "--no-model", "-q"],
            out / "result.json")
        assert code == 0, text
        recs = {r["source"]: r for r in read_records(out / "r.jsonl")}
        assert recs[str(root / "in" / "good.txt")]["status"] == "ok"
        assert recs[str(locked)]["errors"][0].startswith("E023")  # the folder, named
        assert recs[str(root / "in" / "secret.txt")]["errors"][0].startswith("E017")
        hidden = recs[str(locked / "hidden.txt")]["errors"][0]
        assert hidden.startswith("E017") and "Permission denied" in hidden  # not "not found"
        assert str(locked) in text  # named in the summary
    finally:
        for p in (root / "in" / "locked", root / "in" / "secret.txt"):
            if p.exists():
                os.chmod(p, 0o755)
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# tables a researcher opens directly
# ---------------------------------------------------------------------------------------------


def test_xlsx_workbook_cell_by_cell(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    t3a, t3b = consistent_table3(1), consistent_table3(2)
    (tmp_path / "a.txt").write_text(report(t3a, table4(1)), encoding="utf-8")
    (tmp_path / "b.txt").write_text(report(t3b, table4(2), layout="cells"), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = tmp_path / "batch.xlsx"
    run([str(tmp_path / x) for x in ("a.txt", "b.txt", "empty.txt")], str(out), RULES, progress=False)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["documents", "cells", "narrative", "checks", "columns"]

    def rows(name):
        it = wb[name].iter_rows(values_only=True)
        head = next(it)
        return [dict(zip(head, r)) for r in it]

    docs = {r["doc_id"]: r for r in rows("documents")}
    assert set(docs) == {"a", "b", "empty"}
    assert docs["empty"]["status"] == "failed" and docs["empty"]["errors"].startswith("E002")
    t4 = {"a": table4(1), "b": table4(2)}
    for doc, t3 in (("a", t3a), ("b", t3b)):
        d = docs[doc]
        assert d["status"] == "ok" and d["format"] == "2021" and d["consistent"] is True
        assert d["missing"] in (None, "") and d["failed_checks"] in (None, "")
        for row, cols in t3.items():  # every table 三 cell, hand-computed by the generator
            for col, v in cols.items():
                assert d[f"applications.{row}.{col}"] == v, (doc, row, col)
        for group, cols in t4[doc].items():
            for col, v in cols.items():
                assert d[f"review_litigation.{group}.{col}"] == v, (doc, group, col)
        assert d["active_disclosure.fees"] == 96171.6 and d["active_disclosure.licensing"] == 447228
        assert d["applications.other_processing.total"] is None  # a 2019 cell: empty, not 0
    cells = rows("cells")
    a_cells = {r["path"]: r for r in cells if r["doc_id"] == "a"}
    assert all(r["layout"] == "2021" for r in cells)
    assert "applications.other_processing.total" not in a_cells  # only the document's own layout
    assert len(a_cells) == 10 + 25 * 7 + 15  # table 二, 三 (25 rows × 7), 四 of the 2021 layout
    assert a_cells["applications.granted.total"]["value"] == t3a["granted"]["total"]
    assert a_cells["applications.granted.total"]["method"] == "text_table"
    narrative = [r for r in rows("narrative") if r["doc_id"] == "a"]
    assert [(r["value"], r["unit"]) for r in narrative] == [(185, "条"), (90, "条")]
    checks = [r for r in rows("checks") if r["doc_id"] == "a"]
    recs = {r["doc_id"]: r for r in read_records(out)}
    assert [(c["rule"], c["status"]) for c in checks] == [(c["rule"], c["status"]) for c in recs["a"]["checks"]]
    columns = {r["column"]: r for r in rows("columns")}
    assert columns["applications.other_processing.total"]["layouts"] == "2019"
    assert columns["active_disclosure.procurement.amount"]["layouts"] == "2019"
    assert columns["applications.granted.total"]["layouts"] == "2021 / 2019"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_narrative_and_checks_tables_beside_csv_and_parquet(tmp_path, suffix):
    (tmp_path / "a.txt").write_text(report(consistent_table3(1), table4(1)), encoding="utf-8")
    out = tmp_path / f"t{suffix}"
    run([str(tmp_path / "a.txt")], str(out), RULES, progress=False)
    if suffix == ".csv":
        import csv

        def load(p):
            return list(csv.DictReader(open(p, encoding="utf-8-sig")))
    else:
        import pyarrow.parquet as pq

        def load(p):
            return pq.read_table(p).to_pylist()
    narrative = load(tmp_path / f"t.narrative{suffix}")
    assert [float(r["value"]) for r in narrative] == [185.0, 90.0]
    assert {r["doc_id"] for r in load(tmp_path / f"t.checks{suffix}")} == {"a"}
    doc = load(out)[0]
    assert "missing" in doc and "failed_checks" in doc and not isinstance(doc["warnings"], int)


def test_show_filters_and_reads_every_output(tmp_path):
    from rich.console import Console

    from xxgk.batch.show import show_records

    crawl = _crawl(tmp_path / "c.jsonl", 25)
    (tmp_path / "empty.txt").write_bytes(b"")
    run([str(crawl), str(tmp_path / "empty.txt")], str(tmp_path / "sh") + "/", RULES, progress=False, shard_size=7)

    def shown(**kw):
        con = Console(record=True, width=200)
        show_records(tmp_path / "sh", console=con, **kw)
        return con.export_text()

    text = shown(limit=22)
    assert "26 records, first 22 shown" in text
    assert text.count("narrative:") == 22 * 2  # details for every record shown, not just 3
    failed = shown(statuses={"failed"})
    assert "1 records (status failed)" in failed and "E002" in failed
    assert "0 records (with failed checks)" in shown(failed_checks=True)
    res = runner.invoke(app, ["show", str(tmp_path / "sh"), "--status", "bogus"])
    assert res.exit_code == 2


# ---------------------------------------------------------------------------------------------
# every record valid, in every engine
# ---------------------------------------------------------------------------------------------


def _unfit_report() -> str:
    """A report whose table 四 and 三 hold figures that are not whole numbers."""
    text = report(consistent_table3(1), table4(1))
    return text.replace("4\t18\t27\t25\t74", "4.5\t18\t27\t25\t74").replace("\t2\t0\t0\t0\t0\t0\t2\n",
                                                                            "\t2.5\t0\t0\t0\t0\t0\t2\n")


def test_a_figure_that_does_not_fit_is_null_with_a_warning(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from xxgk.record import json_schema

    (tmp_path / "unfit.txt").write_text(_unfit_report(), encoding="utf-8")
    run([str(tmp_path / "unfit.txt")], str(tmp_path / "r.jsonl"), RULES, progress=False)
    rec = next(read_records(tmp_path / "r.jsonl"))
    jsonschema.validate(rec, json_schema())
    assert rec["review_litigation"]["review"]["upheld"] is None
    assert rec["applications"]["granted"]["natural_person"] is None
    assert sum(w.startswith("W132") for w in rec["warnings"]) == 2


def test_ray_engine_real_inputs_one_valid_record_each(tmp_path):
    """Ray over real reports plus a document whose figures do not fit the schema: every input
    gets exactly one record, the same as the local engine's."""
    pytest.importorskip("ray")
    jsonschema = pytest.importorskip("jsonschema")
    from xxgk.batch.ray_engine import run_ray
    from xxgk.record import json_schema

    inputs = sorted((SHARED / "corpus" / "more").glob("*.txt"))[:10] if SHARED.exists() else []
    (tmp_path / "unfit.txt").write_text(_unfit_report(), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    specs = [str(p) for p in inputs] + [str(tmp_path / "unfit.txt"), str(tmp_path / "empty.txt")]
    s = run_ray(specs, str(tmp_path / "ray.jsonl"), RULES, concurrency=2, batch_size=3)
    local = {r["source"]: r for r in read_records(run_and_path(specs, tmp_path / "local.jsonl"))}
    ray = [r for r in read_records(tmp_path / "ray.jsonl")]
    assert s.total == len(specs) == len(ray) == len({r["source"] for r in ray})
    validator = jsonschema.Draft202012Validator(json_schema())
    for r in ray:
        assert not list(validator.iter_errors(r)), r["source"]
        assert r == local[r["source"]]


def run_and_path(specs, path):
    run(specs, str(path), RULES, progress=False)
    return path


def test_every_corpus_record_validates_against_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    if not SHARED.exists():
        pytest.skip("../shared is not beside the checkout")
    from xxgk.record import json_schema

    out = tmp_path / "corpus.jsonl"
    s = run([str(SHARED / "corpus")], str(out), RULES, progress=False)
    assert s.total > 100
    validator = jsonschema.Draft202012Validator(json_schema())
    bad = {r["source"]: [e.message for e in validator.iter_errors(r)][:3] for r in read_records(out)}
    assert {k: v for k, v in bad.items() if v} == {}


def test_every_output_reads_back_as_records(tmp_path):
    from xxgk.panel.read import iter_records

    crawl = _crawl(tmp_path / "c.jsonl", 5)
    for name in ("r.jsonl", "t.csv", "t.xlsx", "sh/"):
        run([str(crawl)], str(tmp_path / name), RULES, progress=False, shard_size=2)
        assert sorted(_ids(tmp_path / name)) == [f"d{k}" for k in range(5)], name
        assert len(list(iter_records([tmp_path / name]))) == 5, name  # what `xxgk panel` reads
