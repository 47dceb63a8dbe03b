"""Cross-year checks: what one year's report carries into the next, PASS / FAIL / NOT_ASSESSABLE.

Each check compares cells of one body's reports for consecutive years (y−1, y) and lists both
documents' cells as evidence; it never changes a value.  The rules (docs/panel.md explains each):

- `cross_year.carried_over.<col>`: applications carried over in y (二、上年结转) = carried forward
  in y−1 (四、结转下年度继续办理), for each applicant column and the total; both layouts.
- `cross_year.in_force.<kind>` (2021 layout, kind = regulations | normative_documents):
  in force (y) = in force (y−1) + issued (y) − repealed (y).
- `cross_year.total_public.<kind>` (2019 layout both years): 对外公开总数量 counts the documents
  publicly available, a running total; repeals are not reported, so the only sound check is a
  bound: total_public (y) ≤ total_public (y−1) + published (y).
- `cross_year.prior_items.<item>` (2019 layout both years; 行政许可 … 行政事业性收费):
  上一年项目数量 (y) = 上一年项目数量 (y−1) + 本年增/减 (y−1).

A 2019-layout year followed by a 2021-layout year: table 三's carry-over is comparable (same rows);
现行有效件数 has no counterpart in the 2019 layout (对外公开总数量 counts what was made public, not
what is in force), so the in-force check is NOT_ASSESSABLE with that reason; the item counts of the
2019 layout are gone from the 2021 layout, so no check is made on them.  A missing year, a null cell,
a missing table or two reports for one body-year that give a cell it uses different values (a
conflict) make a check NOT_ASSESSABLE; reports of one body-year that agree on its cells are read as one.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from xxgk.record import APPLICANT_COLUMNS, CheckStatus, Record, ReviewMark, get_path

DOC_KINDS = ("regulations", "normative_documents")
ITEMS_2019 = ("licensing", "other_services", "punishment", "coercion", "fees")
TABLE_LAYOUTS = ("2019", "2021")
Number = Union[int, float]


class Evidence(BaseModel):
    """One cell of one report that a check used."""

    model_config = ConfigDict(extra="forbid")
    year: int
    doc_id: Optional[str] = None
    source: Optional[str] = None
    path: str
    value: Optional[Number] = None
    method: Optional[str] = Field(None, description="provenance method of the cell")
    start: Optional[int] = None
    end: Optional[int] = None
    original: Optional[Number] = Field(None, description="the document's value when a reviewer corrected it")


class CrossYearCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    body: str
    year: int = Field(..., description="the later year y")
    prior_year: int
    status: CheckStatus
    relation: Literal["=", "<="] = "="
    expected: Optional[Number] = Field(None, description="from the formula (the bound, for <=)")
    found: Optional[Number] = None
    formula: str
    cells: list[str] = Field(default_factory=list, description="year:path of every cell used")
    evidence: list[Evidence] = Field(default_factory=list)
    message: Optional[str] = None
    review: Optional[ReviewMark] = None

    @property
    def documents(self) -> list[str]:
        return sorted({e.source or e.doc_id or "" for e in self.evidence})


def _name(r: Record) -> str:
    return f"{r.doc_id} ({r.source})"


class _Pair:
    """The reports of y−1 and y; a side is None when missing, a list of several when in conflict."""

    def __init__(self, body: str, year: int, prev: list[Record], cur: list[Record]):
        self.body, self.year = body, year
        self.prev, self.cur = prev, cur

    def check(self, rule: str, formula: str, terms: list[tuple[int, str, int]], found: tuple[int, str],
              relation: str = "=") -> CrossYearCheck:
        """terms: (sign, path, which year: 0 = y−1, 1 = y) summed to the expected value; found: (which, path)."""
        base = dict(rule=rule, body=self.body, year=self.year, prior_year=self.year - 1, formula=formula,
                    relation=relation)
        uses = [(w, p) for _, p, w in terms] + [found]
        base["cells"] = [f"{self.year - 1 + w}:{p}" for w, p in uses]
        for side, recs in ((0, self.prev), (1, self.cur)):
            if not recs:
                return CrossYearCheck(**base, status="NOT_ASSESSABLE",
                                      message=f"no report for {self.year - 1 + side}")
        # several reports for one year conflict only where they give the cells used different values (two
        # copies of one report that agree are read as one: the first stands for both)
        conflicts = [(self.year - 1 + side, recs) for side, recs in ((0, self.prev), (1, self.cur))
                     if len(recs) > 1 and not _agree(recs, [p for w, p in uses if w == side])]
        if conflicts:
            y, recs = conflicts[0]
            return CrossYearCheck(**base, status="NOT_ASSESSABLE",
                                  evidence=[_evidence(r, y, p) for r in recs for w, p in uses if self.year - 1 + w == y],
                                  message=f"conflict: {len(recs)} reports for {self.body} {y}: "
                                          + "; ".join(_name(r) for r in recs))
        pair = (self.prev[0], self.cur[0])
        evidence = [_evidence(pair[w], self.year - 1 + w, p) for w, p in uses]
        base["evidence"] = evidence
        missing = [f"{self.year - 1 + w}:{p}" for (w, p), e in zip(uses, evidence) if e.value is None]
        if missing:
            why = []
            for w, p in uses:
                table = p.split(".")[0]
                if getattr(pair[w], table) is None:
                    why.append(f"{table} not found in {_name(pair[w])}")
            return CrossYearCheck(**base, status="NOT_ASSESSABLE",
                                  message="; ".join(dict.fromkeys(why)) or "a cell it needs is null: " + ", ".join(missing))
        values: dict[tuple[int, str], float] = {(w, p): e.value for (w, p), e in zip(uses, evidence)
                                                 if e.value is not None}  # none is null past `missing`
        expected = sum(sign * values[(w, p)] for sign, p, w in terms)
        got = values[found]
        ok = got <= expected + 1e-9 if relation == "<=" else abs(got - expected) < 1e-9
        message = None if ok else (f"{self.year} {found[1]} is {got}, "
                                   f"{'at most ' if relation == '<=' else ''}{expected} by {formula}")
        return CrossYearCheck(**base, status="PASS" if ok else "FAIL", expected=expected, found=got, message=message)

    def not_assessable(self, rule: str, formula: str, message: str, cells: list[str]) -> CrossYearCheck:
        return CrossYearCheck(rule=rule, body=self.body, year=self.year, prior_year=self.year - 1, formula=formula,
                              status="NOT_ASSESSABLE", cells=cells, message=message)


def _agree(recs: list[Record], paths: list[str]) -> bool:
    return all(len({repr(get_path(r, p)) for r in recs}) == 1 for p in paths)


def _evidence(rec: Record, year: int, path: str) -> Evidence:
    prov = rec.provenance.get(path)
    value = get_path(rec, path)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        value = None
    return Evidence(year=year, doc_id=rec.doc_id, source=rec.source, path=path, value=value,
                    method=prov.method if prov else None, start=prov.start if prov else None,
                    end=prov.end if prov else None, original=prov.original if prov else None)


def _layout(recs: list[Record]) -> str | None:
    fmts = {r.format for r in recs}
    return fmts.pop() if len(fmts) == 1 else None


def pair_checks(body: str, year: int, prev: list[Record], cur: list[Record]) -> list[CrossYearCheck]:
    """All checks between the reports of year−1 (prev) and year (cur); either side may be empty."""
    pair = _Pair(body, year, prev, cur)
    lp, lc = _layout(prev), _layout(cur)
    # the later year's layout says which cells exist to be checked; a missing year borrows the other's
    layout = lc if cur else lp
    if layout not in TABLE_LAYOUTS:
        return []  # free-form (pre-2019) or unknown reports have no tables to carry
    out = []
    for col in APPLICANT_COLUMNS:
        out.append(pair.check(f"cross_year.carried_over.{col}", f"carried_over.{col}(y) = carried_forward.{col}(y−1)",
                              [(1, f"applications.carried_forward.{col}", 0)], (1, f"applications.carried_over.{col}")))
    for kind in DOC_KINDS:
        ad = f"active_disclosure.{kind}"
        if layout == "2021":
            rule, formula = f"cross_year.in_force.{kind}", "in_force(y) = in_force(y−1) + issued(y) − repealed(y)"
            if prev and cur and lp == "2019":
                out.append(pair.not_assessable(rule, formula, f"{year - 1} uses the 2019 layout: 对外公开总数量 counts "
                                               "documents made public, not documents in force (现行有效件数); no "
                                               "identity links them", [f"{year}:{ad}.in_force"]))
                continue
            out.append(pair.check(rule, formula, [(1, f"{ad}.in_force", 0), (1, f"{ad}.issued", 1),
                                                  (-1, f"{ad}.repealed", 1)], (1, f"{ad}.in_force")))
        else:
            rule = f"cross_year.total_public.{kind}"
            formula = "total_public(y) ≤ total_public(y−1) + published(y)"
            if prev and cur and lp != "2019":
                out.append(pair.not_assessable(rule, formula, f"{year - 1} uses the {lp} layout, which has no "
                                               "对外公开总数量", [f"{year}:{ad}.total_public"]))
                continue
            out.append(pair.check(rule, formula, [(1, f"{ad}.total_public", 0), (1, f"{ad}.published", 1)],
                                  (1, f"{ad}.total_public"), relation="<="))
    if layout == "2019":
        for item in ITEMS_2019:
            ad = f"active_disclosure.{item}"
            rule, formula = f"cross_year.prior_items.{item}", "prior_items(y) = prior_items(y−1) + change(y−1)"
            if prev and cur and lp != "2019":
                out.append(pair.not_assessable(rule, formula, f"{year - 1} uses the {lp} layout, which has no "
                                               "上一年项目数量 / 本年增减", [f"{year}:{ad}.prior_items"]))
                continue
            out.append(pair.check(rule, formula, [(1, f"{ad}.prior_items", 0), (1, f"{ad}.change", 0)],
                                  (1, f"{ad}.prior_items")))
    return out


def body_checks(body: str, by_year: dict[int, list[Record]]) -> list[CrossYearCheck]:
    """Every consecutive pair of years from a body's first report to its last, gaps included (a year
    with no report makes its pairs NOT_ASSESSABLE); pairs with neither year reported are skipped."""
    if not by_year:
        return []
    years = sorted(by_year)
    out = []
    for y in range(years[0] + 1, years[-1] + 1):
        prev, cur = by_year.get(y - 1, []), by_year.get(y, [])
        if prev or cur:
            out.extend(pair_checks(body, y, prev, cur))
    return out
