"""Reading records back: JSONL files, or folders of sharded output (`part-*.jsonl` + manifest.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError

from ..errors import Errors, XXGKError
from ..record import Record

MANIFEST = "manifest.json"
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def record_files(spec: str | Path) -> list[Path]:
    """The JSONL files a RECORDS argument names: a file, or a folder (its manifest's shards in order,
    else every *.jsonl in it, sorted)."""
    path = Path(spec)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise XXGKError(Errors.E001.format(path=path))
    manifest = path / MANIFEST
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError as e:
            raise XXGKError(Errors.E019.format(path=manifest, line=1, detail=f"damaged manifest: {e}")) from None
        if data.get("records", "jsonl") != "jsonl":
            raise XXGKError(Errors.E019.format(path=path, line=0,
                                               detail="the shards hold flat tables (parquet), not records"))
        return [path / s["file"] for s in data.get("shards", [])]
    return sorted(p for p in path.iterdir() if p.suffix in JSONL_SUFFIXES and not p.name.startswith("."))


def iter_records(specs: list[str | Path]) -> Iterator[Record]:
    """Every record of every file, validated; a bad line stops the run naming file and line."""
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
