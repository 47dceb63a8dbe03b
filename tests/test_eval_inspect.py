"""`xxgk inspect`: one document as a page (spans, section boundaries, tables, failed checks)."""

from pathlib import Path

import pytest
from layouts import consistent_table3, report, table4
from lxml import html
from test_eval_report import cli
from typer.testing import CliRunner

runner = CliRunner()
CORPUS_DOC = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "full" / "006.html"


@pytest.mark.skipif(not CORPUS_DOC.exists(), reason="../shared/corpus/full/006.html not available")
def test_inspect_real_corpus_doc(tmp_path):
    out = tmp_path / "006-inspect.html"
    res = runner.invoke(cli(), ["inspect", str(CORPUS_DOC), "-o", str(out), "--no-model"])
    assert res.exit_code == 0, res.output
    assert "sections 123456" in res.output
    page = out.read_text(encoding="utf-8")
    doc = html.fromstring(page)
    heads = [h.text_content() for h in doc.xpath("//h3")]
    assert heads[:3] == ["table 二 active_disclosure", "table 三 applications", "table 四 review_litigation"]
    # six boxed sections (plus what comes before the first header), each with its header offsets
    secs = doc.xpath('//div[@class="section"]')
    assert len(secs) == 6 and "一、总体情况" in secs[0].xpath('.//div[@class="sechead"]')[0].text_content()
    # table 三 rendered as a table with 7 applicant columns; cells carry their path
    cells = doc.xpath('//td[contains(@title, "applications.new_received.total")]')
    assert len(cells) == 1 and cells[0].text_content().strip() != "null"
    assert "http://" not in page and "https://" not in page  # nothing to fetch


def test_inspect_marks_failed_checks_and_derived_cells(tmp_path):
    t4 = table4(3)
    t4["review"]["total"] += 1  # the document's own figures do not add up
    src = tmp_path / "bad.txt"
    src.write_text(report(consistent_table3(3), t4), encoding="utf-8")
    out = tmp_path / "bad.html"
    res = runner.invoke(cli(), ["inspect", str(src), "-o", str(out), "--no-model"])
    assert res.exit_code == 0, res.output
    assert "1 failed check(s)" in res.output
    doc = html.fromstring(out.read_text(encoding="utf-8"))
    failed = doc.xpath('//td[contains(@class, "fail")]')
    assert {td.get("title").split(" | ")[0] for td in failed} == {f"review_litigation.review.{c}" for c in
                                                                  ("upheld", "corrected", "other", "pending", "total")}
    assert "review_litigation.review.total" in doc.xpath('//ul[@class="checks"]')[0].text_content()
    # glued digits: values split by the row total are derived and marked
    glued = tmp_path / "glued.txt"
    glued.write_text(report(consistent_table3(5, big=True), table4(5), layout="glued"), encoding="utf-8")
    res = runner.invoke(cli(), ["inspect", str(glued), "-o", str(tmp_path / "g.html"), "--no-model"])
    assert res.exit_code == 0, res.output
    doc = html.fromstring((tmp_path / "g.html").read_text(encoding="utf-8"))
    derived = doc.xpath('//td[contains(@class, "derived")]')
    assert derived and all(" | derived" in td.get("title") for td in derived)


def test_inspect_errors(tmp_path):
    res = runner.invoke(cli(), ["inspect", str(tmp_path / "none.txt")])
    assert res.exit_code == 2 and "no such file" in res.output
