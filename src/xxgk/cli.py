"""xxgk: turn 政府信息公开工作年度报告 (scraped text, HTML, PDF, DOCX, .doc, crawler JSONL, web archives) into checked records.

Thin typer commands over plain functions; run `xxgk COMMAND --help` for each.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import List, Optional

import typer

from xxgk.errors import OutputWriteError, XXGKError
from xxgk.spans import System

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, rich_markup_mode=None)
annotations_app = typer.Typer(add_completion=False, no_args_is_help=True,
                              help="Work with hand-labelled fixtures (annotations/).")
app.add_typer(annotations_app, name="annotations")


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"xxgk: error: {msg}", err=True)
    raise typer.Exit(code)


@app.command()
def extract(
    inputs: List[str] = typer.Argument(..., help="files, folders (recursive), globs, crawler .jsonl files, web archives (.warc/.warc.gz)"),
    output: str = typer.Option("records.jsonl", "-o", "--output",
                               help="records.jsonl | tables.csv | tables.parquet | tables.xlsx | a folder for "
                                    "sharded JSONL (tables keep their records beside them: tables.csv.records.jsonl)"),
    no_model: bool = typer.Option(False, "--no-model", help="rules only: do not load the tagger"),
    model: Optional[Path] = typer.Option(None, "--model", help="tagger folder (default: the one shipped with xxgk)"),
    system: str = typer.Option("combined", "--system", help="who tags headers and narrative: rules|model|combined"),
    workers: int = typer.Option(1, "--workers", "-j", min=1, help="worker processes"),
    resume: bool = typer.Option(False, "--resume", help="skip documents already in the output"),
    force: bool = typer.Option(False, "--force", help="overwrite an existing output"),
    allow_mixed: bool = typer.Option(False, "--allow-mixed",
                                     help="let --resume add records of another system or model"),
    with_text: bool = typer.Option(False, "--with-text", help="include the normalised text in each record"),
    max_mb: float = typer.Option(50.0, "--max-mb", help="documents larger than this fail (MiB)"),
    timeout: float = typer.Option(60.0, "--timeout", help="per-document time limit (seconds)"),
    shard_size: int = typer.Option(1000, "--shard-size", help="records per shard when the output is a folder"),
    shard_format: str = typer.Option("jsonl", "--shard-format", help="shards of records (jsonl) or of flat tables (parquet)"),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or ray"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    review: Optional[Path] = typer.Option(None, "--review", help="a review file (JSONL of decisions) to apply to "
                                                                 "the records; see docs/panel.md"),
):
    """Extract one record per document."""
    from xxgk.batch.local import Options, run

    try:
        chosen = System.parse(system)
    except ValueError as e:
        _fail(f"--{e}")
        return
    opts = Options(system=System.RULES if no_model else chosen, use_model=not no_model,
                   model_path=str(model) if model else None, with_text=with_text,
                   max_bytes=int(max_mb * 2**20), timeout=timeout)
    if review is not None:
        from xxgk.panel.review import load_review

        try:
            load_review(review)  # a bad line stops the run before any work, naming file and line
        except XXGKError as e:
            _fail(str(e))
        opts.review_file = str(review)
    try:
        if engine == "ray":
            from xxgk.batch.ray_engine import run_ray

            summary = run_ray(inputs, output, opts, resume=resume, shard_size=shard_size, shard_format=shard_format,
                              force=force, allow_mixed=allow_mixed)
        elif engine == "local":
            summary = run(inputs, output, opts, workers=workers, resume=resume, progress=not quiet,
                          shard_size=shard_size, shard_format=shard_format, force=force, allow_mixed=allow_mixed)
        else:
            _fail(f"--engine must be local or ray, not {engine!r}")
            return
    except OutputWriteError as e:  # after work began: what was written is intact, the message says where
        _fail(str(e), code=1)
        return
    except XXGKError as e:
        _fail(str(e))
        return
    _print_summary(summary, output)


SUMMARY_SHOWN = 5  # documents named per kind in the closing summary; the rest are counted


def _print_summary(s, output: str) -> None:
    from rich.console import Console

    c = Console(stderr=True, soft_wrap=True)  # never hard-wrap: paths must stay whole to be copied
    rate = s.total / s.seconds if s.seconds else 0.0
    c.print(f"[bold]{s.total}[/bold] documents in {s.seconds:.1f}s ({rate:.1f}/s) → {output}", highlight=False)
    c.print(f"  ok {s.ok}   partial {s.partial}   failed {s.failed}" +
            (f"   skipped (resume) {s.skipped}" if s.skipped else ""))
    c.print(f"  checks failed: {s.checks_failed} in {s.docs_with_failed_checks} documents "
            "(their records say consistent: false)")
    for d in s.inconsistent[:SUMMARY_SHOWN]:
        c.print(f"  [yellow]inconsistent[/yellow] {d}", highlight=False)
    if s.docs_with_failed_checks > SUMMARY_SHOWN:
        c.print(f"  … {s.docs_with_failed_checks - SUMMARY_SHOWN} more documents with failed checks "
                f"(`xxgk show {output} --failed-checks`)", highlight=False)
    if s.several_reports:
        c.print(f"  files holding more than one report: {s.several_reports}, each report a record of its own "
                "(`part`; doc_id#2, #3 …): " + ", ".join(s.several_named[:SUMMARY_SHOWN])
                + (" …" if s.several_reports > SUMMARY_SHOWN else ""), highlight=False)
    if s.pictured:
        c.print(f"  tables that are likely pictures (W113; xxgk does no OCR): {s.pictured} documents "
                f"(`xxgk show {output} --warning W113`)", highlight=False)
    if s.unsplit_runs:
        c.print(f"  glued digit runs left empty (several splits fit): {s.unsplit_runs} in {s.docs_with_unsplit} "
                f"documents (`xxgk show {output} --unsplit`; `xxgk inspect` gives the lines that settle them)",
                highlight=False)
    c.print(f"  tagger: {s.model}", highlight=False)
    for f in s.failures[:SUMMARY_SHOWN]:
        c.print(f"  [red]failed[/red] {f}", highlight=False)
    if s.failed > SUMMARY_SHOWN:
        c.print(f"  … {s.failed - SUMMARY_SHOWN} more failed documents (`xxgk show {output} --status failed`)",
                highlight=False)


@app.command()
def schema(output: Optional[Path] = typer.Option(None, "-o", "--output", help="write to a file")):
    """Print the JSON Schema of the record."""
    from xxgk.record import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)


@app.command()
def show(records: Path = typer.Argument(..., help="an output of extract: records .jsonl, a sharded folder, or a "
                                                   "table output (its records are read from beside it)"),
         limit: int = typer.Option(20, help="documents to show"),
         status: Optional[str] = typer.Option(None, "--status", help="only these statuses, e.g. failed or ok,partial"),
         failed_checks: bool = typer.Option(False, "--failed-checks",
                                            help="only documents whose own figures disagree"),
         unsplit: bool = typer.Option(False, "--unsplit", help="only documents with glued digit runs left empty, "
                                                                "with the splits each allows"),
         warning: Optional[str] = typer.Option(None, "--warning", help="only documents warned with this code, e.g. "
                                                                        "W113 (a table that is likely a picture)")):
    """A short human-readable summary of extracted records."""
    from xxgk.batch.show import show_records

    statuses = {x.strip() for x in status.split(",")} if status else None
    if statuses and not statuses <= {"ok", "partial", "failed"}:
        _fail(f"--status takes ok, partial, failed (comma-separated), not {status!r}")
    if warning is not None and not re.fullmatch(r"W\d{3}", warning):
        _fail(f"--warning takes a warning code such as W113, not {warning!r}")
    try:
        show_records(records, limit, statuses=statuses, failed_checks=failed_checks, unsplit=unsplit, warning=warning)
    except XXGKError as e:
        _fail(str(e))
    except (OSError, ValueError) as e:
        _fail(f"cannot read {records}: {e}")


@app.command()
def panel(records: List[Path] = typer.Argument(..., help="outputs of extract: records .jsonl files or sharded "
                                                         "folders"),
          output: Path = typer.Option(..., "-o", "--output", help="a folder for the panel's tables and pages"),
          aliases: Optional[Path] = typer.Option(None, "--aliases", help="name variants: .toml ([aliases] "
                                                                         "\"variant\" = \"canonical\") or .csv"),
          review: Optional[Path] = typer.Option(None, "--review", help="a review file (JSONL of decisions)"),
          no_html: bool = typer.Option(False, "--no-html", help="tables only, no pages")):
    """Join records into a body × year panel, check across years, write tables and pages."""
    from xxgk.panel import build_panel, write_panel

    try:
        p = build_panel(records, aliases=aliases, review=review)
        files = write_panel(p, output, html=not no_html)
    except XXGKError as e:
        _fail(str(e))
        return
    s = p.summary()
    c = s["checks"]
    typer.echo(f"{s['records']} reports of {s['bodies']} bodies ({s['bodies_with_several_years']} with two or more "
               f"years), {s['conflicts']} conflicts → {output}")
    typer.echo(f"  cross-year checks: {c['PASS']} PASS, {c['FAIL']} FAIL ({s['failed_unreviewed']} not reviewed), "
               f"{c['NOT_ASSESSABLE']} NOT_ASSESSABLE")
    for note in p.notes[:PANEL_NOTES_SHOWN]:
        typer.echo(f"  {note}", err=True)
    if len(p.notes) > PANEL_NOTES_SHOWN:
        typer.echo(f"  … {len(p.notes) - PANEL_NOTES_SHOWN} more notes in summary.json", err=True)
    if "index.html" in files:
        typer.echo(f"  pages: {files['index.html']}")


PANEL_NOTES_SHOWN = 10  # notes (records left out, unused review lines) printed; the rest are in summary.json


from xxgk.evaluation.commands import evaluate as _evaluate    # noqa: E402  (light: typer/pathlib only)
from xxgk.evaluation.commands import inspect as _inspect    # noqa: E402

from xxgk.tagger import commands as tagger_commands    # noqa: E402
from xxgk.training import export_predictions_command, sweep_command, train_command    # noqa: E402

app.command("evaluate")(_evaluate)
app.command("inspect")(_inspect)
app.command("train")(train_command)
app.command("train-sweep")(sweep_command)
app.command("export-predictions")(export_predictions_command)
app.command("import-annotations")(tagger_commands.import_annotations)
app.command("convert-encoder")(tagger_commands.convert_encoder)
app.command("export-onnx")(tagger_commands.export_onnx)


@app.command("train-kinds")
def train_kinds(
    annotations: Path = typer.Argument(Path("annotations"), help="annotations folder (gold/*.json with kinds)"),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="model JSON to write (default: the packaged src/xxgk/models/kinds.json)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="train and report, write nothing"),
):
    """Retrain the narrative-kind classifier: C chosen on dev (fit on train), refit on train+dev,
    written as JSON (no pickle); prints dev accuracy (train-only fit) and test accuracy (shipped fit)."""
    from xxgk.kinds_train import train_kinds as _train

    try:
        rep = _train(annotations, out=output, write=not dry_run)
    except (ValueError, OSError) as e:
        _fail(str(e))
    for line in rep.lines():
        typer.echo(line)


@annotations_app.command("resolve")
def annotations_resolve(files: List[Path] = typer.Argument(..., help="gold JSON files")):
    """Fill start/end of spans given by text in gold files (and validate them)."""
    from xxgk.gold import GoldError, resolve_file

    for f in files:
        try:
            n = resolve_file(f)
        except GoldError as e:
            _fail(str(e))
        typer.echo(f"{f}: {n} spans")


@annotations_app.command("validate")
def annotations_validate(folder: Path = typer.Argument(Path("annotations"), help="annotations folder")):
    """Validate every gold file (schema, offsets, span texts)."""
    from xxgk.gold import GoldError, load_gold_dir

    try:
        golds = load_gold_dir(folder)
    except GoldError as e:
        _fail(str(e))
        return
    by_split: dict[str, int] = {}
    for g in golds:
        by_split[g.split] = by_split.get(g.split, 0) + 1
    typer.echo(f"{len(golds)} gold files valid: " + ", ".join(f"{k} {v}" for k, v in sorted(by_split.items())))


def main():  # pragma: no cover - entry point
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
