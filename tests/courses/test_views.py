"""The courses pages through the test client: each page and action with valid and invalid input,
the audience rule, what one organisation may never see of another's, the evaluators' view of
feedback, the calendar feed, and query counts that stay the same as the data grows."""

import datetime

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import (
    AnnualPlan,
    CalendarFeed,
    Event,
    FeedbackForm,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
    Registration,
    Response,
)
from organisations.models import CompetenceArea, Membership
from scheme.web import PAGE_SIZE
from tests import factories

PDF = b"%PDF-1.4\n%course slides\n"
EVENTS = reverse("courses:events")


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    """The pages in English, the language of the source strings; uploads in a folder of its own."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = str(tmp_path / "media")


def pdf(name="slides.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def in_days(days, hour=18):
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def make_event(caseworker, scheme_year, *, days=10, audience="both", kind="course", **fields):
    starts = in_days(days)
    values = {
        "scheme_year": scheme_year,
        "kind": kind,
        "audience": audience,
        "title": f"Kurs om styrearbeid {days}",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=2),
        "is_digital": True,
        "meeting_link": "https://teams.example/møte",
        "registration_deadline": (starts - datetime.timedelta(days=2)).date(),
    }
    values.update(fields)
    return services.save_event(caseworker, **values)


def move_to_past(caseworker, event, days_ago=3):
    """Registrations are made while open; then the event is moved to have happened."""
    starts = in_days(-days_ago, hour=10)
    return services.save_event(
        caseworker,
        event,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        registration_deadline=(starts - datetime.timedelta(days=5)).date(),
    )


def content(response):
    return response.content.decode()


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.fixture
def mentor_org(mentor):
    return mentor.memberships.get().organisation


@pytest.fixture
def for_mentors(caseworker, scheme_year):
    return make_event(caseworker, scheme_year, days=12, audience="mentors", title="Mentormøte")


# --- the events list --------------------------------------------------------------------------


def test_the_list_shows_events_by_audience_with_the_own_registrations(
    client,
    caseworker,
    scheme_year,
    gathering,
    member,
    participant,
    other_member,
    other_participant,
    for_mentors,
):
    services.register(member, gathering, participant, person_name="Kari Nordmann")
    services.register(other_member, gathering, other_participant, person_name="Hemmelig Navn")
    client.force_login(member)
    response = client.get(EVENTS)
    page = content(response)
    assert gathering.title in page
    assert "Mentormøte" not in page
    assert "Kari Nordmann" in page
    assert "Hemmelig Navn" not in page
    assert "New event" not in page


def test_a_mentor_sees_the_mentor_events_only(client, mentor, gathering, for_mentors):
    client.force_login(mentor)
    page = content(client.get(EVENTS))
    assert "Mentormøte" in page
    assert gathering.title not in page


def test_the_caseworker_sees_every_event_with_counts_and_a_new_button(
    client, caseworker, gathering, for_mentors, member, participant
):
    services.register(member, gathering, participant, person_name="Kari")
    client.force_login(caseworker)
    response = client.get(EVENTS)
    page = content(response)
    assert gathering.title in page and "Mentormøte" in page
    assert reverse("courses:event_create") in page
    [listed] = [e for e in response.context["upcoming"] if e.pk == gathering.pk]
    assert listed.registered == 1


def test_the_list_filters_by_kind_and_year_and_splits_upcoming_from_past(
    client, caseworker, scheme_year, gathering, member
):
    course = make_event(caseworker, scheme_year, days=5, audience="participants")
    move_to_past(caseworker, course)
    old_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year - 1)
    factories.taking_part(old_year, member.memberships.get().organisation)
    old = make_event(caseworker, old_year, days=3, title="I fjor")
    client.force_login(member)
    response = client.get(EVENTS)
    assert [e.pk for e in response.context["upcoming"]] == [old.pk, gathering.pk]
    assert [e.pk for e in response.context["past"]] == [course.pk]
    response = client.get(EVENTS, {"kind": "gathering"})
    assert [e.pk for e in response.context["page"]] == [gathering.pk]
    response = client.get(EVENTS, {"year": str(scheme_year.year - 1)})
    assert [e.pk for e in response.context["page"]] == [old.pk]
    response = client.get(EVENTS, {"year": "1999", "kind": "nonsense"})  # ignored, not an error
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


def test_the_events_list_needs_the_same_queries_for_few_and_many(
    client, caseworker, scheme_year, member, participant
):
    def add(n, start):
        for i in range(n):
            event = make_event(caseworker, scheme_year, days=start + i, audience="participants")
            for j in range(2):
                services.register(member, event, participant, person_name=f"Person {i}-{j}")

    add(2, 5)
    client.force_login(member)
    client.get(EVENTS)  # the session is read and cached from here on
    few, _ = count_queries(client, EVENTS)
    add(12, 20)
    many, sql = count_queries(client, EVENTS)
    assert few == many, sql
    assert many <= 12, sql
    client.force_login(caseworker)
    client.get(EVENTS)
    caseworker_queries, sql = count_queries(client, EVENTS)
    assert caseworker_queries <= 12, sql


# --- the event page and registration ----------------------------------------------------------


def test_the_event_page_shows_the_cap_up_front_and_the_link_to_the_audience(
    client, caseworker, scheme_year, gathering, member
):
    course = make_event(caseworker, scheme_year, audience="participants")
    client.force_login(member)
    page = content(client.get(reverse("courses:event", args=[gathering.pk])))
    assert "At most 2 people from each organisation" in page
    assert "Register one more person" in page
    page = content(client.get(reverse("courses:event", args=[course.pk])))
    assert "https://teams.example/møte" in page
    assert "At most" not in page


def test_a_mentor_can_neither_see_nor_register_for_a_participants_event(
    client, gathering, mentor, mentor_org
):
    client.force_login(mentor)
    assert client.get(reverse("courses:event", args=[gathering.pk])).status_code == 404
    response = client.post(
        reverse("courses:register", args=[gathering.pk]),
        {"organisation": mentor_org.pk, "person_name": "Mentor"},
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_an_evaluator_sees_no_events_and_no_registrations(
    client, gathering, evaluator, member, participant
):
    registration = services.register(member, gathering, participant, person_name="Kari")
    client.force_login(evaluator)
    assert gathering.title not in content(client.get(EVENTS))
    assert client.get(reverse("courses:event", args=[gathering.pk])).status_code == 404
    assert client.get(reverse("courses:attendance", args=[gathering.pk])).status_code == 403
    assert client.get(reverse("courses:attendance_overview")).status_code == 403
    response = client.post(reverse("courses:registration_cancel", args=[registration.pk]))
    assert response.status_code == 404


def test_registering_two_people_and_failing_on_the_third(client, gathering, member, participant):
    client.force_login(member)
    url = reverse("courses:register", args=[gathering.pk])
    for name in ("Kari", "Ola"):
        response = client.post(url, {"organisation": participant.pk, "person_name": name})
        assert response.status_code == 302
    response = client.post(url, {"organisation": participant.pk, "person_name": "Per"})
    assert response.status_code == 200
    page = content(response)
    assert f"The places for {participant.name} are taken" in page
    assert 'value="Per"' in page  # the input is kept
    assert sorted(gathering.registrations.values_list("person_name", flat=True)) == ["Kari", "Ola"]


def test_registering_without_a_name_is_refused_and_changes_nothing(
    client, gathering, member, participant
):
    client.force_login(member)
    response = client.post(
        reverse("courses:register", args=[gathering.pk]),
        {"organisation": participant.pk, "person_name": "  "},
    )
    assert response.status_code == 200
    assert "Write the name of the person who comes." in content(response)
    assert not Registration.objects.exists()


def test_registering_a_person_with_a_login_takes_their_name(client, gathering, member, participant):
    colleague = factories.member_of(participant, full_name="Aisha Ali")
    client.force_login(member)
    client.post(
        reverse("courses:register", args=[gathering.pk]),
        {"organisation": participant.pk, "person_name": "", "person": colleague.pk},
    )
    registration = Registration.objects.get()
    assert (registration.person_name, registration.person) == ("Aisha Ali", colleague)


def test_a_person_from_another_organisation_cannot_be_chosen(
    client, gathering, member, participant, other_member
):
    client.force_login(member)
    response = client.post(
        reverse("courses:register", args=[gathering.pk]),
        {"organisation": participant.pk, "person_name": "X", "person": other_member.pk},
    )
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_an_organisation_cannot_register_for_another(client, gathering, member, other_participant):
    client.force_login(member)
    response = client.post(
        reverse("courses:register", args=[gathering.pk]),
        {"organisation": other_participant.pk, "person_name": "Kari"},
    )
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_the_register_address_only_takes_posts(client, gathering, member):
    client.force_login(member)
    response = client.get(reverse("courses:register", args=[gathering.pk]))
    assert response.status_code == 302


def test_cancelling_an_own_registration(client, gathering, member, participant):
    registration = services.register(member, gathering, participant, person_name="Kari")
    client.force_login(member)
    response = client.post(reverse("courses:registration_cancel", args=[registration.pk]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.cancelled_at is not None


def test_another_organisations_registration_is_neither_shown_nor_cancellable(
    client, gathering, member, other_member, other_participant
):
    registration = services.register(
        other_member, gathering, other_participant, person_name="Hemmelig Navn"
    )
    client.force_login(member)
    page = content(client.get(reverse("courses:event", args=[gathering.pk])))
    assert "Hemmelig Navn" not in page
    response = client.post(reverse("courses:registration_cancel", args=[registration.pk]))
    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.cancelled_at is None


def test_cancelling_after_the_deadline_is_refused_with_a_reason(
    client, caseworker, gathering, member, participant
):
    registration = services.register(member, gathering, participant, person_name="Kari")
    services.save_event(
        caseworker, gathering, registration_deadline=timezone.localdate() - datetime.timedelta(1)
    )
    client.force_login(member)
    response = client.post(
        reverse("courses:registration_cancel", args=[registration.pk]), follow=True
    )
    assert "The registration deadline has passed" in content(response)
    registration.refresh_from_db()
    assert registration.cancelled_at is None
    assert "Registration closed on" in content(response)


def test_the_caseworker_sees_every_registration_by_organisation_and_the_timeline(
    client, caseworker, gathering, member, participant, other_member, other_participant
):
    services.register(member, gathering, participant, person_name="Kari")
    services.register(other_member, gathering, other_participant, person_name="Ola")
    client.force_login(caseworker)
    response = client.get(reverse("courses:event", args=[gathering.pk]))
    page = content(response)
    assert participant.name in page and other_participant.name in page
    assert "Kari" in page and "Ola" in page
    assert "registered a person" in page  # the timeline


def test_the_caseworker_pages_through_every_registration(
    client, caseworker, gathering, member, participant
):
    Registration.objects.bulk_create(
        Registration(
            event=gathering,
            organisation=participant,
            person_name=f"Deltaker {n:02}",  # not "Person n", as the factories name users
            registered_by=member,
        )
        for n in range(PAGE_SIZE + 1)
    )
    client.force_login(caseworker)
    url = reverse("courses:event", args=[gathering.pk])
    first, last = content(client.get(url)), content(client.get(url, {"page": 2}))
    assert "Deltaker 00" in first and f"Deltaker {PAGE_SIZE - 1}" in first
    assert f"Deltaker {PAGE_SIZE}" not in first and f"Deltaker {PAGE_SIZE}" in last
    assert "Page 1 of 2" in first and "Deltaker 00" not in last


def test_the_event_page_needs_the_same_queries_for_few_and_many_registrations(
    client, caseworker, scheme_year, member, participant, other_participant
):
    event = make_event(caseworker, scheme_year, days=20, audience="participants")
    url = reverse("courses:event", args=[event.pk])
    services.register(member, event, participant, person_name="Først")
    client.force_login(member)
    client.get(url)
    few, _ = count_queries(client, url)
    for i in range(15):
        services.register(member, event, participant, person_name=f"Person {i}")
        other = factories.member_of(other_participant)
        services.register(other, event, other_participant, person_name=f"Annen {i}")
    many, sql = count_queries(client, url)
    assert few == many, sql
    client.force_login(caseworker)
    client.get(url)
    caseworker_few, _ = count_queries(client, url)
    for i in range(10):
        [org] = factories.taking_part(
            scheme_year, factories.OrganisationFactory(kind="participant")
        )
        services.register(factories.member_of(org), event, org, person_name=f"Ny {i}")
    caseworker_many, sql = count_queries(client, url)
    assert caseworker_few == caseworker_many, sql


# --- making and changing events ---------------------------------------------------------------


def event_post(scheme_year, **changes):
    starts = in_days(30, hour=9)
    data = {
        "scheme_year": scheme_year.pk,
        "kind": "gathering",
        "audience": "participants",
        "title": "Høstsamling",
        "description": "Søknadsskriving og regnskap.",
        "provider": "",
        "provider_name": "LNU",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + datetime.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Oslo, Tøyen",
        "registration_deadline": (starts.date() - datetime.timedelta(days=7)).isoformat(),
        "planned_item": "",
    }
    data.update(changes)
    return data


def test_the_caseworker_makes_an_event_linked_to_the_plan(client, caseworker, scheme_year):
    plan = services.save_plan(caseworker, scheme_year)
    item = services.save_planned_item(caseworker, plan, kind="gathering", month=9, topic="Høst")
    client.force_login(caseworker)
    assert client.get(reverse("courses:event_create")).status_code == 200
    response = client.post(
        reverse("courses:event_create"), event_post(scheme_year, planned_item=item.pk)
    )
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:event", args=[event.pk])
    assert (event.title, event.planned_item, event.place) == ("Høstsamling", item, "Oslo, Tøyen")
    assert timezone.localtime(event.starts_at).hour == 9


def test_an_event_that_ends_before_it_starts_is_refused_with_the_input_kept(
    client, caseworker, scheme_year
):
    client.force_login(caseworker)
    data = event_post(scheme_year, place="", title="Uferdig samling")
    data["ends_at"], data["starts_at"] = data["starts_at"], data["ends_at"]
    response = client.post(reverse("courses:event_create"), data)
    assert response.status_code == 200
    page = content(response)
    assert "The event must end after it starts." in page
    assert "Write where the event is held" in page
    assert 'value="Uferdig samling"' in page
    assert not Event.objects.exists()


def test_a_planned_item_of_another_year_is_refused(client, caseworker, scheme_year):
    other_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year - 1)
    plan = services.save_plan(caseworker, other_year)
    item = services.save_planned_item(caseworker, plan, kind="course", month=3, topic="Gammelt")
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:event_create"), event_post(scheme_year, planned_item=item.pk)
    )
    assert "Choose an item from this year" in content(response)
    assert not Event.objects.exists()


def test_editing_an_event(client, caseworker, gathering):
    client.force_login(caseworker)
    url = reverse("courses:event_edit", args=[gathering.pk])
    response = client.get(url)
    assert 'value="Fellessamling i Oslo"' in content(response)
    data = event_post(gathering.scheme_year, title="Vårsamling")
    assert client.post(url, data).status_code == 302
    gathering.refresh_from_db()
    assert gathering.title == "Vårsamling"


def test_only_caseworkers_make_and_change_events(client, member, gathering):
    client.force_login(member)
    assert client.get(reverse("courses:event_create")).status_code == 403
    assert client.get(reverse("courses:event_edit", args=[gathering.pk])).status_code == 403
    assert client.get(reverse("courses:programme", args=[gathering.pk])).status_code == 403
    assert client.post(reverse("courses:event_cancel", args=[gathering.pk])).status_code == 403


def test_a_caseworker_of_another_scheme_cannot_see_or_change_the_event(client, gathering):
    """Another administering body's events are hidden from its caseworkers (404)."""
    stranger = factories.caseworker()
    client.force_login(stranger)
    response = client.post(reverse("courses:event_edit", args=[gathering.pk]), {})
    assert response.status_code == 404
    assert client.get(reverse("courses:event", args=[gathering.pk])).status_code == 404


def test_the_event_form_says_so_when_the_caseworker_runs_no_scheme_year(client, scheme_year):
    """The scheme years are read once for the choice and for the warning."""
    client.force_login(factories.caseworker())  # a body that runs no scheme
    page = content(client.get(reverse("courses:event_create")))
    assert "You do not administer any scheme year" in page
    client.force_login(factories.caseworker(scheme_year.scheme.administrator))
    page = content(client.get(reverse("courses:event_create")))
    assert "You do not administer any scheme year" not in page
    assert f'<option value="{scheme_year.pk}" selected>{scheme_year}</option>' in page


def test_the_programme_is_saved_as_a_formset(client, caseworker, gathering, mentor_org):
    client.force_login(caseworker)
    url = reverse("courses:programme", args=[gathering.pk])
    assert client.get(url).status_code == 200
    data = {
        "programme-TOTAL_FORMS": "3",
        "programme-INITIAL_FORMS": "0",
        "programme-0-starts_at": "10:00",
        "programme-0-title": "Organisasjonsutvikling",
        "programme-0-presenter": str(mentor_org.pk),
        "programme-1-starts_at": "09:00",
        "programme-1-title": "Velkommen",
        "programme-1-presenter_name": "IMDi",
    }
    assert client.post(url, data).status_code == 302
    assert list(gathering.programme.values_list("title", flat=True)) == [
        "Velkommen",
        "Organisasjonsutvikling",
    ]
    page = content(client.get(reverse("courses:event", args=[gathering.pk])))
    assert "Velkommen" in page and mentor_org.name in page


def test_a_programme_item_without_a_time_is_refused(client, caseworker, gathering):
    client.force_login(caseworker)
    data = {
        "programme-TOTAL_FORMS": "1",
        "programme-INITIAL_FORMS": "0",
        "programme-0-title": "Lunsj",
    }
    response = client.post(reverse("courses:programme", args=[gathering.pk]), data)
    assert response.status_code == 200
    assert 'value="Lunsj"' in content(response)
    assert not gathering.programme.exists()


def test_cancelling_an_event_needs_a_reason(client, caseworker, gathering, member, participant):
    services.register(member, gathering, participant, person_name="Kari")
    client.force_login(caseworker)
    url = reverse("courses:event_cancel", args=[gathering.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    gathering.refresh_from_db()
    assert gathering.cancelled_at is None
    assert client.post(url, {"reason": "Foredragsholderen er syk."}).status_code == 302
    gathering.refresh_from_db()
    assert gathering.cancelled_at is not None
    assert "cancelled" in content(client.get(reverse("courses:event", args=[gathering.pk])))


# --- attendance -------------------------------------------------------------------------------


@pytest.fixture
def held(caseworker, gathering, member, participant, other_member, other_participant):
    """A gathering that took place three days ago, with three people registered."""
    kari = services.register(member, gathering, participant, person_name="Kari")
    ola = services.register(member, gathering, participant, person_name="Ola")
    per = services.register(other_member, gathering, other_participant, person_name="Per")
    move_to_past(caseworker, gathering)
    return gathering, kari, ola, per


def test_attendance_is_marked_for_the_whole_list_at_once(client, caseworker, held):
    event, kari, _ola, per = held
    client.force_login(caseworker)
    url = reverse("courses:attendance", args=[event.pk])
    page = content(client.get(url))
    assert "Kari" in page and "Per" in page
    response = client.post(url, {"came": [str(kari.pk), str(per.pk)]})
    assert response.status_code == 302
    assert dict(event.registrations.values_list("person_name", "attended")) == {
        "Kari": True,
        "Ola": False,
        "Per": True,
    }


def test_attendance_with_an_unknown_person_changes_nothing(client, caseworker, held):
    event, kari, _ola, _per = held
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:attendance", args=[event.pk]), {"came": [str(kari.pk), "999999", "x"]}
    )
    assert response.status_code == 200
    assert set(event.registrations.values_list("attended", flat=True)) == {None}


def test_the_attendance_boxes_show_who_came_and_each_name_as_its_label(client, caseworker, held):
    event, kari, ola, _per = held
    Registration.objects.filter(pk=ola.pk).update(person_name="Ola <b>Nordmann</b>")
    client.force_login(caseworker)
    url = reverse("courses:attendance", args=[event.pk])
    client.post(url, {"came": [str(kari.pk)]})
    page = content(client.get(url))
    assert f'value="{kari.pk}" id="came-{kari.pk}" checked>' in page
    assert f'value="{ola.pk}" id="came-{ola.pk}">' in page
    assert f'<label for="came-{ola.pk}">Ola &lt;b&gt;Nordmann&lt;/b&gt;</label>' in page


def test_attendance_before_the_event_is_refused(client, caseworker, gathering, member, participant):
    registration = services.register(member, gathering, participant, person_name="Kari")
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:attendance", args=[gathering.pk]), {"came": [str(registration.pk)]}
    )
    assert response.status_code == 200
    assert "once the event has started" in content(response)
    registration.refresh_from_db()
    assert registration.attended is None


def test_attendance_per_organisation_over_the_period(
    client, caseworker, held, participant, other_participant
):
    event, kari, _ola, _per = held
    services.mark_attendance(caseworker, event, [kari.pk])
    client.force_login(caseworker)
    response = client.get(reverse("courses:attendance_overview"))
    rows = {row["name"]: row for row in response.context["page"]}
    assert (rows[participant.name]["events"], rows[participant.name]["attended"]) == (1, 1)
    assert (rows[other_participant.name]["events"], rows[other_participant.name]["attended"]) == (
        1,
        0,
    )
    assert response.context["held"] == [1]


# --- materials --------------------------------------------------------------------------------


def test_materials_are_uploaded_downloaded_by_the_audience_and_removed(
    client, caseworker, gathering, member, mentor
):
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:material_add", args=[gathering.pk]),
        {"title": "Lysark", "file": pdf("lysark fra samlingen.pdf")},
    )
    assert response.status_code == 302
    material = Material.objects.get()
    client.force_login(member)
    assert "Lysark" in content(client.get(reverse("courses:event", args=[gathering.pk])))
    download = client.get(reverse("courses:material", args=[material.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "lysark fra samlingen.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF
    client.force_login(mentor)
    assert client.get(reverse("courses:material", args=[material.pk])).status_code == 404
    assert client.post(reverse("courses:material_remove", args=[material.pk])).status_code == 403
    client.force_login(caseworker)
    assert client.post(reverse("courses:material_remove", args=[material.pk])).status_code == 302
    assert not Material.objects.exists()


def test_a_program_disguised_as_slides_is_refused(client, caseworker, gathering):
    client.force_login(caseworker)
    fake = SimpleUploadedFile("lysark.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client.post(
        reverse("courses:material_add", args=[gathering.pk]), {"title": "Lysark", "file": fake}
    )
    assert response.status_code == 200
    assert "does not look like a .pdf file" in content(response)
    assert 'value="Lysark"' in content(response)
    assert not Material.objects.exists()


def test_members_cannot_upload_materials(client, member, gathering):
    client.force_login(member)
    response = client.post(
        reverse("courses:material_add", args=[gathering.pk]), {"title": "X", "file": pdf()}
    )
    assert response.status_code == 403
    assert not Material.objects.exists()


# --- practical tasks --------------------------------------------------------------------------


def test_giving_a_task_to_two_organisations(
    client, caseworker, gathering, participant, other_participant
):
    client.force_login(caseworker)
    url = reverse("courses:task_give", args=[gathering.pk])
    assert client.get(url).status_code == 200
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        url,
        {
            "title": "Heisprat",
            "description": "Lag en heisprat om organisasjonen.",
            "organisations": [participant.pk, other_participant.pk],
            "due_on": due,
        },
    )
    task = PracticalTask.objects.get()
    assert response["Location"] == reverse("courses:task", args=[task.pk])
    assert set(task.organisations.all()) == {participant, other_participant}


def test_a_task_for_three_organisations_is_refused(
    client, caseworker, gathering, participant, other_participant
):
    [third] = factories.taking_part(
        gathering.scheme_year, factories.OrganisationFactory(kind="participant")
    )
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:task_give", args=[gathering.pk]),
        {
            "title": "Heisprat",
            "description": "x",
            "organisations": [participant.pk, other_participant.pk, third.pk],
            "due_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Choose one organisation, or two working together." in content(response)
    assert "The hand-in date cannot be in the past." in content(response)
    assert 'value="Heisprat"' in content(response)
    assert not PracticalTask.objects.exists()


@pytest.fixture
def shared_task(caseworker, gathering, participant, other_participant):
    return services.give_task(
        caseworker,
        gathering,
        title="Heisprat",
        description="Lag en heisprat.",
        organisations=[participant, other_participant],
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )


def test_each_organisation_hands_in_and_sees_only_its_own(
    client, caseworker, shared_task, member, participant, other_member, other_participant
):
    url = reverse("courses:task", args=[shared_task.pk])
    client.force_login(other_member)
    client.post(
        url,
        {
            "organisation": other_participant.pk,
            "text": "Deres hemmelige svar",
            "file": pdf("b.pdf"),
        },
    )
    theirs = HandIn.objects.get(organisation=other_participant)
    client.force_login(member)
    page = content(client.get(url))
    assert "Deres hemmelige svar" not in page
    assert client.get(reverse("courses:hand_in_file", args=[theirs.pk])).status_code == 404
    response = client.post(url, {"organisation": participant.pk, "text": "Vårt svar"})
    assert response.status_code == 302
    page = content(client.get(url))
    assert "Vårt svar" in page and "Deres hemmelige svar" not in page
    client.force_login(caseworker)
    page = content(client.get(url))
    assert "Vårt svar" in page and "Deres hemmelige svar" in page
    download = client.get(reverse("courses:hand_in_file", args=[theirs.pk]))
    assert download.status_code == 200 and "b.pdf" in download["Content-Disposition"]


def test_an_empty_hand_in_is_refused(client, shared_task, member, participant):
    client.force_login(member)
    response = client.post(
        reverse("courses:task", args=[shared_task.pk]), {"organisation": participant.pk}
    )
    assert response.status_code == 200
    assert "Write your answer or upload a file." in content(response)
    assert not HandIn.objects.exists()


def test_nobody_else_sees_the_task(client, shared_task, mentor, evaluator):
    outsider_org = factories.OrganisationFactory(kind="participant")
    for user in (factories.member_of(outsider_org), mentor, evaluator):
        client.force_login(user)
        assert client.get(reverse("courses:task", args=[shared_task.pk])).status_code == 404


def test_the_event_page_lists_the_tasks_given_to_the_own_organisation(client, shared_task, member):
    client.force_login(member)
    page = content(client.get(reverse("courses:event", args=[shared_task.event_id])))
    assert reverse("courses:task", args=[shared_task.pk]) in page


# --- the annual plan --------------------------------------------------------------------------


def test_the_caseworker_builds_and_shares_the_plan(client, caseworker, scheme_year, member):
    year = scheme_year.year
    edit = reverse("courses:plan_edit", args=[year])
    client.force_login(caseworker)
    assert client.get(edit).status_code == 200
    client.post(edit, {"action": "introduction", "introduction": "To samlinger og to kurs."})
    plan = AnnualPlan.objects.get()
    assert plan.introduction == "To samlinger og to kurs."
    response = client.post(edit, {"action": "item", "kind": "gathering", "month": "1"})
    assert response.status_code == 200
    assert not PlannedItem.objects.exists()
    client.post(edit, {"action": "item", "kind": "gathering", "month": "1", "topic": "Vinter"})
    client.post(edit, {"action": "item", "kind": "course", "month": "3", "topic": "Styre"})
    item = PlannedItem.objects.get(topic="Styre")
    assert 'value="Styre"' in content(client.get(edit, {"item": item.pk}))
    client.post(
        edit, {"action": "item", "item": item.pk, "kind": "course", "month": "4", "topic": "Styre"}
    )
    item.refresh_from_db()
    assert item.month == 4
    client.post(edit, {"action": "remove", "item": item.pk})
    assert list(PlannedItem.objects.values_list("topic", flat=True)) == ["Vinter"]
    client.force_login(member)
    assert client.get(reverse("courses:plan", args=[year])).status_code == 404
    client.force_login(caseworker)
    client.post(edit, {"action": "share"})
    plan.refresh_from_db()
    assert plan.shared_at is not None
    client.force_login(member)
    page = content(client.get(reverse("courses:plan", args=[year])))
    assert "Vinter" in page and "January" in page


def test_sharing_an_empty_plan_is_refused(client, caseworker, scheme_year):
    services.save_plan(caseworker, scheme_year)
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:plan_edit", args=[scheme_year.year]), {"action": "share"}, follow=True
    )
    assert "Add at least one planned item" in content(response)
    assert AnnualPlan.objects.get().shared_at is None


def test_members_cannot_edit_the_plan(client, member, scheme_year):
    client.force_login(member)
    assert client.get(reverse("courses:plan_edit", args=[scheme_year.year])).status_code == 403


@pytest.fixture
def shared_plan(caseworker, scheme_year):
    plan = services.save_plan(caseworker, scheme_year, introduction="Planen")
    services.save_planned_item(caseworker, plan, kind="course", month=2, topic="Personvern")
    return services.share_plan(caseworker, plan)


def test_organisations_comment_and_see_only_their_own_comments(
    client, caseworker, shared_plan, member, participant, other_member, other_participant, mentor
):
    url = reverse("courses:plan", args=[shared_plan.scheme_year.year])
    client.force_login(other_member)
    client.post(url, {"organisation": other_participant.pk, "text": "Mer om regnskap, takk."})
    client.force_login(member)
    response = client.post(url, {"organisation": participant.pk, "text": "  "})
    assert response.status_code == 200
    assert PlanComment.objects.count() == 1
    client.post(url, {"organisation": participant.pk, "text": "Gjerne kveldskurs."})
    page = content(client.get(url))
    assert "Gjerne kveldskurs." in page and "Mer om regnskap" not in page
    client.force_login(mentor)
    page = content(client.get(url))
    assert "Personvern" in page and "Gjerne kveldskurs." not in page
    client.force_login(caseworker)
    page = content(client.get(url))
    assert "Gjerne kveldskurs." in page and "Mer om regnskap" in page


def test_plan_against_held_for_caseworkers_and_evaluators(
    client, caseworker, shared_plan, scheme_year, evaluator, member
):
    item = shared_plan.items.get()
    course = make_event(caseworker, scheme_year, days=4, planned_item=item, title="Personvernkurs")
    move_to_past(caseworker, course)
    make_event(caseworker, scheme_year, days=2, title="Ekstra møte")
    url = reverse("courses:plan_against_held", args=[scheme_year.year])
    for user in (caseworker, evaluator):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        table = response.context["table"]
        assert (table["planned"], table["planned_and_held"]) == (1, 1)
        assert "Personvernkurs" in content(response) and "Ekstra møte" in content(response)
    assert reverse("courses:event", args=[course.pk]) not in content(response)  # evaluator
    client.force_login(member)
    assert client.get(url).status_code == 403


# --- feedback forms ---------------------------------------------------------------------------


def form_post(scheme, **changes):
    data = {
        "scheme": scheme.pk,
        "title": "Avslutningsskjema",
        "introduction": "Fem korte spørsmål.",
        "event": "",
        "opens_at": "",
        "closes_at": "",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-0-kind": "rating",
        "questions-0-text": "Hvor nyttig var ordningen?",
        "questions-0-required": "on",
        "questions-1-kind": "single",
        "questions-1-text": "Hva var mest nyttig?",
        "questions-1-choices": "Kursene\nMentoren\nSamlingene",
        "questions-1-required": "on",
        "questions-2-kind": "text",
        "questions-2-text": "Hva vil du si til IMDi?",
    }
    data.update(changes)
    return data


def test_the_caseworker_builds_a_form(client, caseworker, scheme_year):
    client.force_login(caseworker)
    assert client.get(reverse("courses:form_create")).status_code == 200
    response = client.post(reverse("courses:form_create"), form_post(scheme_year.scheme))
    form = FeedbackForm.objects.get()
    assert response["Location"] == reverse("courses:form", args=[form.pk])
    assert [(q.kind, q.choices, q.required) for q in form.questions.all()] == [
        ("rating", [], True),
        ("single", ["Kursene", "Mentoren", "Samlingene"], True),
        ("text", [], False),
    ]
    response = client.post(
        reverse("courses:form_edit", args=[form.pk]),
        form_post(
            scheme_year.scheme,
            title="Nytt navn",
            **{"questions-INITIAL_FORMS": "3", "questions-2-DELETE": "on"},
        ),
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.title == "Nytt navn" and form.questions.count() == 2


def test_a_single_choice_question_needs_two_choices(client, caseworker, scheme_year):
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:form_create"),
        form_post(scheme_year.scheme, **{"questions-1-choices": "Bare ett"}),
    )
    assert response.status_code == 200
    assert "Write at least two choices" in content(response)
    assert 'value="Avslutningsskjema"' in content(response)
    assert not FeedbackForm.objects.exists()


def test_a_form_without_questions_is_refused(client, caseworker, scheme_year):
    client.force_login(caseworker)
    data = {key: value for key, value in form_post(scheme_year.scheme).items() if "-" not in key}
    # What a browser sends for two untouched rows: the first kind and the ticked box.
    for n in range(2):
        data.update({f"questions-{n}-kind": "rating", f"questions-{n}-required": "on"})
    data.update({"questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0"})
    response = client.post(reverse("courses:form_create"), data)
    assert "Add at least one question." in content(response)
    assert not FeedbackForm.objects.exists()


@pytest.fixture
def closing_form(caseworker, scheme_year):
    return services.save_form(
        caseworker,
        scheme_year.scheme,
        title="Avslutningsskjema",
        questions=[
            ("rating", "Hvor nyttig var ordningen?", [], True),
            ("multiple", "Hva var nyttig?", ["Kurs", "Mentor", "Samling"], True),
            ("text", "Hva vil du si?", [], False),
        ],
    )


def answers(form, rating="4", chosen=("Kurs",), text=""):
    """The answers as the service takes them: question id -> value."""
    rating_q, multiple_q, text_q = form.questions.all()
    return {rating_q.pk: rating, multiple_q.pk: list(chosen), text_q.pk: text}


def answer_post(form, organisation, **kwargs):
    """The same answers as the browser sends them."""
    return {"organisation": organisation.pk} | {
        f"q{pk}": value for pk, value in answers(form, **kwargs).items()
    }


def test_a_member_answers_once(client, closing_form, member, participant):
    url = reverse("courses:form", args=[closing_form.pk])
    client.force_login(member)
    page = content(client.get(url))
    assert 'type="radio"' in page and 'type="checkbox"' in page and "<textarea" in page
    response = client.post(url, answer_post(closing_form, participant))
    assert response.status_code == 302
    assert Response.objects.count() == 1
    assert "You have already answered this form." in content(client.get(url))
    response = client.post(url, answer_post(closing_form, participant))
    assert "You have already answered this form." in content(response)
    assert Response.objects.count() == 1


def test_an_unanswered_required_question_is_refused(client, closing_form, member, participant):
    client.force_login(member)
    data = answer_post(closing_form, participant, rating="", text="Bra!")
    response = client.post(reverse("courses:form", args=[closing_form.pk]), data)
    assert response.status_code == 200
    assert "Bra!" in content(response)
    assert not Response.objects.exists()


def test_a_rating_outside_1_to_5_is_refused(client, closing_form, member, participant):
    client.force_login(member)
    data = answer_post(closing_form, participant, rating="9")
    response = client.post(reverse("courses:form", args=[closing_form.pk]), data)
    assert response.status_code == 200
    assert not Response.objects.exists()


def test_open_forms_are_listed_and_due_on_the_dashboard(client, closing_form, member):
    client.force_login(member)
    assert "Avslutningsskjema" in content(client.get(reverse("courses:forms")))
    titles = [item.title for item in client.get(reverse("dashboard")).context["due_items"]]
    assert any("Avslutningsskjema" in title for title in titles)


def test_evaluators_see_aggregates_and_free_text_without_names(
    client, closing_form, member, participant, other_member, other_participant, evaluator
):
    services.answer_form(
        member, closing_form, participant, answers(closing_form, "5", ("Kurs", "Mentor"), "Takk!")
    )
    services.answer_form(
        other_member, closing_form, other_participant, answers(closing_form, "3", ("Kurs",))
    )
    closing_form.scheme.smallest_group = 1  # two answers show here; small groups: test_feedback
    closing_form.scheme.save()
    client.force_login(evaluator)
    assert "Avslutningsskjema" in content(client.get(reverse("courses:forms")))
    response = client.get(reverse("courses:form_results", args=[closing_form.pk]))
    assert response.status_code == 200
    page = content(response)
    rating, multiple, text = (row["result"] for row in response.context["rows"])
    assert rating.average == 4.0 and rating.answered == 2
    assert dict(multiple.counts) == {"Kurs": 2, "Mentor": 1, "Samling": 0}
    assert text.texts == ["Takk!"]
    assert "Takk!" in page and "style=" not in page.split("<main")[1]
    assert "<svg" not in page  # anonymised: tables only, no bars whose height tells a number
    for name in (
        member.full_name,
        other_member.full_name,
        participant.name,
        other_participant.name,
    ):
        assert name not in page


def test_members_do_not_see_results(client, closing_form, member):
    client.force_login(member)
    response = client.get(reverse("courses:form_results", args=[closing_form.pk]))
    assert response.status_code == 403


def test_a_form_for_a_participants_event_is_hidden_from_mentors(
    client, caseworker, gathering, mentor
):
    form = services.save_form(
        caseworker,
        gathering.scheme_year.scheme,
        event=gathering,
        title="Om samlingen",
        questions=[("rating", "Hvordan var det?", [], True)],
    )
    client.force_login(mentor)
    assert client.get(reverse("courses:form", args=[form.pk])).status_code == 404
    assert "Om samlingen" not in content(client.get(reverse("courses:forms")))


# --- my calendar and the feed -----------------------------------------------------------------


def test_my_calendar_and_its_feed(client, caseworker, scheme_year, gathering, member, participant):
    services.register(member, gathering, participant, person_name="Kari")
    make_event(caseworker, scheme_year, days=3, audience="participants", title="Ikke påmeldt")
    client.force_login(member)
    response = client.get(reverse("courses:calendar"))
    page = content(response)
    assert gathering.title in page and "Ikke påmeldt" not in page
    token = CalendarFeed.objects.get(user=member).token
    assert response.context["feed_url"].endswith(reverse("courses:calendar_feed", args=[token]))
    client.logout()
    feed = client.get(reverse("courses:calendar_feed", args=[token]))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(feed.content)
    summaries = [str(component["summary"]) for component in parsed.walk("VEVENT")]
    assert summaries == [gathering.title]


def test_an_unknown_feed_address_is_404(client, db):
    assert client.get(reverse("courses:calendar_feed", args=["ukjent"])).status_code == 404


def test_a_new_address_replaces_the_old(client, member):
    client.force_login(member)
    client.get(reverse("courses:calendar"))
    old = CalendarFeed.objects.get(user=member).token
    assert client.post(reverse("courses:calendar")).status_code == 302
    new = CalendarFeed.objects.get(user=member).token
    assert new != old
    client.logout()
    assert client.get(reverse("courses:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("courses:calendar_feed", args=[new])).status_code == 200


# --- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_asks_the_organisation_to_register_until_it_has(
    client, gathering, member, participant
):
    client.force_login(member)
    response = client.get(reverse("dashboard"))
    due = [item for item in response.context["due_items"] if gathering.title in item.title]
    assert len(due) == 1 and due[0].title.startswith("Register for")
    assert due[0].due == gathering.registration_deadline
    assert "courses/panels/upcoming.html" in [p.template for p in response.context["panels"]]
    services.register(member, gathering, participant, person_name="Kari")
    client.force_login(member)
    response = client.get(reverse("dashboard"))
    assert not [item for item in response.context["due_items"] if gathering.title in item.title]


def test_the_dashboard_lists_tasks_to_hand_in(client, shared_task, member, participant):
    client.force_login(member)
    titles = [item.title for item in client.get(reverse("dashboard")).context["due_items"]]
    assert any("Heisprat" in title for title in titles)
    services.hand_in(member, shared_task, participant, text="Ferdig")
    titles = [item.title for item in client.get(reverse("dashboard")).context["due_items"]]
    assert not any("Heisprat" in title for title in titles)


def test_the_caseworker_dashboard_shows_attendance_to_mark(client, caseworker, held):
    event = held[0]
    client.force_login(caseworker)
    response = client.get(reverse("dashboard"))
    urls = [item.url for item in response.context["due_items"]]
    assert reverse("courses:attendance", args=[event.pk]) in urls
    assert "courses/panels/this_month.html" in [p.template for p in response.context["panels"]]
    services.mark_attendance(caseworker, event, [held[1].pk])
    urls = [item.url for item in client.get(reverse("dashboard")).context["due_items"]]
    assert reverse("courses:attendance", args=[event.pk]) not in urls


def test_every_page_answers_for_the_caseworker(client, caseworker, scheme_year, shared_plan):
    client.force_login(caseworker)
    year = scheme_year.year
    for url in (
        EVENTS,
        reverse("courses:calendar"),
        reverse("courses:plan", args=[year]),
        reverse("courses:plan_edit", args=[year]),
        reverse("courses:plan_against_held", args=[year]),
        reverse("courses:attendance_overview"),
        reverse("courses:forms"),
        reverse("courses:form_create"),
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("courses:plan", args=[1990])).status_code == 404


def test_the_events_list_shows_its_filters(client, member, gathering):
    client.force_login(member)
    page = client.get(reverse("courses:events")).content.decode()
    assert 'name="kind"' in page


def fill_event(caseworker, event, organisations, start, end):
    """Rows ``start``..``end`` of every list the event's page shows: topics, programme,
    materials, practical tasks (two organisations each), feedback forms and registrations
    (one a time, so that no organisation fills its places and the forms stay the same)."""
    for i in range(start, end):
        services.add_material(caseworker, event, title=f"Lysark {i}", upload=pdf())
        services.give_task(
            caseworker,
            event,
            title=f"Oppgave {i}",
            description="Lag en heisprat.",
            organisations=organisations[:2],
            due_on=timezone.localdate() + datetime.timedelta(days=10 + i),
        )
        services.save_form(
            caseworker,
            event.scheme_year.scheme,
            title=f"Skjema {i}",
            event=event,
            questions=[("text", "Hva vil du si til IMDi?", [], True)],
        )
    organisation = organisations[start % len(organisations)]
    services.register(factories.member_of(organisation), event, organisation, person_name="P")
    items = [(event.starts_at, f"Punkt {i}", None, "LNU") for i in range(end)]
    services.save_programme(caseworker, event, items)
    topics = CompetenceArea.objects.order_by("pk")[:end]
    services.save_event(caseworker, event, competence_areas=topics)


def test_the_event_page_takes_the_same_queries_however_full_and_however_many_organisations(
    client, caseworker, scheme_year, member, participant, other_participant
):
    """Every part of the page filled at both sizes; the member acts for two organisations,
    then for three (their years taken part are read together, once)."""
    event = make_event(caseworker, scheme_year, days=20, audience="both")
    url = reverse("courses:event", args=[event.pk])
    Membership.objects.create(user=member, organisation=other_participant, role="member")
    fill_event(caseworker, event, [participant, other_participant], 0, 1)
    measured = {}
    for user in (member, caseworker):
        client.force_login(user)
        client.get(url)
        measured[user] = count_queries(client, url)[0]
    fill_event(caseworker, event, [participant, other_participant], 1, 4)
    [mentor] = factories.taking_part(scheme_year, factories.OrganisationFactory(kind="mentor"))
    Membership.objects.create(user=member, organisation=mentor, role="member")
    for user, most in ((member, 9), (caseworker, 8)):
        client.force_login(user)
        many, sql = count_queries(client, url)
        assert many == measured[user], sql
        assert many <= most, sql
    page = content(client.get(url))
    assert "Oppgave 3" in page and f"{participant.name} and {other_participant.name}" in page
    covered = sorted(CompetenceArea.objects.order_by("pk")[:4], key=lambda area: area.name_nb)
    names = ", ".join(area.name_en for area in covered)
    assert names in page
