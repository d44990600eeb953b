"""Outcomes after the scheme (reports/figures/outcomes.py) on a small data set: the grants
from others in the years after the period, per participant and in total, without the
scheme's own grants and without names."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from organisations.models import FollowUp, PreviousApplication
from reports.figures.anonymous import organisation_labels
from reports.figures.definitions import Period
from reports.figures.outcomes import outcome_figures
from tests import factories

ANSWERED = datetime.datetime(2026, 2, 16, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def applied(organisation, year, outcome="granted", amount=None, name="Sparebankstiftelsen"):
    PreviousApplication.objects.create(
        organisation=organisation,
        year=year,
        grantor="other",
        grantor_name=name,
        amount=amount,
        outcome=outcome,
    )


@pytest.fixture
def data(db):
    scheme = factories.SchemeYearFactory(year=2022).scheme
    scheme.name = "Prøveordning for små organisasjoner"
    scheme.save()
    a, b, c, outsider = (factories.OrganisationFactory(kind="participant") for _ in range(4))
    applied(a, 2025, amount=Decimal(40000))
    applied(a, 2026, outcome="rejected", amount=Decimal(10000))
    applied(a, 2024, amount=Decimal(99000))  # in the period: not after it
    applied(b, 2025, amount=Decimal(100000), name="IMDi: tilskudd til integreringsarbeid")
    applied(b, 2025, amount=Decimal(95000), name="Prøveordning for små organisasjoner")  # own
    applied(outsider, 2025, amount=Decimal(7000))  # not a participant
    for organisation in (a, c):
        FollowUp.objects.create(organisation=organisation, scheme=scheme, answered_at=ANSWERED)
    return scheme, a, b, c


def figures_of(scheme, participants, as_of=datetime.date(2026, 6, 1)):
    return outcome_figures(scheme, {o.pk for o in participants}, Period.years(2022, 2024, as_of))


def test_grants_from_others_after_the_period_per_participant_and_in_total(data):
    scheme, a, b, c = data
    figures = figures_of(scheme, [a, b, c])
    labels = organisation_labels([a.pk, b.pk, c.pk])
    rows = {row.organisation: row for row in figures.rows}
    assert (figures.first_year, figures.last_year) == (2025, 2026)
    assert (rows[labels[a.pk]].applications, rows[labels[a.pk]].granted) == (2, 1)
    assert rows[labels[a.pk]].amount == Decimal(40000)
    assert (rows[labels[b.pk]].applications, rows[labels[b.pk]].amount) == (1, Decimal(100000))
    assert (rows[labels[c.pk]].applications, rows[labels[c.pk]].answered) == (0, True)
    assert (figures.total.applications, figures.total.granted) == (3, 2)
    assert figures.total.amount == Decimal(140000)
    assert (figures.answered, figures.with_grants) == (2, 2)
    assert [row.organisation for row in figures.rows] == sorted(labels.values())


def test_the_years_after_count_only_up_to_the_as_of_date(data):
    scheme, a, b, c = data
    figures = figures_of(scheme, [a, b, c], as_of=datetime.date(2025, 12, 31))
    assert figures.total.applications == 2  # 2026 is not counted yet
    early = figures_of(scheme, [a, b, c], as_of=datetime.date(2024, 12, 31))
    assert not early.years_after and early.total.applications == 0
    assert early.answered == 0  # the follow-ups were answered after that day


def test_no_name_is_in_the_figures(data):
    scheme, a, b, c = data
    figures = figures_of(scheme, [a, b, c])
    shown = " ".join(row.organisation for row in figures.rows)
    assert all(o.name not in shown for o in (a, b, c))
    assert "Sparebankstiftelsen" not in repr(figures)
