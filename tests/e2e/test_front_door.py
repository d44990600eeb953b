"""The front door, in a real browser: a visitor reads the open call, signs in with ID-porten
(the test provider on loopback), registers the organisation from its number (the register
answered by a stand-in server), a caseworker approves it, the new leader invites a colleague
who accepts, and the organisation starts an application. axe runs on every page.

The browsers are English users' (``page_en``, and a second context for the others), so the
texts the test reads do not depend on the Norwegian translations.
"""

import datetime
import re
import threading

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from grants import services as grants_services
from grants.models import Application
from organisations.models import Membership, Organisation
from tests import factories
from tests import oidc_provider as idporten
from tests.e2e.conftest import assert_accessible, log_in, url_of
from tests.organisations.test_brreg import YOUNG, YOUNG_ENTITY, StandIn

PID = "12345678901"
LEADER = "Amina Hassan"
LEADER_EMAIL = "amina@toyensprakvenner.example"
COLLEAGUE_EMAIL = "jonas@toyensprakvenner.example"
PASSWORD = "et-langt-og-godt-passord-2026"


@pytest.fixture
def enhetsregisteret(settings):
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.BRREG_ENABLED = True
    settings.BRREG_API_URL = server.url
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def provider(settings, live_server):
    running = idporten.start(portal=live_server.url)
    idporten.configure(settings, running, portal=live_server.url)
    settings.PORTAL_BASE_URL = live_server.url  # links in e-mails
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "form-action": ["'self'", running.issuer],
        }
    }
    yield running
    running.stop()


@pytest.fixture
def open_call(db):
    """This year's scheme, run by a body with a caseworker, and an open call for it."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    factories.TargetGroupFactory(name_nb="Kvinner", name_en="Women")
    call = grants_services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Open call for new organisations",
        kind="open",
        opens_on=today - datetime.timedelta(days=5),
        closes_on=today + datetime.timedelta(days=10),
        guidance="Apply for operating grants for the coming year.",
    )
    return call, caseworker


def _new_page(browser):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Oslo")
    context.set_default_timeout(10_000)
    return context.new_page()


def _link_in_last_mail(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    return re.search(r"https?://\S+", message.body).group(0)


def test_a_new_organisation_comes_in_through_the_front_door(
    page_en, browser, live_server, provider, enhetsregisteret, open_call
):
    page = page_en
    call, caseworker = open_call
    mail.outbox.clear()

    # --- a visitor reads the open call -----------------------------------------------------
    page.goto(live_server.url + "/")
    assert_accessible(page)
    page.get_by_role("link", name=call.title).first.click()
    expect(page.locator("main h1")).to_contain_text(call.title)
    assert_accessible(page)

    # --- and signs in with ID-porten: first time, so the address is confirmed by a link ----
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Log in with ID-porten").click()
    page.fill('input[name="pid"]', PID)
    page.select_option('select[name="acr"]', idporten.SUBSTANTIAL)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main h1")).to_have_text("Welcome to the grant portal")
    assert_accessible(page)
    page.fill('input[name="full_name"]', LEADER)
    page.fill('input[name="email"]', LEADER_EMAIL)
    page.get_by_role("button", name="Send the link").click()
    assert_accessible(page)
    page.goto(_link_in_last_mail(LEADER_EMAIL))
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(url_of(live_server, reverse("dashboard")))
    assert_accessible(page)

    # --- registers the organisation from its number ---------------------------------------
    page.locator(f'main a[href="{reverse("organisations:register")}"]').first.click()
    assert_accessible(page)
    page.fill('input[name="org_number"]', YOUNG)
    page.locator("main form button[type=submit]").click()
    expect(page.locator('input[name="name"]')).to_have_value(YOUNG_ENTITY["navn"])
    assert_accessible(page)
    page.locator('input[name="kind"][value="participant"]').check()
    page.fill('input[name="email"]', LEADER_EMAIL)
    page.fill('textarea[name="description"]', "Language cafés for women new in Norway.")
    page.get_by_label("Women").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(YOUNG_ENTITY["navn"])
    assert_accessible(page)

    # --- a caseworker approves it ----------------------------------------------------------
    desk = _new_page(browser)
    log_in(desk, live_server, caseworker)
    desk.goto(live_server.url + reverse("organisations:registrations"))
    assert_accessible(desk)
    desk.locator("main table a").first.click()
    assert_accessible(desk)
    desk.get_by_role("button", name=re.compile("^Approve")).click()
    expect(desk.locator("main .messages .alert-success")).to_be_visible()
    assert_accessible(desk)
    desk.context.close()
    organisation = Organisation.objects.get(org_number=YOUNG)
    leader = Membership.objects.get(organisation=organisation).user
    assert (leader.full_name, leader.email) == (LEADER, LEADER_EMAIL)

    # --- the leader invites a colleague, who accepts ----------------------------------------
    page.goto(live_server.url + reverse("organisations:people", args=[organisation.pk]))
    assert_accessible(page)
    page.fill('input[name="email"]', COLLEAGUE_EMAIL)
    page.fill('input[name="full_name"]', "Jonas Berg")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator("main .messages .alert-success")).to_contain_text(COLLEAGUE_EMAIL)
    assert_accessible(page)
    colleague = _new_page(browser)
    colleague.goto(_link_in_last_mail(COLLEAGUE_EMAIL))
    assert_accessible(colleague)
    colleague.fill('input[name="password1"]', PASSWORD)
    colleague.fill('input[name="password2"]', PASSWORD)
    colleague.get_by_role("button", name="Accept and make my account").click()
    expect(colleague).to_have_url(
        url_of(live_server, reverse("organisations:detail", args=[organisation.pk]))
    )
    assert_accessible(colleague)
    colleague.context.close()
    assert organisation.memberships.count() == 2

    # --- the organisation records an earlier application, then starts one -------------------
    page.goto(live_server.url + reverse("grants:home"))
    assert_accessible(page)
    page.goto(
        live_server.url
        + reverse("organisations:parts", args=[organisation.pk, "previous-applications"])
    )
    page.fill('input[name="previous-applications-0-year"]', str(timezone.localdate().year))
    page.select_option('select[name="previous-applications-0-grantor"]', "municipality")
    page.fill('input[name="previous-applications-0-grantor_name"]', "Oslo kommune")
    page.locator("main form button[type=submit]").click()
    assert_accessible(page)
    page.goto(live_server.url + reverse("grants:home"))
    start_url = reverse("grants:start", args=[call.pk, organisation.pk])
    start = page.locator(f'main form[action="{start_url}"] button[type=submit]')
    expect(start).to_be_visible()
    start.click()
    assert_accessible(page)
    assert Application.objects.filter(round=call, organisation=organisation).exists()
