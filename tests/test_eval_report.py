"""`xxgk evaluate` end to end: metrics.json and index.html agree number by number; gates; no model."""

import json
import re

import pytest
import typer
from typer.testing import CliRunner

from xxgk.evaluation.commands import evaluate, inspect
from xxgk.evaluation.report import fmt, lookup

runner = CliRunner()


def cli():
    """The two commands as xxgk.cli registers them."""
    app = typer.Typer(add_completion=False, rich_markup_mode=None)
    app.command("evaluate")(evaluate)
    app.command("inspect")(inspect)
    return app


@pytest.fixture(scope="module")
def dev_report(tmp_path_factory, annotations_dir):
    out = tmp_path_factory.mktemp("eval")
    res = runner.invoke(cli(), ["evaluate", str(annotations_dir), "--splits", "dev", "--systems", "rules",
                                "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out, res


def test_writes_both_outputs_and_a_summary(dev_report, annotations_dir):
    out, res = dev_report
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert m["schema"] == "xxgk-eval/1" and m["systems_evaluated"] == ["rules"] and m["input"]["documents"] == _n_dev(annotations_dir)
    assert m["input"]["splits"] == {"dev": _n_dev(annotations_dir)}
    for key in ("span_f1", "sections", "cells", "narrative_f1", "false_alarms", "docs_per_s"):
        assert key in m["systems"]["rules"]["headline"]
    assert "span_f1" in res.output and "cells" in res.output and "split dev" in res.output
    assert (out / "index.html").stat().st_size > 10_000


def test_report_numbers_equal_metrics_json(dev_report):
    out, _ = dev_report
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    page = (out / "index.html").read_text(encoding="utf-8")
    embedded = re.search(r'<script type="application/json" id="xxgk-metrics">(.*?)</script>', page, re.DOTALL).group(1)
    assert json.loads(embedded.replace("<\\/", "</")) == m
    from lxml import html

    doc = html.fromstring(page)
    shown = doc.xpath("//*[@data-key]")
    assert len(shown) > 200
    keys = set()
    for el in shown:
        key = el.get("data-key")
        keys.add(key)
        value = lookup(m, key)
        text = el.text_content().strip()
        assert text == fmt(value), (key, text, value)
        if value is not None:
            assert float(text) == pytest.approx(value, abs=5e-5), key
    for k in m["systems"]["rules"]["headline"]:
        assert f"systems/rules/headline/{k}" in keys
    # charts are embedded (no network needed to view), and there is a sortable per-document table
    assert page.count('src="data:image/png;base64,') >= 2
    assert 'class="sortable" id="documents"' in page and "http://" not in page and "https://" not in page


def test_missing_model_is_reported_not_a_crash(tmp_path, annotations_dir):
    gold = annotations_dir / "gold" / "seed-000.json"
    res = runner.invoke(cli(), ["evaluate", str(gold), "-o", str(tmp_path), "--model", str(tmp_path / "no-model"),
                                "-q"])
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert m["systems_evaluated"] == ["rules"] and set(m["unavailable"]) == {"model", "combined"}
    assert "model: skipped" in res.output and "no tagger model" in res.output
    assert "not evaluated" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_fail_under(tmp_path, annotations_dir):
    gold = annotations_dir / "gold" / "seed-001.json"
    ok = runner.invoke(cli(), ["evaluate", str(gold), "--systems", "rules", "-o", str(tmp_path), "-q",
                               "--fail-under", "cells=0.99", "--fail-under", "sections=0.95,false_alarms=0"])
    assert ok.exit_code == 0, ok.output
    assert "gate passed" in ok.output
    bad = runner.invoke(cli(), ["evaluate", str(gold), "--systems", "rules", "-o", str(tmp_path), "-q",
                                "--fail-under", "cells=1.01"])
    assert bad.exit_code == 1
    assert "rules: cells = 1.0000 below 1.0100" in bad.output
    typo = runner.invoke(cli(), ["evaluate", str(gold), "-o", str(tmp_path), "--fail-under", "cels=0.9"])
    assert typo.exit_code == 2 and "unknown metric 'cels'" in typo.output
    nosys = runner.invoke(cli(), ["evaluate", str(gold), "-o", str(tmp_path), "--systems", "rules,magic"])
    assert nosys.exit_code == 2 and "unknown system" in nosys.output


def test_plain_span_lines_score_spans_only(tmp_path):
    text = "一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。\n二、主动公开政府信息情况\n规章 0 0"
    line = {"id": "tiny", "text": text, "spans": [[0, 6, "SECTION"], [13, 17, "CATEGORY"], [17, 21, "TOTAL"],
                                                   [24, 28, "CATEGORY"], [28, 31, "COUNT"], [33, 45, "SECTION"]]}
    src = tmp_path / "spans.jsonl"
    src.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    res = runner.invoke(cli(), ["evaluate", str(src), "--systems", "rules", "-o", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    r = m["systems"]["rules"]
    assert r["spans"]["support"] == 6 and r["spans"]["strict"]["f1"] is not None
    assert r["cells"]["cells"] == 0 and r["sections"]["gold"] == 0 and r["checks"]["documents"] == 0


def _n_dev(annotations_dir) -> int:
    return sum(1 for p in (annotations_dir / "gold").glob("*.json")
               if json.loads(p.read_text(encoding="utf-8"))["split"] == "dev")
