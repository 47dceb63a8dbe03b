"""Gold inputs of `xxgk evaluate`: validated on load, and a bad one gives an error naming it."""

import json
import shutil

import pytest

from xxgk.evaluation.runner import EvalInputError, load_inputs, parse_splits
from xxgk.gold import GoldError, load_gold, load_gold_jsonl

TEXT = "一、总体情况\n全年主动公开政府信息185条。"


def _write(path, obj):
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def gold_folder(tmp_path, annotations_dir):
    """A copy of one real fixture, laid out as annotations/ (gold/ + docs/)."""
    (tmp_path / "gold").mkdir()
    (tmp_path / "docs").mkdir()
    shutil.copy(annotations_dir / "docs" / "seed-000.txt", tmp_path / "docs")
    raw = json.loads((annotations_dir / "gold" / "seed-000.json").read_text(encoding="utf-8"))
    return tmp_path, raw


@pytest.mark.parametrize("change, message", [
    (lambda r: r.pop("record"), "missing key 'record'"),
    (lambda r: r.update(split="holdout"), "split must be one of"),
    (lambda r: r.update(doc="docs/nothing.txt"), "labelled document docs/nothing.txt not found"),
    (lambda r: r["spans"][0].update(end=10 ** 7), "outside the text"),
    (lambda r: r["spans"][0].update(text="不是这个"), "!= text slice"),
    (lambda r: r["spans"][0].update(label="THING"), "unknown label 'THING'"),
    (lambda r: r["record"].update(format="1999"), "record does not match the spec at format"),
    (lambda r: r["record"]["applications"]["granted"].update(total="many"), "record does not match the spec"),
    (lambda r: r.update(checked=["tables"]), "unknown checked keys"),
])
def test_bad_gold_file_names_itself(gold_folder, change, message):
    folder, raw = gold_folder
    change(raw)
    bad = _write(folder / "gold" / "seed-000.json", raw)
    with pytest.raises(GoldError) as e:
        load_gold(bad)
    assert str(bad) in str(e.value) and message in str(e.value)
    # the same error comes out of `evaluate`'s loader (folder input, every split)
    with pytest.raises(EvalInputError) as e2:
        load_inputs(folder, "all")
    assert str(bad) in str(e2.value) and message in str(e2.value)


def test_invalid_json_names_file(tmp_path):
    (tmp_path / "gold").mkdir()
    bad = tmp_path / "gold" / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(EvalInputError, match="x.json: cannot read gold JSON"):
        load_inputs(tmp_path, "all")


def test_jsonl_inline_text_and_plain_spans(tmp_path):
    lines = [
        {"doc_id": "g1", "text": TEXT, "checked": ["sections"], "record": {},
         "spans": [{"label": "SECTION", "number": 1, "start": 0, "end": 6, "text": "一、总体情况"}]},
        {"id": "p1", "text": TEXT, "spans": [{"start": 17, "end": 21, "label": "TOTAL"}, [13, 17, "CATEGORY"]]},
        {"id": "p2", "text": TEXT, "spans": [{"start": 0, "end": 6, "label": "HEADING"}]},  # any label
    ]
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    golds = load_gold_jsonl(path)
    assert [g.doc_id for g in golds] == ["g1", "p1", "p2"]
    assert golds[0].doc is None and golds[0].split == "test" and not golds[0].spans_only
    assert golds[1].spans_only and [s.label for s in golds[1].spans] == ["CATEGORY", "TOTAL"]
    golds2, note = load_inputs(path)
    assert len(golds2) == 3 and "all lines" in note


def test_jsonl_doc_relative_to_jsonl(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "r.txt").write_text(TEXT, encoding="utf-8")
    path = _write(tmp_path / "g.jsonl", {"doc_id": "r", "doc": "d/r.txt", "record": {"status": "partial"},
                                         "spans": []})
    (g,) = load_gold_jsonl(path)
    assert g.text == TEXT and g.doc == (tmp_path / "d" / "r.txt").resolve()


@pytest.mark.parametrize("line, message", [
    ("{oops", "line 2: invalid JSON"),
    (json.dumps({"id": "x", "text": TEXT, "spans": [{"start": 5, "end": 999, "label": "COUNT"}]}),
     "line 2: span 0 offsets 5:999 outside the text"),
    (json.dumps({"id": "x", "text": TEXT, "spans": [{"start": 0, "end": 6, "label": "S", "text": "二、"}]}),
     "line 2: span 0 text"),
    (json.dumps({"doc_id": "x", "record": {}, "spans": []}), "line 2: missing key 'doc'"),
    (json.dumps({"id": "ok", "text": TEXT, "spans": []}), "line 2: duplicate id 'ok'"),
])
def test_bad_jsonl_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"id": "ok", "text": TEXT, "spans": []}) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(EvalInputError) as e:
        load_inputs(path)
    assert str(path) in str(e.value) and message in str(e.value)


def test_splits_and_defaults(annotations_dir):
    assert parse_splits("all") is None and parse_splits("dev,test") == ("dev", "test")
    with pytest.raises(EvalInputError, match="unknown split"):
        parse_splits("holdout")
    golds, note = load_inputs(annotations_dir)
    assert {g.split for g in golds} == {"test"} and "split test (the default" in note
    golds, note = load_inputs(annotations_dir, "dev")
    assert {g.split for g in golds} == {"dev"}
    with pytest.raises(EvalInputError, match="no such file"):
        load_inputs(annotations_dir / "missing")
