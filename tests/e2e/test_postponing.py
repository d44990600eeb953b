"""A caseworker postponing a gathering in a real browser.

The caseworker opens the gathering, presses "Postpone", first gives a start before the one
planned (the page says why and keeps what was typed), then a later one; the event page then
says "Postponed from <the first day>" with the reason, and the registration is kept. Each page
is checked with axe. The browser is an English user's, so the texts read do not depend on the
translations.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from courses import services
from courses.models import Event, Registration
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, url_of

pytestmark = pytest.mark.browser


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_caseworker_postpones_a_gathering_and_it_stays_one_event(page_en, live_server):
    page = page_en
    scheme_year = factories.SchemeYearFactory(year=timezone.localdate().year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    participant = factories.OrganisationFactory(kind="participant")
    factories.taking_part(scheme_year, participant)
    starts = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    starts += datetime.timedelta(days=10)
    gathering = services.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="gathering",
        audience="participants",
        title="Fellessamling i Oslo",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        place="Oslo",
        registration_deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    member = factories.member_of(participant)
    services.register(member, gathering, participant, person_name="Amina Hassan")
    event_url = reverse("courses:event", args=[gathering.pk])

    log_in(page, live_server, caseworker)
    page.goto(live_server.url + event_url)
    page.get_by_role("link", name="Postpone", exact=True).click()
    expect(page).to_have_url(url_of(live_server, f"{event_url}postpone/"))
    assert_accessible(page)
    page.fill("#id_starts_at", _local(starts - datetime.timedelta(days=1)))
    page.fill("#id_ends_at", _local(starts - datetime.timedelta(days=1, hours=-7)))
    page.fill("#id_reason", "Lokalet er opptatt.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_contain_text("Choose a start after the one")
    expect(page.locator("#id_reason")).to_have_value("Lokalet er opptatt.")
    assert_accessible(page)

    later = starts + datetime.timedelta(days=14)
    page.fill("#id_starts_at", _local(later))
    page.fill("#id_ends_at", _local(later + datetime.timedelta(hours=7)))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(url_of(live_server, event_url))
    first = date_format(timezone.localtime(starts).date(), "SHORT_DATE_FORMAT")
    expect(page.locator("main .alert-warning")).to_contain_text(f"Postponed from {first}.")
    expect(page.locator("main .alert-warning")).to_contain_text("Lokalet er opptatt.")
    assert_accessible(page)
    assert Event.objects.count() == 1
    assert Registration.objects.active().get().event_id == gathering.pk
