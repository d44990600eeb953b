"""The courses demo data: the annual plans for 2023 and 2024 and what was really held, loaded
twice.

One test, as loading the whole demo (every app's) takes several seconds."""

import datetime
import io
from pathlib import Path

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from courses import feedback
from courses.models import (
    AnnualPlan,
    Answer,
    Event,
    FeedbackForm,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
    ProgrammeItem,
    Registration,
    Response,
)
from courses.plans import plan_against_held
from scheme import audit
from scheme.formatting import format_day
from scheme.models import Event as TimelineEvent
from scheme.models import Notification, SchemeYear

COURSES_MODELS = (
    AnnualPlan, PlannedItem, PlanComment, Event, ProgrammeItem, Registration, Material,
    PracticalTask, HandIn, FeedbackForm, Response, Answer,
)  # fmt: skip


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def counts(media: Path):
    found = {model.__name__: model.objects.count() for model in COURSES_MODELS}
    found["attended"] = Registration.objects.filter(attended=True).count()
    found["timeline"] = TimelineEvent.objects.filter(verb__startswith="courses.").count()
    found["notifications"] = Notification.objects.filter(url__startswith="/courses/").count()
    found["files"] = sorted(p.read_bytes()[:5] for p in media.rglob("*") if p.is_file())
    return found


def test_the_courses_demo_tells_what_was_planned_and_held_and_a_second_run_gives_the_same(
    db, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    output = load_demo()
    first = counts(tmp_path / "media" / "materials")
    load_demo()
    assert counts(tmp_path / "media" / "materials") == first
    line = next(line for line in output.splitlines() if line.startswith("Courses:"))
    assert line.startswith("Courses: 2 annual plans with 17 planned items")
    assert "11 events held (3 courses, 3 gatherings, 5 joint meetings)" in line
    check_plans()
    check_events_held()
    check_registrations_and_attendance()
    check_materials_and_the_task(tmp_path / "media")
    check_the_evaluation_form()
    check_the_dates()


def planned_kinds(year):
    items = PlannedItem.objects.filter(plan__scheme_year__year=year)
    return dict(items.values_list("kind").annotate(n=Count("id")))


def check_plans():
    plans = {plan.scheme_year.year: plan for plan in AnnualPlan.objects.select_related()}
    assert set(plans) == {2023, 2024}
    assert planned_kinds(2023) == {
        "gathering": 2,
        "mentor_meeting": 3,
        "participant_meeting": 2,
        "course": 2,
    }
    assert planned_kinds(2024) == {
        "gathering": 2,
        "mentor_meeting": 2,
        "participant_meeting": 2,
        "course": 2,
    }
    courses_2023 = set(plans[2023].items.filter(kind="course").values_list("topic", flat=True))
    assert courses_2023 == {"Styrearbeid", "Prosjektutvikling"}
    assert plans[2024].items.filter(kind="course", competence_areas__code="privacy").exists()
    for year, plan in plans.items():
        assert plan.shared_at.year == year and plan.shared_at.month == 2  # shared in February
        assert PlanComment.objects.filter(plan=plan).count() >= 2
    # Fewer held than planned, as the evaluation found; the mentoring course was extra.
    figures = {year: plan_against_held(SchemeYear.objects.get(year=year)) for year in plans}
    assert {
        year: (f["planned"], f["planned_and_held"], f["held_outside_plan"])
        for year, f in figures.items()
    } == {2023: (9, 6, 1), 2024: (8, 4, 0)}


def check_events_held():
    events = Event.objects.select_related("provider", "planned_item__plan__scheme_year")
    assert events.count() == 11 and not events.filter(cancelled_at__isnull=False).exists()
    for event in events:
        assert event.planned_item is None or (
            event.planned_item.plan.scheme_year_id == event.scheme_year_id
        )
        assert event.registration_deadline <= event.starts_at.date()

    courses = events.filter(kind="course")
    assert all(course.is_digital and course.meeting_link for course in courses)
    assert all(15000 <= course.cost <= 25000 for course in courses)
    assert {(c.provider_display, c.title) for c in courses} == {
        ("Frivillighet Norge", "Kurs i styrearbeid"),
        ("Likestillingssenteret", "Kurs i mentoring for deltakere og mentorer"),
        ("Frivillighet Norge", "Kurs i kommunikasjon"),
    }
    mentoring = courses.get(provider_name="Likestillingssenteret")
    assert (mentoring.starts_at.year, mentoring.starts_at.month) == (2023, 11)
    assert mentoring.audience == "both" and mentoring.planned_item is None

    gatherings = events.filter(kind="gathering").prefetch_related("programme__presenter")
    assert [g.starts_at.date() for g in gatherings] == [
        datetime.date(2023, 1, 28),
        datetime.date(2023, 9, 23),
        datetime.date(2024, 10, 19),
    ]
    # On Saturdays, in IMDi's premises in Oslo; the second postponed from June, one event.
    assert {timezone.localtime(g.starts_at).strftime("%A") for g in gatherings} == {"Saturday"}
    assert [
        g.first_starts_at and timezone.localtime(g.first_starts_at).date() for g in gatherings
    ] == [
        None,
        datetime.date(2023, 6, 10),
        None,
    ]
    postponed = gatherings[1]
    assert postponed.planned_item.month == 6 and postponed.postponement_reason
    assert [e.detail for e in audit.timeline(postponed) if e.verb == "courses.event_postponed"] == [
        f"{format_day(datetime.date(2023, 6, 10))} → {format_day(datetime.date(2023, 9, 23))}: "
        f"{postponed.postponement_reason}"
    ]
    told = Notification.objects.filter(
        subject__contains=postponed.title, body__contains="23.09.2023"
    )
    assert told.count() > 5
    presenters = []
    for gathering in gatherings:
        assert not gathering.is_digital and "Oslo" in gathering.place and gathering.at_administrator
        assert 60000 <= gathering.cost <= 90000 and gathering.competence_areas.exists()
        presenters.append(
            {
                (item.presenter.name if item.presenter else item.presenter_name).split(" (")[0]
                for item in gathering.programme.all()
            }
            - {""}
        )
    imdi = "Integrerings- og mangfoldsdirektoratet"
    assert presenters == [
        {imdi, "Minotenk"},
        {imdi, "Landsrådet for Norges barne- og ungdomsorganisasjoner"},
        {imdi, "Redd Barna", "Frivillighet Norge"},
    ]
    meetings = events.filter(kind="joint_meeting")
    assert all(meeting.is_digital for meeting in meetings)
    assert (
        sorted(meetings.values_list("audience", flat=True))
        == ["mentors"] * 3 + ["participants"] * 2
    )


def check_registrations_and_attendance():
    registrations = Registration.objects.select_related("event__scheme_year", "organisation")
    assert registrations.active().count() > 100
    per_organisation = (
        registrations.active()
        .filter(event__kind="gathering")
        .values("event", "organisation")
        .annotate(n=Count("id"))
    )
    assert max(row["n"] for row in per_organisation) == 2  # the cap, never passed
    # Most participant organisations at each gathering brought two people, the most allowed.
    came = (
        registrations.filter(event__kind="gathering", attended=True)
        .filter(organisation__kind="participant")
        .values("event", "organisation")
        .annotate(n=Count("id"))
    )
    for event in {row["event"] for row in came}:
        people = [row["n"] for row in came if row["event"] == event]
        assert people.count(2) > len(people) / 2
    [waiting] = registrations.waiting()  # one person waited for a place at the closing gathering
    assert waiting.event.title == "Avslutningssamling i Oslo"
    assert (
        registrations.active()
        .filter(event=waiting.event, organisation=waiting.organisation)
        .count()
        == 2
    )
    for registration in registrations:
        assert registration.organisation.is_demo
        assert registration.event.is_for(registration.organisation)
        assert registration.registered_at < registration.event.starts_at
        if registration.cancelled_at:
            assert registration.attended is None
            assert registration.cancelled_at.date() <= registration.event.registration_deadline
        elif registration.waiting:
            assert registration.attended is None
        else:
            assert registration.attended is not None  # attendance marked for every event
    active = registrations.active()
    assert active.filter(attended=True).count() > 0.8 * active.count()
    assert active.filter(attended=False).exists()
    # The mentoring course was for both participants and mentors, and both came.
    kinds = set(
        active.filter(event__provider_name="Likestillingssenteret", attended=True).values_list(
            "organisation__kind", flat=True
        )
    )
    assert kinds == {"participant", "mentor"}


def check_materials_and_the_task(media: Path):
    assert Material.objects.count() >= 6
    for material in Material.objects.all():
        assert Path(material.file.path).is_relative_to(media)
        assert material.file.open("rb").read(5) == b"%PDF-"
    task = PracticalTask.objects.get()
    organisations = set(task.organisations.all())
    assert len(organisations) == 2 and task.event.kind == "gathering"
    hand_ins = task.hand_ins.select_related("organisation")
    assert {hand_in.organisation for hand_in in hand_ins} == organisations
    assert all(h.submitted_at.date() <= task.due_on for h in hand_ins)


def check_the_evaluation_form():
    form = FeedbackForm.objects.get()
    assert form.event is None  # the closing evaluation of the scheme as a whole
    kinds = list(form.questions.values_list("kind", flat=True))
    assert set(kinds) == {"rating", "single", "multiple", "text"}
    responses = form.responses.select_related("organisation")
    respondents = [response.respondent_id for response in responses]
    assert len(respondents) == len(set(respondents))  # once per person
    by_kind = Count("id")
    kinds_answered = dict(responses.values_list("organisation__kind").annotate(n=by_kind))
    assert kinds_answered["participant"] >= 7 and kinds_answered["mentor"] >= 7
    results = feedback.results(form)
    rating = results[0]
    assert rating.answered == len(respondents) and 3 <= rating.average <= 5
    assert any(result.texts for result in results)
    assert all(form.opens_at <= r.submitted_at <= form.closes_at for r in responses)


def check_the_dates():
    """Everything happened in the pilot, not on the day the demo was loaded."""
    timeline = TimelineEvent.objects.filter(verb__startswith="courses.")
    assert timeline.exists() and not timeline.filter(created_at__year__gt=2024).exists()
    notifications = Notification.objects.filter(url__startswith="/courses/")
    assert notifications.exists()
    assert not notifications.filter(created_at__year__gt=2024).exists()
    assert not notifications.filter(read_at__isnull=True).exists()
    assert not notifications.exclude(email_to="").exists()
