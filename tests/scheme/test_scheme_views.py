import datetime

import pytest
from django.urls import reverse

from scheme.models import SchemeYear
from tests import factories


@pytest.fixture
def administering_caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


def edit_url(scheme_year):
    return reverse("scheme_year_edit", args=[scheme_year.scheme.slug, scheme_year.year])


def rules(**changes):
    data = {
        "max_grant": "110000",
        "audit_threshold": "100000",
        "mentor_compensation": "40000",
        "budget_frame": "1000000",
        "min_mentor_meetings": "6",
        "max_attendees_per_organisation": "2",
        "report_due_date": "2023-01-23",
        "max_organisation_age_years": "5",
        "previous_application_years": "2",
    }
    return data | changes


def test_everyone_logged_in_reads_the_rules(client, member, scheme_year):
    client.force_login(member)
    response = client.get(reverse("scheme_detail", args=[scheme_year.scheme.slug]))
    assert response.status_code == 200
    assert not response.context["can_administer"]


def test_the_administering_body_changes_a_years_rules(
    client, administering_caseworker, scheme_year
):
    client.force_login(administering_caseworker)
    response = client.post(edit_url(scheme_year), rules(min_mentor_meetings="8"))
    assert response.status_code == 302
    scheme_year.refresh_from_db()
    assert scheme_year.min_mentor_meetings == 8


def test_a_grant_above_the_frame_is_refused_with_the_input_kept(
    client, administering_caseworker, scheme_year
):
    client.force_login(administering_caseworker)
    response = client.post(
        edit_url(scheme_year), rules(max_grant="2000000", report_due_date="2022-06-01")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"max_grant", "report_due_date"} <= set(errors)
    assert 'value="2000000"' in response.content.decode()
    scheme_year.refresh_from_db()
    assert scheme_year.max_grant == 110000


def test_opening_the_next_year_copies_the_rules(client, administering_caseworker, scheme_year):
    client.force_login(administering_caseworker)
    client.post(reverse("scheme_year_open_next", args=[scheme_year.scheme.slug]))
    new = SchemeYear.objects.get(scheme=scheme_year.scheme, year=2023)
    assert new.report_due_date == datetime.date(2024, 1, 23)
    assert new.max_grant == scheme_year.max_grant


def test_each_press_opens_the_following_year(client, administering_caseworker, scheme_year):
    client.force_login(administering_caseworker)
    url = reverse("scheme_year_open_next", args=[scheme_year.scheme.slug])
    client.post(url)
    client.post(url)
    assert SchemeYear.objects.filter(scheme=scheme_year.scheme).count() == 3
    assert SchemeYear.objects.filter(scheme=scheme_year.scheme, year=2024).exists()


def test_others_cannot_open_a_year(client, member, scheme_year):
    client.force_login(member)
    response = client.post(reverse("scheme_year_open_next", args=[scheme_year.scheme.slug]))
    assert response.status_code == 403
    assert SchemeYear.objects.count() == 1


def test_money_is_shown_the_norwegian_way(client, member, scheme_year):
    client.force_login(member)
    content = client.get(reverse("scheme_detail", args=[scheme_year.scheme.slug])).content.decode()
    assert "110\xa0000\xa0kr" in content
    assert "23.01.2023" in content
