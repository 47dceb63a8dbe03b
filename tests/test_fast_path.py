"""The fast model path (issue 15): ONNX Runtime instead of torch, and the tagger reading only the
regions that can change a record.  Checked here: the exported graph computes what the torch network
computes; the focused regions keep every count of the overview with its sentence; on corpus reports the
fast path finds the same counts as the reference path (torch on the whole overview); extraction works
without onnxruntime (torch answers) and with a stale or damaged graph.  No timing is asserted: speed is
`make bench` (docs/benchmarks.md)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from xxgk.inputs.reading import iter_inputs, load_item
from xxgk.tagger import TaggerUnavailable, load_tagger

from conftest import TINY_DOCS

pytest.importorskip("onnxruntime")
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "src" / "xxgk" / "models" / "tagger"
CORPUS = ROOT.parent / "shared" / "corpus"
# a few corpus reports of different layouts (plain text, a crawl page, a seed)
FEW = ["seeds/000_93c1fd8d0891e013.txt", "seeds/003_f92c760234a9fe68.txt", "pages/001.txt", "pages/003.txt", "full/003.txt"]


def _key(spans):
    return [(s.start, s.end, s.label) for s in spans]


def test_tiny_model_onnx_graph_computes_the_torch_logits(tiny_model, tmp_path):
    """The export itself: an fp32 graph (no quantisation) gives torch's fp32 logits, to float precision."""
    import numpy as np

    from xxgk.tagger.onnx_export import export_onnx
    from xxgk.tagger.runtime import OnnxRunner

    folder = tmp_path / "m"
    shutil.copytree(tiny_model, folder)
    rec = export_onnx(folder, quantize=False)
    assert rec["quantization"] == "none" and (folder / "model.onnx").stat().st_size == rec["bytes"]
    torch_tagger = load_tagger(folder, backend="torch", runtime_quant="none", device="cpu")
    rng = np.random.default_rng(0)
    vocab = torch_tagger.tokenizer.get_vocab_size()
    ids = rng.integers(4, vocab, size=(3, 17)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[1, 11:] = 0  # a padded row
    types = np.zeros_like(ids)
    a = OnnxRunner(folder / "model.onnx", threads=1)(ids, mask, types)
    b = torch_tagger.runner(ids, mask, None if not torch_tagger.reads_hints else types)
    assert a.shape == b.shape
    np.testing.assert_allclose(a[mask == 1], b[mask == 1], atol=1e-4)


def test_tiny_model_int8_graph_gives_the_trained_spans(tiny_model):
    """Training writes model.onnx (int8); loading picks it, and it reproduces every trained span, as torch does."""
    meta = json.loads((tiny_model / "tagger.json").read_text())
    assert meta["onnx"]["file"] == "model.onnx" and (tiny_model / "model.onnx").is_file()
    fast, ref = load_tagger(tiny_model), load_tagger(tiny_model, backend="torch")
    assert fast.backend == "onnx" and ref.backend == "torch"
    texts = [d["text"] for d in TINY_DOCS]
    for doc, a, b in zip(TINY_DOCS, fast.predict_batch(texts), ref.predict_batch(texts)):
        assert sorted(s.key() for s in a) == sorted(tuple(x) for x in doc["spans"]) == sorted(s.key() for s in b)


@pytest.fixture(scope="module")
def shipped_pair():
    if not (SHIPPED / "model.onnx").is_file():
        pytest.skip("no shipped model.onnx")
    return load_tagger(SHIPPED, backend="onnx"), load_tagger(SHIPPED, backend="torch", device="cpu")


@pytest.fixture(scope="module")
def few_docs():
    if not CORPUS.is_dir():
        pytest.skip("no corpus at ../shared/corpus")
    return [(p, load_item(next(iter_inputs([str(CORPUS / p)])))) for p in FEW]


def test_shipped_onnx_and_torch_agree_token_by_token(shipped_pair, few_docs):
    """Both runtimes quantise to int8, each its own way, so their probabilities differ a little: the
    tag of nearly every token is the same, and the spans of most reports are identical."""
    from xxgk.rules.hints import rule_spans

    fast, ref = shipped_pair
    import numpy as np

    agree = total = same_docs = 0
    for _p, dec in few_docs:
        hints = rule_spans(dec.text)
        enc = fast.tokenizer.encode(dec.text[:2000], add_special_tokens=False)
        ids = np.array([[fast.meta["cls_id"], *enc.ids[:200], fast.meta["sep_id"]]], dtype=np.int64)
        mask = np.ones_like(ids)
        types = np.zeros_like(ids)
        ta, tb = fast.runner(ids, mask, types).argmax(-1), ref.runner(ids, mask, types).argmax(-1)
        agree += int((ta == tb).sum())
        total += ta.size
        same_docs += _key(fast.spans(dec.text, hints=hints)) == _key(ref.spans(dec.text, hints=hints))
    assert agree / total >= 0.97
    assert same_docs >= len(few_docs) // 2


def test_focused_regions_hold_every_count_of_the_overview(few_docs):
    from xxgk.rules import labels
    from xxgk.rules.meta import extract_meta
    from xxgk.rules.regions import model_regions
    from xxgk.rules.sections import choose, find_candidates, to_sections
    from xxgk.text import Text

    kept = whole = 0
    for p, dec in few_docs:
        t = Text(dec.text)
        _m, title = extract_meta(t)
        cands = find_candidates(t, title.end if title else None)
        secs = to_sections(t, choose(cands))
        ref = model_regions(t, cands, secs, focus=False)
        fast = model_regions(t, cands, secs, focus=True)
        kept += sum(b - a for a, b in fast)
        whole += sum(b - a for a, b in ref)
        assert all(any(x <= a and b <= y for x, y in ref) for a, b in fast), p  # a subset
        overview = ref[0] if ref else (0, 0)
        for m in labels.COUNT.finditer(t.match, *overview):
            assert any(a <= m.start() and m.end() <= b for a, b in fast), (p, m.group(0))
    assert kept < 0.8 * whole


def test_fast_path_finds_the_reference_counts(shipped_pair, few_docs, monkeypatch):
    """The records of the fast path (ONNX, focused regions) against the reference path (torch, the
    whole overview): the same sections and the same counts.  Categories and the TOTAL flag may differ
    where the model's own noise does (its category extents move with the window's start: see
    docs/benchmarks.md); so may a score near the threshold, where the rules then answer."""
    from xxgk.pipeline import extract
    from xxgk.rules import regions

    fast, ref = shipped_pair
    for p, dec in few_docs:
        a = extract(dec, "d", p, tagger=fast)
        monkeypatch.setattr(regions, "FOCUS", False)
        b = extract(dec, "d", p, tagger=ref)
        monkeypatch.setattr(regions, "FOCUS", True)
        assert [(s.number, s.start, s.end) for s in a.sections] == [(s.number, s.start, s.end) for s in b.sections], p
        assert [(n.start, n.end, n.value) for n in a.narrative] == [(n.start, n.end, n.value) for n in b.narrative], p
        assert a.active_disclosure == b.active_disclosure and a.applications == b.applications, p


def test_extraction_without_onnxruntime_runs_torch(tiny_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime → ImportError
    tg = load_tagger(tiny_model)
    assert tg.backend == "torch" and "onnxruntime is not installed" in tg.info["backend_note"]
    text = TINY_DOCS[0]["text"]
    assert sorted(s.key() for s in tg.spans(text)) == sorted(tuple(x) for x in TINY_DOCS[0]["spans"])
    with pytest.raises(TaggerUnavailable, match="onnxruntime"):
        load_tagger(tiny_model, backend="onnx")


def test_shipped_extraction_without_onnxruntime(few_docs):
    """The whole command, in a fresh process where onnxruntime cannot be imported: the tagger still
    answers (torch), and the record says so."""
    import subprocess

    code = ("import sys; sys.modules['onnxruntime'] = None\n"
            "from xxgk.batch.local import Extractor, Options\n"
            "from xxgk.inputs.reading import iter_inputs\n"
            "ex = Extractor(Options())\n"
            f"rec = ex(list(iter_inputs([{str(CORPUS / FEW[0])!r}])))[0]\n"
            "print(ex.tagger.backend, rec.producer.system, bool(rec.producer.tagger), rec.methods['narrative'])\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["torch", "combined", "True", "combined"]


@pytest.mark.parametrize("damage", ["stale", "garbage", "missing"])
def test_a_stale_or_damaged_graph_falls_back_to_torch(tiny_model, tmp_path, damage):
    folder = tmp_path / "m"
    shutil.copytree(tiny_model, folder)
    if damage == "stale":  # the weights changed after the export
        meta = json.loads((folder / "tagger.json").read_text())
        meta["onnx"]["weights_sha256"] = "0" * 64
        (folder / "tagger.json").write_text(json.dumps(meta))
    elif damage == "garbage":
        (folder / "model.onnx").write_bytes(b"not a graph")
    else:
        (folder / "model.onnx").unlink()
    tg = load_tagger(folder)
    assert tg.backend == "torch" and tg.info["backend_note"]
    with pytest.raises(TaggerUnavailable):
        load_tagger(folder, backend="onnx")
