"""Reconciliation (勾稽关系): every rule of the spec, PASS / FAIL / NOT_ASSESSABLE.

A check only reports.  It never changes a value read from the document; a report whose own
figures do not add up is flagged, not fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from xxgk.rules import labels
from xxgk.errors import Warnings
from xxgk.record import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, Check, Provenance, figure_text, get_path
from xxgk.text import Text


class Derivation(str, Enum):
    """How a value the document does not print was derived (a derived cell's `Provenance.note`)."""

    ROW_SUM = "sum of the row; the cell is empty"  # a blank total cell with every part of its row given


def row_sum_provenance() -> Provenance:
    """The provenance of a total derived as the sum of its row."""
    return Provenance(method="derived", note=Derivation.ROW_SUM.value)


def is_row_sum(p: Provenance | None) -> bool:
    """Whether a value was derived as the sum of its row (so the row cannot check it)."""
    return p is not None and p.method == "derived" and p.note == Derivation.ROW_SUM.value


def _check(rule: str, expected, found, cells: list[str], message: str | None = None) -> Check:
    if expected is None or found is None:
        return Check(rule=rule, ok=None, status="NOT_ASSESSABLE", expected=expected, found=found, cells=cells,
                     message=message or "a cell it needs is null")
    ok = abs(float(expected) - float(found)) < 1e-9
    return Check(rule=rule, ok=ok, status="PASS" if ok else "FAIL", expected=expected, found=found, cells=cells,
                 message=message)


def total_of(values: Sequence) -> float | None:
    """The sum of the values, or None when one of them is null (the sum cannot be assessed)."""
    if any(v is None for v in values):
        return None
    return sum(values)


def balance_sides(new_received, carried_over, total_processed, carried_forward) -> tuple[float | None, float | None]:
    """The two sides of table 三's 勾稽关系 for one column: new + carried over, processed + carried forward."""
    return total_of([new_received, carried_over]), total_of([total_processed, carried_forward])


def _derived(provenance, path) -> bool:
    return is_row_sum((provenance or {}).get(path))


def check_applications(apps, layout: str, provenance=None) -> list[Check]:
    if apps is None:
        return []
    out = []
    rows = labels.T3_ROWS_2021 if layout == "2021" else labels.T3_ROWS_2019
    results = labels.T3_RESULT_ROWS_2021 if layout == "2021" else labels.T3_RESULT_ROWS_2019
    for spec in rows:
        row = getattr(apps, spec.key)
        parts = [getattr(row, c) for c in APPLICANT_COLUMNS[:-1]]
        cells = [f"applications.{spec.key}.{c}" for c in APPLICANT_COLUMNS]
        if _derived(provenance, cells[-1]):
            out.append(_check(f"applications.{spec.key}.row_total", total_of(parts), None, cells,
                              "the total was derived from this row, so the row cannot check it"))
            continue
        out.append(_check(f"applications.{spec.key}.row_total", total_of(parts), row.total, cells))
    for col in APPLICANT_COLUMNS:
        g = {k: getattr(getattr(apps, k), col) for k in ("new_received", "carried_over", "total_processed",
                                                          "carried_forward")}
        left, right = balance_sides(g["new_received"], g["carried_over"], g["total_processed"], g["carried_forward"])
        out.append(_check(f"applications.{col}.balance", left, right, [f"applications.{k}.{col}" for k in g]))
        parts = [getattr(getattr(apps, k), col) for k in results]
        out.append(_check(f"applications.{col}.results_sum", total_of(parts), g["total_processed"],
                          [f"applications.{k}.{col}" for k in results] + [f"applications.total_processed.{col}"]))
    return out


def check_review(rl, provenance=None) -> list[Check]:
    if rl is None:
        return []
    out = []
    for group in REVIEW_GROUPS:
        obj = getattr(rl, group)
        parts = [getattr(obj, c) for c in REVIEW_COLUMNS[:-1]]
        cells = [f"review_litigation.{group}.{c}" for c in REVIEW_COLUMNS]
        found = None if _derived(provenance, cells[-1]) else obj.total
        out.append(_check(f"review_litigation.{group}.total", total_of(parts), found, cells))
    return out


def check_restatements(t: Text, prose: list[tuple[int, int]], record) -> list[Check]:
    """Sentences that restate a table figure must agree with the table."""
    out: list[Check] = []
    seen: set[tuple[str, int]] = set()
    for a, b in prose:
        segment = t.match[a:b]
        for rule, paths, pattern, context in labels.RESTATEMENTS:
            for m in pattern.finditer(segment):
                if context is not None and not _sentence_has(segment, m.start("num"), m.end(), context):
                    continue
                stated = int(m.group("num"))
                pos = a + m.start("num")
                if (rule, pos) in seen:
                    continue
                seen.add((rule, pos))
                out.append(_restatement(rule, paths, stated, pos, record))
        for m in labels.NO_APPLICATIONS.finditer(segment):
            pos = a + m.start()
            if ("narrative.applications_received", pos) not in seen:
                seen.add(("narrative.applications_received", pos))
                out.append(_restatement("narrative.applications_received", ("applications.new_received.total",),
                                        0, pos, record, said="no applications received"))
    return out


def _sentence_has(segment: str, pos: int, end: int, pattern) -> bool:
    """Whether the sentence holding `pos` names `pattern` before `end` (the end of the match)."""
    starts = [m.end() for m in labels.SENTENCE_END.finditer(segment, 0, pos)]
    return pattern.search(segment, starts[-1] if starts else 0, end) is not None


def _restatement(rule, paths, stated, pos, record, said=None) -> Check:
    table_value = get_path(record, paths[0])
    msg = f"text at offset {pos} says {said or stated}"
    if rule == "narrative.applications_received" and table_value is not None and stated != table_value:
        carried = get_path(record, "applications.carried_over.total")
        if carried is not None and stated == table_value + carried:
            # many reports count applications carried over from last year as received
            return Check(rule=rule, ok=True, status="PASS", expected=table_value + carried, found=stated,
                         cells=list(paths) + ["applications.carried_over.total"],
                         message=msg + "; equals new_received + carried_over")
    return _check(rule, table_value, stated, list(paths), msg)


def failed_messages(checks: list[Check]) -> list[str]:
    return [Warnings.W130.format(rule=c.rule, expected=figure_text(c.expected), found=figure_text(c.found))
            for c in checks if c.status == "FAIL"]

