"""Training the narrative-kind classifier (scikit-learn), and exporting it as plain JSON.

`train_kinds(annotations)` is what `xxgk train-kinds` and `make train-kinds` run:

1. examples: every gold narrative item with a `kind` (its COUNT/TOTAL span's label) of the `train`
   and `dev` fixtures, with the features of `xxgk.kinds.features` (category, clause and sentence
   before the number, nearest heading, text after it, unit, TOTAL flag, cues). `test` is only
   scored, `sealed` never read. The TOTAL's items, whose kind the guide fixes, are scored but not
   fitted on (`fit`);
2. model selection: for each C in the grid, accuracy of grouped k-fold cross-validation over
   `train` + `dev` with the folds cut between bodies (a body's reports all in one fold, as the sealed
   split holds bodies no rule saw); keep the best C (ties: the smaller). The 83 dev items alone tied
   four of the five values of C;
3. the shipped fit: the same settings on `train` + `dev`, written as JSON (`xxgk.kinds.MODEL_FORMAT`:
   the TF-IDF vocabularies and idf per field, the regression's coefficients); nothing is pickled;
4. reported: the cross-validation accuracy per C, dev accuracy of the train-only fit at the chosen C,
   test accuracy of the shipped fit.

The vectorizers are sklearn's `TfidfVectorizer` with our own analyzer (`char_ngrams`) and sublinear
tf; `KindModel.transform` recomputes the same matrix with numpy (a test checks they agree).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from xxgk.kinds import FIELDS, KIND_NAMES, MODEL_FORMAT, KindModel, analyzer, features, model_path

# the kind of the rows the regression is not fitted on (the TOTAL): it needs no examples of it
GUIDE_KINDS = ("disclosed_total",)

# per field: character n-gram range and the weight of its block (the category says most; the
# clause before the number carries the verb and channel; the rest are small hints)
FIELD_NGRAMS: dict[str, tuple[int, int]] = {"category": (1, 3), "before": (1, 3), "after": (1, 2), "unit": (1, 1),
                                            "total": (1, 1), "sentence": (2, 2), "heading": (2, 2), "cues": (1, 1),
                                            "pairs": (1, 1), "conj": (1, 1)}
FIELD_WEIGHTS: dict[str, float] = {"category": 1.0, "before": 0.8, "after": 0.4, "unit": 0.3, "total": 0.5,
                                   "sentence": 0.5, "heading": 0.5, "cues": 1.0, "pairs": 1.0, "conj": 1.0}
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
# folds of the body-grouped cross-validation that chooses C: 36 bodies in train + dev, so each fold
# holds out about 7 of them (and 130 items)
CV_FOLDS = 5
TRAIN_SPLITS = ("train", "dev")  # the only splits ever fitted on


@dataclass
class Examples:
    rows: list[dict[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    where: list[tuple[str, int]] = field(default_factory=list)  # (doc_id, start)
    bodies: list[str] = field(default_factory=list)  # the report's organisation (its doc_id when it has none)


def load_examples(folder: str | Path, splits: tuple[str, ...], golds: list | None = None) -> Examples:
    """Gold narrative items that carry a kind, from the fixtures of `splits` (never `sealed`).
    `golds`: fixtures already loaded (only those of `splits` are used)."""
    from xxgk.gold import load_gold_dir

    if "sealed" in splits:
        raise ValueError("the sealed split is never read for kinds")
    if golds is None:
        golds = load_gold_dir(folder, splits=splits)
    out = Examples()
    for g in golds:
        if g.split not in splits or g.spans_only or "narrative" not in g.checked:
            continue
        for n in g.narrative_with_kinds():
            if n.kind is None:
                continue
            out.rows.append(features(g.text, n.start, n.end, n.category, n.unit, n.total))
            out.labels.append(n.kind)
            out.where.append((g.doc_id, n.start))
            out.bodies.append((g.record.get("meta") or {}).get("organization") or g.doc_id)
    return out


def _vectorizer(field: str, lo: int, hi: int):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=analyzer(field, lo, hi), sublinear_tf=True, lowercase=False)


def make_vectorizers(rows: list[dict[str, str]]) -> dict:
    """Fit one TF-IDF vectorizer per field on `rows`."""
    vecs = {}
    for f in FIELDS:
        lo, hi = FIELD_NGRAMS[f]
        vecs[f] = _vectorizer(f, lo, hi).fit([r[f] for r in rows])
    return vecs


def transform(vecs: dict, rows: list[dict[str, str]]):
    """sklearn's feature matrix: the weighted per-field TF-IDF blocks side by side (sparse)."""
    from scipy.sparse import hstack

    return hstack([vecs[f].transform([r[f] for r in rows]) * FIELD_WEIGHTS[f] for f in FIELDS]).tocsr()


def fit(rows: list[dict[str, str]], labels: list[str], C: float = 10.0, seed: int = 0):
    """Vectorizers and a multinomial logistic regression fitted on `rows`, less the TOTAL's rows, which
    prediction never asks the regression about (left in, the TOTAL's 全年/共/generic 信息 pull other
    generic counts to disclosed_total). The other rows whose kind the guide fixes (`kinds.guide_kind`)
    stay in: left out, the kinds they name (views, review_litigation) had no examples, and a count of
    theirs worded otherwise (其他结果, 总计) could not be given them."""
    from sklearn.linear_model import LogisticRegression

    keep = [i for i, r in enumerate(rows) if r.get("total") != "T"] or list(range(len(rows)))
    rows, labels = [rows[i] for i in keep], [labels[i] for i in keep]
    vecs = make_vectorizers(rows)
    clf = LogisticRegression(C=C, max_iter=5000, random_state=seed)
    clf.fit(transform(vecs, rows), labels)
    return vecs, clf


def export(vecs: dict, clf, meta: dict | None = None) -> dict:
    """The fitted model as plain JSON data (what `KindModel` reads)."""
    blocks = []
    for f in FIELDS:
        v = vecs[f]
        vocab = sorted(v.vocabulary_, key=v.vocabulary_.get)  # column order
        blocks.append({"field": f, "ngram_range": list(FIELD_NGRAMS[f]), "weight": FIELD_WEIGHTS[f],
                       "vocabulary": vocab, "idf": [round(float(x), 10) for x in v.idf_]})
    coef = np.asarray(clf.coef_)
    intercept = np.asarray(clf.intercept_)
    if coef.shape[0] == 1:  # binary: sklearn keeps one row; make it a two-class softmax
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return {"format": MODEL_FORMAT, "classes": [str(c) for c in clf.classes_], "blocks": blocks,
            "coef": [[round(float(x), 8) for x in row] for row in coef],
            "intercept": [round(float(x), 8) for x in intercept], "meta": meta or {}}


def grouped_cv(ex: Examples, C: float, folds: int = CV_FOLDS) -> float | None:
    """Accuracy over `ex` of fits that never saw the item's body (GroupKFold by `ex.bodies`)."""
    from sklearn.model_selection import GroupKFold

    k = min(folds, len(set(ex.bodies)))
    if k < 2:
        return None
    right = 0
    for fit_idx, held in GroupKFold(n_splits=k).split(ex.rows, ex.labels, ex.bodies):
        vecs, clf = fit([ex.rows[i] for i in fit_idx], [ex.labels[i] for i in fit_idx], C=C)
        pred = KindModel(export(vecs, clf)).predict([ex.rows[i] for i in held])
        right += sum(1 for i, (p, _) in zip(held, pred) if p == ex.labels[i])
    return round(right / len(ex.rows), 4)


def accuracy(model: KindModel, ex: Examples) -> tuple[float | None, Counter]:
    """Accuracy on `ex` and the confusion counts (gold, predicted) of the errors."""
    if not ex.rows:
        return None, Counter()
    pred = [k for k, _ in model.predict(ex.rows)]
    errors = Counter((g, p) for g, p in zip(ex.labels, pred) if g != p)
    return round(sum(1 for g, p in zip(ex.labels, pred) if g == p) / len(pred), 4), errors


@dataclass
class TrainReport:
    C: float
    grid: dict[float, float | None]
    counts: dict[str, int]
    dev_accuracy: float | None
    test_accuracy: float | None
    dev_errors: Counter
    test_errors: Counter
    path: Path | None

    def lines(self) -> list[str]:
        out = ["examples: " + ", ".join(f"{k} {v}" for k, v in self.counts.items()),
               f"C by body-grouped {CV_FOLDS}-fold cross-validation over train+dev: "
               + ", ".join(f"{c:g}→{a}" for c, a in self.grid.items()) + f"; chosen C={self.C:g}",
               f"dev accuracy (train-only fit): {self.dev_accuracy}",
               f"test accuracy (shipped fit, train+dev): {self.test_accuracy}"]
        for name, errs in (("dev", self.dev_errors), ("test", self.test_errors)):
            if errs:
                out.append(f"{name} confusions (gold → predicted): " + "; ".join(
                    f"{g} → {p} ×{n}" for (g, p), n in errs.most_common()))
        if self.path:
            out.append(f"wrote {self.path}")
        return out


def train_kinds(annotations: str | Path = "annotations", out: str | Path | None = None,
                grid: tuple[float, ...] = C_GRID, write: bool = True) -> TrainReport:
    """Choose C on dev, refit on train+dev, write the JSON model (default: the packaged one)."""
    from xxgk.gold import load_gold_dir

    golds = load_gold_dir(annotations, splits=("train", "dev", "test"))
    train = load_examples(annotations, ("train",), golds)
    dev = load_examples(annotations, ("dev",), golds)
    test = load_examples(annotations, ("test",), golds)  # scored only
    if not train.rows:
        raise ValueError(f"no labelled narrative kinds in the train split of {annotations}")
    both = Examples(train.rows + dev.rows, train.labels + dev.labels, train.where + dev.where,
                    train.bodies + dev.bodies)
    scores = {C: grouped_cv(both, C) for C in grid}
    best = max(grid, key=lambda c: (scores[c] or 0.0, -c))
    vecs, clf = fit(train.rows, train.labels, C=best)
    dev_acc, dev_err = accuracy(KindModel(export(vecs, clf)), dev)
    rows, labels = both.rows, both.labels
    vecs, clf = fit(rows, labels, C=best)
    counts = {"train": len(train.rows), "dev": len(dev.rows), "test": len(test.rows)}
    meta = {"trained_on": list(TRAIN_SPLITS), "examples": counts, "C": best, "dev_accuracy_train_only": dev_acc,
            "cv_accuracy_by_body": scores[best],
            "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "label_counts": dict(sorted(Counter(labels).items()))}
    data = export(vecs, clf, meta)
    model = KindModel(data)
    test_acc, test_err = accuracy(model, test)
    data["meta"]["test_accuracy"] = test_acc
    path = None
    if write:
        path = Path(out) if out else model_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    missing = [k for k in KIND_NAMES if k not in model.classes and k not in GUIDE_KINDS]
    rep = TrainReport(C=best, grid=scores, counts=counts, dev_accuracy=dev_acc, test_accuracy=test_acc,
                      dev_errors=dev_err, test_errors=test_err, path=path)
    if missing:
        rep.counts["kinds without examples"] = len(missing)
    return rep
