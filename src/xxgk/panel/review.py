"""The review loop: a person's decisions on checks and values, kept in a JSONL file and applied to records.

One decision per line:

    {"document": "<doc_id or source>", "check": "<rule>" | "path": "<value path>",
     "decision": "confirm" | "dismiss" | "correct", "value": <corrected value, for correct>,
     "reviewer": "...", "note": "...", "time": "<ISO time>"}

A decision never hides what the document says: a dismissed or confirmed check keeps its computed
status and gains a `review` mark; a corrected value gets provenance method `reviewed` with the
document's value in `original`, and the record a W160 warning.  Cross-year checks (rules starting
with `cross_year.`) are named by the later year's document.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from xxgk.errors import Errors, Warnings, XXGKError
from xxgk.record import Check, Provenance, Record, ReviewMark, UnsplitRun, figure_text, get_path

CROSS_YEAR_PREFIX = "cross_year."
# value paths a correction may touch: the three tables' cells (meta and checks are not figures)
CORRECTABLE_ROOTS = ("active_disclosure.", "applications.", "review_litigation.")


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str
    check: Optional[str] = None
    path: Optional[str] = None
    decision: Literal["confirm", "dismiss", "correct"]
    value: Optional[Union[int, float]] = None
    reviewer: Optional[str] = None
    note: Optional[str] = None
    time: Optional[str] = None

    @model_validator(mode="after")
    def _consistent(self):
        if (self.check is None) == (self.path is None):
            raise ValueError("give exactly one of 'check' (a rule) or 'path' (a value path)")
        if self.decision == "correct":
            if self.path is None:
                raise ValueError("'correct' needs a value 'path', not a check")
            if self.value is None:
                raise ValueError("'correct' needs the corrected 'value'")
            if not self.path.startswith(CORRECTABLE_ROOTS):
                raise ValueError(f"only table cells can be corrected ({', '.join(CORRECTABLE_ROOTS)}…)")
        elif self.value is not None:
            raise ValueError(f"'value' belongs to 'correct' decisions, not '{self.decision}'")
        if self.decision == "dismiss" and self.check is None:
            raise ValueError("'dismiss' applies to a check; to change a value use 'correct'")
        if self.time is not None:
            try:
                datetime.fromisoformat(self.time.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"'time' is not an ISO time: {self.time!r}") from None
        return self

    def mark(self) -> ReviewMark:
        return ReviewMark(decision=self.decision, reviewer=self.reviewer, note=self.note, time=self.time)


@dataclass
class Entry:
    line: int
    decision: ReviewDecision
    used: int = 0


@dataclass
class ReviewBook:
    """The decisions of one review file, by document."""

    path: str
    entries: list[Entry] = field(default_factory=list)

    def for_record(self, rec: Record) -> list[Entry]:
        return [e for e in self.entries if e.decision.document in (rec.doc_id, rec.source)]

    def check_unique(self, records: list[Record]) -> None:
        """A decision naming a doc_id shared by several records is an error (name the source instead)."""
        by_id: dict[str, set[str]] = {}
        for r in records:
            by_id.setdefault(r.doc_id, set()).add(r.source)
        sources = {r.source for r in records}
        for e in self.entries:
            doc = e.decision.document
            if doc not in sources and len(by_id.get(doc, ())) > 1:
                raise XXGKError(Errors.E022.format(line=e.line, document=doc, n=len(by_id[doc]), path=self.path))

    def apply(self, rec: Record) -> Record:
        """The record with this file's decisions applied (in file order; a later line wins)."""
        for e in self.for_record(rec):
            d = e.decision
            if d.check is not None and not d.check.startswith(CROSS_YEAR_PREFIX):
                e.used += mark_checks(rec.checks, d)
            elif d.path is not None:
                e.used += apply_value(rec, d)
        # a glued run whose cells a reviewer has given as one of its splits is settled
        rec.unsplit = [u for u in rec.unsplit if all(get_path(rec, p) is None for p in u.paths)
                       or not u.allows([get_path(rec, p) for p in u.paths])]
        return rec

    def unused(self) -> list[str]:
        """W161 for decisions that matched nothing (cross-year ones are matched by the panel)."""
        return [Warnings.W161.format(line=e.line, path=self.path,
                                     what=f"{e.decision.document} {e.decision.check or e.decision.path}")
                for e in self.entries if not e.used]


def load_review(path: str | Path) -> ReviewBook:
    """Read and validate a review file; a bad line stops the run naming the file and line."""
    path = Path(path)
    book = ReviewBook(str(path))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise XXGKError(Errors.E020.format(path=path, line=0, detail=getattr(e, "strerror", None) or str(e))) from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            book.entries.append(Entry(n, ReviewDecision.model_validate_json(line)))
        except ValidationError as e:
            detail = "; ".join((".".join(str(x) for x in err["loc"]) + ": " if err["loc"] else "") + err["msg"]
                               for err in e.errors()[:3])
            raise XXGKError(Errors.E020.format(path=path, line=n, detail=detail)) from None
    return book


def mark_checks(checks: list, d: ReviewDecision) -> int:
    """Put the decision's mark on every check (record checks or cross-year checks) of its rule."""
    n = 0
    for c in checks:
        if c.rule == d.check:
            c.review = d.mark()
            n += 1
    return n


def apply_value(rec: Record, d: ReviewDecision) -> int:
    """Confirm or correct one cell; 0 when the record has no such cell."""
    assert d.path is not None  # a value decision names its path (checked when the file is read)
    path = d.path
    parent_path, _, leaf = path.rpartition(".")
    parent = get_path(rec, parent_path) if parent_path else None
    if parent is None or leaf not in type(parent).model_fields:
        return 0
    current = getattr(parent, leaf)
    prov = rec.provenance.get(path)
    if d.decision == "confirm":
        if prov is None:
            prov = rec.provenance[path] = Provenance(method="reviewed", original=current,
                                                       original_method=None)
        prov.review = d.mark()
        return 1
    # correct: the document's value stays in provenance, however many times a value is corrected
    original = prov.original if prov is not None and prov.method == "reviewed" else current
    original_method = (prov.original_method if prov is not None and prov.method == "reviewed"
                       else (prov.method if prov is not None else None))
    value = d.value
    assert value is not None  # a correction carries its value (checked when the file is read)
    if float not in typing.get_args(type(parent).model_fields[leaf].annotation):  # a count cell
        if not float(value).is_integer():
            return 0  # a fraction cannot be a count: left unapplied (W161)
        value = int(value)
    setattr(parent, leaf, value)
    rec.provenance[path] = Provenance(method="reviewed", start=prov.start if prov else None,
                                        end=prov.end if prov else None, note=prov.note if prov else None,
                                        original=original, original_method=original_method, review=d.mark())
    rec.warnings.append(Warnings.W160.format(path=path, reviewer=d.reviewer or "unnamed", original=original,
                                             value=value))
    return 1


def review_line(rec: Record, check: Check, reviewer: str = "") -> str:
    """The JSONL line a reviewer copies into the review file to dismiss a failed check (edit as needed)."""
    return decision_line(rec.source, check.rule, reviewer)


def decision_line(document: str, rule: str, reviewer: str = "", decision: str = "dismiss") -> str:
    return json.dumps({"document": document, "check": rule, "decision": decision, "reviewer": reviewer,
                       "note": "", "time": _now()}, ensure_ascii=False)


def split_lines(rec: Record, run: UnsplitRun, split: list, reviewer: str = "") -> list[str]:
    """The JSONL lines that settle a glued run as one of its allowed splits: a `correct` per cell (none for
    the split's blank cell, which stays null)."""
    note = f"glued '{run.digits}': these cells are {','.join(map(figure_text, split))}"
    return [json.dumps({"document": rec.source, "path": p, "decision": "correct", "value": v, "reviewer": reviewer,
                        "note": note, "time": _now()}, ensure_ascii=False)
            for p, v in zip(run.paths, split) if v is not None]


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
