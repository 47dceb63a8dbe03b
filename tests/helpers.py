"""Shared test helpers: run the pipeline on a string or bytes without touching the CLI."""

from xxgk.pipeline import extract
from xxgk.inputs.reading import Decoded, decode_bytes


def run_text(text: str, system: str = "rules", **kw):
    return extract(Decoded(text=text, sha256="test"), "doc", "test", system=system, **kw)


def run_bytes(data: bytes, suffix: str = ".txt"):
    dec = decode_bytes(data, suffix, f"test{suffix}")
    return extract(dec, "doc", f"test{suffix}", system="rules")


def cells(rec, table: str) -> dict:
    obj = getattr(rec, table)
    return obj.model_dump() if obj is not None else {}
