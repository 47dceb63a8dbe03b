"""`xxgk panel` and `xxgk extract --review` end to end (rules only), and the real pairs of corpus/more."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from layouts import T2_2021, consistent_table3, report, table4
from typer.testing import CliRunner

from xxgk.cli import app
from xxgk.evaluation.inspect import inspect_html
from xxgk.panel import build_panel
from xxgk.record import Record

runner = CliRunner()
OUTPUTS = ("tidy.csv", "tidy.parquet", "wide.csv", "checks.json", "checks.csv", "conflicts.json", "conflicts.csv",
           "bodies.csv", "panel.xlsx", "summary.json", "index.html")


def _reports(folder: Path) -> dict[int, Path]:
    """One district, 2021–2023, under two spellings of its name; 2022 carries over one natural-person
    application more than 2021 carried forward (a planted break); in-force figures roll forward."""
    t3 = {2021: consistent_table3(1), 2022: consistent_table3(2), 2023: consistent_table3(3)}
    for y in (2022, 2023):
        t3[y]["carried_over"] = dict(t3[y - 1]["carried_forward"])
    t3[2022]["carried_over"]["natural_person"] += 1
    t3[2022]["carried_over"]["total"] += 1
    t2 = {2021: T2_2021, 2022: copy.deepcopy(T2_2021), 2023: copy.deepcopy(T2_2021)}
    for y in (2022, 2023):
        nd, prev = t2[y]["normative_documents"], t2[y - 1]["normative_documents"]
        nd["in_force"] = prev["in_force"] + nd["issued"] - nd["repealed"]
        rg, prev = t2[y]["regulations"], t2[y - 1]["regulations"]
        rg["in_force"] = prev["in_force"] + rg["issued"] - rg["repealed"]
    names = {2021: "淮安市洪泽区人民政府", 2022: "洪泽区人民政府", 2023: "淮安市洪泽区人民政府"}
    out = {}
    for y in (2021, 2022, 2023):
        out[y] = folder / f"hz-{y}.txt"
        out[y].write_text(report(t3[y], table4(y), year=y, org=names[y], t2=t2[y]), encoding="utf-8")
    return out


def _extract(inputs: list[Path], out: Path, *extra: str) -> list[dict]:
    res = runner.invoke(app, ["extract", *map(str, inputs), "-o", str(out), "--no-model", "-q", *extra])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _review(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    return path


def test_panel_command_writes_every_output(tmp_path):
    docs = _reports(tmp_path)
    records = _extract(list(docs.values()), tmp_path / "records.jsonl")
    assert all(r["producer"] == {"xxgk": "0.1.0", "tagger": None, "system": "rules"} for r in records)
    # the same records once more as a sharded folder: the 2022 report twice is a named conflict
    shards = tmp_path / "shards"
    res = runner.invoke(app, ["extract", str(docs[2022]), "-o", f"{shards}/", "--no-model", "-q"])
    assert res.exit_code == 0 and (shards / "manifest.json").is_file(), res.output
    out = tmp_path / "panel"
    res = runner.invoke(app, ["panel", str(tmp_path / "records.jsonl"), str(shards), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "3 reports" not in res.output and "4 reports of 1 bodies" in res.output and "1 conflicts" in res.output
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    conflicts = json.loads((out / "conflicts.json").read_text(encoding="utf-8"))
    assert conflicts[0]["name"] == "淮安市洪泽区人民政府 2022" and conflicts[0]["same_figures"]

    # without the duplicate: the planted break is found, with both reports as evidence
    out = tmp_path / "panel2"
    res = runner.invoke(app, ["panel", str(tmp_path / "records.jsonl"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    checks = json.loads((out / "checks.json").read_text(encoding="utf-8"))
    fails = [c for c in checks if c["status"] == "FAIL"]
    assert {(c["rule"], c["year"]) for c in fails} == {("cross_year.carried_over.natural_person", 2022),
                                                       ("cross_year.carried_over.total", 2022)}
    assert {e["source"] for e in fails[0]["evidence"]} == {str(docs[2021]), str(docs[2022])}
    passed = {(c["rule"], c["year"]) for c in checks if c["status"] == "PASS"}
    assert ("cross_year.in_force.normative_documents", 2023) in passed and ("cross_year.carried_over.total", 2023) in passed

    import openpyxl
    import pyarrow.parquet as pq

    wb = openpyxl.load_workbook(out / "panel.xlsx", read_only=True)
    assert wb.sheetnames == ["wide", "tidy", "checks", "conflicts", "bodies"]
    wide = list(wb["wide"].iter_rows(values_only=True))
    assert wide[0][:3] == ("body", "year", "doc_id") and len(wide) == 4
    assert {r[0] for r in wide[1:]} == {"淮安市洪泽区人民政府"} and [r[1] for r in wide[1:]] == [2021, 2022, 2023]
    tidy = pq.read_table(out / "tidy.parquet").to_pylist()
    cell = next(r for r in tidy if r["year"] == 2022 and r["path"] == "applications.carried_over.total")
    assert cell["method"] and cell["start"] is not None and cell["system"] == "rules" and cell["xxgk"] == "0.1.0"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "淮安市洪泽区人民政府" in index and 'href="bodies/body-' in index
    page = next((out / "bodies").glob("body-*.html")).read_text(encoding="utf-8")
    assert "cross_year.carried_over.natural_person" in page and "data:image/png;base64," in page
    assert str(docs[2021]) in page and str(docs[2022]) in page  # both reports' evidence
    assert '&#34;decision&#34;: &#34;dismiss&#34;' in page or '"decision": "dismiss"' in page


def test_review_through_extract_and_through_panel(tmp_path):
    docs = _reports(tmp_path)
    fix = {"document": str(docs[2022]), "path": "applications.carried_over.natural_person", "decision": "correct",
           "reviewer": "li", "note": "misprint", "time": "2025-03-01T09:00:00Z"}
    plain = _extract(list(docs.values()), tmp_path / "plain.jsonl")
    value = next(r for r in plain if r["meta"]["year"] == 2022)["applications"]["carried_over"]["natural_person"]
    fix["value"] = value - 1
    dismiss = {"document": "hz-2022", "check": "applications.total.balance", "decision": "dismiss", "reviewer": "li"}
    confirm = {"document": "hz-2021", "path": "applications.carried_forward.total", "decision": "confirm",
               "reviewer": "wang"}
    review = _review(tmp_path / "review.jsonl", [fix, dismiss, confirm])

    # extract --review: the record holds the correction and keeps the document's value
    recs = {r["meta"]["year"]: r for r in _extract(list(docs.values()), tmp_path / "reviewed.jsonl", "--review",
                                                   str(review))}
    r22 = recs[2022]
    assert r22["applications"]["carried_over"]["natural_person"] == value - 1
    prov = r22["provenance"]["applications.carried_over.natural_person"]
    assert prov["method"] == "reviewed" and prov["original"] == value and prov["original_method"] == "text_table"
    assert prov["review"]["reviewer"] == "li" and any(w.startswith("W160") for w in r22["warnings"])
    check = next(c for c in r22["checks"] if c["rule"] == "applications.total.balance")
    assert check["review"]["decision"] == "dismiss" and check["status"] in ("PASS", "FAIL")
    assert recs[2021]["provenance"]["applications.carried_forward.total"]["review"]["decision"] == "confirm"
    out = tmp_path / "p1"
    assert runner.invoke(app, ["panel", str(tmp_path / "reviewed.jsonl"), "-o", str(out), "--no-html"]).exit_code == 0
    checks = json.loads((out / "checks.json").read_text(encoding="utf-8"))
    c = next(c for c in checks if c["rule"] == "cross_year.carried_over.natural_person" and c["year"] == 2022)
    assert c["status"] == "PASS" and c["evidence"][1]["original"] == value

    # panel --review on the plain records: the same correction, and a cross-year check dismissed
    cross = {"document": "hz-2022", "check": "cross_year.carried_over.total", "decision": "dismiss",
             "reviewer": "wang", "note": "the 2021 report is wrong"}
    review2 = _review(tmp_path / "review2.jsonl", [cross])
    out = tmp_path / "p2"
    res = runner.invoke(app, ["panel", str(tmp_path / "plain.jsonl"), "-o", str(out), "--review", str(review2)])
    assert res.exit_code == 0, res.output
    checks = json.loads((out / "checks.json").read_text(encoding="utf-8"))
    c = next(c for c in checks if c["rule"] == "cross_year.carried_over.total" and c["year"] == 2022)
    assert c["status"] == "FAIL" and c["review"]["decision"] == "dismiss" and c["review"]["reviewer"] == "wang"
    assert "1 not reviewed" in res.output
    page = next((out / "bodies").glob("body-*.html")).read_text(encoding="utf-8")
    assert "reviewed" in page and "the 2021 report is wrong" in page

    # a bad line stops both commands, naming file and line
    bad = _review(tmp_path / "bad.jsonl", [confirm, {"document": "x", "decision": "correct"}])
    for args in (["extract", str(docs[2021]), "-o", str(tmp_path / "x.jsonl"), "--no-model", "-q"],
                 ["panel", str(tmp_path / "plain.jsonl"), "-o", str(tmp_path / "p3")]):
        res = runner.invoke(app, args + ["--review", str(bad)])
        assert res.exit_code == 2 and "E020 bad review decision on line 2" in res.output and str(bad) in res.output


def test_inspect_page_gives_a_review_line_per_failed_check():
    rec = Record.model_validate({"doc_id": "d", "source": "reports/d.txt", "status": "ok", "checks": [
        {"rule": "review_litigation.review.total", "ok": False, "status": "FAIL", "expected": 3, "found": 4,
         "cells": ["review_litigation.review.total"]}]})
    page = inspect_html(rec, "")
    from lxml import html

    lines = [json.loads(c.text_content()) for c in html.fromstring(page).xpath('//code[@class="review"]')]
    assert "review line" in page and len(lines) == 1
    assert lines[0]["document"] == "reports/d.txt" and lines[0]["check"] == "review_litigation.review.total"


def test_inspect_page_gives_the_lines_that_settle_a_glued_run(tmp_path):
    """A glued run left null: the page lists each allowed split with the review lines that give its cells;
    applied, they fill the cells (method `reviewed`, the document's null kept) and settle the run."""
    from lxml import html

    from xxgk.panel.review import load_review

    rec = Record.model_validate({
        "doc_id": "d", "source": "reports/d.txt", "status": "partial", "format": "2021",
        "active_disclosure": {"normative_documents": {"issued": None, "repealed": None, "in_force": None}},
        "unsplit": [{"paths": ["active_disclosure.normative_documents.issued",
                               "active_disclosure.normative_documents.repealed",
                               "active_disclosure.normative_documents.in_force"],
                     "digits": "25032", "start": 10, "end": 15, "candidates": [[2, 50, 32], [25, 0, 32]]}]})
    rec.meta.organization, rec.meta.year = "某县", 2025
    from xxgk.panel.build import join
    from xxgk.panel.html import write_html

    write_html(join([rec.model_copy(deep=True)]), tmp_path / "panel")  # the body page names the run too
    body = next((tmp_path / "panel" / "bodies").glob("body-*.html")).read_text(encoding="utf-8")
    assert "glued runs left empty" in body and "'25032' →" in body
    page = html.fromstring(inspect_html(rec, ""))
    blocks = [c.text_content() for c in page.xpath('//code[@class="review"]')]
    assert len(blocks) == 2 and "glued runs left empty" in page.text_content()
    chosen = [json.loads(x) for x in blocks[1].split("\n")]
    assert [(x["path"].rsplit(".", 1)[1], x["value"], x["decision"]) for x in chosen] == [
        ("issued", 25, "correct"), ("repealed", 0, "correct"), ("in_force", 32, "correct")]
    f = tmp_path / "review.jsonl"
    f.write_text(blocks[1] + "\n", encoding="utf-8")
    load_review(f).apply(rec)
    nd = rec.active_disclosure.normative_documents
    assert (nd.issued, nd.repealed, nd.in_force) == (25, 0, 32) and not rec.unsplit
    p = rec.provenance["active_disclosure.normative_documents.repealed"]
    assert p.method == "reviewed" and p.original is None


# the bodies of corpus/more with two or more years (by file: see its manifest.jsonl)
REAL_SERIES = {
    "平潭综合实验区": [2014, 2015, 2016, 2017, 2018],  # 管委会 2014 joins the zone (rule 3)
    "平潭综合实验区交通与建设局": [2019, 2020, 2021, 2023, 2024],
    "平潭综合实验区公安局": [2019, 2022, 2024],
    "平潭综合实验区君山片区管理局": [2019, 2020, 2021, 2022, 2023, 2024, 2025],
    "平潭综合实验区国有资产管理局": [2019, 2021, 2022],
    "平潭综合实验区投资促进局": [2024, 2025],
    "平潭综合实验区社会事业局": [2020, 2025],
    "平潭综合实验区管委会办公室": [2020, 2023, 2025],
    "平潭综合实验区经济发展局": [2020, 2021, 2022, 2023, 2024],
    "平潭综合实验区财政金融局": [2019, 2021, 2025],
    "平潭综合实验区金井片区管理局": [2019, 2020, 2021, 2022, 2023, 2024, 2025],
    "淮安市洪泽区人民政府": [2023, 2024],  # 洪泽区人民政府 2023 joins by its division prefix (rule 5)
}


def test_real_pairs_of_corpus_more_are_joined_and_checked(corpus, tmp_path):
    records = tmp_path / "more.jsonl"
    res = runner.invoke(app, ["extract", str(corpus / "more"), "-o", str(records), "--no-model", "-q", "-j", "4"])
    assert res.exit_code == 0, res.output
    panel = build_panel([records])
    series = {b: sorted(y) for b, y in panel.bodies.items() if len(y) > 1}
    assert series == REAL_SERIES
    assert panel.identities.why["洪泽区人民政府"] == "division prefix joined"
    # the same report as page text and as raw HTML is a named conflict, not a silent pick
    assert {(c.body, c.year) for c in panel.conflicts} == {
        ("平潭综合实验区交通与建设局", 2024), ("平潭综合实验区君山片区管理局", 2025),
        ("平潭综合实验区投资促进局", 2025), ("平潭综合实验区金井片区管理局", 2023)}
    hz = [c for c in panel.checks if c.body == "淮安市洪泽区人民政府"]
    assert hz and all(c.status == "PASS" for c in hz)
    # a document's own roll-forward break: 现行有效 5 in 2021, 5 issued and 5 in force in 2022
    c = next(c for c in panel.checks if c.body == "平潭综合实验区经济发展局" and c.year == 2022
             and c.rule == "cross_year.in_force.normative_documents")
    assert c.status == "FAIL" and (c.expected, c.found) == (10, 5)


def test_producer_names_the_tagger_by_name_version_and_config_hash():
    from xxgk.batch.local import Options, make_producer

    class FakeTagger:
        info = {"name": "xxgk-tagger", "version": "0.1.0", "config_hash": "ebd7af231dbad096b5fb6bce"}

    p = make_producer(FakeTagger(), Options(system="combined"))
    assert (p.xxgk, p.tagger, p.system) == ("0.1.0", "xxgk-tagger 0.1.0 ebd7af231dba", "combined")
    assert make_producer(None, Options(system="combined")).model_dump() == {"xxgk": "0.1.0", "tagger": None,
                                                                              "system": "rules"}
