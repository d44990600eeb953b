"""The year's budget frame can never be exceeded, not even by caseworkers deciding at the
same moment: award_grant locks the scheme year, so awards in one year are made one at a time
and each sees the others' totals.

The concurrent test needs PostgreSQL (real row locks; SQLite serialises whole transactions
and is skipped, or fails under REQUIRE_SERVICES=1).
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import translation

from grants import services
from grants.models import ApplicationStatus, Award
from scheme import services as scheme_services
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import complete_application, eligible_organisation

FRAME = Decimal("250000")
AMOUNT = Decimal("99000")
APPLICATIONS = 6
FITS = int(FRAME // AMOUNT)  # 2: a third would make 297 000


@pytest.fixture
def applications(call, caseworker, scheme_year):
    """Six submitted applications of 99 000 each, the caseworker impartial in every one, in a
    year with a frame of 250 000."""
    scheme_services.change_year_rules(caseworker, scheme_year, budget_frame=FRAME)
    made = []
    for _ in range(APPLICATIONS):
        organisation = eligible_organisation()
        person = factories.member_of(organisation)
        services.invite(caseworker, call, [organisation])
        application = complete_application(person, call, organisation, amount=AMOUNT)
        made.append(services.submit_application(person, application))
        services.declare_impartiality(caseworker, application, has_conflict=False)
    return made


def decide(caseworker, application):
    """The caseworker's award of the application, to be made (now or in a thread)."""
    return lambda: services.award_grant(
        caseworker, application, amount=AMOUNT, reasons="God søknad."
    )


def awarded_total(scheme_year):
    return Award.objects.in_year(scheme_year).aggregate(total=Sum("amount"))["total"] or 0


def assert_frame_kept(applications, scheme_year, awards, errors):
    assert len(awards) == FITS
    assert len(errors) == APPLICATIONS - FITS
    assert awarded_total(scheme_year) == FITS * AMOUNT <= FRAME
    awarded_ids = {award.application_id for award in awards}
    for application in applications:
        application.refresh_from_db()
        expected = (
            ApplicationStatus.AWARDED
            if application.pk in awarded_ids
            else ApplicationStatus.SUBMITTED
        )
        assert application.status == expected
    left = FRAME - FITS * AMOUNT
    for error in errors:
        assert "left of this year's budget frame" in error
        assert f"{left:,.0f}" in error  # "Only NOK 52,000 is left ..."
    scheme_year.refresh_from_db()
    assert services.budget_position(scheme_year)["left"] == left


def test_sequential_awards_stop_at_the_frame(applications, caseworker, scheme_year):
    awards, errors = [], []
    with translation.override("en"):
        for application in applications:
            try:
                awards.append(decide(caseworker, application)())
            except ValidationError as error:
                errors.append(" ".join(error.messages))
    assert_frame_kept(applications, scheme_year, awards, errors)
    assert [a.application_id for a in awards] == [a.pk for a in applications[:FITS]]


def test_concurrent_awards_never_pass_the_frame(
    postgres, transactional_db, applications, caseworker, scheme_year
):
    awards, errors, crashes = at_once([decide(caseworker, a) for a in applications])
    assert crashes == []
    assert_frame_kept(applications, scheme_year, awards, errors)


def test_concurrent_awards_with_a_frame_for_all_award_all(
    postgres, transactional_db, applications, caseworker, scheme_year
):
    """The lock serialises, it does not refuse: with room for everyone, everyone is awarded."""
    scheme_services.change_year_rules(caseworker, scheme_year, budget_frame=Decimal("1000000"))
    awards, errors, crashes = at_once([decide(caseworker, a) for a in applications])
    assert crashes == [] and errors == []
    assert len(awards) == APPLICATIONS
    assert awarded_total(scheme_year) == APPLICATIONS * AMOUNT
