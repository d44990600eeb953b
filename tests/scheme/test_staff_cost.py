"""The administering body's staff cost for a year (issue 14): optional, entered on the year's
rules page by its body, checked like the rules, and not carried into the next year."""

from decimal import Decimal

import pytest
from django.urls import reverse

from scheme.models import SchemeYear
from tests import factories
from tests.scheme.test_scheme_views import edit_url, rules


@pytest.fixture
def administering_caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


def test_the_body_records_the_staff_cost_and_may_leave_it_empty(
    client, administering_caseworker, scheme_year
):
    client.force_login(administering_caseworker)
    assert "staff_cost" in client.get(edit_url(scheme_year)).context["form"].fields
    response = client.post(edit_url(scheme_year), rules(staff_cost="250000"))
    assert response.status_code == 302
    scheme_year.refresh_from_db()
    assert scheme_year.staff_cost == Decimal("250000")
    client.post(edit_url(scheme_year), rules(staff_cost=""))
    scheme_year.refresh_from_db()
    assert scheme_year.staff_cost is None


def test_a_negative_staff_cost_is_refused_with_the_input_kept(
    client, administering_caseworker, scheme_year
):
    client.force_login(administering_caseworker)
    response = client.post(edit_url(scheme_year), rules(staff_cost="-5", max_grant="90000"))
    assert response.status_code == 200
    assert "staff_cost" in response.context["form"].errors
    assert 'value="90000"' in response.content.decode()
    scheme_year.refresh_from_db()
    assert (scheme_year.staff_cost, scheme_year.max_grant) == (None, 110000)


def test_another_body_cannot_record_it(client, scheme_year):
    other = factories.caseworker(factories.OrganisationFactory(kind="administrator"))
    client.force_login(other)
    response = client.post(edit_url(scheme_year), rules(staff_cost="1000"))
    assert response.status_code == 403
    scheme_year.refresh_from_db()
    assert scheme_year.staff_cost is None


def test_the_next_year_starts_without_it(client, administering_caseworker, scheme_year):
    SchemeYear.objects.filter(pk=scheme_year.pk).update(staff_cost=Decimal("250000"))
    client.force_login(administering_caseworker)
    client.post(reverse("scheme_year_open_next", args=[scheme_year.scheme.slug]))
    new = SchemeYear.objects.get(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    assert new.staff_cost is None
    assert new.max_grant == scheme_year.max_grant
