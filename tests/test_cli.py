"""The batch CLI: mixed inputs, every input a record, bad files never stop a batch, exit codes."""

import json
import pytest
from typer.testing import CliRunner

from layouts import consistent_table3, report, table4
from xxgk.cli import app

runner = CliRunner()


@pytest.fixture
def mixed_inputs(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "good.txt").write_text(report(consistent_table3(1), table4(1)), encoding="utf-8")
    (d / "sub" / "gbk.txt").write_bytes(report(consistent_table3(2), table4(2), layout="cells").encode("gb18030"))
    (d / "empty.txt").write_bytes(b"")
    (d / "binary.md").write_bytes(bytes(range(256)) * 20)
    (d / "not-a-report.txt").write_text("菜谱：西红柿炒鸡蛋。先把鸡蛋打散，再放入西红柿。" * 3, encoding="utf-8")
    (d / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    (d / "huge.txt").touch()
    with open(d / "huge.txt", "wb") as fh:
        fh.truncate(101 * 2**20)
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text("\n".join([
        json.dumps({"id": "page-a", "url": "http://example.gov.cn/a", "text": report(consistent_table3(3))},
                   ensure_ascii=False),
        "{oops",
        json.dumps({"id": "page-c", "html": "<html><body><p>某镇2022年政府信息公开工作年度报告</p><p>一、总体情况</p><p>主动公开政府信息12条。</p></body></html>"},
                   ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    return d, crawl


def _records(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_extract_mixed_batch(tmp_path, mixed_inputs):
    d, crawl = mixed_inputs
    out = tmp_path / "out" / "records.jsonl"
    res = runner.invoke(app, ["extract", str(d), str(crawl), str(tmp_path / "nothing-*.txt"), "-o", str(out),
                              "--no-model", "-q"])
    assert res.exit_code == 0, res.output
    recs = {r["doc_id"]: r for r in _records(out)}
    assert recs["good"]["status"] == "ok" and recs["gbk"]["status"] == "ok"
    assert recs["page-a"]["url"] == "http://example.gov.cn/a" and recs["page-a"]["status"] == "ok"
    expected_errors = {"empty": "E002", "binary": "E003", "not-a-report": "E012", "broken": "E008", "huge": "E005",
                       "crawl:2": "E006", "nothing-*": "E001"}
    for doc_id, code in expected_errors.items():
        assert recs[doc_id]["status"] == "failed", doc_id
        assert recs[doc_id]["errors"][0].startswith(code), recs[doc_id]["errors"]
    assert recs["page-c"]["status"] == "partial"
    assert len(recs) == 11
    assert "failed 7" in res.output or "failed 7" in (res.stderr if hasattr(res, "stderr") else "")


def test_resume_skips_done_and_repairs_a_torn_line(tmp_path, mixed_inputs):
    d, crawl = mixed_inputs
    out = tmp_path / "r.jsonl"
    assert runner.invoke(app, ["extract", str(d), "-o", str(out), "--no-model", "-q"]).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:3]) + lines[3][:50], encoding="utf-8")  # a kill mid-write
    res = runner.invoke(app, ["extract", str(d), str(crawl), "-o", str(out), "--no-model", "-q", "--resume"])
    assert res.exit_code == 0, res.output
    recs = _records(out)
    sources = [r["source"] for r in recs]
    assert len(sources) == len(set(sources)) == 10  # the folder's 7 files and the crawl's 3 lines


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_flat_table_outputs(tmp_path, mixed_inputs, suffix):
    d, _ = mixed_inputs
    out = tmp_path / f"tables{suffix}"
    res = runner.invoke(app, ["extract", str(d / "good.txt"), str(d / "empty.txt"), "-o", str(out), "--no-model", "-q"])
    assert res.exit_code == 0, res.output
    t3 = consistent_table3(1)
    if suffix == ".csv":
        import csv

        rows = list(csv.DictReader(open(out, encoding="utf-8-sig")))
        good = next(r for r in rows if r["doc_id"] == "good")
        assert int(good["applications.granted.total"]) == t3["granted"]["total"]
        assert good["applications.other_processing.total"] == ""  # not in the 2021 layout: empty, not 0
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
        good = next(r for r in rows if r["doc_id"] == "good")
        assert good["applications.granted.total"] == t3["granted"]["total"]
        assert good["active_disclosure.fees"] == 96171.6
    assert next(r for r in rows if r["doc_id"] == "empty")["status"] == "failed"


def test_workers_give_the_same_records(tmp_path, mixed_inputs):
    d, crawl = mixed_inputs
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    assert runner.invoke(app, ["extract", str(d), str(crawl), "-o", str(one), "--no-model", "-q"]).exit_code == 0
    assert runner.invoke(app, ["extract", str(d), str(crawl), "-o", str(two), "--no-model", "-q",
                               "--workers", "2"]).exit_code == 0
    a = sorted(_records(one), key=lambda r: r["source"])
    b = sorted(_records(two), key=lambda r: r["source"])
    assert a == b


def test_unwritable_output_is_a_nonzero_exit(tmp_path, mixed_inputs):
    d, _ = mixed_inputs
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = runner.invoke(app, ["extract", str(d), "-o", str(blocker / "x.jsonl"), "--no-model", "-q"])
    assert res.exit_code == 2
    assert "cannot create output folder" in res.output


def test_bad_arguments_exit_nonzero(tmp_path):
    assert runner.invoke(app, ["extract", "x.txt", "-o", str(tmp_path / "x.docx")]).exit_code != 0
    assert runner.invoke(app, ["extract", "x.txt", "--system", "magic"]).exit_code != 0
    assert runner.invoke(app, ["extract"]).exit_code != 0


def test_schema_command_prints_json_schema():
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    props = schema["properties"]
    for key in ("schema_version", "doc_id", "source", "text_sha256", "status", "format", "meta", "sections",
                "active_disclosure", "applications", "review_litigation", "narrative", "checks", "provenance",
                "warnings", "errors"):
        assert key in props


def test_python_dash_m_help():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "xxgk", "--help"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "extract" in res.stdout


def test_the_summary_counts_glued_runs_left_empty(tmp_path):
    doc = tmp_path / "glued.txt"
    doc.write_text("某县2019年政府信息公开工作年度报告\n一、总体情况\n二、主动公开政府信息情况\n"
                   "第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量 规章000规范性文件1077\n"
                   "三、收到和处理政府信息公开申请情况\n", encoding="utf-8")
    res = runner.invoke(app, ["extract", str(doc), "-o", str(tmp_path / "r.jsonl"), "--no-model"])
    assert res.exit_code == 0, res.output
    (rec,) = _records(tmp_path / "r.jsonl")
    assert [u["digits"] for u in rec["unsplit"]] == ["1077"]
    assert "glued digit runs left empty (several splits fit): 1 in 1 documents" in res.output
    res = runner.invoke(app, ["show", str(tmp_path / "r.jsonl"), "--unsplit"])
    assert res.exit_code == 0 and "1 records (with glued runs left empty)" in res.output
    assert "glued '1077' → normative_documents.made, normative_documents.published, " \
           "normative_documents.total_public: 1,0,77 | 10,7,7" in res.output


def test_the_summary_and_show_name_tables_that_are_pictures(tmp_path):
    """W113 is counted in the batch summary, and `show --warning W113` lists those documents alone."""
    from layouts import report

    lines = report(layout="tab").split("\n")
    a = next(i for i, ln in enumerate(lines) if ln.startswith("三、收到和处理"))
    b = next(i for i, ln in enumerate(lines) if ln.startswith("四、政府信息公开行政复议"))
    html = "".join(f"<p>{ln}</p>" for ln in lines[:a + 1]) + '<p><img src="t3.png" width="640"></p>' + \
        "".join(f"<p>{ln}</p>" for ln in lines[b:])
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "pictured.html").write_text(f"<html><body>{html}</body></html>", encoding="utf-8")
    (tmp_path / "in" / "whole.txt").write_text(report(layout="tab"), encoding="utf-8")
    res = runner.invoke(app, ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "r.jsonl"), "--no-model"])
    assert res.exit_code == 0, res.output
    assert "tables that are likely pictures (W113; xxgk does no OCR): 1 documents" in res.output
    res = runner.invoke(app, ["show", str(tmp_path / "r.jsonl"), "--warning", "W113"])
    assert res.exit_code == 0 and "1 records (warned W113)" in res.output and "pictured" in res.output
    assert runner.invoke(app, ["show", str(tmp_path / "r.jsonl"), "--warning", "113"]).exit_code != 0
