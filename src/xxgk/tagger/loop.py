"""The training loop: batches of token windows, AdamW with warm-up and linear decay, and the checkpoint
kept by a selection score (the model's span F1 on dev, computed by the caller) or the last step."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xxgk.tagger.config import TrainConfig


def choose_device(cfg: TrainConfig) -> str:
    """The configured device, with "auto" → cuda when present, else cpu."""
    import torch

    d = cfg.train.device
    if d == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return d


def _batches(ds: Any, batch_size: int, seed: int, pad_id: int) -> Iterator[tuple]:
    import torch

    lengths = [len(x) for x in ds["input_ids"]]
    epoch = 0
    while True:
        rng = random.Random(seed + epoch)
        order = list(range(len(ds)))
        rng.shuffle(order)
        # length buckets: sort within groups of 32 batches, then shuffle the batches
        batches = []
        group = batch_size * 32
        for g in range(0, len(order), group):
            chunk = sorted(order[g:g + group], key=lambda i: lengths[i])
            batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
        batches = [b for b in batches if len(b) == batch_size] or batches
        rng.shuffle(batches)
        for idx in batches:
            rows = ds.select(idx)
            width = max(len(r) for r in rows["input_ids"])
            ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
            labels = torch.full((len(rows), width), -100, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            types = torch.zeros((len(rows), width), dtype=torch.long)
            feats = rows["token_type_ids"] if "token_type_ids" in ds.column_names else None
            for i, (x, y) in enumerate(zip(rows["input_ids"], rows["labels"])):
                ids[i, :len(x)] = torch.tensor(x)
                labels[i, :len(y)] = torch.tensor(y)
                mask[i, :len(x)] = 1
                if feats is not None:
                    types[i, :len(x)] = torch.tensor(feats[i])
            yield ids, mask, labels, types
        epoch += 1


@dataclass
class FitResult:
    steps_run: int
    best_step: int  # 0: no selection score, the last step is kept
    history: list[dict] = field(default_factory=list)


def fit(net: Any, ds: Any, cfg: TrainConfig, device: str, pad_id: int,
        select: Callable[[], float | None] | None = None, log: Callable[[str], Any] = print,
        started: float | None = None) -> FitResult:
    """Train `net` on the windows `ds` for `cfg.train.steps` steps (or until `max_minutes`).  With
    `select`, the weights of the evaluation point where it scores highest are restored at the end
    (evaluation points: every `eval_every` steps, and the last step)."""
    import torch

    tc = cfg.train
    t0 = time.time() if started is None else started
    head = [p for n, p in net.named_parameters() if n.startswith("classifier.")]
    body_decay = [p for n, p in net.named_parameters() if not n.startswith("classifier.")
                  and not any(x in n for x in ("bias", "LayerNorm"))]
    body_nodecay = [p for n, p in net.named_parameters() if not n.startswith("classifier.")
                    and any(x in n for x in ("bias", "LayerNorm"))]
    opt = torch.optim.AdamW([
        {"params": body_decay, "lr": tc.lr, "weight_decay": tc.weight_decay},
        {"params": body_nodecay, "lr": tc.lr, "weight_decay": 0.0},
        {"params": head, "lr": tc.head_lr, "weight_decay": 0.0}])
    steps = int(tc.steps)
    warm = max(1, int(steps * float(tc.warmup)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)) if s >= warm
        else (s + 1) / warm)
    best: tuple[float, dict | None, int] = (-1.0, None, 0)
    history: list[dict] = []
    eval_every = int(tc.eval_every) or steps
    max_s = float(tc.max_minutes) * 60 if tc.max_minutes else math.inf
    use_amp = device == "cuda"
    batches = _batches(ds, int(tc.batch_size), int(tc.seed), pad_id)
    net.train()
    step = 0
    run_loss = 0.0
    t_train = time.time()
    while step < steps:
        x, mask, y, types = (t.to(device) for t in next(batches))
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=use_amp):
            loss = net(input_ids=x, attention_mask=mask, token_type_ids=types, labels=y).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        lv = float(loss.detach())
        run_loss = 0.9 * run_loss + 0.1 * lv if step > 1 else lv
        timed_out = time.time() - t_train > max_s
        if step % eval_every == 0 or step == steps or timed_out:
            rec: dict = {"step": step, "loss": round(run_loss, 4), "minutes": round((time.time() - t0) / 60, 2)}
            if select is not None:
                score = select()
                rec["dev_model_micro_f1"] = score
                if score is not None and score > best[0]:
                    best = (score, {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}, step)
                net.train()
            history.append(rec)
            log(f"  step {step}/{steps} loss {rec['loss']} "
                + (f"dev F1 {rec.get('dev_model_micro_f1')}" if select is not None else ""))
        elif step % 10 == 0:
            log(f"  step {step}/{steps} loss {run_loss:.4f} ({(time.time() - t_train) / step:.2f} s/step)")
        if timed_out:
            log(f"  stopping at step {step}: max_minutes reached")
            break
    if best[1] is not None:
        net.load_state_dict(best[1])
    net.eval()
    return FitResult(steps_run=step, best_step=best[2], history=history)
