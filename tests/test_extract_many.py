"""Many documents in lock-step (`pipeline.extract_many`, `batch.local.extract_items_batched`): the tagger's
requests of all of them answered by one `predict_batch` per step, as a GPU needs.  With a tagger whose
answer at a place depends only on the text there, the records are those of one document at a time; a
document that fails costs itself only."""

import pytest

from xxgk import pipeline
from xxgk.batch.local import Extractor, Options, extract_items_batched
from xxgk.inputs.reading import InputItem, iter_inputs, load_item
from xxgk.pipeline import extract, extract_many

from helpers import ContextFreeTagger


def _key(rec):
    return rec.model_dump(exclude={"producer"})


@pytest.fixture(scope="module")
def pages(corpus):
    items = list(iter_inputs([str(corpus / "pages")]))[:24] + list(iter_inputs([str(corpus / "seeds")]))
    return [(load_item(i), i.doc_id, i.source, i.url) for i in items]


def test_lock_step_gives_the_records_of_one_at_a_time(pages):
    tagger = ContextFreeTagger()
    many = extract_many(pages, tagger, system="combined")
    assert tagger.batches and max(tagger.batches) > 1  # requests of several documents shared a call
    one = [extract(dec, d, s, u, tagger=ContextFreeTagger(), system="combined") for dec, d, s, u in pages]
    assert [_key(r) for r in many] == [_key(r) for r in one]
    assert any(n.method == "model" for r in many for n in r.narrative)  # the stand-in's answers were used


def test_a_document_that_raises_costs_itself_only(pages, monkeypatch):
    real = pipeline.extract_steps

    def steps(dec, doc_id, *a, **kw):
        if doc_id == pages[1][1]:
            raise RuntimeError("broken document")
        return real(dec, doc_id, *a, **kw)

    monkeypatch.setattr(pipeline, "extract_steps", steps)
    out = extract_many(pages[:3], ContextFreeTagger(), system="combined")
    assert isinstance(out[1], RuntimeError)
    assert [r.doc_id for r in (out[0], out[2])] == [pages[0][1], pages[2][1]]


def test_a_failing_tagger_leaves_the_rules_answer_with_w140(pages):
    class Broken(ContextFreeTagger):
        def predict_batch(self, texts, regions=None, hints=None):
            raise RuntimeError("CUDA out of memory")

    out = extract_many(pages[:4], Broken(), system="combined")
    rules = [extract(dec, d, s, u, system="rules") for dec, d, s, u in pages[:4]]
    failed = [any(w.startswith("W140") for w in r.warnings) for r in out]
    assert any(failed)
    # where the tagger was asked, the rules answered; a document with nothing to ask it stays combined
    assert [r.methods.get("narrative") for r in out] == ["rules" if f else "combined" for f in failed]
    assert [[(n.start, n.value) for n in r.narrative] for r in out] == [[(n.start, n.value) for n in r.narrative]
                                                                        for r in rules]


def test_the_batch_engine_keeps_order_and_names_an_unreadable_input(corpus, tmp_path):
    good = [InputItem(doc_id=p.stem, source=str(p), path=str(p), suffix=".txt")
            for p in sorted((corpus / "seeds").glob("*.txt"))[:2]]
    missing = InputItem(doc_id="gone", source=str(tmp_path / "gone.txt"), path=str(tmp_path / "gone.txt"), suffix=".txt")
    recs = extract_items_batched([good[0], missing, good[1]], Options(), ContextFreeTagger())
    assert [r.doc_id for r in recs] == [good[0].doc_id, "gone", good[1].doc_id]
    assert recs[1].status == "failed" and recs[1].errors[0].startswith("E0")
    assert recs[0].status != "failed" and recs[0].methods["narrative"] == "combined"


def test_on_cpu_the_engine_extracts_one_document_at_a_time():
    """Runtime-quantised int8 scales its activations per batch, so on CPU documents never share one."""
    ex = Extractor(Options(use_model=False))
    assert not ex.batched
    ex.tagger = ContextFreeTagger()
    assert not ex.batched  # the stand-in has no device: CPU
    ex.tagger.device = "cuda:0"
    ex.opts = Options()
    assert ex.batched


def test_the_shipped_tagger_answers_a_batch(pages):
    """The real tagger's predict_batch drives extract_many (CPU here: records valid, the tagger used)."""
    from xxgk.tagger import TaggerUnavailable, load_tagger

    try:
        tagger = load_tagger()
    except TaggerUnavailable as e:
        pytest.skip(str(e))
    out = extract_many(pages[:6], tagger, system="combined")
    assert all(not isinstance(r, Exception) and r.methods["narrative"] == "combined" for r in out)
