"""The extraction record: one per input document (see ../shared/spec/record.md).

The pydantic models here are the single definition of the record; `xxgk schema`
prints their JSON Schema.  Keys follow the spec; keys the project adds are marked
"added" in their description.
"""

from __future__ import annotations

import json
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from xxgk.kinds import KIND_NAMES

SCHEMA_VERSION = "1.0"

Status = Literal["ok", "partial", "failed"]
Format = Literal["2021", "2019", "pre2019", "unknown"]
Method = Literal["model", "rule"]
CheckStatus = Literal["PASS", "FAIL", "NOT_ASSESSABLE"]
ProvenanceMethod = Literal["html_table", "text_table", "model", "rule", "derived", "reviewed"]
ReviewDecisionKind = Literal["confirm", "dismiss", "correct"]

Int = Optional[int]
Num = Optional[float]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Meta(_Model):
    title: Optional[str] = None
    organization: Optional[str] = Field(None, description="the reporting body as written in the title")
    year: Int = Field(None, description="the reporting year")
    published: Optional[str] = Field(None, description="ISO date (YYYY-MM-DD) or null")


SECTION_KEYS = ("overview", "active_disclosure", "applications", "review_litigation", "problems", "other")
# the normalised kind of a narrative count: the taxonomy lives in kinds.py (KIND_NAMES)
NarrativeKind = Literal[KIND_NAMES]  # type: ignore[valid-type]
SectionKey = Literal["overview", "active_disclosure", "applications", "review_litigation", "problems", "other"]


class Section(_Model):
    number: int = Field(..., ge=1, le=6)
    key: SectionKey
    title: str = Field(..., description="the header as written")
    start: int = Field(..., description="offset of the header in the normalised text")
    end: int = Field(..., description="end offset (exclusive) of the header")
    method: Method
    confidence: float


# ---- table 二 -------------------------------------------------------------------------------


class DocCounts2021(_Model):
    issued: Int = None
    repealed: Int = None
    in_force: Int = None


class ActiveDisclosure2021(_Model):
    regulations: DocCounts2021 = Field(default_factory=DocCounts2021)
    normative_documents: DocCounts2021 = Field(default_factory=DocCounts2021)
    licensing: Int = None
    punishment: Int = None
    coercion: Int = None
    fees: Num = Field(None, description="本年收费金额, 万元")


class DocCounts2019(_Model):
    made: Int = None
    published: Int = None
    total_public: Int = None


class ItemCounts2019(_Model):
    prior_items: Int = None
    change: Int = None
    decisions: Int = None


class FeeCounts2019(_Model):
    prior_items: Int = None
    change: Int = None


class Procurement2019(_Model):
    items: Int = None
    amount: Num = None


class ActiveDisclosure2019(_Model):
    regulations: DocCounts2019 = Field(default_factory=DocCounts2019)
    normative_documents: DocCounts2019 = Field(default_factory=DocCounts2019)
    licensing: ItemCounts2019 = Field(default_factory=ItemCounts2019)
    other_services: ItemCounts2019 = Field(default_factory=ItemCounts2019)
    punishment: ItemCounts2019 = Field(default_factory=ItemCounts2019)
    coercion: ItemCounts2019 = Field(default_factory=ItemCounts2019)
    fees: FeeCounts2019 = Field(default_factory=FeeCounts2019)
    procurement: Procurement2019 = Field(default_factory=Procurement2019)


# ---- table 三 -------------------------------------------------------------------------------

APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other", "total")


class ApplicantCounts(_Model):
    natural_person: Int = None
    commercial: Int = None
    research: Int = None
    social_welfare: Int = None
    legal_service: Int = None
    other: Int = None
    total: Int = None


def _row() -> ApplicantCounts:
    return ApplicantCounts()


class _ApplicationsBase(_Model):
    new_received: ApplicantCounts = Field(default_factory=_row)
    carried_over: ApplicantCounts = Field(default_factory=_row)
    granted: ApplicantCounts = Field(default_factory=_row)
    partially_granted: ApplicantCounts = Field(default_factory=_row)
    denied_state_secret: ApplicantCounts = Field(default_factory=_row)
    denied_law_prohibited: ApplicantCounts = Field(default_factory=_row)
    denied_security_stability: ApplicantCounts = Field(default_factory=_row)
    denied_third_party: ApplicantCounts = Field(default_factory=_row)
    denied_internal_affairs: ApplicantCounts = Field(default_factory=_row)
    denied_process_info: ApplicantCounts = Field(default_factory=_row)
    denied_enforcement_file: ApplicantCounts = Field(default_factory=_row)
    denied_inquiry: ApplicantCounts = Field(default_factory=_row)
    unavailable_not_held: ApplicantCounts = Field(default_factory=_row)
    unavailable_needs_creation: ApplicantCounts = Field(default_factory=_row)
    unavailable_unclear: ApplicantCounts = Field(default_factory=_row)
    rejected_petition: ApplicantCounts = Field(default_factory=_row)
    rejected_duplicate: ApplicantCounts = Field(default_factory=_row)
    rejected_publication: ApplicantCounts = Field(default_factory=_row)
    rejected_excessive: ApplicantCounts = Field(default_factory=_row)
    rejected_confirmation: ApplicantCounts = Field(default_factory=_row)


class Applications2021(_ApplicationsBase):
    other_no_correction: ApplicantCounts = Field(default_factory=_row)
    other_no_fee: ApplicantCounts = Field(default_factory=_row)
    other_other: ApplicantCounts = Field(default_factory=_row)
    total_processed: ApplicantCounts = Field(default_factory=_row)
    carried_forward: ApplicantCounts = Field(default_factory=_row)


class Applications2019(_ApplicationsBase):
    other_processing: ApplicantCounts = Field(default_factory=_row)
    total_processed: ApplicantCounts = Field(default_factory=_row)
    carried_forward: ApplicantCounts = Field(default_factory=_row)


# ---- table 四 -------------------------------------------------------------------------------

REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_COLUMNS = ("upheld", "corrected", "other", "pending", "total")


class ReviewCounts(_Model):
    upheld: Int = None
    corrected: Int = None
    other: Int = None
    pending: Int = None
    total: Int = None


class ReviewLitigation(_Model):
    review: ReviewCounts = Field(default_factory=ReviewCounts)
    litigation_direct: ReviewCounts = Field(default_factory=ReviewCounts)
    litigation_after_review: ReviewCounts = Field(default_factory=ReviewCounts)


# ---- narrative, checks, provenance ------------------------------------------------------------


class NarrativeCount(_Model):
    category: Optional[str] = Field(None, description="the thing counted, as written (filler trimmed)")
    value: Union[int, float]
    unit: Optional[str] = None
    approximate: bool = False
    start: int = Field(..., description="offset of the number in the normalised text")
    end: int
    method: Method
    confidence: float = 1.0
    category_start: Optional[int] = Field(None, description="added: offset of the category text")
    category_end: Optional[int] = None
    total: bool = Field(False, description="added: the headline total of 主动公开 (label TOTAL)")
    kind: Optional[NarrativeKind] = Field(None, description="added: what the count is, normalised (one of the "
                                                            "taxonomy in docs/kinds.md); null when no kind "
                                                            "classifier is available")
    kind_confidence: Optional[float] = Field(None, description="added: the kind classifier's probability for `kind`")


class ReviewMark(_Model):
    """added: a person's decision from a review file (see docs/panel.md), kept next to what it judged."""

    decision: ReviewDecisionKind
    reviewer: Optional[str] = None
    note: Optional[str] = None
    time: Optional[str] = Field(None, description="ISO time of the decision")


class Check(_Model):
    rule: str
    ok: Optional[bool] = Field(..., description="null when the rule could not be assessed")
    status: CheckStatus = Field(..., description="added: PASS / FAIL / NOT_ASSESSABLE")
    expected: Optional[Union[int, float]] = None
    found: Optional[Union[int, float]] = None
    cells: list[str] = Field(default_factory=list)
    message: Optional[str] = Field(None, description="added: why, in words")
    review: Optional[ReviewMark] = Field(None, description="added: a reviewer confirmed or dismissed this check; "
                                                           "its status stays as computed")


class Provenance(_Model):
    method: ProvenanceMethod
    start: Optional[int] = None
    end: Optional[int] = None
    note: Optional[str] = Field(None, description="added: e.g. how a glued digit run was split")
    original: Optional[Union[int, float]] = Field(None, description="added: the document's value, when a reviewer "
                                                                    "corrected it (method 'reviewed')")
    original_method: Optional[str] = Field(None, description="added: how the document's value was read, before "
                                                             "the correction")
    review: Optional[ReviewMark] = Field(None, description="added: the reviewer's decision on this value")


class UnsplitRun(_Model):
    """added: a digit run a crawler glued together that more than one split of the row fits; its cells are
    null, and these are the splits the row allows, so a reviewer (or a copy of the same report, in a
    panel) can decide."""

    paths: list[str] = Field(..., description="the cells the run fills, in order; each is null in the record")
    digits: str = Field(..., description="the run as printed (a minus kept)")
    start: Optional[int] = None
    end: Optional[int] = None
    candidates: list[list[Optional[Union[int, float]]]] = Field(
        ..., description="the splits allowed, one value per path (at most rules.tables.UNSPLIT_LISTED); null: "
                         "the cell is blank in that split (fewer digits than cells)")
    complete: bool = Field(True, description="false when there are more splits than listed")

    def allows(self, values: list) -> bool:
        """Whether `values` (one per path) are one of the listed splits, a blank only where it has one."""
        def same(a, b) -> bool:
            return a is None and b is None or (a is not None and b is not None and float(a) == float(b))

        return any(len(c) == len(values) and all(same(a, b) for a, b in zip(c, values)) for c in self.candidates)

    def cell_offsets(self, values: list) -> list[tuple[Optional[int], Optional[int]]]:
        """Offsets of each cell's digits in a split (`values`, one per path) when the run is plain digits
        and the open cells end it (the cells every split agreed on, read already, come before them);
        otherwise the whole run's."""
        whole = (self.start, self.end)
        texts = [figure_text(v) for v in values]
        if self.start is None or any(v is None for v in values) or not self.digits.isdigit() \
                or not self.digits.endswith("".join(texts)):
            return [whole] * len(values)
        pos = self.start + len(self.digits) - len("".join(texts))
        out: list[tuple[Optional[int], Optional[int]]] = []
        for s in texts:
            out.append((pos, pos + len(s)))
            pos += len(s)
        return out


class Part(_Model):
    """added: where a report stands in a file that holds several (a compilation, pages glued together)."""

    number: int = Field(..., description="1 for the file's first report, 2 for the next, …")
    of: int = Field(..., description="how many reports the file holds")
    start: int = Field(..., description="where this report starts in the file's normalised text; the record's "
                                        "own offsets count from there")


class Producer(_Model):
    """added: which run made a record, so a panel can say where each figure came from."""

    xxgk: str = Field(..., description="the xxgk package version")
    tagger: Optional[str] = Field(None, description="the tagger's name, version and config hash; null: rules only")
    system: Literal["rules", "model", "combined"] = Field(..., description="who tagged headers and narrative")


class Record(_Model):
    schema_version: str = SCHEMA_VERSION
    doc_id: str
    source: str
    url: Optional[str] = Field(None, description="added: URL given by a JSONL input line")
    text_sha256: Optional[str] = None
    status: Status
    format: Format = "unknown"
    meta: Meta = Field(default_factory=Meta)
    sections: list[Section] = Field(default_factory=list)
    active_disclosure: Optional[Union[ActiveDisclosure2021, ActiveDisclosure2019]] = None
    applications: Optional[Union[Applications2021, Applications2019]] = None
    review_litigation: Optional[ReviewLitigation] = None
    narrative: list[NarrativeCount] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    consistent: Optional[bool] = Field(
        None, description="added: false when any check FAILs (the document's own figures disagree), true when "
                          "every assessable check passes, null when no check could be assessed")
    failed_checks: list[str] = Field(default_factory=list, description="added: the rules that FAIL, in check order")
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list, description="added: parts not found (why status is partial)")
    unsplit: list[UnsplitRun] = Field(default_factory=list,
                                      description="added: glued digit runs left null because several splits fit")
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    text_length: Optional[int] = Field(None, description="added: length of the normalised text")
    part: Optional[Part] = Field(None, description="added: set when the file holds several reports; null for a "
                                                   "file that is one report")
    methods: dict[str, str] = Field(default_factory=dict, description="added: which system produced headers/narrative")
    text: Optional[str] = Field(None, description="added: the normalised text, only with --with-text")
    producer: Optional[Producer] = Field(None, description="added: xxgk version and tagger identity of the run")

    def to_json(self) -> str:
        """One JSON line; provenance entries leave out their empty fields (records stay small)."""
        d = self.model_dump(mode="json")
        d["provenance"] = {k: {f: v for f, v in p.items() if v is not None} for k, p in d["provenance"].items()}
        return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def json_schema() -> dict:
    schema = Record.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"xxgk extraction record v{SCHEMA_VERSION}"
    return schema


def failed_record(doc_id: str, source: str, errors: list[str], *, sha256: str | None = None,
                  url: str | None = None) -> Record:
    return Record(doc_id=doc_id, source=source, url=url, text_sha256=sha256, status="failed", errors=errors)


def get_path(obj, path: str):
    """Value at a dotted path of a record (or None when any step is missing)."""
    cur = obj
    for part in path.split("."):
        if cur is None:
            return None
        if isinstance(cur, dict):
            cur = cur.get(part)
        else:
            cur = getattr(cur, part, None)
    return cur


TABLE_FIELDS = ("active_disclosure", "applications", "review_litigation")


def figure_text(v) -> str:
    """A figure as a report prints it: 12 (not 12.0), 3601627.4, and `null` for a missing one."""
    if v is None:
        return "null"
    return str(int(v)) if isinstance(v, (int, float)) and float(v).is_integer() else str(v)


def table_cells(rec: "Record") -> dict[str, object]:
    """Every cell of the record's tables, by dotted path (null cells included)."""
    out: dict[str, object] = {}

    def walk(prefix: str, obj) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(f"{prefix}.{k}", v)
        else:
            out[prefix] = obj

    for root in TABLE_FIELDS:
        part = getattr(rec, root)
        if part is not None:
            walk(root, part.model_dump())
    return out


def _fit(model: BaseModel, prefix: str, rec: "Record", warn) -> None:
    """Null every whole-number field holding a figure that is not a whole number (recursively)."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, BaseModel):
            _fit(value, path, rec, warn)
        elif field.annotation in (Int, int) and value is not None and not (
                isinstance(value, int) and not isinstance(value, bool)):
            if isinstance(value, float) and value.is_integer():
                object.__setattr__(model, name, int(value))  # 3.0 is 3: same figure, right type
                continue
            object.__setattr__(model, name, None)
            rec.provenance.pop(path, None)
            warn(path, value)


TABLE_KEYS = ("active_disclosure", "applications", "review_litigation")


def ensure_valid(rec: "Record") -> "Record":
    """Every record validates against `xxgk schema`: a figure that does not fit its field (282.1
    in a count of items) is left null with W132 rather than written into an invalid record; a
    record that still does not validate becomes a failed record saying why."""
    from pydantic import ValidationError
    from pydantic_core import PydanticSerializationError

    from xxgk.errors import Errors, Warnings

    def warn(path, value):
        rec.warnings.append(Warnings.W132.format(path=path, raw=value))

    for key in TABLE_KEYS:
        obj = getattr(rec, key)
        if obj is not None:
            _fit(obj, key, rec, warn)
    try:
        # a serializer pass that refuses any value of the wrong type: what would make the record fail
        # validation, at a tenth of the cost of a JSON round trip (this runs once per document)
        rec.model_dump(mode="json", warnings="error")
    except (ValidationError, ValueError, PydanticSerializationError) as e:
        detail = " ".join(str(e).split())[:200]
        return failed_record(rec.doc_id, rec.source, [Errors.E015.format(detail=f"invalid record: {detail}",
                                                                          source=rec.source)],
                             sha256=rec.text_sha256, url=rec.url)
    return rec

