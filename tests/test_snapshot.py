"""The rules' sections and narrative on a handful of corpus reports, against a committed snapshot
(tests/data/rules-snapshot.json): a restructuring must leave them exactly as they were.

Only what the rules decide about headers and counts is compared (numbers, offsets, titles,
confidences, categories, values, TOTAL flags), not the rest of the record, which other work extends.
After an intended change, rewrite the snapshot with `XXGK_WRITE_SNAPSHOT=1 pytest tests/test_snapshot.py`
and say in the commit what changed.
"""

import json
import os
from pathlib import Path

import pytest

from xxgk.pipeline import extract
from xxgk.inputs.reading import InputItem, load_item

SNAPSHOT = Path(__file__).parent / "data" / "rules-snapshot.json"
DOCS = ("full/003.txt", "full/004.md", "full/006.html", "more/014.txt", "pages/028.txt", "seeds/004_e80fb3b6824ca3a9.txt")


def _view(rec) -> dict:
    return {"sections": [[s.number, s.start, s.end, s.title, s.method, s.confidence] for s in rec.sections],
            "narrative": [[n.start, n.end, n.value, n.unit, n.approximate, n.category, n.category_start,
                           n.category_end, n.total, n.method, n.confidence] for n in rec.narrative]}


def test_rules_sections_and_narrative_as_snapshotted(corpus):
    got = {}
    for rel in DOCS:
        p = corpus / rel
        if not p.exists():
            pytest.skip(f"{p} not in this corpus")
        dec = load_item(InputItem(doc_id=p.stem, source=str(p), path=str(p), suffix=p.suffix.lower()))
        got[rel] = _view(extract(dec, p.stem, str(p), system="rules"))
    if os.environ.get("XXGK_WRITE_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for rel in DOCS:
        assert got[rel] == want[rel], rel
