"""Copies of one report: a glued run one copy leaves unsplit, another copy may print cell by cell.

Crawls often hold a report twice (the page as text and as HTML, a mirror, an attachment). When two
records of one body and year agree on every cell both read, they are taken for copies of one
report; a digit run one of them could not split (`Record.unsplit`, several splits fit its row) is
split as the other copy prints it, but only when those figures are one of the splits its own digits
allow. The filled cells are marked `derived` with a note naming the copy, and a warning (W163) says
so in the record and in the panel's notes. Records that disagree on any cell are left alone: they
stay a conflict (build.py), and nothing is chosen between them.
"""

from __future__ import annotations

from xxgk.errors import Warnings
from xxgk.record import Provenance, Record, UnsplitRun, figure_text, get_path, table_cells


def same_figures(a: Record, b: Record) -> bool:
    """Same layout, and no cell read by both with different values (at least one read by both)."""
    if a.format != b.format:
        return False
    ca, cb = table_cells(a), table_cells(b)
    both = [p for p in ca if ca[p] is not None and cb.get(p) is not None]
    return bool(both) and all(ca[p] == cb[p] for p in both)


def fill_run(rec: Record, run: UnsplitRun, values: list, note: str) -> None:
    """Put a split of an unsplit run into the record's cells, each marked `derived` with its offsets and
    `note`; a blank cell of the split (a run shorter than its row) stays null."""
    for path, v, (x, y) in zip(run.paths, values, run.cell_offsets(values)):
        if v is None:
            continue
        parent_path, _, leaf = path.rpartition(".")
        setattr(get_path(rec, parent_path), leaf, v)
        rec.provenance[path] = Provenance(method="derived", start=x, end=y, note=note)


def fill_from_copies(records: list[Record]) -> list[str]:
    """Fill each record's unsplit runs from another record of the same body and year; returns the notes."""
    notes: list[str] = []
    for rec in records:
        copies = [o for o in records if o is not rec and same_figures(rec, o)]
        if not copies or not rec.unsplit:
            continue
        left: list[UnsplitRun] = []
        for run in rec.unsplit:
            filled = False
            if any(get_path(rec, p) is not None for p in run.paths):
                left.append(run)  # a reviewer has given some of its cells: theirs stand
                continue
            for copy in copies:
                values = [get_path(copy, p) for p in run.paths]
                if all(v is None for v in values) or not run.allows(values):
                    continue
                fill_run(rec, run, values,
                         f"split of glued '{run.digits}' as {copy.source} prints it (a copy of the same report)")
                msg = Warnings.W163.format(paths=", ".join(run.paths), digits=run.digits,
                                           split=",".join(map(figure_text, values)), copy=copy.source, source=rec.source)
                rec.warnings.append(msg)
                notes.append(msg)
                filled = True
                break
            if not filled:
                left.append(run)
        rec.unsplit = left
    return notes

