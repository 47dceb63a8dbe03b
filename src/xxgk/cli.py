"""Command line (typer): thin commands over plain functions."""
import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def main():  # pragma: no cover
    app()
