"""`xxgk export-predictions`: Label Studio pre-annotations, least confident documents first.

Each document becomes a task `{"data": {"text", "doc_id", "source"}, "predictions": [{"model_version",
"score", "result": [...]}]}`; offsets are written in UTF-16 code units as Label Studio expects.
The document score is the mean of its three least confident spans (0 when the model found
nothing, since every report has headers): a person labels first where the model is weakest.
Import the file into a Label Studio project whose labelling config is `LABEL_CONFIG`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xxgk.spans import LABELS, SpanSource
from xxgk.tagger.importers import cp_to_utf16

LABEL_CONFIG = """<View>
  <Labels name="label" toName="text">
""" + "".join(f'    <Label value="{lab}"/>\n' for lab in LABELS) + """  </Labels>
  <Text name="text" value="$text"/>
</View>"""


def doc_score(spans) -> float:
    if not spans:
        return 0.0
    low = sorted(s.score for s in spans)[:3]
    return round(sum(low) / len(low), 4)


def to_task(doc_id: str, source: str, text: str, spans, model_version: str) -> dict:
    result = []
    for i, s in enumerate(spans):
        result.append({"id": f"{doc_id}-{i}", "from_name": "label", "to_name": "text", "type": "labels",
                       "origin": "prediction", "score": s.score,
                       "value": {"start": cp_to_utf16(text, s.start), "end": cp_to_utf16(text, s.end),
                                 "text": text[s.start:s.end], "labels": [s.label]}})
    return {"data": {"text": text, "doc_id": doc_id, "source": source},
            "predictions": [{"model_version": model_version, "score": doc_score(spans), "result": result}]}


def export_predictions(inputs: list[str], output: str | Path, model: str | Path | None = None,
                       batch: int = 8, log: Callable[[str], Any] = print,
                       hints_from: SpanSource | None = None) -> list[dict]:
    """Write Label Studio tasks for `inputs`; `hints_from` (the rules) is needed by a model that reads them."""
    from xxgk.inputs.reading import iter_inputs, load_item
    from xxgk.tagger.loading import load_tagger

    tagger = load_tagger(model)
    version = f"{tagger.info.get('name')}-{tagger.info.get('version')}"
    docs = []
    for item in iter_inputs(list(inputs)):
        try:
            dec = load_item(item)
        except Exception as e:  # noqa: BLE001 - a bad input is reported, not fatal
            log(f"skipped {item.source}: {e}")
            continue
        docs.append((item.doc_id, item.source, dec.text))
    tasks = []
    for k in range(0, len(docs), batch):
        group = docs[k:k + batch]
        texts = [d[2] for d in group]
        hints = [hints_from.spans(t) for t in texts] if tagger.reads_hints and hints_from is not None else None
        for (doc_id, source, text), spans in zip(group, tagger.predict_batch(texts, hints=hints)):
            tasks.append(to_task(doc_id, source, text, spans, version))
    tasks.sort(key=lambda t: (t["predictions"][0]["score"], t["data"]["doc_id"]))
    Path(output).write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    return tasks
