"""Counts stated in running text: the rule tagger, and the linking of counts to categories.

Both the rules and the token classifier produce spans (COUNT / TOTAL / CATEGORY); `link_counts`
turns spans into the record's `narrative` items the same way for both, and for gold labels.
Linking (see annotations/GUIDE.md): a count takes the nearest CATEGORY before it in the same
clause with no other count in between; failing that, a CATEGORY directly after its unit.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from . import labels
from .record import NarrativeCount
from .spans import COUNT_LABELS, Span
from .text import Text, fold

_SENTENCE_END = re.compile(r"[。；;！!？?]|\n\s*\n|(?<![\u4e00-\u9fff\w，,、])\n|\n(?=\s*(?:[(（]?[一二三四五六七八九十\d]+[)）、.]))")


def clause_break(gap: str) -> bool:
    """Whether a gap ends the clause: sentence punctuation, a blank line, or a line break that is not
    a hard wrap (a wrap joins two characters of one sentence; a break before an enumerator does not)."""
    return bool(_SENTENCE_END.search(gap))
_NUM = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")
_MULT = {"万": 10000, "千": 1000, "百": 100}


def parse_count(s: str) -> tuple[float | int | None, str | None, bool]:
    """'180余条' → (180, '条', True); '1.3万余条' → (13000, '条', True)."""
    s = fold(s)
    m = labels.COUNT.search(s)
    if m:
        raw = m.group("num").replace(",", "")
        val: float | int = float(raw) if "." in raw else int(raw)
        if m.group("mult"):
            val = val * _MULT[m.group("mult")]
            if isinstance(val, float) and val.is_integer():
                val = int(val)
        approx = bool(m.group("approx0") or m.group("approx") or m.group("approx2"))
        return val, m.group("unit"), approx
    m = _NUM.search(s)
    if not m:
        return None, None, False
    raw = m.group(0).replace(",", "")
    return (float(raw) if "." in raw else int(raw)), None, bool(re.search(r"余|多", s))


def link_counts(text: str, spans: Sequence[Span]) -> list[NarrativeCount]:
    """COUNT / TOTAL / CATEGORY spans → narrative items, in document order (other labels are ignored).
    A count's `value`, when the span gives one, overrides the value read from its text."""
    spans = sorted(spans, key=lambda s: s.start)
    cats = sorted(((s.start, s.end) for s in spans if s.label == "CATEGORY"), key=lambda c: c[1])
    cat_ends = [c[1] for c in cats]
    cats_by_start = sorted(cats, key=lambda c: c[0])
    cat_starts = [c[0] for c in cats_by_start]
    counts = [s for s in spans if s.label in COUNT_LABELS]
    count_starts = [c.start for c in counts]
    items: list[NarrativeCount] = []
    for sp in counts:
        a, b, label = sp.start, sp.end, sp.label
        override, score, span_method = sp.value, sp.score, sp.method
        value, unit, approx = parse_count(text[a:b])
        if override is not None:
            value = int(override) if float(override).is_integer() else float(override)
        if value is None:
            continue
        if labels.APPROX_BEFORE.search(fold(text[max(0, a - 4):a])):
            approx = True
        cat = _category_for(text, a, b, cats, cat_ends, cats_by_start, cat_starts, count_starts)
        items.append(NarrativeCount(
            category=text[cat[0]:cat[1]] if cat else None, value=value, unit=unit, approximate=approx,
            start=a, end=b, method=span_method.value, confidence=round(float(score), 4),
            category_start=cat[0] if cat else None, category_end=cat[1] if cat else None,
            total=label == "TOTAL"))
    return items


def _category_for(text, a, b, cats, cat_ends, cats_by_start, cat_starts, count_starts):
    k = bisect.bisect_right(cat_ends, a) - 1  # the category ending last before the count
    if k >= 0:
        c = cats[k]
        gap = text[c[1]:a]
        # no other count between the category and this count
        j = bisect.bisect_left(count_starts, c[1])
        between = j < len(count_starts) and count_starts[j] < a
        if not between and len(gap) <= 40 and not clause_break(gap):
            return c[0], c[1]
    k = bisect.bisect_left(cat_starts, b)  # "8个领域": the category right after the unit
    if k < len(cats_by_start):
        c = cats_by_start[k]
        if c[0] <= b + 1 and not text[b:c[0]].strip():
            return c[0], c[1]
    return None


# ---------------------------------------------------------------------------------------------
# the rule fallback
# ---------------------------------------------------------------------------------------------


def rule_spans(t: Text, start: int, end: int) -> list[Span]:
    """COUNT / TOTAL / CATEGORY spans found by patterns in text[start:end] (running text only)."""
    out: list[Span] = []
    src = t.match
    total_seen = False
    for m in labels.COUNT.finditer(src, start, end):
        a = m.start("num")
        b = m.end()
        line_a, line_b = t.line_bounds(a, 200)
        line = src[line_a:line_b]
        if "\t" in line or line.count("|") >= 2:  # a table row, not running text
            continue
        if labels.COUNT_BAD_PREFIX.search(src[max(line_a, a - 3):a]):
            continue
        if labels.COUNT_BAD_SUFFIX.match(src[b:b + 3]):
            continue
        if a > 0 and (src[a - 1].isdigit() or src[a - 1] in ".-"):
            continue
        if m.group("approx2"):
            b = m.end()
        label = "COUNT"
        cat = _rule_category(t, line_a, a)
        if not total_seen and cat and _is_total(src, line_a, a, b, cat):
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


def _rule_category(t: Text, line_a: int, a: int) -> tuple[int, int] | None:
    """The noun phrase before a number: back to the clause boundary or the verb."""
    src = t.match
    lo = max(line_a, a - 30)
    window = src[lo:a]
    cut = 0
    for m in labels.CATEGORY_BOUNDARY.finditer(window):
        cut = m.end()
    raw_a = lo + cut
    seg = src[raw_a:a]
    # trim filler on both ends, keeping offsets; never to nothing, and 政府信息/政务信息 stay whole
    m = labels.CATEGORY_TRIM_LEFT.match(seg)
    left = m.end() if m else 0
    right = len(seg)
    while True:
        core = seg[left:right]
        if labels.CATEGORY_KEEP_WHOLE.search(core):
            break
        m = labels.CATEGORY_TRIM_RIGHT.search(core)
        cut = len(core) - (m.start() if m else len(core))
        if not cut and core.endswith("信息"):
            cut = 2
        if not cut or cut >= len(core.strip()):
            break
        right -= cut
    cat_a, cat_b = raw_a + left, raw_a + right
    s = src[cat_a:cat_b].strip()
    if not s or not re.search(r"[\u4e00-\u9fff]", s) or re.search(r"\d", s) or len(s) > 20:
        return None
    # strip spaces at the edges
    while cat_a < cat_b and src[cat_a].isspace():
        cat_a += 1
    while cat_b > cat_a and src[cat_b - 1].isspace():
        cat_b -= 1
    return cat_a, cat_b


def _is_total(src: str, line_a: int, a: int, b: int, cat: tuple[int, int]) -> bool:
    ctx = src[max(line_a, a - 25):a]
    after = src[b:b + 6]
    return bool(labels.TOTAL_CUE.search(ctx)) and ("主动公开" in ctx or "其中" in after or "共" in ctx
                                                    or "累计" in ctx)
