"""Counts stated in running text: the rule tagger (COUNT / TOTAL / CATEGORY spans by patterns).

Both the rules and the token classifier produce spans; `conventions.link_counts` turns either into
the record's `narrative` items, and the category trim and the headline-total cue are the shared
`conventions.trim_category` and `conventions.is_headline_total`.
"""

from __future__ import annotations

import re

from xxgk.rules import labels
from xxgk.conventions import (channel_category, clause_break, counts_what_follows, header_lines, inside_positions,
                              is_headline_total, trim_category)
from xxgk.spans import Label, Span
from xxgk.text import Text


def rule_spans(t: Text, start: int, end: int) -> list[Span]:
    """COUNT / TOTAL / CATEGORY spans found by patterns in text[start:end] (running text only).

    They are found in the text as its sentences were written: on a page flattened to one line, a blank
    between two Chinese characters read as a line break (`Text.prose_view`); and without what a scrape
    put inside its sentences (`Text.unwrapped`: a fixed-width wrap's breaks, letter spacing, page
    numbers, running heads, junk link lines). A span's offsets are mapped back, so a category may hold
    such a break: 公开⏎目录."""
    t = t.prose_view
    short = t.unwrapped
    if short is None:
        return _rule_spans(t, start, end)
    return short.back(_rule_spans(short.as_text, short.at(start), short.at(end)))


def _rule_spans(t: Text, start: int, end: int) -> list[Span]:
    out: list[Span] = []
    src = t.match
    total_seen = False
    prev_end = start  # end of the previous count: a category never reaches back past it
    for m in labels.COUNT.finditer(src, start, end):
        a = m.start("num")
        b = m.end()
        line_a, line_b = t.line_bounds(a, 200)
        if _in_table_row(src, line_a, line_b, a, b):
            continue
        if labels.COUNT_BAD_PREFIX.search(src[max(_wrapped_start(src, line_a, a), a - 3):a]):
            continue
        if labels.COUNT_BAD_SUFFIX.match(_unwrapped(src, b, b + 4)):
            continue
        if a > 0 and (src[a - 1].isdigit() or src[a - 1] in ".-"):
            continue
        if m.group("approx2"):
            b = m.end()
        label: Label = "COUNT"
        before = _rule_category(t, max(_wrapped_start(src, line_a, a), prev_end), a)
        after = _category_after(t, b, _wrapped_end(src, line_b, b))
        cat = after if after and (not before or counts_what_follows(src, a, m.group("unit"))) else before
        prev_end = b
        if not total_seen and cat and is_headline_total(src, a, b):
            label = "TOTAL"
            total_seen = True
        out.append(Span(a, b, label, 0.9))
        if cat:
            out.append(Span(cat[0], cat[1], "CATEGORY", 0.8))
    out.sort(key=lambda s: s.start)
    # drop overlapping duplicates (a category shared by several counts is found once per count)
    dedup: list[Span] = []
    for s in out:
        if dedup and s.start < dedup[-1].end:
            continue
        dedup.append(s)
    return dedup


# A sentence ends at these; a table row (tabs, or cells between pipes) never holds one, so the
# table-row test looks only at the sentence around a number. On a body flattened to one line the
# whole document is one "line", and a pipe table anywhere near would otherwise hide prose counts.
_SENTENCE_END = re.compile(r"[。；;！!？?]")


def _in_table_row(src: str, line_a: int, line_b: int, a: int, b: int) -> bool:
    lo = line_a
    for m in _SENTENCE_END.finditer(src, line_a, a):
        lo = m.end()
    after = _SENTENCE_END.search(src, b, line_b)
    hi = after.start() if after else line_b
    seg = src[lo:hi]
    return "\t" in seg or seg.count("|") >= 2


# a header line is short (一、总体情况, （一）主动公开情况); a line of prose cut by a hard wrap is longer, even
# when it starts with an enumerator ((一)主动公开方面。…全年共通过网站主动公开政⏎府信息86条)
HEADER_MAX_CHARS = 24


def _wrapped_start(src: str, line_a: int, a: int) -> int:
    """The start of the line around a number, earlier lines joined when the break between is a hard wrap
    inside a sentence (conventions.clause_break), as far as CATEGORY_WINDOW reaches; a header line is
    never joined (一、总体情况⏎全年…: the break after a header has a Chinese character on both sides)."""
    while line_a > 1 and a - line_a < CATEGORY_WINDOW and src[line_a - 1] == "\n" \
            and not clause_break(src[line_a - 2:line_a + 1]):
        prev = src.rfind("\n", 0, line_a - 1) + 1
        if any(header_lines(src[prev:line_a - 1], HEADER_MAX_CHARS)):
            break
        line_a = prev
    return line_a


def _wrapped_end(src: str, line_b: int, b: int) -> int:
    """The end of the line after a count, the next line joined across a hard wrap."""
    if line_b < len(src) - 1 and src[line_b] == "\n" and line_b - b < AFTER_MAX_CHARS \
            and not clause_break(src[line_b - 1:line_b + 2]):
        nxt = src.find("\n", line_b + 1)
        return len(src) if nxt < 0 else nxt
    return line_b


# how far back from a number its category is looked for, and the longest category kept (the lists of
# the 2019 template, 环境保护、公共卫生、安全生产、食品药品、产品质量的监督检查情况, run to 31 characters)
CATEGORY_WINDOW = 60
CATEGORY_MAX_CHARS = 40


def _rule_category(t: Text, lo: int, a: int) -> tuple[int, int] | None:
    """The noun phrase before a number: back to the clause boundary or the verb (a boundary word counts
    only as a whole word: 对 in 对外, 在 in 存在, 处理 in 不予处理 do not cut), trimmed and on whole words
    (conventions.trim_category); a generic 信息 takes the channel its clause names
    (conventions.channel_category)."""
    src = t.match
    lo = max(lo, a - CATEGORY_WINDOW)
    cuts: list[tuple[int, int]] = []  # the boundary words before the number, whole words only
    inside = inside_positions(src, lo, a)
    for m in _CUT.finditer(src, lo, a):
        ca, cb = m.start(1), m.end(1)
        if src[ca] == "\n" and not clause_break(src[max(0, ca - 1):cb + 1]):
            continue  # a hard wrap inside a sentence
        # a channel noun may end a compound (门户网站公开…): for a channel + verb only the cut's end must be
        # a word boundary
        channel = labels.CHANNEL_VERB.match(src, ca)
        if (not cuts or cb > cuts[-1][1]) and cb not in inside and (ca not in inside or (channel and channel.end() == cb)):
            cuts.append((ca, cb))
    cut = cuts[-1][1] if cuts else lo
    if cut > lo and src[cut - 1] == "”":  # a quoted name (“三公”经费, “政府开放日”活动, “同意公开”3件)
        q = src.rfind("“", max(lo, cut - QUOTED_MAX_CHARS), cut)
        if q >= 0 and src[cut:a].strip():
            cut = q
        elif q >= 0:
            return _finish(src, q + 1, cut - 1)
    head = _GENERIC_HEAD.search(src[cut:a])  # 通过政府网站公开信息: the channel, if one is named
    if head:
        ch = channel_category(src, cut + head.start(), cut + head.start() + len(head.group(1)))
        if ch:
            return ch
    got = None if labels.VOLUME_ONLY.fullmatch(src, cut, a) else _finish(src, cut, a)
    if got is not None or not cuts:
        return got
    # nothing named after the last boundary word: the phrase before it may be the thing
    (word_a, word_b), prev = cuts[-1], cuts[-2][1] if len(cuts) > 1 else lo
    if labels.NOUN_VERB.fullmatch(src, word_a, word_b) and not src[cut:a].strip():
        got = _finish(src, prev, word_b)  # 同意公开答复9件: the boundary word heads the outcome
    if got is None and labels.COUNT_LINK.fullmatch(src, word_a, word_b):
        # 财政预算、决算报告共3条, 行政诉讼数为0件: a link word, not a verb, stands between the thing and its count
        got = _finish(src, prev, word_a)
    if got is None and _NAMED_BEFORE_VERB.search(src[prev:word_a]):
        # 政务信息发布393条, 解读类信息发布21条: the thing is named before the verb
        named_b = word_a
        while named_b > prev and src[named_b - 1].isspace():
            named_b -= 1
        if src.endswith("公开", prev, named_b):  # 政务信息公开主动公开总数146条: the noun before 公开
            named_b -= 2
        got = _finish(src, prev, named_b)
    return got


def _finish(src: str, a: int, b: int) -> tuple[int, int] | None:
    """src[a:b] trimmed to a category (conventions.trim_category), or None when nothing is named."""
    cat_a, cat_b = trim_category(src, a, b)
    verb = labels.LEADING_PUBLISH.match(src, cat_a, cat_b)
    if verb and cat_b - cat_a > 3 and not labels.PUBLISH_NOUN.match(src, cat_a, cat_b):
        cat_a, cat_b = trim_category(src, verb.end(), cat_b)  # 公开政府常务会议: the verb
    s = src[cat_a:cat_b].strip()
    if not s or not re.search(r"[\u4e00-\u9fff]", s) or re.search(r"\d", s) or len(s) > CATEGORY_MAX_CHARS:
        return None
    # strip spaces at the edges
    while cat_a < cat_b and src[cat_a].isspace():
        cat_a += 1
    while cat_b > cat_a and src[cat_b - 1].isspace():
        cat_b -= 1
    return cat_a, cat_b


# a phrase before a verb that names a thing (what a count after the verb counts): it ends in 信息, 类 or a
# column, perhaps followed by 公开 (政务信息公开|主动公开总数146条)
_NAMED_BEFORE_VERB = re.compile(r"(?:信息|类|栏目|留言)(?:公开)?\s*$")
# after the unit, the category ends at these (and at the boundary words; at a figure: 21个领域68项; at an adverb:
# 21件公开申请均在…); at most this long
_AFTER_END = re.compile(r"[，,。；;：:！!？?、（(）)\n\d]|的|中|和|及|与|等|均|都")
AFTER_MAX_CHARS = 20


def _category_after(t: Text, b: int, line_b: int) -> tuple[int, int] | None:
    """`N个X` with nothing named before the number (发布999篇公众号信息, 梳理罗列236个重点项目): the phrase
    right after the unit, to the clause end or the next boundary word, trimmed (annotations/GUIDE.md)."""
    src = t.match
    hi = min(line_b, b + AFTER_MAX_CHARS)
    inside = inside_positions(src, b, hi)
    ends = [m.start() for m in _AFTER_END.finditer(src, b, hi)
            if m.group().isdigit() or (m.start() not in inside and m.end() not in inside and not _hard_wrap_at(src, m.start()))]
    if not ends and hi < line_b:
        return None  # runs on: not a short noun phrase
    end = ends[0] if ends else hi
    for m2 in labels.CATEGORY_BOUNDARY.finditer(src, b, end):
        if m2.start() not in inside and m2.end() not in inside and not _hard_wrap_at(src, m2.start()):
            end = m2.start()
            break
    if end <= b or not re.fullmatch(r"[\u4e00-\u9fff“”]+", src[b:end].replace("\n", "")):
        return None
    return _finish(src, b, end)


def _unwrapped(src: str, a: int, b: int) -> str:
    """src[a:b] without the line breaks a hard wrap put inside a sentence (20个工⏎作日 is 20个工作日)."""
    return "".join(ch for i, ch in enumerate(src[a:b], a) if not _hard_wrap_at(src, i))


def _hard_wrap_at(src: str, i: int) -> bool:
    """Whether src[i] is a line break a hard wrap put inside a sentence (conventions.clause_break)."""
    return src[i] == "\n" and not clause_break(src[max(0, i - 1):i + 2])


QUOTED_MAX_CHARS = 12
# every position where a boundary word or a channel + verb starts (overlapping: a lookahead)
_CUT = re.compile(f"(?=({labels.CATEGORY_BOUNDARY.pattern}|{labels.CHANNEL_VERB.pattern}))")
# a generic 信息 at the end of the phrase, before the volume words that may follow it
_GENERIC_HEAD = re.compile(labels.wrap_tolerant(r"((?:政府|政务)?信息)(?:数量|总数|数|发布量|更新量|条数|共计|累计|共|达|约|近|超过|\s)*$"))
