"""Labelling conventions the rules and the tagger share (annotations/GUIDE.md), each written once.

  - which lines may hold a section header (`HEADER_LINE`): what the pipeline sends the tagger, and
    the header lines training shows it;
  - where words begin and end (`word_bounds`, `inside_word`: jieba, its bundled dictionary, HMM off,
    plus `DOMAIN_WORDS`), so that a CATEGORY never starts or ends inside a word;
  - how a CATEGORY is trimmed of filler and put on word boundaries (`trim_category`), and when a
    count of generic 信息 takes its channel as its CATEGORY (`channel_category`);
  - which count is the headline TOTAL (`is_headline_total`);
  - how counts link to their categories (`link_counts`), for rule spans, model spans and gold alike.

The patterns themselves are in `labels`; this module holds the logic around them.  It imports
nothing but `labels`, `record`, `spans` and `text`, so the tagger and the rules both depend on it
and not on each other.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache

from xxgk.rules import labels
from xxgk.record import NarrativeCount
from xxgk.spans import COUNT_LABELS, Span
from xxgk.text import fold, single_spaced

# ---------------------------------------------------------------------------------------------
# header lines
# ---------------------------------------------------------------------------------------------

# a line that may hold a section header: it starts (after markdown marks) with an enumerator such as
# 一、 （一） 1.  (matches the text and its match view alike)
HEADER_LINE = re.compile(r"\s*[#>*]*\s*(?:第?[一二三四五六七][、.,，:;．]|[（(][一二三四五六七][）)]|[1-7][.、．])")
# longer lines are running text that happens to start with an enumerator
HEADER_LINE_MAX_CHARS = 80


def header_lines(s: str, max_chars: int = HEADER_LINE_MAX_CHARS) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of `s` that may hold a section header."""
    for m in re.finditer(r"[^\n]+", s):
        if len(m.group(0)) <= max_chars and HEADER_LINE.match(m.group(0)):
            yield m.start(), m.end()


# ---------------------------------------------------------------------------------------------
# words (annotations/GUIDE.md, CATEGORY: "whole words")
# ---------------------------------------------------------------------------------------------

# Words of the reports that jieba's bundled dictionary (2013) lacks; without them its dictionary-only
# mode cuts 微信 into 微|信 and a fragment such as 信公众号 would pass as whole words.
DOMAIN_WORDS = ("微信", "公众号", "微信公众号", "公众平台", "微信公众平台", "新媒体", "政务新媒体", "政务微博",
                "运维", "抖音", "视频号", "头条号", "政务服务")
# Verb + object compounds of jieba's dictionary that glue the verb of a clause onto the thing it counts
# (开展调查|问卷, 发布公告|公示, 发布新闻|信息报道): split, so that the thing is a whole word of its own.
SPLIT_WORDS = ("开展调查", "发布公告", "发布新闻")
# what jieba treats as one block (its re_han_default): everything else separates words
_BLOCK_CHAR = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
_SPACE = re.compile(r"\s")
_RUN = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-\s]+")  # a block, whitespace inside it skipped
# how far a block is followed either side of a position (a block longer than this is cut there)
WORD_WINDOW = 60
_tokenizer = None
_tokenizer_lock = threading.Lock()


def _jieba():
    """jieba's tokenizer, loaded once on first use (about 1 s: its bundled dictionary, no network)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for w in DOMAIN_WORDS:
                    tok.add_word(w)
                for w in SPLIT_WORDS:
                    tok.del_word(w)
                _tokenizer = tok
    return _tokenizer


@lru_cache(maxsize=4096)
def _cut(block: str) -> tuple[int, ...]:
    """Lengths of the words of one block (dictionary only: HMM off, so unknown single characters are
    not glued into pseudo-words such as 含上 or 因本)."""
    return tuple(len(w) for w in _jieba().cut(block, HMM=False))


def word_bounds(text: str, lo: int, hi: int | None = None) -> list[tuple[int, int]]:
    """The words (start, end offsets into `text`) of the blocks that touch text[lo:hi] (hi defaults to lo):
    runs of characters jieba segments as one (Chinese, letters, digits), whitespace inside a run skipped
    (a hard wrap does not end a word), folded to simplified / half-width forms; a run is followed at most
    WORD_WINDOW characters beyond lo and hi."""
    hi = lo if hi is None else hi
    runs = _runs(text)
    k = bisect.bisect_left(runs, (lo + 1,)) - 1  # the last run starting at or before lo
    k = max(k, 0)
    out: list[tuple[int, int]] = []
    while k < len(runs) and runs[k][0] <= hi:
        ra, rb = runs[k]
        if rb >= lo:
            if rb - ra <= 2 * WORD_WINDOW:
                out.extend(_run_words(text, ra, rb))
            else:  # a very long run (a table of digits and spaces): only the window around lo..hi
                out.extend(_words(text, max(ra, lo - WORD_WINDOW), min(rb, hi + WORD_WINDOW)))
        k += 1
    return out


@lru_cache(maxsize=8)
def _runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the runs jieba segments as one block (whitespace inside a run skipped), in order."""
    return [m.span() for m in _RUN.finditer(fold(text))]


@lru_cache(maxsize=4096)
def _run_words(text: str, a: int, b: int) -> tuple[tuple[int, int], ...]:
    return tuple(_words(text, a, b))


def _words(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The words of text[a:b], one run of block characters and whitespace, as text offsets."""
    run = fold(text[a:b])
    if _SPACE.search(run):
        idx: Sequence[int] = [a + i for i, c in enumerate(run) if not c.isspace()]
        block = "".join(run.split())
    else:
        idx = range(a, b)
        block = run
    out = []
    k = 0
    for ln in (_cut(block) if block else ()):
        out.append((idx[k], idx[k + ln - 1] + 1))
        k += ln
    return out


def inside_positions(text: str, lo: int, hi: int) -> set[int]:
    """The offsets in and around text[lo:hi] that fall inside a word (one set, for many `inside_word` tests)."""
    return {p for wa, wb in word_bounds(text, lo, hi) if wb - wa > 1 for p in range(wa + 1, wb)}


def inside_word(text: str, pos: int) -> bool:
    """Whether offset `pos` falls inside a word (between two characters of one word) of `text`."""
    return any(a < pos < b for a, b in word_bounds(text, pos))


def on_words(text: str, a: int, b: int) -> tuple[int, int]:
    """text[a:b] put on word boundaries: a start inside a word moves past that word (what precedes a
    phrase and is glued to it, 发布公告|公示, is not part of it), an end inside a word moves to the end of
    that word (政务|信息 → 政务信息).  May come back empty."""
    if b <= a:
        return a, b
    words = word_bounds(text, a, b)
    for wa, wb in words:
        if wa < a < wb:
            a = wb
            break
    for wa, wb in words:
        if wa < b < wb:
            b = wb
            break
    return a, max(a, b)


# ---------------------------------------------------------------------------------------------
# categories and the headline total
# ---------------------------------------------------------------------------------------------


def trim_category(s: str, a: int, b: int) -> tuple[int, int]:
    """s[a:b] trimmed of filler (GUIDE: CATEGORY) and put on whole words: a leading 各类/各项/有关/相关/…,
    then, repeatedly, a trailing 类信息/类/信息/数量/总数/等/…, but never to nothing; 政府信息/政务信息 stay
    whole; then `on_words` (and the trim again if that moved an edge).  The result may be empty when
    s[a:b] is nothing but filler."""
    for _ in range(3):
        a2, b2 = on_words(s, *_trim(s, a, b))
        if (a2, b2) == (a, b):
            break
        a, b = a2, b2
    return a, b


_TRAILING_INFO = re.compile(labels.wrap_tolerant("信息") + "$")
_INFO_VOLUME = re.compile("(" + labels.wrap_tolerant("信息") + ")" + labels.wrap_tolerant("(?:数量|条数|总数|总量|数)"))


def _trim(s: str, a: int, b: int) -> tuple[int, int]:
    seg = s[a:b]
    m = labels.CATEGORY_TRIM_LEFT.match(seg)
    left = m.end() if m else 0
    right = len(seg)
    while True:
        core = seg[left:right]
        if core != core.rstrip() and core.strip():  # 动态类⏎信息: a wrap between the words
            right -= len(core) - len(core.rstrip())
            continue
        if labels.CATEGORY_KEEP_WHOLE.search("".join(core.split())):
            break
        m = labels.CATEGORY_TRIM_RIGHT.search(core)
        cut = len(core) - (m.start() if m else len(core))
        if not cut:
            generic = _TRAILING_INFO.search(core)
            cut = len(core) - generic.start() if generic else 0
        info_volume = _INFO_VOLUME.fullmatch(core) if cut and cut >= len(core.strip()) else None
        if info_volume:
            cut = len(core) - info_volume.end(1)  # 信息数 is 信息: the volume word goes
        if not cut or cut >= len(core.strip()):
            break
        right -= cut
    return a + left, a + right


# a category that names nothing but information in general: its channel, if the clause names one, is
# what tells the count apart (GUIDE: CATEGORY, "channels")
GENERIC_CATEGORIES = frozenset({"信息", "政府信息", "政务信息"})
# how far back from a generic category its channel is looked for (within the clause)
CHANNEL_WINDOW = 40
_CHANNEL_END = re.compile(f"(?:{labels.CHANNEL_NOUN.pattern})(?:“[^”]{{1,20}}”)?$")
_CHANNEL_STOP = re.compile(r"[，,。；;：:！!？?（(）)]")


def channel_category(s: str, a: int, b: int) -> tuple[int, int] | None:
    """For a generic category s[a:b] (信息, 政府信息, 政务信息), the channel the same clause names before it
    (通过微信公众平台发布信息312条 → 微信公众平台; 微博发布信息103条 → 微博), as (start, end); None when the
    category is not generic or no channel is named.  The channel runs from after its introducing word
    (通过/在/依托/利用/借助), or from the clause start less a subject (我局, 本机关) and time words, to the last
    channel noun before the verb (网站, 公众号, 平台, 媒体, 栏目, 渠道, 形式 …), on whole words."""
    if "".join(fold(s[a:b]).split()) not in GENERIC_CATEGORIES:
        return None
    lo = a
    while lo > 0 and a - lo < CHANNEL_WINDOW and not _CHANNEL_STOP.match(s[lo - 1]):
        if s[lo - 1] == "\n" and clause_break(s[max(0, lo - 2):lo + 1]):
            break
        lo -= 1
    for m in labels.COUNT.finditer(s, max(0, lo - 12), a):  # never back past another count
        lo = max(lo, m.end())
    start = lo
    for m in labels.CHANNEL_INTRO.finditer(s, lo, a):
        if not inside_word(s, m.start()) and not inside_word(s, m.end()):
            start = m.end()
    lead = labels.CHANNEL_LEAD.match(s, start, a)
    if lead:
        start = lead.end()
    trim = labels.CATEGORY_TRIM_LEFT.match(s[start:a])  # 各类公开载体 → 公开载体, as a category is trimmed
    if trim:
        start += trim.end()
    end = a
    tail = labels.CHANNEL_TAIL.search(s[start:end])
    if tail:
        end = start + tail.start()
    if not _CHANNEL_END.search(s[start:end]):  # the channel ends with its noun
        return None
    while start < end and s[start].isspace():
        start += 1
    ca, cb = on_words(s, start, end)
    return (ca, cb) if cb > ca else None


# how far before a count, within its line, the words that make it the headline total are looked for
TOTAL_CUE_CHARS = 25


def is_headline_total(s: str, a: int, b: int) -> bool:
    """Whether the count s[a:b] is stated as the headline total (GUIDE: TOTAL): proactively disclosed
    or published information just before it, said in all (主动公开, 共, 累计) or followed by 其中."""
    line_a = s.rfind("\n", 0, a) + 1
    ctx = s[max(line_a, a - TOTAL_CUE_CHARS):a]
    after = s[b:b + 6]
    return bool(labels.TOTAL_CUE.search(ctx)) and ("主动公开" in ctx or "其中" in after or "共" in ctx
                                                    or "累计" in ctx)


# ---------------------------------------------------------------------------------------------
# linking counts to categories
# ---------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。；;！!？?]|\n\s*\n|(?<![\u4e00-\u9fff\w，,、“《（( \t”’》」』])\n|\n(?=\s*(?:[(（]?[一二三四五六七八九十\d]+[)）、.]))")


def clause_break(gap: str) -> bool:
    """Whether a gap ends the clause: sentence punctuation, a blank line, or a line break that is not
    a hard wrap (a wrap joins two characters of one sentence, or follows a comma, a quotation mark or
    title mark (a PDF hangs a closing one at a line's end: “部分公开”⏎0件), an opening bracket, or a
    space; a break before an enumerator does not)."""
    return bool(_SENTENCE_END.search(gap))
_NUM = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")
_MULT = {"万": 10000, "千": 1000, "百": 100}


def parse_count(s: str) -> tuple[float | int | None, str | None, bool]:
    """'180余条' → (180, '条', True); '1.3万余条' → (13000, '条', True).  A line break inside (a hard
    wrap: 100余⏎万次) is not part of the count."""
    s = _WRAP.sub("", fold(s))
    m = labels.COUNT.search(s)
    if m:
        raw = m.group("num").replace(",", "").replace("\n", "")
        val: float | int = float(raw) if "." in raw else int(raw)
        if m.group("mult"):
            val = val * _MULT[m.group("mult")]
            if isinstance(val, float) and val.is_integer():
                val = int(val)
        approx = bool(m.group("approx0") or m.group("approx") or m.group("approx2"))
        return val, m.group("unit"), approx
    m = _NUM.search(s)
    if not m:
        return None, None, False
    raw = m.group(0).replace(",", "")
    return (float(raw) if "." in raw else int(raw)), None, bool(re.search(r"余|多", s))


def link_counts(text: str, spans: Sequence[Span]) -> list[NarrativeCount]:
    """COUNT / TOTAL / CATEGORY spans → narrative items, in document order (other labels are ignored).
    A count's `value`, when the span gives one, overrides the value read from its text."""
    text = single_spaced(text)  # a double-spaced page's blank lines end no clause (text.double_spacing)
    spans = sorted(spans, key=lambda s: s.start)
    cats = sorted(((s.start, s.end) for s in spans if s.label == "CATEGORY"), key=lambda c: c[1])
    cat_ends = [c[1] for c in cats]
    cats_by_start = sorted(cats, key=lambda c: c[0])
    cat_starts = [c[0] for c in cats_by_start]
    counts = [s for s in spans if s.label in COUNT_LABELS]
    count_starts = [c.start for c in counts]
    items: list[NarrativeCount] = []
    for sp in counts:
        a, b, label = sp.start, sp.end, sp.label
        override, score, span_method = sp.value, sp.score, sp.method
        value, unit, approx = parse_count(text[a:b])
        if override is not None:
            value = int(override) if float(override).is_integer() else float(override)
        if value is None:
            continue
        if labels.APPROX_BEFORE.search(fold(text[max(0, a - 4):a])):
            approx = True
        cat = _category_for(text, a, b, unit, cats, cat_ends, cats_by_start, cat_starts, count_starts)
        items.append(NarrativeCount(
            category=unwrap(text[cat[0]:cat[1]]) if cat else None, value=value, unit=unit, approximate=approx,
            start=a, end=b, method=span_method.value, confidence=round(float(score), 4),
            category_start=cat[0] if cat else None, category_end=cat[1] if cat else None,
            total=label == "TOTAL"))
    return items


# a line break and the blanks around it; blanks between two Chinese characters or punctuation marks
# (a hard wrap that a flattened page turned into a space: 公 示公告; no labelled category holds one); a
# no-break space (&nbsp;, indenting a page's lines) is a blank like any other
_WRAP = re.compile(r"[ \t\u3000\xa0]*\r?\n[ \t\u3000\xa0]*"
                   r"|(?<=[^\x00-\x7f\u3000\xa0])[ \t\u3000\xa0]+(?=[^\x00-\x7f\u3000\xa0])")


def unwrap(s: str) -> str:
    """A phrase as written, without the line breaks a hard wrap put inside it (`医\\n疗` is 医疗; two
    Latin words keep a space between them), nor blanks between Chinese characters (`公 示公告` is
    公示公告), nor a line inside it that cannot belong to a phrase: a junk line holding a web address
    (`labels.is_link_line`), a page number, the report's title as a PDF's running head.
    Offsets still point at the text as it stands."""
    s = _without_interrupting(s)
    return _WRAP.sub(lambda m: " " if _latin_pair(s, m.start(), m.end()) else "", s)


def _without_interrupting(s: str) -> str:
    """`s` without the lines inside it (not its first or last) that are page furniture or junk."""
    if s.count("\n") < 2:
        return s
    lines = s.split("\n")
    return "\n".join([lines[0]] + [ln for ln in lines[1:-1] if not _interrupting(ln)] + [lines[-1]])


def _interrupting(line: str) -> bool:
    """A line inside a phrase that is page furniture or junk (Text.interrupting_lines, without the
    document: a title-like line is a running head here)."""
    s = line.strip()
    return labels.interrupts_sentences(s) or labels.is_title_line(s)


def _latin_pair(s: str, a: int, b: int) -> bool:
    return 0 < a and b < len(s) and s[a - 1].isascii() and s[a - 1].isalnum() and s[b].isascii() and s[b].isalnum()


def counts_what_follows(text: str, a: int, unit: str | None) -> bool:
    """Whether a count names what it counts right after its unit, even with a phrase before it (GUIDE:
    CATEGORY): a classifier that introduces its noun (完成区直单位26个试点领域, 涉及21个领域68项内容) or a
    list closed by 等 (社保等8个便民主题)."""
    return unit in labels.CLASSIFIER_UNITS or text[a - 1:a] == "等"


def _category_for(text, a, b, unit, cats, cat_ends, cats_by_start, cat_starts, count_starts):
    after = None
    k = bisect.bisect_left(cat_starts, b)  # "8个领域": the category right after the unit
    if k < len(cats_by_start):
        c = cats_by_start[k]
        if c[0] <= b + 1 and not text[b:c[0]].strip():
            after = c[0], c[1]
    if after and counts_what_follows(text, a, unit):
        return after
    k = bisect.bisect_right(cat_ends, a) - 1  # the category ending last before the count
    if k >= 0:
        c = cats[k]
        # the gap without page furniture or junk lines inside it (a page broke between the two)
        gap = _without_interrupting(text[max(0, c[1] - 1):a])
        # no other count between the category and this count
        j = bisect.bisect_left(count_starts, c[1])
        between = j < len(count_starts) and count_starts[j] < a
        # the gap is judged with the category's last character before it: a line break right after
        # the category is a hard wrap when it falls between two characters of one sentence
        if not between and len(gap) <= 41 and not clause_break(gap):
            return c[0], c[1]
    return after
