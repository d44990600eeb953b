import datetime

import pytest
from django.utils import translation

from organisations.eligibility import Outcome, check_eligibility
from organisations.models import Grantor, PreviousApplication
from tests import factories

CALL_DEADLINE = datetime.date(2022, 4, 20)


@pytest.fixture
def eligible(db):
    organisation = factories.OrganisationFactory(
        founded=datetime.date(2019, 3, 1),
        in_voluntary_register=True,
        voluntary_register_since=datetime.date(2019, 6, 1),
        description="Vi driver leksehjelp og språkkafé for nyankomne.",
    )
    PreviousApplication.objects.create(
        organisation=organisation, year=2021, grantor=Grantor.IMDI, grantor_name="IMDi"
    )
    return organisation


def outcomes(result):
    return {criterion.code: criterion.outcome for criterion in result.criteria}


def test_an_organisation_meeting_every_rule_passes_once_the_caseworker_confirms_purpose(
    eligible, scheme_year
):
    result = check_eligibility(eligible, scheme_year, CALL_DEADLINE, purpose_confirmed=True)
    assert set(outcomes(result).values()) == {Outcome.PASS}
    assert result.outcome == Outcome.PASS


def test_purpose_stays_unknown_until_the_caseworker_judges_it(eligible, scheme_year):
    result = check_eligibility(eligible, scheme_year, CALL_DEADLINE)
    assert outcomes(result)["purpose"] == Outcome.UNKNOWN
    assert result.outcome == Outcome.UNKNOWN


def test_a_rejected_purpose_fails(eligible, scheme_year):
    result = check_eligibility(eligible, scheme_year, CALL_DEADLINE, purpose_confirmed=False)
    assert result.outcome == Outcome.FAIL


@pytest.mark.parametrize(
    ("registered", "since", "expected"),
    [
        (None, None, Outcome.UNKNOWN),
        (False, None, Outcome.FAIL),
        (True, None, Outcome.PASS),
        (True, datetime.date(2022, 4, 20), Outcome.PASS),
        (True, datetime.date(2022, 4, 21), Outcome.FAIL),
    ],
)
def test_registration_in_the_voluntary_register(eligible, scheme_year, registered, since, expected):
    eligible.in_voluntary_register = registered
    eligible.voluntary_register_since = since
    assert outcomes(check_eligibility(eligible, scheme_year, CALL_DEADLINE))["registered"] == (
        expected
    )


@pytest.mark.parametrize(
    ("founded", "expected"),
    [
        (None, Outcome.UNKNOWN),
        (datetime.date(2017, 4, 21), Outcome.PASS),  # one day less than five years
        (datetime.date(2017, 4, 20), Outcome.FAIL),  # exactly five years
        (datetime.date(2010, 1, 1), Outcome.FAIL),
        (datetime.date(2022, 1, 1), Outcome.PASS),
    ],
)
def test_founded_less_than_five_years_before_the_deadline(eligible, scheme_year, founded, expected):
    eligible.founded = founded
    assert outcomes(check_eligibility(eligible, scheme_year, CALL_DEADLINE))["age"] == expected


def test_the_age_limit_comes_from_the_scheme_year(eligible, scheme_year):
    eligible.founded = datetime.date(2016, 1, 1)
    scheme_year.max_organisation_age_years = 7
    assert outcomes(check_eligibility(eligible, scheme_year, CALL_DEADLINE))["age"] == Outcome.PASS


@pytest.mark.parametrize(
    ("year", "grantor", "expected"),
    [
        (2021, Grantor.IMDI, Outcome.PASS),
        (2022, Grantor.MUNICIPALITY, Outcome.PASS),
        (2020, Grantor.IMDI, Outcome.FAIL),  # before the two-year window
        (2021, Grantor.OTHER, Outcome.FAIL),  # neither IMDi nor a municipality
    ],
)
def test_an_earlier_application_to_imdi_or_a_municipality(
    eligible, scheme_year, year, grantor, expected
):
    eligible.previous_applications.all().delete()
    PreviousApplication.objects.create(organisation=eligible, year=year, grantor=grantor)
    assert outcomes(check_eligibility(eligible, scheme_year, CALL_DEADLINE))["applied"] == expected


def test_no_recorded_applications_is_unknown_not_a_failure(eligible, scheme_year):
    eligible.previous_applications.all().delete()
    result = check_eligibility(eligible, scheme_year, CALL_DEADLINE)
    assert outcomes(result)["applied"] == Outcome.UNKNOWN


def test_every_criterion_says_why(eligible, scheme_year):
    eligible.founded = datetime.date(2010, 5, 17)
    with translation.override("en"):
        result = check_eligibility(eligible, scheme_year, CALL_DEADLINE)
        reasons = {criterion.code: str(criterion.reason) for criterion in result.criteria}
    assert all(reasons.values())
    assert "17.05.2010" in reasons["age"] or "2010" in reasons["age"]
    assert "IMDi" in reasons["applied"]


def test_the_reference_date_defaults_to_the_start_of_the_year(eligible, scheme_year):
    assert check_eligibility(eligible, scheme_year).reference_date == datetime.date(2022, 1, 1)
