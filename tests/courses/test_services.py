"""Every service in courses/services.py: what it does when allowed, and that every refusal
(wrong person, wrong state, bad input) raises, says why in plain English and changes nothing:
no rows, no timeline lines, no notifications. Also the plan against what was held, and which
rows each role may see (the access matrix behind every page)."""

import datetime
from contextlib import contextmanager

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from courses import plans, services
from courses.models import (
    AnnualPlan,
    Event,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
    Registration,
)
from organisations.models import CompetenceArea
from scheme import audit
from scheme import services as scheme_services
from scheme.models import Event as TimelineEvent
from scheme.models import Notification
from tests import factories

PDF = b"%PDF-1.4\n%handout\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- helpers shared by the courses test modules -------------------------------------------------


def in_days(days, hour=18):
    """A moment ``days`` from now at ``hour`` o'clock, Oslo time."""
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def make_event(caseworker, scheme_year, *, days=10, hours=2, **fields):
    """An event through the service, by default a digital course for both audiences with the
    registration open until two days before."""
    starts = in_days(days, fields.pop("hour", 18))
    values = {
        "scheme_year": scheme_year,
        "kind": "course",
        "audience": "both",
        "title": f"Kurs {days}",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=hours),
        "is_digital": True,
        "meeting_link": "https://teams.example/kurs",
        "registration_deadline": (starts - datetime.timedelta(days=2)).date(),
    }
    values.update(fields)
    return services.save_event(caseworker, **values)


def move_to_past(caseworker, event, days_ago=3):
    """People register while registration is open; then the caseworker moves the event to
    when it really took place."""
    starts = in_days(-days_ago, hour=10)
    return services.save_event(
        caseworker,
        event,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        registration_deadline=(starts - datetime.timedelta(days=5)).date(),
    )


def pdf(name="handout.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def snapshot():
    """Every courses row (with the many-to-many tables), the timeline, the notifications and
    the field-by-field history: what a refused service call must leave untouched."""
    state = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("courses").get_models(include_auto_created=True)
    }
    state["timeline"] = list(TimelineEvent.objects.order_by("pk").values())
    state["notifications"] = Notification.objects.count()
    state["history"] = LogEntry.objects.count()
    return state


@contextmanager
def refused(exception=ValidationError, message=None):
    """The block raises ``exception`` (with ``message`` in English) and changes nothing."""
    before = snapshot()
    with translation.override("en"):
        with pytest.raises(exception) as info:
            yield info
        if message is not None:
            text = " ".join(str(m) for m in info.value.messages)
            assert message in text, text
    assert snapshot() == before


def verbs(target):
    return [event.verb for event in audit.timeline(target)]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def other_caseworker(db):
    """A caseworker of another administering body, which runs a scheme of its own."""
    return factories.caseworker()


@pytest.fixture
def mentor_org(mentor):
    return mentor.memberships.get().organisation


@pytest.fixture
def evaluator_org(evaluator):
    return evaluator.memberships.get().organisation


@pytest.fixture
def plan(caseworker, scheme_year):
    return services.save_plan(caseworker, scheme_year, introduction="Planen for året.")


@pytest.fixture
def item(caseworker, plan):
    return services.save_planned_item(
        caseworker, plan, kind="gathering", month=3, topic="Fellessamling om søknader"
    )


@pytest.fixture
def shared_plan(caseworker, plan, item):
    return services.share_plan(caseworker, plan)


@pytest.fixture
def course(caseworker, scheme_year):
    return make_event(caseworker, scheme_year, title="Kurs i styrearbeid")


@pytest.fixture
def held(caseworker, gathering, member, participant, other_member, other_participant):
    """The gathering, three days ago, with Kari and Ola from one organisation and Per from
    another registered (and Siri, who cancelled)."""
    kari = services.register(member, gathering, participant, person_name="Kari")
    ola = services.register(member, gathering, participant, person_name="Ola")
    per = services.register(other_member, gathering, other_participant, person_name="Per")
    siri = services.register(other_member, gathering, other_participant, person_name="Siri")
    services.cancel_registration(other_member, siri)
    event = move_to_past(caseworker, gathering)
    return event, kari, ola, per, siri


WRONG_CASEWORKERS = ["member", "mentor", "evaluator", "other_caseworker"]


# --- the annual plan ----------------------------------------------------------------------------


def test_the_caseworker_writes_the_plan_and_its_items(caseworker, scheme_year):
    plan = services.save_plan(caseworker, scheme_year, introduction="Første utkast.")
    again = services.save_plan(caseworker, scheme_year, introduction="Andre utkast.")
    assert again.pk == plan.pk and AnnualPlan.objects.get().introduction == "Andre utkast."
    areas = CompetenceArea.objects.filter(code__in=["board-work", "privacy"])
    item = services.save_planned_item(
        caseworker, plan, kind="course", month=4, topic="Personvern", competence_areas=areas
    )
    services.save_planned_item(caseworker, plan, item, topic="Personvern og GDPR", month=5)
    item.refresh_from_db()
    assert (item.topic, item.month, item.kind) == ("Personvern og GDPR", 5, "course")
    assert set(item.competence_areas.values_list("code", flat=True)) == {"board-work", "privacy"}
    assert verbs(plan).count("courses.plan_saved") == 4


def test_removing_a_planned_item_keeps_the_event_that_fulfilled_it(
    caseworker, scheme_year, plan, item
):
    event = make_event(caseworker, scheme_year, planned_item=item)
    services.remove_planned_item(caseworker, item)
    assert not PlannedItem.objects.exists()
    event.refresh_from_db()
    assert event.planned_item is None


@pytest.mark.parametrize("who", WRONG_CASEWORKERS)
def test_only_the_schemes_caseworkers_change_the_plan(request, who, scheme_year, plan, item):
    actor = request.getfixturevalue(who)
    with refused(PermissionDenied):
        services.save_plan(actor, scheme_year, introduction="Kapret")
    with refused(PermissionDenied):
        services.save_planned_item(actor, plan, kind="course", month=1, topic="Nytt")
    with refused(PermissionDenied):
        services.save_planned_item(actor, plan, item, topic="Endret")
    with refused(PermissionDenied):
        services.remove_planned_item(actor, item)
    with refused(PermissionDenied):
        services.share_plan(actor, plan)


def test_a_planned_item_needs_a_real_month_a_kind_and_a_topic(caseworker, plan):
    with refused(ValidationError, "13 is not a valid choice"):
        services.save_planned_item(caseworker, plan, kind="course", month=13, topic="Kurs")
    with refused(ValidationError, "not a valid choice"):
        services.save_planned_item(caseworker, plan, kind="party", month=1, topic="Fest")
    with refused(ValidationError, "cannot be blank"):
        services.save_planned_item(caseworker, plan, kind="course", month=1, topic="")


def test_an_item_of_another_years_plan_cannot_be_changed_through_this_plan(
    caseworker, scheme_year, plan
):
    next_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    other_plan = services.save_plan(caseworker, next_year)
    other_item = services.save_planned_item(
        caseworker, other_plan, kind="course", month=2, topic="Regnskap"
    )
    with refused(PermissionDenied):
        services.save_planned_item(caseworker, plan, other_item, topic="Flyttet")


def test_an_empty_plan_cannot_be_shared(caseworker, plan):
    with refused(ValidationError, "Add at least one planned item before sharing the plan."):
        services.share_plan(caseworker, plan)


def test_sharing_asks_participants_and_mentors_once(
    caseworker, plan, item, member, mentor, evaluator
):
    services.share_plan(caseworker, plan)
    assert AnnualPlan.objects.get().shared_at is not None
    told = set(Notification.objects.values_list("recipient__email", flat=True))
    assert told == {member.email, mentor.email}
    assert Notification.objects.get(recipient=member).subject.startswith("The plan for")
    services.share_plan(caseworker, plan)  # shared again after a change: nobody asked twice
    assert Notification.objects.count() == 2
    assert verbs(plan).count("courses.plan_shared") == 2


def test_organisations_comment_on_the_shared_plan(shared_plan, member, participant, mentor):
    comment = services.comment_on_plan(member, shared_plan, participant, "Flere kveldskurs!")
    mentor_org = mentor.memberships.get().organisation
    services.comment_on_plan(mentor, shared_plan, mentor_org, "Gjerne et mentormøte i mai.")
    assert (comment.author, comment.organisation) == (member, participant)
    assert PlanComment.objects.count() == 2
    assert verbs(shared_plan).count("courses.plan_commented") == 2


def test_comments_are_refused_on_an_unshared_plan_or_without_text(plan, item, member, participant):
    with refused(ValidationError, "The plan has not been shared yet."):
        services.comment_on_plan(member, plan, participant, "For tidlig")


def test_an_empty_comment_is_refused(shared_plan, member, participant):
    with refused(ValidationError, "Write your comment."):
        services.comment_on_plan(member, shared_plan, participant, "   ")


def test_only_members_comment_and_only_for_their_own_organisation(
    shared_plan, member, other_participant, caseworker, evaluator, evaluator_org
):
    with refused(PermissionDenied):
        services.comment_on_plan(member, shared_plan, other_participant, "I andres navn")
    administrator = caseworker.memberships.get().organisation
    with refused(PermissionDenied):
        services.comment_on_plan(caseworker, shared_plan, administrator, "Fra IMDi")
    with refused(PermissionDenied):
        services.comment_on_plan(evaluator, shared_plan, evaluator_org, "Fra forskerne")


def test_comments_are_read_by_the_caseworkers_and_the_own_organisation_only(
    shared_plan, member, participant, other_member, caseworker, other_caseworker, evaluator
):
    comment = services.comment_on_plan(member, shared_plan, participant, "Innspill")
    assert list(PlanComment.objects.visible_to(member)) == [comment]
    assert list(PlanComment.objects.visible_to(caseworker)) == [comment]
    for outsider in (other_member, other_caseworker, evaluator):
        assert not PlanComment.objects.visible_to(outsider).exists()


# --- events -------------------------------------------------------------------------------------


def test_the_caseworker_makes_and_changes_an_event(caseworker, scheme_year, item):
    areas = CompetenceArea.objects.filter(code__in=["applications", "accounts"])
    event = make_event(
        caseworker,
        scheme_year,
        kind="gathering",
        audience="participants",
        planned_item=item,
        is_digital=False,
        place="Oslo",
        cost=75000,
        competence_areas=areas,
    )
    assert event.planned_item == item and event.cost == 75000
    assert set(event.competence_areas.values_list("code", flat=True)) == {
        "applications",
        "accounts",
    }
    services.save_event(caseworker, event, title="Fellessamling i Oslo")  # areas kept
    assert Event.objects.get().title == "Fellessamling i Oslo"
    assert event.competence_areas.count() == 2
    assert verbs(event) == ["courses.event_saved", "courses.event_saved"]


@pytest.mark.parametrize("who", WRONG_CASEWORKERS)
def test_only_the_schemes_caseworkers_make_or_change_events(request, who, scheme_year, gathering):
    actor = request.getfixturevalue(who)
    with refused(PermissionDenied):
        make_event(actor, scheme_year)
    with refused(PermissionDenied):
        services.save_event(actor, gathering, title="Endret")
    with refused(PermissionDenied):
        services.save_programme(actor, gathering, [(datetime.time(9), "Velkommen", None, "IMDi")])
    with refused(PermissionDenied):
        services.cancel_event(actor, gathering, "Avlyst")


def test_another_body_cannot_move_an_event_into_its_own_scheme(other_caseworker, gathering):
    own_year = factories.SchemeYearFactory(
        scheme=factories.SchemeFactory(
            administrator=other_caseworker.memberships.get().organisation
        )
    )
    with refused(PermissionDenied):
        services.save_event(other_caseworker, gathering, scheme_year=own_year)


def test_an_event_that_ends_before_it_starts_is_refused(caseworker, scheme_year):
    starts = in_days(5)
    with refused(ValidationError, "The event must end after it starts."):
        make_event(
            caseworker, scheme_year, starts_at=starts, ends_at=starts - datetime.timedelta(hours=1)
        )


def test_an_event_needs_a_known_kind_and_audience(caseworker, scheme_year):
    with refused(ValidationError, "not a valid choice"):
        make_event(caseworker, scheme_year, kind="party")
    with refused(ValidationError, "not a valid choice"):
        make_event(caseworker, scheme_year, audience="everyone")


def test_an_event_fulfils_an_item_of_its_own_years_plan_only(caseworker, scheme_year, item):
    next_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    with refused(ValidationError, "Choose an item from this year's plan."):
        make_event(caseworker, next_year, planned_item=item)


def test_the_programme_is_replaced_as_a_whole(caseworker, gathering, mentor_org):
    services.save_programme(
        caseworker,
        gathering,
        [
            (datetime.time(9), "Velkommen", None, "IMDi"),
            (datetime.time(10), "Søknadsskriving", mentor_org, ""),
        ],
    )
    services.save_programme(caseworker, gathering, [(datetime.time(11), "Regnskap", None, "IMDi")])
    assert [(p.starts_at, p.title) for p in gathering.programme.all()] == [
        (datetime.time(11), "Regnskap")
    ]


def test_a_programme_item_without_a_title_is_refused(caseworker, gathering):
    with refused(ValidationError, "cannot be blank"):
        services.save_programme(
            caseworker,
            gathering,
            [(datetime.time(9), "Velkommen", None, "IMDi"), (datetime.time(10), "", None, "")],
        )


def test_cancelling_an_event_tells_the_registered_organisations(
    caseworker, gathering, member, participant, other_member, other_participant, mentor
):
    services.register(member, gathering, participant, person_name="Kari")
    services.cancel_event(caseworker, gathering, "For få påmeldte.")
    gathering.refresh_from_db()
    assert gathering.cancelled_at is not None
    notified = Notification.objects.filter(subject__startswith="Cancelled")
    assert [n.recipient for n in notified] == [member]
    assert "For få påmeldte." in notified.get().body
    assert "courses.event_cancelled" in verbs(gathering)


def test_cancelling_needs_a_reason_and_happens_once(caseworker, gathering):
    with refused(ValidationError, "Tell the registered people why."):
        services.cancel_event(caseworker, gathering, "  ")
    services.cancel_event(caseworker, gathering, "Sykdom")
    with refused(ValidationError, "The event is already cancelled."):
        services.cancel_event(caseworker, gathering, "Igjen")


# --- registration: the audience, the deadline and the cap ----------------------------------------


def test_a_member_registers_a_named_person(gathering, member, participant):
    registration = services.register(member, gathering, participant, person_name="  Kari  ")
    assert (registration.person_name, registration.registered_by) == ("Kari", member)
    assert registration.organisation == participant and registration.cancelled_at is None
    assert verbs(gathering) == ["courses.registered", "courses.event_saved"]


def test_a_person_with_a_login_can_be_registered(gathering, member, participant):
    colleague = factories.member_of(participant, role="member", full_name="Kari Kollega")
    registration = services.register(
        member, gathering, participant, person_name="Kari Kollega", person=colleague
    )
    assert registration.person == colleague


def test_only_the_audience_registers_and_only_for_its_own_organisation(
    gathering, member, participant, other_participant, mentor, mentor_org, caseworker, course
):
    with refused(PermissionDenied):
        services.register(member, gathering, other_participant, person_name="Kari")
    with refused(PermissionDenied):
        services.register(caseworker, gathering, participant, person_name="Kari")
    with refused(PermissionDenied):  # the gathering is for participants only
        services.register(mentor, gathering, mentor_org, person_name="Mona Mentor")
    services.register(mentor, course, mentor_org, person_name="Mona Mentor")  # for both


def test_registration_after_the_deadline_is_refused(caseworker, scheme_year, member, participant):
    event = make_event(
        caseworker,
        scheme_year,
        days=3,
        registration_deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    with refused(ValidationError, "Registration closed on"):
        services.register(member, event, participant, person_name="Kari")


def test_registration_on_the_deadline_day_is_open(caseworker, scheme_year, member, participant):
    event = make_event(caseworker, scheme_year, days=3, registration_deadline=timezone.localdate())
    services.register(member, event, participant, person_name="Kari")


def test_registration_for_a_cancelled_event_is_refused(caseworker, gathering, member, participant):
    services.cancel_event(caseworker, gathering, "Sykdom")
    with refused(ValidationError, "The event is cancelled."):
        services.register(member, gathering, participant, person_name="Kari")


def test_registration_needs_a_name_once(gathering, member, participant):
    with refused(ValidationError, "Write the name of the person who comes."):
        services.register(member, gathering, participant, person_name="   ")
    services.register(member, gathering, participant, person_name="Kari Nordmann")
    with refused(ValidationError, "kari nordmann is already registered."):
        services.register(member, gathering, participant, person_name="kari nordmann")


def test_a_person_from_another_organisation_cannot_be_registered(
    gathering, member, participant, other_member
):
    with refused(ValidationError, "The person must belong to your organisation."):
        services.register(member, gathering, participant, person_name="Olav", person=other_member)


def test_the_cap_at_a_gathering_is_per_organisation(
    gathering, member, participant, other_member, other_participant
):
    services.register(member, gathering, participant, person_name="Kari")
    services.register(member, gathering, participant, person_name="Ola")
    with refused(ValidationError) as info:
        services.register(member, gathering, participant, person_name="Per")
    message = info.value.messages[0]
    assert message == (
        f"The places for {participant.name} are taken: at most 2 people from each organisation "
        "can come to a gathering, so more organisations get a place. You can put someone on the "
        "waiting list."
    )
    services.register(other_member, gathering, other_participant, person_name="Anna")
    services.register(other_member, gathering, other_participant, person_name="Bo")
    assert gathering.registrations.active().count() == 4


def test_courses_and_joint_meetings_have_no_cap(
    caseworker, scheme_year, course, member, participant
):
    meeting = make_event(caseworker, scheme_year, kind="joint_meeting", audience="participants")
    for event in (course, meeting):
        for name in ("Kari", "Ola", "Per", "Anna"):
            services.register(member, event, participant, person_name=name)
        assert services.cap_for(event) is None
        assert event.registrations.count() == 4


def test_the_cap_is_read_from_the_scheme_year(
    caseworker, scheme_year, gathering, member, participant
):
    scheme_services.change_year_rules(caseworker, scheme_year, max_attendees_per_organisation=3)
    for name in ("Kari", "Ola", "Per"):
        services.register(member, gathering, participant, person_name=name)
    with refused(ValidationError, "are taken: at most 3 people from each"):
        services.register(member, gathering, participant, person_name="Anna")
    scheme_services.change_year_rules(caseworker, scheme_year, max_attendees_per_organisation=1)
    with refused(ValidationError, "The place for"):
        services.register(member, gathering, participant, person_name="Anna")
    services.cancel_registration(member, gathering.registrations.get(person_name="Per"))
    services.cancel_registration(member, gathering.registrations.get(person_name="Ola"))
    with refused(ValidationError, "is taken: at most 1 person from each"):
        services.register(member, gathering, participant, person_name="Anna")
    scheme_services.change_year_rules(caseworker, scheme_year, max_attendees_per_organisation=2)
    services.register(member, gathering, participant, person_name="Anna")


def test_a_cancelled_registration_frees_its_place(gathering, member, participant):
    kari = services.register(member, gathering, participant, person_name="Kari")
    services.register(member, gathering, participant, person_name="Ola")
    services.cancel_registration(member, kari)
    services.register(member, gathering, participant, person_name="Per")
    with refused(ValidationError, "are taken"):
        services.register(member, gathering, participant, person_name="Kari")
    assert sorted(gathering.registrations.active().values_list("person_name", flat=True)) == [
        "Ola",
        "Per",
    ]


def test_a_member_cancels_before_the_deadline(gathering, member, participant):
    registration = services.register(member, gathering, participant, person_name="Kari")
    services.cancel_registration(member, registration)
    registration.refresh_from_db()
    assert registration.cancelled_at is not None
    assert verbs(gathering)[0] == "courses.unregistered"
    with refused(ValidationError, "The registration is already cancelled."):
        services.cancel_registration(member, registration)


def test_nobody_else_cancels_a_registration(
    gathering, member, participant, other_member, caseworker
):
    registration = services.register(member, gathering, participant, person_name="Kari")
    for outsider in (other_member, caseworker):
        with refused(PermissionDenied):
            services.cancel_registration(outsider, registration)


def test_cancelling_after_the_deadline_is_refused(caseworker, gathering, member, participant):
    registration = services.register(member, gathering, participant, person_name="Kari")
    services.save_event(
        caseworker, gathering, registration_deadline=timezone.localdate() - datetime.timedelta(1)
    )
    with refused(ValidationError, "The registration deadline has passed."):
        services.cancel_registration(member, registration)


def test_cancelling_for_a_cancelled_event_is_refused(caseworker, gathering, member, participant):
    registration = services.register(member, gathering, participant, person_name="Kari")
    services.cancel_event(caseworker, gathering, "Sykdom")
    with refused(ValidationError, "The event is cancelled."):
        services.cancel_registration(member, registration)


# --- attendance -----------------------------------------------------------------------------------


def test_attendance_is_marked_for_the_whole_list_at_once(caseworker, held):
    event, kari, ola, per, _siri = held
    assert services.mark_attendance(caseworker, event, [kari.pk, str(per.pk)]) == 2
    attended = dict(Registration.objects.values_list("person_name", "attended"))
    assert attended == {"Kari": True, "Ola": False, "Per": True, "Siri": None}
    services.mark_attendance(caseworker, event, [ola.pk])  # corrected: the list replaces
    attended = dict(Registration.objects.values_list("person_name", "attended"))
    assert attended == {"Kari": False, "Ola": True, "Per": False, "Siri": None}
    assert verbs(event)[:2] == ["courses.attendance", "courses.attendance"]


def test_attendance_before_the_event_starts_is_refused(caseworker, gathering, member, participant):
    kari = services.register(member, gathering, participant, person_name="Kari")
    with refused(ValidationError, "Attendance is marked once the event has started."):
        services.mark_attendance(caseworker, gathering, [kari.pk])


def test_attendance_with_people_not_on_the_list_is_refused(caseworker, held):
    event, kari, _ola, _per, siri = held
    message = "Some of the people marked are not registered for this event."
    with refused(ValidationError, message):
        services.mark_attendance(caseworker, event, [kari.pk, 999999])
    with refused(ValidationError, message):  # a cancelled registration is not on the list
        services.mark_attendance(caseworker, event, [kari.pk, siri.pk])
    with refused(ValidationError, "Choose people from the list."):
        services.mark_attendance(caseworker, event, [kari.pk, "x"])


def test_attendance_for_a_cancelled_event_is_refused(caseworker, held):
    event, kari, *_rest = held
    services.cancel_event(caseworker, event, "Stengt på grunn av storm.")
    with refused(ValidationError, "The event is cancelled."):
        services.mark_attendance(caseworker, event, [kari.pk])


@pytest.mark.parametrize("who", WRONG_CASEWORKERS)
def test_only_the_schemes_caseworkers_mark_attendance(request, who, held):
    event, kari, *_rest = held
    actor = request.getfixturevalue(who)
    with refused(PermissionDenied):
        services.mark_attendance(actor, event, [kari.pk])


# --- materials ------------------------------------------------------------------------------


def test_materials_are_added_and_removed_with_their_files(
    caseworker, gathering, django_capture_on_commit_callbacks
):
    material = services.add_material(caseworker, gathering, title="", upload=pdf("lysark.pdf"))
    assert (material.title, material.original_name) == ("lysark.pdf", "lysark.pdf")
    storage, name = material.file.storage, material.file.name
    assert storage.exists(name) and not name.startswith("static")
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_material(caseworker, material)
    assert not Material.objects.exists() and not storage.exists(name)
    assert verbs(gathering)[:2] == ["courses.material_removed", "courses.material_added"]


def test_uploads_that_are_not_what_they_claim_are_refused(caseworker, gathering):
    with refused(ValidationError, "does not look like a .pdf file"):
        services.add_material(caseworker, gathering, title="Lysark", upload=pdf(data=b"MZ\x90"))
    with refused(ValidationError, "Files of this kind cannot be uploaded."):
        services.add_material(caseworker, gathering, title="Program", upload=pdf("setup.exe"))


@pytest.mark.parametrize("who", WRONG_CASEWORKERS)
def test_only_the_schemes_caseworkers_add_or_remove_materials(request, who, caseworker, gathering):
    material = services.add_material(caseworker, gathering, title="Lysark", upload=pdf())
    actor = request.getfixturevalue(who)
    with refused(PermissionDenied):
        services.add_material(actor, gathering, title="Mer", upload=pdf())
    with refused(PermissionDenied):
        services.remove_material(actor, material)


def test_materials_are_seen_by_the_events_audience(
    caseworker, gathering, member, mentor, evaluator, other_caseworker, admin_user
):
    material = services.add_material(caseworker, gathering, title="Lysark", upload=pdf())
    for reader in (member, caseworker, admin_user):
        assert list(Material.objects.visible_to(reader)) == [material]
    for outsider in (mentor, evaluator, other_caseworker):
        assert not Material.objects.visible_to(outsider).exists()


# --- practical tasks and hand-ins -----------------------------------------------------------------


@pytest.fixture
def shared_task(caseworker, gathering, participant, other_participant):
    return services.give_task(
        caseworker,
        gathering,
        title="Lag en felles aktivitetsplan",
        description="Lag en plan for én felles aktivitet.",
        organisations=[participant, other_participant],
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def test_a_task_for_two_organisations_reaches_both(
    member, other_member, participant, other_participant, shared_task
):
    assert set(shared_task.organisations.all()) == {participant, other_participant}
    for person in (member, other_member):
        body = Notification.objects.get(recipient=person).body
        assert "Lag en felles aktivitetsplan (together with" in body
        assert participant.name in body and other_participant.name in body
    assert "courses.task_given" in verbs(shared_task.event)


def test_a_task_for_one_organisation(caseworker, gathering, participant, member):
    task = services.give_task(
        caseworker,
        gathering,
        title="Skriv en søknad",
        description="Bruk malen.",
        organisations=[participant, participant],  # named twice: still one organisation
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    assert list(task.organisations.all()) == [participant]
    assert "together with" not in Notification.objects.get(recipient=member).body


def test_a_task_is_for_one_or_two_organisations_of_the_events_audience(
    caseworker, gathering, participant, other_participant, mentor_org
):
    due = timezone.localdate() + datetime.timedelta(days=7)
    third = factories.OrganisationFactory(kind="participant")
    for organisations in ([], [participant, other_participant, third]):
        with refused(ValidationError, "Choose one organisation, or two working together."):
            services.give_task(
                caseworker,
                gathering,
                title="Oppgave",
                description="Gjør det.",
                organisations=organisations,
                due_on=due,
            )
    with refused(ValidationError, "Choose organisations the event is for."):
        services.give_task(
            caseworker,
            gathering,
            title="Oppgave",
            description="Gjør det.",
            organisations=[participant, mentor_org],
            due_on=due,
        )
    with refused(ValidationError, "cannot be blank"):
        services.give_task(
            caseworker, gathering, title="", description="", organisations=[participant], due_on=due
        )


@pytest.mark.parametrize("who", WRONG_CASEWORKERS)
def test_only_the_schemes_caseworkers_give_tasks(request, who, gathering, participant):
    actor = request.getfixturevalue(who)
    with refused(PermissionDenied):
        services.give_task(
            actor,
            gathering,
            title="Oppgave",
            description="Gjør det.",
            organisations=[participant],
            due_on=timezone.localdate(),
        )


def test_each_organisation_hands_in_its_own_answer_and_may_hand_in_again(
    shared_task, member, participant, other_member, other_participant
):
    first = services.hand_in(member, shared_task, participant, text="Vårt utkast.")
    again = services.hand_in(member, shared_task, participant, text="", upload=pdf("plan.pdf"))
    services.hand_in(other_member, shared_task, other_participant, text="Vår plan.")
    assert first.pk == again.pk and again.original_name == "plan.pdf"
    assert HandIn.objects.count() == 2
    assert verbs(shared_task.event).count("courses.handed_in") == 3


def test_a_hand_in_for_an_organisation_the_task_is_not_for_is_refused(
    caseworker, gathering, shared_task, participant
):
    stranger = factories.OrganisationFactory(kind="participant")
    stranger_member = factories.member_of(stranger)
    with refused(PermissionDenied):
        services.hand_in(stranger_member, shared_task, stranger, text="Vi også!")
    with refused(PermissionDenied):  # nor in another organisation's name
        services.hand_in(stranger_member, shared_task, participant, text="Vi også!")
    with refused(PermissionDenied):
        services.hand_in(caseworker, shared_task, participant, text="Fra IMDi")


def test_a_hand_in_after_the_due_date_is_refused(caseworker, gathering, member, participant):
    task = services.give_task(
        caseworker,
        gathering,
        title="Skriv en søknad",
        description="Bruk malen.",
        organisations=[participant],
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    with refused(ValidationError, "The task was due"):
        services.hand_in(member, task, participant, text="Litt sent.")


def test_an_empty_or_unsafe_hand_in_is_refused(shared_task, member, participant):
    with refused(ValidationError, "Write your answer or upload a file."):
        services.hand_in(member, shared_task, participant, text="  ")
    with refused(ValidationError, "does not look like a .pdf file"):
        services.hand_in(member, shared_task, participant, upload=pdf(data=b"MZ\x90"))


def test_no_organisation_sees_another_organisations_hand_in(
    shared_task,
    member,
    participant,
    other_member,
    other_participant,
    caseworker,
    other_caseworker,
    mentor,
    evaluator,
):
    own = services.hand_in(member, shared_task, participant, text="Vårt svar.")
    partners = services.hand_in(other_member, shared_task, other_participant, text="Deres svar.")
    assert list(HandIn.objects.visible_to(member)) == [own]
    assert list(HandIn.objects.visible_to(other_member)) == [partners]
    assert set(HandIn.objects.visible_to(caseworker)) == {own, partners}
    for outsider in (other_caseworker, mentor, evaluator):
        assert not HandIn.objects.visible_to(outsider).exists()
        assert not PracticalTask.objects.visible_to(outsider).exists()
    assert list(PracticalTask.objects.visible_to(member)) == [shared_task]


# --- who sees which events and registrations ----------------------------------------------------


def test_events_are_seen_by_their_audience_and_the_schemes_caseworkers(
    caseworker,
    scheme_year,
    gathering,
    member,
    mentor,
    evaluator,
    other_caseworker,
    admin_user,
):
    for_mentors = make_event(caseworker, scheme_year, audience="mentors", title="Mentormøte")
    for_both = make_event(caseworker, scheme_year, audience="both", title="Kurs for alle")
    everything = {gathering, for_mentors, for_both}
    expected = {
        member: {gathering, for_both},
        mentor: {for_mentors, for_both},
        evaluator: set(),
        caseworker: everything,
        admin_user: everything,
        other_caseworker: set(),
    }
    for user, events in expected.items():
        assert set(Event.objects.visible_to(user)) == events, user


def test_no_organisation_sees_another_organisations_registrations(
    gathering,
    member,
    participant,
    other_member,
    other_participant,
    caseworker,
    other_caseworker,
    evaluator,
    mentor,
):
    own = services.register(member, gathering, participant, person_name="Kari")
    theirs = services.register(other_member, gathering, other_participant, person_name="Per")
    assert list(Registration.objects.visible_to(member)) == [own]
    assert list(Registration.objects.visible_to(other_member)) == [theirs]
    assert set(Registration.objects.visible_to(caseworker)) == {own, theirs}
    for outsider in (other_caseworker, evaluator, mentor):
        assert not Registration.objects.visible_to(outsider).exists()


# --- the plan against what was held ---------------------------------------------------------


def test_plan_against_held_for_a_known_year(
    caseworker, scheme_year, plan, django_assert_num_queries
):
    def planned(kind, month, topic):
        return services.save_planned_item(caseworker, plan, kind=kind, month=month, topic=topic)

    gathering_item = planned("gathering", 1, "Organisasjonsutvikling")
    course_item = planned("course", 3, "Styrearbeid")
    meeting_item = planned("mentor_meeting", 5, "Erfaringer")
    privacy_item = planned("course", 9, "Personvern")

    def event(title, days, item=None, cancelled=False, year=scheme_year):
        starts = in_days(days, hour=10)
        made = services.save_event(
            caseworker,
            scheme_year=year,
            planned_item=item,
            kind="course",
            audience="both",
            title=title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            registration_deadline=(starts - datetime.timedelta(days=1)).date(),
        )
        if cancelled:
            services.cancel_event(caseworker, made, "Avlyst")
        return made

    held_gathering = event("Samlingen", -40, gathering_item)
    event("Avlyst samling", -60, gathering_item, cancelled=True)
    coming_course = event("Styrekurs", 20, course_item)
    event("Avlyst mentormøte", -10, meeting_item, cancelled=True)
    extra = event("Ekstra kurs om kommunikasjon", -5)
    coming_extra = event("Ekstra kurs senere", 30)
    event("Avlyst ekstra", -3, cancelled=True)
    other_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year - 1)
    event("Forrige år", -400, year=other_year)

    with django_assert_num_queries(3):
        table = plans.plan_against_held(scheme_year)
    rows = [(row.item, row.events, row.held) for row in table["rows"]]
    assert rows == [
        (gathering_item, [held_gathering], True),
        (course_item, [coming_course], False),
        (meeting_item, [], False),
        (privacy_item, [], False),
    ]
    assert table["unplanned"] == [extra, coming_extra]
    assert (table["planned"], table["planned_and_held"], table["held_outside_plan"]) == (4, 1, 1)


def test_plan_against_held_for_a_year_without_a_plan(scheme_year):
    table = plans.plan_against_held(scheme_year)
    assert table == {
        "rows": [],
        "unplanned": [],
        "planned": 0,
        "planned_and_held": 0,
        "held_outside_plan": 0,
    }
