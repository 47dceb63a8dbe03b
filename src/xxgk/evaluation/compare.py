"""One output record against one gold fixture: the inputs every metric takes, for one document.

Scoring conventions (annotations/GUIDE.md, ../shared/spec/record.md):

* Only keys in the gold's `checked` are scored, and inside them only keys the gold record holds.
* Tables compare leaf cells. A gold table given as `null` (or a `null` sub-object) is its
  template with every cell null; an output table that is missing is all-null too. So a page
  without table 三 is right when the system also finds none (or only nulls).
* Sections come from the gold SECTION spans, narrative items from COUNT/TOTAL/CATEGORY spans
  linked as the guide says (`Gold.narrative()`); the output's spans are read back from its
  record: section headers, the narrative counts (TOTAL when `total`), and the categories they
  took. A CATEGORY no count takes does not appear in a record, so it is not scored as predicted.
* Checks: rules in `inconsistencies` must be FAIL; any other FAIL is a false alarm.
* Plain span lines (`Gold.spans_only`) score spans only, with every label they use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xxgk.record import (
    ActiveDisclosure2019,
    ActiveDisclosure2021,
    Applications2019,
    Applications2021,
    Record,
    ReviewLitigation,
)
from xxgk.evaluation.metrics import Cell, cat_key, field_equal, multiset_tp, num_key

TABLES = ("active_disclosure", "applications", "review_litigation")
NARRATIVE_LABELS = ("COUNT", "TOTAL", "CATEGORY")
META_FIELDS = ("title", "organization", "year", "published")


def _template(table: str, layout: str) -> dict:
    if table == "active_disclosure":
        return (ActiveDisclosure2019() if layout == "2019" else ActiveDisclosure2021()).model_dump()
    if table == "applications":
        return (Applications2019() if layout == "2019" else Applications2021()).model_dump()
    return ReviewLitigation().model_dump()


def _layout_of(table: str, value: Any, gold_format: str | None) -> str:
    """Which template a gold table follows: its own keys tell, else the gold's format."""
    if isinstance(value, dict):
        if table == "applications" and "other_processing" in value:
            return "2019"
        if table == "applications" and any(k.startswith("other_no") or k == "other_other" for k in value):
            return "2021"
        if table == "active_disclosure":
            if "procurement" in value or "other_services" in value:
                return "2019"
            reg = value.get("regulations")
            if isinstance(reg, dict) and ("made" in reg or "total_public" in reg):
                return "2019"
            if isinstance(reg, dict) and ("issued" in reg or "in_force" in reg):
                return "2021"
    return "2019" if gold_format == "2019" else "2021"


def gold_leaves(value: Any, template: Any, prefix: str) -> list[tuple[str, Any]]:
    """(path, expected) for every leaf of a gold (sub)table; null objects expand to the template."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += gold_leaves(v, template.get(k) if isinstance(template, dict) else None, f"{prefix}.{k}")
        return out
    if value is None and isinstance(template, dict):
        return [(p, None) for p, _ in gold_leaves(template, template, prefix)]
    return [(prefix, value)]


def value_at(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.split(".")[1:] if "." in path else []:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    if isinstance(cur, dict) and all(v is None for v in _flat(cur)):
        return None  # an all-null object where gold has a leaf: treat as null
    return cur


def _flat(d: Any) -> list:
    if isinstance(d, dict):
        out = []
        for v in d.values():
            out += _flat(v)
        return out
    return [d]


@dataclass
class DocComparison:
    """Everything the metrics need about one document under one system."""

    doc_id: str
    gold_spans: list[tuple] = field(default_factory=list)  # (start, end, label)
    pred_spans: list[tuple] = field(default_factory=list)
    gold_sections: list[tuple] | None = None  # (number, start, end); None: not scored
    pred_sections: list[tuple] = field(default_factory=list)
    cells: list[Cell] | None = None
    gold_narrative: list[tuple] | None = None  # (value, category, start, end, kind)
    pred_narrative: list[tuple] = field(default_factory=list)
    inconsistencies: list[str] | None = None  # None: checks not scored
    checks: list[tuple] = field(default_factory=list)  # (rule, status)
    fields: list[tuple] = field(default_factory=list)  # (field, expected, got)
    status: str = ""
    error: str | None = None  # the system raised instead of giving a record

    def errors(self) -> dict:
        """Error counts of this document, by part (what the per-document table sorts by)."""
        gs, ps = self.gold_spans, self.pred_spans
        tp = multiset_tp(gs, ps)
        spans = (len(gs) - tp) + (len(ps) - tp)
        sections = 0
        if self.gold_sections is not None:
            t = multiset_tp(self.gold_sections, self.pred_sections)
            sections = (len(self.gold_sections) - t) + (len(self.pred_sections) - t)
        cells = sum(1 for c in self.cells if not c.correct) if self.cells is not None else 0
        narrative = 0
        if self.gold_narrative is not None:
            g = [(num_key(v), cat_key(c)) for v, c, *_ in self.gold_narrative]
            p = [(num_key(v), cat_key(c)) for v, c, *_ in self.pred_narrative]
            t = multiset_tp(g, p)
            narrative = (len(g) - t) + (len(p) - t)
        checks = 0
        if self.inconsistencies is not None:
            failing = {r for r, st in self.checks if st == "FAIL"}
            checks = len(set(self.inconsistencies) - failing)
            checks += sum(1 for r, st in self.checks if st == "FAIL" and r not in self.inconsistencies)
        fields = sum(1 for f, e, g in self.fields if not field_equal(f, e, g))
        out = {"spans": spans, "sections": sections, "cells": cells, "narrative": narrative, "checks": checks,
               "fields": fields}
        out["total"] = sum(out.values()) + (1 if self.error else 0)
        return out

    def span_errors(self) -> tuple[list[tuple], list[tuple]]:
        """Gold spans not predicted exactly, predicted spans not in gold (strict)."""
        g_left = list(self.gold_spans)
        p_left = []
        for p in self.pred_spans:
            if p in g_left:
                g_left.remove(p)
            else:
                p_left.append(p)
        return g_left, p_left


def record_spans(rec: Record, with_sections: bool = True, with_narrative: bool = True) -> list[tuple]:
    """The spans a record states: section headers, narrative counts (TOTAL/COUNT) and their categories."""
    out = []
    if with_sections:
        out += [(s.start, s.end, "SECTION") for s in rec.sections]
    if with_narrative:
        cats = set()
        for n in rec.narrative:
            out.append((n.start, n.end, "TOTAL" if n.total else "COUNT"))
            if n.category_start is not None and n.category_end is not None:
                cats.add((n.category_start, n.category_end, "CATEGORY"))
        out += sorted(cats)
    return sorted(set(out))


def compare(gold, rec: Record, error: str | None = None) -> DocComparison:
    """Compare one record with one Gold (xxgk.gold.Gold)."""
    cmp = DocComparison(doc_id=gold.doc_id, status=rec.status, error=error)
    if gold.spans_only:
        cmp.gold_spans = sorted((s.start, s.end, s.label) for s in gold.spans)
        cmp.pred_spans = record_spans(rec)
        return cmp
    checked = set(gold.checked)
    with_sec = "sections" in checked
    with_nar = "narrative" in checked
    cmp.gold_spans = sorted((s.start, s.end, s.label) for s in gold.spans
                            if (s.label == "SECTION" and with_sec) or (s.label in NARRATIVE_LABELS and with_nar))
    cmp.pred_spans = record_spans(rec, with_sec, with_nar)
    if with_sec:
        cmp.gold_sections = [(s.number, s.start, s.end) for s in gold.sections()]
        cmp.pred_sections = [(s.number, s.start, s.end) for s in rec.sections]
    if with_nar:
        cmp.gold_narrative = [(n.value, n.category, n.start, n.end, n.kind) for n in gold.narrative_with_kinds()]
        cmp.pred_narrative = [(n.value, n.category, n.start, n.end, n.kind) for n in rec.narrative]
    tables = [t for t in TABLES if t in checked and t in gold.record]
    if tables:
        got = rec.model_dump()
        gold_format = gold.record.get("format")
        cmp.cells = []
        for t in tables:
            g = gold.record[t]
            tmpl = _template(t, _layout_of(t, g, gold_format))
            for path, expected in gold_leaves(g, tmpl, t):
                prov = rec.provenance.get(path)
                cmp.cells.append(Cell(doc_id=gold.doc_id, table=t, path=path, expected=expected,
                                      got=value_at(got.get(t), path),
                                      derived=prov is not None and prov.method == "derived"))
    if "checks" in checked:
        cmp.inconsistencies = list(gold.inconsistencies)
        cmp.checks = [(c.rule, c.status) for c in rec.checks]
    for key in ("format", "status"):
        if key in checked and key in gold.record:
            cmp.fields.append((key, gold.record[key], getattr(rec, key)))
    if "meta" in checked and isinstance(gold.record.get("meta"), dict):
        for k in META_FIELDS:
            if k in gold.record["meta"]:
                cmp.fields.append((f"meta.{k}", gold.record["meta"][k], getattr(rec.meta, k)))
    return cmp
