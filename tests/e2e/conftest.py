"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

The live server speaks plain HTTP; tests/settings.py turns off the HTTPS redirect and
secure-only cookies that production settings switch on.

Every test in this folder is marked ``browser``. Without ``/usr/bin/chromium`` the tests skip,
or fail when the run sets ``REQUIRE_SERVICES=1``. ``assert_accessible(page)`` runs axe-core on
the page and fails on every serious or critical violation.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import need_service

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# (factories, refresh_from_db) would otherwise be refused as "called from an async context".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = ("serious", "critical")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    need_service(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test (no shared cookies), as a Norwegian user's browser.

    Console errors (such as a script or style refused by the Content-Security-Policy), uncaught
    script errors and responses with an error status fail the test.
    """
    yield from _watched_page(browser, "nb-NO")


@pytest.fixture
def page_en(browser):
    """Like ``page``, as an English user's browser: the portal answers in English (from the
    Accept-Language header), so tests can read messages whatever the translations say."""
    yield from _watched_page(browser, "en-GB")


def _watched_page(browser, locale):
    context = browser.new_context(locale=locale, timezone_id="Europe/Oslo")
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []

    def on_console(message):
        # A failed request is also logged to the console, without its address; it is
        # reported with the address by on_response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console: {message.text}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", on_response)
    yield page
    context.close()
    assert not problems, "The browser reported errors:\n" + "\n".join(problems)


def assert_accessible(page):
    """Run axe-core on the page; fail listing every serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if not violations:
        return
    lines = [f"{len(violations)} serious or critical accessibility violations on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    at {target}: {summary}")
    pytest.fail("\n".join(lines), pytrace=False)


# --- helpers shared by the browser tests ----------------------------------------------------


def url_of(live_server, path):
    """A pattern for the page at ``path``; a fragment (``#assessment``) is allowed."""
    return re.compile(re.escape(live_server.url + path) + r"(#.*)?$")


def log_in(page, live_server, user):
    """Log in through the real login page (checked with axe) and land on the dashboard."""
    from django.urls import reverse
    from playwright.sync_api import expect

    from tests import factories

    page.goto(live_server.url + reverse("login"))
    assert_accessible(page)
    page.fill("#id_username", user.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(url_of(live_server, reverse("dashboard")))
    assert_accessible(page)


def log_out(page, live_server):
    """Log out with the button in the header."""
    from django.urls import reverse
    from playwright.sync_api import expect

    page.locator(f'header form[action="{reverse("logout")}"] button[type=submit]').click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url + reverse("login"))))


def seed_competence_areas():
    """The competence areas the migrations seed. A live-server test empties every table when
    it ends, so the browser tests that need this reference data put it back first."""
    import importlib

    from django.apps import apps

    from organisations.models import CompetenceArea

    importlib.import_module("organisations.migrations.0005_seed_competence_areas").seed(apps, None)
    return CompetenceArea.objects.all()


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploads go to a temporary folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT
