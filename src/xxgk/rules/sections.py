"""The six standard section headers: rule candidates, and the choice of one per section.

Candidates come from the pattern table (strong = the template's wording, weak = looser
wordings, fuzzy = key words in order on an enumerated line, which survives spam injected into
a header) and, when a tagger runs, from its SECTION spans.  Each candidate is ranked on how
header-like its wording and position are; the sequence with increasing section numbers and
positions and the best total rank wins.  A candidate's `confidence` (in [0, 1], what a record
publishes) is kept apart from its `rank` (what the choice adds up).  The sentence that lists all six names, tables of contents and
sub-headers such as （一）主动公开情况 are rejected by position, not by wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xxgk.rules import labels
from xxgk.record import SECTION_KEYS, Section
from xxgk.spans import Span
from xxgk.text import Text

_CN = {c: i + 1 for i, c in enumerate("一二三四五六七")}
_ENUM_BEFORE = re.compile(labels.SECTION_ENUM + r"$")
_CAPTION_BEFORE = re.compile(labels.TABLE_CAPTION_BEFORE)
_STRONG = [re.compile(s.strong) for s in labels.SECTIONS]
_WEAK = [re.compile(s.weak) for s in labels.SECTIONS]
_ANY_TITLE = re.compile("|".join(f"(?:{s.strong})|(?:{s.weak})" for s in labels.SECTIONS))
_FUZZY = [
    re.compile(r"总体|概况|概述"),
    re.compile(r"主动公开.{0,14}?情况"),
    re.compile(r"(?:收到|处理|依申请).{0,16}?申请.{0,6}?情况|申请.{0,6}?情况"),
    re.compile(r"复议.{0,14}?诉讼.{0,6}?(?:情况)?"),
    re.compile(r"问题.{0,14}?(?:改进|整改).{0,4}?(?:情况|措施)?"),
    re.compile(r"其他.{0,12}?事项"),
]
MAX_PER_PATTERN = 40
_LINE_LEAD = re.compile(r"^[\s#>*?|•·\-]*$")
_SENT_BOUNDARY = re.compile(r"[。！？!?；;:：]\s*$|\s$")
# what a header glued onto the previous text may follow: a figure, a closing bracket or quote, a
# Chinese character (never an enumerator's own 第, which makes 第三、… a reference)
_GLUED_BEFORE = re.compile(r"[\d)）\]】”\"'\u4e00-\u9fff]$")


@dataclass
class Candidate:
    number: int
    start: int  # text offsets of the whole header (enumerator included)
    end: int
    tier: str  # strong | weak | fuzzy | model
    enum: str  # cn | paren | digit | caption (a table's number: 表二：…) | none
    numeral: int | None
    rank: float = 0.0  # how header-like (what `choose` adds up); 0 = rejected
    confidence: float = 0.0  # in [0, 1]: what the record's section publishes
    reason: str = ""

    def title(self, t: Text) -> str:
        return t.text[self.start:self.end]


def find_candidates(t: Text, title_pos: int | None = None) -> list[Candidate]:
    comp = t.compact()
    s = comp.s
    cands: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for num in range(1, 7):
        for tier, pats in (("strong", _STRONG), ("weak", _WEAK)):
            for k, m in enumerate(pats[num - 1].finditer(s)):
                if k >= MAX_PER_PATTERN:  # a real report names each section a handful of times
                    break
                if m.end() - m.start() < 2:
                    continue
                c = _make(t, comp, num, m.start(), m.end(), tier)
                if c and (c.number, c.start) not in seen:
                    seen.add((c.number, c.start))
                    cands.append(c)
    # fuzzy: an enumerated line whose numeral agrees and whose words are in order
    for line_m in re.finditer(r"(?m)^[^\n]{0,60}", t.match):
        line = line_m.group(0)
        lead = re.match(r"[\s#>*?|]*第?([一二三四五六])(?:部分)?[、.,，:;]+", line)
        if not lead:
            continue
        num = _CN[lead.group(1)]
        rest = line[lead.end():]
        fm = _FUZZY[num - 1].search(rest[:40])
        if not fm or fm.start() > 12:
            continue
        a = line_m.start() + len(lead.group(0)) - len(lead.group(0).lstrip(" \t#>*?|"))
        b = line_m.start() + lead.end() + fm.end()
        if any(c.number == num and c.start <= a < c.end for c in cands):
            continue
        cands.append(Candidate(num, a, b, "fuzzy", "cn", num))
    cut = _cut_header(t)
    if cut and not any(c.start == cut.start for c in cands):
        cands.append(cut)
    for c in cands:
        _rank(t, c, title_pos)
    return sorted((c for c in cands if c.rank > 0), key=lambda c: (c.start, c.number))


def _cut_header(t: Text) -> Candidate | None:
    """A header cut off by the end of a truncated page ("三、收到"): the visible part of the title, on the
    last line or after the last sentence of a page that lost its line breaks (…工作职责。二、主动公)."""
    tail = t.match.rstrip()
    a = tail.rfind("\n") + 1
    last_sentence = re.search(r"[。；;！!？?](?=[^。；;！!？?]*$)", tail[a:])
    for start in (a, a + last_sentence.end() if last_sentence else None):
        if start is None:
            continue
        line = tail[start:]
        num = _cut_number(line)
        if num is not None:
            return Candidate(num, start + len(line) - len(line.lstrip()), len(tail), "fuzzy", "cn", num)
    return None


def _cut_number(line: str) -> int | None:
    """The section a header cut short names: numeral plus the start of its standard title."""
    m = re.match(r"\s*第?([二三四五六])[、.,，]\s*(\S{2,})$", line)
    if not m:
        return None
    num = _CN[m.group(1)]
    frag = re.sub(r"[^\u4e00-\u9fff]", "", m.group(2))
    title = labels.SECTION_TITLE_CHARS[num - 1]
    if len(frag) < 2 or not (title.startswith(frag) or ("政府信息公开" + title).startswith(frag)):
        return None
    return num


def _make(t: Text, comp, num: int, ca: int, cb: int, tier: str) -> Candidate | None:
    before = comp.s[max(0, ca - 8):ca]
    m = _ENUM_BEFORE.search(before)
    enum, numeral, enum_len = "none", None, 0
    caption = _caption(t, comp, ca - len(m.group(0)), before[:m.start()]) if m else 0
    if m and caption:
        # 表二：主动公开政府信息情况 captions table 二: its numeral is not the section's
        enum, enum_len = "caption", len(m.group(0)) + caption
    elif m:
        enum_len = len(m.group(0))
        if m.group(1):
            enum, numeral = "cn", _CN[m.group(1)]
        elif m.group(2):
            enum, numeral = "paren", _CN[m.group(2)]
        else:
            enum, numeral = "digit", int(m.group(3))
    start, end = comp.span_to_text(ca - enum_len, cb)
    return Candidate(num, start, end, tier, enum, numeral)


def _caption(t: Text, comp, at: int, before: str) -> int:
    """The length of a table caption's 表 / 附表 right before the enumerator at compact offset `at`
    (`before`: the compact text before it), 0 if none; written next to it only (a line ending in 表
    above a header captions nothing, nor does it once a one-line body turns the break into a space)."""
    m = _CAPTION_BEFORE.search(before)
    if not m:
        return 0
    return len(m.group(0)) if comp.to_text(at) - comp.to_text(at - len(m.group(0))) == len(m.group(0)) else 0


# the weights of a rule candidate's rank: its tier (how closely the wording follows the template),
# then bonuses for where it stands, and penalties for enumerators that sub-headers use
TIER_RANK = {"strong": 3.0, "fuzzy": 2.0, "weak": 1.0}
AT_LINE_START = 0.6
OWN_LINE = 0.3
NUMERAL_AGREES = 0.5
NO_ENUMERATOR = -0.5  # allowed only for a strong header alone on its line
PAREN_ENUMERATOR = -0.8  # （一）… is usually a sub-header
DIGIT_ENUMERATOR = -0.2
# a table caption with the section's wording (表二：主动公开政府信息情况) stands in for the header only
# when the report has no header of that section: below an enumerated header even with the wrong numeral
# (a report that numbers its tables' sections apart from its own: 一、主动公开政府信息情况 under 三、)
CAPTION_ENUMERATOR = -0.5
BEFORE_TITLE = -1.0  # page chrome before the report's own title
# the best rank a rule candidate can have: the template's wording on its own line with the right numeral
RULE_RANK_MAX = max(TIER_RANK.values()) + AT_LINE_START + OWN_LINE + NUMERAL_AGREES


def rule_confidence(rank: float) -> float:
    """A rule candidate's confidence: its rank as a share of the best rank a rule candidate can have."""
    return min(1.0, round(rank / RULE_RANK_MAX, 3))


def _rank(t: Text, c: Candidate, title_pos: int | None) -> None:
    match = t.match
    line_a, line_b = t.line_bounds(c.start)
    lead = match[line_a:c.start]
    at_line_start = bool(_LINE_LEAD.match(lead))
    after = match[c.end:min(len(match), c.end + 12)]
    rest_of_line = match[c.end:line_b].strip()
    own_line = at_line_start and (not rest_of_line or re.fullmatch(r"[:：。.\s]*", rest_of_line) is not None)
    inline_ok = not at_line_start and bool(_SENT_BOUNDARY.search(match[max(line_a, c.start - 2):c.start]))
    # a one-line body glues the template's own header to whatever precedes it (a table's last digits,
    # the end of a sentence without a full stop): its wording and agreeing numeral are evidence enough
    glued_ok = (not at_line_start and c.tier == "strong" and c.enum == "cn" and c.numeral == c.number
                and bool(_GLUED_BEFORE.search(match[max(line_a, c.start - 1):c.start])))
    base = TIER_RANK[c.tier]
    reasons = [c.tier]
    # list of section names in an introductory sentence
    m_next = re.match(r"\s*[、,，;；”\"’'/]\s*[“\"‘]?\s*(?:\d[.、])?", after)
    if m_next and _ANY_TITLE.match(t.compact(c.end + m_next.end(), c.end + m_next.end() + 30).s):
        c.rank, c.reason = 0.0, "listed in a sentence"
        return
    if labels.SECTION_LIST_INTRO.search(match[max(line_a, c.start - 12):c.start]) and c.enum == "none":
        c.rank, c.reason = 0.0, "listed in a sentence"
        return
    if labels.TOC_TAIL.match(after.replace(" ", "")) or re.match(r"\s*[.·…]{3,}", after):
        c.rank, c.reason = 0.0, "table of contents"
        return
    if c.enum == "none":
        if not (own_line and c.tier == "strong"):
            c.rank, c.reason = 0.0, "no enumerator and not on its own line"
            return
        base += NO_ENUMERATOR
    elif c.enum == "paren":
        # （一）主动公开情况 is usually a sub-header of section 1; accept only a numeral that agrees
        if c.tier == "weak" or not at_line_start or c.numeral != c.number:
            c.rank, c.reason = 0.0, "sub-header style"
            return
        base += PAREN_ENUMERATOR
    elif c.enum == "digit":
        base += DIGIT_ENUMERATOR
    elif c.enum == "caption":
        base += CAPTION_ENUMERATOR
    if not (at_line_start or inline_ok or glued_ok):
        c.rank, c.reason = 0.0, "inside a sentence"
        return
    score = base + (AT_LINE_START if at_line_start else 0.0) + (OWN_LINE if own_line else 0.0)
    if c.numeral is not None and c.numeral == c.number:
        score += NUMERAL_AGREES
        reasons.append("numeral agrees")
    if title_pos is not None and c.end <= title_pos:
        score += BEFORE_TITLE
        reasons.append("before title")
    c.rank = round(score, 3)
    c.confidence = rule_confidence(c.rank)
    c.reason = ", ".join(reasons)


def model_candidates(t: Text, spans: list[Span]) -> list[Candidate]:
    """The tagger's SECTION spans as candidates; the section number comes from the wording.  Their
    confidence is the model's score; their rank is set by the combination (`xxgk.combine`)."""
    out = []
    for sp in spans:
        if sp.label != "SECTION":
            continue
        num = classify_header(t, sp.start, sp.end)
        if num is None and not t.match[sp.end:].strip():
            num = _cut_number(t.match[sp.start:sp.end])  # cut off by the end of a truncated page
        if num is None:
            continue
        comp = t.compact(sp.start, sp.end)
        m = re.match(labels.SECTION_ENUM, comp.s)
        numeral = None
        if m:
            g = m.group(1) or m.group(2)
            numeral = _CN[g] if g else int(m.group(3))
        out.append(Candidate(num, sp.start, sp.end, "model", "model", numeral, rank=float(sp.score),
                             confidence=float(sp.score), reason=f"model {sp.score:.2f}"))
    return out


def classify_header(t: Text, a: int, b: int) -> int | None:
    """Which standard section a header's wording names (None if none)."""
    s = t.compact(a, b).s
    for num in range(1, 7):
        if _STRONG[num - 1].search(s) or _WEAK[num - 1].search(s):
            return num
    for num in range(1, 7):
        if _FUZZY[num - 1].search(s):
            return num
    return None


def choose(cands: list[Candidate]) -> list[Candidate]:
    """Best increasing sequence (positions and section numbers both increase)."""
    cands = sorted(cands, key=lambda c: (c.start, c.number))
    n = len(cands)
    best = [0.0] * n
    prev = [-1] * n
    for i, c in enumerate(cands):
        best[i] = c.rank
        for j in range(i):
            p = cands[j]
            if p.number < c.number and p.end <= c.start and best[j] + c.rank > best[i]:
                best[i] = best[j] + c.rank
                prev[i] = j
    if not n:
        return []
    i = max(range(n), key=lambda k: (best[k], -cands[k].start))
    out = []
    while i >= 0:
        out.append(cands[i])
        i = prev[i]
    return out[::-1]


def to_sections(t: Text, chosen: list[Candidate]) -> list[Section]:
    out = []
    for c in chosen:
        method = "model" if c.tier == "model" else "rule"
        out.append(Section(number=c.number, key=SECTION_KEYS[c.number - 1], title=c.title(t), start=c.start,
                           end=c.end, method=method, confidence=round(c.confidence, 3)))
    return out


def find_sections(t: Text, title_pos: int | None = None, extra: list[Candidate] | None = None) -> list[Section]:
    cands = find_candidates(t, title_pos)
    if extra:
        cands = cands + extra
    return to_sections(t, choose(cands))


def section_bounds(sections: list[Section], n: int, text_len: int) -> tuple[int, int] | None:
    """Body of section n: from its header's end to the next section's start."""
    for i, s in enumerate(sections):
        if s.number == n:
            nxt = sections[i + 1].start if i + 1 < len(sections) else text_len
            return s.end, nxt
    return None
