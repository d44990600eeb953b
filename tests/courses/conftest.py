"""Fixtures for courses: this year's rules, the annual plan, and a gathering made through
the services."""

import datetime

import pytest
from django.utils import timezone

from courses import services
from tests import factories


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def gathering(caseworker, scheme_year):
    """A gathering for participants in three weeks, registration open for two."""
    starts = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=21
    )
    return services.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="gathering",
        audience="participants",
        title="Fellessamling i Oslo",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        place="Oslo",
        registration_deadline=timezone.localdate() + datetime.timedelta(days=14),
    )


# Courses are for the organisations taking part in the event's scheme year.


@pytest.fixture
def participant(scheme_year):
    return factories.taking_part(scheme_year, factories.OrganisationFactory(kind="participant"))[0]


@pytest.fixture
def other_participant(scheme_year):
    return factories.taking_part(scheme_year, factories.OrganisationFactory(kind="participant"))[0]


@pytest.fixture
def mentor(scheme_year):
    organisation = factories.OrganisationFactory(kind="mentor")
    factories.taking_part(scheme_year, organisation)
    return factories.member_of(organisation)
