"""The panel: body identity, cross-year checks, conflicts, review decisions, outputs (synthetic records)."""

from __future__ import annotations

import json

import pytest

from xxgk.errors import XXGKError
from xxgk.panel.build import join
from xxgk.panel.checks import body_checks
from xxgk.panel.identity import load_aliases, normalise, raw_name, resolve
from xxgk.panel.review import ReviewBook, load_review
from xxgk.record import (
    ActiveDisclosure2019,
    ActiveDisclosure2021,
    Applications2019,
    Applications2021,
    ApplicantCounts,
    Check,
    DocCounts2019,
    DocCounts2021,
    ItemCounts2019,
    Provenance,
    Record,
    UnsplitRun,
)

COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other")


def row(*six) -> ApplicantCounts:
    return ApplicantCounts(**dict(zip(COLS, six)), total=sum(six))


def rec2021(doc_id, org, year, carried_over=(0,) * 6, carried_forward=(0,) * 6, nd=(1, 0, 5), regs=(0, 0, 2),
            source=None) -> Record:
    apps = Applications2021(new_received=row(*(3,) * 6), carried_over=row(*carried_over),
                            carried_forward=row(*carried_forward))
    ad = ActiveDisclosure2021(normative_documents=DocCounts2021(issued=nd[0], repealed=nd[1], in_force=nd[2]),
                              regulations=DocCounts2021(issued=regs[0], repealed=regs[1], in_force=regs[2]))
    r = Record(doc_id=doc_id, source=source or f"reports/{doc_id}.txt", status="ok", format="2021",
               applications=apps, active_disclosure=ad)
    r.meta.organization, r.meta.year = org, year
    r.meta.title = f"{org}{year}年政府信息公开工作年度报告"
    r.provenance["applications.carried_over.total"] = Provenance(method="text_table", start=100, end=101)
    return r


def rec2019(doc_id, org, year, licensing=(10, 2, 5), nd=(3, 2, 20), carried_forward=(0,) * 6) -> Record:
    ad = ActiveDisclosure2019(normative_documents=DocCounts2019(made=nd[0], published=nd[1], total_public=nd[2]),
                              licensing=ItemCounts2019(prior_items=licensing[0], change=licensing[1],
                                                       decisions=licensing[2]))
    r = Record(doc_id=doc_id, source=f"reports/{doc_id}.txt", status="ok", format="2019", active_disclosure=ad,
               applications=Applications2019(carried_over=row(*(0,) * 6), carried_forward=row(*carried_forward)))
    r.meta.organization, r.meta.year = org, year
    return r


def series():
    """One district 2021–2024: 2022 carries over 2 natural-person applications where 2021 carried forward 1
    (a planted break); 2023's normative documents in force do not roll forward (planted); 2024 is fine."""
    return [
        rec2021("a21", "洪泽区人民政府", 2021, carried_forward=(1, 0, 0, 0, 0, 0), nd=(2, 0, 10)),
        rec2021("a22", "淮安市洪泽区人民政府", 2022, carried_over=(2, 0, 0, 0, 0, 0), nd=(3, 1, 12)),
        rec2021("a23", "洪泽区人民政府", 2023, nd=(4, 0, 20)),  # 12 + 4 − 0 = 16, not 20
        rec2021("a24", " 洪泽区人民政府 ", 2024, nd=(1, 1, 20)),
    ]


def by_rule(checks, rule, year):
    return next(c for c in checks if c.rule == rule and c.year == year)


def test_planted_carry_over_break_found_with_both_reports_as_evidence():
    panel = join(series())
    assert list(panel.bodies) == ["淮安市洪泽区人民政府"]
    c = by_rule(panel.checks, "cross_year.carried_over.natural_person", 2022)
    assert c.status == "FAIL" and (c.expected, c.found) == (1, 2)
    ev = {(e.year, e.doc_id, e.path): e.value for e in c.evidence}
    assert ev == {(2021, "a21", "applications.carried_forward.natural_person"): 1,
                  (2022, "a22", "applications.carried_over.natural_person"): 2}
    assert by_rule(panel.checks, "cross_year.carried_over.total", 2022).status == "FAIL"
    assert by_rule(panel.checks, "cross_year.carried_over.commercial", 2022).status == "PASS"
    assert by_rule(panel.checks, "cross_year.carried_over.total", 2023).status == "PASS"
    tot = by_rule(panel.checks, "cross_year.carried_over.total", 2022)
    assert [e.method for e in tot.evidence] == [None, "text_table"] and tot.evidence[1].start == 100


def test_planted_in_force_break_found_and_good_years_pass():
    checks = join(series()).checks
    c = by_rule(checks, "cross_year.in_force.normative_documents", 2023)
    assert c.status == "FAIL" and (c.expected, c.found) == (16, 20)
    assert {e.doc_id for e in c.evidence} == {"a22", "a23"}
    assert c.cells == ["2022:active_disclosure.normative_documents.in_force",
                       "2023:active_disclosure.normative_documents.issued",
                       "2023:active_disclosure.normative_documents.repealed",
                       "2023:active_disclosure.normative_documents.in_force"]
    assert by_rule(checks, "cross_year.in_force.normative_documents", 2022).status == "PASS"  # 10 + 3 − 1
    assert by_rule(checks, "cross_year.in_force.normative_documents", 2024).status == "PASS"  # 20 + 1 − 1
    assert by_rule(checks, "cross_year.in_force.regulations", 2022).status == "PASS"
    fails = [c for c in checks if c.status == "FAIL"]
    assert {(c.rule, c.year) for c in fails} == {("cross_year.carried_over.natural_person", 2022),
                                                 ("cross_year.carried_over.total", 2022),
                                                 ("cross_year.in_force.normative_documents", 2023)}


def test_missing_year_is_not_assessable_not_fail():
    recs = [r for r in series() if r.meta.year != 2022]
    checks = join(recs).checks
    for year in (2022, 2023):
        for c in (x for x in checks if x.year == year):
            assert c.status == "NOT_ASSESSABLE" and c.message == "no report for 2022"
    assert by_rule(checks, "cross_year.in_force.normative_documents", 2024).status == "PASS"


def test_null_cell_is_not_assessable():
    recs = series()
    recs[0].applications.carried_forward.research = None
    c = by_rule(join(recs).checks, "cross_year.carried_over.research", 2022)
    assert c.status == "NOT_ASSESSABLE" and "2021:applications.carried_forward.research" in c.message
    recs[1].applications = None
    c = by_rule(join(recs).checks, "cross_year.carried_over.total", 2022)
    assert c.status == "NOT_ASSESSABLE" and "applications not found in a22" in c.message


def test_two_reports_for_one_body_year_are_a_named_conflict():
    recs = series() + [rec2021("a22-html", "洪泽区人民政府", 2022, carried_over=(2, 0, 0, 0, 0, 0), nd=(3, 1, 13),
                               source="reports/a22.html")]
    panel = join(recs)
    assert len(panel.conflicts) == 1
    conflict = panel.conflicts[0].to_dict()
    assert conflict["name"] == "淮安市洪泽区人民政府 2022"
    assert {d["doc_id"] for d in conflict["documents"]} == {"a22", "a22-html"}
    assert not conflict["same_figures"] and "active_disclosure.normative_documents.in_force" in conflict["differing_cells"]
    for year in (2022, 2023):  # both pairs touching 2022: the checks that use the cell the two differ on
        c = by_rule(panel.checks, "cross_year.in_force.normative_documents", year)
        assert c.status == "NOT_ASSESSABLE" and c.message.startswith("conflict: 2 reports for 淮安市洪泽区人民政府 2022")
        assert "a22 (reports/a22.txt)" in c.message and "a22-html (reports/a22.html)" in c.message
    # where the two agree on every cell a check uses, they are read as one (the planted break is found)
    c = by_rule(panel.checks, "cross_year.carried_over.natural_person", 2022)
    assert c.status == "FAIL" and (c.expected, c.found) == (1, 2)
    assert by_rule(panel.checks, "cross_year.in_force.regulations", 2022).status == "PASS"
    assert by_rule(panel.checks, "cross_year.in_force.normative_documents", 2024).status == "PASS"
    # both stay in the tables, flagged
    from xxgk.panel.build import wide_rows

    wide = [r for r in wide_rows(panel) if r["year"] == 2022]
    assert len(wide) == 2 and all(r["conflict"] for r in wide)


def test_2019_layout_items_and_public_total_and_layout_change():
    recs = [rec2019("j19", "君山片区管理局", 2019, licensing=(10, 2, 5), nd=(3, 2, 20)),
            rec2019("j20", "君山片区管理局", 2020, licensing=(12, -1, 4), nd=(1, 1, 21)),
            rec2019("j21x", "君山片区管理局", 2021, licensing=(10, 0, 0), nd=(0, 1, 30)),
            rec2021("j22", "君山片区管理局", 2022)]
    recs[2].format = "2019"
    checks = join(recs).checks
    assert by_rule(checks, "cross_year.prior_items.licensing", 2020).status == "PASS"  # 10 + 2
    c = by_rule(checks, "cross_year.prior_items.licensing", 2021)
    assert c.status == "FAIL" and (c.expected, c.found) == (11, 10)
    assert by_rule(checks, "cross_year.total_public.normative_documents", 2020).status == "PASS"  # 21 ≤ 20 + 1
    c = by_rule(checks, "cross_year.total_public.normative_documents", 2021)
    assert c.status == "FAIL" and c.relation == "<=" and (c.expected, c.found) == (22, 30)
    c = by_rule(checks, "cross_year.in_force.normative_documents", 2022)
    assert c.status == "NOT_ASSESSABLE" and "2019 layout" in c.message
    assert by_rule(checks, "cross_year.carried_over.total", 2022).status == "PASS"  # comparable across layouts
    assert not [c for c in checks if c.year == 2022 and c.rule.startswith("cross_year.prior_items")]


def test_free_form_reports_have_no_cross_year_checks():
    a, b = rec2021("p17", "平潭综合实验区", 2017), rec2021("p18", "平潭综合实验区", 2018)
    for r in (a, b):
        r.format, r.applications, r.active_disclosure = "pre2019", None, None
    assert body_checks("平潭综合实验区", {2017: [a], 2018: [b]}) == []


# ---- identity -----------------------------------------------------------------------------------


def test_name_rules_join_variants():
    names = ["平潭综合实验区", "平潭综合实验区管委会", "平潭综合实验区管理委员会", "平潭綜合實驗區（管委會）",
             "平潭综合实验区管委会办公室", "淮安市洪泽区人民政府", "洪泽区人民政府", "淮安市人民政府", "公安局",
             "平潭综合实验区公安局"]
    ids = resolve(names)
    zone = {ids.body[n] for n in names[:4]}
    assert zone == {"平潭综合实验区"}
    assert ids.body["平潭综合实验区管委会办公室"] == "平潭综合实验区管委会办公室"  # another body
    assert ids.body["洪泽区人民政府"] == ids.body["淮安市洪泽区人民政府"] == "淮安市洪泽区人民政府"
    assert ids.body["淮安市人民政府"] == "淮安市人民政府"
    assert ids.body["公安局"] == "公安局"  # a bare department names no division: never joined
    assert ids.why["洪泽区人民政府"] == "division prefix joined"
    assert normalise(" 平潭 综合实验区 ") == "平潭综合实验区"
    assert raw_name(None, "平潭综合实验区2015年度政府信息公开工作年度报告") == "平潭综合实验区"


def test_ambiguous_short_name_is_left_alone():
    ids = resolve(["淮安市洪泽区人民政府", "南京市洪泽区人民政府", "洪泽区人民政府"])
    assert len(set(ids.body.values())) == 3
    assert ids.ambiguous and "洪泽区人民政府 left alone" in ids.ambiguous[0]


def test_alias_file_toml_and_csv(tmp_path):
    toml = tmp_path / "aliases.toml"
    toml.write_text('[aliases]\n"平潭综合实验区投资促进局" = "平潭综合实验区国有资产管理局"\n', encoding="utf-8")
    csv = tmp_path / "aliases.csv"
    csv.write_text("variant,canonical\n平潭综合实验区投资促进局,平潭综合实验区国有资产管理局\n", encoding="utf-8")
    for f in (toml, csv):
        aliases = load_aliases(f)
        recs = [rec2021("g21", "平潭综合实验区国有资产管理局", 2021), rec2021("g22", "平潭综合实验区投资促进局", 2022)]
        panel = join(recs, aliases)
        assert list(panel.bodies) == ["平潭综合实验区国有资产管理局"] and sorted(panel.bodies[
            "平潭综合实验区国有资产管理局"]) == [2021, 2022]
        assert panel.identities.why["平潭综合实验区投资促进局"] == "alias file"
    bad = tmp_path / "bad.toml"
    bad.write_text("[aliases]\nx = 3\n", encoding="utf-8")
    with pytest.raises(XXGKError, match="E021"):
        load_aliases(bad)


# ---- review -------------------------------------------------------------------------------------


def _review_file(tmp_path, lines) -> str:
    f = tmp_path / "review.jsonl"
    f.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    return str(f)


def test_review_confirm_dismiss_correct_keep_the_document_value(tmp_path):
    recs = series()
    recs[1].checks.append(Check(rule="applications.total.balance", ok=False, status="FAIL", expected=1, found=2))
    path = _review_file(tmp_path, [
        {"document": "a22", "path": "applications.carried_over.natural_person", "decision": "correct", "value": 1,
         "reviewer": "li", "note": "2 is a misprint; the text says 1", "time": "2025-01-02T10:00:00Z"},
        {"document": "reports/a22.txt", "check": "applications.total.balance", "decision": "dismiss",
         "reviewer": "li", "note": "fixed by the correction"},
        {"document": "a23", "path": "active_disclosure.normative_documents.in_force", "decision": "confirm",
         "reviewer": "wang"},
        {"document": "a23", "check": "cross_year.in_force.normative_documents", "decision": "confirm",
         "reviewer": "wang", "note": "the 2023 report really says 20"},
        {"document": "nope", "check": "x", "decision": "dismiss"},
    ])
    book = load_review(path)
    for r in recs:
        book.apply(r)
    a22 = recs[1]
    assert a22.applications.carried_over.natural_person == 1
    prov = a22.provenance["applications.carried_over.natural_person"]
    assert prov.method == "reviewed" and prov.original == 2 and prov.review.reviewer == "li"
    assert any(w.startswith("W160 applications.carried_over.natural_person") for w in a22.warnings)
    check = a22.checks[0]
    assert check.status == "FAIL" and check.review.decision == "dismiss"  # the computed status stays
    confirmed = recs[2].provenance["active_disclosure.normative_documents.in_force"]
    assert confirmed.review.decision == "confirm"
    panel = join(recs, book=book)
    # the correction feeds the cross-year check, and the evidence shows the document's value
    c = by_rule(panel.checks, "cross_year.carried_over.natural_person", 2022)
    assert c.status == "PASS" and c.evidence[1].original == 2 and c.evidence[1].method == "reviewed"
    c = by_rule(panel.checks, "cross_year.in_force.normative_documents", 2023)
    assert c.status == "FAIL" and c.review.decision == "confirm" and c.review.reviewer == "wang"
    assert [n for n in panel.notes if n.startswith("W161")] == [
        f"W161 review decision on line 5 of {path} matched nothing (nope x)"]
    # a second correction keeps the document's value, not the first correction
    again = ReviewBook(path, [e for e in load_review(_review_file(tmp_path, [
        {"document": "a22", "path": "applications.carried_over.natural_person", "decision": "correct",
         "value": 0}])).entries])
    again.apply(a22)
    assert a22.provenance["applications.carried_over.natural_person"].original == 2
    json.loads(a22.to_json())  # still a valid record line


@pytest.mark.parametrize("line, words", [
    ({"document": "a", "decision": "dismiss"}, "exactly one of 'check'"),
    ({"document": "a", "check": "r", "decision": "correct", "value": 1}, "'correct' needs a value 'path'"),
    ({"document": "a", "path": "applications.granted.total", "decision": "correct"}, "corrected 'value'"),
    ({"document": "a", "path": "meta.year", "decision": "correct", "value": 2020}, "only table cells"),
    ({"document": "a", "check": "r", "decision": "maybe"}, "decision"),
    ({"document": "a", "check": "r", "decision": "dismiss", "time": "yesterday"}, "ISO time"),
    ({"document": "a", "check": "r", "decision": "dismiss", "who": "x"}, "who"),
])
def test_bad_review_line_names_file_and_line(tmp_path, line, words):
    path = _review_file(tmp_path, [{"document": "a", "check": "r", "decision": "confirm"}, line])
    with pytest.raises(XXGKError) as e:
        load_review(path)
    assert str(e.value).startswith("E020 bad review decision on line 2") and path in str(e.value)
    assert words in str(e.value)


def test_doc_id_shared_by_two_records_must_be_named_by_source(tmp_path):
    recs = [rec2021("001", "甲区人民政府", 2021, source="more/001.pdf"),
            rec2021("001", "乙区人民政府", 2021, source="full/001.pdf")]
    book = load_review(_review_file(tmp_path, [{"document": "001", "check": "r", "decision": "confirm"}]))
    with pytest.raises(XXGKError, match="E022"):
        book.check_unique(recs)
    load_review(_review_file(tmp_path, [{"document": "more/001.pdf", "check": "r", "decision": "confirm"}])) \
        .check_unique(recs)


def _glued_2023(doc_id: str) -> Record:
    """A 2023 report whose normative-documents row was glued into '4016': issued 4 read, repealed and in
    force left null with the splits 0,16 and 1,6."""
    rec = rec2021(doc_id, "洪泽区人民政府", 2023, nd=(4, 0, 16))
    nd = rec.active_disclosure.normative_documents
    nd.repealed = nd.in_force = None
    rec.unsplit = [UnsplitRun(paths=["active_disclosure.normative_documents.repealed",
                                     "active_disclosure.normative_documents.in_force"],
                              digits="4016", start=200, end=204, candidates=[[0, 16], [1, 6]])]
    return rec


def _glued_copy_pair(copy_nd=(4, 0, 16)):
    """a23 as page text, its row glued (`_glued_2023`), and the same report as HTML printing the row
    cell by cell."""
    return _glued_2023("a23"), rec2021("a23-html", "洪泽区人民政府", 2023, nd=copy_nd, source="reports/a23.html")


def test_a_copy_of_the_same_report_decides_a_glued_run():
    recs = series()
    text, html = _glued_copy_pair()
    recs[2:3] = [text, html]
    panel = join(recs)
    nd = text.active_disclosure.normative_documents
    assert (nd.issued, nd.repealed, nd.in_force) == (4, 0, 16) and not text.unsplit
    p = text.provenance["active_disclosure.normative_documents.in_force"]
    assert p.method == "derived" and (p.start, p.end) == (202, 204) and "reports/a23.html" in p.note
    assert (text.provenance["active_disclosure.normative_documents.repealed"].start, ) == (201, )
    assert any(w.startswith("W163") and "reports/a23.html" in w for w in text.warnings)
    assert any(n.startswith("W163") for n in panel.notes)
    # the two now agree on every cell: still listed as two reports, but the checks read them as one
    (conflict,) = panel.conflicts
    assert conflict.to_dict()["same_figures"]
    assert by_rule(panel.checks, "cross_year.in_force.normative_documents", 2023).status == "PASS"


@pytest.mark.parametrize("copy_nd, why", [((4, 2, 14), "not a split of the run's digits"),
                                          ((5, 0, 16), "the copy differs on a cell both read")])
def test_a_glued_run_is_left_alone_without_a_matching_copy(copy_nd, why):
    text, html = _glued_copy_pair(copy_nd)
    join([text, html])
    assert text.active_disclosure.normative_documents.in_force is None and len(text.unsplit) == 1, why
    assert not any(w.startswith("W163") for w in text.warnings)


def test_a_copy_does_not_overrule_a_reviewer():
    """A run a reviewer has started to settle (one cell given) is left to them, copy or no copy."""
    text, html = _glued_copy_pair()
    text.active_disclosure.normative_documents.in_force = 16
    text.provenance["active_disclosure.normative_documents.in_force"] = Provenance(method="reviewed")
    join([text, html])
    assert text.active_disclosure.normative_documents.repealed is None and len(text.unsplit) == 1


def test_a_copy_places_the_blank_of_a_short_zero_run():
    """'000000' for seven cells (one blank): the HTML copy shows which cell is blank; the others are filled."""
    text = rec2021("g23", "洪泽区人民政府", 2023)
    cf = text.applications.carried_forward
    cols = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total")
    for c in cols:
        setattr(cf, c, None)
    text.unsplit = [UnsplitRun(paths=[f"applications.carried_forward.{c}" for c in cols], digits="000000",
                               start=500, end=506,
                               candidates=[[None if k == b else 0 for k in range(7)] for b in range(7)])]
    html = rec2021("g23-html", "洪泽区人民政府", 2023, source="reports/g23.html")
    html.applications.carried_forward.commercial = None
    join([text, html])
    assert [getattr(cf, c) for c in cols] == [0, None, 0, 0, 0, 0, 0] and not text.unsplit
    p = text.provenance["applications.carried_forward.total"]
    assert p.method == "derived" and (p.start, p.end) == (500, 506)
    assert "applications.carried_forward.commercial" not in text.provenance
    from xxgk.panel.review import split_lines

    lines = split_lines(text, UnsplitRun(paths=["a.x", "a.y"], digits="0", candidates=[[0, None]]), [0, None])
    assert len(lines) == 1 and '"a.x"' in lines[0]  # the blank cell gets no line: it stays null


def _glued_in_a_series(nd24=(1, 1, 16)):
    """2022 → 2023 → 2024 of one district; 2023's normative-documents row is glued (`_glued_2023`)."""
    return (rec2021("s22", "洪泽区人民政府", 2022, nd=(3, 1, 12)), _glued_2023("s23"),
            rec2021("s24", "洪泽区人民政府", 2024, nd=nd24))


def test_the_years_around_a_glued_run_settle_it_when_one_split_alone_rolls_forward():
    """12 in force in 2022, 4 issued in 2023: 0 repealed and 16 in force roll forward (and on to 2024's 16);
    1 and 6 fail both years."""
    a22, a23, a24 = _glued_in_a_series()
    panel = join([a22, a23, a24])
    nd = a23.active_disclosure.normative_documents
    assert (nd.repealed, nd.in_force) == (0, 16) and not a23.unsplit
    p = a23.provenance["active_disclosure.normative_documents.in_force"]
    assert p.method == "derived" and (p.start, p.end) == (202, 204)
    assert "cross_year.in_force.normative_documents (2022→2023)" in p.note and "reports/s22.txt" in p.note
    assert any(w.startswith("W164") and "reports/s24.txt" in w for w in a23.warnings)
    assert any(n.startswith("W164") for n in panel.notes)
    # the checks that chose the split say they cannot test it; the others are untouched
    for year in (2023, 2024):
        c = by_rule(panel.checks, "cross_year.in_force.normative_documents", year)
        assert c.status == "NOT_ASSESSABLE" and "chose the split" in (c.message or "")
    assert by_rule(panel.checks, "cross_year.in_force.regulations", 2023).status == "PASS"


def test_a_glued_run_is_left_alone_unless_one_split_alone_passes():
    # 2024 says 20 in force: 0,16 rolls forward from 2022 but not into 2024, and 1,6 into neither
    a22, a23, a24 = _glued_in_a_series(nd24=(1, 1, 20))
    join([a22, a23, a24])
    assert a23.active_disclosure.normative_documents.in_force is None and len(a23.unsplit) == 1
    assert not any(w.startswith("W164") for w in a23.warnings)
    # no neighbouring report: no check can assess a split, and none is chosen by default
    a23 = _glued_in_a_series()[1]
    join([a23])
    assert len(a23.unsplit) == 1
    # '8801' as 上一年项目数量 8 and 本年增/减 80, or 88 and 0: both give 2020's 88 (more/047.txt's case)
    b19 = rec2019("b19", "洪泽区人民政府", 2019, licensing=(88, 0, 5))
    b19.active_disclosure.licensing.prior_items = b19.active_disclosure.licensing.change = None
    b19.unsplit = [UnsplitRun(paths=["active_disclosure.licensing.prior_items", "active_disclosure.licensing.change"],
                              digits="8801", candidates=[[8, 80], [88, 0]])]
    join([b19, rec2019("b20", "洪泽区人民政府", 2020, licensing=(88, -7, 20))])
    assert b19.active_disclosure.licensing.prior_items is None and len(b19.unsplit) == 1
