"""Printed lines with their characters' positions → lines of text, for inputs that place characters on
a page (PDF, OFD) rather than write lines.

An empty table cell leaves nothing on a printed page, so a row with a blank cell would read one value
short and its figures would slide into the wrong columns. Where the document's other rows show where
the columns are (`table_columns`), such a row is written with tabs, its blank cells empty
(`规章\t0\t\t12`), as the table parsers read a tab-separated row.

A printed line is a dict: `text` (the line as read) and `chars`, each `{"text", "x0", "x1"}` in reading
order (pdfplumber's `extract_text_lines` gives this shape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# what a table cell holds: a figure, or a mark for "not applicable"
_VALUE = re.compile(r"[+\-−]?\d+(?:,\d{3})*(?:\.\d+)?|[-—–－/／]{1,3}|无")
# a gap between two characters wider than this share of their mean width separates two words
WORD_GAP = 0.25
# a row's figure belongs to a column when its centre is within this share of the columns' pitch
COLUMN_TOLERANCE = 0.35
# columns are trusted when this many rows fill every one of them
MIN_FULL_ROWS = 2
# a short row is repaired only inside its table: no further than this many printed lines from the first
# or last row that fills the columns (another table whose columns happen to line up stays as it is)
TABLE_REACH = 3
# at most a third of a row's cells may be blank: a row of two figures under seven columns is another
# table's row whose columns happen to line up, not a row of five blanks
BLANK_SHARE = 1 / 3


@dataclass
class _Row:
    page: int
    line: int
    at: int  # the line's number in the whole document
    label: str  # the words before the figures
    values: list[str]
    centres: list[float]


@dataclass
class _Columns:
    centres: list[float]
    full: list[int] = field(default_factory=list)  # where the rows that fill every column are
    short: list[tuple[_Row, list[int]]] = field(default_factory=list)  # a short row and its figures' columns

    def place(self, row: _Row) -> list[int] | None:
        """The column of each of the row's figures, in order, or None when they do not fit the columns."""
        cs = self.centres
        pitch = min((b - a for a, b in zip(cs, cs[1:])), default=0.0)
        if pitch <= 0:
            return None
        tol = COLUMN_TOLERANCE * pitch
        out: list[int] = []
        for c in row.centres:
            k = min(range(len(cs)), key=lambda i: abs(cs[i] - c))
            if abs(cs[k] - c) > tol or (out and k <= out[-1]):
                return None
            out.append(k)
        return out


def _words(chars: list[dict]) -> list[tuple[str, float, float]]:
    """(text, x0, x1) of the words of one printed line: runs of characters without a space or a gap."""
    out: list[tuple[str, float, float]] = []
    cur: list[dict] = []
    for ch in chars:
        if not ch["text"].strip():
            if cur:
                out.append(("".join(c["text"] for c in cur), cur[0]["x0"], cur[-1]["x1"]))
            cur = []
            continue
        if cur:
            prev = cur[-1]
            mean = ((prev["x1"] - prev["x0"]) + (ch["x1"] - ch["x0"])) / 2
            if ch["x0"] - prev["x1"] > WORD_GAP * mean:
                out.append(("".join(c["text"] for c in cur), cur[0]["x0"], cur[-1]["x1"]))
                cur = []
        cur.append(ch)
    if cur:
        out.append(("".join(c["text"] for c in cur), cur[0]["x0"], cur[-1]["x1"]))
    return out


def _row(page: int, line: int, at: int, chars: list[dict]) -> _Row | None:
    """A printed line as a table row: the figures (two or more) that end it, after its label."""
    words = _words(chars)
    k = len(words)
    while k > 0 and _VALUE.fullmatch(words[k - 1][0]):
        k -= 1
    values = words[k:]
    if len(values) < 2:
        return None
    return _Row(page, line, at, " ".join(w[0] for w in words[:k]), [w[0] for w in values],
                [(w[1] + w[2]) / 2 for w in values])


def table_columns(rows: list[_Row]) -> list[_Columns]:
    """Column sets of the document's tables, from the rows that fill most cells; each shorter row whose
    figures sit under columns of a set is listed in it with its figures' columns."""
    sets: list[_Columns] = []
    for row in sorted(rows, key=lambda r: -len(r.values)):
        for cols in sets:
            placed = cols.place(row)
            if placed is None:
                continue
            if len(placed) == len(cols.centres):
                cols.full.append(row.at)
            else:
                cols.short.append((row, placed))
            break
        else:
            if len(row.values) >= 3:
                sets.append(_Columns(list(row.centres), [row.at]))
    return sets


def with_blank_cells(pages: list[list[dict]]) -> tuple[list[list[str]], int]:
    """Each page's lines of text, the short rows of trusted column sets written with tabs; and how many
    rows were."""
    texts = [[ln["text"] for ln in lines] for lines in pages]
    rows: list[_Row] = []
    at = 0
    for p, lines in enumerate(pages):
        for i, ln in enumerate(lines):
            r = _row(p, i, at, ln.get("chars") or [])
            if r is not None:
                rows.append(r)
            at += 1
    repaired = 0
    for cols in table_columns(rows):
        if len(cols.full) < MIN_FULL_ROWS:
            continue
        lo, hi = min(cols.full) - TABLE_REACH, max(cols.full) + TABLE_REACH
        max_blank = max(1, int(len(cols.centres) * BLANK_SHARE))
        for row, placed in cols.short:
            if not lo <= row.at <= hi or len(cols.centres) - len(placed) > max_blank:
                continue
            cells = [""] * len(cols.centres)
            for k, v in zip(placed, row.values):
                cells[k] = v
            texts[row.page][row.line] = "\t".join([row.label, *cells])
            repaired += 1
    return texts, repaired
