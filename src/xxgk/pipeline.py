"""One document from decoded text to a reconciled record: the stages, in order.

bytes → text (reading) → normalised text and match views (text) → meta → sections (rules,
plus the tagger's SECTION spans) → the three tables (rules) → narrative spans (tagger and/or
rules) → checks (reconcile) → record.  `system` picks who answers for headers and narrative:
"rules", "model" (tagger only) or "combined": the tagger's spans above its threshold (chosen on dev
data) win over rule spans they overlap and rules fill in elsewhere; for headers, a confident model
header outweighs weak rule candidates but not a header in the template's own wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import labels
from .errors import Errors, Warnings
from .kinds import assign_kinds
from .meta import extract_meta, is_interpretation, other_document_heading
from .conventions import header_lines, link_counts
from .narrative import rule_spans as narrative_rule_spans
from .reading import Decoded
from .reconcile import check_applications, check_restatements, check_review, failed_messages
from .record import Provenance, Record
from .combine import header_candidates, narrative_spans
from .sections import (
    Candidate,
    choose,
    find_candidates,
    section_bounds,
    to_sections,
)
from .spans import Span, System
from .tables import TableResult, parse_table2, parse_table3, parse_table4, prose_numbers
from .text import Text, t2s_available

SYSTEMS = ("rules", "model", "combined")
DEFAULT_THRESHOLD = 0.5


@dataclass
class Layout:
    """Where things are: sections and table regions (text offsets)."""

    sections: list
    t2: tuple[int, int] | None
    t3: tuple[int, int] | None
    t4: tuple[int, int] | None


def _first(pattern: re.Pattern, s: str, start: int = 0, end: int | None = None) -> int | None:
    m = pattern.search(s, start, len(s) if end is None else end)
    return m.start() if m else None


def table_regions(t: Text, sections) -> tuple:
    n = len(t.text)
    src = t.match
    sec = {s.number: s for s in sections}

    def body(k):
        return section_bounds(sections, k, n)

    # table 二
    t2 = None
    b2 = body(2)
    t3_mark = _first(labels.T3_MARK, src)
    if b2:
        end = b2[1]
        if t3_mark is not None and b2[0] < t3_mark < end:
            end = t3_mark
        t2 = (b2[0], end)
    else:
        m = _first(labels.T2_MARK, src)
        if m is not None:
            end = min(x for x in (t3_mark if t3_mark and t3_mark > m else None, body(3)[0] if body(3) else None,
                                  m + 3000, n) if x is not None)
            # rows of the table may precede its first 第二十条 mark (a fragment that starts mid-table)
            before = [s.end for s in sections if s.end <= m]
            t2 = (max(before[-1] if before else 0, m - 600), end)
    # table 三
    t3 = None
    b3 = body(3)
    if b3:
        t3 = b3
    else:
        after = t2[1] if t2 else 0
        m = _first(labels.T3_MARK, src, after)
        if m is not None:
            nxt = [s.start for s in sections if s.start > m]
            t3 = (max(after, m - 60), min(nxt[0] if nxt else n, m + 8000))
    if t3 and t3[1] - t3[0] < 20:
        t3 = None
    # table 四
    t4 = None
    b4 = body(4)
    if b4:
        t4 = b4
    else:
        after = t3[1] if t3 else (t2[1] if t2 else 0)
        if t3 and 4 not in sec:
            # the section 4 header is missing: look after table 三's region for the table's header
            m = _first(labels.T4_MARK, src, t3[0])
        else:
            m = _first(labels.T4_MARK, src, after) if (t2 or t3) else None
        if m is not None:
            nxt = [s.start for s in sections if s.start > m + 5]
            t4 = (m, min(nxt[0] if nxt else n, m + 2500))
    return t2, t3, t4


def _prose_spans(n: int, tables: list[tuple[int, int] | None]) -> list[tuple[int, int]]:
    cuts = sorted(r for r in tables if r)
    out, pos = [], 0
    for a, b in cuts:
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < n:
        out.append((pos, n))
    return out


def model_regions(t: Text, cands: list[Candidate], sections, prose: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The text worth tagging: the overview section (or the opening prose) and header candidate lines."""
    regions = []
    b1 = section_bounds(sections, 1, len(t.text))
    if b1:
        s1 = next(s for s in sections if s.number == 1)
        regions.append((max(0, s1.start - 400), min(b1[1], s1.start + 6000)))
    elif prose:
        a = prose[0][0]
        regions.append((a, min(prose[0][1], a + 4000)))
    regions.extend(header_lines(t.match))
    for c in cands:  # around the candidate, within its line (a glued page is one long line)
        a, b = t.line_bounds(c.start)
        regions.append((max(a, c.start - 40), min(b, c.start + 160)))
    regions.sort()
    merged: list[list[int]] = []
    for a, b in regions:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def rule_spans(text: str) -> list[Span]:
    """The rules' spans over a whole text: SECTION, COUNT, TOTAL, CATEGORY (weak labels for
    training, and the input features of a tagger that reads them)."""
    t = Text(text)
    meta, title = extract_meta(t)
    cands = find_candidates(t, title.end if title else None)
    return _rule_spans(t, to_sections(t, choose(cands)))


def _rule_spans(t: Text, sections) -> list[Span]:
    text = t.text
    t2, t3, t4 = table_regions(t, sections)
    spans = [Span(s.start, s.end, "SECTION", s.confidence, number=s.number) for s in sections]
    for a, b in _prose_spans(len(text), [t2, t3, t4]):
        spans.extend(narrative_rule_spans(t, a, b))
    return sorted(spans, key=lambda s: s.start)


def extract(dec: Decoded, doc_id: str, source: str, url: str | None = None, tagger=None,
            system: str = "combined", with_text: bool = False) -> Record:
    """The record for one decoded document (never raises for document content)."""
    t = Text(dec.text)
    warnings = list(dec.warnings)
    rec = Record(doc_id=doc_id, source=source, url=url, text_sha256=dec.sha256, status="ok",
                 text_length=len(t.text))
    if with_text:
        rec.text = t.text
    if t.traditional:
        warnings.append(Warnings.W103 if t2s_available() else "W103 traditional characters found; opencc "
                                                                  "table missing, matched as written")
    meta, title = extract_meta(t)
    rec.meta = meta
    if title:
        rec.provenance["meta.title"] = Provenance(method="rule", start=title.start, end=title.end)

    threshold = DEFAULT_THRESHOLD
    use_model = tagger is not None and system in ("model", "combined")
    if use_model:
        threshold = float(getattr(tagger, "info", {}).get("threshold", DEFAULT_THRESHOLD))

    # sections
    rule_cands = find_candidates(t, title.end if title else None)
    model_spans: list[Span] = []
    if use_model:
        prose_guess = _prose_spans(len(t.text), [])
        rule_sections = to_sections(t, choose(rule_cands))
        regions = model_regions(t, rule_cands, rule_sections, prose_guess)
        hints = _rule_spans(t, rule_sections) if getattr(tagger, "uses_rule_features", False) else None
        try:
            model_spans = [s for s in tagger.predict(t.text, regions=regions, hints=hints)]
        except Exception as e:  # a broken model must not lose the document
            warnings.append(Warnings.W140.format(detail=f"{type(e).__name__}: {e}"[:120]))
            use_model = False
    cands = header_candidates(t, rule_cands, model_spans, System(system) if use_model else System.RULES, threshold)
    sections = to_sections(t, choose(cands))
    rec.sections = sections
    rec.methods["sections"] = system if use_model else "rules"

    # tables
    t2, t3, t4 = table_regions(t, sections)
    prose = _prose_spans(len(t.text), [t2, t3, t4])
    results: list[TableResult] = []
    if t2:
        r2 = parse_table2(t, t2, meta.year, dec.html_spans, prose_numbers(t, prose))
        results.append(r2)
        rec.active_disclosure = r2.data
    if t3:
        r3 = parse_table3(t, t3, meta.year, dec.html_spans, hint=results[0].layout if results else None)
        results.append(r3)
        rec.applications = r3.data
    if t4:
        r4 = parse_table4(t, t4, dec.html_spans)
        results.append(r4)
        rec.review_litigation = r4.data
    for r in results:
        warnings.extend(r.warnings)
        rec.provenance.update(r.provenance)

    # format
    layouts = {r.name: r.layout for r in results if r.data is not None}
    rec.format = _format(results, meta.year)

    # narrative
    rule_narrative = [s for a, b in prose for s in narrative_rule_spans(t, a, b)]
    spans = narrative_spans(model_spans, rule_narrative, prose, System(system) if use_model else System.RULES,
                            threshold)
    rec.narrative = link_counts(t.text, spans)
    assign_kinds(t.text, rec.narrative)  # kind + kind_confidence of each item (kinds.py); null without a model
    rec.methods["narrative"] = system if use_model else "rules"

    # checks
    checks = []
    if rec.applications is not None:
        checks += check_applications(rec.applications, layouts.get("table 三") or rec.format, rec.provenance)
    if rec.review_litigation is not None:
        checks += check_review(rec.review_litigation, rec.provenance)
    checks += check_restatements(t, prose, rec)
    rec.checks = checks
    rec.failed_checks = [c.rule for c in checks if c.status == "FAIL"]
    assessed = [c for c in checks if c.status != "NOT_ASSESSABLE"]
    rec.consistent = None if not assessed else not rec.failed_checks
    warnings.extend(failed_messages(checks))

    # status
    is_report = _is_report(t, title, sections, results)
    other_kind = other_document_heading(t)
    if is_interpretation(t, title):
        rec.status = "failed"
        rec.errors.append(Errors.E013.format(source=source))
    elif other_kind and len(sections) < MIN_SECTIONS_OVER_HEADING and not any(r.data is not None for r in results):
        rec.status = "failed"
        rec.errors.append(Errors.E018.format(heading=other_kind, source=source))
    elif not is_report:
        rec.status = "failed"
        rec.errors.append(Errors.E012.format(source=source))
    else:
        rec.missing = _missing(rec, results)
        rec.status = "partial" if rec.missing else "ok"
        for miss in rec.missing:
            if miss.startswith("sections."):
                n = int(miss.split(".")[1])
                warnings.append(Warnings.W110.format(number=n, title=labels.SECTIONS[n - 1].title))
    rec.warnings = warnings
    return rec


def _format(results: list, year: int | None) -> str:
    """The template the tables follow, from their own labels: table 二's (本年制发… vs 本年新制作…)
    first, as the most distinct; then table 三's (（六） in three rows or one). Some 2021 reports keep
    the 2019 single （六）其他处理 row in table 三: their format is still 2021, and table 三 keeps the
    keys of the row it prints. Without labels, a parsed table's layout, then the year."""
    by_name = {r.name: r for r in results if r.layout}
    if year is not None and year < 2019 and not any(r.cells_found for r in results):
        return "pre2019"  # a free-form report whose text names table rows without a table
    for name in ("table 二", "table 三"):
        r = by_name.get(name)
        if r is not None and r.layout_from_labels:
            return r.layout
    for name in ("table 三", "table 二"):
        r = by_name.get(name)
        if r is not None and r.data is not None:
            return r.layout
    if year is None:
        return "unknown"
    if year < 2019:
        return "pre2019"
    return "2019" if year <= 2020 else "2021"


# A page whose own heading names another kind of document is still read as a report when it holds
# this many standard headers or a table (a report wrapped in a cover letter).
MIN_SECTIONS_OVER_HEADING = 4
# A title with no header and no table is a report only when a body follows it (a page cut inside
# section 一), not a one- or two-line news item that names a report.
MIN_BODY_AFTER_TITLE = 300
# where a report's opening paragraph (本报告由…编制) stands
REPORT_INTRO_CHARS = 1500


def _is_report(t: Text, title, sections, results) -> bool:
    tables = sum(1 for r in results if r.data is not None)
    if not title and not sections:
        # with nothing else to go on, a table counts only when most of its cells are there (a text
        # that quotes a few row labels, such as a README, is not a table)
        tables = sum(1 for r in results if r.data is not None and 2 * r.cells_found >= r.cells_total)
    if not title and not sections and not tables:
        # a page cut before its first header and without a title line: only a report speaks of
        # itself as 本报告 / 本年度报告 in its opening lines
        head = t.match[:REPORT_INTRO_CHARS]
        return bool(labels.REPORT_SELF_REFERENCE.search(head)) and "政府信息公开" in head \
            and len(t.text.strip()) >= MIN_BODY_AFTER_TITLE
    if not sections and not tables and len(t.text.strip()) - title.end < MIN_BODY_AFTER_TITLE:
        return False
    return _report_score(t, title, sections, results) >= 2


def _report_score(t: Text, title, sections, results) -> int:
    score = 0
    if title:
        score += 2
    score += len(sections)
    score += 2 * sum(1 for r in results if r.data is not None)
    head = t.match[:20000]
    if "政府信息公开" in head or "政务公开" in head:
        score += 1
    if re.search(r"年度报告|年报|工作报告", head):
        score += 1
    if "主动公开" in head and ("依申请" in head or "申请" in head):
        score += 1
    return score


def _missing(rec: Record, results: list[TableResult]) -> list[str]:
    missing = []
    if rec.format == "pre2019":
        return missing  # free-form reports: the fixed sections and tables do not apply
    have = {s.number for s in rec.sections}
    missing += [f"sections.{n}" for n in range(1, 7) if n not in have]
    for key, name in (("active_disclosure", "table 二"), ("applications", "table 三"),
                      ("review_litigation", "table 四")):
        r = next((x for x in results if x.name == name), None)
        if r is None or r.data is None:
            missing.append(key)
        elif r.cells_found < r.cells_total:
            missing.append(f"{key} ({r.cells_found} of {r.cells_total} cells)")
    return missing
