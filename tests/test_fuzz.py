"""Fuzzing: random bytes, random Unicode, truncated and shuffled real reports, enormous lines.

Whatever comes in: no crash, no hang (pytest-timeout and the per-document limit), and no value
that is not in the input — every table cell and narrative number read from the text must be the
text at its provenance offsets (derived sums are marked derived).
"""

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layouts import consistent_table3, report, table4
from xxgk.errors import InputError
from xxgk.pipeline import extract
from xxgk.inputs.reading import Decoded, decode_bytes
from xxgk.rules.reconcile import is_row_sum
from xxgk.record import get_path

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
CHARS = st.characters(codec="utf-8", categories=("L", "N", "P", "Z", "S", "Cc"))
TOKENS = st.sampled_from(["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "\t", "|", "\n",
                          "0", "12", "713000074", "本年新收", "予以公开", "总计", "行政复议", "第二十条", "1.属于国家秘密",
                          "-", "不适用", "余条", "收到申请", "件", " ", "（六）其他处理", "结转下年度", "2022年"])


def assert_values_come_from_the_text(rec, text):
    for path, prov in rec.provenance.items():
        if is_row_sum(prov):
            continue
        value = get_path(rec, path)
        if value is None or prov.start is None or path.startswith("meta."):
            continue
        raw = text[prov.start:prov.end].replace(",", "")
        raw = raw.translate(str.maketrans("０１２３４５６７８９－", "0123456789-"))
        assert re.fullmatch(r"[+\-−]?\d+(?:\.\d+)?", raw.strip()), (path, raw)
        assert float(raw.strip().replace("−", "-")) == float(value), (path, raw, value)
    for n in rec.narrative:
        digits = re.sub(r"[^\d.]", "", text[n.start:n.end].translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        assert digits, n
    for s in rec.sections:
        assert 0 <= s.start < s.end <= len(text)


def run(text):
    rec = extract(Decoded(text=text, sha256="x"), "d", "s", system="rules")
    assert rec.status in ("ok", "partial", "failed")
    return rec


@FUZZ
@given(st.binary(max_size=3000))
@pytest.mark.timeout(120)
def test_random_bytes(data):
    try:
        dec = decode_bytes(data, ".txt", "fuzz.txt")
    except InputError as e:
        assert e.message[:1] == "E" and "fuzz.txt" in e.message
        return
    rec = extract(dec, "d", "s", system="rules")
    assert_values_come_from_the_text(rec, dec.text)


@FUZZ
@given(st.text(CHARS, max_size=3000))
@pytest.mark.timeout(120)
def test_random_unicode(text):
    assert_values_come_from_the_text(run(text), text)


@FUZZ
@given(st.lists(TOKENS, max_size=400))
@pytest.mark.timeout(120)
def test_random_report_shaped_tokens(tokens):
    text = "".join(tokens)
    assert_values_come_from_the_text(run(text), text)


@FUZZ
@given(st.integers(0, 10_000), st.sampled_from(["tab", "cells", "spaced", "pipe", "glued", "pdf"]),
       st.floats(0.05, 1.0), st.booleans())
@pytest.mark.timeout(120)
def test_truncated_and_shuffled_reports(seed, layout, keep, shuffle):
    rnd = random.Random(seed)
    text = report(consistent_table3(seed % 50), table4(seed % 7), layout=layout)
    text = text[: max(1, int(len(text) * keep))]
    if shuffle:
        lines = text.split("\n")
        rnd.shuffle(lines)
        text = "\n".join(lines)
    assert_values_come_from_the_text(run(text), text)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("text", [
    "|" * 300_000,
    "1" * 200_000,
    "三、收到和处理政府信息公开申请情况 申请人情况 一、本年新收政府信息公开申请数量 " + "1" * 100_000,
    "一、总体情况" * 40_000,
    "\n" * 300_000 + "一、总体情况",
    ("一、总体情况 2022年主动公开政府信息100条，其中工作动态50条。" * 4000),
    ("\t" * 500 + "0\n") * 400,
    "收到政府信息公开申请" * 20_000,
])
def test_enormous_single_lines_finish(text):
    run(text)
