"""Text with spans highlighted, as HTML: spaCy's displaCy span renderer in manual mode (no
trained pipeline needed), with a plain <mark> fallback when spaCy cannot be imported; the box
around it and the fallback are the template `templates/spans.html` (its CSS: `spans.css`).

Chinese text has no spaces, so tokens are the stretches between span boundaries (a few per
span, not one per character); displaCy's extra space after each token is removed again, and
the text keeps its line breaks (`white-space: pre-wrap`).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Sequence

from markupsafe import Markup

from xxgk.evaluation.templating import render as render_template

_SEP = "\u2063"  # invisible separator: marks the end of each token so displaCy's added space can go

# colours per label (gold and system variants get lighter/darker shades)
BASE_COLORS = {
    "SECTION": "#7aecec",
    "COUNT": "#feca74",
    "TOTAL": "#ff9561",
    "CATEGORY": "#aa9cfc",
    "DERIVED": "#c7f0a0",
    "FAILED CHECK": "#ff6b6b",
    "CELL": "#e4e7d2",
}


def _color_for(label: str) -> str:
    base = label.split(" ")[-1] if label.split(" ")[-1] in BASE_COLORS else label
    if label.startswith("gold "):
        return "#9be39b"
    if label in BASE_COLORS:
        return BASE_COLORS[label]
    return BASE_COLORS.get(base, "#ddd")


def _tokens(text: str, spans: Sequence[tuple]) -> tuple[list[str], list[int]]:
    cut_set = {0, len(text)}
    for a, b, *_ in spans:
        cut_set.add(max(0, min(len(text), a)))
        cut_set.add(max(0, min(len(text), b)))
    cuts = sorted(cut_set)
    starts = cuts[:-1]
    return [text[a:b] for a, b in pairwise(cuts)], starts


def render(text: str, spans: Sequence[tuple], title: str | None = None) -> Markup:
    """HTML for `text` with `spans` = [(start, end, label), ...] (offsets into text), safe to put in a template."""
    spans = [(int(a), int(b), str(lab)) for a, b, lab, *_ in spans if 0 <= a < b <= len(text)]
    try:
        return _render_displacy(text, spans, title)
    except Exception:  # noqa: BLE001 - spaCy missing or changed: a plain rendering still shows the spans
        return _render_marks(text, spans, title)


def _render_displacy(text: str, spans, title):
    from spacy import displacy

    toks, starts = _tokens(text, spans)
    index = {a: i for i, a in enumerate(starts)}
    ends = {}
    for i, a in enumerate(starts):
        ends[a + len(toks[i])] = i + 1
    ents = []
    for a, b, lab in spans:
        ents.append({"start_token": index[a], "end_token": ends[b], "label": lab})
    colors = {lab: _color_for(lab) for _, _, lab in spans}
    doc = {"text": text, "tokens": [t + _SEP for t in toks], "spans": ents}
    template = {
        "span": '<span style="font-weight:bold;display:inline-block;position:relative;height:{total_height}px;">'
                '{text}{span_slices}{span_starts}</span>',
        "slice": '<span style="background:{bg};top:{top_offset}px;height:4px;left:-1px;width:calc(100% + 2px);'
                 'position:absolute;"></span>',
        "start": '<span style="background:{bg};top:{top_offset}px;height:4px;border-top-left-radius:3px;'
                 'border-bottom-left-radius:3px;left:-1px;width:calc(100% + 2px);position:absolute;">'
                 '<span style="background:{bg};z-index:10;color:#000;top:-0.5em;padding:2px 3px;position:absolute;'
                 'font-size:0.6em;font-weight:bold;line-height:1;border-radius:3px;white-space:nowrap">{label}{kb_link}'
                 '</span></span>',
    }
    markup = displacy.render(doc, style="span", manual=True, page=False, jupyter=False,
                             options={"colors": colors, "template": template, "top_offset": 28,
                                      "span_label_offset": 14, "top_offset_step": 12})
    markup = markup.replace(_SEP + " ", "").replace(_SEP, "")
    # displaCy wraps in <div class="spans" style="line-height: 2.5; ...">; keep it, inside our box
    return Markup(render_template("spans.html", title=title, markup=Markup(markup.strip()), tokens=None))


def _render_marks(text: str, spans, title):
    toks, starts = _tokens(text, spans)
    tokens = []
    for a, tok in zip(starts, toks):
        labs = [lab for s, e, lab in spans if s <= a < e]
        tokens.append({"text": tok, "labels": labs, "color": _color_for(labs[0]) if labs else None})
    return Markup(render_template("spans.html", title=title, markup=None, tokens=tokens))


def excerpts(n: int, points: Sequence[tuple[int, int]], context: int = 80, limit: int = 8) -> list[tuple[int, int]]:
    """Merged windows of `context` characters around each (start, end), at most `limit` of them."""
    wins = sorted((max(0, a - context), min(n, b + context)) for a, b in points)
    merged: list[list[int]] = []
    for a, b in wins:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged[:limit]]
