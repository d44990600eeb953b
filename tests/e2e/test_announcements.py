"""A caseworker posts an announcement to the mentors and a mentor sees it on the dashboard,
reads it and it leaves the panel (at once with htmx, and for good); axe on every page."""

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, log_out, url_of


def test_a_caseworker_posts_and_a_mentor_sees_it_on_the_dashboard(page, live_server):
    scheme_year = factories.SchemeYearFactory(year=timezone.localdate().year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    mentor_organisation = factories.OrganisationFactory(kind="mentor", name="Mentorhuset")
    factories.taking_part(scheme_year, mentor_organisation)
    mentor = factories.member_of(mentor_organisation)

    log_in(page, live_server, caseworker)
    page.goto(live_server.url + reverse("announcements:create"))
    assert_accessible(page)
    page.select_option("#id_scheme_year", str(scheme_year.pk))
    page.check("input[name=audience][value=mentors]")
    page.fill("#id_title_nb", "Mentorsamling 14. mars")
    page.fill("#id_body_nb", "Vi møtes på Grønland kl. 17. Meld dere på innen 1. mars.")
    page.fill("#id_title_en", "Mentor gathering 14 March")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(url_of(live_server, reverse("announcements:manage")))
    expect(page.locator("main table")).to_contain_text("Mentorsamling 14. mars")
    assert_accessible(page)
    log_out(page, live_server)

    log_in(page, live_server, mentor)
    panel = page.locator("#panel-announcements").locator("xpath=ancestor::section")
    expect(panel).to_contain_text("Mentorsamling 14. mars")
    expect(panel).to_contain_text("Grønland kl. 17")
    panel.locator("form[action$='/read/'] button").click()  # htmx: it leaves the panel
    expect(panel).not_to_contain_text("Mentorsamling 14. mars")
    page.reload()
    expect(page.locator("#panel-announcements")).to_have_count(0)
    page.goto(live_server.url + reverse("announcements:list"))
    expect(page.locator("main")).to_contain_text("Mentorsamling 14. mars")
    assert_accessible(page)
