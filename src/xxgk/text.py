"""Normalised text and the views used for matching, all sharing one offset space.

`Text.text` is the document text that records point into: the decoded input with line
endings unified, invisible characters taken out and control characters blanked.  `Text.match` has
exactly the same length: each character folded on its own (NFKC when that yields one character,
traditional → simplified by opencc's character table), markdown markup and a line's dress blanked
(`blank_markup`), a half-width full stop that ends a Chinese sentence read as 。 (`full_stops`), so
an offset found in `match` is an offset into `text`, and titles or categories can be sliced from
`text` as written.  `Text.compact(a, b)` drops
whitespace, table pipes and injected pinyin so that labels broken across lines or spaced
out still match; it keeps a map from each compact character back to its offset.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

from xxgk.rules import labels
from xxgk.spans import Span

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# a form feed (a page break, as text extractors write it, often in place of the line's break) and a
# vertical tab (a line break inside a paragraph) end a line
_LINE_BREAKS = re.compile(r"[\x0b\x0c\u2028\u2029]")
# Characters that show as nothing (soft hyphen, zero-width spaces and joiners, direction marks and
# embeddings, word joiner, byte-order mark): pages and copies from editors carry them, some sites sprinkle
# them through the text to mark copies. They are taken out, not blanked: a blank inside 1010 or 政务信息
# would split it.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff]")


def strip_invisible(s: str) -> str:
    """`s` without the characters that show as nothing (`_INVISIBLE`)."""
    return _INVISIBLE.sub("", s)


def double_spacing(s: str) -> list[tuple[int, int]]:
    """On a double-spaced page (DOUBLE_SPACED_SHARE), the blank line after each line of text, with its
    line break: (start, end) ranges; [] on any other page."""
    lines = s.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    text_lines = [i for i, ln in enumerate(lines) if ln.strip()]
    doubled = [i for i in text_lines if i + 2 < len(lines) and not lines[i + 1].strip() and lines[i + 2].strip()]
    if len(doubled) < DOUBLE_SPACED_MIN_LINES or len(doubled) < DOUBLE_SPACED_SHARE * len(text_lines):
        return []
    return [(starts[i + 1], starts[i + 2]) for i in doubled]


def single_spaced(s: str) -> str:
    """A double-spaced page with the blank line after each line of text turned into blanks (same length),
    so a line break reads as on a single-spaced page: a hard wrap joins, a paragraph's end ends a clause;
    any other text as it is."""
    ranges = double_spacing(s)
    if not ranges:
        return s
    chars = list(s)
    for a, b in ranges:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def normalise_newlines(s: str) -> str:
    """Unify line endings (form feeds, vertical tabs and Unicode's line and paragraph separators too), take
    out the characters that show as nothing and blank control characters (the only edits made to the text)."""
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", _LINE_BREAKS.sub("\n", strip_invisible(s)))


# The simplified radicals of the CJK Radicals Supplement that stand for a whole character (Unicode names
# them C-SIMPLIFIED SEE, GATE, LONG …); NFKC does not map them.
SIMPLIFIED_RADICALS = dict(zip("⻅⻆⻉⻋⻓⻔⻙⻚⻛⻜⻢⻥⻦⻧⻨⻩⻪⻬⻮⻰", "见角贝车长门韦页风飞马鱼鸟卤麦黄黾齐齿龙"))


@functools.lru_cache(maxsize=1)
def _ideograph_table() -> dict[int, str]:
    table = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in [*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)]}
    table = {cp: n for cp, n in table.items() if len(n) == 1 and n != chr(cp)}
    table.update({ord(radical): ideograph for radical, ideograph in SIMPLIFIED_RADICALS.items()})
    return table


_RADICAL = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")


def radicals_as_ideographs(s: str) -> tuple[str, int]:
    """`s` with radicals and compatibility ideographs written as the ideographs they show, and how many.
    A PDF's text layer may give a character as the radical its font draws with the same glyph (⼀ for 一,
    ⾏ for 行, ⻓ for 长): the text then reads the same to a person but matches no label, and a title or a
    category would carry the radical into the record. One character for one, so offsets hold."""
    found = _RADICAL.findall(s)
    if not found:
        return s, 0
    table = _ideograph_table()
    n = sum(ord(c) in table for c in found)
    return (s.translate(table), n) if n else (s, 0)


@functools.lru_cache(maxsize=4)
def opencc_char_table(name: str) -> dict[int, str]:
    """A one-character-to-one-character table from an opencc dictionary (TSCharacters, STCharacters)."""
    table: dict[int, str] = {}
    try:
        path = resources.files("opencc") / "dictionary" / f"{name}.txt"
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 2 and len(parts[0]) == 1:
                    target = parts[1].split(" ")[0]
                    if len(target) == 1 and target != parts[0]:
                        table[ord(parts[0])] = target
    except (FileNotFoundError, ModuleNotFoundError, OSError):  # conversion is an aid, not a must
        pass
    return table


def _t2s_table() -> dict[int, str]:
    return opencc_char_table("TSCharacters")


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Per-character folding: NFKC where it maps one char to one char, then t2s."""
    table: dict[int, str] = {}
    ranges = [(0x00A0, 0x0100), (0x2000, 0x2070), (0x2150, 0x2190), (0x2460, 0x2500), (0x3000, 0x3040),
              (0xFE30, 0xFE70), (0xFF00, 0xFFF0)]
    for lo, hi in ranges:
        for cp in range(lo, hi):
            ch = chr(cp)
            n = unicodedata.normalize("NFKC", ch)
            if len(n) == 1 and n != ch:
                table[cp] = n
    table[0x3000] = " "
    table[0x00A0] = " "
    for cp, s in _t2s_table().items():
        table[cp] = table.get(ord(s), s)
    # characters that are simplified forms too but stand for another character in converted text
    # (反复 → 反覆, 了解 → 瞭解): in the match view they count as the character the labels use
    for a, b in _AMBIGUOUS_TRADITIONAL.items():
        table[ord(a)] = b
    for ch in CELL_RULES:
        table[ord(ch)] = "|"
    return table


_AMBIGUOUS_TRADITIONAL = {"覆": "复", "瞭": "了"}
# the vertical rules text converters draw between a table's cells (box drawing, broken bar): a cell
# separator, as `|` is
CELL_RULES = "│┃║╎╏┆┇┊┋¦"

# What a web-to-markdown converter adds to a page says nothing the report says: heading marks (`## `),
# bold (`**`), backslash escapes (`1\.`, `\-185`) and a pipe table's rule row (`| --- | --- |`, which
# would stand between a row label and its figures). The match view blanks them (same length), so
# labels, headers and figures match as on the page the markdown was made from.
_MD_MARKUP = re.compile(r"^[ \t]*#{1,6}(?=[ \t])"  # a heading mark
                        r"|\*\*|__"  # bold
                        r"|\\(?=[\\`*_{}\[\]()#+\-.!|>])"  # an escape
                        r"|^[ \t]*(?=[^\n]*\|)(?=[^\n]*---)[|:\- \t]+$",  # a table's rule row
                        re.M)


# an escaped enumerator's dot (`1\.公开内容`): the dot moves onto the backslash and the blank follows it
# (`1. 公开内容`), so the line still starts with an enumerator
_MD_ESCAPED_DOT = re.compile(r"(?<=\d)\\\.")


# A half-width full stop where the text ends a Chinese sentence (`…工作。` written `…工作.`, as pipelines that
# turn all punctuation half-width write it): the match view reads it as 。 so sentences, clauses and
# headers glued after them end and start as in the original. Not after a Chinese numeral (`二.主动公开`
# is an enumerator), not after a short figure or a Latin letter (5949.08, 1.属于…, www.gov.cn) and not in
# an ellipsis (...); before a Chinese character it is one also after a Latin letter or % (@163.com.一、…,
# 解读率100%.公开…). After a figure only before a section's enumerator (传真：0591-23100206.一、总体情况):
# a one-line body glues figures onto enumerators (总计0000000 + 1.属于国家秘密).
_HALF_WIDTH_STOP = re.compile(r"(?<=[\u4e00-\u9fff”’」』）)])(?<![一二三四五六七八九十])\.(?!\.)"
                              r"|(?<=[A-Za-z%])\.(?=[\u4e00-\u9fff])|(?<=\d)\.(?=[一二三四五六七八九十]、)")


def full_stops(s: str) -> str:
    """`s` with a half-width full stop that ends a Chinese sentence read as 。 (same length)."""
    return _HALF_WIDTH_STOP.sub("。", s) if "." in s else s


# Decoration around a line that says nothing either: bullets before it (■ 一、总体情况) and brackets
# around all of it (【一、总体情况】), as reposts of a report dress its headers.
_BULLETS = "■□●○◆◇▲△★☆◎▶►"
_BULLETED = re.compile(rf"^[ \t]*[{_BULLETS}]+", re.M)
_BRACKETED = re.compile(r"^([ \t]*)[【〖]([^\n【】〖〗]{2,40})[】〗](?=[ \t]*$)", re.M)


def blank_markup(s: str) -> str:
    """`s` with markdown markup and a line's decoration turned into blanks (same length and offsets)."""
    if "#" in s or "*" in s or "_" in s or "\\" in s or "---" in s:
        s = _MD_MARKUP.sub(lambda m: " " * len(m.group()), _MD_ESCAPED_DOT.sub(". ", s))
    if any(c in s for c in _BULLETS):
        s = _BULLETED.sub(lambda m: " " * len(m.group()), s)
    if "【" in s or "〖" in s:
        s = _BRACKETED.sub(lambda m: f"{m.group(1)} {m.group(2)} ", s)
    return s


def fold(s: str) -> str:
    """The match view of a short string (same length)."""
    return s.translate(_fold_table())


def t2s_available() -> bool:
    return bool(_t2s_table())


_COMPACT_DROP = re.compile(r"[\s|?*#`>\u3000]+|" + labels.PINYIN_INJECTION)


@dataclass
class Compact:
    """A view with noise removed; `to_text(i)` maps a compact index to a text offset."""

    s: str
    _cstarts: list[int]
    _tstarts: list[int]
    base_end: int

    def to_text(self, i: int) -> int:
        if i >= len(self.s):
            return self.base_end
        k = bisect.bisect_right(self._cstarts, i) - 1
        return self._tstarts[k] + (i - self._cstarts[k])

    def span_to_text(self, a: int, b: int) -> tuple[int, int]:
        """Text span covering compact [a, b) (end exclusive)."""
        if b <= a:
            t = self.to_text(a)
            return t, t
        return self.to_text(a), self.to_text(b - 1) + 1

    def from_text(self, t: int) -> int:
        """First compact index whose text offset is >= t."""
        k = bisect.bisect_right(self._tstarts, t) - 1
        if k < 0:
            return 0
        seg_len = (self._cstarts[k + 1] if k + 1 < len(self._cstarts) else len(self.s)) - self._cstarts[k]
        off = t - self._tstarts[k]
        if off < seg_len:
            return self._cstarts[k] + off
        return self._cstarts[k] + seg_len


# A page is double-spaced (markdown's paragraphs, scrapes that put a blank line after every line) when
# at least this share of its lines with text, and at least this many, are followed by one blank line
# and then more text: its blank lines then separate nothing that its single line breaks do not.
DOUBLE_SPACED_SHARE = 0.8
DOUBLE_SPACED_MIN_LINES = 10
# A page counts as hard-wrapped when at least WRAP_MIN_LINES lines, and WRAP_MIN_SHARE of the lines
# of WRAP_MIN_WIDTH characters or more, have one and the same length (scrapes were seen wrapped at
# 38 to 60 characters; prose paragraphs and table rows vary in length).
WRAP_MIN_WIDTH = 30
WRAP_MIN_LINES = 5
WRAP_MIN_SHARE = 0.3
# a line that ends with these ends its sentence, even when it fills the wrap width
_SENTENCE_END_AT_EOL = re.compile(r"[。！？；：!?;:][”’」』）)]*\s*$")
# a line is letter-spaced when at least this many, and this share, of its pairs of neighbouring
# non-Latin characters stand one blank apart
LETTER_SPACED_MIN_PAIRS = 3
LETTER_SPACED_MIN_SHARE = 0.5
_LETTER_BLANK = re.compile(r"(?<=[^\x00-\x7f\s])[ \u3000](?=[^\x00-\x7f\s])")
_TIGHT_PAIR = re.compile(r"[^\x00-\x7f\s](?=[^\x00-\x7f\s])")
# a page is flattened when it keeps fewer line breaks than this per 1,000 characters (a report as
# written has 10 to 25: a line is a paragraph, a header or a table row)
FLATTENED_MAX_BREAKS_PER_1000 = 2
# on such a page a blank between two Chinese characters is a line break the flattening turned into a
# space (政府信 息公开, 一、总体情况 全年…): Chinese prose has no spaces of its own
_BLANK_IN_PROSE = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000](?=[ \t\u3000]*[\u4e00-\u9fff])")


@dataclass
class Shortened:
    """A text with some of its characters left out (what a scrape put inside its sentences), and for
    each character kept its offset in the full text: offsets go in with `at` / `onto`, and spans found
    in the shortened text come back with `back`, so every offset stays in the full text's space."""

    text: str
    pos: list[int]  # pos[i]: where text[i] stands in the full text

    @classmethod
    def leaving_out(cls, full: str, drop: set[int]) -> Shortened:
        pos = [i for i in range(len(full)) if i not in drop]
        return cls("".join(full[i] for i in pos), pos)

    @functools.cached_property
    def as_text(self) -> Text:
        return Text(self.text)

    def at(self, i: int) -> int:
        """The offset here of full-text offset i (of the next character kept)."""
        return bisect.bisect_left(self.pos, i)

    def onto(self, spans: Sequence[Span]) -> list[Span]:
        """Spans of the full text as spans of this one (those left empty dropped)."""
        moved = [replace(s, start=self.at(s.start), end=self.at(s.end)) for s in spans]
        return [s for s in moved if s.end > s.start]

    def back(self, spans: Sequence[Span]) -> list[Span]:
        """Spans of this text as spans of the full text (from its first character to its last)."""
        return [replace(s, start=self.pos[s.start], end=self.pos[s.end - 1] + 1) for s in spans if s.end > s.start]


@dataclass
class Text:
    text: str
    match: str = field(init=False)
    traditional: bool = field(init=False)

    def __post_init__(self):
        self.match = full_stops(blank_markup(self.text.translate(_fold_table())))
        t2s = _t2s_table()
        # "traditional" when a noticeable share of CJK characters changed under t2s
        changed = sum(1 for ch in self.text[:20000] if ord(ch) in t2s)
        self.traditional = changed >= 20 or (changed >= 3 and changed * 50 > len(self.text[:20000]))

    def __len__(self) -> int:
        return len(self.text)

    @functools.cached_property
    def simplified(self) -> str:
        """The text with its traditional characters in simplified form and nothing else changed (same
        length and offsets): what the tagger reads, having learned from simplified reports.  The text
        itself when it is not traditional."""
        return self.text.translate(_t2s_table()) if self.traditional else self.text

    @functools.cached_property
    def tagger_view(self) -> Shortened | None:
        """What the tagger reads when the text has letter-spaced lines: `simplified` without their
        blanks (it learned from text without them; its tokenizer reads 扶 贫 apart); None when there
        are none (it reads `simplified`)."""
        return Shortened.leaving_out(self.simplified, set(self.letter_spacing)) if self.letter_spacing else None

    @functools.cached_property
    def prose_view(self) -> "Text":
        """On a page flattened to (about) one line, the text with a blank between two Chinese characters
        read as the line break it stands for (its first blank becomes a line break; same length and
        offsets): what the narrative rules read, so that a hard wrap the flattening turned into a space
        is joined like any other hard wrap.  The text itself otherwise."""
        if self.text.count("\n") * 1000 >= FLATTENED_MAX_BREAKS_PER_1000 * max(len(self.text), 1000):
            return self  # a page with its line breaks: its blanks are blanks (a junk line's 彩票开奖结果 实时查询)
        spacing = set(self.letter_spacing)  # a letter-spaced line's blanks are spacing, not line breaks
        blanks = [m.start() for m in _BLANK_IN_PROSE.finditer(self.text) if m.start() not in spacing]
        if not blanks:
            return self
        chars = list(self.text)
        for i in blanks:
            chars[i] = "\n"
        return Text("".join(chars))

    @functools.cached_property
    def wrap_breaks(self) -> frozenset[int]:
        """Offsets of the line breaks a hard wrap put inside a sentence: on a page wrapped at a fixed
        width (`wrap_width`), the break after a line that fills the width and does not end a sentence,
        when the next line fills the width too or ends the paragraph with a sentence's end (the last
        line of a wrapped paragraph does; a junk line injected after a full one does not)."""
        width = self.wrap_width
        if not width:
            return frozenset()
        out = []
        pos = 0
        lines = self.text.split("\n")
        for line, nxt in zip(lines, lines[1:]):
            pos += len(line)
            if (len(line) == width and not _SENTENCE_END_AT_EOL.search(line)
                    and (len(nxt) == width or _SENTENCE_END_AT_EOL.search(nxt))):
                out.append(pos)
            pos += 1
        return frozenset(out)

    @functools.cached_property
    def running_heads(self) -> frozenset[str]:
        """Lines (stripped, match view) a PDF prints at the top of every page: a title-like line
        (`labels.is_title_line`) that stands alone more than once (the report's title repeated; a title
        printed once is no running head)."""
        counts = Counter(ln.strip() for ln in self.match.split("\n") if labels.is_title_line(ln))
        return frozenset(ln for ln, n in counts.items() if n >= 2)

    @functools.cached_property
    def interrupting_lines(self) -> list[tuple[int, int]]:
        """The lines (start, end of the line break after it) that can stand between two lines of a
        sentence without belonging to it: a line that is only a web address and a few words
        (`labels.is_link_line`, junk a hijacked mirror injects), a page number (`labels.PAGE_FOOTER`)
        and a running head (`running_heads`) where a PDF's page broke."""
        out = []
        pos = 0
        for line in self.match.split("\n"):
            end = pos + len(line)
            if end < len(self.text) and line.strip() and (labels.interrupts_sentences(line)
                                                           or line.strip() in self.running_heads):
                out.append((pos, end + 1))
            pos = end + 1
        return out

    @functools.cached_property
    def letter_spacing(self) -> list[int]:
        """Offsets of the blanks between the characters of a letter-spaced line (a PDF's justified text:
        号 ， 邮 编 ： 223100): a line where most neighbouring Chinese characters and marks stand one
        blank apart (a junk line's one blank, 彩票开奖结果 实时查询, does not make one)."""
        out: list[int] = []
        pos = 0
        for line in self.text.split("\n"):
            spaced = [m.start() for m in _LETTER_BLANK.finditer(line)]
            if len(spaced) >= LETTER_SPACED_MIN_PAIRS and \
                    len(spaced) >= LETTER_SPACED_MIN_SHARE * (len(spaced) + len(_TIGHT_PAIR.findall(line))):
                out.extend(pos + i for i in spaced)
            pos += len(line) + 1
        return out

    @functools.cached_property
    def unwrapped(self) -> Shortened | None:
        """The text as its sentences were written: without its `wrap_breaks` (a sentence a hard wrap cut
        is whole again), its `interrupting_lines`, its `letter_spacing` and its `double_spacing` (so a
        line break a hard wrap put in a double-spaced page reads as one); None when there is nothing
        to take out."""
        drop = set(self.wrap_breaks) | set(self.letter_spacing)
        for a, b in self.interrupting_lines + self.double_spacing:
            drop.update(range(a, b))
        return Shortened.leaving_out(self.text, drop) if drop else None

    @functools.cached_property
    def double_spacing(self) -> list[tuple[int, int]]:
        """`double_spacing(self.text)`."""
        return double_spacing(self.text)

    @functools.cached_property
    def wrap_width(self) -> int | None:
        """The width a page was hard-wrapped at (many long lines of exactly one length), else None.

        A hard wrap cuts wherever the width falls, also inside a number (`78` / `16` for 7816):
        a line of exactly this width that ends in a digit may continue on the next line."""
        lengths = [len(ln) for ln in self.text.split("\n") if len(ln) >= WRAP_MIN_WIDTH]
        if len(lengths) < WRAP_MIN_LINES:
            return None
        width, n = Counter(lengths).most_common(1)[0]
        return width if n >= WRAP_MIN_LINES and n >= WRAP_MIN_SHARE * len(lengths) else None

    def compact(self, start: int = 0, end: int | None = None) -> Compact:
        end = len(self.text) if end is None else min(end, len(self.text))
        src = self.match[start:end]
        parts: list[str] = []
        cstarts: list[int] = []
        tstarts: list[int] = []
        pos = 0
        clen = 0
        for m in _COMPACT_DROP.finditer(src):
            if m.start() > pos:
                parts.append(src[pos:m.start()])
                cstarts.append(clen)
                tstarts.append(start + pos)
                clen += m.start() - pos
            pos = m.end()
        if pos < len(src):
            parts.append(src[pos:])
            cstarts.append(clen)
            tstarts.append(start + pos)
        if not cstarts:
            cstarts, tstarts = [0], [start]
        return Compact("".join(parts), cstarts, tstarts, end)

    def line_bounds(self, i: int, window: int = 600) -> tuple[int, int]:
        """The line around offset i, clipped to `window` characters each way (bodies on one line are long)."""
        lo = max(0, i - window)
        a = self.text.rfind("\n", lo, i)
        a = a + 1 if a >= 0 else lo
        hi = min(len(self.text), i + window)
        b = self.text.find("\n", i, hi)
        return a, (hi if b < 0 else b)
