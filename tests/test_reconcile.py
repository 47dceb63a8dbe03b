"""Reconciliation checks and derived totals: a total the system derived from its row (the document
leaves the cell blank) cannot check that row, so the row's check is NOT_ASSESSABLE, never PASS."""

from xxgk.rules.reconcile import Derivation, check_applications, check_review, is_row_sum, row_sum_provenance
from xxgk.record import ApplicantCounts, Applications2021, Provenance, ReviewCounts, ReviewLitigation


def _review(total):
    return ReviewLitigation(review=ReviewCounts(upheld=1, corrected=2, other=0, pending=0, total=total),
                            litigation_direct=ReviewCounts(upheld=0, corrected=0, other=0, pending=0, total=0),
                            litigation_after_review=ReviewCounts(upheld=0, corrected=0, other=0, pending=1, total=2))


def _status(checks, rule):
    return next(c.status for c in checks if c.rule == rule)


def test_review_total_derived_from_its_row_is_not_assessable():
    rl = _review(3)
    printed = check_review(rl, {})
    assert _status(printed, "review_litigation.review.total") == "PASS"
    assert _status(printed, "review_litigation.litigation_after_review.total") == "FAIL"
    derived = check_review(rl, {"review_litigation.review.total": row_sum_provenance()})
    assert _status(derived, "review_litigation.review.total") == "NOT_ASSESSABLE"
    assert _status(derived, "review_litigation.litigation_after_review.total") == "FAIL"


def test_application_row_total_derived_from_its_row_is_not_assessable():
    apps = Applications2021(granted=ApplicantCounts(natural_person=2, commercial=1, research=0, social_welfare=0,
                                                    legal_service=0, other=0, total=3))
    assert _status(check_applications(apps, "2021", {}), "applications.granted.row_total") == "PASS"
    prov = {"applications.granted.total": row_sum_provenance()}
    assert _status(check_applications(apps, "2021", prov), "applications.granted.row_total") == "NOT_ASSESSABLE"


def test_only_a_row_sum_is_a_derived_total():
    assert is_row_sum(row_sum_provenance()) and row_sum_provenance().note == Derivation.ROW_SUM.value
    assert not is_row_sum(Provenance(method="derived", note="glued digits split by the row total"))
    assert not is_row_sum(Provenance(method="text_table", start=0, end=1)) and not is_row_sum(None)
