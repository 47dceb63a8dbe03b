"""The Jinja2 templates of the evaluation pages (`xxgk evaluate`'s report, `xxgk inspect`, highlighted
text), in evaluation/templates/ and shipped with the package (pyproject.toml, package-data).

Python hands the templates plain values (numbers, strings, rows as dicts); the templates hold the
markup and escape every value (autoescape), so no HTML is built in f-strings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


def fmt(v: Any) -> str:
    """How a number is shown (HTML and terminal): the value metrics.json holds."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def plain(v: Any) -> str:
    """A value read from a document as `xxgk inspect` shows it: null, 3, 1.5."""
    return "null" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=PackageLoader("xxgk.evaluation", "templates"), autoescape=select_autoescape(["html"]),
                    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    e.filters["fmt"] = fmt
    e.filters["plain"] = plain
    return e


def render(name: str, **context: Any) -> str:
    return env().get_template(name).render(**context)
