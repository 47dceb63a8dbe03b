"""Shared test helpers: run the pipeline on a string or bytes without touching the CLI."""

from xxgk.pipeline import extract
from xxgk.inputs.reading import Decoded, decode_bytes
from xxgk.spans import Method, Span


def run_text(text: str, system: str = "rules", **kw):
    return extract(Decoded(text=text, sha256="test"), "doc", "test", system=system, **kw)


def run_bytes(data: bytes, suffix: str = ".txt"):
    dec = decode_bytes(data, suffix, f"test{suffix}")
    return extract(dec, "doc", f"test{suffix}", system="rules")


def cells(rec, table: str) -> dict:
    obj = getattr(rec, table)
    return obj.model_dump() if obj is not None else {}


class ContextFreeTagger:
    """A SpanTagger whose answer at a place depends on nothing but the text there, and which answers only
    inside the regions it is given (as the real tagger does): a COUNT on every number with a counting
    unit, a CATEGORY on the four characters before it when they are Chinese, a SECTION on every header
    line (`conventions.header_lines` of the whole text) inside a region.  Sending it less text can
    change a record only if the gating left out a place where its spans would have been used."""

    threshold = 0.6
    reads_hints = False
    info = {"name": "context-free"}

    def __init__(self):
        self.calls: list[list[tuple[int, int]]] = []
        self.batches: list[int] = []  # texts per predict_batch call

    def spans(self, text, regions=None, hints=None):
        import re

        from xxgk.conventions import header_lines
        from xxgk.rules.labels import COUNT

        regions = [(0, len(text))] if regions is None else list(regions)
        self.calls.append(regions)
        out = []
        for a, b in regions:
            for m in COUNT.finditer(text, a, b):
                if m.end() > b:
                    continue
                out.append(Span(m.start("num"), m.end(), "COUNT", 0.9, Method.MODEL))
                c = m.start("num")
                if c - 4 >= a and re.fullmatch(r"[\u4e00-\u9fff]{4}", text[c - 4:c]):
                    out.append(Span(c - 4, c, "CATEGORY", 0.9, Method.MODEL))
            out += [Span(x, y, "SECTION", 0.9, Method.MODEL) for x, y in header_lines(text) if a <= x and y <= b]
        return sorted(out, key=lambda s: (s.start, s.end))

    def predict_batch(self, texts, regions=None, hints=None):
        self.batches.append(len(texts))
        regions = regions or [None] * len(texts)
        return [self.spans(t, r) for t, r in zip(texts, regions)]
