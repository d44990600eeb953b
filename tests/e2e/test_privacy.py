"""The statements from the footer, a person's own data and deactivating an account, in a real
browser with axe on every page. Selectors use URLs and names, not visible text."""

import zipfile

from django.urls import reverse
from playwright.sync_api import expect

from scheme.models import User
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, url_of


def test_the_statements_open_from_the_footer_without_login(page, live_server):
    page.goto(live_server.url + reverse("landing"))
    for name in ("privacy", "accessibility"):
        page.locator(f'footer a[href="{reverse(name)}"]').click()
        expect(page).to_have_url(url_of(live_server, reverse(name)))
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)


def test_a_leader_downloads_their_data_and_deactivates_the_account(
    page, live_server, private_media, tmp_path
):
    organisation = factories.OrganisationFactory(kind="participant", name="Organisasjon A")
    leader = factories.member_of(organisation)
    log_in(page, live_server, leader)

    page.goto(live_server.url + reverse("account"))
    page.locator(f'main a[href="{reverse("my_data")}"]').click()
    expect(page).to_have_url(url_of(live_server, reverse("my_data")))
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator(f'form[action="{reverse("my_data_download")}"] button').click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("personal-data-") and saved.suffix == ".zip"
    assert "data.json" in zipfile.ZipFile(saved).namelist()

    export = reverse("organisations:export", args=[organisation.pk])
    page.locator(f'main a[href="{export}"]').click()
    expect(page).to_have_url(url_of(live_server, export))
    assert_accessible(page)

    page.goto(live_server.url + reverse("deactivate_account"))
    assert_accessible(page)
    page.fill("#id_password", factories.PASSWORD)
    page.check("#id_leaving_leaderless")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(url_of(live_server, reverse("landing")))
    assert_accessible(page)
    assert not User.objects.get(pk=leader.pk).is_active
