"""The `xxgk evaluate` and `xxgk inspect` commands (typer-annotated; registered in xxgk.cli).

Imports here stay light (typer, pathlib); the work is imported inside the functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional

import typer

EVALUATE_HELP = """Score the systems (rules, model, combined) against hand-labelled fixtures.

INPUT is an annotations folder (gold/*.json; the test split unless --splits says otherwise),
one gold JSON file, or a JSONL whose lines are gold objects (`doc` relative to the JSONL's
folder, or the normalised text inline as `text`) or plain span lines
{"id", "text", "spans": [{"start", "end", "label"}]} (these score spans only).

Writes OUTPUT/metrics.json and OUTPUT/index.html and prints a summary. With --fail-under
(or --thresholds) the exit code is 1 when the combined system (or the only one evaluated)
is below a limit; for false_alarms and section_offset_error the limit is a maximum.
"""


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"xxgk: error: {msg}", err=True)
    raise typer.Exit(code)


def _parse_limits(items: List[str]) -> dict[str, float]:
    from xxgk.evaluation.report import HEADLINE

    out = {}
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                _fail(f"--fail-under wants key=value (e.g. cells=0.99), not {part!r}")
            k, v = part.split("=", 1)
            k = k.strip()
            if k not in HEADLINE:
                _fail(f"--fail-under: unknown metric {k!r}; known: {', '.join(HEADLINE)}")
            try:
                out[k] = float(v)
            except ValueError:
                _fail(f"--fail-under: {k} needs a number, not {v!r}")
    return out


def evaluate(
    input: Path = typer.Argument(..., help="annotations folder, a gold .json, or a .jsonl of gold/span lines"),
    output: Path = typer.Option(Path("reports/eval"), "-o", "--output", help="folder for metrics.json and index.html"),
    systems: str = typer.Option("rules,model,combined", "--systems", help="comma-separated: rules,model,combined"),
    splits: Optional[str] = typer.Option(None, "--splits",
                                         help="splits to score: test (default for a folder), dev,test, all"),
    model: Optional[Path] = typer.Option(None, "--model", help="tagger folder (default: $XXGK_MODEL or src/xxgk/models/tagger)"),
    fail_under: List[str] = typer.Option([], "--fail-under",
                                         help="key=value, repeatable: exit 1 if below (e.g. cells=0.99, sections=0.95, "
                                              "span_f1=0.8)"),
    thresholds: Optional[Path] = typer.Option(None, "--thresholds",
                                              help="a thresholds JSON (annotations/thresholds.json) to gate on"),
    worst: int = typer.Option(5, "--worst", min=0, help="documents shown in detail in the report"),
    threads: int = typer.Option(0, "--threads", min=0, help="torch threads for the tagger (0: torch's default)"),
    robustness: bool = typer.Option(False, "--robustness",
                                    help="also score every system on the fixtures re-served in damaged forms "
                                         "(encodings, traditional characters, wraps, one-line bodies, spam, HTML, "
                                         "JSONL, DOCX, ...)"),
    forms: Optional[str] = typer.Option(None, "--forms", help="with --robustness: comma-separated forms (default all)"),
    max_drop: Optional[float] = typer.Option(None, "--max-drop",
                                             help="with --robustness: exit 1 when a gated form (information-"
                                                  "preserving, one damage) drops more than this many points on cells, headers, narrative "
                                                  "or meta"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress"),
):
    import json
    import sys

    from xxgk.evaluation.report import check_gate, gate_system, terminal_lines, thresholds_for, write_report
    from xxgk.evaluation.runner import EvalInputError, load_inputs, parse_systems, run

    limits = _parse_limits(fail_under)
    try:
        chosen = parse_systems(systems)
        golds, note = load_inputs(input, splits)
    except EvalInputError as e:
        _fail(str(e))
        return
    typer.echo(f"evaluating {', '.join(chosen)} on {note}", err=True)
    progress: Callable[[str], None] | None = None
    if not quiet and sys.stderr.isatty():
        def _progress(msg: str) -> None:
            typer.echo(f"\r  {msg:<40}", err=True, nl=False)
        progress = _progress
    ev = run(golds, chosen, model_path=model, progress=progress, threads=threads or None)
    if progress:
        typer.echo("", err=True)
    if robustness and ev.runs:
        from xxgk.evaluation.perturb import FORMS
        from xxgk.evaluation.runner import add_robustness

        names = [f.strip() for f in forms.split(",") if f.strip()] if forms else list(FORMS)
        bad = [f for f in names if f not in FORMS]
        if bad:
            _fail(f"unknown form(s) {bad}: use {', '.join(FORMS)}")
            return
        add_robustness(ev, forms=names, progress=progress)
        if progress:
            typer.echo("", err=True)
    ev.input_note = note
    ev.input_path = str(input)
    if not ev.runs:
        _fail("no system could be evaluated: " + "; ".join(f"{k}: {v}" for k, v in ev.unavailable.items()))
    try:
        metrics = write_report(ev, output, worst=worst)
    except OSError as e:
        _fail(f"cannot write {output}: {e}")
        return
    for line in terminal_lines(metrics):
        typer.echo(line)
    if ev.robustness:
        from xxgk.evaluation.robustness import check as check_robustness
        from xxgk.evaluation.robustness import terminal_lines as robustness_lines

        for line in robustness_lines(ev.robustness):
            typer.echo(line)
    typer.echo(f"\nwrote {output / 'metrics.json'} and {output / 'index.html'}")
    failures: list[str] = []
    system = gate_system(metrics)
    if ev.robustness and max_drop is not None:
        rob_fails = check_robustness(ev.robustness, max_drop)
        for f in rob_fails:
            typer.echo(f"FAIL robustness {f}", err=True)
        if rob_fails:
            raise typer.Exit(1)
        typer.echo(f"robustness gate passed (every gated form within {max_drop:g} point)")
    if thresholds is not None:
        try:
            th = json.loads(thresholds.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            _fail(f"cannot read thresholds {thresholds}: {e}")
            return
        if system is None:
            _fail("no system was evaluated: nothing to gate")
            return
        source, file_limits = thresholds_for(th, system)
        file_limits.update(limits)
        limits = file_limits
        typer.echo(f"gate: {system} against the {source!r} thresholds in {thresholds}")
    if limits:
        _sys, failures = check_gate(metrics, limits, system)
        if failures:
            for f in failures:
                typer.echo(f"FAIL {f}", err=True)
            raise typer.Exit(1)
        typer.echo(f"gate passed ({system}: {', '.join(f'{k}={v:g}' for k, v in limits.items())})")


def inspect(
    document: Path = typer.Argument(..., help="one report: .txt/.md/.html/.mhtml/.pdf/.docx/.doc, or a crawler .jsonl"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="HTML file (default: <stem>-inspect.html)"),
    doc_id: Optional[str] = typer.Option(None, "--id", help="which line of a .jsonl input"),
    part: Optional[int] = typer.Option(None, "--part", help="which report of a file that holds several (1, 2, …)"),
    system: str = typer.Option("combined", "--system", help="rules|model|combined"),
    no_model: bool = typer.Option(False, "--no-model", help="rules only"),
    model: Optional[Path] = typer.Option(None, "--model", help="tagger folder (default: src/xxgk/models/tagger)"),
):
    """One document as a page: spans, section boundaries, the three tables, failed checks next to their cells."""
    from xxgk.spans import System
    from xxgk.evaluation.inspect import inspect_file, inspect_html

    try:
        System.parse(system)
    except ValueError as e:
        _fail(f"--{e}")
    if not document.exists():
        _fail(f"{document}: no such file")
    try:
        rec, text, note = inspect_file(document, doc_id=doc_id, system=system, use_model=not no_model,
                                       model_path=str(model) if model else None, part=part)
    except ValueError as e:
        _fail(str(e))
        return
    out = output or document.with_name(f"{document.stem}-inspect.html")
    try:
        out.write_text(inspect_html(rec, text), encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {out}: {e}")
    fails = sum(1 for c in rec.checks if c.status == "FAIL")
    typer.echo(f"{rec.doc_id}: {rec.status}, format {rec.format}, sections "
               f"{''.join(str(s.number) for s in rec.sections) or '-'}, {fails} failed check(s); tagger: {note}")
    typer.echo(f"wrote {out}")


evaluate.__doc__ = EVALUATE_HELP
