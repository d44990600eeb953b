"""A scheme's years are opened through the service (Django admin only reads them)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from scheme import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_new_scheme_opens_this_year_with_the_pilots_rules():
    scheme = factories.SchemeFactory()
    scheme.years.all().delete()
    caseworker = factories.caseworker(scheme.administrator)
    year = services.open_next_year(caseworker, scheme)
    this_year = timezone.localdate().year
    assert (year.year, year.max_grant, year.min_mentor_meetings) == (this_year, 110000, 6)
    assert year.report_due_date == datetime.date(this_year + 1, 1, 23)


def test_the_next_year_copies_the_rules_and_moves_the_due_date_on():
    scheme = factories.SchemeFactory()
    scheme.years.all().delete()
    caseworker = factories.caseworker(scheme.administrator)
    first = services.open_next_year(caseworker, scheme)
    services.change_year_rules(caseworker, first, max_grant=90000)
    second = services.open_next_year(caseworker, scheme)
    assert (second.year, second.max_grant) == (first.year + 1, 90000)
    assert second.report_due_date == datetime.date(first.year + 2, 1, 23)


def test_another_bodys_caseworker_opens_no_year():
    scheme = factories.SchemeFactory()
    with pytest.raises(PermissionDenied):
        services.open_next_year(factories.caseworker(), scheme)
