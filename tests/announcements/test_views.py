"""The announcement pages: who may open them (exact 403 and 404), the form, the dashboard's
buttons, the read counts and query counts that do not grow with the announcements."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from scheme.announcements import services
from scheme.announcements.models import Announcement
from tests import factories
from tests.announcements.conftest import announce
from tests.querycount import assert_same_query_count, count_queries

pytestmark = pytest.mark.django_db

MANAGE_PAGES = ["announcements:manage", "announcements:create"]
ONE_PAGES = ["announcements:edit"]
ONE_POSTS = ["announcements:pin", "announcements:withdraw"]


@pytest.fixture
def announcement(caseworker, scheme_year):
    return announce(caseworker, scheme_year, "participants", title_nb="Rapportfrist 23. januar")


@pytest.mark.parametrize("who", ["member", "mentor", "evaluator"])
def test_the_caseworker_pages_refuse_other_roles(client, request, who, announcement):
    client.force_login(request.getfixturevalue(who))
    for name in MANAGE_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    for name in ONE_PAGES:
        assert client.get(reverse(name, args=[announcement.pk])).status_code == 403, name
    for name in ONE_POSTS:
        assert client.post(reverse(name, args=[announcement.pk])).status_code == 403, name


def test_another_body_s_caseworker_gets_404_on_this_body_s_announcement(client, announcement):
    client.force_login(factories.caseworker())
    for name in ONE_PAGES:
        assert client.get(reverse(name, args=[announcement.pk])).status_code == 404, name
    for name in ONE_POSTS:
        assert client.post(reverse(name, args=[announcement.pk])).status_code == 404, name
    assert "Rapportfrist" not in client.get(reverse("announcements:manage")).content.decode()
    assert client.get(reverse("announcements:file", args=[announcement.pk])).status_code == 404


def test_outside_the_audience_nothing_is_read_or_dismissed(client, mentor, announcement):
    client.force_login(mentor)
    for name in ("announcements:read", "announcements:dismiss"):
        assert client.post(reverse(name, args=[announcement.pk])).status_code == 404
    assert "Rapportfrist" not in client.get(reverse("announcements:list")).content.decode()


def test_the_dashboard_shows_it_until_read_or_dismissed(client, caseworker, scheme_year, member):
    first = announce(caseworker, scheme_year, title_nb="Første")
    second = announce(caseworker, scheme_year, title_nb="Andre")
    client.force_login(member)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Første" in page and "Andre" in page and "Merk som lest" in page
    response = client.post(reverse("announcements:read", args=[first.pk]), {"next": "/dashboard/"})
    assert response.status_code == 302 and response.url == "/dashboard/"
    dismissed = client.post(reverse("announcements:dismiss", args=[second.pk]), HTTP_HX_REQUEST="1")
    assert dismissed.status_code == 200 and dismissed.content == b""  # htmx removes it
    assert "Første" not in client.get(reverse("dashboard")).content.decode()
    listed = client.get(reverse("announcements:list")).content.decode()
    assert "Første" in listed and "Andre" in listed  # the page keeps them all


def test_the_form_keeps_the_input_and_says_what_is_wrong(client, caseworker, scheme_year):
    client.force_login(caseworker)
    form = {
        "scheme_year": scheme_year.pk,
        "audience": "event",
        "title_nb": "Invitasjon til kurs",
        "body_nb": "x" * 801,
        "publish_at": "2030-01-01T09:00",
    }
    page = client.post(reverse("announcements:create"), form).content.decode()
    assert "Invitasjon til kurs" in page
    assert "Skriv høyst 800 tegn (nå 801)." in page
    assert not Announcement.objects.exists()


def test_a_caseworker_publishes_from_the_form(client, caseworker, scheme_year, member):
    client.force_login(caseworker)
    form = {
        "scheme_year": scheme_year.pk,
        "audience": "participants",
        "title_nb": "Husk rapporten",
        "body_nb": "Fristen er 23. januar.",
        "publish_at": "2020-01-01T09:00",
        "pinned": "on",
    }
    response = client.post(reverse("announcements:create"), form)
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.pinned and announcement.author == caseworker
    client.force_login(member)
    assert "Husk rapporten" in client.get(reverse("dashboard")).content.decode()


def test_the_list_says_how_many_of_the_people_it_was_sent_to_have_read_it(
    client, caseworker, scheme_year, member, other_member, announcement
):
    factories.member_of(member.memberships.get().organisation, is_active=False)
    client.force_login(caseworker)
    assert "ikke sendt ennå" in client.get(reverse("announcements:manage")).content.decode()
    services.announce_due()  # the worker tells the audience after the publication commits
    services.mark_read(member, announcement)
    services.mark_read(caseworker, announcement)  # not in the audience: does not count
    page = client.get(reverse("announcements:manage")).content.decode()
    assert "lest av 1 av 2" in page


def _publish_many(caseworker, scheme_year, count):
    for number in range(count):
        announce(caseworker, scheme_year, "everyone", title_nb=f"Kunngjøring {number}")


@pytest.mark.parametrize("url_name", ["dashboard", "announcements:list"])
def test_the_person_s_pages_take_the_same_queries_for_10_and_1000(
    client, caseworker, scheme_year, member, url_name
):
    _publish_many(caseworker, scheme_year, 10)
    client.force_login(member)
    url = reverse(url_name)
    client.get(url)
    small = count_queries(lambda: client.get(url))
    _publish_many(caseworker, scheme_year, 990)
    large = count_queries(lambda: client.get(url))
    assert_same_query_count(small, large)


def test_the_caseworker_s_list_takes_the_same_queries_for_10_and_1000(
    client, caseworker, scheme_year, member
):
    _publish_many(caseworker, scheme_year, 10)
    client.force_login(caseworker)
    url = reverse("announcements:manage")
    client.get(url)
    small = count_queries(lambda: client.get(url))
    _publish_many(caseworker, scheme_year, 990)
    large = count_queries(lambda: client.get(url))
    assert_same_query_count(small, large)


def test_a_file_goes_through_the_upload_checks_and_only_to_the_audience(
    client, caseworker, scheme_year, member, mentor, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(caseworker)
    form = {
        "scheme_year": scheme_year.pk,
        "audience": "participants",
        "title_nb": "Program for samlingen",
        "body_nb": "Programmet ligger ved.",
        "publish_at": "2020-01-01T09:00",
    }
    program = SimpleUploadedFile("program.pdf", b"MZ\x90\x00 not a pdf")
    page = client.post(reverse("announcements:create"), {**form, "upload": program})
    assert "ser ikke ut som en .pdf-fil" in page.content.decode()
    program = SimpleUploadedFile("program.pdf", b"%PDF-1.4 program")
    assert (
        client.post(reverse("announcements:create"), {**form, "upload": program}).status_code == 302
    )
    url = reverse("announcements:file", args=[Announcement.objects.get().pk])
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 program"
    client.force_login(mentor)
    assert client.get(url).status_code == 404


def test_a_scheduled_announcement_is_changed_on_its_page_and_a_published_one_is_not(
    client, caseworker, scheme_year, announcement
):
    later = timezone.now() + datetime.timedelta(days=3)
    scheduled = announce(caseworker, scheme_year, publish_at=later, title_nb="Utkast")
    client.force_login(caseworker)
    url = reverse("announcements:edit", args=[scheduled.pk])
    page = client.get(url).content.decode()
    assert "Utkast" in page
    form = {
        "audience": "mentors",
        "title_nb": "Mentorsamling",
        "body_nb": "Nytt tidspunkt.",
        "publish_at": timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post(url, form).status_code == 302
    scheduled.refresh_from_db()
    assert (scheduled.title_nb, scheduled.audience) == ("Mentorsamling", "mentors")
    response = client.get(reverse("announcements:edit", args=[announcement.pk]), follow=True)
    assert "En publisert kunngjøring kan ikke endres" in response.content.decode()
