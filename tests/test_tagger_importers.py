"""Importers (Label Studio full JSON and JSON_MIN, doccano JSONL) with UTF-16 offsets, and the
round trip through the pre-annotation export: every span re-slices to its text."""

import json

import pytest

from xxgk.spans import Span
from xxgk.tagger.export import LABEL_CONFIG, doc_score, to_task
from xxgk.tagger.importers import ImportError_, cp_to_utf16, import_file, utf16_to_cp, write_plain

# 𠮷 (U+20BB7) and 😀 are outside the BMP: one Python character, two UTF-16 code units
TEXT = "𠮷市人民政府😀报告\n一、总体情况\n全年主动公开政府信息185条，其中工作动态90条。"
SPANS = [("一、总体情况", "SECTION"), ("政府信息", "CATEGORY"), ("185条", "TOTAL"), ("工作动态", "CATEGORY"),
         ("90条", "COUNT")]


def _cp_spans():
    out, pos = [], 0
    for s, lab in SPANS:
        a = TEXT.index(s, pos)
        out.append((a, a + len(s), lab))
        pos = a + len(s)
    return out


def _u16(i):
    return cp_to_utf16(TEXT, i)


def test_utf16_tables():
    assert len(TEXT.encode("utf-16-le")) // 2 == len(TEXT) + 2
    t = utf16_to_cp(TEXT)
    for a, b, _ in _cp_spans():
        assert t[_u16(a)] == a and t[_u16(b)] == b


def _check(docs):
    assert len(docs) == 1
    d = docs[0]
    assert d["text"] == TEXT
    assert [(s["start"], s["end"], s["label"]) for s in d["spans"]] == _cp_spans()
    for s in d["spans"]:
        assert TEXT[s["start"]:s["end"]] == s["text"]


def test_labelstudio_full(tmp_path):
    result = [{"id": f"r{i}", "from_name": "label", "to_name": "text", "type": "labels",
               "value": {"start": _u16(a), "end": _u16(b), "text": TEXT[a:b], "labels": [lab]}}
              for i, (a, b, lab) in enumerate(_cp_spans())]
    tasks = [{"id": 1, "data": {"text": TEXT, "doc_id": "x"},
              "annotations": [{"id": 1, "was_cancelled": True, "result": []},
                              {"id": 2, "result": result, "updated_at": "2025-01-01"}]},
             {"id": 2, "data": {"text": "未标注"}, "annotations": []}]
    p = tmp_path / "ls.json"
    p.write_text(json.dumps(tasks, ensure_ascii=False))
    docs, stats = import_file(p)
    assert stats["format"] == "labelstudio" and stats["unannotated"] == 1
    _check(docs)
    assert docs[0]["id"] == "x"


def test_labelstudio_min(tmp_path):
    items = [{"id": 5, "text": TEXT, "annotator": 1,
              "label": [{"start": _u16(a), "end": _u16(b), "text": TEXT[a:b], "labels": [lab]} for a, b, lab in _cp_spans()]
              + [{"start": 0, "end": 1, "text": TEXT[0], "labels": ["ORG"]}]}]
    p = tmp_path / "min.json"
    p.write_text(json.dumps(items, ensure_ascii=False))
    docs, stats = import_file(p)
    assert stats["format"] == "labelstudio-min" and stats["unknown_labels"] == {"ORG": 1}
    _check(docs)


@pytest.mark.parametrize("key", ["label", "labels", "entities"])
def test_doccano(tmp_path, key):
    if key == "entities":
        spans = [{"id": i, "label": lab, "start_offset": a, "end_offset": b} for i, (a, b, lab) in enumerate(_cp_spans())]
    else:
        spans = [[a, b, lab] for a, b, lab in _cp_spans()]
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"id": 3, "text": TEXT, key: spans}, ensure_ascii=False) + "\n\n")
    docs, stats = import_file(p, "doccano")
    assert stats["format"] == "doccano"
    _check(docs)


def test_doccano_utf16_offsets(tmp_path):
    spans = [[_u16(a), _u16(b), lab] for a, b, lab in _cp_spans()]
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"text": TEXT, "label": spans}, ensure_ascii=False))
    from xxgk.tagger.importers import import_file as imp

    docs, _ = imp(p, "doccano", offsets="utf16")
    _check(docs)


def test_bad_exports_are_clear_errors(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("[{\"text\": 1}]")
    with pytest.raises(ImportError_):
        import_file(p, "labelstudio-min")
    p.write_text(json.dumps([{"text": "abc", "label": [{"start": 0, "end": 9, "text": "zz", "labels": ["COUNT"]}]}]))
    with pytest.raises(ImportError_, match="does not fit"):
        import_file(p)
    p.write_text("[{")
    with pytest.raises(ImportError_):
        import_file(p, "labelstudio")


def test_roundtrip_export_import(tmp_path):
    """Model pre-annotations → Label Studio → import: every span re-slices the same text."""
    preds = [Span(a, b, lab, 0.5 + 0.1 * i, "model") for i, (a, b, lab) in enumerate(_cp_spans())]
    task = to_task("doc-1", "doc-1.txt", TEXT, preds, "tiny")
    assert task["predictions"][0]["score"] == doc_score(preds) == pytest.approx(0.6)
    # a person accepts the predictions: they become the annotation
    task["annotations"] = [{"id": 1, "result": task["predictions"][0]["result"]}]
    p = tmp_path / "rt.json"
    p.write_text(json.dumps([task], ensure_ascii=False))
    docs, _ = import_file(p)
    _check(docs)
    out = tmp_path / "plain.jsonl"
    write_plain(docs, out)
    from xxgk.tagger.data import read_jsonl

    ex = read_jsonl(out)[0]
    assert ex.spans == _cp_spans() and all(ex.text[a:b] for a, b, _ in ex.spans)
    assert "<Labels" in LABEL_CONFIG and "CATEGORY" in LABEL_CONFIG


def test_cli_import(tmp_path):
    import typer
    from typer.testing import CliRunner

    from xxgk.tagger import commands

    app = typer.Typer()
    app.command("import-annotations")(commands.import_annotations)
    app.command("noop")(lambda: None)
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"text": TEXT, "label": [[a, b, lab] for a, b, lab in _cp_spans()]}, ensure_ascii=False))
    out = tmp_path / "o.jsonl"
    r = CliRunner().invoke(app, ["import-annotations", str(p), "-o", str(out), "--format", "doccano"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["spans"][0]["text"] == "一、总体情况"
