"""A person's own data, an organisation's data, and deactivating an account.

The state is made through the services, as users make it: two participant organisations (A
and B) apply to the same call with attachments, share a group mentoring pairing in which each
logs a meeting with notes for those in the meeting only, and A's leader registers for a
gathering and answers a feedback form. The exports are unzipped and read back.
"""

import datetime
import io
import json
import zipfile
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services as courses
from grants import services as grants
from mentoring import services as mentoring
from organisations.models import Grantor, Membership, PreviousApplication
from scheme.audit import timeline
from scheme.models import Notification, User
from scheme.personal_data import deactivate_account, export_person
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import PDF, complete_application
from tests.mentoring.conftest import meet

NOTES_A = "Notater fra møtet med A"
NOTES_B = "Fortrolige notater fra møtet med B"
ANSWER_A = "Samlingene var nyttige for oss."
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _eligible(name):
    organisation = factories.OrganisationFactory(
        name=name, founded=TODAY - datetime.timedelta(days=700), in_voluntary_register=True
    )
    PreviousApplication.objects.create(
        organisation=organisation, year=TODAY.year - 1, grantor=Grantor.MUNICIPALITY
    )
    return organisation


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    year = factories.SchemeYearFactory(year=TODAY.year)
    caseworker = factories.caseworker(year.scheme.administrator)
    org_a, org_b = _eligible("Organisasjon A"), _eligible("Organisasjon B")
    leader_a = factories.member_of(org_a, email="leder@a.example")
    plain_a = factories.member_of(org_a, role="member", email="medlem@a.example")
    leader_b = factories.member_of(org_b, email="leder@b.example")
    with django_capture_on_commit_callbacks(execute=True):
        call = grants.save_round(
            caseworker,
            scheme_year=year,
            title="Søknadsrunde",
            kind="closed",
            opens_on=TODAY - datetime.timedelta(days=10),
            closes_on=TODAY + datetime.timedelta(days=20),
            guidance="Søk om driftsmidler.",
        )
        grants.invite(caseworker, call, [org_a, org_b])
        application_a = grants.submit_application(
            leader_a, complete_application(leader_a, call, org_a)
        )
        grants.submit_application(leader_b, complete_application(leader_b, call, org_b))

        mentor_org = factories.OrganisationFactory(kind="mentor", name="Mentor AS")
        mentor = factories.member_of(mentor_org, role="contact", email="mentor@m.example")
        mentoring.save_offer(caseworker, mentor_org, capacity=4)
        pairing = mentoring.create_pairing(
            caseworker,
            year.scheme,
            mentor_org,
            [org_a, org_b],
            starts_on=TODAY - datetime.timedelta(days=30),
        )
        meet(leader_a, pairing, notes=NOTES_A, participants=[org_a])
        meet(leader_b, pairing, notes=NOTES_B, participants=[org_b])

        starts = timezone.now() + datetime.timedelta(days=21)
        gathering = courses.save_event(
            caseworker,
            scheme_year=year,
            kind="gathering",
            audience="participants",
            title="Fellessamling i Oslo",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=7),
            place="Oslo",
            registration_deadline=TODAY + datetime.timedelta(days=14),
        )
        courses.register(leader_a, gathering, org_a, person_name="Leder A", person=leader_a)
        form = courses.save_form(
            caseworker, year.scheme, title="Avslutning", questions=[("text", "Si noe", [], False)]
        )
        courses.answer_form(leader_a, form, org_a, {form.questions.get().pk: ANSWER_A})
    return SimpleNamespace(**locals())


def unzip(content: bytes):
    archive = zipfile.ZipFile(io.BytesIO(content))
    return json.loads(archive.read("data.json")), archive


def downloaded(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return unzip(b"".join(response.streaming_content))


# --- a person's own data ----------------------------------------------------------------------


def test_a_person_downloads_their_own_data_with_their_files(client, world):
    client.force_login(world.leader_a)
    assert client.get(reverse("my_data")).status_code == 200
    data, archive = downloaded(client.post(reverse("my_data_download")))
    raw = archive.read("data.json").decode()

    assert data["person"]["email"] == "leder@a.example"
    account = data["account"]
    assert account["profile"]["full_name"] == world.leader_a.full_name
    assert {n["subject"] for n in account["notifications"]} >= {"Application received"}
    assert "submitted the application" in [event["what"] for event in account["timeline"]]
    assert [m["organisation__name"] for m in data["organisations"]["memberships"]] == [
        "Organisasjon A"
    ]

    [application] = data["grants"]["applications_sent"]
    assert application["organisation"] == "Organisasjon A"
    assert application["planned_activities"] == "Leksehjelp og språkkafé hver uke."
    uploaded = data["grants"]["files_uploaded"]
    assert sorted(a["file_name"] for a in uploaded) == ["regnskap.pdf", "vedtekter.pdf"]
    for attachment in uploaded:
        assert archive.read(attachment["file"]) == PDF

    [logged] = data["mentoring"]["meetings_logged"]
    assert logged["notes"] == NOTES_A  # the notes of a meeting they logged themselves
    assert logged["organisations_that_took_part"] == ["Organisasjon A"]
    [registration] = data["courses"]["registrations"]
    assert (registration["event"], registration["for_you"]) == ("Fellessamling i Oslo", True)
    [response] = data["courses"]["feedback_answers"]
    assert response["answers"][0]["text"] == ANSWER_A

    # Nothing of B's: not its notes, its files or its people (A's notifications name B).
    for other in (NOTES_B, "leder@b.example"):
        assert other not in raw, other
    assert len([name for name in archive.namelist() if name.startswith("files/")]) == 2
    assert data["missing_files"] == []
    assert timeline(world.leader_a)[0].verb == "account.data_exported"


def test_another_person_gets_none_of_it(world):
    data, archive = unzip(export_person(world.plain_a).read())
    raw = archive.read("data.json").decode()
    assert data["grants"]["applications_sent"] == []
    assert data["mentoring"]["meetings_logged"] == []
    assert data["courses"]["feedback_answers"] == []
    for other in (NOTES_A, NOTES_B, ANSWER_A, "leder@a.example"):
        assert other not in raw, other
    assert [name for name in archive.namelist() if name.startswith("files/")] == []


def test_the_download_needs_a_post_and_a_login(client, world):
    assert client.post(reverse("my_data_download")).status_code == 302  # to the login page
    client.force_login(world.leader_a)
    assert client.get(reverse("my_data_download")).status_code == 405


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_the_person_export_reads_the_same_number_of_queries_for_more_rows(world):
    before = _queries(lambda: export_person(world.leader_a))
    for day in range(1, 4):
        meet(world.leader_a, world.pairing, held_on=TODAY - datetime.timedelta(days=day))
    assert Notification.objects.filter(recipient=world.leader_a).count() > 1
    assert _queries(lambda: export_person(world.leader_a)) == before


# --- an organisation's data -------------------------------------------------------------------


def _export_url(world):
    return reverse("organisations:export", args=[world.org_a.pk])


def test_a_leader_exports_the_organisation_without_other_organisations_notes(client, world):
    client.force_login(world.leader_a)
    assert client.get(_export_url(world)).status_code == 200
    data, archive = downloaded(client.post(_export_url(world)))
    raw = archive.read("data.json").decode()

    assert data["organisation"]["name"] == "Organisasjon A"
    assert data["organisations"]["profile"]["org_number"] == world.org_a.org_number
    assert sorted(p["user__email"] for p in data["organisations"]["people"]) == [
        "leder@a.example",
        "medlem@a.example",
    ]
    [application] = data["grants"]["applications"]
    assert application["id"] == world.application_a.pk
    for attachment in application["attachments"]:
        assert archive.read(attachment["file"]) == PDF

    [pairing] = data["mentoring"]["pairings"]
    assert pairing["participants"] == ["Organisasjon A", "Organisasjon B"]
    ours, theirs = sorted(pairing["meetings"], key=lambda m: m["logged_by_organisation"])
    assert ours["notes"] == NOTES_A
    assert "notes" not in theirs  # B's meeting was held, its notes are B's and the mentor's
    assert theirs["summary"]
    [registration] = data["courses"]["registrations"]
    assert registration["person"] == "Leder A"

    for other in (NOTES_B, "leder@b.example", ANSWER_A):
        assert other not in raw, other
    assert timeline(world.org_a)[0].verb == "organisation.exported"


def test_a_member_who_is_not_a_leader_is_refused(client, world):
    client.force_login(world.plain_a)
    assert client.get(_export_url(world)).status_code == 403
    assert client.post(_export_url(world)).status_code == 403


def test_another_organisations_leader_does_not_find_it(client, world):
    client.force_login(world.leader_b)
    assert client.get(_export_url(world)).status_code == 404
    assert client.post(_export_url(world)).status_code == 404


def test_a_caseworker_exports_what_their_body_handles(client, world):
    client.force_login(world.caseworker)
    data, _archive = downloaded(client.post(_export_url(world)))
    assert [a["id"] for a in data["grants"]["applications"]] == [world.application_a.pk]
    [pairing] = data["mentoring"]["pairings"]
    assert all("notes" not in meeting for meeting in pairing["meetings"])  # "pair only"

    foreign = factories.caseworker()
    client.force_login(foreign)
    data, _archive = downloaded(client.post(_export_url(world)))
    assert data["grants"]["applications"] == []  # another body's cases
    assert data["mentoring"]["pairings"] == []
    assert data["organisations"]["profile"]["name"] == "Organisasjon A"


def test_the_organisation_export_reads_the_same_number_of_queries_for_more_rows(world):
    from organisations.export import export_organisation

    before = _queries(lambda: export_organisation(world.leader_a, world.org_a))
    for day in range(1, 4):
        meet(world.leader_b, world.pairing, held_on=TODAY - datetime.timedelta(days=day))
        meet(world.leader_a, world.pairing, held_on=TODAY - datetime.timedelta(days=day))
    assert _queries(lambda: export_organisation(world.leader_a, world.org_a)) == before


# --- deactivating an account ------------------------------------------------------------------


def _deactivate(client, **data):
    return client.post(reverse("deactivate_account"), data)


def test_a_wrong_password_deactivates_nothing(client, world):
    client.force_login(world.plain_a)
    response = _deactivate(client, password="wrong")
    assert response.status_code == 200
    assert "The password is wrong." in response.text
    world.plain_a.refresh_from_db()
    assert world.plain_a.is_active
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_person_deactivates_their_account(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.plain_a)
    assert client.get(reverse("deactivate_account")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _deactivate(client, password=factories.PASSWORD)
    assert response.url == reverse("landing")

    world.plain_a.refresh_from_db()
    assert not world.plain_a.is_active
    assert client.get(reverse("dashboard")).url.startswith(reverse("login"))  # logged out
    assert Membership.objects.filter(user=world.plain_a, organisation=world.org_a).exists()
    assert timeline(world.plain_a)[0].verb == "account.deactivated"
    assert timeline(world.org_a)[0].verb == "organisation.member_deactivated"
    assert [message.subject for message in mail.outbox][-1] == "Your account is deactivated"
    login = {"username": world.plain_a.email, "password": factories.PASSWORD}
    assert client.post(reverse("login"), login).status_code == 200  # the form again
    assert "_auth_user_id" not in client.session


def test_an_account_made_through_idporten_deactivates_from_an_idporten_login(client, world):
    """Such an account has no password: the ID-porten login of the session is the proof."""
    from scheme.signin import idporten

    person = world.plain_a
    person.set_unusable_password()
    person.save()
    client.force_login(person)
    page = client.get(reverse("deactivate_account")).text
    assert 'name="password"' not in page and 'name="confirm"' in page
    refused = _deactivate(client, confirm="on")  # a session that did not come from ID-porten
    assert "Log in with ID-porten" in refused.text
    person.refresh_from_db()
    assert person.is_active
    session = client.session
    session[idporten.SESSION_KEY] = {"level": "idporten-loa-substantial", "id_token": ""}
    session.save()
    assert _deactivate(client).status_code == 200  # the tick is required
    assert _deactivate(client, confirm="on").url == reverse("landing")
    person.refresh_from_db()
    assert not person.is_active


def test_the_last_leader_is_told_what_leaving_means_and_must_confirm(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.leader_a)
    page = client.get(reverse("deactivate_account")).text
    assert "You are the only leader of:" in page
    assert "Organisasjon A" in page

    response = _deactivate(client, password=factories.PASSWORD)
    assert "Tick the box to confirm" in response.text
    world.leader_a.refresh_from_db()
    assert world.leader_a.is_active

    with django_capture_on_commit_callbacks(execute=True):
        _deactivate(client, password=factories.PASSWORD, leaving_leaderless="on")
    world.leader_a.refresh_from_db()
    assert not world.leader_a.is_active
    [told] = Notification.objects.filter(recipient=world.plain_a, subject__contains="no leader")
    assert told.subject == "Organisasjon A has no leader in the portal now"
    assert "no active leader" in timeline(world.org_a)[0].detail


def test_with_another_active_leader_no_confirmation_is_needed(client, world):
    Membership.objects.filter(user=world.plain_a).update(role="leader")
    client.force_login(world.leader_a)
    assert "You are the only leader" not in client.get(reverse("deactivate_account")).text
    _deactivate(client, password=factories.PASSWORD)
    assert not User.objects.get(pk=world.leader_a.pk).is_active


def test_two_leaders_leaving_at_once_cannot_both_leave_the_organisation_unwarned(
    postgres, transactional_db
):
    """Each sees the other as the leader who stays unless the leaders are locked: then both
    would leave, and nobody would have been told the organisation is left without a leader."""
    organisation = factories.OrganisationFactory()
    leaders = [factories.member_of(organisation) for _ in range(2)]
    made, errors, crashes = at_once(
        [
            lambda leader=leader: deactivate_account(leader, password=factories.PASSWORD)
            for leader in leaders
        ],
        describe=lambda error: ", ".join(error.message_dict),  # the field the refusal is on
    )
    assert crashes == []
    assert len(made) == 1
    assert errors == ["leaving_leaderless"]
    assert User.objects.filter(pk__in=[u.pk for u in leaders], is_active=True).count() == 1
