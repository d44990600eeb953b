"""An organisation member logs in and keeps their profile up to date, in a real browser.

Selectors use URLs, ids and names rather than visible text, so the test passes whether or not
the Norwegian translations are compiled.
"""

import re

from django.urls import reverse
from playwright.sync_api import expect

from organisations.models import Organisation
from tests import factories
from tests.e2e.conftest import assert_accessible

NEW_DESCRIPTION = "Vi driver leksehjelp og norsktrening for nyankomne familier på Grønland."


def _url(live_server, path):
    """The page at ``path``; a fragment the browser keeps across a redirect is fine."""
    return re.compile(re.escape(live_server.url + path) + r"(#.*)?$")


def _log_in(page, live_server, user):
    page.goto(live_server.url + reverse("login"))
    assert_accessible(page)
    page.fill("#id_username", user.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_member_edits_the_profile(page, live_server):
    organisation = factories.OrganisationFactory(kind="participant", description="")
    member = factories.member_of(organisation)
    chosen, other = factories.TargetGroupFactory(), factories.TargetGroupFactory()
    profile_path = reverse("organisations:detail", args=[organisation.pk])
    edit_path = reverse("organisations:edit", args=[organisation.pk])

    _log_in(page, live_server, member)
    expect(page).to_have_url(_url(live_server, reverse("dashboard")))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    assert_accessible(page)

    # The first Tab reaches the skip link, which shows itself and moves focus to the content.
    skip_link = page.locator("a.skip-link")
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    page.locator(f'main a[href="{profile_path}"]').first.click()
    expect(page).to_have_url(_url(live_server, profile_path))
    expect(page.locator("h1")).to_have_text(organisation.name)
    assert_accessible(page)

    page.locator(f'main a[href="{edit_path}"]').first.click()
    expect(page).to_have_url(_url(live_server, edit_path))
    assert_accessible(page)

    # First attempt: a postal code with two digits. The form comes back with the error and
    # everything typed so far.
    page.fill("#id_description", NEW_DESCRIPTION)
    target_group = page.locator(f'input[name="target_groups"][value="{chosen.pk}"]')
    target_group.focus()
    page.keyboard.press("Space")
    expect(target_group).to_be_checked()
    page.fill("#id_postal_code", "12")
    save = page.locator("main form button[type=submit]:not([name])")
    save.click()

    expect(page).to_have_url(_url(live_server, edit_path))
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_postal_code")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_postal_code")).to_have_value("12")
    expect(page.locator("#id_description")).to_have_value(NEW_DESCRIPTION)
    expect(target_group).to_be_checked()
    expect(page.locator(f'input[name="target_groups"][value="{other.pk}"]')).not_to_be_checked()
    assert_accessible(page)
    organisation.refresh_from_db()
    assert organisation.description == ""

    # The error summary's link takes a keyboard user to the field in question.
    page.locator('#error-summary a[href="#id_postal_code"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_postal_code")).to_be_focused()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("0188")
    page.fill("#id_postal_place", "Oslo")
    save.click()

    expect(page).to_have_url(_url(live_server, profile_path))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(NEW_DESCRIPTION)
    expect(page.locator("main dl")).to_contain_text(chosen.name_nb)
    expect(page.locator("main dl")).not_to_contain_text(other.name_nb)
    expect(page.locator("main dd", has_text="0188")).to_have_text("0188 Oslo")
    assert_accessible(page)

    saved = Organisation.objects.get(pk=organisation.pk)
    assert saved.description == NEW_DESCRIPTION
    assert (saved.postal_code, saved.postal_place) == ("0188", "Oslo")
    assert list(saved.target_groups.all()) == [chosen]
