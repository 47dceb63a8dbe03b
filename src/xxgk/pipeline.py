"""One document from decoded text to a reconciled record: the stages, in order.

bytes → text (reading) → normalised text and match views (text) → meta → sections (rules,
plus the tagger's SECTION spans) → the three tables (rules) → narrative spans (tagger and/or
rules) → checks (reconcile) → record.  `system` picks who answers for headers and narrative
(`spans.System`: rules, model = the tagger only, combined); how the tagger's and the rules' spans
combine is `combine.py`.  The tagger is any `spans.SpanTagger` (`xxgk.tagger.load_tagger()` gives
the shipped one): the pipeline hands it the regions worth tagging and, when it reads them, the
rules' spans as hints; it never reaches into the tagger's internals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from xxgk.rules import labels
from xxgk import combine
from xxgk.combine import header_candidates, header_regions, narrative_regions, narrative_spans
from xxgk.conventions import link_counts
from xxgk.errors import Errors, Warnings
from xxgk.rules.hints import rule_spans_of, with_sections
from xxgk.kinds import assign_kinds
from xxgk.rules.documents import next_report
from xxgk.rules.meta import extract_meta, is_interpretation, other_document_heading
from xxgk.rules.narrative import rule_spans as narrative_rule_spans
from xxgk.inputs.reading import Decoded
from xxgk.rules.reconcile import check_applications, check_restatements, check_review, failed_messages
from xxgk.record import Format, Provenance, Record
from xxgk.rules.regions import model_regions, prose_regions, table_regions
from xxgk.rules.sections import choose, find_candidates, to_sections
from xxgk.spans import BatchSpanTagger, Span, SpanTagger, System
from xxgk.rules.tables import TableResult, parse_table2, parse_table3, parse_table4, prose_numbers
from xxgk.text import Text, t2s_available

# the threshold for a tagger that does not name one
DEFAULT_THRESHOLD = 0.5


@dataclass
class TagRequest:
    """What a document's extraction asks of the tagger at one step: its spans of `regions` of `text`
    (with the rules' spans as `hints` when the tagger reads them)."""

    text: str
    regions: list[tuple[int, int]]
    hints: list[Span] | None


# what a driver sends back for a TagRequest: the spans, or the exception the tagger raised
TagAnswer = list[Span] | Exception
Steps = Generator[TagRequest, TagAnswer, Record]


def extract(dec: Decoded, doc_id: str, source: str, url: str | None = None, tagger: SpanTagger | None = None,
            system: System | str = System.COMBINED, with_text: bool = False) -> Record:
    """The record for one decoded document (never raises for document content).  Without a tagger,
    every system runs as the rules."""
    steps = extract_steps(dec, doc_id, source, url, tagger, system, with_text)
    try:
        request = next(steps)
        while True:
            assert tagger is not None
            answer: TagAnswer
            try:
                answer = tagger.spans(request.text, regions=request.regions, hints=request.hints)
            except Exception as e:  # a broken model must not lose the document
                answer = e
            request = steps.send(answer)
    except StopIteration as done:
        return done.value


# extract_many's guard: a context manager around each step of document i (the batch engine's time limit)
StepGuard = Callable[[int], AbstractContextManager]


def extract_many(docs: Sequence[tuple[Decoded, str, str, str | None]], tagger: BatchSpanTagger | None,
                 system: System | str = System.COMBINED, with_text: bool = False,
                 guard: StepGuard | None = None) -> list[Record | Exception]:
    """`extract` for many documents ((decoded, doc_id, source, url) each), in lock-step: at each step the
    tagger's requests of all of them are answered in one `predict_batch` call, so on a GPU the windows
    of many documents share forward passes.  Each document's own steps run under `guard(i)`; one whose
    steps raise gets the exception in its place and the others go on.  Records are those of `extract`
    wherever the tagger's answer for a region does not depend on what shares its batch (not so for
    runtime-quantised int8 on CPU, whose activation scales are per batch: the batch engine uses this
    only for a tagger on a GPU)."""
    out: list[Record | Exception | None] = [None] * len(docs)
    steps: dict[int, Steps] = {}
    pending: dict[int, TagRequest] = {}

    def advance(i: int, answer: TagAnswer | None) -> None:
        try:
            with guard(i) if guard is not None else nullcontext():
                if answer is None:  # created here, so that a document failing at once fails alone
                    steps[i] = extract_steps(*docs[i], tagger=tagger, system=system, with_text=with_text)
                    pending[i] = next(steps[i])
                else:
                    pending[i] = steps[i].send(answer)
        except StopIteration as done:
            out[i] = done.value
        except Exception as e:  # a bug or a time limit costs this document only
            out[i] = e

    for i in range(len(docs)):
        advance(i, None)
    while pending:
        ids = sorted(pending)
        requests = [pending.pop(i) for i in ids]
        answers: list[TagAnswer]
        try:
            assert tagger is not None
            answers = list(tagger.predict_batch([r.text for r in requests], [r.regions for r in requests],
                                                [r.hints for r in requests]))
        except Exception as e:  # a broken model must not lose the documents
            answers = [e] * len(requests)
        for i, answer in zip(ids, answers):
            advance(i, answer)
    return [r if r is not None else RuntimeError("no record") for r in out]


def extract_steps(dec: Decoded, doc_id: str, source: str, url: str | None = None,
                  tagger: SpanTagger | None = None, system: System | str = System.COMBINED,
                  with_text: bool = False) -> Steps:
    """`extract` as a generator: it yields a `TagRequest` wherever it needs the tagger, is sent the
    answer, and returns the record.  The tagger itself is not called here (only its threshold and
    `reads_hints` are read), so a driver may answer the requests of many documents in one batch
    (`extract_many`)."""
    system = System.parse(system)
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
    rule_cands = find_candidates(t, title.end if title else None)
    html_spans, pictures = dec.html_spans, dec.pictures
    later = next_report(t, title, rule_cands)
    if later is not None:
        # a second report follows (a compilation, two pages glued): this record is the first one's, read
        # alone, and says where the rest starts (rules/documents.py)
        cut, other = later
        warnings.append(Warnings.W105.format(start=cut, title=other.title))
        head = dec.before(cut)
        t, html_spans, pictures = Text(head.text), head.html_spans, head.pictures
        rec.text_length = len(t.text)
        if with_text:
            rec.text = t.text
        meta, title = extract_meta(t)
        rule_cands = find_candidates(t, title.end if title else None)
    rec.meta = meta
    if title:
        rec.provenance["meta.title"] = Provenance(method="rule", start=title.start, end=title.end)

    # sections.  The tagger alone reads all it may tag in one call; combined, it reads only what can
    # change the record (combine.py): here the regions where a header the rules did not find would stand,
    # and after the tables those where it may add to the narrative.
    rule_sections = to_sections(t, choose(rule_cands))
    model_spans: list[Span] = []
    threshold = DEFAULT_THRESHOLD
    alone: list[tuple[int, int]] = []  # what the tagger alone reads
    read: list[tuple[int, int]] = []  # what it has read
    if tagger is None or not system.uses_model:
        system = System.RULES
    else:
        threshold = tagger.threshold
        alone = read = model_regions(t, rule_cands, rule_sections)
        if system is System.COMBINED and combine.GAPS_ONLY:
            read = header_regions(alone, rule_sections, len(t.text))
        if read:
            answer = yield _tag_request(t, read, rule_spans_of(t, rule_sections) if tagger.reads_hints else None)
            model_spans, system = _answered(t, answer, system, warnings)
    sections = to_sections(t, choose(header_candidates(t, rule_cands, model_spans, system, threshold)))
    rec.sections = sections
    rec.methods["sections"] = system.value

    # tables
    t2, t3, t4 = table_regions(t, sections)
    prose = prose_regions(len(t.text), [t2, t3, t4])
    results: list[TableResult] = []
    if t2:
        r2 = parse_table2(t, t2, meta.year, html_spans, prose_numbers(t, prose))
        results.append(r2)
        rec.active_disclosure = r2.data
    if t3:
        r3 = parse_table3(t, t3, meta.year, html_spans, hint=results[0].layout if results else None)
        results.append(r3)
        rec.applications = r3.data
    if t4:
        r4 = parse_table4(t, t4, html_spans)
        results.append(r4)
        rec.review_litigation = r4.data
    # format
    layouts = {r.name: r.layout for r in results if r.data is not None}
    rec.format = _format(results, meta.year)
    for r in results:
        if rec.format == "pre2019" and not r.cells_found:
            # a free-form report has no fixed tables to miss: no empty table, no warning about its rows
            setattr(rec, _TABLE_FIELDS[r.name], None)
            continue
        warnings.extend(r.warnings)
        rec.provenance.update(r.provenance)
        rec.unsplit.extend(r.unsplit)

    # narrative: the running text is everything outside the tables actually read, from a table's first
    # cell to its last (a free-form report's section 二 stands where table 二 would be and is prose; the
    # sentences a section opens with before its table are prose too)
    prose = prose_regions(len(t.text), [_cells_extent(r) for r in results])
    rule_narrative = [s for a, b in prose for s in narrative_rule_spans(t, a, b)]
    if system is System.COMBINED and combine.GAPS_ONLY and tagger is not None:
        # what the header call read (its narrative spans are in model_spans) is not read again
        to_tag = [r for r in narrative_regions(t, alone, prose, rule_narrative) if r not in read]
        if to_tag:
            # the rules' spans of the whole text, as rule_spans_of gives them, from what is computed here
            hints = with_sections(sections, rule_narrative) if tagger.reads_hints else None
            answer = yield _tag_request(t, to_tag, hints)
            more, system = _answered(t, answer, system, warnings)
            model_spans = model_spans + more
    spans = narrative_spans(model_spans, rule_narrative, prose, system, threshold, t.text)
    rec.narrative = link_counts(t.text, spans)
    assign_kinds(t.text, rec.narrative)  # kind + kind_confidence of each item (kinds.py); null without a model
    rec.methods["narrative"] = system.value

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
        warnings += _pictured_tables(rec, results, pictures, len(t.text))
    rec.warnings = warnings
    return rec


def _tag_request(t: Text, regions: list[tuple[int, int]], hints: list[Span] | None) -> TagRequest:
    """The request for the tagger's spans of `regions`: it reads the text in simplified characters, and
    without the blanks of letter-spaced lines (`Text.tagger_view`; regions and hints mapped onto it)."""
    view = t.tagger_view
    if view is None:
        return TagRequest(t.simplified, regions, hints)
    return TagRequest(view.text, [(view.at(a), view.at(b)) for a, b in regions],
                      None if hints is None else view.onto(hints))


def _answered(t: Text, answer: TagAnswer, system: System, warnings: list[str]) -> tuple[list[Span], System]:
    """The tagger's spans, in the text's offsets (`_tag_request`), and the system that answers: the rules
    when the tagger failed (a broken model must not lose the document; W140 says so)."""
    if isinstance(answer, Exception):
        warnings.append(Warnings.W140.format(detail=f"{type(answer).__name__}: {answer}"[:120]))
        return [], System.RULES
    view = t.tagger_view
    return (answer if view is None else view.back(answer)), system


_TABLE_FIELDS = {"table 二": "active_disclosure", "table 三": "applications", "table 四": "review_litigation"}


def _format(results: list, year: int | None) -> Format:
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


def _cells_extent(r: TableResult) -> tuple[int, int] | None:
    """From the first to the last offset of the cells a table read (None when it read none)."""
    offs = [(p.start, p.end) for p in r.provenance.values() if p.start is not None and p.end is not None]
    if r.data is None or not offs:
        return None
    return min(a for a, _ in offs), max(b for _, b in offs)


# a table pasted as a picture stands under its section's header, after a sentence at most (详见下表); a picture
# further on (a page footer's logos after the last section read) is not taken for it
PICTURE_REACH = 300
# the section whose fixed table each table is
_TABLE_SECTIONS = {"table 二": 2, "table 三": 3, "table 四": 4}


def _pictured_tables(rec: Record, results: list[TableResult], pictures: list[int], end: int) -> list[str]:
    """W113 for each fixed table of which not one cell was read while its section holds a picture: the
    table is likely an image of it, which a user must read (or OCR) themselves."""
    out: list[str] = []
    if rec.format == "pre2019" or not pictures:
        return out
    starts = sorted((s.start, s.number) for s in rec.sections if s.start is not None)
    for name, number in _TABLE_SECTIONS.items():
        r = next((x for x in results if x.name == name), None)
        if r is not None and r.cells_found:
            continue
        at = [k for k, (start, n) in enumerate(starts) if n == number]
        if not at:
            continue
        lo = starts[at[0]][0]
        hi = min(starts[at[0] + 1][0] if at[0] + 1 < len(starts) else end, lo + PICTURE_REACH)
        n = sum(1 for x in pictures if lo < x <= hi)  # a picture at x stands just before the text at x
        if n:
            out.append(Warnings.W113.format(table=name, number=number, title=labels.SECTIONS[number - 1].title, n=n))
    return out


def _missing(rec: Record, results: list[TableResult]) -> list[str]:
    missing: list[str] = []
    if rec.format == "pre2019":
        return missing  # free-form reports: the fixed sections and tables do not apply
    have = {s.number for s in rec.sections}
    missing += [f"sections.{n}" for n in range(1, 7) if n not in have]
    for name, key in _TABLE_FIELDS.items():
        r = next((x for x in results if x.name == name), None)
        if r is None or r.data is None:
            missing.append(key)
        elif r.cells_found < r.cells_total:
            missing.append(f"{key} ({r.cells_found} of {r.cells_total} cells)")
    return missing
