"""The message catalogue: one code, one message (a repeated code silently replaces the first)."""

import ast
from pathlib import Path

import xxgk.errors


def test_every_code_is_defined_once():
    tree = ast.parse(Path(xxgk.errors.__file__).read_text(encoding="utf-8"))
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        names = [t.id for n in cls.body if isinstance(n, ast.Assign) for t in n.targets]
        assert len(names) == len(set(names)), (cls.name, sorted(n for n in names if names.count(n) > 1))
        for n in cls.body:
            if isinstance(n, ast.Assign):
                assert n.value.value.startswith(n.targets[0].id + " "), n.targets[0].id
