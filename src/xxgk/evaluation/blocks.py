"""A fixture's text as the harness's writers lay it out (PDF, DOCX, HTML, .doc): lines, and runs of
tab-separated lines as tables with one grid.

A table's grid has as many columns as its longest row (trailing empty cells are no columns). A shorter
row's first cell spans the columns it lacks, so its figures stay under the table's value columns, as
the template's tables merge their row labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Table:
    rows: list[list[str]]
    grid: int

    def columns(self, cells: list[str]) -> list[tuple[int, int]]:
        """(first column, columns spanned) of each cell of one of the table's rows."""
        span = self.grid - len(cells) + 1
        return [(0, span)] + [(span + k, 1) for k in range(len(cells) - 1)]


def blocks(text: str) -> Iterator[str | Table]:
    """The lines of `text`, each run of tab-separated lines as one Table."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if "\t" not in lines[i]:
            yield lines[i]
            i += 1
            continue
        j = i
        while j < len(lines) and "\t" in lines[j]:
            j += 1
        rows = [ln.rstrip("\t ").split("\t") for ln in lines[i:j]]
        yield Table(rows, max(len(r) for r in rows))
        i = j
