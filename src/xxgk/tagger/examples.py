"""A training example: a text and its labelled character spans (start, end, label)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from xxgk.spans import LABELS, Span


@dataclass
class Example:
    id: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    source: str = "gold"  # gold | jsonl | weak | synthetic | +aug
    hints: list[Span] | None = None  # the rules' spans, when not those of `text` read whole (header lines)

    def check(self) -> None:
        for a, b, lab in self.spans:
            if not (0 <= a < b <= len(self.text)) or lab not in LABELS:
                raise ValueError(f"{self.id}: bad span {(a, b, lab)}")


def drop_overlaps(spans: Iterable[tuple]) -> list[tuple[int, int, str]]:
    """Spans in text order, each overlapping an earlier one dropped."""
    out: list[tuple[int, int, str]] = []
    for a, b, lab in sorted((s[0], s[1], s[2]) for s in spans):
        if out and a < out[-1][1]:
            continue
        out.append((a, b, lab))
    return out
