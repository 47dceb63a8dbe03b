"""Batches: every input yields a record (failed ones included); one bad file never stops a run.

Documents are extracted in this process or in a pool of worker processes (`workers > 1`);
each worker loads the tagger once.  Each document runs under a time limit, so a pathological
input becomes a failed record instead of a stuck run.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

from xxgk.errors import Errors, InputError, Warnings, XXGKError
from xxgk.inputs.reading import DEFAULT_MAX_BYTES, InputItem, iter_inputs, load_item
from xxgk.record import Part, Producer, Record, ensure_valid, failed_record
from xxgk.batch.sinks import Sink, open_sink, producer_of, record_key, system_of
from xxgk.spans import System

DEFAULT_TIMEOUT = 60.0
# documents extracted together when the tagger runs on a GPU (their windows share forward passes): enough
# to fill batches of windows (a report sends the tagger a few to a few dozen), few enough that records
# reach the output steadily
GPU_BATCH_DOCS = 64
# reports read from one file that holds several: a compilation of a province's departments runs to a few
# hundred; past this the rest of the file is left (the last record's W105 says where it starts)
MAX_PARTS = 1000
# characters of the tagger's config hash in a record's producer (enough to tell runs apart)
TAGGER_HASH_CHARS = 12


@dataclass
class Options:
    system: System = System.COMBINED  # who tags headers and narrative (a str-valued enum)
    use_model: bool = True
    model_path: str | None = None
    with_text: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    review_file: str | None = None  # extract --review: decisions applied to each record
    threads: int | None = None  # the tagger runtime's intra-op threads (None: every core; 1 in each worker)

    @property
    def effective_system(self) -> System:
        return System.parse(self.system) if self.use_model else System.RULES


# documents named one by one in the closing summary (failed, inconsistent); the rest are counted
SUMMARY_NAMED = 20


@dataclass
class Summary:
    total: int = 0
    ok: int = 0
    partial: int = 0
    failed: int = 0
    skipped: int = 0
    checks_failed: int = 0
    docs_with_failed_checks: int = 0
    unsplit_runs: int = 0  # glued runs left null because several splits fit
    docs_with_unsplit: int = 0
    several_reports: int = 0  # files holding more than one report (`Record.part`)
    several_named: list[str] = field(default_factory=list)  # the first of them
    pictured: int = 0  # documents with a fixed table that is likely a picture (W113)
    seconds: float = 0.0
    model: str = "rules only"
    failures: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)  # "source: rule, rule" of the first documents

    def add(self, rec: Record) -> None:
        self.total += 1
        setattr(self, rec.status, getattr(self, rec.status) + 1)
        failed = [c.rule for c in rec.checks if c.status == "FAIL"]
        n = len(failed)
        self.checks_failed += n
        self.docs_with_failed_checks += 1 if n else 0
        self.unsplit_runs += len(rec.unsplit)
        self.docs_with_unsplit += 1 if rec.unsplit else 0
        self.pictured += 1 if any(w.startswith("W113 ") for w in rec.warnings) else 0
        if rec.part is not None and rec.part.number == 1:
            self.several_reports += 1
            if len(self.several_named) < SUMMARY_NAMED:
                self.several_named.append(rec.source)
        if n and len(self.inconsistent) < SUMMARY_NAMED:
            self.inconsistent.append(f"{rec.source}: {', '.join(failed)}")
        if rec.status == "failed" and len(self.failures) < SUMMARY_NAMED:
            self.failures.append(rec.errors[0] if rec.errors else rec.doc_id)


# ---------------------------------------------------------------------------------------------
# one document
# ---------------------------------------------------------------------------------------------

def load_model(opts: Options, backend: str | None = None):
    """The tagger, or None with a note saying why (never raises).  `backend`: as `load_tagger`'s."""
    if not opts.use_model or opts.system == "rules":
        return None, "rules only (--no-model)"
    try:
        from xxgk.tagger import TaggerUnavailable, load_tagger
    except ImportError as e:
        return None, Warnings.W140.format(detail=f"tagger code unavailable: {e}")
    try:
        tagger = load_tagger(opts.model_path, backend=backend, threads=opts.threads)
    except TaggerUnavailable as e:
        return None, Warnings.W140.format(detail=str(e))
    except Exception as e:  # a damaged model must never stop extraction
        return None, Warnings.W140.format(detail=f"{type(e).__name__}: {e}")
    name = tagger.info.get("name", "tagger")
    return tagger, f"{name} ({opts.system})"


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def extract_item(item: InputItem, opts: Options, tagger=None, note: str | None = None) -> Record:
    """The record of one input (of its first report, when the file holds several: `extract_records`)."""
    return extract_records(item, opts, tagger, note)[-1]


def extract_records(item: InputItem, opts: Options, tagger=None, note: str | None = None) -> list[Record]:
    """The records of one input: one, or one per report when the file holds several (W105; `Record.part`),
    the file's first report last."""
    try:
        with _time_limit(opts.timeout):
            dec = load_item(item, opts.max_bytes)
            rec = _extract(dec, item, opts, tagger)
    except Exception as e:  # noqa: BLE001 (every failure becomes a failed record naming the input)
        return [_failed(item, e, opts)]
    return _parts(item, dec, _finished(rec, opts, tagger, note), opts, tagger, note)


def _parts(item: InputItem, dec, first: Record, opts: Options, tagger, note: str | None) -> list[Record]:
    """`first` and, when it says another report follows (W105), the records of the reports after it, each
    read alone from where it starts.  The file's first report comes last, so that an output holding it
    holds the whole file (what --resume goes by)."""
    out, starts = [first], [0]
    while len(out) < MAX_PARTS and out[-1].status != "failed" and _continues(out[-1]):
        cut = out[-1].text_length or 0
        if cut <= 0:
            break  # never expected (a report is cut after its own title); never a loop
        dec = dec.after(cut)
        starts.append(starts[-1] + cut)
        k = len(out) + 1
        part = replace(item, doc_id=f"{item.doc_id}#{k}", source=f"{item.source}#{k}")
        try:
            with _time_limit(opts.timeout):
                rec = _extract(dec, part, opts, tagger)
            out.append(_finished(rec, opts, tagger, note))
        except Exception as e:  # noqa: BLE001 (one report of the file fails, not the file)
            out.append(_failed(part, e, opts))
    if len(out) > 1:
        for k, (rec, start) in enumerate(zip(out, starts), 1):
            rec.part = Part(number=k, of=len(out), start=start)
    return out[1:] + out[:1]


def _extract(dec, item: InputItem, opts: Options, tagger) -> Record:
    """The pipeline on one decoded text, as the options say (rules alone when no tagger is loaded)."""
    from xxgk.pipeline import extract

    return extract(dec, item.doc_id, item.source, item.url, tagger=tagger,
                   system=opts.system if tagger is not None else "rules", with_text=opts.with_text)


def _continues(rec: Record) -> bool:
    return any(w.startswith("W105") for w in rec.warnings)


def _finished(rec: Record, opts: Options, tagger, note: str | None) -> Record:
    if note and tagger is None and opts.use_model and opts.system != "rules":
        rec.warnings.insert(0, note)
    return ensure_valid(rec)  # a figure that does not fit its field is nulled with a warning


def _failed(item: InputItem, e: BaseException, opts: Options) -> Record:
    """The failed record of an input whose reading or extraction raised `e`, with the catalogue's code."""
    if isinstance(e, InputError):
        errors = [e.message]
    elif isinstance(e, _Timeout):
        errors = [Errors.E014.format(seconds=opts.timeout, source=item.source)]
    elif isinstance(e, MemoryError):
        errors = [Errors.E015.format(detail="out of memory", source=item.source)]
    else:  # a bug must cost one document, not the batch
        if os.environ.get("XXGK_DEBUG"):
            traceback.print_exception(e)
        errors = [Errors.E015.format(detail=f"{type(e).__name__}: {e}"[:200], source=item.source)]
    return failed_record(item.doc_id, item.source, errors, url=item.url)


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise _Timeout in the block after `seconds` (where SIGALRM is available, in the main thread)."""
    if not seconds or not hasattr(signal, "setitimer") or not _in_main_thread():
        yield
        return
    if seconds <= 0:
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def extract_items_batched(items: list[InputItem], opts: Options, tagger, note: str | None = None) -> list[Record]:
    """`extract_item` for many items, the tagger's requests of all of them answered together at each step
    (`pipeline.extract_many`): what a GPU needs to be busy.  Each document keeps its own time limit
    (the time of its own steps, not of the shared forward passes) and its own failure."""
    from xxgk.pipeline import extract_many

    out: list[list[Record]] = [[] for _ in items]
    docs, where = [], []
    for k, item in enumerate(items):
        try:
            with _time_limit(opts.timeout):
                dec = load_item(item, opts.max_bytes)
            docs.append((dec, item.doc_id, item.source, item.url))
            where.append(k)
        except Exception as e:  # noqa: BLE001
            out[k] = [_failed(item, e, opts)]
    spent = [0.0] * len(docs)

    @contextmanager
    def guard(i: int) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            with _time_limit(opts.timeout - spent[i] if opts.timeout else None):
                yield
        finally:
            spent[i] += time.perf_counter() - t0

    results = extract_many(docs, tagger, system=opts.system, with_text=opts.with_text, guard=guard)
    for i, (k, res) in enumerate(zip(where, results)):
        if isinstance(res, Record):  # the reports after a file's first are read one by one (rare)
            out[k] = _parts(items[k], docs[i][0], _finished(res, opts, tagger, note), opts, tagger, note)
        else:
            out[k] = [_failed(items[k], res, opts)]
    return [r for recs in out for r in recs]


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class Extractor:
    """The per-batch extractor every engine uses: loads the tagger once, then extracts items."""

    def __init__(self, opts: Options, threads: int | None = None, loaded: tuple | None = None):
        """`loaded`: (tagger, note) as `load_model` gives them, already loaded (by a forking parent)."""
        self.opts = opts
        if threads and opts.threads is None:
            opts = replace(opts, threads=threads)
        self.tagger, self.note = loaded if loaded is not None else load_model(opts)
        if threads and self.tagger is not None and "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
        self.producer = make_producer(self.tagger, opts)
        # review decisions (extract --review) are applied where records are made, in every engine
        self.review = None
        if opts.review_file:
            from xxgk.panel.review import load_review

            self.review = load_review(opts.review_file)

    @property
    def batched(self) -> bool:
        """Documents share the tagger's forward passes (`extract_items_batched`) when it runs on a GPU."""
        return (self.tagger is not None and self.opts.effective_system is not System.RULES
                and str(getattr(self.tagger, "device", "cpu")).startswith("cuda") and hasattr(self.tagger, "predict_batch"))

    def __call__(self, items: list[InputItem]) -> list[Record]:
        if self.batched and len(items) > 1:
            recs = extract_items_batched(items, self.opts, self.tagger, self.note)
        else:
            recs = [rec for item in items for rec in extract_records(item, self.opts, self.tagger, self.note)]
        out = []
        for rec in recs:
            rec.producer = self.producer
            out.append(self.review.apply(rec) if self.review is not None else rec)
        return out


def make_producer(tagger, opts: Options) -> Producer:
    """Which run made a record: the xxgk version, the tagger (name, version, config hash) and the system."""
    from xxgk import __version__

    if tagger is None:
        return Producer(xxgk=__version__, tagger=None, system="rules")
    info = tagger.info
    ident = " ".join(str(x) for x in (info.get("name", "tagger"), info.get("version"),
                                      (info.get("config_hash") or "")[:TAGGER_HASH_CHARS]) if x)
    return Producer(xxgk=__version__, tagger=ident, system=opts.system)


# worker processes -----------------------------------------------------------------------------

_WORKER: Extractor | None = None


# the tagger the parent loaded before forking its workers (`_load_for_workers`), or None
_PARENT_MODEL: tuple | None = None


def _worker_init(opts: Options) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    # the model is loaded once per worker, not per document; a forked worker uses the parent's
    _WORKER = Extractor(opts, threads=1, loaded=_PARENT_MODEL)


def _worker_run(item: InputItem) -> list[Record]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER([item])


# ---------------------------------------------------------------------------------------------
# a run
# ---------------------------------------------------------------------------------------------


def iter_records(items: Iterable[InputItem], opts: Options, workers: int = 1,
                 on_model: Callable[[str], None] | None = None) -> Iterator[Record]:
    if workers <= 1:
        extractor = Extractor(opts)
        if on_model:
            on_model(extractor.note)
        if extractor.batched:
            yield from (rec for chunk in _chunks(items, GPU_BATCH_DOCS) for rec in extractor(chunk))
            return
        for item in items:
            yield from extractor([item])
        return
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    global _PARENT_MODEL
    if ctx.get_start_method() == "fork":
        _load_shared()  # measured with 2 workers, the model path: private memory per worker 170 -> 92 MiB
        _PARENT_MODEL = _load_for_workers(opts)
    if on_model:
        if _PARENT_MODEL is not None:
            on_model(f"{_PARENT_MODEL[1]}, loaded once and shared by {workers} workers")
        else:
            on_model(f"loaded in each of {workers} workers" if opts.use_model and opts.system != "rules"
                     else "rules only (--no-model)")
    try:
        with ctx.Pool(workers, initializer=_worker_init, initargs=(opts,), maxtasksperchild=2000) as pool:
            for recs in pool.imap(_worker_run, items, chunksize=4):
                yield from recs
    finally:
        _PARENT_MODEL = None


def _chunks(items: Iterable[InputItem], n: int) -> Iterator[list[InputItem]]:
    chunk: list[InputItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _load_shared() -> None:
    """Load in the parent what every worker only reads (jieba's dictionary, the kind model, the character
    tables), so that forked workers share its pages instead of each loading a copy."""
    from xxgk.conventions import word_bounds
    from xxgk.kinds import load_model as load_kinds
    from xxgk.text import Text

    try:
        word_bounds("主动公开政府信息", 0, 8)
        load_kinds()
        Text("預熱")
    except Exception:  # noqa: BLE001 (an optimisation: each worker loads what it needs anyway)
        pass


def _load_for_workers(opts: Options) -> tuple | None:
    """The tagger each forked worker would load (one thread), loaded once in the parent so that the
    workers share its weights' pages (measured with 2 workers: private memory per worker 92 -> 53 MiB);
    None when each worker loads its own: rules only, or a tagger that would not run in ONNX Runtime on
    the CPU (torch is not loaded before a fork: its thread pools do not survive one)."""
    if opts.effective_system is System.RULES or (opts.threads or 1) != 1:
        return None  # (a runtime with a thread pool is not loaded before a fork either)
    try:
        from xxgk.tagger import preferred_backend
    except ImportError:
        return None
    if preferred_backend() != "onnx":
        return None
    loaded = load_model(replace(opts, threads=1), backend="onnx")  # never falls back to torch
    return loaded if loaded[0] is not None else None


def count_items(specs: list[str], max_bytes: int) -> int:
    return sum(1 for _ in iter_inputs(specs, max_bytes))


def check_resume_mix(sink: Sink, opts: Options, allow_mixed: bool) -> None:
    """`--resume` into records of another system would mix them without a word: refuse."""
    if allow_mixed:
        return
    existing = {system_of(p) for p in sink.producers()} - {"unknown"}
    if existing and existing != {opts.effective_system}:
        raise XXGKError(f"{sink.path} holds records made with --system {', '.join(sorted(existing))}; this run "
                        f"would add records made with --system {opts.effective_system}. Use the same options, "
                        f"or --allow-mixed to mix them on purpose")


def _check_same_producer(sink: Sink, rec: Record, allow_mixed: bool) -> None:
    """After the first record: the tagger really loaded must be the one the output already holds."""
    existing = sink.producers()
    if allow_mixed or not existing or rec.status == "failed":
        return
    mine = producer_of(rec)
    if system_of(mine) not in {system_of(p) for p in existing}:  # e.g. the tagger failed to load
        raise XXGKError(f"{sink.path} holds records of {', '.join(sorted(existing))}; this run produces "
                        f"{mine} (is the tagger unavailable?). Use --allow-mixed to mix them on purpose")
    named = {p for p in existing if " (tagger " in p}  # records older than `producer` name no tagger
    if named and " (tagger " in mine and mine not in named:
        raise XXGKError(f"{sink.path} holds records of {', '.join(sorted(named))}; this run produces "
                        f"{mine}. Use the same model, or --allow-mixed to mix them on purpose")


def sink_mode(resume: bool, force: bool) -> str:
    if resume and force:
        raise XXGKError("--resume and --force contradict each other: continue the output, or overwrite it")
    return "resume" if resume else "force" if force else "new"


def open_run_sink(output: str, opts: Options, resume: bool, force: bool, allow_mixed: bool, shard_size: int,
                  shard_format: str) -> Sink:
    """The output of a run, locked, checked against overwriting and against mixing systems."""
    sink = open_sink(output, mode=sink_mode(resume, force), shard_size=shard_size, shard_format=shard_format)
    try:
        check_resume_mix(sink, opts, allow_mixed)
    except XXGKError:
        sink.abort()
        raise
    return sink


def run(inputs: list[str], output: str, opts: Options, workers: int = 1, resume: bool = False,
        progress: bool = True, shard_size: int = 1000, shard_format: str = "jsonl", force: bool = False,
        allow_mixed: bool = False) -> Summary:
    """Extract every document named by `inputs` into `output`; returns the summary.

    Raises XXGKError (after closing what can be closed) when the output cannot be written; what
    was extracted before stays in the output or in the records kept beside it.
    """
    sink = open_run_sink(output, opts, resume, force, allow_mixed, shard_size, shard_format)
    done = sink.done() if resume else set()
    summary = Summary()
    start = time.perf_counter()
    total = count_items(inputs, opts.max_bytes) if progress else None

    def todo() -> Iterator[InputItem]:
        for item in iter_inputs(inputs, opts.max_bytes):
            if record_key(item.source) in done:
                summary.skipped += 1
                continue
            yield item

    bar = None
    if progress:
        from tqdm import tqdm

        loading = opts.use_model and opts.system != "rules"
        bar = tqdm(total=total, unit="doc", desc="loading tagger" if loading else "extract", file=sys.stderr,
                   dynamic_ncols=True, initial=0, leave=True)
        bar.refresh()  # show the loading message at once: the tagger takes seconds to load
    finished = False
    try:
        def on_model(note):
            summary.model = note
            if bar is not None:
                bar.set_description("extract")

        for rec in iter_records(todo(), opts, workers, on_model):
            if summary.total == 0:
                _check_same_producer(sink, rec, allow_mixed)
            if record_key(rec.source) in done:
                continue  # a later report of a file a killed run had begun (its first comes last): written then
            sink.write(rec)
            summary.add(rec)
            if bar is not None:
                bar.n = summary.total + summary.skipped
                bar.set_postfix(ok=summary.ok, partial=summary.partial, failed=summary.failed, refresh=False)
                bar.update(0)
        finished = True
    finally:
        if bar is not None:
            bar.n = summary.total + summary.skipped
            bar.refresh()
            bar.close()
        if finished:
            sink.close()  # may raise XXGKError naming where the records are kept
        else:
            sink.abort()
    summary.seconds = time.perf_counter() - start
    return summary
