"""Each courses rule in one place (``courses/workflows.py`` and the models' predicates): the
services refuse what the workflow refuses, with its reason, and the pages offer exactly what it
allows — no page decides for itself."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import AnnualPlan, Event, FeedbackForm
from courses.workflows import EventState, FormState, PlanState, RegistrationState
from tests import factories
from tests.courses.test_services import make_event, move_to_past, refused


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def names(flow, actor, obj):
    return [transition.name for transition in flow.available(actor, obj)]


def page(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args)).content.decode()


# --- events ---------------------------------------------------------------------------------------


def test_what_each_person_may_do_with_an_event_comes_from_its_workflow(
    caseworker, member, evaluator, gathering
):
    other_caseworker = factories.caseworker()  # of another body
    assert gathering.state == EventState.PLANNED
    assert names(Event.workflow, caseworker, gathering) == ["edit", "cancel", "postpone"]
    assert names(Event.workflow, member, gathering) == ["register"]
    assert names(Event.workflow, other_caseworker, gathering) == []
    assert names(Event.workflow, evaluator, gathering) == []
    held = move_to_past(caseworker, gathering)
    assert names(Event.workflow, caseworker, held) == ["edit", "cancel", "mark_attendance"]
    decision = Event.workflow.decide(member, held, "register")
    assert not decision and decision.reason.startswith("Registration closed on")


def test_cancelling_moves_the_event_and_closes_registration_and_attendance(
    caseworker, member, participant, gathering
):
    services.cancel_event(caseworker, gathering, "Sykdom.")
    gathering.refresh_from_db()
    assert gathering.state == EventState.CANCELLED and gathering.cancelled_at is not None
    assert names(Event.workflow, caseworker, gathering) == ["edit"]
    with refused(ValidationError, "The event is already cancelled."):
        services.cancel_event(caseworker, gathering, "Igjen.")
    with refused(ValidationError, "The event is cancelled."):
        services.register(member, gathering, participant, person_name="Kari")
    with refused(ValidationError, "The event is cancelled."):
        services.mark_attendance(caseworker, gathering, [])


def test_the_event_page_offers_cancelling_only_while_the_workflow_allows_it(
    client, caseworker, gathering
):
    cancel = reverse("courses:event_cancel", args=[gathering.pk])
    assert cancel in page(client, caseworker, "courses:event", gathering.pk)
    services.cancel_event(caseworker, gathering, "Sykdom.")
    assert cancel not in page(client, caseworker, "courses:event", gathering.pk)


def test_the_attendance_page_says_why_it_cannot_be_marked_yet(client, caseworker, gathering):
    content = page(client, caseworker, "courses:attendance", gathering.pk)
    assert "Attendance is marked once the event has started." in content
    with refused(ValidationError, "Attendance is marked once the event has started."):
        services.mark_attendance(caseworker, gathering, [])
    move_to_past(caseworker, gathering)
    content = page(client, caseworker, "courses:attendance", gathering.pk)
    assert "Attendance is marked once the event has started." not in content


def test_held_means_the_same_in_python_and_in_a_query(caseworker, scheme_year, gathering):
    past = move_to_past(caseworker, make_event(caseworker, scheme_year, days=5))
    cancelled = move_to_past(caseworker, make_event(caseworker, scheme_year, days=6))
    services.cancel_event(caseworker, cancelled, "Avlyst.")
    events = Event.objects.all()
    assert [e.pk for e in events if e.is_held()] == [past.pk]
    assert list(Event.objects.held().values_list("pk", flat=True)) == [past.pk]


# --- registrations --------------------------------------------------------------------------------


def test_unregistering_is_offered_while_the_workflow_allows_it(
    client, caseworker, member, other_member, participant, gathering
):
    registration = services.register(member, gathering, participant, person_name="Kari")
    assert registration.state == RegistrationState.REGISTERED
    assert names(registration.workflow, member, registration) == ["cancel"]
    with pytest.raises(PermissionDenied):
        registration.workflow.require(other_member, registration, "cancel")
    unregister = reverse("courses:registration_cancel", args=[registration.pk])
    assert unregister in page(client, member, "courses:event", gathering.pk)
    services.save_event(
        caseworker, gathering, registration_deadline=timezone.localdate() - datetime.timedelta(1)
    )
    content = page(client, member, "courses:event", gathering.pk)
    assert unregister not in content and "Registration closed on" in content
    registration.refresh_from_db()
    with refused(ValidationError, "The registration deadline has passed."):
        services.cancel_registration(member, registration)


def test_a_cancelled_registration_cannot_be_cancelled_again(member, participant, gathering):
    registration = services.register(member, gathering, participant, person_name="Kari")
    services.cancel_registration(member, registration)
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CANCELLED
    with refused(ValidationError, "The registration is already cancelled."):
        services.cancel_registration(member, registration)


# --- feedback forms -------------------------------------------------------------------------------


def make_form(caseworker, scheme_year, **fields):
    return services.save_form(
        caseworker,
        scheme_year.scheme,
        title="Skjema",
        questions=[("rating", "Hvor nyttig?", [], True)],
        **fields,
    )


def test_a_forms_state_follows_its_dates_in_python_and_in_a_query(caseworker, scheme_year):
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    upcoming = make_form(caseworker, scheme_year, opens_at=now + hour)
    open_ = make_form(caseworker, scheme_year, opens_at=now - hour, closes_at=now + hour)
    closed = make_form(caseworker, scheme_year, closes_at=now - hour)
    assert [upcoming.state, open_.state, closed.state] == [
        FormState.NOT_YET_OPEN,
        FormState.OPEN,
        FormState.CLOSED,
    ]
    assert list(FeedbackForm.objects.open_for_answers()) == [open_]


def test_answering_and_changing_a_form_follow_its_workflow(
    client, caseworker, member, participant, scheme_year
):
    form = make_form(caseworker, scheme_year)
    assert names(form.workflow, caseworker, form) == ["edit"]
    assert names(form.workflow, member, form) == ["answer"]
    edit = reverse("courses:form_edit", args=[form.pk])
    assert edit in page(client, caseworker, "courses:form", form.pk)
    [question] = form.questions.all()
    services.answer_form(member, form, participant, {question.pk: "4"})
    assert form.answered_by(member)
    assert names(form.workflow, caseworker, form) == []
    assert edit not in page(client, caseworker, "courses:form", form.pk)
    content = page(client, caseworker, "courses:form_edit", form.pk)
    assert "People have answered this form; its questions stay as they are." in content
    assert "Save the form" not in content


def test_a_closed_form_says_why_it_takes_no_answers(client, caseworker, member, scheme_year):
    form = make_form(caseworker, scheme_year, closes_at=timezone.now() - datetime.timedelta(1))
    content = page(client, member, "courses:form", form.pk)
    assert "This form is not open for answers." in content
    assert "Send my answers" not in content


# --- the annual plan ------------------------------------------------------------------------------


def test_sharing_needs_an_item_and_commenting_a_shared_plan(
    client, caseworker, member, participant, scheme_year
):
    plan = services.save_plan(caseworker, scheme_year)
    assert plan.state == PlanState.DRAFT
    content = page(client, caseworker, "courses:plan_edit", scheme_year.year)
    assert "Add at least one planned item before sharing the plan." in content
    services.save_planned_item(caseworker, plan, kind="course", month=4, topic="Økonomi")
    content = page(client, caseworker, "courses:plan_edit", scheme_year.year)
    assert 'name="action" value="share"' in content
    with refused(ValidationError, "The plan has not been shared yet."):
        services.comment_on_plan(member, plan, participant, "Mer om økonomi.")
    services.share_plan(caseworker, AnnualPlan.objects.get(pk=plan.pk))
    plan.refresh_from_db()
    assert plan.state == PlanState.SHARED
    assert names(plan.workflow, member, plan) == ["comment"]


# --- no page decides a state for itself -----------------------------------------------------------

RAW_STATE = re.compile(r"\b(status|state)\s*(==|!=)|\bcancelled_at\s*(==|!=)")


def test_no_courses_template_compares_a_state_by_hand():
    folder = Path(settings.BASE_DIR) / "templates" / "courses"
    offending = [
        f"{path.relative_to(folder)}: {line.strip()}"
        for path in folder.rglob("*.html")
        for line in path.read_text().splitlines()
        if RAW_STATE.search(line)
    ]
    assert offending == []
