"""Splitting digit runs that a crawler glued together: `713000074` → 71,3,0,0,0,0,74.

A run is split into cells without leading zeros (a cell `0` is fine, `03` is not); among the
splits, only those satisfying the table's own constraint (a row total, a group total) are
kept.  The search is bounded so that no input can make it run long: runs longer than
`MAX_DIGITS` or searches past `MAX_STATES` give up and report ambiguity instead.
"""

from __future__ import annotations

from typing import Callable, Iterator

MAX_DIGITS = 48
MAX_STATES = 200_000


class SearchLimit(Exception):
    pass


def _splits_of(s: str, k: int, budget: list[int]) -> Iterator[list[str]]:
    """All ways to cut s into k cells without leading zeros."""
    budget[0] -= 1
    if budget[0] < 0:
        raise SearchLimit
    if k == 1:
        if len(s) == 1 or s[0] != "0":
            yield [s]
        return
    if len(s) < k:
        return
    if s[0] == "0":
        for rest in _splits_of(s[1:], k - 1, budget):
            yield ["0"] + rest
        return
    for i in range(1, len(s) - k + 2):
        for rest in _splits_of(s[i:], k - 1, budget):
            yield [s[:i]] + rest


def split_candidates(runs: list[str], n: int, check: Callable[[list[int]], bool] | None = None,
                     limit: int = 50) -> tuple[list[list[int]], bool]:
    """Splits of the digit runs (in order) into n cells passing `check`.

    Returns (candidates as lists of ints with the run each cell came from implied by order,
    complete) where complete is False when the search hit its bounds.
    """
    if not runs or sum(len(r) for r in runs) < n or sum(len(r) for r in runs) > MAX_DIGITS or len(runs) > n:
        return [], True
    budget = [MAX_STATES]
    out: list[list[int]] = []

    def rec(i: int, left: int, acc: list[str]) -> None:
        if len(out) >= limit:
            return
        if i == len(runs):
            if left == 0:
                vals = [int(x) for x in acc]
                if check is None or check(vals):
                    out.append(vals)
            return
        remaining = runs[i + 1:]
        min_rest = len(remaining)
        max_rest = sum(len(r) for r in remaining)
        for k in range(1, len(runs[i]) + 1):
            if not (min_rest <= left - k <= max_rest):
                continue
            for parts in _splits_of(runs[i], k, budget):
                rec(i + 1, left - k, acc + parts)

    try:
        rec(0, n, [])
    except SearchLimit:
        return out, False
    return out, True


def cell_offsets(runs: list[tuple[int, str]], values: list[int]) -> list[tuple[int, int]]:
    """Text offsets of each cell of a split, given (start, digits) of each run."""
    spans = []
    vi = 0
    for start, digits in runs:
        pos = 0
        while pos < len(digits) and vi < len(values):
            w = len(str(values[vi]))
            spans.append((start + pos, start + pos + w))
            pos += w
            vi += 1
    return spans
