"""Compare a record with a gold fixture: every key the gold holds must match exactly."""

from xxgk.gold import Gold
from xxgk.pipeline import extract
from xxgk.inputs.reading import InputItem, load_item


def run_gold(g: Gold, system: str = "rules", tagger=None):
    item = InputItem(doc_id=g.doc_id, source=str(g.doc), path=str(g.doc), suffix=g.doc.suffix.lower())
    return extract(load_item(item), g.doc_id, str(g.doc), tagger=tagger, system=system)


def diff(gold, got, path="") -> list[str]:
    """Paths where `got` differs from `gold` (keys absent from gold are not compared)."""
    out = []
    if isinstance(gold, dict):
        if not isinstance(got, dict):
            return [f"{path}: expected an object, got {got!r}"]
        for k, v in gold.items():
            out += diff(v, got.get(k), f"{path}.{k}" if path else k)
        return out
    if isinstance(gold, float) or isinstance(got, float):
        if gold is None or got is None or abs(float(gold) - float(got)) > 1e-9:
            if gold != got:
                out.append(f"{path}: expected {gold!r}, got {got!r}")
        return out
    if gold != got:
        out.append(f"{path}: expected {gold!r}, got {got!r}")
    return out
