"""Several reports in one file (a compilation, two pages glued): the record reads the first report alone
and says where the next one starts (W105); a title repeated as a running head or quoted in the text cuts
nothing."""

import re

import pytest

from xxgk.evaluation.perturb import render

from helpers import run_text


@pytest.fixture(scope="module")
def pair(corpus):
    """Two real reports of train documents (君山 2023, 金井 2022), as a compilation would hold them."""
    first = (corpus / "more" / "013.txt").read_text(encoding="utf-8")
    second = (corpus / "more" / "014.txt").read_text(encoding="utf-8")
    return first, second


def _same_report(a, b):
    for part in ("meta", "sections", "active_disclosure", "applications", "review_litigation", "narrative",
                 "checks", "status"):
        assert getattr(a, part) == getattr(b, part), part


@pytest.mark.parametrize("join", ["\n\n", " "])
def test_a_second_report_is_cut_off_and_named(pair, join):
    first, second = pair
    alone = run_text(first.rstrip())
    if join == " ":  # a crawler's one-line body: the second title glued after the first report's end
        first, second = re.sub(r"\s*\n\s*", " ", first), re.sub(r"\s*\n\s*", " ", second)
        alone = run_text(first.rstrip())
    rec = run_text(first.rstrip() + join + second)
    (w,) = [w for w in rec.warnings if w.startswith("W105")]
    assert "平潭综合实验区金井片区管理局2022年政府信息公开工作年度报告" in w
    assert rec.text_length == len(first.rstrip()) + len(join)
    _same_report(rec, alone)


def test_a_running_head_on_every_page_cuts_nothing(annotations_dir):
    """西藏自治区审计厅 2025 (page-125, a train document) with a PDF's page breaks: its title on every page."""
    text = (annotations_dir / "docs" / "page-125.txt").read_text(encoding="utf-8")
    _, data = render("pages", text, "doc")
    paged = data.decode("utf-8")
    assert paged.count("西藏自治区审计厅2025年") > 2
    rec = run_text(paged)
    assert not any(w.startswith("W105") for w in rec.warnings)
    assert [s.number for s in rec.sections] == [s.number for s in run_text(text).sections]


def test_a_title_quoted_after_the_last_section_cuts_nothing(pair):
    first, second = pair
    quoted = first.rstrip() + "\n详见《平潭综合实验区金井片区管理局2022年政府信息公开工作年度报告》。\n一、总体情况\n"
    rec = run_text(quoted)
    assert not any(w.startswith("W105") for w in rec.warnings)


def _compiled(tmp_path, pair):
    first, second = pair
    d = tmp_path / "in"
    d.mkdir()
    (d / "compiled.txt").write_text(first + "\n" + second, encoding="utf-8")
    (d / "single.txt").write_text(second, encoding="utf-8")
    return d


def _records(path):
    import json

    return [json.loads(x) for x in open(path, encoding="utf-8")]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_reads_each_report_of_a_file_as_a_record(pair, tmp_path, workers):
    from typer.testing import CliRunner

    from xxgk.cli import app

    d = _compiled(tmp_path, pair)
    out = tmp_path / "r.jsonl"
    res = CliRunner().invoke(app, ["extract", str(d), "-o", str(out), "--no-model", "--workers", str(workers)])
    assert res.exit_code == 0, res.output
    assert "files holding more than one report: 1" in res.output and "compiled.txt" in res.output
    recs = {r["doc_id"]: r for r in _records(out)}
    assert set(recs) == {"compiled", "compiled#2", "single"}
    one, two, alone = recs["compiled"], recs["compiled#2"], recs["single"]
    assert one["part"] == {"number": 1, "of": 2, "start": 0} and two["part"]["number"] == 2
    assert two["part"]["start"] == one["text_length"] and two["source"] == one["source"] + "#2"
    assert one["meta"]["title"].startswith("平潭综合实验区君山片区管理局2023")
    for key in ("meta", "sections", "active_disclosure", "applications", "review_litigation", "narrative", "status"):
        assert two[key] == alone[key], key  # the second report reads as it does alone
    assert [r["doc_id"] for r in _records(out)].index("compiled#2") < [r["doc_id"] for r in _records(out)].index("compiled")


def test_resume_after_a_kill_between_the_reports_of_one_file(pair, tmp_path):
    """Killed after the second report was written, before the first: resuming writes the first only."""
    from typer.testing import CliRunner

    from xxgk.cli import app

    d = _compiled(tmp_path, pair)
    out = tmp_path / "r.jsonl"
    assert CliRunner().invoke(app, ["extract", str(d), "-o", str(out), "--no-model", "-q"]).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(x for x in lines if '"doc_id":"compiled"' not in x), encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", str(d), "-o", str(out), "--no-model", "--resume", "-q"])
    assert res.exit_code == 0, res.output
    ids = [r["doc_id"] for r in _records(out)]
    assert sorted(ids) == ["compiled", "compiled#2", "single"], ids


def test_inspect_shows_any_report_of_the_file(pair, tmp_path):
    from xxgk.evaluation.inspect import inspect_file

    d = _compiled(tmp_path, pair)
    rec, text, note = inspect_file(d / "compiled.txt", use_model=False, part=2)
    assert rec.doc_id == "compiled#2" and text.startswith("标题: 平潭综合实验区金井片区管理局2022年")
    assert "holds 2 reports, showing report 2" in note
    first, _, _ = inspect_file(d / "compiled.txt", use_model=False)
    assert first.doc_id == "compiled" and first.part.number == 1
    with pytest.raises(ValueError):
        inspect_file(d / "compiled.txt", use_model=False, part=3)


@pytest.mark.parametrize("head", ["测试县2022年政府信息公开工作年度报告汇编", None])
def test_a_running_head_between_two_reports_is_not_taken_for_the_second_title(annotations_dir, head):
    """A compilation's PDF pages carry a running head (the compilation's title, or the first report's); one
    stands between the first report's end and the second's title: the second report starts at its own."""
    first = (annotations_dir / "docs" / "seed-000.txt").read_text(encoding="utf-8").strip()
    second = (annotations_dir / "docs" / "seed-002.txt").read_text(encoding="utf-8").strip()
    head = head or first.split("\n")[0].lstrip("# ")
    lines = first.split("\n")
    paged = [x for k, line in enumerate(lines) for x in ([f"- {k // 25} -", head] if k and k % 25 == 0 else []) + [line]]
    text = "\n".join(paged) + f"\n- 9 -\n{head}\n" + second
    rec = run_text(text)
    (w,) = [w for w in rec.warnings if w.startswith("W105")]
    assert text[rec.text_length:].startswith(second.split("\n")[0])
    alone = run_text(second)
    part = run_text(text[rec.text_length:])
    assert part.meta == alone.meta and [s.number for s in part.sections] == [1, 2, 3, 4, 5, 6]


def test_a_second_title_broken_over_two_lines_starts_at_the_body_name(annotations_dir):
    first = (annotations_dir / "docs" / "seed-000.txt").read_text(encoding="utf-8").strip()
    second = (annotations_dir / "docs" / "seed-002.txt").read_text(encoding="utf-8").strip()
    title = second.split("\n")[0]
    second = second.replace(title, "咸祥镇人民政府\n2022年政府信息公开工作年度报告", 1)
    rec = run_text(first + "\n" + second)
    assert (first + "\n" + second)[rec.text_length:].startswith("咸祥镇人民政府\n2022年")
    part = run_text((first + "\n" + second)[rec.text_length:])
    assert part.meta.organization == "咸祥镇人民政府" == run_text(second).meta.organization
