"""The token classifier that tags section headers, counts and categories in report text.

    from xxgk.tagger import load_tagger, TaggerUnavailable, default_model_path
    tagger = load_tagger()                 # $XXGK_MODEL or the shipped tagger (src/xxgk/models/tagger)
    spans = tagger.predict(text, regions=[(a, b), ...])   # list[Span], method=Method.MODEL
    # a model trained with features = "rules" reads the rules' spans too (hints=..., else computed)

Importing this package is cheap: torch, transformers and tokenizers load on first use.
"""

from .model import Tagger, TaggerUnavailable, default_model_path, load_tagger

__all__ = ["Tagger", "TaggerUnavailable", "default_model_path", "load_tagger"]
