"""Compare two record JSONL files document by document, value path by value path.

    python bench/compare_records.py before.jsonl after.jsonl [--ignore KEY ...] [--intended NAME ...]
                                    [--allow FILE]

Records are matched by `doc_id` (by `doc_id` and `source` where a doc_id repeats, as file stems do
across corpus folders).  Every difference is printed as `doc_id  path: before → after`; the exit
code is 1 on any difference that is neither ignored nor an intended change, else 0.

  --ignore KEY      a dotted value path to leave out, `*` matching one step (a key or a list index):
                    `producer`, `sections.*.confidence`
  --intended NAME   a change made on purpose, accepted only in its exact form (see INTENDED):
                    model-section-confidence: a section found by the tagger published its ranking
                    score as `confidence` (1 + p under --system model, 2 + 2p combined); after the
                    fix it publishes p itself, in [0, 1]
  --allow FILE      differences made on purpose in named documents: lines `DOC_KEY PATH  # why`
                    (DOC_KEY as this script prints it; PATH as printed, or a pattern as for --ignore)
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def _model_section_confidence(path: str, before: Any, after: Any, rec_before: dict) -> bool:
    parts = path.split(".")
    if len(parts) != 3 or parts[0] != "sections" or parts[2] != "confidence":
        return False
    section = rec_before["sections"][int(parts[1])]
    if section.get("method") != "model" or not isinstance(before, (int, float)) or not isinstance(after, (int, float)):
        return False
    if not 0.0 <= after <= 1.0 or before <= 1.0:
        return False
    return abs((before - 1.0) - after) <= 0.0011 or abs((before - 2.0) / 2.0 - after) <= 0.0011


INTENDED: dict[str, Callable[[str, Any, Any, dict], bool]] = {
    "model-section-confidence": _model_section_confidence,
}


def load(path: Path) -> dict[str, dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts: dict[str, int] = {}
    for r in records:
        counts[r["doc_id"]] = counts.get(r["doc_id"], 0) + 1
    out = {}
    for r in records:
        key = r["doc_id"] if counts[r["doc_id"]] == 1 else f"{r['doc_id']}@{r.get('source')}"
        out[key] = r
    return out


def diffs(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, before, after) for every leaf that differs; a missing key or list item is `<absent>`."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in b:
                yield sub, a[k], "<absent>"
            elif k not in a:
                yield sub, "<absent>", b[k]
            else:
                yield from diffs(a[k], b[k], sub)
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            sub = f"{path}.{i}" if path else str(i)
            if i >= len(b):
                yield sub, a[i], "<absent>"
            elif i >= len(a):
                yield sub, "<absent>", b[i]
            else:
                yield from diffs(a[i], b[i], sub)
    elif a != b or type(a) is not type(b):
        yield path, a, b


def ignored(path: str, patterns: list[str]) -> bool:
    steps = path.split(".")
    for pat in patterns:
        pp = pat.split(".")
        if len(pp) <= len(steps) and all(fnmatch.fnmatchcase(s, p) for s, p in zip(steps, pp)):
            return True  # a pattern also covers everything below the path it names
    return False


def load_allowed(path: Path | None) -> dict[str, list[str]]:
    """DOC_KEY → path patterns allowed to differ, from an --allow file."""
    allowed: dict[str, list[str]] = {}
    if path is None:
        return allowed
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, pat = line.split()
            allowed.setdefault(key, []).append(pat)
    return allowed


def compare(before: dict[str, dict], after: dict[str, dict], ignore: list[str], intended: list[str],
            out=sys.stdout, allowed: dict[str, list[str]] | None = None) -> tuple[int, int]:
    """(unexpected differences, intended differences), printing each."""
    allowed = allowed or {}
    bad = ok = 0
    for key in sorted(set(before) | set(after)):
        if key not in after:
            print(f"{key}  only in the first file", file=out)
            bad += 1
            continue
        if key not in before:
            print(f"{key}  only in the second file", file=out)
            bad += 1
            continue
        for path, x, y in diffs(before[key], after[key]):
            if ignored(path, ignore):
                continue
            why = next((n for n in intended if INTENDED[n](path, x, y, before[key])), None)
            if why is None and ignored(path, allowed.get(key, [])):
                why = "listed in --allow"
            if why:
                ok += 1
                print(f"{key}  {path}: {x!r} → {y!r}  (intended: {why})", file=out)
            else:
                bad += 1
                print(f"{key}  {path}: {json.dumps(x, ensure_ascii=False)[:200]} → "
                      f"{json.dumps(y, ensure_ascii=False)[:200]}", file=out)
    return bad, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--ignore", action="append", default=[], metavar="KEY")
    ap.add_argument("--intended", action="append", default=[], choices=sorted(INTENDED))
    ap.add_argument("--allow", type=Path, default=None, metavar="FILE")
    ap.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")
    args = ap.parse_args(argv)
    a, b = load(args.before), load(args.after)
    sink = io.StringIO() if args.quiet else sys.stdout
    bad, ok = compare(a, b, args.ignore, args.intended, out=sink, allowed=load_allowed(args.allow))
    print(f"{len(a)} / {len(b)} records; {bad} unexpected difference(s), {ok} intended")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
