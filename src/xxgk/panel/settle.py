"""Glued runs settled by the years around them.

A run a record left unsplit (`Record.unsplit`: several splits fit its row) may hold a cell that a
cross-year identity ties to the body's reports of the year before or after: 现行有效件数 rolls
forward (in force (y) = in force (y−1) + issued (y) − repealed (y)), 上一年项目数量 plus 本年增/减 is the
next year's 上一年项目数量, and what one year carries forward the next carries over. When the
neighbouring reports read those cells, each split of the run can be tried in the record: a split is
settled on only when it is the one split that every such check passes and every other split fails one.
A split that no check can assess (its cells touch no readable neighbour) leaves the run alone, so
nothing is chosen by default.

The cells are filled in the panel's copy of the record, marked `derived` with a note naming the checks
and the reports they read, and warning W164 says so. The checks that chose the split can no longer
test it: the panel lists them NOT_ASSESSABLE saying so (`used_checks`), with the figures they
compared. Splits are decided from the records as read (and as copies of one report filled them), never
from a cell another year's split settled, so one guess never feeds the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from xxgk.errors import Warnings
from xxgk.panel.checks import CrossYearCheck, pair_checks
from xxgk.panel.copies import fill_run
from xxgk.record import Record, UnsplitRun, figure_text, get_path


@dataclass
class Settlement:
    record: Record
    run: UnsplitRun
    values: list
    checks: list[CrossYearCheck]  # the assessable checks the split passes (and every other split fails one of)


def _with_split(rec: Record, run: UnsplitRun, values: list) -> Record:
    trial = rec.model_copy(deep=True)
    for path, v in zip(run.paths, values):
        parent_path, _, leaf = path.rpartition(".")
        setattr(get_path(trial, parent_path), leaf, v)
    return trial


def _touching(body: str, year: int, rec: Record, run: UnsplitRun,
              by_year: dict[int, list[Record]]) -> list[CrossYearCheck]:
    """The assessable checks between `rec` (as year `year`) and its neighbours that use a cell of the run."""
    cells = {f"{year}:{p}" for p in run.paths}
    out: list[CrossYearCheck] = []
    for y, prev, cur in ((year, by_year.get(year - 1, []), [rec]), (year + 1, [rec], by_year.get(year + 1, []))):
        if not prev or not cur:
            continue
        out.extend(c for c in pair_checks(body, y, prev, cur)
                   if c.status != "NOT_ASSESSABLE" and cells & set(c.cells))
    return out


def settlements(body: str, by_year: dict[int, list[Record]]) -> list[Settlement]:
    """The runs of one body's records that exactly one split settles (decided before any is filled)."""
    out = []
    for year in sorted(by_year):
        if len(by_year[year]) != 1:
            continue  # two reports for the year: copies.py settles between them, or they stay a conflict
        rec = by_year[year][0]
        for run in rec.unsplit:
            if not run.complete or len(run.candidates) < 2 or any(get_path(rec, p) is not None for p in run.paths):
                continue  # not every split is listed, or a reviewer has started it: theirs stand
            tried = [(values, _touching(body, year, _with_split(rec, run, values), run, by_year))
                     for values in run.candidates]
            fits = [(v, checks) for v, checks in tried if checks and all(c.status == "PASS" for c in checks)]
            ruled_out = [v for v, checks in tried if any(c.status == "FAIL" for c in checks)]
            if len(fits) == 1 and len(ruled_out) == len(tried) - 1:
                out.append(Settlement(rec, run, *fits[0]))
    return out


def settle_by_years(body: str, by_year: dict[int, list[Record]]) -> tuple[list[str], set[tuple[str, int]]]:
    """Fill the runs the years around them settle; returns the notes and the (rule, year) of the checks used."""
    notes: list[str] = []
    used: set[tuple[str, int]] = set()
    for s in settlements(body, by_year):
        rules = ", ".join(dict.fromkeys(f"{c.rule} ({c.prior_year}→{c.year})" for c in s.checks))
        others = sorted({e.source or e.doc_id or "" for c in s.checks for e in c.evidence
                         if e.source != s.record.source})
        fill_run(s.record, s.run, s.values,
                 f"the only split of glued '{s.run.digits}' that passes {rules}, read with {', '.join(others)}")
        s.record.unsplit = [r for r in s.record.unsplit if r is not s.run]
        msg = Warnings.W164.format(paths=", ".join(s.run.paths), split=",".join(map(figure_text, s.values)),
                                   digits=s.run.digits, rules=rules, others=", ".join(others),
                                   source=s.record.source)
        s.record.warnings.append(msg)
        notes.append(msg)
        used.update((c.rule, c.year) for c in s.checks)
    return notes, used


def used_checks(checks: list[CrossYearCheck], used: set[tuple[str, int]]) -> list[CrossYearCheck]:
    """The body's checks, those that chose a split made NOT_ASSESSABLE (they pass by construction)."""
    return [c.model_copy(update={"status": "NOT_ASSESSABLE",
                                 "message": "this check chose the split of a glued run (W164), so it cannot "
                                            "test it"})
            if (c.rule, c.year) in used else c for c in checks]
