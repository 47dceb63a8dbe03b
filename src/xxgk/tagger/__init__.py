"""The token classifier that tags section headers, counts and categories in report text.

    from xxgk.tagger import load_tagger, TaggerUnavailable, default_model_path
    tagger = load_tagger()                 # $XXGK_MODEL or the shipped tagger (src/xxgk/models/tagger)
    spans = tagger.spans(text, regions=[(a, b), ...])   # list[Span], method=Method.MODEL
    # a model trained with features = "rules" reads the rules' spans too:
    #   tagger.spans(text, hints=xxgk.rules.hints.rule_spans(text)) when tagger.reads_hints

The package never imports the rules or the pipeline: whoever runs it passes the rules' spans in.
Modules: bio (tokens, windows, BIO tags), postprocess (spans snapped to the conventions), storage
(int8 weights), loading (a model folder, safely), inference (the Tagger); training: config, data,
synth, encoder, loop, saving, card; labelling tools: importers, export, convert, commands.
Importing this package is cheap: torch, transformers and tokenizers load on first use.
"""

from xxgk.tagger.inference import Tagger
from xxgk.tagger.loading import TaggerUnavailable, default_model_path, load_tagger, preferred_backend

__all__ = ["Tagger", "TaggerUnavailable", "default_model_path", "load_tagger", "preferred_backend"]
