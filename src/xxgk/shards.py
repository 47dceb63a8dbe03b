"""Sharded output to a folder: `part-NNNNN.jsonl` files of up to N records (or `.parquet` files of
the flattened tables), each written to a temporary name and renamed when complete, plus
`manifest.json` listing the finished shards.

A record is "done" only once its shard is renamed and listed; after a crash (even kill -9)
`--resume` reads the keys of finished shards, deletes half-written temporaries and redoes
their documents, so every input appears exactly once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import XXGKError
from .output import Sink, flatten, record_key, write_parquet
from .record import Record

MANIFEST = "manifest.json"


class ShardedSink(Sink):
    def __init__(self, folder: Path, resume: bool, shard_size: int = 1000, fmt: str = "jsonl"):
        super().__init__(folder, resume)
        if fmt not in ("jsonl", "parquet"):
            raise XXGKError(f"shard format must be jsonl or parquet, not {fmt!r}")
        self.fmt = fmt
        self.folder = folder
        self.shard_size = max(1, shard_size)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise XXGKError(f"cannot create output folder {folder}: {e.strerror or e}") from None
        if not os.access(folder, os.W_OK):
            raise XXGKError(f"output folder is not writable: {folder}")
        self.manifest = {"format": "xxgk-shards/1", "records": fmt, "shards": []}
        self._done: set[str] = set()
        mpath = folder / MANIFEST
        if mpath.exists():
            if not resume:
                raise XXGKError(f"{folder} already holds a sharded run; use --resume to continue it or "
                                f"choose another folder")
            try:
                self.manifest = json.loads(mpath.read_text(encoding="utf-8"))
            except ValueError as e:
                raise XXGKError(f"cannot resume: {mpath} is damaged ({e})") from None
            if self.manifest.get("records", "jsonl") != fmt:
                raise XXGKError(f"cannot resume: {folder} holds {self.manifest.get('records', 'jsonl')} shards")
            for shard in self.manifest["shards"]:
                keys = folder / shard["keys"]
                with open(keys, encoding="utf-8") as fh:
                    self._done.update(line.rstrip("\n") for line in fh if line.strip())
        for stale in folder.glob(".tmp-part-*"):  # torn by a crash: their documents are redone
            stale.unlink()
        self._next = len(self.manifest["shards"])
        self._open_shard()

    def done(self) -> set[str]:
        return self._done

    def _open_shard(self) -> None:
        self.name = f"part-{self._next:05d}"
        self.tmp = self.folder / f".tmp-{self.name}.{self.fmt}"
        self.tmp_keys = self.folder / f".tmp-{self.name}.keys"
        self.fh = open(self.tmp, "w", encoding="utf-8") if self.fmt == "jsonl" else None
        self.rows: list[dict] = []
        self.kh = open(self.tmp_keys, "w", encoding="utf-8")
        self.count = 0

    def write(self, rec: Record) -> None:
        if self.fh is not None:
            self.fh.write(rec.to_json() + "\n")
        else:
            self.rows.append(flatten(rec))
        self.kh.write(record_key(rec.source) + "\n")
        self.count += 1
        self.written += 1
        if self.count >= self.shard_size:
            self._finish_shard()
            self._open_shard()

    def _finish_shard(self) -> None:
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        elif self.count:
            write_parquet(self.rows, self.tmp)
        self.kh.flush()
        os.fsync(self.kh.fileno())
        self.kh.close()
        if self.count == 0:
            self.tmp.unlink(missing_ok=True)
            self.tmp_keys.unlink()
            return
        final, final_keys = self.folder / f"{self.name}.{self.fmt}", self.folder / f"{self.name}.keys"
        os.replace(self.tmp_keys, final_keys)
        os.replace(self.tmp, final)
        self.manifest["shards"].append({"file": final.name, "keys": final_keys.name, "records": self.count})
        tmp_manifest = self.folder / f".tmp-{MANIFEST}"
        tmp_manifest.write_text(json.dumps(self.manifest, indent=1), encoding="utf-8")
        os.replace(tmp_manifest, self.folder / MANIFEST)
        self._next += 1

    def close(self) -> None:
        self._finish_shard()
