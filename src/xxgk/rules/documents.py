"""Several reports in one file: where the second one starts.

Counties publish compilations (汇编) of their departments' reports as one PDF, and a crawler can
glue two pages into one text. Read as one document, the second report's sections would be ignored
and its running text mixed into the first report's narrative. A report's title that stands on its
own (not quoted, not mentioned in a sentence) starts another report when the first report's
section headers have run their course before it (section 一 and one of 五 / 六, in the template's
wording) and a new section 一 follows it. A title repeated as a PDF's running head has no new
section 一 after it; a title quoted in the text is not standing on its own; neither cuts. Where a
running head falls between the first report's end and the second's title, the second report starts
at the first title there that was not met inside the first report; a title broken over two lines
(the body's name above, `2023年…年度报告` below) starts at the name (meta.titles_after).
The pipeline reads the text up to that title (warning W105); `xxgk extract` reads the rest as the
file's next report, a record of its own (batch/local.py, `Record.part`).
"""

from __future__ import annotations

import re

from xxgk.rules.meta import TitleMatch, titles_after
from xxgk.rules.sections import Candidate
from xxgk.text import Text

# how far after a second title its section 一 may stand (a preamble: 根据…条例… 本报告…)
NEXT_SECTION_ONE_CHARS = 2500
CLOSING_SECTIONS = (5, 6)
LABEL_CHARS = 16  # how far before the title its label (标题: …) is looked for


def next_report(t: Text, title: TitleMatch | None, candidates: list[Candidate]) -> tuple[int, TitleMatch] | None:
    """(where the second report starts, its title), or None when the text holds one report."""
    if title is None:
        return None
    strong = [c for c in candidates if c.tier == "strong"]
    titles = titles_after(t, title.end)
    seen = {_key(title.title)}  # titles met inside the first report: its own, running heads
    for i, other in enumerate(titles):
        before = {c.number for c in strong if title.end <= c.start < other.start}
        one = next((c for c in strong if c.number == 1 and other.end <= c.start <= other.end + NEXT_SECTION_ONE_CHARS),
                   None)
        if 1 not in before or not before & set(CLOSING_SECTIONS) or one is None:
            seen.add(_key(other.title))
            continue
        # the titles between the first report's end and the next section 一: a page's running head (a title
        # met before) may stand among them; the next report's own is the first not met before
        group = [o for o in titles[i:] if o.end <= one.start]
        fresh = [o for o in group if _key(o.title) not in seen]
        start = fresh[0] if fresh else group[-1]
        # the second report starts with its title's label, when a crawler's header gives one (标题: …)
        m = _LABEL_BEFORE.search(t.text, max(0, start.start - LABEL_CHARS), start.start)
        return (m.start() if m else start.start), start
    return None


def _key(title: str) -> str:
    return re.sub(r"\s+", "", title)


_LABEL_BEFORE = re.compile(r"(?:标\s*题|题\s*目|title)\s*[:：|]?\s*$", re.I)
