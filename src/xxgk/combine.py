"""How the tagger's spans and the rules' spans combine into one answer, per system.

`System.RULES` uses the rules only; `System.MODEL` the tagger only; `System.COMBINED` both.  The
threshold is chosen on the dev split and stored in the model's tagger.json; a model span below it
is never used.

Narrative (COUNT / TOTAL / CATEGORY), `combine_spans`: **the rules win where they have a span; the
model only fills the gaps they leave** (chosen on dev and train, issue 14: letting confident model
spans override the rules' spans, the policy before, scored below the rules alone on held-out test,
because the rules state the category convention -- channels, whole phrases -- better than the
tagger learns it, while the tagger finds some categories the rules leave empty):
  1. every rule span is kept, as the rules gave it (label, offsets, method "rule");
  2. *counts the rules missed*: a model COUNT/TOTAL overlapping no rule narrative span is added;
     which count is the headline TOTAL is a document-level convention the rules decide better, so
     when the rules name a TOTAL, an added model TOTAL becomes a COUNT;
  3. *a category the rules started too late*: a model CATEGORY that ends where a rule CATEGORY ends
     and starts before it (机构 → 组织机构, 目录 → 公开目录) replaces it, when it overlaps no other
     span and every count keeps the pairing it had (only the category's start moves).  Only this
     one direction: a model category ending after the rule's typically swallows the verb after a
     channel (政务微信 → 政务微信公开政府信息), and a shorter one drops words of the phrase;
  4. *a count the rules left without a category*: a model CATEGORY overlapping no kept span is
     added when it becomes the category (by the guide's linking rule, `conventions.link_counts`) of
     counts that had none, and of no count that had one (it never takes a count from a rule
     category).
Labels outside the narrative (SECTION, when a caller passes them, as `evaluation.tagging` does)
combine as before: a model span at or above the threshold wins, the rules fill in elsewhere.

Headers, `header_candidates`: **the rules' headers stand; the model only proposes the sections
they did not find, where a header they found follows** (`OPEN_GAPS`: not after the last one, where a
page cut short has nothing left to find): its SECTION spans of those numbers become candidates next
to the rules' candidates, and `sections.choose` picks the best sequence by rank (on the corpus the
model's other headers changed 2 of 135 records, each by moving a header's end a few characters off
its title).
A candidate's rank only orders candidates; its confidence (the model's score, or the rule rank's
share of the best rule rank) is what a record publishes.  (The tagger alone, `System.MODEL`, keeps
every header it finds.)

What the tagger reads, `header_regions` and `narrative_regions`: under this policy a model span can
change a record only in a gap the rules leave, so of the regions the tagger alone reads
(`xxgk.rules.regions.model_regions`) the combined system sends only those that reach into a gap: for
headers, where a section the rules did not find would stand; for the narrative, a region with a count
the rules did not read, a count without a category, or a rule category (which the model may start
earlier, rule 3).  What it leaves out cannot change the record (`tests/test_combine.py` checks this
on the corpus with a tagger whose answers depend on nothing but the text they are about).

This module reads both sides and belongs to neither: the tagger never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from xxgk.conventions import link_counts
from xxgk.record import Section
from xxgk.rules.labels import COUNT
from xxgk.rules.regions import Region, merged
from xxgk.rules.sections import Candidate, choose, model_candidates
from xxgk.spans import COUNT_LABELS, NARRATIVE_LABELS, Span, System
from xxgk.text import Text

# --tagger alone: every model header ranks 1 plus its score, so the sequence with the most headers
# wins and the score only breaks ties between sequences of as many headers
MODEL_ONLY_RANK_BASE = 1.0
# False: the combined system sends the tagger all it reads when it answers alone (the reference that
# tests/test_combine.py compares the gated path with); True: only the gaps (`header_regions`,
# `narrative_regions`)
GAPS_ONLY = True
# False: a section the rules did not find is looked for only where a header they found follows it, not
# after the last one (on a page cut inside a section, where the rest is not there to find).  On the
# corpus the tagger found one section in all its gaps (more-031's 五, between 四 and 六), and the open
# gaps after the last header took 18% of all it read (26,884 -> 22,126 tokens a pass); on train+dev,
# clean and in every robustness form, the headers scored the same without them (docs/benchmarks.md)
OPEN_GAPS = False
# combined: a model header at or above the threshold ranks in [2 + 2 * threshold, 4], above every
# weak or fuzzy rule candidate (at most 1 + 0.6 + 0.3 + 0.5 = 2.4 and 3.4) but below a header in the
# template's own wording at the start of its line with the right numeral (sections.RULE_RANK_MAX, 4.4)
COMBINED_RANK_BASE = 2.0
COMBINED_RANK_PER_SCORE = 2.0


def header_candidates(t: Text, rule_cands: list[Candidate], model_spans: Sequence[Span], system: System,
                      threshold: float) -> list[Candidate]:
    """The section candidates `sections.choose` picks from, under `system`."""
    if system is System.RULES or not model_spans:
        return rule_cands if system is not System.MODEL else []
    mc = model_candidates(t, list(model_spans))
    if system is System.MODEL:
        for c in mc:
            c.rank = MODEL_ONLY_RANK_BASE + c.confidence
        return mc
    out = list(rule_cands)
    gaps = section_gaps([(c.number, c.start, c.end) for c in choose(rule_cands)], len(t.text))
    for c in mc:
        gap = gaps.get(c.number)
        if c.confidence < threshold or gap is None or not gap[0] <= c.start < c.end <= gap[1]:
            continue  # the model is unsure, or the rules found this section, or it would stand out of order
        c.rank = COMBINED_RANK_BASE + COMBINED_RANK_PER_SCORE * c.confidence
        out.append(c)
    return out


def section_gaps(found: Sequence[tuple[int, int, int]], n: int) -> dict[int, Region]:
    """For each section number 1–6 missing from `found` ((number, start, end) of the headers found in a
    text of length n), where its header would stand: from the end of the last header found before it
    to the start of the first found after it; only those a found header follows (OPEN_GAPS)."""
    have = {k for k, _, _ in found}
    gaps = {k: (max((e for j, _, e in found if j < k), default=0), min((s for j, s, _ in found if j > k), default=n))
            for k in range(1, 7) if k not in have}
    if OPEN_GAPS:
        return gaps
    return {k: (a, b) for k, (a, b) in gaps.items() if any(j > k for j in have)}


def header_gaps(sections: Sequence[Section], n: int) -> list[Region]:
    """`section_gaps` of the sections found, merged."""
    return merged(list(section_gaps([(s.number, s.start, s.end) for s in sections], n).values()))


def header_regions(read: Sequence[Region], rule_sections: Sequence[Section], n: int) -> list[Region]:
    """Of the regions the tagger alone reads (`read`: `regions.model_regions`), those the combined system
    sends it for headers: the regions that reach into a gap of the rules' sections, where a section
    they did not find would stand (none when they found all six).  `n`: the text's length."""
    gaps = header_gaps(rule_sections, n)
    return [(a, b) for a, b in read if any(a < y and x < b for x, y in gaps)]


def narrative_regions(t: Text, read: Sequence[Region], prose: Sequence[Region], rule_spans: Sequence[Span]) -> list[Region]:
    """Of the regions the tagger alone reads (`read`), those the combined system sends it for the
    narrative: the regions where one of its spans can change the record under `combine_spans`, i.e.
    that hold a count of the running text (`prose`) the rules did not read (rule 2), a rule count
    without a category (rule 4), or a rule category (rule 3).  `rule_spans`: the rules' narrative spans
    of the running text.  A region is read whole, so the model sees the context it was selected with
    (cutting a rule category's region to 20 characters before it and 10 after saved a quarter of these
    tokens and changed 6 corpus records)."""
    counts = [s for s in rule_spans if s.label in COUNT_LABELS]
    uncategorised = {n.start for n in link_counts(t.text, rule_spans) if n.category_start is None}
    cats = [s.start for s in rule_spans if s.label == "CATEGORY"]

    def missed(a: int, b: int) -> bool:
        return any(not any(c.start < m.end() and m.start() < c.end for c in counts)
                   for m in COUNT.finditer(t.match, a, b) if any(x <= m.start() < y for x, y in prose))

    return [(a, b) for a, b in read
            if any(a <= c < b for c in cats) or any(a <= c.start < b and c.start in uncategorised for c in counts)
            or missed(a, b)]


def narrative_spans(model_spans: Sequence[Span], rule_spans: Sequence[Span], prose: Sequence[tuple[int, int]],
                    system: System, threshold: float, text: str) -> list[Span]:
    """COUNT / TOTAL / CATEGORY spans of the running text (`prose`) of `text` under `system`;
    `rule_spans` are the rules' spans of the same text."""
    if system is System.RULES:
        return list(rule_spans)
    model = [s for s in model_spans if s.label in NARRATIVE_LABELS and any(a <= s.start < b for a, b in prose)]
    if system is System.MODEL:
        return sorted(model, key=lambda s: s.start)
    return combine_spans(model, rule_spans, threshold, text)


Links = dict[int, tuple[int, int] | None]


def _links(text: str, spans: Sequence[Span]) -> Links:
    """Each count's category under the guide's linking rule: count start → (start, end), or None."""
    return {n.start: (n.category_start, n.category_end)
            if n.category_start is not None and n.category_end is not None else None
            for n in link_counts(text, spans)}


def combine_spans(model_spans: Sequence[Span], rule_spans: Sequence[Span], threshold: float,
                  text: str) -> list[Span]:
    """The rules' spans, and model spans at or above `threshold` where the rules leave a gap (the
    policy in the module docstring); `text` is what both were found in (for the linking rule)."""
    kept = [s for s in model_spans if s.score >= threshold]
    # non-narrative labels: the confident model wins, the rules fill in
    other = [s for s in kept if s.label not in NARRATIVE_LABELS]
    other += [r for r in rule_spans if r.label not in NARRATIVE_LABELS and not any(m.overlaps(r) for m in other)]
    rules = [r for r in rule_spans if r.label in NARRATIVE_LABELS]
    model = sorted((s for s in kept if s.label in NARRATIVE_LABELS), key=lambda s: (s.start, s.end))

    out = list(rules)  # 1. the rules' spans stand
    rules_total = any(r.label == "TOTAL" for r in rules)
    for m in model:  # 2. counts the rules missed
        if m.label in COUNT_LABELS and not any(r.overlaps(m) for r in rules):
            out.append(replace(m, label="COUNT") if rules_total and m.label == "TOTAL" else m)
    links = _links(text, out)
    cats = [m for m in model if m.label == "CATEGORY"]
    for m in cats:  # 3. a rule category started too late
        late = [r for r in out if r.label == "CATEGORY" and r.end == m.end and m.start < r.start]
        if len(late) != 1:
            continue
        r = late[0]
        rest = [s for s in out if s is not r]
        if any(s.overlaps(m) for s in rest):
            continue
        trial = _links(text, rest + [m])
        if trial == {a: (m.start, m.end) if c == (r.start, r.end) else c for a, c in links.items()}:
            out, links = rest + [m], trial
    for m in cats:  # 4. a category for counts that have none
        if any(s.overlaps(m) for s in out):
            continue
        trial = _links(text, out + [m])
        changed = [a for a, c in trial.items() if c != links.get(a)]
        if changed and all(links.get(a) is None for a in changed):
            out.append(m)
            links = trial
    return sorted(out + other, key=lambda s: (s.start, s.end))
