"""The tagger's decoded spans snapped to the labelling conventions (annotations/GUIDE.md).

Fragments of one header or one category are joined; spans are snapped to the label's edges; a
count must be a number with a counting unit; a category is trimmed as the rules trim it; at most
one count is the TOTAL.  The conventions shared with the rules come from `xxgk.conventions`.
"""

from __future__ import annotations

import re

from xxgk.conventions import is_headline_total, trim_category
from xxgk.rules.labels import COUNT, SECTION_TITLE_CHARS

_EDGE_JUNK = " \t\n\u3000#*>|•·-"


def refine(text: str, a: int, b: int, label: str) -> tuple[int, int] | None:
    """Snap a decoded span to the label's conventions where a token boundary blurred it."""
    while a < b and text[a] in _EDGE_JUNK:
        a += 1
    while b > a and text[b - 1] in " \t\n\u3000":
        b -= 1
    if label in ("COUNT", "TOTAL"):
        seg = text[a:b]
        m = None
        for m2 in COUNT.finditer(text, max(0, a - 2), min(len(text), b + 3)):
            if m2.start("num") < b and m2.end() > a:
                m = m2
                break
        if m:
            a, b = m.start("num"), m.end()
        else:
            d = re.search(r"\d", seg)
            if d:
                a += d.start()
    elif label == "CATEGORY":
        while b > a and (text[b - 1].isdigit() or text[b - 1] in "，,。；;：:、（(）)“”\"'"):
            b -= 1
        while a < b and text[a] in "，,。；;：:、（(）)“”\"'":
            a += 1
    elif label == "SECTION":
        while b > a and text[b - 1] in "：:。.，,；;":
            b -= 1
    return (a, b) if b > a else None


TOTAL_MIN_MASS = 0.5


def postprocess(text: str, spans) -> list[tuple[int, int, str, float]]:
    """Decoded spans [start, end, label, score, total mass] → final spans, in text order:
    fragments of one header (same line) or one category (touching) are joined; spans are snapped to
    the label's conventions; a count must be a number with a counting unit; at most one count per
    text is the TOTAL (the one with the most TOTAL probability, if it has enough)."""
    spans = sorted(spans, key=lambda s: (s[0], s[1]))
    merged: list[list] = []
    for s in spans:
        s = list(s)
        if merged:
            p = merged[-1]
            gap = text[p[1]:s[0]]
            join = False
            if p[2] == s[2] == "SECTION" and len(gap) <= 8 and "\n" not in gap and not re.search(r"[。；;！？]", gap):
                join = True
            elif p[2] == s[2] == "CATEGORY" and gap in ("", "的", "公开"):  # 公开 is part of nouns (依申请公开…)
                join = True
            if join:
                n_p, n_s = max(1, p[1] - p[0]), max(1, s[1] - s[0])
                p[1] = s[1]
                p[3] = (p[3] * n_p + s[3] * n_s) / (n_p + n_s)
                p[4] = max(p[4], s[4])
                continue
        merged.append(s)
    out: list[list] = []
    for a, b, lab, score, mass in merged:
        r = refine(text, a, b, lab)
        if not r:
            continue
        a, b = r
        if lab == "SECTION":
            b = _header_end(text, a, b)
            if not _header_start(text, a) or len(_CJK.findall(text, a, b)) < 2:
                continue  # annotations/GUIDE.md: a bare enumerator is not a header
        if lab in ("COUNT", "TOTAL"):
            if not COUNT.fullmatch(text, a, b):
                continue
        elif lab == "CATEGORY":
            a, b = trim_category(text, a, b)
            if b <= a:
                continue
        group = "COUNT" if lab == "TOTAL" else lab
        prev = next((p for p in reversed(out) if p[2] == group), None)
        if prev is not None and a < prev[1]:
            # two fragments snapped onto the same words (`共计` + `70条` → one count): keep one span
            prev[0], prev[1] = min(prev[0], a), max(prev[1], b)
            prev[3], prev[4] = max(prev[3], score), max(prev[4], mass)
            continue
        out.append([a, b, group, score, mass])
    counts = [s for s in out if s[2] == "COUNT"]
    if counts:
        best: list | None = max(counts, key=lambda s: s[4])
        if best is not None and best[4] < TOTAL_MIN_MASS:  # unsure: the first count stated as a headline total
            best = next((s for s in counts if is_headline_total(text, s[0], s[1])), None)
        if best is not None:
            best[2] = "TOTAL"
    return [(a, b, lab, score) for a, b, lab, score, _m in out]


_CJK = re.compile(r"[\u4e00-\u9fff]")
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


def _header_end(text: str, a: int, b: int) -> int:
    """A header ends at a blank line once it has named a whole standard title: what follows is the
    body (a sub-heading such as 存在问题), not a header broken over lines."""
    m = _BLANK_LINE.search(text, a, b)
    if m and "".join(_CJK.findall(text, a, m.start())).endswith(SECTION_TITLE_CHARS):
        return m.start()
    return b


def _header_start(text: str, a: int) -> bool:
    """A header starts a line (after markdown marks, pipes or spaces), follows a sentence end, or
    follows a space on a glued page (where a table's last figures run into the next header)."""
    line_a = text.rfind("\n", 0, a) + 1
    lead = text[line_a:a]
    if not lead.strip(" \t\u3000#*>|•·-"):
        return True
    return bool(re.search(r"[。；;！!？?:：]\s*$", lead)) or lead.endswith((" ", "\t", "\u3000"))
