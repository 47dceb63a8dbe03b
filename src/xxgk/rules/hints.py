"""The rules as a span source: their SECTION, COUNT, TOTAL and CATEGORY spans over a whole text.

These are the weak labels training fills unlabelled text with, the input features (`hints`) of a
tagger trained to read them, and the rules' side when spans are scored.  The tagger never imports
this module: whoever runs the tagger computes the hints and passes them in.
"""

from __future__ import annotations

from collections.abc import Sequence

from xxgk.rules.meta import extract_meta
from xxgk.rules.narrative import rule_spans as narrative_rule_spans
from xxgk.record import Section
from xxgk.rules.regions import prose_regions, table_regions
from xxgk.rules.sections import choose, find_candidates, to_sections
from xxgk.spans import Regions, Span
from xxgk.text import Text


def rule_spans(text: str) -> list[Span]:
    """The rules' spans over a whole text, in text order."""
    t = Text(text)
    _meta, title = extract_meta(t)
    cands = find_candidates(t, title.end if title else None)
    return rule_spans_of(t, to_sections(t, choose(cands)))


def rule_spans_of(t: Text, sections: Sequence[Section]) -> list[Span]:
    """The rules' spans given the sections they found (the pipeline has them already): the headers,
    and the counts and categories of the running text outside the tables."""
    narrative = [s for a, b in prose_regions(len(t.text), table_regions(t, sections))
                 for s in narrative_rule_spans(t, a, b)]
    return with_sections(sections, narrative)


def with_sections(sections: Sequence[Section], narrative: Sequence[Span]) -> list[Span]:
    """The rules' spans of a text from its sections and its narrative spans, in text order."""
    spans = [Span(s.start, s.end, "SECTION", s.confidence, number=s.number) for s in sections]
    return sorted(spans + list(narrative), key=lambda s: s.start)


class RuleSpans:
    """`rule_spans` as a `SpanSource` (regions limit the spans returned, hints are not read)."""

    def spans(self, text: str, regions: Regions | None = None, hints: Sequence[Span] | None = None) -> list[Span]:
        out = rule_spans(text)
        if regions is None:
            return out
        return [s for s in out if any(a <= s.start and s.end <= b for a, b in regions)]
