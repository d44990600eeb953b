"""An organisation registering two people for a gathering and putting the third on the waiting
list, in a real browser.

A caseworker has made a gathering for participants through the services; the year's cap is two
people from each organisation. The organisation's member opens the gathering from the list and
registers two named people; the page then says the organisation's places are taken, offers no
registration form, and puts the third on the waiting list instead. Every page is checked with
axe.

The browser is an English user's (``page_en``), so the texts the test reads do not depend on
the Norwegian translations; everything else is found by id, name or address.
"""

import datetime

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from courses import services
from courses.models import Registration
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, url_of

PEOPLE = ["Amina Hassan", "Yonas Tesfay"]
THIRD = "Lina Haddad"


def _setup():
    """This year's rules (two people per organisation at a gathering), a gathering for
    participants in three weeks made by a caseworker, and a participant with a member."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year, max_attendees_per_organisation=2)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    starts = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    starts += datetime.timedelta(days=21)
    gathering = services.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="gathering",
        audience="participants",
        title="Fellessamling i Oslo",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        place="Oslo",
        registration_deadline=today + datetime.timedelta(days=14),
    )
    participant = factories.OrganisationFactory(kind="participant", name="Tøyen Kvinnenettverk")
    factories.taking_part(scheme_year, participant)
    member = factories.member_of(participant, full_name="Sara Leder")
    return gathering, participant, member


def _register(page, event_url, name):
    """Type a name in the registration form and press Enter."""
    form = page.locator(f'main form[action="{event_url}register/"]')
    form.locator('input[name="person_name"]').fill(name)
    form.locator('input[name="person_name"]').press("Enter")


def test_an_organisation_registers_two_people_and_puts_the_third_on_the_waiting_list(
    page_en, live_server
):
    page = page_en
    gathering, participant, member = _setup()
    events = reverse("courses:events")
    event_url = reverse("courses:event", args=[gathering.pk])
    assert reverse("courses:register", args=[gathering.pk]) == f"{event_url}register/"

    log_in(page, live_server, member)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(f'header nav a[href="{events}"]').click()
    expect(page).to_have_url(url_of(live_server, events))
    assert_accessible(page)
    page.locator(f'main table a[href="{event_url}"]').click()
    expect(page).to_have_url(url_of(live_server, event_url))
    expect(page.locator("h1")).to_have_text(gathering.title)
    registration = page.locator('section[aria-labelledby="registration-heading"]')
    expect(registration.locator(".alert-info")).to_contain_text("At most 2 people")
    assert_accessible(page)

    # Two people, one after the other: each is listed after the page comes back.
    for number, name in enumerate(PEOPLE, start=1):
        _register(page, event_url, name)
        expect(page).to_have_url(url_of(live_server, event_url))
        expect(page.locator("main .messages .alert-success")).to_contain_text(name)
        expect(registration.locator("h3").first).to_contain_text(f"({number} of 2)")
        expect(registration.locator("ul > li > span")).to_have_text(PEOPLE[:number])
        assert_accessible(page)

    # The places are taken: the page says so and offers the waiting list, not a form to refuse.
    expect(registration.locator(".alert-warning")).to_contain_text(
        f"The places for {participant.name} are taken"
    )
    expect(page.locator(f'main form[action="{event_url}register/"]')).to_have_count(0)
    waiting_form = page.locator(f'main form[action="{event_url}waiting-list/"]')
    waiting_form.locator('input[name="waiting-person_name"]').fill(THIRD)
    waiting_form.locator('textarea[name="waiting-dietary_needs"]').fill("Vegetarian")
    waiting_form.get_by_role("button", name="Put on the waiting list").click()
    expect(page).to_have_url(url_of(live_server, event_url))
    expect(page.locator("main .messages .alert-success")).to_contain_text("waiting list")
    expect(registration.locator("h3").first).to_contain_text("(2 of 2)")
    expect(registration.locator("ul > li > span")).to_have_text(PEOPLE)
    expect(registration.locator("ol > li > span")).to_have_text([THIRD])
    assert_accessible(page)

    registered = Registration.objects.active().filter(event=gathering, organisation=participant)
    assert sorted(registered.values_list("person_name", flat=True)) == sorted(PEOPLE)
    assert all(r.registered_by == member for r in registered)
    waiting = gathering.registrations.waiting().get()
    assert (waiting.person_name, waiting.dietary_needs) == (THIRD, "Vegetarian")

    # The list of events shows the two from the organisation as well.
    page.locator(f'main a[href="{events}"]').first.click()
    expect(page).to_have_url(url_of(live_server, events))
    row = page.locator("main table tbody tr", has=page.locator(f'a[href="{event_url}"]'))
    expect(row.locator("td").last).to_have_text(", ".join(PEOPLE))
    assert_accessible(page)
