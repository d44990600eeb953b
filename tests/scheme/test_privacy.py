"""The privacy and accessibility statements: open without login from every page's footer, in
Norwegian and English, read nothing from the database, and show the retention table the
daily task applies."""

import pytest
from django.urls import reverse
from django.utils import translation

from scheme.retention import RULES
from tests import factories

PAGES = ["privacy", "accessibility"]


@pytest.mark.parametrize("page", PAGES)
def test_a_statement_opens_without_login_and_without_queries(
    client, db, page, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(reverse(page))
    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"max-age=3600", "private"}
    assert "Cookie" in response["Vary"]


@pytest.mark.parametrize("url_name", ["landing", "login", "dashboard", "account"])
def test_every_page_links_to_both_statements_in_its_footer(client, db, url_name):
    client.force_login(factories.UserFactory())
    if url_name in ("landing", "login"):
        client.logout()
    response = client.get(reverse(url_name), follow=True)
    footer = response.text.split('<footer class="portal-footer">', 1)[1]
    assert f'href="{reverse("privacy")}"' in footer
    assert f'href="{reverse("accessibility")}"' in footer


def test_the_privacy_statement_renders_the_retention_table(client, db):
    with translation.override("en"):
        page = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en").text
        for rule in RULES:
            assert str(rule.what) in page
            assert rule.how_long in page
    assert "90 days after the attempt" in page
    assert "30 days after the report was made" in page
    assert "As long as the archive rules require" in page


def test_the_privacy_statement_names_the_legal_basis_rights_and_contacts(client, db, settings):
    settings.PRIVACY_DPO_EMAIL = "personvern@body.example"
    settings.PRIVACY_PROCESSORS = ["Driftsleverandør AS"]
    page = client.get(reverse("privacy"), HTTP_ACCEPT_LANGUAGE="en").text
    for words in (
        "6(1)(e)",
        "6(1)(c)",
        "forvaltningsloven",
        "arkivlova",
        "reglement for økonomistyring i staten",
        "Datatilsynet",
        'href="mailto:personvern@body.example"',
        "Driftsleverandør AS",
        f'href="{reverse("my_data")}"',
        "Evaluators",
    ):
        assert words in page, words


def test_the_accessibility_statement_says_what_is_tested_and_how_to_complain(client, db, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "uu@body.example"
    page = client.get(reverse("accessibility"), HTTP_ACCEPT_LANGUAGE="en").text
    for words in (
        "WCAG 2.1",
        "axe-core",
        "keyboard",
        "contrast",
        "Known limitations",
        "screen readers",
        'href="mailto:uu@body.example"',
        "https://www.uutilsynet.no/",
        "Last reviewed on",
    ):
        assert words in page, words


@pytest.mark.parametrize(
    "page, norwegian",
    [
        ("privacy", ["Personvernerklæring", "Behandlingsgrunnlag", "90 dager etter forsøket"]),
        (
            "accessibility",
            ["Tilgjengelighetserklæring", "Kjente mangler", "Meld fra om et problem"],
        ),
    ],
)
def test_the_statements_are_in_norwegian_by_default(client, db, page, norwegian):
    text = client.get(reverse(page)).text
    for words in norwegian:
        assert words in text, words
