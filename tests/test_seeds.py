"""The five seed reports: every table cell right, all six sections, every check PASS (vs annotations/)."""

import pytest

from goldcmp import diff, run_gold
from xxgk.gold import load_gold

SEEDS = [f"seed-00{i}" for i in range(5)]


@pytest.mark.parametrize("doc_id", SEEDS)
def test_seed_matches_gold(doc_id, annotations_dir):
    g = load_gold(annotations_dir / "gold" / f"{doc_id}.json")
    rec = run_gold(g)
    got = rec.model_dump()
    for table in ("active_disclosure", "applications", "review_litigation"):
        assert got[table] is not None, f"{doc_id}: {table} not found"
        assert diff(g.record[table], got[table]) == [], f"{doc_id}: {table} differs"
    assert [s.number for s in rec.sections] == [1, 2, 3, 4, 5, 6]
    assert [(s.number, s.start, s.end) for s in rec.sections] == [(s.number, s.start, s.end) for s in g.sections()]
    assert rec.checks, "no checks were run"
    failing = [c.rule for c in rec.checks if c.status != "PASS"]
    assert failing == [], f"{doc_id}: checks not passing: {failing}"
    assert diff(g.record["meta"], got["meta"]) == []
    assert rec.format == g.record["format"] and rec.status == g.record["status"]
