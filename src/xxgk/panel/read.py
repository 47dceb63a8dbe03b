"""Reading records back for a panel: any output of `xxgk extract` (see `sinks.record_files`),
each line validated as a record."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError

from xxgk.errors import Errors, XXGKError
from xxgk.record import Record
from xxgk.batch.sinks import record_files


def iter_records(specs: Sequence[str | Path]) -> Iterator[Record]:
    """Every record of every output, validated; a bad line stops the run naming file and line."""
    for spec in specs:
        for f in record_files(spec):
            with open(f, encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        yield Record.model_validate_json(line)
                    except ValidationError as e:
                        detail = "; ".join(f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"
                                           for err in e.errors()[:3])
                        raise XXGKError(Errors.E019.format(path=f, line=n, detail=detail)) from None
