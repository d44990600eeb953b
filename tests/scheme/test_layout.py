"""Every page's layout (scheme/layout.py): the menus each role gets, the current page, unread
counts, messages, the language switch and the footer."""

import re

import pytest
from django.contrib import messages
from django.shortcuts import render
from django.test import Client
from django.urls import path, reverse

from scheme.notifications import notify
from scheme.urls import urlpatterns as portal_urls


def _menu(html: str, menu_id: str) -> list[tuple[str, str]]:
    """The (address, label) of each link in one of the header's lists."""
    part = html.split(menu_id, 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<a class="nav-link" href="([^"]+)"[^>]*>([^<]+)', part)
    return [(href, label.strip()) for href, label in links]


def _main_menu(client) -> list[tuple[str, str]]:
    return _menu(client.get(reverse("notifications")).text, 'class="navbar-nav me-auto"')


CASEWORKER = [
    ("/dashboard/", "Oversikt"),
    ("/grants/review/", "Søknader"),
    ("/grants/calls/", "Utlysninger"),
    ("/organisations/", "Organisasjoner"),
    ("/mentoring/overview/", "Mentorordning"),
    ("/courses/", "Kurs og samlinger"),
    ("/reports/", "Rapporter"),
    ("/notifications/", "Varsler"),
]


@pytest.mark.parametrize(
    "role, expected",
    [
        ("caseworker", CASEWORKER),
        (
            "member",
            [
                ("/dashboard/", "Oversikt"),
                ("/grants/", "Tilskudd"),
                ("/mentoring/", "Mentorordning"),
                ("/courses/", "Kurs og samlinger"),
                ("/reports/", "Rapporter"),
                ("/notifications/", "Varsler"),
            ],
        ),
        (
            "mentor",
            [
                ("/dashboard/", "Oversikt"),
                ("/mentoring/", "Mentorordning"),
                ("/courses/", "Kurs og samlinger"),
                ("/notifications/", "Varsler"),
            ],
        ),
        (
            "evaluator",
            [
                ("/dashboard/", "Oversikt"),
                ("/courses/forms/", "Tilbakemeldingsskjemaer"),
                ("/reports/", "Rapporter"),
                ("/notifications/", "Varsler"),
            ],
        ),
    ],
)
def test_each_role_gets_its_own_main_menu(request, client, role, expected):
    client.force_login(request.getfixturevalue(role))
    assert _main_menu(client) == expected


def test_the_account_menu_and_only_an_admin_sees_the_admin_link(client, member, admin_user):
    client.force_login(member)
    account = _menu(client.get(reverse("notifications")).text, "portal-account-menu")
    assert account == [
        ("/account/", "Kontoen din"),
        ("/meldinger/", "Mine meldinger"),
        ("/announcements/", "Kunngjøringer"),
        ("/schemes/", "Ordninger"),
    ]
    client.force_login(admin_user)
    account = _menu(client.get(reverse("notifications")).text, "portal-account-menu")
    assert account[-1] == ("/admin/", "Administrasjon")


def test_the_current_page_is_marked_for_screen_readers(client, caseworker):
    client.force_login(caseworker)
    html = client.get(reverse("notifications")).text
    assert html.count('aria-current="page"') == 1
    assert '<a class="nav-link" href="/notifications/" aria-current="page">Varsler' in html
    # Both mentoring pages mark the one mentoring link.
    html = client.get(reverse("mentoring:overview")).text
    assert 'href="/mentoring/overview/" aria-current="page">Mentorordning' in html


def test_unread_notifications_are_counted_on_the_menu_button_and_link(client, member):
    notify([member], "Hei", "Brødtekst")
    notify([member], "Hei igjen", "Brødtekst")
    client.force_login(member)
    html = client.get(reverse("dashboard")).text
    count = '<span class="badge text-bg-primary">2<span class="visually-hidden"> uleste</span>'
    assert f"Meny {count}" in html
    assert f"Varsler {count}" in html


def test_a_signed_in_person_gets_a_logout_form_with_a_token_and_their_name(client, member):
    client.force_login(member)
    html = client.get(reverse("dashboard")).text
    assert f'<summary class="nav-link">{member.full_name}</summary>' in html
    logout = html.split('action="/account/logout/"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrfmiddlewaretoken" value="' in logout


def test_a_visitor_gets_the_name_and_the_language_switch_only(db):
    html = Client().get(reverse("landing")).text
    assert 'id="portal-menu"' not in html
    assert '<input type="hidden" name="next" value="/">' in html
    assert 'name="language" value="en"' in html


def _with_message(request):
    messages.error(request, "Noe <gikk> galt")
    messages.success(request, "Lagret")
    return render(request, "base.html")


def _without_message(request):
    return render(request, "base.html")


urlpatterns = [
    path("with-message/", _with_message),
    path("without-message/", _without_message),
    *portal_urls,
]


@pytest.mark.urls(__name__)
def test_messages_are_shown_escaped_once_with_their_kind(client, member):
    client.force_login(member)
    html = client.get("/with-message/").text
    assert '<div class="messages" role="status" aria-live="polite">' in html
    assert '<div class="alert alert-danger">Noe &lt;gikk&gt; galt</div>' in html
    assert '<div class="alert alert-success">Lagret</div>' in html
    assert 'class="messages"' not in client.get("/without-message/").text


def test_the_footer_follows_the_language_and_the_contact_address(db, client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "post@example.org"
    html = client.get(reverse("landing")).text
    assert '<a href="mailto:post@example.org">post@example.org</a>' in html
    assert "Personvernerklæring" in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("landing")).text
    assert "Privacy statement" in html
    assert "Personvernerklæring" not in html
