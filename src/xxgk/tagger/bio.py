"""Tokens, windows and BIO tags: the pure-python parts of the tagger that training and inference share.

Spans become BIO tags on tokens by projecting character spans through the tokenizer's offsets (a
token belongs to the span covering most of it); long texts are cut into overlapping windows, each
token read in the window where it is farthest from an edge; BIO tags decode back to spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xxgk.spans import LABELS, Regions, Span


def bio_tags(labels: Sequence[str] = LABELS) -> list[str]:
    tags = ["O"]
    for lab in labels:
        tags += [f"B-{lab}", f"I-{lab}"]
    return tags


def trim_offsets(text: str, offsets, base: int = 0) -> list[tuple[int, int]]:
    """Token offsets with whitespace at either edge removed (a Metaspace token '▁2022' starts at the
    space or line break before it); offsets shifted by `base`."""
    out = []
    for a, b in offsets:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        out.append((a + base, b + base))
    return out


def windows(n: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Token ranges [a, b) of at most `size` tokens covering 0..n, consecutive ones overlapping by
    `stride` tokens."""
    if size <= 0:
        raise ValueError("window size must be positive")
    if n <= size:
        return [(0, n)]
    stride = max(0, min(stride, size // 2))
    step = size - stride
    out = []
    a = 0
    while True:
        b = min(a + size, n)
        out.append((max(0, b - size), b))
        if b >= n:
            break
        a += step
    return out


def best_window(wins: list[tuple[int, int]]) -> list[int]:
    """For each token, the index of the window where it is farthest from a window edge."""
    n = wins[-1][1] if wins else 0
    choice = [0] * n
    best = [-1] * n
    for k, (a, b) in enumerate(wins):
        for i in range(a, b):
            d = min(i - a, b - 1 - i)
            if d > best[i]:
                best[i], choice[i] = d, k
    return choice


def project_spans(offsets: list[tuple[int, int]], spans: Iterable[tuple[int, int, str]], tag2id: dict) -> list[int]:
    """BIO tag ids for tokens (offsets already whitespace-trimmed) from char spans (start, end, label).
    A token belongs to the span covering most of its characters; the first such token is B."""
    tags = [tag2id["O"]] * len(offsets)
    ordered = sorted((s[0], s[1], s[2]) for s in spans)
    j = 0
    last_span = None
    for i, (a, b) in enumerate(offsets):
        if b <= a:
            continue
        while j < len(ordered) and ordered[j][1] <= a:
            j += 1
        best, best_ov = None, 0
        k = j
        while k < len(ordered) and ordered[k][0] < b:
            ov = min(b, ordered[k][1]) - max(a, ordered[k][0])
            if ov > best_ov:
                best, best_ov = ordered[k], ov
            k += 1
        if best is None or f"B-{best[2]}" not in tag2id:
            continue
        tags[i] = tag2id[("I-" if best is last_span else "B-") + best[2]]
        last_span = best
    return tags


def decode(tag_ids: list[int], probs: list[float], offsets: list[tuple[int, int]], id2tag: list[str]):
    """BIO over tokens → [(start, end, label, score)], score = mean probability of the tokens' tags.
    An I- tag that does not continue a span of its label starts one (lenient decoding)."""
    out: list[list] = []
    cur: list | None = None  # [start, end, label, probs]
    for t, p, (a, b) in zip(tag_ids, probs, offsets):
        if b <= a:  # empty token (whitespace): does not break a span
            continue
        tag = id2tag[t]
        if tag == "O":
            if cur:
                out.append(cur)
            cur = None
            continue
        bio, lab = tag.split("-", 1)
        if bio == "I" and cur and cur[2] == lab:
            cur[1] = b
            cur[3].append(p)
        else:
            if cur:
                out.append(cur)
            cur = [a, b, lab, [p]]
    if cur:
        out.append(cur)
    return [(a, b, lab, sum(ps) / len(ps)) for a, b, lab, ps in out]


def feature_ids(offsets: list[tuple[int, int]], hints: Sequence[Span] | None, tag2id: dict) -> list[int]:
    """The rules' spans (`hints`) projected onto tokens exactly as training labels are (0 = O)."""
    spans = [(s.start, s.end, s.label) for s in hints or ()]
    if offsets and spans:
        lo, hi = offsets[0][0], offsets[-1][1]
        spans = [s for s in spans if s[1] > lo and s[0] < hi]
    return project_spans(offsets, spans, tag2id)


def norm_regions(regions: Regions | None, n: int) -> list[tuple[int, int]]:
    if regions is None:
        return [(0, n)] if n else []
    rs = sorted((max(0, int(a)), min(n, int(b))) for a, b in regions)
    out: list[list[int]] = []
    for a, b in rs:
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]
