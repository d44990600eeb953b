"""Every role's main pages on a phone (390 px) and on a laptop (1280 px), on the demo data.

No page scrolls sideways; on a laptop the header is one line; on a phone the menu folds behind
a button that opens it, and a list's filters behind a button that counts the active ones.
Without scripts the menu and the filters stay shown. axe checks every page at both widths.

The demo is loaded once (a live-server test empties the database when it ends) and the roles
take turns in one browser, so the walk stays short."""

import io
import re

from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from grants.models import GrantReport
from mentoring.models import Pairing
from organisations.demo import DEMO_PASSWORD
from scheme.models import User
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, seed_competence_areas, url_of

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# A one-line header: the brand, the items and the log-out button side by side.
ONE_LINE_HEADER_PX = 80

CASEWORKER = "saksbehandler@imdi.example"
MEMBER = "leder@aktivno.example"
MENTOR = "mentor@reddbarna.example"
EVALUATOR = "evaluator@ntnu.example"
ADMIN = "admin@imdi.example"


def main_pages(email):
    """The pages a role visits most: its menu's lists, and the long tables it reads."""
    user = User.objects.get(email=email)
    home = reverse("dashboard")
    if email in (CASEWORKER, ADMIN):
        lists = ["grants:review", "grants:rounds", "organisations:list", "mentoring:overview"]
        return [home, *map(reverse, lists), reverse("courses:events"), reverse("reports:list")]
    if email == MEMBER:
        report = _report_with_accounts(user)
        return [
            home,
            reverse("grants:home"),
            reverse("grants:report", args=[report.pk]),
            reverse("mentoring:home"),
            reverse("courses:events"),
            reverse("notifications"),
        ]
    if email == MENTOR:
        pairing = Pairing.objects.visible_to(user).first()
        return [
            home,
            reverse("mentoring:home"),
            reverse("mentoring:pairing", args=[pairing.pk]),
            reverse("courses:events"),
            reverse("courses:calendar"),
        ]
    return [home, reverse("courses:forms"), reverse("reports:list"), reverse("scheme_list")]


def _report_with_accounts(user):
    return (
        GrantReport.objects.visible_to(user).filter(account_lines__isnull=False).distinct().first()
    )


def sign_in(page, live_server, email, password=DEMO_PASSWORD):
    """Log in on the login page, as whoever was logged in before leaves."""
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(url_of(live_server, reverse("dashboard")))


def assert_no_sideways_scroll(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px"


def assert_header_on_one_line(page):
    tops = page.eval_on_selector_all(
        "header .navbar-nav > .nav-item, header form[action$='/logout/']",
        "elements => elements.map(e => Math.round(e.getBoundingClientRect().top))",
    )
    height = page.evaluate("document.querySelector('header').offsetHeight")
    assert max(tops) - min(tops) < 20 and height <= ONE_LINE_HEADER_PX, (
        f"the header on {page.url} takes {height} px: it wraps"
    )


def assert_menu_opens(page):
    button = page.locator("header button[aria-controls=portal-menu]")
    menu = page.locator("#portal-menu")
    expect(menu).to_be_hidden()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu.locator("a.nav-link").first).to_be_visible()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # opened, not still moving
    button.click()
    expect(menu).to_be_hidden()


def walk(page, live_server, email):
    """Every main page of the role at both widths; the menu button once on a phone."""
    pages = main_pages(email)
    sign_in(page, live_server, email)
    page.set_viewport_size(PHONE)
    assert_menu_opens(page)
    for size in (PHONE, LAPTOP):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(live_server.url + path)
            assert_no_sideways_scroll(page)
            if size is LAPTOP:
                assert_header_on_one_line(page)
            assert_accessible(page)


def test_every_role_s_main_pages_fit_a_phone_and_a_laptop(page, live_server):
    seed_competence_areas()  # emptied by the browser tests that ran before
    call_command("load_demo", stdout=io.StringIO())
    for email in (CASEWORKER, MEMBER, MENTOR, ADMIN, EVALUATOR):
        walk(page, live_server, email)

    # No menu item leads to nothing: evaluators join no courses, so their menu offers the
    # feedback forms they read, not an empty list of courses or an empty calendar.
    header = page.locator("header")
    expect(header.locator(f'a[href="{reverse("courses:events")}"]')).to_have_count(0)
    expect(header.locator(f'a[href="{reverse("courses:calendar")}"]')).to_have_count(0)
    expect(header.locator(f'a[href="{reverse("courses:forms")}"]')).to_have_count(1)


def test_the_filters_fold_behind_a_button_that_counts_the_active_ones(
    page, live_server, caseworker
):
    log_in(page, live_server, caseworker)
    page.set_viewport_size(PHONE)
    page.emulate_media(reduced_motion="reduce")  # axe reads the button's colours, not a fade
    page.goto(live_server.url + reverse("grants:review") + "?status=submitted&q=forening")
    button = page.locator("main button[aria-controls=list-filters]")
    expect(button).to_contain_text("2")
    expect(page.locator("#id_status")).to_be_hidden()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#id_status")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_without_scripts_the_menu_and_the_filters_stay_shown(browser, live_server, caseworker):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="nb-NO")
    page = context.new_page()
    sign_in(page, live_server, caseworker.email, factories.PASSWORD)
    expect(page.locator("#portal-menu a.nav-link").first).to_be_visible()
    expect(page.locator("header button[aria-controls=portal-menu]")).to_be_hidden()
    page.goto(live_server.url + reverse("grants:review") + "?status=submitted")
    expect(page.locator("#id_status")).to_be_visible()
    expect(page.locator("main button[aria-controls=list-filters]")).to_be_hidden()
    context.close()
