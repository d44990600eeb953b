"""A call's portfolio in a real browser: a caseworker proposes an application from the list
of the not proposed with the keyboard alone, is taken to its row in the ranked list, and a
wrong amount is shown at its field with what was typed kept. Every page is checked with axe.

The browser is an English user's (``page_en``); the inputs are found by their ids, which the
error summary links to."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from grants import services
from scheme.models import Goal
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, url_of
from tests.grants.conftest import complete_application, eligible_organisation

SCORES = {"activity": (4, "Steady"), "need": (5, ""), "resources": (3, ""), "goals": (4, "")}


def _assessed_call():
    """A call with two sent applications that a caseworker of its body has assessed."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    for number in range(1, 4):
        Goal.objects.create(scheme=scheme_year.scheme, number=number, text_nb=f"Mål {number}")
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    call = services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Driftstilskudd",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler.",
    )
    applications = []
    for name in ("Alfa forening", "Beta forening"):
        organisation = eligible_organisation(name=name)
        services.invite(caseworker, call, [organisation])
        member = factories.member_of(organisation)
        application = complete_application(member, call, organisation)
        application = services.submit_application(member, application)
        services.declare_impartiality(caseworker, application, has_conflict=False)
        services.save_assessment(caseworker, application, scores=SCORES)
        applications.append(application)
    return caseworker, call, applications


def test_a_caseworker_proposes_and_corrects_on_the_portfolio(page_en, live_server):
    page = page_en
    caseworker, call, (alfa, _beta) = _assessed_call()
    portfolio = reverse("grants:portfolio", args=[call.pk])
    log_in(page, live_server, caseworker)

    page.goto(f"{live_server.url}{portfolio}?show=candidates")
    assert_accessible(page)
    rank, amount = f"#id_propose-rank_{alfa.pk}", f"#id_propose-proposed_amount_{alfa.pk}"
    expect(page.get_by_label("Rank of Alfa forening")).to_be_visible()
    page.locator(rank).focus()
    page.keyboard.type("1")
    page.keyboard.press("Tab")
    expect(page.locator(amount)).to_be_focused()
    page.keyboard.press("Enter")

    # Proposed: the ranked list, scrolled to the row, with the rank and amount saved.
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}{portfolio}#row-{alfa.pk}")))
    expect(page.locator(f"#row-{alfa.pk} {rank}")).to_have_value("1")
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    assert_accessible(page)

    # A wrong amount: shown at the field, described by it, what was typed kept.
    page.fill(amount, "a lot")
    page.locator(amount).press("Enter")
    expect(page).to_have_url(url_of(live_server, reverse("grants:propose", args=[alfa.pk])))
    expect(page.locator(amount)).to_have_value("a lot")
    expect(page.locator(amount)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"{amount}_error")).to_contain_text("Write the amount in numbers")
    page.locator(f'#error-summary a[href="{amount}"]').click()
    expect(page.locator(amount)).to_be_focused()
    assert_accessible(page)
