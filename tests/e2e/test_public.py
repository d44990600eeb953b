"""A visitor who has not logged in, in a real browser: reads the open call from the landing
page, the scheme's page, the list of awarded grants, downloads it as CSV and reads it all in
English too. axe checks every page. Selectors use addresses and names, not visible text,
except for the few English words the test reads after switching language."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from grants import services
from scheme.models import AwardCondition, Goal
from tests import factories
from tests.e2e.conftest import assert_accessible, url_of


def _setup():
    """This year's scheme with a goal and a condition, an open call made by its caseworker,
    and last year's award to an organisation."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    scheme = scheme_year.scheme
    Goal.objects.create(scheme=scheme, number=1, text_nb="Sterkere styre", text_en="Goal 1")
    AwardCondition.objects.create(
        scheme=scheme, position=1, code="report", text_nb="Rapporter i tide", text_en="Report"
    )
    caseworker = factories.caseworker(scheme.administrator)
    call = services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Driftstilskudd for frivillige organisasjoner",
        kind="open",
        opens_on=today - datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=30),
        guidance="Søk om driftstilskudd for neste år.",
    )
    last_year = factories.SchemeYearFactory(scheme=scheme, year=today.year - 1)
    organisation = factories.OrganisationFactory(name="Grønland foreldrenettverk")
    factories.awarded(last_year, organisation, amount=Decimal("95000"))
    return call, organisation


def test_a_visitor_reads_an_open_call_and_the_awarded_grants(page, live_server):
    call, organisation = _setup()
    scheme = call.scheme_year.scheme

    page.goto(live_server.url + reverse("landing"))
    assert_accessible(page)
    call_url = reverse("grants:public_call", args=[call.pk])
    page.locator(f'main a[href="{call_url}"]').click()
    expect(page).to_have_url(url_of(live_server, call_url))
    expect(page.locator("h1")).to_have_text(call.title)
    expect(page.locator("main")).to_contain_text("Søk om driftstilskudd for neste år.")
    expect(page.locator("main")).to_contain_text(call.closes_on.strftime("%d.%m.%Y"))
    assert_accessible(page)

    scheme_url = reverse("scheme_public", args=[scheme.slug])
    page.locator(f'main a[href="{scheme_url}"]').click()
    expect(page).to_have_url(url_of(live_server, scheme_url))
    expect(page.locator("main")).to_contain_text("Sterkere styre")
    assert_accessible(page)

    awarded = reverse("grants:awarded")
    page.locator(f'footer a[href="{awarded}"]').click()
    expect(page).to_have_url(url_of(live_server, awarded))
    expect(page.locator("main table")).to_contain_text(organisation.name)
    assert_accessible(page)

    csv_url = reverse("grants:awarded_csv")
    with page.expect_download() as download:
        page.locator(f'main a[href="{csv_url}"]').click()
    assert download.value.suggested_filename == "tildelte-tilskudd.csv"  # in the reader's language
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    assert "Grønland foreldrenettverk" in content.decode("utf-8-sig")
    response = page.request.get(live_server.url + csv_url)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"

    page.locator('header button[name="language"][value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(url_of(live_server, awarded))
    expect(page.locator("h1")).to_have_text("Awarded grants")
    assert_accessible(page)
    page.goto(live_server.url + reverse("landing"))
    expect(page.locator("main")).to_contain_text("How to apply")
    expect(page.locator("main")).to_contain_text("Open now.")
    assert_accessible(page)
