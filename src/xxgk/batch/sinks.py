"""Where records go, safely: one writer per output, nothing overwritten by accident, nothing
lost when the end of a run goes wrong.

- **JSONL** (`records.jsonl`): the record itself, one whole line per record, flushed as it goes;
  a line torn by a kill is dropped (and its document redone) on `--resume`.
- **Tables** (`tables.csv`, `.parquet`, `.xlsx`): every record is first appended to a JSONL
  beside the table (`tables.csv.records.jsonl`), the table is built from it at the end through a
  temporary file and a rename.  If that last step fails, nothing extracted is lost: the records
  are in the JSONL and `--resume` builds the table without extracting again.
- **A folder**: shards `part-NNNNN.jsonl` (or `.parquet`) of up to N records, each written under
  a temporary name and renamed when complete, with `manifest.json` listing finished shards.

Every output is guarded by a lock file (`<output>.lock`, or `.lock` inside a folder) holding the
owner's pid and host; a second run gets a clear error, a lock left by a dead process on this host
is taken over.  Files are created with the mode the umask gives, like any other file.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from pathlib import Path
from typing import Iterator

from xxgk.errors import Errors, OutputWriteError, XXGKError
from xxgk.batch.output import TABLE_SUFFIXES, file_mode, write_parquet_records, write_tables
from xxgk.record import Record

MANIFEST = "manifest.json"
LOCK_SUFFIX = ".lock"


def record_key(source: str) -> str:
    """What identifies a document across runs (resume): where it came from."""
    return source


# ---------------------------------------------------------------------------------------------
# one writer per output
# ---------------------------------------------------------------------------------------------


# reading a lock file its owner is still writing: tries and the pause between them (seconds)
OWNER_READ_TRIES = 10
OWNER_READ_PAUSE = 0.02


class OutputLock:
    """An exclusive lock file next to (or inside) an output, naming its owner."""

    def __init__(self, path: Path):
        self.path = path
        self.held = False

    def acquire(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.strftime("%Y-%m-%dT%H:%M:%S")}
        for _ in range(3):  # a stale lock is removed once, then taken; a race loses cleanly
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, file_mode())
            except FileExistsError:
                owner = self._owner()
                if owner is None and not self.path.exists():
                    continue  # released in the meantime: take it
                if owner is not None and self._stale(owner):
                    self.path.unlink(missing_ok=True)
                    continue
                who = (f"pid {owner.get('pid')} on {owner.get('host')} since {owner.get('since')}"
                       if owner else "another run")
                raise XXGKError(f"output is in use by {who} (lock {self.path}); wait for that run to finish, "
                                f"or delete the lock if you are sure it is gone") from None
            except OSError as e:
                raise XXGKError(f"cannot create lock {self.path}: {e.strerror or e}") from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(me, fh)
            self.held = True
            return
        raise XXGKError(f"cannot take the lock {self.path}: other runs keep taking it")

    def _owner(self) -> dict | None:
        # a lock just created is written a moment later: wait that moment, so the message can name its owner
        for _ in range(OWNER_READ_TRIES):
            try:
                return json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                return None
            except (OSError, ValueError):
                time.sleep(OWNER_READ_PAUSE)
        return None  # still being written: treat as held

    @staticmethod
    def _stale(owner: dict) -> bool:
        """Only a lock of this host whose process is gone is stale; another host's cannot be judged."""
        if owner.get("host") != socket.gethostname():
            return False
        try:
            os.kill(int(owner.get("pid", -1)), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError, TypeError, OverflowError):
            return False
        return False

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False


# ---------------------------------------------------------------------------------------------
# sinks
# ---------------------------------------------------------------------------------------------


class Sink:
    """An output.  `mode` is "new" (refuse an existing output), "resume" or "force" (overwrite)."""

    def __init__(self, path: Path, mode: str, lock_path: Path, lock: OutputLock | None = None):
        self.path = path
        self.mode = mode
        self.written = 0
        self.owns_lock = lock is None
        self.lock = lock or OutputLock(lock_path)
        if self.owns_lock:
            self.lock.acquire()

    def _release(self) -> None:
        if self.owns_lock:
            self.lock.release()

    def done(self) -> set[str]:
        return set()

    def producers(self) -> set[str]:
        """Which systems/models wrote the records already in the output (for --resume)."""
        return set()

    def write(self, rec: Record) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._release()

    def abort(self) -> None:
        """Stop without finishing (an error elsewhere): keep what is complete, release the lock."""
        self._release()


def _prepare_parent(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise XXGKError(f"cannot create output folder {parent}: {e.strerror or e}") from None
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise XXGKError(f"output is not writable: {path}")


def prepare_folder(folder: Path) -> None:
    """An output folder that exists and can be written, or a clear XXGKError."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise XXGKError(f"cannot create output folder {folder}: {e.strerror or e}") from None
    if not os.access(folder, os.W_OK):
        raise XXGKError(f"output folder is not writable: {folder}")


def _refuse_existing(path: Path, mode: str) -> None:
    if mode == "new" and path.exists() and (path.is_file() and path.stat().st_size > 0):
        raise XXGKError(f"{path} already exists; use --resume to continue it or --force to overwrite it")


_SOURCE = re.compile(rb'"source":\s*("(?:[^"\\]|\\.)*")')
_METHODS = re.compile(rb'"methods":\s*(\{[^{}]*\})')
_PRODUCER = re.compile(rb'"producer":\s*(\{[^{}]*\})')


def producer_of(rec: dict | Record) -> str:
    """What produced a record, as "SYSTEM (tagger NAME)": from its `producer`, or for records
    written before that key existed, from the systems named in `methods`."""
    if isinstance(rec, Record):  # no JSON round trip: this runs once per record written
        d = {"producer": rec.producer.model_dump() if rec.producer else None, "methods": rec.methods}
    else:
        d = rec
    prod = d.get("producer")
    if isinstance(prod, dict) and prod.get("system"):
        return f"{prod['system']} (tagger {prod.get('tagger') or 'none'})"
    systems = sorted(set((d.get("methods") or {}).values()))
    return ",".join(systems) or "unknown"


def system_of(producer: str) -> str:
    return producer.split(" (", 1)[0]


class JsonlSink(Sink):
    def __init__(self, path: Path, mode: str, lock: OutputLock | None = None):
        _prepare_parent(path)
        super().__init__(path, mode, path.with_name(path.name + LOCK_SUFFIX), lock)
        try:
            _refuse_existing(path, mode)
            self._done: set[str] = set()
            self._producers: set[str] = set()
            if mode == "resume" and path.exists():
                self._repair_and_scan()
                fmode = "a"
            else:
                fmode = "w"
            try:
                self.fh = open(path, fmode, encoding="utf-8")
            except OSError as e:
                raise XXGKError(f"cannot write {path}: {e.strerror or e}") from None
        except BaseException:
            self._release()
            raise

    def _repair_and_scan(self) -> None:
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                cut = data.rfind(b"\n") + 1  # a record torn by a kill: drop it, it will be redone
                fh.truncate(cut)
                data = data[:cut]
        for line in data.splitlines():
            m = _SOURCE.search(line, 0, 4096)  # no need to parse 40 KB records to learn their source
            if not m:
                continue
            try:
                self._done.add(record_key(json.loads(m.group(1))))
            except ValueError:
                continue
            if b'"status":"failed"' in line[:4096]:
                continue  # a failed record says nothing about the system
            methods, prod = _METHODS.search(line), _PRODUCER.search(line)
            try:
                self._producers.add(producer_of({"methods": json.loads(methods.group(1)) if methods else {},
                                                 "producer": json.loads(prod.group(1)) if prod else None}))
            except ValueError:
                pass

    def done(self) -> set[str]:
        return self._done

    def producers(self) -> set[str]:
        return self._producers

    def write(self, rec: Record) -> None:
        try:
            self.fh.write(rec.to_json() + "\n")
            self.fh.flush()
        except OSError as e:
            raise OutputWriteError(f"cannot write {self.path} ({e.strerror or e}); the {self.written} records written "
                            f"before are intact: fix the cause and rerun with --resume") from None
        self.written += 1

    def close(self) -> None:
        try:
            self.fh.close()
        finally:
            self._release()

    abort = close


def staging_path(table: Path) -> Path:
    """The JSONL of records kept beside a table output (`tables.csv` → `tables.csv.records.jsonl`;
    the suffix stays in the name so that `tables.csv` and `tables.xlsx` keep their own)."""
    return table.with_name(table.name + ".records.jsonl")


class TableSink(Sink):
    """CSV, Parquet or xlsx: records staged in a JSONL as they come, tables built at the end."""

    def __init__(self, path: Path, mode: str):
        _prepare_parent(path)
        super().__init__(path, mode, path.with_name(path.name + LOCK_SUFFIX))
        try:
            _refuse_existing(path, mode)
            staged = staging_path(path)
            if mode == "new" and staged.exists() and staged.stat().st_size > 0:
                raise XXGKError(f"{staged} (the records behind {path.name}) already exists; use --resume to "
                                f"continue it or --force to overwrite it")
            self.records = JsonlSink(staged, mode, lock=self.lock)  # one lock guards both files
        except BaseException:
            self._release()
            raise

    def done(self) -> set[str]:
        return self.records.done()

    def producers(self) -> set[str]:
        return self.records.producers()

    def write(self, rec: Record) -> None:
        self.records.write(rec)
        self.written += 1

    def close(self) -> None:
        try:
            self.records.fh.close()
            write_tables(read_jsonl(self.records.path), self.path)
        except (OSError, ValueError, XXGKError) as e:
            detail = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise OutputWriteError(f"cannot write {self.path} ({detail}); all records are kept in {self.records.path}: "
                            f"fix the cause and rerun the same command with --resume (nothing is extracted "
                            f"again)") from None
        finally:
            self._release()

    def abort(self) -> None:
        try:
            self.records.fh.close()
        finally:
            self._release()


class ShardedSink(Sink):
    def __init__(self, folder: Path, mode: str, shard_size: int = 1000, fmt: str = "jsonl"):
        if fmt not in ("jsonl", "parquet"):
            raise XXGKError(f"shard format must be jsonl or parquet, not {fmt!r}")
        prepare_folder(folder)
        super().__init__(folder, mode, folder / LOCK_SUFFIX)
        try:
            self._open_run(folder, fmt, shard_size)
        except BaseException:
            self._release()
            raise

    def _open_run(self, folder: Path, fmt: str, shard_size: int) -> None:
        self.fmt = fmt
        self.folder = folder
        self.shard_size = max(1, shard_size)
        self.manifest: dict = {"format": "xxgk-shards/1", "records": fmt, "shards": [], "producers": []}
        self._done: set[str] = set()
        mpath = folder / MANIFEST
        if mpath.exists():
            if self.mode == "new":
                raise XXGKError(f"{folder} already holds a sharded run; use --resume to continue it, --force to "
                                f"overwrite it, or choose another folder")
            if self.mode == "force":
                self._clear(folder)
            else:
                try:
                    self.manifest = json.loads(mpath.read_text(encoding="utf-8"))
                except ValueError as e:
                    raise XXGKError(f"cannot resume: {mpath} is damaged ({e})") from None
                if self.manifest.get("records", "jsonl") != fmt:
                    raise XXGKError(f"cannot resume: {folder} holds {self.manifest.get('records', 'jsonl')} shards")
                for shard in self.manifest["shards"]:
                    with open(folder / shard["keys"], encoding="utf-8") as fh:
                        self._done.update(line.rstrip("\n") for line in fh if line.strip())
        for stale in folder.glob(".tmp-part-*"):  # torn by a crash: their documents are redone
            stale.unlink()
        self._next = len(self.manifest["shards"])
        self._open_shard()

    def _clear(self, folder: Path) -> None:
        for p in list(folder.glob("part-*")) + [folder / MANIFEST]:
            p.unlink(missing_ok=True)

    def done(self) -> set[str]:
        return self._done

    def producers(self) -> set[str]:
        return set(self.manifest.get("producers", []))

    def _open_shard(self) -> None:
        self.name = f"part-{self._next:05d}"
        self.tmp = self.folder / f".tmp-{self.name}.{self.fmt}"
        self.tmp_keys = self.folder / f".tmp-{self.name}.keys"
        self.fh = open(self.tmp, "w", encoding="utf-8") if self.fmt == "jsonl" else None
        self.rows: list[Record] = []
        self.kh = open(self.tmp_keys, "w", encoding="utf-8")
        self.count = 0
        self.shard_producers: set[str] = set()

    def write(self, rec: Record) -> None:
        try:
            if self.fh is not None:
                self.fh.write(rec.to_json() + "\n")
            else:
                self.rows.append(rec)
            self.kh.write(record_key(rec.source) + "\n")
        except OSError as e:
            raise OutputWriteError(f"cannot write {self.tmp} ({e.strerror or e}); finished shards are intact: fix the "
                            f"cause and rerun with --resume") from None
        if rec.status != "failed":
            self.shard_producers.add(producer_of(rec))
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
            write_parquet_records(self.rows, self.tmp)
        self.kh.flush()
        os.fsync(self.kh.fileno())
        self.kh.close()
        if self.count == 0:
            self.tmp.unlink(missing_ok=True)
            self.tmp_keys.unlink()
            return
        final, final_keys = self.folder / f"{self.name}.{self.fmt}", self.folder / f"{self.name}.keys"
        for p in (self.tmp, self.tmp_keys):
            os.chmod(p, file_mode())
        os.replace(self.tmp_keys, final_keys)
        os.replace(self.tmp, final)
        self.manifest["shards"].append({"file": final.name, "keys": final_keys.name, "records": self.count})
        self.manifest["producers"] = sorted(set(self.manifest.get("producers", [])) | self.shard_producers)
        tmp_manifest = self.folder / f".tmp-{MANIFEST}"
        tmp_manifest.write_text(json.dumps(self.manifest, indent=1), encoding="utf-8")
        os.replace(tmp_manifest, self.folder / MANIFEST)
        self._next += 1

    def close(self) -> None:
        try:
            self._finish_shard()
        except OSError as e:
            raise OutputWriteError(f"cannot finish shard {self.name} in {self.folder} ({e.strerror or e}); finished "
                            f"shards are intact: fix the cause and rerun with --resume") from None
        finally:
            self._release()

    def abort(self) -> None:
        try:
            self.close()
        except XXGKError:
            pass


def open_sink(path: str | Path, mode: str = "new", shard_size: int = 1000, shard_format: str = "jsonl") -> Sink:
    """The sink for an output path: a folder (trailing slash, existing folder or no suffix) gets
    shards; otherwise the suffix decides."""
    if mode not in ("new", "resume", "force"):
        raise ValueError(mode)
    raw = str(path)
    path = Path(path)
    suffix = path.suffix.lower()
    if raw.endswith(("/", os.sep)) or path.is_dir() or suffix == "":
        return ShardedSink(path, mode, shard_size, shard_format)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return JsonlSink(path, mode)
    if suffix in TABLE_SUFFIXES:
        return TableSink(path, mode)
    raise XXGKError(f"unknown output format '{suffix}' (use .jsonl, .csv, .parquet, .xlsx, or a folder)")


# ---------------------------------------------------------------------------------------------
# reading outputs back
# ---------------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[dict]:
    """Records of a JSONL file; a torn last line (a killed run) is skipped."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break
            if line.strip():
                yield json.loads(line)


def record_files(spec: str | Path) -> list[Path]:
    """The JSONL files holding the records of any output xxgk writes: a JSONL file; a sharded
    folder (its manifest's shards in order, or every *.jsonl in a folder without one); a table
    output (the records kept beside it)."""
    path = Path(spec)
    if path.is_dir():
        mpath = path / MANIFEST
        if not mpath.is_file():
            return sorted(p for p in path.iterdir() if p.suffix in (".jsonl", ".ndjson") and not p.name.startswith("."))
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except ValueError as e:
            raise XXGKError(Errors.E019.format(path=mpath, line=1, detail=f"damaged manifest: {e}")) from None
        if manifest.get("records", "jsonl") != "jsonl":
            raise XXGKError(Errors.E019.format(path=path, line=0,
                                               detail="the shards hold flat tables (parquet), not records"))
        return [path / shard["file"] for shard in manifest.get("shards", [])]
    if path.suffix.lower() in TABLE_SUFFIXES:
        staged = staging_path(path)
        if not staged.exists():
            raise XXGKError(f"no records beside {path} (expected {staged.name})")
        return [staged]
    if not path.is_file():
        raise XXGKError(Errors.E001.format(path=path))
    return [path]


def read_records(spec: str | Path) -> Iterator[dict]:
    """Records (as dicts) of any output xxgk writes; a torn last line (a killed run) is skipped,
    a line that is not JSON stops the reading naming file and line."""
    for f in record_files(spec):
        with open(f, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.endswith("\n"):
                    break
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except ValueError as e:
                    raise XXGKError(Errors.E019.format(path=f, line=n, detail=str(e)[:120])) from None
