"""An organisation asks a question on its application, the caseworker answers with a reply
template, and the organisation reads the answer, in a real browser. Every page is checked
with axe.

The browser is an English user's (``page_en``), so the texts the test reads do not depend on
the Norwegian translations.
"""

from django.urls import reverse
from playwright.sync_api import expect

from scheme.conversations import services
from scheme.conversations.models import ReplyTemplate
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, log_out, url_of

QUESTION = "When is the second instalment paid? See https://www.imdi.no for our plan."
TEMPLATE = "The second instalment is paid when the grant report is approved."


def _setup():
    """An organisation with an awarded application, its leader, and a caseworker of the
    scheme's body who has saved a reply template."""
    scheme_year = factories.SchemeYearFactory(year=2024)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    organisation = factories.OrganisationFactory(name="Grønland Leksehjelp")
    member = factories.member_of(organisation, full_name="Pia Deltaker")
    award = factories.awarded(scheme_year, organisation)
    services.save_reply_template(
        caseworker,
        ReplyTemplate(
            scheme=scheme_year.scheme,
            title="Instalments",
            body_nb="Andre utbetaling kommer når rapporten er godkjent.",
            body_en=TEMPLATE,
        ),
    )
    return award.application, member, caseworker


def test_an_organisation_asks_and_the_caseworker_answers_with_a_template(page_en, live_server):
    page = page_en
    application, member, caseworker = _setup()
    thread = reverse("conversations:thread", args=["application", application.pk])

    log_in(page, live_server, member)
    page.goto(live_server.url + reverse("grants:application", args=[application.pk]))
    page.locator(f'main a[href="{thread}"]').click()
    expect(page).to_have_url(url_of(live_server, thread))
    assert_accessible(page)
    page.fill("#id_body", QUESTION)
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("main ol")).to_contain_text("When is the second instalment paid?")
    expect(page.locator('main ol a[href="https://www.imdi.no"]')).to_be_visible()
    assert_accessible(page)
    log_out(page, live_server)

    log_in(page, live_server, caseworker)
    expect(page.locator("header summary")).to_contain_text("1 unread messages")
    page.locator("header summary").click()
    page.locator("header").get_by_role("link", name="My messages 1 unread").click()
    expect(page).to_have_url(url_of(live_server, reverse("conversations:mine")))
    assert_accessible(page)
    page.locator(f'main a[href="{thread}"]').click()
    expect(page.locator("main ol")).to_contain_text("When is the second instalment paid?")
    page.select_option("#id_template", label="Instalments (English)")
    page.get_by_role("button", name="Insert the template").click()
    expect(page.locator("#id_body")).to_have_value(TEMPLATE)
    assert_accessible(page)
    page.get_by_role("button", name="Send the message").click()
    expect(page.locator("main ol li")).to_have_count(2)
    log_out(page, live_server)

    log_in(page, live_server, member)
    expect(page.locator("header summary")).to_contain_text("1 unread messages")
    page.goto(live_server.url + thread)
    expect(page.locator("main ol li").nth(1)).to_contain_text(TEMPLATE)
    assert_accessible(page)
    page.goto(live_server.url + reverse("conversations:mine"))
    expect(page.locator("header summary")).not_to_contain_text("unread")
