"""The three fixed tables, parsed by rules from text in any of the layouts scrapes produce.

One tokenizer serves every layout: a table region is read line by line; a line with tabs or
pipes is split into cells (an empty cell is a *blank*), any other line into whitespace-separated
tokens; numbers, NA marks and blanks become value tokens, everything else is label text.
Row labels are found as *anchors* in the compact view (short keys survive labels broken across
lines or stacked one character per line); digits inside labels (`1.属于国家秘密`, `第二十条`,
`保留4位小数`, page footers) are masked first.

Value tokens are grouped into *value rows*: a new group starts at an anchor, at label text, or
where a line holding several values begins or ends.  Table 三's value rows are then aligned to
the template's rows by dynamic programming (an anchor agreeing with a row is rewarded, order
is kept), which copes both with clean layouts and with converters that displace labels from
their numbers.  Table 二 takes the values that directly follow each row label; table 四 the
first run of fifteen values after its header.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence, Set as AbstractSet
from typing import Any
from dataclasses import dataclass, field

from xxgk.rules import glued, labels
from xxgk.errors import Warnings
from xxgk.rules.reconcile import balance_sides, row_sum_provenance, total_of
from xxgk.record import (
    APPLICANT_COLUMNS,
    ActiveDisclosure2019,
    ActiveDisclosure2021,
    Applications2019,
    Applications2021,
    Provenance,
    ReviewLitigation,
    UnsplitRun,
)
from xxgk.text import Text

_NUM = re.compile(r"(?<![\d.])[+\-−]?\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_SEP_ONLY = re.compile(r"^[\s|\t:：,，;；]*$")
# splits of an undecided glued run listed in the record: enough for a reviewer to choose from, and a
# panel to match a copy against; a run with more is listed as incomplete
UNSPLIT_LISTED = 20


@dataclass
class _Masks:
    spans: list[tuple[int, int]]
    starts: list[int]


@dataclass
class Tok:
    kind: str  # num | na | blank
    start: int
    end: int
    line: int
    raw: str = ""

    @property
    def value(self):
        if self.kind != "num":
            return None
        s = self.raw.replace(",", "").replace("−", "-")
        return float(s) if "." in s else int(s)


@dataclass
class Anchor:
    row: int
    start: int
    end: int


@dataclass
class VRow:
    toks: list[Tok]
    anchor: int | None = None  # row index of the anchor before it (table 三)
    anchor_gap: bool = False  # text between the anchor and this row's first value

    @property
    def values(self) -> list[Tok]:
        toks = self.toks
        i, j = 0, len(toks)
        while i < j and toks[i].kind == "blank":
            i += 1
        while j > i and toks[j - 1].kind == "blank":
            j -= 1
        return toks[i:j]

    @property
    def start(self) -> int:
        return self.toks[0].start


@dataclass
class TableResult:
    name: str
    data: Any = None  # the table's record model (ActiveDisclosure2021, Applications2019, …) or None
    layout: str | None = None
    provenance: dict[str, Provenance] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    cells_found: int = 0
    cells_total: int = 0
    region: tuple[int, int] | None = None
    layout_from_labels: bool = False  # the layout was read from the table's own labels, not the year
    unsplit: list[UnsplitRun] = field(default_factory=list)  # glued runs left null, with the splits allowed


# ---------------------------------------------------------------------------------------------
# tokenizing
# ---------------------------------------------------------------------------------------------


def _inline_page_numbers(src: str) -> list[tuple[int, int]]:
    """Page footers (`- 4 -`) inside a line, as a body flattened to one line has them.

    `- 4 -` alone could be an NA mark, a 4 and an NA mark; it is taken for a page number only when
    the document has such marks for consecutive pages (`- 3 -` … `- 4 -`)."""
    found = [(m.start(), m.end(), int(m.group(1))) for m in labels.INLINE_PAGE_NUMBER.finditer(src)]
    pages = {n for _, _, n in found}
    return [(x, y) for x, y, n in found if n - 1 in pages or n + 1 in pages]


def tokenize(t: Text, a: int, b: int, masks: Sequence[tuple[int, int]] = ()) -> tuple[list[Tok], list[bool]]:
    """Value tokens of text[a:b] and, per token, whether label text precedes it (since the last token)."""
    src = t.match
    spans = list(masks)
    for m in labels.LABEL_DIGITS.finditer(src, a, b):
        spans.append((m.start(), m.end()))
    spans += labels.url_spans(src, a, b)
    spans += [x for x in _inline_page_numbers(src) if a <= x[0] < b]
    spans.sort()
    masked = _Masks(spans, [x for x, _ in spans])
    toks: list[Tok] = []
    pos = a
    line_no = 0
    while pos < b:
        nl = src.find("\n", pos, b)
        le = b if nl < 0 else nl
        line = src[pos:le]
        if labels.PAGE_FOOTER.match(line) or not line.strip() or labels.is_foreign_line(line) \
                or line.strip() in t.running_heads:
            pass
        elif "\t" in line or line.count("|") >= 2:
            sep = "\t" if "\t" in line else "|"
            cpos = pos
            cells = line.split(sep)
            if sep == "|":  # "| a | b |": the outer pipes do not delimit empty cells
                if cells and not cells[0].strip():
                    cpos += len(cells[0]) + 1
                    cells = cells[1:]
                if cells and not cells[-1].strip():
                    cells = cells[:-1]
                if all(re.fullmatch(r"\s*:?-{2,}:?\s*", c) for c in cells if c.strip()):
                    cells = []  # markdown separator row
            filled = [bool(c.strip()) for c in cells]
            for k, cell in enumerate(cells):
                # an empty cell is a blank (NA) only between filled cells of its line; empty cells at
                # the edges come from indentation or merged label columns
                interior = any(filled[:k]) and any(filled[k + 1:])
                if cell.strip() or interior:
                    _cell_tokens(t, cpos, cpos + len(cell), line_no, masked, toks, cell_mode=True)
                cpos += len(cell) + 1
        else:
            _cell_tokens(t, pos, le, line_no, masked, toks, cell_mode=False)
        line_no += 1
        pos = le + 1
    toks = _join_wrapped(t, toks)
    gaps = []
    prev_end = a
    for tk in toks:
        gaps.append(_has_text(t, prev_end, tk.start, masks))
        prev_end = tk.end
    return toks, gaps


def _join_wrapped(t: Text, toks: list[Tok]) -> list[Tok]:
    """Numbers a hard wrap cut in two (`78` at the end of a full-width line, `16` starting the next)."""
    width = t.wrap_width
    if width is None:
        return toks
    src = t.match
    out: list[Tok] = []
    for tk in toks:
        prev = out[-1] if out else None
        line_start = src.rfind("\n", 0, prev.end) + 1 if prev is not None else 0
        if (prev is not None and prev.kind == "num" and tk.kind == "num" and src[prev.end:tk.start] == "\n"
                and not tk.raw.startswith(("+", "-", "−")) and prev.end - line_start == width):
            out[-1] = Tok("num", prev.start, tk.end, prev.line, prev.raw + tk.raw)
            continue
        out.append(tk)
    return out


def _in_masks(i: int, j: int, masked, starts=None) -> bool:
    """Whether [i, j) overlaps a masked span (masked is sorted by start; spans are short)."""
    k = bisect.bisect_left(starts, j) if starts is not None else len(masked)
    for x, y in reversed(masked[max(0, k - 8):k]):
        if x < j and i < y:
            return True
    return False


def _cell_tokens(t: Text, a: int, b: int, line_no: int, masked, out: list[Tok], cell_mode: bool) -> None:
    src = t.match
    cell = src[a:b]
    if cell_mode and not cell.strip():
        out.append(Tok("blank", a, a, line_no))
        return
    if cell_mode and labels.NA_CELL.match(cell):
        s = a + len(cell) - len(cell.lstrip())
        out.append(Tok("na", s, s + len(cell.strip()), line_no, cell.strip()))
        return
    found: list[Tok] = []
    for m in _NUM.finditer(src, a, b):
        if _in_masks(m.start(), m.end(), masked.spans, masked.starts):
            # a run that ends in a masked enumerator ("00000002." → "0000000" + "2.")
            k = bisect.bisect_left(masked.starts, m.end())
            for x, y in masked.spans[max(0, k - 8):k]:
                if x < m.end() and m.start() < y and x > m.start():
                    raw = src[m.start():x]
                    if raw.isdigit():
                        found.append(Tok("num", m.start(), x, line_no, raw))
                    break
            continue
        found.append(Tok("num", m.start(), m.end(), line_no, m.group(0)))
    for m in labels.NA_TOKEN.finditer(src, a, b):
        if not any(f.start <= m.start() < f.end for f in found):
            found.append(Tok("na", m.start(), m.end(), line_no, m.group(0)))
    found.sort(key=lambda x: x.start)
    # "-2" is a number, but "- 4 -" style dashes next to numbers are not signs
    out.extend(found)


def _has_text(t: Text, i: int, j: int, masks) -> bool:
    if j <= i:
        return False
    seg = t.match[i:j]
    if _SEP_ONLY.match(seg):
        return False
    # footers, running heads and foreign lines (spam, links) on their own lines are not label text
    lines = [ln for ln in seg.split("\n") if ln.strip() and not labels.PAGE_FOOTER.match(ln)
             and not labels.is_foreign_line(ln) and ln.strip() not in t.running_heads]
    return any(not _SEP_ONLY.match(ln) for ln in lines)


# A line at least this long that ends inside a row (labels and figures mixed, fewer figures than the
# row has cells) was cut by a hard wrap: scrapes were seen wrapped at 38 to 60 characters, while a
# table row printed one per line is either shorter or ends with all its cells.
SOFT_WRAP_MIN_CHARS = 36


def wrapped_lines(t: Text, a: int, b: int) -> set[int]:
    """Numbers (as `tokenize` counts them) of the lines of text[a:b] that may continue on the next."""
    out = set()
    for i, line in enumerate(t.match[a:b].split("\n")):
        if len(line) >= SOFT_WRAP_MIN_CHARS and re.search(r"[\u4e00-\u9fff]", line):
            out.add(i)
    return out


def value_rows(toks: list[Tok], gaps: list[bool], anchors: Sequence[Anchor] = (), merge_lines: bool = False,
               wrapped: AbstractSet[int] = frozenset(), width: int | None = None) -> list[VRow]:
    counts: dict[int, int] = {}
    for tk in toks:
        if tk.kind != "blank":
            counts[tk.line] = counts.get(tk.line, 0) + 1
    rows: list[VRow] = []
    ai = 0
    anchors = sorted(anchors, key=lambda x: x.start)
    last_anchor: Anchor | None = None
    cur: VRow | None = None
    for tk, gap in zip(toks, gaps):
        new_anchor = False
        while ai < len(anchors) and anchors[ai].start < tk.start:
            if cur is None or anchors[ai].start >= cur.toks[-1].end:
                new_anchor = True
            last_anchor = anchors[ai]
            ai += 1
        boundary = cur is None or new_anchor or gap
        if cur is not None and not boundary and not merge_lines and tk.line != cur.toks[-1].line:
            if counts.get(tk.line, 0) >= 2 or counts.get(cur.toks[-1].line, 0) >= 2:
                boundary = True
                if cur.toks[-1].line in wrapped and width and len(cur.values) < width \
                        and tk.line == cur.toks[-1].line + 1:
                    boundary = False  # a hard wrap inside a row
        if boundary or cur is None:
            cur = VRow([tk], anchor=last_anchor.row if last_anchor else None)
            if last_anchor is not None:
                cur.anchor_gap = gap and not new_anchor
            rows.append(cur)
        else:
            cur.toks.append(tk)
    return [r for r in rows if r.values]


def find_anchors(t: Text, a: int, b: int, specs, ordered: bool = True) -> list[Anchor]:
    comp = t.compact(a, b)
    s = comp.s
    out = []
    pos = 0
    for i, spec in enumerate(specs):
        m = re.compile(spec.pattern).search(s, pos)
        if not m:
            continue
        x, y = comp.span_to_text(m.start(), m.end())
        out.append(Anchor(i, x, y))
        if ordered:
            pos = m.end()
    return out


def _prov(t: Text, tk_start: int, tk_end: int, html_spans, method: str | None = None, note=None) -> Provenance:
    if method is None:
        method = "html_table" if any(x <= tk_start < y for x, y in html_spans) else "text_table"
    return Provenance(method=method, start=tk_start, end=tk_end, note=note)


# ---------------------------------------------------------------------------------------------
# table 二
# ---------------------------------------------------------------------------------------------


def parse_table2(t: Text, region: tuple[int, int], year: int | None, html_spans=(), prose_numbers=None) -> TableResult:
    a, b = region
    res = TableResult("table 二", region=region)
    comp_view = t.compact(a, b)
    if labels.T2_LAYOUT_2019.search(comp_view.s):
        layout = "2019"
        res.layout_from_labels = True
    elif labels.T2_LAYOUT_2021.search(comp_view.s):
        layout = "2021"
        res.layout_from_labels = True
    else:
        layout = "2019" if year in (2019, 2020) else "2021"
    specs = labels.T2_ROWS_2019 if layout == "2019" else labels.T2_ROWS_2021
    anchors_by_row: dict[int, list[Anchor]] = {}
    for i, spec in enumerate(specs):
        for m in re.finditer(spec.pattern, comp_view.s):
            x, y = comp_view.span_to_text(m.start(), m.end())
            anchors_by_row.setdefault(i, []).append(Anchor(i, x, y))
    all_anchors = sorted((an for lst in anchors_by_row.values() for an in lst), key=lambda z: z.start)
    # "行政规范性文件" contains "规范性文件"; "其他对外管理服务事项" is not "行政许可": drop nested anchors
    all_anchors = [an for an in all_anchors if not any(o is not an and o.start <= an.start and an.end <= o.end
                                                        and (o.end - o.start) > (an.end - an.start) for o in all_anchors)]
    masks = [(an.start, an.end) for an in all_anchors]
    toks, _ = tokenize(t, a, b, masks)
    data = ActiveDisclosure2019() if layout == "2019" else ActiveDisclosure2021()
    res.layout = layout
    found_any = False
    for i, spec in enumerate(specs):
        cols = spec.columns
        res.cells_total += len(cols)
        cands = [an for an in all_anchors if an.row == i]
        values: list[Tok] | None = None
        for an in cands:
            vals = _values_after(t, an, toks, all_anchors)
            if vals:
                values = vals
                break
        if values is None:
            if cands:
                res.warnings.append(Warnings.W121.format(table="table 二", row=spec.label, found=0,
                                                         expected=len(cols), action="cells left null"))
            else:
                res.warnings.append(Warnings.W120.format(table="table 二", row=spec.label))
            continue
        found_any = True
        cells = _fit_row(t, spec, values, res, html_spans, prose_numbers, layout)
        for col, (val, prov) in zip(cols, cells):
            path_obj = getattr(data, spec.key) if col else None
            path = f"active_disclosure.{spec.key}" + (f".{col}" if col else "")
            if val is not None:
                res.cells_found += 1
            if col:
                setattr(path_obj, col, val)
            else:
                setattr(data, spec.key, val)
            if prov is not None:
                res.provenance[path] = prov
    if not found_any:
        res.warnings.append(Warnings.W126.format(table="table 二"))
        if res.layout_from_labels and all_anchors:
            # the table's labels are there but not one figure: keep the layout's keys, every cell null,
            # so a record's keys (and a CSV's columns) do not depend on what a page happened to hold
            res.data = data
        return res
    res.data = data
    return res


def _values_after(t: Text, an: Anchor, toks, anchors) -> list[Tok]:
    """Value tokens directly after a row label, up to the next label text."""
    out: list[Tok] = []
    nxt = min((o.start for o in anchors if o.start >= an.end), default=None)
    prev_end = an.end
    for tk in toks:
        if tk.start < an.end:
            continue
        if nxt is not None and tk.start >= nxt:
            break
        glued_minus = bool(out) and out[-1].kind == "num" and t.match[prev_end:tk.start] in ("-", "−")
        if not glued_minus and _has_text(t, prev_end, tk.start, ()):
            break  # (a minus glued between two figures, `1-10`, is a sign: see _glued_signs)
        out.append(tk)
        prev_end = tk.end
    while out and out[-1].kind == "blank":
        out.pop()
    while out and out[0].kind == "blank":
        out.pop(0)
    return out


def _num_value(tk: Tok, is_float: bool):
    if tk.kind != "num":
        return None
    v = tk.value
    if is_float:
        return float(v)
    if isinstance(v, float):
        return int(v) if v.is_integer() else v
    return v


def _fit_row(t: Text, spec, values: list[Tok], res: TableResult, html_spans, prose_numbers, layout):
    cols = spec.columns
    n = len(cols)
    floats = spec.is_float or (False,) * n
    out: list[tuple] = []
    if "change" in cols:
        values = _glued_signs(t, values)
    nums = [tk for tk in values if tk.kind == "num"]
    # an amount column may end the row with a decimal part: `1973601627.4` is 197 items and
    # 3601627.4 yuan, so the fraction stays with the last cell and only the integer digits are split
    frac = ""
    if values and floats[-1] and values[-1].kind == "num" and values[-1].raw.count(".") == 1:
        frac = values[-1].raw.split(".")[1]
    # a figure printed with a thousands separator (`1,077`) is one figure: it is never split
    if len(values) < n and nums and all(tk.kind == "num" and "." not in tk.raw and "," not in tk.raw
                                        for tk in values[:-1]) and "," not in values[-1].raw \
            and values[-1].kind == "num" and ("." not in values[-1].raw or frac) \
            and sum(len(tk.raw.lstrip("+-")) for tk in values) - (len(frac) + 1 if frac else 0) >= n:
        # glued digits: split, then disambiguate by numbers the prose repeats
        # a run glued after a figure with a minus (`1-10`) starts with a negative cell, which can only
        # be the change column (本年增/减)
        negative = [tk.raw[0] in "-−" for tk in values]
        # the sign is not a digit of the run (a minus is kept apart above; a plus says nothing)
        runs = [(tk.start + 1, tk.raw[1:]) if neg or tk.raw[0] == "+" else (tk.start, tk.raw)
                for tk, neg in zip(values, negative)]
        if frac:
            runs[-1] = (runs[-1][0], runs[-1][1][:-len(frac) - 1])
        splits, complete = glued.split_candidates([r for _, r in runs], n)
        if any(negative):
            splits = [c for c in (_signed(c, runs, negative, cols) for c in splits) if c is not None]
        cands: list[list[int | float]] = [[*c] for c in splits]
        if frac:
            cands = [[*c[:-1], float(f"{c[-1]}.{frac}")] for c in cands]
        bound = ROW_BOUNDS.get(cols)
        kept = [c for c in cands if bound(dict(zip(cols, c)))] if bound and len(cands) > 1 else cands
        if len(cands) == 1 and sum(len(r) for _, r in runs) == n:
            chosen, how = cands[0], None
        elif len(cands) == 1 and complete:
            # '0011' → 0,0,11: no other split avoids a leading zero (a cell is never printed as '01')
            chosen, how = cands[0], "the only split without leading zeros"
        elif len(kept) == 1 and complete:
            chosen, how = kept[0], BOUND_REASON[cols]
        else:
            chosen, how = _pick_by_prose(kept, spec, prose_numbers), "figures repeated in the text"
        digits = "".join(tk.raw for tk in values)
        if chosen is None:
            res.warnings.append(Warnings.W123.format(table="table 二", digits=digits, n=len(cands)))
            _list_unsplit(res, spec, digits, (values[0].start, values[-1].end), kept or cands, complete)
            if not (complete and kept):
                return [(None, None)] * n
            # a cell on which every allowed split agrees is read all the same (`88-720`: 88 either way)
            offs_k = [glued.cell_offsets(runs, [abs(int(v)) for v in c]) for c in kept]
            if frac:  # the decimal part belongs to the last cell's span
                offs_k = [o[:-1] + [(o[-1][0], o[-1][1] + len(frac) + 1)] for o in offs_k]
            for k in range(n):
                same = {c[k] for c in kept}
                spans = {o[k] for o in offs_k}
                if len(same) == 1 and len(spans) == 1:
                    (x, y), v = spans.pop(), kept[0][k]
                    if isinstance(v, int) and v < 0:
                        x -= 1
                    out.append((float(v) if floats[k] else v,
                                _prov(t, x, y, html_spans, "derived", f"the same in every split of glued '{digits}'")))
                else:
                    out.append((None, None))
            return out
        offs = glued.cell_offsets(runs, [abs(int(v)) for v in chosen])
        offs = [(x - 1, y) if isinstance(v, int) and v < 0 else (x, y) for v, (x, y) in zip(chosen, offs)]
        if frac:
            offs[-1] = (offs[-1][0], offs[-1][1] + len(frac) + 1)
        if how:
            res.warnings.append(Warnings.W122.format(table="table 二", digits=digits,
                                                     split=",".join(map(str, chosen)), constraint=how))
        for v, (x, y), fl in zip(chosen, offs, floats):
            out.append((float(v) if fl else v, _prov(t, x, y, html_spans, "derived" if how else None,
                                                    f"split of glued '{digits}'" if how else None)))
        return out
    if len(values) != n:
        action = "first cells used" if len(values) > n else "missing cells left null"
        res.warnings.append(Warnings.W121.format(table="table 二", row=spec.label, found=len(values), expected=n,
                                                 action=action))
    for k in range(n):
        if k < len(values):
            tk = values[k]
            if tk.kind == "na":
                res.warnings.append(Warnings.W125.format(table="table 二", mark=tk.raw,
                                                         path=f"active_disclosure.{spec.key}"))
            v = _num_value(tk, floats[k])
            if isinstance(v, float) and not floats[k]:
                # a count cannot be fractional: an amount glued to a count (采购 '547.9659') or a misread
                # cell; never stored in an integer field
                res.warnings.append(Warnings.W131.format(table="table 二", raw=tk.raw,
                                                         path=f"active_disclosure.{spec.key}" + (f".{cols[k]}" if cols[k] else "")))
                out.append((None, None))
                continue
            out.append((v, _prov(t, tk.start, tk.end, html_spans)))
        else:
            out.append((None, None))
    return out


def _list_unsplit(res: TableResult, spec, digits: str, span: tuple[int, int], cands: list, complete: bool) -> None:
    """Record a run left null with the splits its row allows; cells on which every split agrees are read
    (by the caller) and left out here."""
    if not cands:
        return
    paths = [f"active_disclosure.{spec.key}" + (f".{c}" if c else "") for c in spec.columns]
    floats = spec.is_float or (False,) * len(paths)
    open_ = [k for k in range(len(paths)) if len({c[k] for c in cands}) > 1]
    listed: list[list[int | float]] = []
    for c in cands:
        row = [float(c[k]) if floats[k] else c[k] for k in open_]
        if row not in listed:
            listed.append(row)
    res.unsplit.append(UnsplitRun(paths=[paths[k] for k in open_], digits=digits, start=span[0], end=span[1],
                                  candidates=listed[:UNSPLIT_LISTED],
                                  complete=complete and len(listed) <= UNSPLIT_LISTED))


def _glued_signs(t: Text, values: list[Tok]) -> list[Tok]:
    """`1-10`: a minus glued between two figures is the sign of the second (a change column's negative
    value), not a separator."""
    out: list[Tok] = []
    for tk in values:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "num" and tk.kind == "num" and tk.raw[0].isdigit() \
                and t.match[prev.end:tk.start] in ("-", "−"):
            tk = Tok("num", tk.start - 1, tk.end, tk.line, "-" + tk.raw)
        out.append(tk)
    return out


def _signed(cand: list[int], runs: list[tuple[int, str]], negative: list[bool], cols) -> list[int] | None:
    """A split of unsigned runs with each negative run's first cell negated, or None when that cell is
    not in the change column."""
    out = list(cand)
    k = 0
    for (_, digits), neg in zip(runs, negative):
        if neg:
            if cols[k] != "change":
                return None
            out[k] = -out[k]
        used = 0
        while used < len(digits) and k < len(out):
            used += len(str(out[k]))
            k += 1
    return out


# What the template's arithmetic allows in one row of table 二, used only to choose among the
# splits of a glued digit run (never to judge a value the document prints):
ROW_BOUNDS = {
    # in force now = in force last year (≥ 0) + issued − repealed, so in force ≥ issued − repealed
    ("issued", "repealed", "in_force"): lambda r: r["in_force"] >= r["issued"] - r["repealed"],
    # the total publicly available includes what was newly published this year
    ("made", "published", "total_public"): lambda r: r["total_public"] >= r["published"],
}
BOUND_REASON = {
    ("issued", "repealed", "in_force"): "the only split with in force ≥ issued − repealed",
    ("made", "published", "total_public"): "the only split with total public ≥ newly published",
}


_HINTS = {
    "issued": r"制发|印发|出台|发布|制定|新增", "repealed": r"废止|失效|清理", "in_force": r"现行有效|有效",
    "made": r"制作|制发|印发", "published": r"公开", "total_public": r"公开总|累计",
    "items": r"项目|批次|次|个", "amount": r"金额|资金",
}

# How prose names the thing a row of table 二 counts, where it differs from the row label (the
# report's text says 政府采购…197批次, not 政府集中采购).
_PROSE_SUBJECT = {"procurement": r"采购"}

# Characters before a number in prose that may name what it counts: a clause like
# `行政法规、规章和规范性文件类信息10条` puts the subject up to ~16 characters before the figure.
PROSE_CONTEXT_CHARS = 16


def _pick_by_prose(cands, spec, prose_numbers):
    """The one split whose cells the report's own text repeats next to the row's subject.

    A cell scores 1 for a prose figure equal to it whose preceding words name the row (规范性文件,
    采购 …) and 1 more when they also name its column (废止, 现行有效, 金额 …); the best split is
    taken only when no other scores as high."""
    if not cands or not prose_numbers:
        return None
    subject = re.compile(_PROSE_SUBJECT.get(spec.key, spec.pattern))
    scored = []
    for cand in cands:
        score = 0
        for col, v in zip(spec.columns, cand):
            hint = _HINTS.get(col)
            best = 0
            for num, ctx in prose_numbers:
                if num == v and subject.search(ctx):
                    best = max(best, 2 if hint and re.search(hint, ctx) else 1)
            score += best
        scored.append((score, cand))
    scored.sort(key=lambda x: -x[0])
    if scored[0][0] >= 1 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    return None


def prose_numbers(t: Text, spans: list[tuple[int, int]]) -> list[tuple[int | float, str]]:
    """Numbers in running text with the words before them (for glued-run hints)."""
    out: list[tuple[int | float, str]] = []
    for a, b in spans:
        for m in re.finditer(r"(?<![\d.])(\d+(?:\.\d+)?)(?![\d.])", t.match[a:b]):
            raw = m.group(1)
            num = float(raw) if "." in raw else int(raw)
            out.append((num, t.match[a + max(0, m.start() - PROSE_CONTEXT_CHARS):a + m.start()]))
    return out


# ---------------------------------------------------------------------------------------------
# table 三
# ---------------------------------------------------------------------------------------------


def parse_table3(t: Text, region: tuple[int, int], year: int | None, html_spans=(), hint: str | None = None) -> TableResult:
    a, b = region
    res = TableResult("table 三", region=region)
    comp = t.compact(a, b).s
    if labels.T3_LAYOUT_2021.search(comp):
        layout = "2021"
        res.layout_from_labels = True
    elif re.search(r"其他处理", comp):
        layout = "2019"  # a single （六）其他处理 row
        res.layout_from_labels = True
    elif hint in ("2019", "2021"):
        layout = hint  # the table is cut off before （六）: follow table 二's layout
    else:
        layout = "2019" if year in (2019, 2020) else "2021"
    specs = labels.T3_ROWS_2021 if layout == "2021" else labels.T3_ROWS_2019
    anchors = find_anchors(t, a, b, specs)
    masks = [(an.start, an.end) for an in anchors]
    toks, gaps = tokenize(t, a, b, masks)
    ncol = len(APPLICANT_COLUMNS)
    vrows = value_rows(toks, gaps, anchors, wrapped=wrapped_lines(t, a, b), width=ncol)
    res.layout = layout
    res.cells_total = len(specs) * ncol
    if not vrows or not anchors:
        res.warnings.append(Warnings.W126.format(table="table 三"))
        return res
    matched = _align(vrows, len(specs), ncol)
    if not matched:
        res.warnings.append(Warnings.W126.format(table="table 三"))
        return res
    data = Applications2021() if layout == "2021" else Applications2019()
    rows: dict[int, list] = {}  # row index -> list of (value, Provenance|None)
    pending_glued: dict[int, tuple] = {}
    eight: dict[int, list[Tok]] = {}
    stray = [v for i, v in enumerate(vrows) if i not in matched.values() and len(v.values) < 5]
    # a row the page is cut off in is not "left empty": never derive its cells
    cut_row = None
    if matched:
        last_r = max(matched, key=lambda r: vrows[matched[r]].start)
        if not re.sub(r"[\s|]", "", t.text[vrows[matched[last_r]].toks[-1].end:]):
            cut_row = last_r
    for r, vi in sorted(matched.items()):
        v = vrows[vi]
        vals = v.values
        nums = [tk for tk in vals if tk.kind == "num"]
        digits = sum(len(tk.raw) for tk in nums)
        zeros_split = _split_leading_zeros(vals) if len(vals) < ncol else None
        if zeros_split is not None and len(zeros_split) == ncol and (
                digits == ncol or _row_sum_ok([v for v, *_ in zeros_split])):
            # '1 0 0 0 0 01': no cell is printed with a leading zero, so '01' is two cells glued, 0 and 1
            # (one digit per cell, as in '00 0 0 00 0', is a plain reading, not a derivation)
            glued_raw = " ".join(tk.raw for tk in vals)
            trivial = digits == ncol
            rows[r] = [(v, _prov(t, x, y, html_spans, None if trivial or not g else "derived",
                                 None if trivial or not g else f"split of glued '{glued_raw}'"))
                       for v, x, y, g in zeros_split]
            if not trivial:
                res.warnings.append(Warnings.W122.format(table="table 三", digits=glued_raw,
                                                         split=",".join(str(v) for v, *_ in zeros_split),
                                                         constraint="no cell printed with a leading zero"))
            continue
        if len(nums) == len(vals) == 2 and digits == ncol - 1 and all(set(tk.raw) == {"0"} for tk in nums):
            # '0 00000': seven cells of glued zeros with one gap; each '0' is a cell and the gap is the
            # one empty cell (a blank between filled cells is NA)
            cells: list = []
            for k, tk in enumerate(nums):
                cells += [(0, _prov(t, tk.start + i, tk.start + i + 1, html_spans)) for i in range(len(tk.raw))]
                if k == 0:
                    cells.append((None, None))
            rows[r] = cells
            res.warnings.append(Warnings.W133.format(table="table 三", row=specs[r].label,
                                                     raw=" ".join(tk.raw for tk in nums)))
            continue
        if len(nums) == len(vals) == 1 and digits == ncol - 1 and set(nums[0].raw) == {"0"}:
            # '000000' for seven cells: six zeros and one blank cell, glued; which cell is blank the text
            # does not say, so none is read (a zero run is never one cell: a cell has no leading zero)
            tk = nums[0]
            res.warnings.append(Warnings.W123.format(table="table 三", digits=tk.raw, n=ncol))
            res.unsplit.append(UnsplitRun(
                paths=[f"applications.{specs[r].key}.{c}" for c in APPLICANT_COLUMNS], digits=tk.raw,
                start=tk.start, end=tk.end,
                candidates=[[None if k == blank else 0 for k in range(ncol)] for blank in range(ncol)]))
            rows[r] = [(None, None)] * ncol
            continue
        if len(vals) < ncol - 1 and nums and len(nums) == len(vals) and digits >= ncol \
                and all(tk.raw.isdigit() for tk in nums):
            runs = [(tk.start, tk.raw) for tk in nums]
            cands, complete = glued.split_candidates([x for _, x in runs], ncol, _row_sum_ok)
            pending_glued[r] = (runs, cands)
            continue
        if len(vals) == ncol + 1:
            eight[r] = vals
            continue
        rows[r] = _cells(t, vals, ncol, html_spans)
        if len(vals) != ncol:
            res.warnings.append(Warnings.W121.format(
                table="table 三", row=specs[r].label, found=len(vals), expected=ncol,
                action="first cells used" if len(vals) > ncol else "missing cells left null"))
    if eight:
        _resolve_extra_column(t, eight, rows, res, html_spans, ncol)
    if pending_glued:
        _resolve_glued(t, pending_glued, rows, specs, layout, res, html_spans, ncol)
    if stray:
        shown = [",".join(tk.raw for tk in v.values) for v in stray][:5]
        res.warnings.append(Warnings.W124.format(table="table 三", n=len(stray), values="; ".join(shown)))
    for r, spec in enumerate(specs):
        if r not in rows:
            res.warnings.append(Warnings.W120.format(table="table 三", row=spec.label))
            continue
        if r != cut_row:
            rows[r] = _derive_total(rows[r], f"applications.{spec.key}.total", res)
        _store(res, getattr(data, spec.key), f"applications.{spec.key}", APPLICANT_COLUMNS, rows[r])
    res.data = data
    return res


def _store(res: TableResult, obj, prefix: str, columns, cells: list[tuple]) -> None:
    """Put (value, provenance) cells into a row object, counting what was found."""
    for col, (val, prov) in zip(columns, cells):
        setattr(obj, col, val)
        if val is not None:
            res.cells_found += 1
        if prov is not None:
            res.provenance[f"{prefix}.{col}"] = prov


def _derive_total(cells: list[tuple], path: str, res: TableResult) -> list[tuple]:
    """A total the document leaves empty (not an NA mark), with every part given: computed, marked derived."""
    *parts, (total, prov) = cells
    if total is not None or prov is not None or any(v is None for v, _ in parts):
        return cells
    value = sum(v for v, _ in parts)
    res.warnings.append(Warnings.W129.format(path=path, value=value))
    return parts + [(value, row_sum_provenance())]


def _row_sum_ok(vals: list[int]) -> bool:
    return sum(vals[:-1]) == vals[-1]


def _split_leading_zeros(vals: list[Tok]) -> list[tuple[int, int, int, bool]] | None:
    """Cells of a row whose tokens include digits with a leading zero ('01', '003'): each leading
    zero is a cell of its own, the rest one cell.  (value, start, end, was_split) per cell, or None
    when no token has a leading zero or the row holds anything but whole numbers."""
    if not vals or not all(tk.kind == "num" and tk.raw.isdigit() for tk in vals):
        return None
    if not any(len(tk.raw) > 1 and tk.raw[0] == "0" for tk in vals):
        return None
    out = []
    for tk in vals:
        raw, pos = tk.raw, tk.start
        split = len(raw) > 1 and raw[0] == "0"
        while len(raw) > 1 and raw[0] == "0":
            out.append((0, pos, pos + 1, True))
            raw, pos = raw[1:], pos + 1
        out.append((int(raw), pos, tk.end, split))
    return out


def _cells(t: Text, vals: list[Tok], n: int, html_spans) -> list[tuple]:
    out = []
    for k in range(n):
        if k < len(vals):
            tk = vals[k]
            v = tk.value if tk.kind == "num" else None
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            prov = None
            if tk.kind != "blank":
                prov = _prov(t, tk.start, tk.end, html_spans, note=f"NA mark '{tk.raw}'" if tk.kind == "na" else None)
            out.append((v, prov))
        else:
            out.append((None, None))
    return out


# `_align` matches rows of figures to the template's rows in order, as many as it can, and only then
# lets the labels decide where rows are skipped: a matched row is worth more than every label bonus of
# the table together. A PDF or markdown conversion prints a multi-line label's figures above or below
# it, so the label before a row of figures is often not its own; the order of the rows of figures is.
ANCHOR_BONUS = 2.0  # the label just before a row of figures is this row's
ANCHOR_BONUS_GAP = 1.5  # ... with other text between the label and the figures


def _align(vrows: list[VRow], nrows: int, ncol: int) -> dict[int, int]:
    """Monotone alignment of value rows to template rows (row index -> vrow index)."""

    def usable(v: VRow) -> float:
        vals = v.values
        k = len(vals)
        if ncol - 1 <= k <= ncol + 1:
            return 1.0
        nums = [tk for tk in vals if tk.kind == "num"]
        if nums and len(nums) == k and k < ncol and sum(len(tk.raw) for tk in nums) >= ncol \
                and all(tk.raw.isdigit() for tk in nums):
            return 0.9  # glued digits
        if nums and len(nums) == k < ncol and sum(len(tk.raw) for tk in nums) == ncol - 1 \
                and all(set(tk.raw) == {"0"} for tk in nums):
            return 0.6  # glued zeros with one gap for the empty cell (see parse_table3)
        if ncol - 3 <= k < ncol - 1:
            return 0.3
        return 0.0

    m, n = len(vrows), nrows
    match_reward = ANCHOR_BONUS * n + 1.0
    base = [usable(v) for v in vrows]
    NEG = -1e9
    f = [[0.0] * (n + 1) for _ in range(m + 1)]
    back = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 and j == 0:
                continue
            best, arg = NEG, 0
            if i > 0 and f[i - 1][j] > best:
                best, arg = f[i - 1][j], 1
            if j > 0 and f[i][j - 1] > best:
                best, arg = f[i][j - 1], 2
            if i > 0 and j > 0 and base[i - 1] > 0:
                v = vrows[i - 1]
                s = base[i - 1] + match_reward
                if v.anchor == j - 1:
                    s += ANCHOR_BONUS if not v.anchor_gap else ANCHOR_BONUS_GAP
                sc = f[i - 1][j - 1] + s
                if sc > best:
                    best, arg = sc, 3
            f[i][j] = best
            back[i][j] = arg
    out: dict[int, int] = {}
    i, j = m, n
    while i > 0 or j > 0:
        arg = back[i][j]
        if arg == 3:
            out[j - 1] = i - 1
            i, j = i - 1, j - 1
        elif arg == 1:
            i -= 1
        else:
            j -= 1
    return out


def _resolve_extra_column(t, eight: dict[int, list[Tok]], rows, res, html_spans, ncol):
    """Rows with one value too many: drop the same column everywhere, chosen by the row sums."""
    best_p, best_ok = ncol, -1
    for p in [ncol] + list(range(ncol)):
        ok = 0
        for vals in eight.values():
            kept = [tk for k, tk in enumerate(vals) if k != p]
            nums = [tk.value for tk in kept]
            if all(isinstance(x, (int, float)) for x in nums) and sum(nums[:-1]) == nums[-1]:
                ok += 1
        if ok > best_ok:
            best_p, best_ok = p, ok
    for r, vals in eight.items():
        kept = [tk for k, tk in enumerate(vals) if k != best_p]
        rows[r] = _cells(t, kept, ncol, html_spans)
    how = ("the last value" if best_p == ncol else f"value {best_p + 1}") + \
          f" dropped; row totals agree in {best_ok} of {len(eight)} rows"
    res.warnings.append(Warnings.W128.format(table="table 三", n=len(eight), how=how))


def _resolve_glued(t, pending, rows, specs, layout, res, html_spans, ncol):
    """Pick splits of glued rows; when a row has several, let the column sums decide."""
    keys = [s.key for s in specs]
    results = labels.T3_RESULT_ROWS_2021 if layout == "2021" else labels.T3_RESULT_ROWS_2019
    ambiguous = {r: c for r, (_, c) in pending.items() if len(c) > 1}
    fixed = {r: c[0] for r, (_, c) in pending.items() if len(c) == 1}

    def table_with(choice: dict[int, list[int]]):
        grid = {}
        for r, cells in rows.items():
            grid[keys[r]] = [v for v, _ in cells]
        for r, vals in {**fixed, **choice}.items():
            grid[keys[r]] = vals
        return grid

    def col_score(grid) -> int:
        """How many of the columns' reconciliation checks (balance, results sum) hold."""
        ok = 0
        for c in range(ncol):
            try:
                nr, co, tp, cf = (grid[k][c] for k in ("new_received", "carried_over", "total_processed",
                                                        "carried_forward"))
                left, right = balance_sides(nr, co, tp, cf)
                if left is not None and left == right:
                    ok += 1
                parts = total_of([grid[k][c] for k in results])
                if parts is not None and tp is not None and parts == tp:
                    ok += 1
            except KeyError:
                continue
        return ok

    chosen: dict[int, list[int]] = {}
    if ambiguous:
        import itertools

        items = list(ambiguous.items())
        combos = 1
        for _, c in items:
            combos *= len(c)
        if combos <= 5000:
            best = None
            for pick in itertools.product(*[c for _, c in items]):
                choice = {r: list(v) for (r, _), v in zip(items, pick)}
                sc = col_score(table_with(choice))
                if best is None or sc > best[0]:
                    best = (sc, choice, 1)
                elif sc == best[0]:
                    best = (sc, best[1], best[2] + 1)
            if best and best[2] == 1:
                chosen = best[1]
    for r, (runs, cands) in pending.items():
        digits = "".join(x for _, x in runs)
        vals = fixed.get(r) or chosen.get(r)
        if vals is None:
            res.warnings.append(Warnings.W123.format(table="table 三", digits=digits, n=len(cands)))
            rows[r] = [(None, None)] * ncol
            continue
        offs = glued.cell_offsets(runs, vals)
        trivially = len(digits) == ncol and len(cands) == 1
        constraint = "the row total" if r in fixed else "the row total and the column sums"
        if not trivially:
            res.warnings.append(Warnings.W122.format(table="table 三", digits=digits,
                                                     split=",".join(map(str, vals)), constraint=constraint))
        rows[r] = [(v, _prov(t, x, y, html_spans, None if trivially else "derived",
                             None if trivially else f"split of glued '{digits}' using {constraint}"))
                   for v, (x, y) in zip(vals, offs)]


# ---------------------------------------------------------------------------------------------
# table 四
# ---------------------------------------------------------------------------------------------


def parse_table4(t: Text, region: tuple[int, int], html_spans=()) -> TableResult:
    a, b = region
    res = TableResult("table 四", region=region)
    res.cells_total = 15
    comp = t.compact(a, b)
    heads = list(labels.T4_HEADER_WORDS.finditer(comp.s))
    if not heads:
        res.warnings.append(Warnings.W126.format(table="table 四"))
        return res
    start = comp.span_to_text(heads[0].start(), heads[0].end())[0]
    toks, gaps = tokenize(t, start, b)
    seq = _first_run(t, toks, gaps, 15)
    vals: list[tuple] | None = None
    if seq is not None:
        if len(seq) > 15:
            res.warnings.append(Warnings.W121.format(table="table 四", row="all", found=len(seq), expected=15,
                                                     action="first 15 used"))
        vals = _cells(t, seq[:15], 15, html_spans)
    else:
        vals = _table4_glued(t, toks, gaps, res, html_spans)
    if vals is None:
        res.warnings.append(Warnings.W126.format(table="table 四"))
        return res
    data = ReviewLitigation()
    vals = [c for g in range(3) for c in _derive_total(vals[g * 5:g * 5 + 5],
                                                        f"review_litigation.{labels.T4_GROUPS[g]}.total", res)]
    for gi, group in enumerate(labels.T4_GROUPS):
        _store(res, getattr(data, group), f"review_litigation.{group}", labels.T4_COLUMNS, vals[gi * 5:gi * 5 + 5])
    res.data = data
    return res


def _first_run(t, toks, gaps, n) -> list[Tok] | None:
    """First run of n value tokens with nothing but separators (or short labels) between them."""
    for allow_short_text in (False, True):
        run: list[Tok] = []
        for tk, gap in zip(toks, gaps):
            if tk.kind == "blank":
                continue
            if run and gap:
                seg = t.match[run[-1].end:tk.start]
                if not allow_short_text or len(re.sub(r"\s", "", seg)) > 8:
                    if len(run) >= n:
                        return run
                    run = []
            run.append(tk)
        if len(run) >= n:
            return run
    return None


def _table4_glued(t, toks, gaps, res, html_spans):
    nums = [tk for tk in toks if tk.kind == "num" and tk.raw.isdigit()]
    for i in range(len(nums)):
        for j in range(i + 1, min(len(nums), i + 15) + 1):
            group = nums[i:j]
            if any(gaps[toks.index(tk)] for tk in group[1:]):
                break
            digits = sum(len(tk.raw) for tk in group)
            if digits < 15:
                continue
            runs = [(tk.start, tk.raw) for tk in group]

            def ok(v):
                return all(sum(v[g * 5:g * 5 + 4]) == v[g * 5 + 4] for g in range(3))

            cands, _ = glued.split_candidates([x for _, x in runs], 15, ok)
            if len(cands) == 1:
                dg = "".join(x for _, x in runs)
                derived = digits != 15
                if derived:
                    res.warnings.append(Warnings.W122.format(table="table 四", digits=dg,
                                                             split=",".join(map(str, cands[0])),
                                                             constraint="the group totals"))
                offs = glued.cell_offsets(runs, cands[0])
                return [(v, _prov(t, x, y, html_spans, "derived" if derived else None,
                                  f"split of glued '{dg}'" if derived else None)) for v, (x, y) in zip(cands[0], offs)]
            if cands:
                res.warnings.append(Warnings.W123.format(table="table 四", digits="".join(x for _, x in runs),
                                                         n=len(cands)))
                return None
            break
    return None
