"""A caseworker chooses an event's provider by searching, with the keyboard only, in a real
browser (Tom Select over the organisations' search endpoint, scheme/choices.py).

The register holds a few hundred organisations; the page holds none of them until the
caseworker types part of a name, moves to the match with the arrow key and takes it with Enter.
The saved event has that provider. The form page is checked with axe, before and while the
list of matches is open.
"""

import datetime
import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Event
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in


def _setup():
    scheme_year = factories.SchemeYearFactory(year=timezone.localdate().year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    factories.OrganisationFactory.create_batch(300, kind="mentor")
    wanted = factories.OrganisationFactory(kind="mentor", name="Tøyen Idrettslag")
    factories.OrganisationFactory(kind="evaluator", name="Tøyen Idrettsevaluering")
    return caseworker, wanted


def test_the_provider_is_found_and_chosen_with_the_keyboard(page_en, live_server):
    page = page_en
    caseworker, wanted = _setup()
    log_in(page, live_server, caseworker)
    page.goto(live_server.url + reverse("courses:event_create"))
    assert page.locator("#id_provider option").count() == 1  # only "Not in the portal"
    assert_accessible(page)

    starts = timezone.localtime() + datetime.timedelta(days=30)
    page.get_by_label("Title").fill("Styrekurs")
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT10:00"))
    page.get_by_label("Ends").fill(starts.strftime("%Y-%m-%dT12:00"))
    page.get_by_label("Digital (held online)").press("Space")
    deadline = starts.date() - datetime.timedelta(days=7)
    page.get_by_label("Register by").fill(deadline.isoformat())

    # The label names the search box, as a screen reader announces it.
    search = page.get_by_role("combobox", name="Provider organisation")
    search.focus()
    page.keyboard.type("idretts")
    options = page.locator(".ts-dropdown [role=option]")
    expect(options).to_have_count(1)  # the evaluator is not offered
    expect(options.first).to_contain_text("Tøyen Idrettslag")
    assert_accessible(page)
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_class(re.compile(r"\bactive\b"))
    page.keyboard.press("Enter")
    expect(page.locator("#id_provider")).to_have_value(str(wanted.pk))

    page.get_by_role("button", name="Save the event").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/courses/events/\d+/$"))
    assert Event.objects.get().provider == wanted
