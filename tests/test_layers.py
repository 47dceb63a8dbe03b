"""The import structure of xxgk, read from the source with `ast` (every import, also inside functions):

  - no import cycle between xxgk modules;
  - the tagger (xxgk.tagger.*) imports neither the pipeline nor the rules: it gets the rules' spans
    as an argument (`hints`, or a `SpanSource`), and the labelling conventions from xxgk.conventions;
  - the pipeline imports nothing of the tagger but the package's public face (`xxgk.tagger`), and
    today not even that: the caller loads the tagger and passes it in.
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "xxgk"

# what implements the rules (or wires them into a run); the tagger depends on none of it
RULES = {"xxgk.pipeline", "xxgk.rules.sections", "xxgk.rules.tables", "xxgk.rules.meta", "xxgk.rules.narrative", "xxgk.rules.reconcile",
         "xxgk.rules.glued", "xxgk.rules.regions", "xxgk.rules.hints", "xxgk.combine", "xxgk.batch.local", "xxgk.training"}
# what the tagger may use of xxgk outside its package
TAGGER_MAY_USE = {"xxgk", "xxgk.spans", "xxgk.rules.labels", "xxgk.conventions", "xxgk.text", "xxgk.record",
                  "xxgk.gold", "xxgk.inputs.reading", "xxgk.models", "xxgk.errors", "xxgk.inputs.html", "xxgk.inputs.pdf", "xxgk.inputs.docx",
                  "xxgk.evaluation.metrics"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PKG.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The xxgk modules `name` imports (a `from pkg import sub` counts as importing pkg.sub)."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "xxgk"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "xxgk":
                continue
            subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known}
            out |= subs if subs and len(subs) == len(node.names) else subs | {target}
    return {m for m in out if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {name: _imports(name, path, known) for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read():
    g = _graph()
    assert "xxgk.pipeline" in g and "xxgk.combine" in g["xxgk.pipeline"] and "xxgk.tagger.inference" in g


# cycles owned elsewhere, to be broken by their owner (panel.build.write_panel imports panel.html lazily,
# which imports panel.build); any other cycle fails
KNOWN_CYCLES = [["xxgk.panel.build", "xxgk.panel.html"]]


def test_no_import_cycle():
    assert [c for c in _cycles(_graph()) if c not in KNOWN_CYCLES] == []


def test_the_tagger_does_not_import_the_rules_or_the_pipeline():
    g = _graph()
    bad = {(m, d) for m, deps in g.items() if m.startswith("xxgk.tagger")
           for d in deps if not d.startswith("xxgk.tagger") and (d in RULES or d not in TAGGER_MAY_USE)}
    assert not bad, sorted(bad)


def test_the_pipeline_does_not_reach_into_the_tagger():
    g = _graph()
    assert not {d for d in g["xxgk.pipeline"] if d.startswith("xxgk.tagger")}
    # the tagger is reached through its package's public face only, from wherever it is loaded
    inside = {(m, d) for m, deps in g.items() if not m.startswith(("xxgk.tagger", "xxgk.evaluation.tagging"))
              and m != "xxgk.training" for d in deps if d.startswith("xxgk.tagger.")}
    assert not inside - {("xxgk.cli", "xxgk.tagger.commands")}, sorted(inside)


def test_a_cycle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
