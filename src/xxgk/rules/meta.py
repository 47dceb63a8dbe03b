"""Title, reporting body, year and publication date; and whether the text is a report at all."""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import dataclass

from xxgk.conventions import inside_word, unwrap
from xxgk.rules import labels
from xxgk.record import Meta
from xxgk.text import Text

_JUNK = re.compile(r"[-_|>»—]|网站|门户|首页|官网|app|APP|http")
_JUNK_CUT = re.compile(r"[-_|>»—]|网站|门户网|首页|官网|正文|无障碍|浏览|登录|注册|打印|关闭"
                       r"|[A-Za-z0-9.-]*\.(?:com|cn|net|org|gov)\b[A-Za-z0-9./]*")  # and a web address
# the shortest name that a repeated suffix may be (太平乡, 某某局)
MIN_ORG_CHARS = 3
_HEAD_CHARS = 4000
# a crawler's metadata block (标题: / 发布时间: …) stands in the first few lines
_METADATA_CHARS = 600


@dataclass
class TitleMatch:
    title: str
    organization: str | None
    year: int
    start: int
    end: int
    score: float


def find_title(t: Text) -> TitleMatch | None:
    """The report's title: the best-scoring title line of the head, above section 二 and above a page's
    list of links (what follows them, such as links to other years' reports, is not this report's title)."""
    head_end = min(len(t.text), _HEAD_CHARS)
    body = labels.SECOND_SECTION.search(t.match, 0, head_end)
    head_end = min(body.start() if body is not None else head_end, _links_start(t))
    lines = []
    pos = 0
    for raw in t.text[:head_end].split("\n"):
        lines.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    best: TitleMatch | None = None
    nonempty = _logical_lines(t, [(a, b) for a, b in lines if t.text[a:b].strip()])
    for idx, (a, b) in enumerate(nonempty[:60]):
        if _is_link(t, a, b):
            continue
        spans = [(a, b, 0.0)]
        if idx + 1 < len(nonempty) and not _is_link(t, *nonempty[idx + 1]):  # a title broken over two lines
            spans.append((a, nonempty[idx + 1][1], -0.3))
        for sa, sb, bonus in spans:
            if "报" not in t.match[sa:sb] or not re.search(r"(?:19|20)\d\d", t.match[sa:sb]):
                continue  # a title names the year and 报告: skip the compact view for other lines
            comp = t.compact(sa, sb)
            s = labels.TITLE_PREFIX.sub("", comp.s)
            shift = len(comp.s) - len(s)
            for m in labels.title_matches(s):
                tm = _title_from_match(t, comp, m, shift, sa, sb, idx, bonus)
                if tm and (best is None or tm.score > best.score):
                    best = tm
    return best


def _links_start(t: Text) -> int:
    """Where a page's links to other articles under the report (上一篇, 相关链接 …) start, or the text's end:
    the first such line after the article's last sentence (links hold titles, not sentences; a list read
    before the article, a sidebar, is followed by its sentences and does not count)."""
    m = labels.LINKS_START.search(t.match, t.match.rfind("。") + 1)
    return m.start() if m else len(t.text)


def _is_link(t: Text, a: int, b: int) -> bool:
    return bool(labels.LINK_LINE.match(t.match[a:b]) or labels.LINKS_HEADING.match(t.match[a:b]))


# a title that leads a line or stands alone scores at least this (find_title's scale): one quoted in a
# sentence (《…》) or mentioned by a verb scores less
STANDALONE_TITLE_SCORE = 2.0


def titles_after(t: Text, pos: int) -> list[TitleMatch]:
    """Report titles that stand on their own (not quoted, not mentioned in a sentence) after `pos`."""
    out: list[TitleMatch] = []
    start, prev = 0, None  # prev: the last non-empty line before this one
    for raw in t.text.split("\n"):
        a, b = start, start + len(raw)
        start = b + 1
        if b > pos and "报" in t.match[a:b] and re.search(r"(?:19|20)\d\d", t.match[a:b]):
            for tm in _standalone_titles(t, a, b):
                if tm.organization is None and prev is not None and prev[0] >= pos \
                        and prev[1] - prev[0] <= NAME_LINE_CHARS:
                    # the body's name on the line above (a title broken over two lines): the title starts there
                    two = [x for x in _standalone_titles(t, prev[0], b) if x.organization and x.start < a]
                    tm = two[0] if two else tm
                if tm.start >= pos:
                    out.append(tm)
        if raw.strip():
            prev = (a, b)
    return out


# the longest line above a title taken for the body's name it was broken from
NAME_LINE_CHARS = 40


def _standalone_titles(t: Text, a: int, b: int) -> list[TitleMatch]:
    comp = t.compact(a, b)
    s = labels.TITLE_PREFIX.sub("", comp.s)
    shift = len(comp.s) - len(s)
    found = (_title_from_match(t, comp, m, shift, a, b, 0, 0.0) for m in labels.title_matches(s))
    return [tm for tm in found if tm and tm.score >= STANDALONE_TITLE_SCORE]


def _logical_lines(t: Text, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`lines` with those a hard wrap cut mid-sentence joined again (`Text.wrap_breaks`: 特向社会公布 /
    2023年政府信息公开工作年度报告。本报告…: the second line is not a title)."""
    breaks = t.wrap_breaks
    if not breaks:
        return lines
    out: list[tuple[int, int]] = []
    for a, b in lines:
        if out and out[-1][1] in breaks:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _wrap_break(t: Text, i: int, gap: str) -> bool:
    """Whether the whitespace `gap` at text offset i is a line break a hard wrap put there."""
    return gap.strip(" \t\u3000") == "\n" and i + gap.index("\n") in t.wrap_breaks


def _title_from_match(t, comp, m, shift, sa, sb, idx, bonus) -> TitleMatch | None:
    org1, org2 = m.group("org1") or "", m.group("org2") or ""
    start_c = m.start("org1") + shift
    org_c = start_c  # where the body's name starts (compact index)
    in_sentence = False
    verbs = list(labels.TITLE_VERBS.finditer(org1))
    if verbs:  # the title mentioned in a sentence: keep the body's name after the verb
        in_sentence = True
        cut = verbs[-1].end()
        if cut < len(org1):
            start_c += cut
            org_c = start_c
            org1 = org1[cut:]
        else:
            # "XX镇人民政府特此编制2024年度…报告": the body is the sentence's subject, not part of a title
            return None
    gap = _last_gap(t, comp, start_c, m.start("year") + shift)
    if gap is not None and gap - start_c < len(org1) - 1:
        # a body's name has no space inside; what stands before the last one is chrome that a page
        # flattened onto the title's line ("无障碍 吉林省交通运输厅2024年…", "年报 中村乡2020年…")
        org1 = org1[gap - start_c:]
        start_c = org_c = gap
    junk = list(_JUNK_CUT.finditer(org1))
    if junk:  # site name or chrome before the title ("门户网站-", "Page 2 -"): keep what follows it
        cut = junk[-1].end()
        start_c += cut
        org_c = start_c
        org1 = org1[cut:]
    named = _repeated_suffix(t, org1)
    if named is not None:  # chrome glued onto the name ("有效张家港市教育局"): the name the text repeats
        start_c += len(org1) - len(named)
        org_c = start_c
        org1 = named
    if re.fullmatch(r"[A-Za-z]+", org1):  # "ENGLISH2021年…": a language switch, not a body
        start_c, org1 = m.start("year") + shift, ""
    if labels.INTERPRETATION.search(org1) or _JUNK.search(org1):
        start_c, org1 = m.start("year") + shift, ""
    if labels.GENERIC_ORG.match(org1) or len(org1) < 2:
        start_c, org1 = m.start("year") + shift, ""
    if in_sentence and not (org1 or org2):
        return None  # "现将2022年…报告如下": names no body, not a title
    a, b = comp.span_to_text(start_c, m.end() + shift)
    year = int(m.group("year"))
    if not (1990 <= year <= _dt.date.today().year + 1):
        return None
    org = None
    if org2:
        oa, ob = comp.span_to_text(m.start("org2") + shift, m.end("org2") + shift)
        org = t.text[oa:ob]
    elif org1:
        oa, ob = comp.span_to_text(org_c, org_c + len(org1))
        org = t.text[oa:ob]
    if org:
        org = re.sub(labels.PINYIN_INJECTION, "", re.sub(r"\s+", "", org)).strip(" ，,、:：") or None
    line_text = t.compact(sa, sb).s
    whole = labels.TITLE_PREFIX.sub("", line_text)
    score = 2.0 + bonus - 0.02 * idx
    if len(whole) - (m.end() - m.start()) <= 2:
        score += 3.0  # the line is the title
    if org:
        score += 1.0
    if line_text[max(0, start_c - 1):start_c] == "《" or "》" in line_text[m.end() + shift:m.end() + shift + 2]:
        score -= 2.5  # quoted in a sentence
    if re.search(r"[，,。]", line_text) or in_sentence:
        score -= 1.0
    title = re.sub(labels.PINYIN_INJECTION, "", _unbroken(t.text[a:b])).strip()
    return TitleMatch(title=title, organization=org, year=year, start=a, end=b, score=score)


def _unbroken(s: str) -> str:
    """A title as written without its layout: line breaks (a title set on two lines, or hard-wrapped)
    and the blanks between Chinese characters a page flattened to one line left of them."""
    return unwrap(re.sub(r"\s*\n\s*", "", s))


def _repeated_suffix(t: Text, org: str) -> str | None:
    """The longest proper suffix of `org` that the text names again elsewhere, when `org` itself is
    not repeated and what it would cut off holds no administrative division (a page glued onto the
    title line leaves chrome before the body's name: 注册无障碍浏览|和平街道办事处, 年|马头铺镇人民政府)."""
    if len(org) <= MIN_ORG_CHARS or t.match.count(org) > 1:
        return None
    for k in range(1, len(org) - MIN_ORG_CHARS + 1):
        suffix = org[k:]
        if labels.DIVISION_CHAR.search(org[:k]):
            return None
        if labels.DIVISION_CHAR.match(suffix) or inside_word(org, k):
            continue  # 武汉|市公安局: a cut inside a place name
        if t.match.count(suffix) > 1 and not labels.GENERIC_ORG.match(suffix) and suffix not in labels.GENERIC_BODY_NAMES:
            return suffix
    return None


def _last_gap(t: Text, comp, a: int, b: int) -> int | None:
    """Compact index just after the last whitespace run of the text between compact [a, b) (not counting
    a line break a hard wrap put there: 蒼溪縣自然⏎資源局 is one name)."""
    if b - a < 2:
        return None
    ta, tb = comp.span_to_text(a, b)
    seg = t.text[ta:tb]
    gaps = [m for m in re.finditer(r"\s+", seg) if 0 < m.start() and not _wrap_break(t, ta + m.start(), m.group())]
    if not gaps:
        return None
    return comp.from_text(ta + gaps[-1].end())


def other_document_heading(t: Text) -> str | None:
    """The page's own heading when it names another kind of document (函, 通知, 指南, 工作总结 …).

    The heading is a crawler's `标题:` line when there is one, else the first non-empty line; a
    heading that names a 报告 is never another kind."""
    head = t.match[:_HEAD_CHARS]
    m = labels.HEADING_LINE.search(head[:_METADATA_CHARS])
    line = m.group(1) if m else next((ln for ln in head.split("\n") if ln.strip()), "")
    line = line.strip()[:80]
    if not line or "报告" in line:
        return None
    return line if labels.OTHER_DOCUMENT_HEADING.search(line) else None


def is_interpretation(t: Text, title: TitleMatch | None) -> bool:
    """A 解读 / 图解 article about a report rather than the report itself."""
    first_line = t.match.lstrip().split("\n", 1)[0][:80]
    cands = [first_line]
    if title:
        cands.append(t.match[max(0, title.start - 12):title.end + 12])
    return any(labels.INTERPRETATION.search(c) and ("报告" in c or "年报" in c) for c in cands)


def _iso(y: str, m: str, d: str) -> str | None:
    try:
        return _dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


_STAMP = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")


# How far around a date stamp to look for words that put it inside a sentence (统计期限 …至…).
STAMP_CONTEXT_CHARS = 12


def _standalone(s: str, a: int, b: int) -> bool:
    """A stamp delimited by spaces, a line edge, a colon or a time of day (`2022/1/29 14:59:38`)."""
    before = s[a - 1] if a > 0 else " "
    after = s[b] if b < len(s) else " "
    return (before.isspace() or before in ":：|") and (after.isspace() or after in "|")


def find_published(t: Text, title: "TitleMatch | None" = None) -> str | None:
    m = labels.PUBLISHED_LABEL.search(t.match[:_HEAD_CHARS])
    if m:
        iso = _iso(*m.groups())
        if iso:
            return iso
    # an unlabelled date stamp printed with the title (a short line near it, not a sentence)
    if title is not None:
        lo, hi = max(0, title.start - 300), min(len(t.match), title.end + 400)
        for d in _STAMP.finditer(t.match, lo, hi):
            a, b = t.line_bounds(d.start())
            line = t.match[a:b]
            if len(line.strip()) > 80:
                # a body on one line: a stamp standing between spaces (or after a colon), as page
                # chrome prints it, is still a stamp, and so is one glued right onto the title's end
                # (报告2022/1/29 14:59:38: lines joined with no separator); a date inside a sentence is not
                if not (_standalone(t.match, d.start(), d.end()) or d.start() == title.end):
                    continue
                a, b = max(0, d.start() - STAMP_CONTEXT_CHARS), min(len(t.match), d.end() + STAMP_CONTEXT_CHARS)
                line = t.match[a:b]
            if not re.search(r"统计|期限|时限|至|到|起", line):
                iso = _iso(*d.groups())
                if iso:
                    return iso
    tail_start = max(0, len(t.match) - 300)
    dates = list(labels.DATE_CN.finditer(t.match, tail_start))
    if dates:
        last = dates[-1]
        # a signature date stands on its own line near the end
        a, b = t.line_bounds(last.start())
        if t.match[a:b].strip() == last.group(0).strip() or len(t.match[a:b].strip()) <= len(last.group(0)) + 2:
            return _iso(*last.groups())
        # a body on one line: the signer's name right before the date, and no sentence after it
        if labels.SIGNER_BEFORE_DATE.search(t.match[max(0, last.start() - 40):last.start()]) \
                and not re.match(r"\s*[，,、的前后起至]", t.match[last.end():]):
            return _iso(*last.groups())
    return None


def find_year(t: Text, title: TitleMatch | None) -> int | None:
    if title:
        return title.year
    end = _links_start(t)  # the years of other reports a page links to are not this report's
    m = labels.STATS_PERIOD_YEAR.search(t.match[:min(_HEAD_CHARS, end)])
    if m:
        return int(m.group(1))
    years = Counter(int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", t.match[:min(2000, end)]))
    this_year = _dt.date.today().year
    years = Counter({y: n for y, n in years.items() if 2000 <= y <= this_year})
    return years.most_common(1)[0][0] if years else None


def extract_meta(t: Text) -> tuple[Meta, TitleMatch | None]:
    title = find_title(t)
    meta = Meta(title=title.title if title else None, organization=title.organization if title else None,
                year=find_year(t, title), published=find_published(t, title))
    return meta, title
