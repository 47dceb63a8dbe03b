"""Where things are in a report: the regions of the three tables, the running text around them, and
the text worth sending to the tagger.  All offsets are into the normalised text (`Text`).

The sizes below bound a region when the document does not: a table whose section header is
missing runs from its own mark to the next header or to one of these lengths, whichever is first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xxgk.rules import labels
from xxgk.conventions import header_lines
from xxgk.record import Section
from xxgk.rules.sections import Candidate, section_bounds
from xxgk.text import Text

Region = tuple[int, int]

# table 二 without its section header: it ends this far after its first 第二十条 mark at the latest
# (the 2019 layout, the longer one, prints in about 1,500 characters)
T2_MAX_AFTER_MARK = 3000
# ... and starts up to this far before the mark: a fragment that starts mid-table shows rows first
T2_MAX_BEFORE_MARK = 600
# table 三 without its section header: starts this far before its mark (本年新收 follows the column
# labels) and ends this far after it at the latest (26 rows of 7 cells, one cell a line in some pages)
T3_MAX_BEFORE_MARK = 60
T3_MAX_AFTER_MARK = 8000
# a table 三 region shorter than this holds no cells (a mark in a sentence)
T3_MIN_CHARS = 20
# table 四 without its section header: ends this far after its 行政复议 mark at the latest (15 cells
# and their column labels)
T4_MAX_AFTER_MARK = 2500
# a header right after the 行政复议 mark is the mark's own line, not the next section
T4_MARK_LINE = 5

# what the tagger reads of section 一 (where the narrative counts are): from a little before its
# header (a header glued to the title) to this far into it; most overviews are shorter
OVERVIEW_BEFORE = 400
OVERVIEW_MAX_CHARS = 6000
# without a section 一 header: the opening of the text, this long
OPENING_MAX_CHARS = 4000
# within those, the tagger reads only what can change the record: a narrative item is a count (a
# number with a counting unit, `labels.COUNT`) and a category in its clause (conventions.link_counts:
# at most 40 characters before it, or right after its unit). So each count brings the sentence it
# stands in, cut to this much before and after it, and each header line this much context (enough to
# tell a header from a sub-heading next to it: 100 gave the same records on dev for 12,700 more tokens
# a corpus pass, 0 lost items). With the candidate windows below, that is 29% of the tokens the whole
# overview takes on the corpus (45,100 of 157,200 with window overlap; 74,100 with 100 characters of
# header context and candidate windows of 40 + 160); bench/regions_eval.py compares such choices on a
# split (docs/benchmarks.md).
COUNT_CONTEXT_BEFORE = 100
COUNT_CONTEXT_AFTER = 60
HEADER_CONTEXT = 30
# the default of model_regions(focus=...): False sends the whole overview (the reference path that
# bench/bench_tagger.py --reference and tests/test_fast_path.py compare the focused one with)
FOCUS = True
_SENTENCE_EDGE = re.compile(r"[。；;！!？?]|\n[ \t\u3000]*\n")
# around each rule header candidate, within its line (a glued page is one long line): enough before
# it for an enumerator cut off, and after it for the longest standard title (19 characters) three
# times over, junk inside (40 + 160 before: the same records on dev, 16,400 more tokens a corpus pass)
CANDIDATE_BEFORE = 10
CANDIDATE_AFTER = 60


def _first(pattern: re.Pattern, s: str, start: int = 0, end: int | None = None) -> int | None:
    m = pattern.search(s, start, len(s) if end is None else end)
    return m.start() if m else None


def table_regions(t: Text, sections: Sequence[Section]) -> tuple[Region | None, Region | None, Region | None]:
    """The regions of tables 二, 三 and 四 (None where a table is not found)."""
    n = len(t.text)
    src = t.match
    sec = {s.number: s for s in sections}

    def body(k: int) -> Region | None:
        return section_bounds(list(sections), k, n)

    # table 二
    t2 = None
    b2 = body(2)
    t3_mark = _first(labels.T3_MARK, src)
    if b2:
        end = b2[1]
        if t3_mark is not None and b2[0] < t3_mark < end:
            end = t3_mark
        t2 = (b2[0], end)
    else:
        m = _first(labels.T2_MARK, src)
        if m is not None:
            b3 = body(3)
            end = min(x for x in (t3_mark if t3_mark and t3_mark > m else None, b3[0] if b3 else None,
                                  m + T2_MAX_AFTER_MARK, n) if x is not None)
            # rows of the table may precede its first 第二十条 mark (a fragment that starts mid-table)
            before = [s.end for s in sections if s.end <= m]
            t2 = (max(before[-1] if before else 0, m - T2_MAX_BEFORE_MARK), end)
    # table 三
    t3 = None
    b3 = body(3)
    if b3:
        t3 = b3
    else:
        after = t2[1] if t2 else 0
        m = _first(labels.T3_MARK, src, after)
        if m is not None:
            nxt = [s.start for s in sections if s.start > m]
            t3 = (max(after, m - T3_MAX_BEFORE_MARK), min(nxt[0] if nxt else n, m + T3_MAX_AFTER_MARK))
    if t3 and t3[1] - t3[0] < T3_MIN_CHARS:
        t3 = None
    # table 四
    t4 = None
    b4 = body(4)
    if b4:
        t4 = b4
    else:
        after = t3[1] if t3 else (t2[1] if t2 else 0)
        if t3 and 4 not in sec:
            # the section 4 header is missing: look after table 三's region for the table's header
            m = _first(labels.T4_MARK, src, t3[0])
        else:
            m = _first(labels.T4_MARK, src, after) if (t2 or t3) else None
        if m is not None:
            nxt = [s.start for s in sections if s.start > m + T4_MARK_LINE]
            t4 = (m, min(nxt[0] if nxt else n, m + T4_MAX_AFTER_MARK))
    return t2, t3, t4


def prose_regions(n: int, tables: Sequence[Region | None]) -> list[Region]:
    """The running text of a text of length n: everything outside the table regions."""
    cuts = sorted(r for r in tables if r)
    out, pos = [], 0
    for a, b in cuts:
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < n:
        out.append((pos, n))
    return out


def overview_region(t: Text, sections: Sequence[Section]) -> Region | None:
    """Where the narrative counts are: section 一 from a little before its header (a header glued to the
    title) to OVERVIEW_MAX_CHARS into it; without a section 一 header, the opening of the text."""
    n = len(t.text)
    b1 = section_bounds(list(sections), 1, n)
    if b1:
        s1 = next(s for s in sections if s.number == 1)
        return max(0, s1.start - OVERVIEW_BEFORE), min(b1[1], s1.start + OVERVIEW_MAX_CHARS)
    return (0, min(n, OPENING_MAX_CHARS)) if n else None


def header_line_regions(t: Text, cands: Sequence[Candidate]) -> list[Region]:
    """The header lines, and around each rule header candidate its line from CANDIDATE_BEFORE before it
    to CANDIDATE_AFTER after (a glued page is one long line)."""
    out = list(header_lines(t.match))
    for c in cands:
        a, b = t.line_bounds(c.start)
        out.append((max(a, c.start - CANDIDATE_BEFORE), min(b, c.start + CANDIDATE_AFTER)))
    return out


def merged(regions: Sequence[Region]) -> list[Region]:
    """Regions sorted, those that overlap or touch merged into one."""
    out: list[list[int]] = []
    for a, b in sorted(regions):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def model_regions(t: Text, cands: Sequence[Candidate], sections: Sequence[Section],
                  focus: bool | None = None) -> list[Region]:
    """All the text the tagger reads when it answers alone: the overview section (or the opening text)
    and the header candidate lines.  With `focus` (None: FOCUS, True by default), of the overview only
    the sentences around its counts and its header lines (`focus_regions`); without, the whole
    overview (the reference path).  The combined system sends only the part of these that can change
    the record (`xxgk.combine.header_regions`, `narrative_regions`)."""
    focus = FOCUS if focus is None else focus
    regions: list[Region] = []
    overview = overview_region(t, sections)
    if overview is not None:
        regions.extend(focus_regions(t, *overview) if focus else [overview])
    regions.extend(header_line_regions(t, cands))
    return merged(regions)


def focus_regions(t: Text, a: int, b: int) -> list[Region]:
    """What the tagger reads of t[a:b] (the overview): around each count (`labels.COUNT` on the folded
    view) its sentence, cut to COUNT_CONTEXT_BEFORE characters before the count and
    COUNT_CONTEXT_AFTER after it; around each header line, HEADER_CONTEXT characters each way (a
    header is told from a sub-heading by what surrounds it). Overlapping regions are merged by the
    caller."""
    src = t.match
    out: list[Region] = []
    for m in labels.COUNT.finditer(src, a, b):
        lo = max(a, m.start() - COUNT_CONTEXT_BEFORE)
        edges = list(_SENTENCE_EDGE.finditer(src, lo, m.start()))
        if edges:
            lo = edges[-1].end()
        hi = min(b, m.end() + COUNT_CONTEXT_AFTER)
        edge = _SENTENCE_EDGE.search(src, m.end(), hi)
        if edge:
            hi = edge.end()
        out.append((lo, hi))
    for x, y in header_lines(src[a:b]):
        out.append((max(a, a + x - HEADER_CONTEXT), min(b, a + y + HEADER_CONTEXT)))
    return out
