"""The steps of competence building's case objects, written once (``scheme.states``): the
annual plan (shared, commented on), an event (edited, postponed, cancelled, registered for or
its waiting list joined, its attendance marked), a registration (cancelled, moved up from the
waiting list) and a feedback form (answered, its questions changed). Services call ``require``
before they change anything; templates ask ``{% allowed event "cancel" as may_cancel %}``.

The states are read from the objects' timestamps (``Event.state`` and the others; a
registration's waiting list also from its ``waiting`` flag), so the tables need no state
column; the time-bound parts (a registration deadline, an event that has not started) are
guards over the models' predicates.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from scheme.formatting import format_day
from scheme.states import Transition, Workflow

EVENT_IS_CANCELLED = _("The event is cancelled.")


class PlanState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SHARED = "shared", _("shared")


class EventState(models.TextChoices):
    PLANNED = "planned", _("planned")
    CANCELLED = "cancelled", _("cancelled")


class RegistrationState(models.TextChoices):
    REGISTERED = "registered", _("registered")
    WAITING = "waiting", _("on the waiting list")
    CANCELLED = "cancelled", _("cancelled")


class FormState(models.TextChoices):
    NOT_YET_OPEN = "not_yet_open", _("not yet open")
    OPEN = "open", _("open for answers")
    CLOSED = "closed", _("closed")


# --- who may take a step ---


def _runs_the_plans_scheme(access, plan) -> bool:
    return access.administers(plan.scheme_year.scheme)


def _runs_the_events_scheme(access, event) -> bool:
    return access.administers(event.scheme_year.scheme)


def _runs_the_forms_scheme(access, form) -> bool:
    return access.administers(form.scheme)


def _in_the_audience(access, obj) -> bool:
    """One of the person's organisations is one the plan, the event or the form is for
    (``is_for``); the service checks the organisation they chose."""
    from courses.models import own_taking_part  # imports us

    return any(obj.is_for(organisation) for organisation in own_taking_part(access))


def _registered_them(access, registration) -> bool:
    return access.is_member_of(registration.organisation_id)


# --- what besides the state stops a step ---


def _nothing_planned(plan) -> str | None:
    if plan.items.exists():
        return None
    return _("Add at least one planned item before sharing the plan.")


def _registration_closed(event) -> str | None:
    if event.registration_open():
        return None
    return _("Registration closed on %(date)s.") % {"date": format_day(event.registration_deadline)}


def _not_started(event) -> str | None:
    return None if event.has_started() else _("Attendance is marked once the event has started.")


def _started_already(event) -> str | None:
    return (
        _("The event has started; it can no longer be postponed.") if event.has_started() else None
    )


def _event_cancelled_or_closed(registration) -> str | None:
    event = registration.event
    if event.cancelled_at:
        return EVENT_IS_CANCELLED
    if not event.registration_open():
        return _("The registration deadline has passed. Tell the caseworker if you cannot come.")
    return None


def _answered(form) -> str | None:
    if form.responses.exists():
        return _("People have answered this form; its questions stay as they are.")
    return None


PLAN_FLOW = Workflow(
    "state",
    [
        Transition(
            "share",
            _("Share the plan"),
            frozenset(PlanState.values),  # sharing again tells nobody; changes show at once
            PlanState.SHARED,
            refusal="",
            who=_runs_the_plans_scheme,
            guard=_nothing_planned,
        ),
        Transition(
            "comment",
            _("Send the comment"),
            frozenset({PlanState.SHARED}),
            None,
            refusal=_("The plan has not been shared yet."),
            who=_in_the_audience,
        ),
    ],
)

EVENT_FLOW = Workflow(
    "state",
    [
        Transition(
            "edit",
            _("Edit"),
            frozenset(EventState.values),
            None,
            refusal="",
            who=_runs_the_events_scheme,
        ),
        Transition(
            "cancel",
            _("Cancel the event"),
            frozenset({EventState.PLANNED}),
            EventState.CANCELLED,
            refusal=_("The event is already cancelled."),
            who=_runs_the_events_scheme,
        ),
        Transition(
            "postpone",
            _("Postpone the event"),
            frozenset({EventState.PLANNED}),
            None,
            refusal=EVENT_IS_CANCELLED,
            who=_runs_the_events_scheme,
            guard=_started_already,
        ),
        Transition(
            "register",
            _("Register"),
            frozenset({EventState.PLANNED}),
            None,
            refusal=EVENT_IS_CANCELLED,
            who=_in_the_audience,
            guard=_registration_closed,
        ),
        Transition(
            "mark_attendance",
            _("Attendance"),
            frozenset({EventState.PLANNED}),
            None,
            refusal=EVENT_IS_CANCELLED,
            who=_runs_the_events_scheme,
            guard=_not_started,
        ),
    ],
)

REGISTRATION_FLOW = Workflow(
    "state",
    [
        Transition(
            "cancel",
            _("Unregister"),
            frozenset({RegistrationState.REGISTERED, RegistrationState.WAITING}),
            RegistrationState.CANCELLED,
            refusal=_("The registration is already cancelled."),
            who=_registered_them,
            guard=_event_cancelled_or_closed,
        ),
        Transition(  # taken by the service when one of the organisation's places is freed
            "move_up",
            _("Move up from the waiting list"),
            frozenset({RegistrationState.WAITING}),
            RegistrationState.REGISTERED,
            refusal=_("The person is not on the waiting list."),
            who=_registered_them,
            guard=_event_cancelled_or_closed,
        ),
    ],
)

FORM_FLOW = Workflow(
    "state",
    [
        Transition(
            "answer",
            _("Send my answers"),
            frozenset({FormState.OPEN}),
            None,
            refusal=_("This form is not open for answers."),
            who=_in_the_audience,
        ),
        Transition(
            "edit",
            _("Edit"),
            frozenset(FormState.values),
            None,
            refusal="",
            who=_runs_the_forms_scheme,
            guard=_answered,
        ),
    ],
)
