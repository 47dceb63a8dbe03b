"""Models shipped inside the package (package data, found with importlib.resources), so that a
plain `pip install` or a built wheel extracts with them and no path outside the package is needed.

- `tagger/`: the fine-tuned token classifier (safetensors, tokenizer, config, model card).
- `kinds.json`: the narrative-kind classifier (plain JSON, read by `xxgk.kinds.KindModel`; docs/kinds.md).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_tagger_path() -> Path:
    """The folder of the tagger that ships with the package (it may be absent in a stripped install)."""
    return Path(str(resources.files(__name__) / "tagger"))
