"""Counts stated in running text: the rule tagger (COUNT / TOTAL / CATEGORY spans by patterns).

Both the rules and the token classifier produce spans; `conventions.link_counts` turns either into
the record's `narrative` items, and the category trim and the headline-total cue are the shared
`conventions.trim_category` and `conventions.is_headline_total`.
"""

from __future__ import annotations

import re

from xxgk.rules import labels
from xxgk.conventions import is_headline_total, trim_category
from xxgk.spans import Label, Span
from xxgk.text import Text


def rule_spans(t: Text, start: int, end: int) -> list[Span]:
    """COUNT / TOTAL / CATEGORY spans found by patterns in text[start:end] (running text only)."""
    out: list[Span] = []
    src = t.match
    total_seen = False
    for m in labels.COUNT.finditer(src, start, end):
        a = m.start("num")
        b = m.end()
        line_a, line_b = t.line_bounds(a, 200)
        if _in_table_row(src, line_a, line_b, a, b):
            continue
        if labels.COUNT_BAD_PREFIX.search(src[max(line_a, a - 3):a]):
            continue
        if labels.COUNT_BAD_SUFFIX.match(src[b:b + 3]):
            continue
        if a > 0 and (src[a - 1].isdigit() or src[a - 1] in ".-"):
            continue
        if m.group("approx2"):
            b = m.end()
        label: Label = "COUNT"
        cat = _rule_category(t, line_a, a)
        if not total_seen and cat and is_headline_total(src, a, b):
            label = "TOTAL"
            total_seen = True
        out.append(Span(a, b, label, 0.9))
        if cat:
            out.append(Span(cat[0], cat[1], "CATEGORY", 0.8))
    out.sort(key=lambda s: s.start)
    # drop overlapping duplicates (a category shared by several counts is found once per count)
    dedup: list[Span] = []
    for s in out:
        if dedup and s.start < dedup[-1].end:
            continue
        dedup.append(s)
    return dedup


# A sentence ends at these; a table row (tabs, or cells between pipes) never holds one, so the
# table-row test looks only at the sentence around a number. On a body flattened to one line the
# whole document is one "line", and a pipe table anywhere near would otherwise hide prose counts.
_SENTENCE_END = re.compile(r"[。；;！!？?]")


def _in_table_row(src: str, line_a: int, line_b: int, a: int, b: int) -> bool:
    lo = line_a
    for m in _SENTENCE_END.finditer(src, line_a, a):
        lo = m.end()
    m = _SENTENCE_END.search(src, b, line_b)
    hi = m.start() if m else line_b
    seg = src[lo:hi]
    return "\t" in seg or seg.count("|") >= 2


def _rule_category(t: Text, line_a: int, a: int) -> tuple[int, int] | None:
    """The noun phrase before a number: back to the clause boundary or the verb."""
    src = t.match
    lo = max(line_a, a - 30)
    window = src[lo:a]
    cut = 0
    for m in labels.CATEGORY_BOUNDARY.finditer(window):
        cut = m.end()
    raw_a = lo + cut
    cat_a, cat_b = trim_category(src, raw_a, a)
    s = src[cat_a:cat_b].strip()
    if not s or not re.search(r"[\u4e00-\u9fff]", s) or re.search(r"\d", s) or len(s) > 20:
        return None
    # strip spaces at the edges
    while cat_a < cat_b and src[cat_a].isspace():
        cat_a += 1
    while cat_b > cat_a and src[cat_b - 1].isspace():
        cat_b -= 1
    return cat_a, cat_b
