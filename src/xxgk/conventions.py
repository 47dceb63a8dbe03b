"""Labelling conventions the rules and the tagger share (annotations/GUIDE.md), each written once.

  - which lines may hold a section header (`HEADER_LINE`): what the pipeline sends the tagger, and
    the header lines training shows it;
  - how a CATEGORY is trimmed of filler (`trim_category`);
  - which count is the headline TOTAL (`is_headline_total`);
  - how counts link to their categories (`link_counts`), for rule spans, model spans and gold alike.

The patterns themselves are in `labels`; this module holds the logic around them.  It imports
nothing but `labels`, `record`, `spans` and `text`, so the tagger and the rules both depend on it
and not on each other.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence

from xxgk.rules import labels
from xxgk.record import NarrativeCount
from xxgk.spans import COUNT_LABELS, Span
from xxgk.text import fold

# ---------------------------------------------------------------------------------------------
# header lines
# ---------------------------------------------------------------------------------------------

# a line that may hold a section header: it starts (after markdown marks) with an enumerator such as
# 一、 （一） 1.  (matches the text and its match view alike)
HEADER_LINE = re.compile(r"\s*[#>*]*\s*(?:第?[一二三四五六七][、.,，:;．]|[（(][一二三四五六七][）)]|[1-7][.、．])")
# longer lines are running text that happens to start with an enumerator
HEADER_LINE_MAX_CHARS = 80


def header_lines(s: str, max_chars: int = HEADER_LINE_MAX_CHARS) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of `s` that may hold a section header."""
    for m in re.finditer(r"[^\n]+", s):
        if len(m.group(0)) <= max_chars and HEADER_LINE.match(m.group(0)):
            yield m.start(), m.end()


# ---------------------------------------------------------------------------------------------
# categories and the headline total
# ---------------------------------------------------------------------------------------------


def trim_category(s: str, a: int, b: int) -> tuple[int, int]:
    """s[a:b] trimmed of filler (GUIDE: CATEGORY): a leading 各类/各项/有关/相关/…, then, repeatedly, a
    trailing 类信息/类/信息/数量/总数/等/…, but never to nothing; 政府信息/政务信息 stay whole.  The result
    may be empty when s[a:b] is nothing but leading filler."""
    seg = s[a:b]
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
    return a + left, a + right


# how far before a count, within its line, the words that make it the headline total are looked for
TOTAL_CUE_CHARS = 25


def is_headline_total(s: str, a: int, b: int) -> bool:
    """Whether the count s[a:b] is stated as the headline total (GUIDE: TOTAL): proactively disclosed
    or published information just before it, said in all (主动公开, 共, 累计) or followed by 其中."""
    line_a = s.rfind("\n", 0, a) + 1
    ctx = s[max(line_a, a - TOTAL_CUE_CHARS):a]
    after = s[b:b + 6]
    return bool(labels.TOTAL_CUE.search(ctx)) and ("主动公开" in ctx or "其中" in after or "共" in ctx
                                                    or "累计" in ctx)


# ---------------------------------------------------------------------------------------------
# linking counts to categories
# ---------------------------------------------------------------------------------------------

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
