"""Character spans: the currency between taggers (rules or model) and the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

# the tagger's labels (BIO over characters); see annotations/GUIDE.md
LABELS = ("SECTION", "COUNT", "TOTAL", "CATEGORY")


@dataclass
class SpanPred:
    start: int  # offset into the normalised text
    end: int  # exclusive
    label: str  # one of LABELS
    score: float = 1.0  # confidence in [0, 1]
    method: str = "rule"  # "rule" | "model"

    def as_tuple(self) -> tuple:
        return (self.start, self.end, self.label, None, self.score, self.method)
