"""Character spans: the one currency between span sources (the rules, the tagger) and the pipeline.

A `Span` is a labelled character range of the normalised text with a score in [0, 1] and the
method that found it.  Whatever produces spans implements `SpanSource`; the tagger is a
`SpanTagger` (a source with a threshold, that may read the rules' spans as `hints`).  `System`
names who answers for headers and narrative in a run.  This module imports nothing of xxgk, so
both sides can depend on it without depending on each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal, Protocol, cast, get_args

# the span labels (BIO over characters for the tagger); see annotations/GUIDE.md
Label = Literal["SECTION", "COUNT", "TOTAL", "CATEGORY"]
LABELS: tuple[Label, ...] = get_args(Label)
# counts stated in running text and what they count (the narrative), as opposed to headers
NARRATIVE_LABELS: tuple[Label, ...] = ("COUNT", "TOTAL", "CATEGORY")
COUNT_LABELS: tuple[Label, ...] = ("COUNT", "TOTAL")

# character ranges [start, end) of a text
Regions = Sequence[tuple[int, int]]


def as_label(name: str) -> Label:
    """`name` as a span label (ValueError if it is none of LABELS)."""
    if name not in LABELS:
        raise ValueError(f"span label must be one of {LABELS}, not {name!r}")
    return cast(Label, name)


class Method(str, Enum):
    """What found a span (and so a section or a narrative count): the rules or the model."""

    RULE = "rule"
    MODEL = "model"

    def __str__(self) -> str:
        return self.value


class System(str, Enum):
    """Who answers for headers and narrative: the rules, the tagger alone, or both combined."""

    RULES = "rules"
    MODEL = "model"
    COMBINED = "combined"

    def __str__(self) -> str:
        return self.value

    @property
    def uses_model(self) -> bool:
        return self is not System.RULES

    @classmethod
    def parse(cls, name: str | System) -> System:
        """The system of a name as the CLI and configs write it; ValueError names the choices."""
        try:
            return cls(name)
        except ValueError:
            raise ValueError(f"system must be one of {', '.join(s.value for s in cls)}, not {name!r}") from None


@dataclass(frozen=True)
class Span:
    """A labelled range of the normalised text: [start, end), a label of LABELS, a score in [0, 1]."""

    start: int
    end: int
    label: Label
    score: float = 1.0
    method: Method = Method.RULE
    number: int | None = None  # SECTION: which standard section, when the source knows it (gold)
    value: float | None = None  # COUNT/TOTAL: the value, when the text cannot be read plainly (gold)

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"span label must be one of {LABELS}, not {self.label!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"span offsets must satisfy 0 <= start <= end, not ({self.start}, {self.end})")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"span score must be in [0, 1], not {self.score!r}")
        if not isinstance(self.method, Method):
            object.__setattr__(self, "method", Method(self.method))

    @property
    def group(self) -> str:
        """'header' for SECTION, 'narrative' for counts and categories (spans of one group compete)."""
        return "header" if self.label == "SECTION" else "narrative"

    def key(self) -> tuple[int, int, str]:
        """(start, end, label): what exact-match scoring compares."""
        return self.start, self.end, self.label

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


class SpanSource(Protocol):
    """Anything that tags a text: `regions` limits where it looks (None: everywhere); `hints` are the
    rules' spans over the whole text, for a source that reads them."""

    def spans(self, text: str, regions: Regions | None = None, hints: Sequence[Span] | None = None) -> list[Span]:
        ...


class SpanTagger(SpanSource, Protocol):
    """A model span source as the pipeline uses it: spans scored at or above `threshold` are trusted;
    `reads_hints` says whether it needs the rules' spans passed as `hints`."""

    @property
    def threshold(self) -> float:
        ...

    @property
    def reads_hints(self) -> bool:
        ...

    @property
    def info(self) -> dict:
        ...


class BatchSpanTagger(SpanTagger, Protocol):
    """A tagger that also answers for many texts at once (`xxgk.tagger.Tagger` does): one entry of
    `regions` and of `hints` per text."""

    def predict_batch(self, texts: Sequence[str], regions: Sequence[Regions | None] | None = None,
                      hints: Sequence[Sequence[Span] | None] | None = None) -> list[list[Span]]:
        ...
