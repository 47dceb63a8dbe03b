"""Metrics, each a self-describing object (in the manner of HF `evaluate`): `name`, `description`,
`inputs` and `compute(...) -> dict`.

The inputs are plain tuples, one list per document (matching never crosses documents), so a
metric can be computed by hand for a test and its numbers checked exactly:

    SpanScores().compute(gold=[[(0, 6, "SECTION")]], pred=[[(0, 6, "SECTION"), (8, 9, "COUNT")]])

Conventions (see also annotations/GUIDE.md and `xxgk evaluate --help`):

* P/R/F1 (`prf`, the one function every score in xxgk comes from: `xxgk evaluate`, the CI gate,
  the model card and training's choice of checkpoint and threshold): precision = tp/(tp+fp),
  recall = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn); 0.0 when the denominator is 0 but something was
  expected or predicted, None when there is nothing at all.
* Spans: *strict* = same label and exact offsets; *partial* = same label and overlapping
  (one-to-one, largest overlap first); *untyped* = exact offsets, label ignored. *missed* = a
  gold span no prediction overlaps (any label); *spurious* = a prediction overlapping no gold span.
* Floats in results are rounded to 4 decimals, so a report shows exactly what metrics.json holds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from xxgk.conventions import link_counts
from xxgk.spans import Span, as_label
from xxgk.text import fold

DIGITS = 4


def r4(x: float | None) -> float | None:
    if x is None:
        return None
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return round(float(x), DIGITS)


def ratio(num: float, den: float) -> float | None:
    return r4(num / den) if den else None


def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 (rounded to 4 decimals) with their counts.

    0/0: when nothing was expected and nothing predicted (tp = fp = fn = 0) all three are None
    (nothing to score: not a perfect score, not a failure; an average or a sum skips it); when only
    one denominator is 0 (nothing predicted, or nothing expected) that measure is 0.0."""
    if tp + fp + fn == 0:
        p = r = f = None
    else:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * tp / (2 * tp + fp + fn)
    return {"precision": r4(p), "recall": r4(r), "f1": r4(f), "tp": tp, "fp": fp, "fn": fn}


def multiset_tp(gold: Iterable, pred: Iterable) -> int:
    g, p = Counter(gold), Counter(pred)
    return sum((g & p).values())


class Metric:
    """Base: a name, a description, the inputs compute() takes, and compute()."""

    name: str = ""
    description: str = ""
    inputs: str = ""

    # compute(...) -> dict: each metric declares its own inputs (see `inputs`), so the base class
    # does not fix a signature
    compute: Callable[..., dict]

    def info(self) -> dict:
        return {"name": self.name, "description": self.description, "inputs": self.inputs}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


# ---------------------------------------------------------------------------------------------
# spans
# ---------------------------------------------------------------------------------------------

SpanT = tuple  # (start, end, label)


def _overlap(a: SpanT, b: SpanT) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def partial_matches(gold: Sequence[SpanT], pred: Sequence[SpanT]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, pred index) of same-label overlapping spans, largest overlap first."""
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if g[2] == p[2]:
                ov = _overlap(g, p)
                if ov > 0:
                    pairs.append((-ov, i, j))
    pairs.sort()
    used_g, used_p, out = set(), set(), []
    for _ov, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((i, j))
    return out


class SpanScores(Metric):
    name = "spans"
    description = ("Tagged spans per label: precision/recall/F1 under strict (label + exact offsets) and partial "
                   "(label + overlap) match, with support; a boundary-only ('untyped') F1 over all labels; counts "
                   "of missed gold spans (no prediction overlaps) and spurious predictions (overlap no gold span).")
    inputs = "gold, pred: one list of (start, end, label) per document"

    def compute(self, gold: Sequence[Sequence[SpanT]], pred: Sequence[Sequence[SpanT]],
                labels: Sequence[str] | None = None) -> dict:
        if len(gold) != len(pred):
            raise ValueError("gold and pred must hold one list per document")
        strict: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        part: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        support: Counter[str] = Counter()
        predicted: Counter[str] = Counter()
        missed: Counter[str] = Counter()
        spurious: Counter[str] = Counter()
        relabelled: Counter[str] = Counter()
        untyped = [0, 0, 0]
        seen_labels: set[str] = set(labels or ())
        for gs, ps in zip(gold, pred):
            gs = [tuple(x[:3]) for x in gs]
            ps = [tuple(x[:3]) for x in ps]
            for s in gs:
                support[s[2]] += 1
                seen_labels.add(s[2])
            for s in ps:
                predicted[s[2]] += 1
                seen_labels.add(s[2])
            # strict, per label
            for lab in {s[2] for s in gs} | {s[2] for s in ps}:
                g_l = [s for s in gs if s[2] == lab]
                p_l = [s for s in ps if s[2] == lab]
                tp = multiset_tp(g_l, p_l)
                strict[lab][0] += tp
                strict[lab][1] += len(p_l) - tp
                strict[lab][2] += len(g_l) - tp
                tp_p = len(partial_matches(g_l, p_l))
                part[lab][0] += tp_p
                part[lab][1] += len(p_l) - tp_p
                part[lab][2] += len(g_l) - tp_p
            # untyped: offsets only
            tp_u = multiset_tp([s[:2] for s in gs], [s[:2] for s in ps])
            untyped[0] += tp_u
            untyped[1] += len(ps) - tp_u
            untyped[2] += len(gs) - tp_u
            for g in gs:
                if not any(_overlap(g, p) for p in ps):
                    missed[g[2]] += 1
                elif not any(p[:2] == g[:2] and p[2] == g[2] for p in ps) and any(p[:2] == g[:2] for p in ps):
                    relabelled[g[2]] += 1
            for p in ps:
                if not any(_overlap(p, g) for g in gs):
                    spurious[p[2]] += 1
        per_label = {}
        for lab in sorted(seen_labels):
            per_label[lab] = {"strict": prf(*strict[lab]), "partial": prf(*part[lab]), "support": support[lab],
                              "predicted": predicted[lab], "missed": missed[lab], "spurious": spurious[lab],
                              "wrong_label": relabelled[lab]}
        micro_s = [sum(v[i] for v in strict.values()) for i in range(3)]
        micro_p = [sum(v[i] for v in part.values()) for i in range(3)]
        return {"labels": per_label, "strict": prf(*micro_s), "partial": prf(*micro_p), "untyped": prf(*untyped),
                "support": sum(support.values()), "predicted": sum(predicted.values()),
                "missed": sum(missed.values()), "spurious": sum(spurious.values()),
                "wrong_label": sum(relabelled.values()), "documents": len(gold)}


class TaggerSpanScores(Metric):
    name = "tagger_spans"
    description = ("A tagger's spans against gold, exact match per document (distinct spans): P/R/F1 per label, "
                   "for counts whatever their COUNT/TOTAL label ('COUNT+TOTAL'), micro over all labels, and "
                   "narrative pairs (a count span and its linked category text, linked as annotations/GUIDE.md "
                   "says). What the model card reports and training keeps a checkpoint by.")
    inputs = "docs: one (text, gold spans, predicted spans) per document, spans as (start, end, label)"
    KEYS = ("SECTION", "COUNT", "TOTAL", "CATEGORY", "COUNT+TOTAL", "micro", "narrative_pairs")

    def compute(self, docs: Sequence[tuple[str, Sequence[SpanT], Sequence[SpanT]]]) -> dict:
        acc = {k: [0, 0, 0] for k in self.KEYS}  # tp, fp, fn

        def add(k: str, g: set, p: set) -> None:
            tp = len(g & p)
            acc[k][0] += tp
            acc[k][1] += len(p) - tp
            acc[k][2] += len(g) - tp

        def pairs(text: str, spans: set) -> set:
            items = link_counts(text, [Span(a, b, as_label(lab)) for a, b, lab in spans])
            return {(n.start, n.end, n.category) for n in items}

        for text, gold_spans, pred_spans in docs:
            gold = {(s[0], s[1], s[2]) for s in gold_spans}
            pred = {(s[0], s[1], s[2]) for s in pred_spans}
            for lab in ("SECTION", "COUNT", "TOTAL", "CATEGORY"):
                add(lab, {s for s in gold if s[2] == lab}, {s for s in pred if s[2] == lab})
            add("COUNT+TOTAL", {(a, b) for a, b, lab in gold if lab in ("COUNT", "TOTAL")},
                {(a, b) for a, b, lab in pred if lab in ("COUNT", "TOTAL")})
            add("micro", gold, pred)
            add("narrative_pairs", pairs(text, gold), pairs(text, pred))
        return {k: prf(*v) for k, v in acc.items()}


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------


class SectionScores(Metric):
    name = "sections"
    description = ("Section headers: exact match of (number, start, end) as P/R/F1; 'found' = the gold header's "
                   "number is predicted on an overlapping span; offset error = |Δstart| and |Δend| in characters "
                   "between a gold header and the predicted header with the same number; 'by_number' = P/R/F1 "
                   "of the section numbers alone (offset-free, for re-served copies of a document).")
    inputs = "gold, pred: one list of (number, start, end) per document"

    def compute(self, gold: Sequence[Sequence[tuple]], pred: Sequence[Sequence[tuple]]) -> dict:
        tp = fp = fn = 0
        num_tp = num_fp = num_fn = 0
        found = wrong_number = numbered = 0
        d_start, d_end = [], []
        exact_docs = 0
        for gs, ps in zip(gold, pred):
            gs = [tuple(x[:3]) for x in gs]
            ps = [tuple(x[:3]) for x in ps]
            t = multiset_tp(gs, ps)
            tp, fp, fn = tp + t, fp + len(ps) - t, fn + len(gs) - t
            exact_docs += int(sorted(gs) == sorted(ps))
            n = multiset_tp([x[0] for x in gs], [x[0] for x in ps])
            num_tp, num_fp, num_fn = num_tp + n, num_fp + len(ps) - n, num_fn + len(gs) - n
            by_num = defaultdict(list)
            for p in ps:
                by_num[p[0]].append(p)
            for g in gs:
                same = by_num.get(g[0], [])
                if same:
                    numbered += 1
                    best = min(same, key=lambda p: abs(p[1] - g[1]) + abs(p[2] - g[2]))
                    d_start.append(abs(best[1] - g[1]))
                    d_end.append(abs(best[2] - g[2]))
                if any(_overlap(g[1:], p[1:]) for p in same):
                    found += 1
                elif any(_overlap(g[1:], p[1:]) for p in ps):
                    wrong_number += 1
        n_gold = tp + fn
        errs = [a + b for a, b in zip(d_start, d_end)]
        return {**prf(tp, fp, fn), "gold": n_gold, "predicted": tp + fp,
                "found": found, "found_rate": ratio(found, n_gold), "wrong_number": wrong_number,
                "offset_error": {"compared": numbered,
                                 "exact": sum(1 for e in errs if e == 0),
                                 "mean_start": ratio(sum(d_start), len(d_start)),
                                 "mean_end": ratio(sum(d_end), len(d_end)),
                                 "mean": ratio(sum(errs), len(errs)),
                                 "max": max(errs) if errs else None},
                "by_number": prf(num_tp, num_fp, num_fn),
                "documents": len(gold), "documents_exact": exact_docs}


# ---------------------------------------------------------------------------------------------
# table cells
# ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One scored table cell of one document."""

    doc_id: str
    table: str  # active_disclosure | applications | review_litigation
    path: str  # full value path, e.g. applications.granted.total
    expected: Any
    got: Any
    derived: bool = False  # the system marked the value as derived (provenance)

    @property
    def row(self) -> str:
        parts = self.path.split(".")
        return ".".join(parts[:2])

    @property
    def correct(self) -> bool:
        return same_value(self.expected, self.got)

    @property
    def na_kind(self) -> str:
        """How a null (NA) or zero in gold or output was handled."""
        e, g = self.expected, self.got
        if isinstance(g, dict):  # the output has another layout here
            g = "layout"
        if e is None:
            if g is None:
                return "null_ok"
            if g == 0 and g != "layout":
                return "null_as_zero"
            return "null_as_value"
        if g is None:
            return "zero_as_null" if e == 0 else "value_as_null"
        if same_value(e, g):
            return "zero_ok" if e == 0 else "value_ok"
        return "wrong_value"


def same_value(e, g) -> bool:
    if e is None or g is None:
        return e is None and g is None
    if isinstance(g, (dict, list)) or isinstance(e, (dict, list)) or isinstance(g, bool) or isinstance(e, bool):
        return e == g
    try:
        return abs(float(e) - float(g)) <= 1e-9
    except (TypeError, ValueError):
        return e == g


NA_KINDS = ("null_ok", "null_as_zero", "null_as_value", "zero_ok", "zero_as_null", "value_ok", "value_as_null",
            "wrong_value")


class CellScores(Metric):
    name = "cells"
    description = ("Table cells, exact: accuracy per cell (null must be null: a missing table is all-null cells), "
                   "on the cells the gold gives a value, per table, per row, per document (every cell right); "
                   "how nulls (NA) and zeros were handled; accuracy of cells the system marked derived.")
    inputs = "cells: a list of Cell (doc_id, table, path, expected, got, derived)"

    def compute(self, cells: Sequence[Cell], documents: Sequence[str] | None = None) -> dict:
        n = len(cells)
        ok = sum(1 for c in cells if c.correct)
        valued = [c for c in cells if c.expected is not None]
        tables: dict = defaultdict(lambda: {"cells": 0, "correct": 0, "docs": defaultdict(lambda: [0, 0])})
        rows: dict = defaultdict(lambda: [0, 0])
        docs: dict = defaultdict(lambda: [0, 0])
        for d in documents or ():
            docs[d]
        na: Counter[str] = Counter()
        derived = [0, 0]
        for c in cells:
            t = tables[c.table]
            t["cells"] += 1
            t["correct"] += int(c.correct)
            t["docs"][c.doc_id][0] += 1
            t["docs"][c.doc_id][1] += int(c.correct)
            rows[c.row][0] += 1
            rows[c.row][1] += int(c.correct)
            docs[c.doc_id][0] += 1
            docs[c.doc_id][1] += int(c.correct)
            na[c.na_kind] += 1
            if c.derived:
                derived[0] += 1
                derived[1] += int(c.correct)
        per_table = {}
        for name in sorted(tables):
            t = tables[name]
            exact = sum(1 for a, b in t["docs"].values() if a == b)
            per_table[name] = {"cells": t["cells"], "correct": t["correct"], "accuracy": ratio(t["correct"], t["cells"]),
                               "tables": len(t["docs"]), "tables_exact": exact,
                               "tables_exact_rate": ratio(exact, len(t["docs"]))}
        n_tables = sum(v["tables"] for v in per_table.values())
        n_tables_exact = sum(v["tables_exact"] for v in per_table.values())
        docs_exact = sum(1 for a, b in docs.values() if a == b)
        return {
            "cells": n, "correct": ok, "accuracy": ratio(ok, n),
            "valued_cells": len(valued), "valued_correct": sum(1 for c in valued if c.correct),
            "valued_accuracy": ratio(sum(1 for c in valued if c.correct), len(valued)),
            "tables": n_tables, "tables_exact": n_tables_exact, "tables_exact_rate": ratio(n_tables_exact, n_tables),
            "per_table": per_table,
            "per_row": {k: {"cells": a, "correct": b, "accuracy": ratio(b, a)} for k, (a, b) in sorted(rows.items())},
            "documents": len(docs), "documents_exact": docs_exact, "documents_exact_rate": ratio(docs_exact, len(docs)),
            "na_handling": {k: na[k] for k in NA_KINDS},
            "derived": {"cells": derived[0], "correct": derived[1], "accuracy": ratio(derived[1], derived[0])},
        }


# ---------------------------------------------------------------------------------------------
# narrative counts
# ---------------------------------------------------------------------------------------------


def num_key(v):
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() else round(f, 6)


def cat_key(c):
    """A category or title as compared: without whitespace, traditional and full-width forms folded
    (a traditional-character copy of a report names the same things)."""
    return None if c is None else fold("".join(str(c).split()))


class NarrativeScores(Metric):
    name = "narrative"
    description = ("Counts stated in running text: matched on (value, category) as multisets per document "
                   "(category compared without whitespace); also on the exact span offsets of the number "
                   "(start, end, value, category) and on the number alone (start, end, value).")
    inputs = "gold, pred: one list of (value, category, start, end) per document"

    def compute(self, gold: Sequence[Sequence[tuple]], pred: Sequence[Sequence[tuple]]) -> dict:
        acc = {"value_category": [0, 0, 0], "span": [0, 0, 0], "value_span": [0, 0, 0]}
        docs_exact = 0
        for gs, ps in zip(gold, pred):
            views = {
                "value_category": (lambda x: (num_key(x[0]), cat_key(x[1]))),
                "span": (lambda x: (num_key(x[0]), cat_key(x[1]), x[2], x[3])),
                "value_span": (lambda x: (num_key(x[0]), x[2], x[3])),
            }
            for k, f in views.items():
                g = [f(x) for x in gs]
                p = [f(x) for x in ps]
                tp = multiset_tp(g, p)
                acc[k][0] += tp
                acc[k][1] += len(p) - tp
                acc[k][2] += len(g) - tp
            docs_exact += int(Counter((num_key(x[0]), cat_key(x[1])) for x in gs)
                              == Counter((num_key(x[0]), cat_key(x[1])) for x in ps))
        out: dict[str, Any] = {k: prf(*v) for k, v in acc.items()}
        out["gold"] = sum(len(g) for g in gold)
        out["predicted"] = sum(len(p) for p in pred)
        out["documents"] = len(gold)
        out["documents_exact"] = docs_exact
        return out


NARRATIVE_ERRORS = ("wrong_category", "no_prediction", "no_gold")
CATEGORY_RELATIONS = ("shorter", "longer", "none_predicted", "none_gold", "other")
ERROR_CONTEXT = 20  # characters of text shown either side of the count in an error row


def _category_relation(gold: Any, pred: Any) -> str:
    """How a predicted category differs from the gold one (compared as `cat_key`): `shorter` (inside the gold
    category), `longer` (contains it), `none_predicted`, `none_gold`, or `other`."""
    g, p = cat_key(gold), cat_key(pred)
    if not p:
        return "none_predicted"
    if not g:
        return "none_gold"
    if p in g:
        return "shorter"
    if g in p:
        return "longer"
    return "other"


class NarrativeCategoryErrors(Metric):
    name = "narrative_category_errors"
    description = ("Narrative counts side by side, for planning relabelling: per document, items equal on "
                   "(value, category) are set aside as right (in document order); the rest are paired on the "
                   "value alone, nearest offsets first. A pair is `wrong_category` (with how the predicted "
                   "category relates to the gold one: shorter, longer, none_predicted, none_gold, other); a gold "
                   "item left over is `no_prediction`, a predicted one `no_gold`. So wrong_category + no_prediction "
                   "= the fn of narrative/value_category and wrong_category + no_gold = its fp. `rows`: one per "
                   "error, with the document, value, both categories and offsets, and the text around the count.")
    inputs = ("gold, pred: one list of (value, category, start, end) per document; doc_ids, texts: one per "
              "document (optional; the text gives each row its context)")

    def compute(self, gold: Sequence[Sequence[tuple]], pred: Sequence[Sequence[tuple]],
                doc_ids: Sequence[str] | None = None, texts: Sequence[str | None] | None = None) -> dict:
        if len(gold) != len(pred):
            raise ValueError("gold and pred must hold one list per document")
        rows: list[dict] = []
        docs_with_errors = 0
        for d, (gs, ps) in enumerate(zip(gold, pred)):
            doc_id = doc_ids[d] if doc_ids is not None else str(d)
            text = texts[d] if texts is not None else None
            g_left, p_left = _unmatched(gs, ps)
            pairs = []
            for i, g in enumerate(g_left):
                for j, p in enumerate(p_left):
                    if num_key(g[0]) == num_key(p[0]):
                        pairs.append((abs((g[2] or 0) - (p[2] or 0)), g[2] or 0, p[2] or 0, i, j))
            pairs.sort()
            used_g: set[int] = set()
            used_p: set[int] = set()
            found = []
            for *_, i, j in pairs:
                if i not in used_g and j not in used_p:
                    used_g.add(i)
                    used_p.add(j)
                    found.append(_error_row(doc_id, text, "wrong_category", g_left[i], p_left[j]))
            found += [_error_row(doc_id, text, "no_prediction", g, None)
                      for i, g in enumerate(g_left) if i not in used_g]
            found += [_error_row(doc_id, text, "no_gold", None, p) for j, p in enumerate(p_left) if j not in used_p]
            found.sort(key=lambda r: ((r["gold_offsets"] or r["predicted_offsets"])[0] or 0,
                                      NARRATIVE_ERRORS.index(r["error"]), str(r["gold_category"]),
                                      str(r["predicted_category"])))
            docs_with_errors += int(bool(found))
            rows += found
        counts = Counter(r["error"] for r in rows)
        relations = Counter(r["relation"] for r in rows if r["relation"] is not None)
        return {"counts": {k: counts[k] for k in NARRATIVE_ERRORS},
                "relations": {k: relations[k] for k in CATEGORY_RELATIONS},
                "documents": len(gold), "documents_with_errors": docs_with_errors, "rows": rows}


def _unmatched(gs: Sequence[tuple], ps: Sequence[tuple]) -> tuple[list[tuple], list[tuple]]:
    """The gold and predicted items left once items equal on (value, category) are matched, in document order."""
    waiting: dict = defaultdict(list)
    for x in sorted(ps, key=lambda x: x[2] or 0):
        waiting[(num_key(x[0]), cat_key(x[1]))].append(x)
    g_left = []
    for x in sorted(gs, key=lambda x: x[2] or 0):
        same = waiting[(num_key(x[0]), cat_key(x[1]))]
        if same:
            same.pop(0)
        else:
            g_left.append(x)
    return g_left, sorted((x for v in waiting.values() for x in v), key=lambda x: x[2] or 0)


def _error_row(doc_id: str, text: str | None, error: str, g: tuple | None, p: tuple | None) -> dict:
    at = g if g is not None else p
    assert at is not None
    a, b = at[2], at[3]
    context = None
    if text is not None and a is not None and b is not None and 0 <= a <= b <= len(text):
        context = {"before": text[max(0, a - ERROR_CONTEXT):a], "count": text[a:b],
                   "after": text[b:b + ERROR_CONTEXT]}
    return {"doc_id": doc_id, "error": error, "value": num_key(at[0]),
            "gold_category": g[1] if g is not None else None,
            "predicted_category": p[1] if p is not None else None,
            "relation": _category_relation(g[1], p[1]) if g is not None and p is not None else None,
            "gold_offsets": [g[2], g[3]] if g is not None else None,
            "predicted_offsets": [p[2], p[3]] if p is not None else None,
            "context": context}


class NarrativeKindScores(Metric):
    name = "narrative_kind"
    description = ("The normalised `kind` of narrative counts: accuracy over the items matched on (value, category) "
                   "whose gold has a kind (within a document, equal (value, category) pairs are matched in document "
                   "order); unmatched items and gold items without a kind are not counted. `confusion`: "
                   "gold kind → predicted kind → count, over the counted items.")
    inputs = "gold, pred: one list of (value, category, start, end, kind) per document"

    def compute(self, gold: Sequence[Sequence[tuple]], pred: Sequence[Sequence[tuple]]) -> dict:
        n = ok = 0
        confusion: dict = defaultdict(Counter)
        for gs, ps in zip(gold, pred):
            waiting: dict = defaultdict(list)
            for x in sorted(ps, key=lambda x: x[2]):
                waiting[(num_key(x[0]), cat_key(x[1]))].append(x[4] if len(x) > 4 else None)
            for x in sorted(gs, key=lambda x: x[2]):
                key = (num_key(x[0]), cat_key(x[1]))
                if not waiting[key]:
                    continue
                got = waiting[key].pop(0)
                kind = x[4] if len(x) > 4 else None
                if kind is None:
                    continue
                n += 1
                ok += int(got == kind)
                confusion[kind][str(got)] += 1
        return {"counted": n, "correct": ok, "accuracy": ratio(ok, n),
                "confusion": {g: dict(sorted(c.items())) for g, c in sorted(confusion.items())}}


class CategoryBoundaryScores(Metric):
    name = "category_boundaries"
    description = ("Predicted narrative categories that start or end inside a word, by the segmenter the labelling "
                   "convention names (xxgk.conventions.inside_word: jieba, bundled dictionary, HMM off, plus the "
                   "convention's domain words): `share` = such categories / categories with offsets (target < 0.01); "
                   "`examples`: the first few, as text with | at the offending edge.")
    inputs = "docs: one (text, [(category_start, category_end), ...]) per document"
    EXAMPLES = 10

    def compute(self, docs: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> dict:
        from xxgk.conventions import inside_word

        n = bad = bad_start = bad_end = 0
        examples: list[str] = []
        for text, cats in docs:
            for a, b in cats:
                n += 1
                sa, sb = inside_word(text, a), inside_word(text, b)
                bad_start += int(sa)
                bad_end += int(sb)
                if sa or sb:
                    bad += 1
                    if len(examples) < self.EXAMPLES:
                        examples.append(text[max(0, a - 4):a] + ("|" if sa else "[") + text[a:b]
                                        + ("|" if sb else "]") + text[b:b + 4])
        return {"categories": n, "inside_word": bad, "share": ratio(bad, n), "start_inside": bad_start,
                "end_inside": bad_end, "examples": examples}


# ---------------------------------------------------------------------------------------------
# reconciliation checks
# ---------------------------------------------------------------------------------------------


class CheckScores(Metric):
    name = "checks"
    description = ("Reconciliation: PASS/FAIL/NOT_ASSESSABLE counts of the output's checks; every rule the gold "
                   "lists in `inconsistencies` must be FAIL (flagged), every other rule must not be FAIL (a false "
                   "alarm); a document is right when all its inconsistencies are flagged and nothing else fails.")
    inputs = "docs: one (inconsistencies: list[rule], checks: list[(rule, status)]) per document"

    def compute(self, docs: Sequence[tuple[Sequence[str], Sequence[tuple[str, str]]]]) -> dict:
        status = Counter({"PASS": 0, "FAIL": 0, "NOT_ASSESSABLE": 0})
        total = flagged = false_alarms = docs_fa = docs_ok = 0
        missed_rules: Counter = Counter()
        fa_rules: Counter = Counter()
        for incons, checks in docs:
            for _rule, st in checks:
                status[st] += 1
            failing = {r for r, st in checks if st == "FAIL"}
            want = set(incons)
            total += len(want)
            hit = want & failing
            flagged += len(hit)
            for r in want - failing:
                missed_rules[r] += 1
            fa = [r for r, st in checks if st == "FAIL" and r not in want]
            false_alarms += len(fa)
            for r in fa:
                fa_rules[_rule_family(r)] += 1
            docs_fa += int(bool(fa))
            docs_ok += int(not fa and hit == want)
        n = len(docs)
        return {"status": dict(status), "checks": sum(status.values()),
                "inconsistencies": total, "flagged": flagged, "flagged_rate": ratio(flagged, total),
                "missed_rules": dict(sorted(missed_rules.items())),
                "false_alarms": false_alarms, "false_alarm_rules": dict(sorted(fa_rules.items())),
                "documents": n, "documents_with_false_alarms": docs_fa, "documents_ok": docs_ok,
                "documents_ok_rate": ratio(docs_ok, n)}


def _rule_family(rule: str) -> str:
    """applications.granted.row_total → applications.*.row_total (for a short summary)."""
    parts = rule.split(".")
    if len(parts) == 3:
        return f"{parts[0]}.*.{parts[2]}"
    return rule


# ---------------------------------------------------------------------------------------------
# record fields (format, status, meta)
# ---------------------------------------------------------------------------------------------


class FieldScores(Metric):
    name = "fields"
    description = ("Record fields the gold checked (format, status, meta.title/organization/year/published): "
                   "exact accuracy per field; titles and organizations compare without whitespace.")
    inputs = "pairs: a list of (field, expected, got)"

    def compute(self, pairs: Sequence[tuple[str, Any, Any]]) -> dict:
        per: dict = defaultdict(lambda: [0, 0])
        for field, e, g in pairs:
            per[field][0] += 1
            per[field][1] += int(field_equal(field, e, g))
        n = sum(a for a, _ in per.values())
        ok = sum(b for _, b in per.values())
        return {"fields": n, "correct": ok, "accuracy": ratio(ok, n),
                "per_field": {k: {"n": a, "correct": b, "accuracy": ratio(b, a)} for k, (a, b) in sorted(per.items())}}


def field_equal(field: str, e, g) -> bool:
    if field in ("meta.title", "meta.organization"):
        return cat_key(e) == cat_key(g)
    return same_value(e, g) if isinstance(e, (int, float)) and not isinstance(e, bool) else e == g


METRICS: dict[str, Metric] = {m.name: m for m in (SpanScores(), TaggerSpanScores(), SectionScores(), CellScores(),
                                                   NarrativeScores(), NarrativeKindScores(), CategoryBoundaryScores(),
                                                   CheckScores(),
                                                   FieldScores(), NarrativeCategoryErrors())}


def describe() -> list[dict]:
    return [m.info() for m in METRICS.values()]
