"""Every state change in competence building. One transaction each; each checks the actor's
access and the event's state, writes the timeline and notifies whoever is affected."""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from courses.models import (
    PARTICIPATING_KINDS,
    AnnualPlan,
    Answer,
    CalendarFeed,
    Event,
    EventKind,
    EventReminder,
    FeedbackForm,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
    ProgrammeItem,
    Question,
    QuestionKind,
    Registration,
    Response,
    late_deadline,
)
from organisations.models import Organisation
from scheme import audit, registry
from scheme.formatting import format_day
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import access_for, require, require_administers
from scheme.storage import validate_upload
from scheme.validators import SHORT_TEXT
from scheme.verbs import event_verb

PLAN_SAVED = event_verb("courses.plan_saved", _("changed the annual plan"))
PLAN_SHARED = event_verb("courses.plan_shared", _("shared the annual plan"))
PLAN_COMMENTED = event_verb("courses.plan_commented", _("commented on the annual plan"))
EVENT_SAVED = event_verb("courses.event_saved", _("saved the event"))
EVENT_CANCELLED = event_verb("courses.event_cancelled", _("cancelled the event"))
EVENT_POSTPONED = event_verb("courses.event_postponed", _("postponed the event"))
REGISTERED = event_verb("courses.registered", _("registered a person"))
UNREGISTERED = event_verb("courses.unregistered", _("cancelled a registration"))
PUT_ON_WAITING_LIST = event_verb("courses.waiting", _("put a person on the waiting list"))
MOVED_UP = event_verb("courses.moved_up", _("moved a person up from the waiting list"))
ATTENDANCE = event_verb("courses.attendance", _("marked attendance"))
MATERIAL_ADDED = event_verb("courses.material_added", _("added material"))
MATERIAL_REMOVED = event_verb("courses.material_removed", _("removed material"))
TASK_GIVEN = event_verb("courses.task_given", _("gave a practical task"))
HANDED_IN = event_verb("courses.handed_in", _("handed in a task"))
FEED_RENEWED = event_verb("courses.feed_renewed", _("made a new calendar address"))
FORM_SAVED = event_verb("courses.form_saved", _("saved a feedback form"))
FORM_ANSWERED = event_verb("courses.form_answered", _("received an answer"))

ALREADY_ANSWERED = _("You have already answered this form. Thank you!")


def _require_member(actor, organisation):
    require(access_for(actor).is_member_of(organisation.pk))


def _people_of(organisations):
    return (
        get_user_model()
        .objects.filter(memberships__organisation__in=organisations, is_active=True)
        .distinct()
    )


def _event_url(event):
    return reverse("courses:event", args=[event.pk])


# --- the annual plan ---


@transaction.atomic
def save_plan(actor, scheme_year, *, introduction: str = "") -> AnnualPlan:
    require_administers(actor, scheme_year.scheme)
    AnnualPlan(scheme_year=scheme_year, introduction=introduction).full_clean(
        exclude=["scheme_year"]
    )
    plan, _created = AnnualPlan.objects.update_or_create(
        scheme_year=scheme_year, defaults={"introduction": introduction}
    )
    audit.record(actor, PLAN_SAVED, plan)
    return plan


@transaction.atomic
def save_planned_item(
    actor, plan, item=None, *, competence_areas=None, form_token=None, **fields
) -> PlannedItem:
    """Add an item to the plan (``item`` None; the form's token is spent) or change one;
    ``competence_areas`` None keeps those it has."""
    require_administers(actor, plan.scheme_year.scheme)
    if item is None:
        spend_form_token(actor, form_token)
    item = item or PlannedItem(plan=plan)
    if item.plan_id != plan.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    if competence_areas is not None:
        item.competence_areas.set(competence_areas)
    audit.record(actor, PLAN_SAVED, plan, item.topic)
    return item


@transaction.atomic
def remove_planned_item(actor, item) -> None:
    plan = item.plan
    require_administers(actor, plan.scheme_year.scheme)
    topic = item.topic
    item.delete()
    audit.record(actor, PLAN_SAVED, plan, topic)


@transaction.atomic
def share_plan(actor, plan) -> AnnualPlan:
    """Share the plan with participants and mentors and ask for their input."""
    plan = (
        AnnualPlan.objects.select_for_update().select_related("scheme_year__scheme").get(pk=plan.pk)
    )
    plan.workflow.require(actor, plan, "share")
    first_time = plan.shared_at is None
    plan.workflow.move(plan, "share")
    plan.save(update_fields=["shared_at", "updated_at"])
    audit.record(actor, PLAN_SHARED, plan)
    if first_time:
        notify(
            _people_of(
                Organisation.objects.filter(kind__in=PARTICIPATING_KINDS).filter(
                    registry.organisations_taking_part(plan.scheme_year)
                )
            ),
            _("The plan for {year}: what do you think?"),
            _(
                "The gatherings, courses and joint meetings planned for {year} are in the "
                "portal. Tell us what you would like more or less of."
            ),
            url=reverse("courses:plan", args=[plan.scheme_year.year]),
            year=plan.scheme_year.year,
        )
    return plan


@transaction.atomic
def comment_on_plan(actor, plan, organisation, text: str, *, form_token=None) -> PlanComment:
    _require_member(actor, organisation)
    require(plan.is_for(organisation))
    plan.workflow.require(actor, plan, "comment")
    if not text.strip():
        raise ValidationError({"text": _("Write your comment.")})
    spend_form_token(actor, form_token)
    comment = PlanComment(plan=plan, organisation=organisation, author=actor, text=text)
    comment.full_clean(exclude=["plan", "organisation", "author"])
    comment.save()
    audit.record(actor, PLAN_COMMENTED, plan, organisation.name)
    return comment


# --- events ---


@transaction.atomic
def save_event(actor, event=None, *, competence_areas=None, form_token=None, **fields) -> Event:
    """Create an event (``event`` None; the form's token is spent) or change one;
    ``competence_areas`` None keeps those it has."""
    scheme_year = fields.get("scheme_year") or event.scheme_year
    require_administers(actor, scheme_year.scheme)
    if event is not None:  # moving an event needs the right to both schemes
        stored = Event.objects.select_related("scheme_year__scheme").get(pk=event.pk)
        Event.workflow.require(actor, stored, "edit")
    else:
        spend_form_token(actor, form_token)
    event = event or Event()
    for name, value in fields.items():
        setattr(event, name, value)
    if event.planned_item and event.planned_item.plan.scheme_year_id != scheme_year.pk:
        raise ValidationError({"planned_item": _("Choose an item from this year's plan.")})
    event.full_clean()
    event.save()
    if competence_areas is not None:
        event.competence_areas.set(competence_areas)
    audit.record(actor, EVENT_SAVED, event)
    return event


@transaction.atomic
def save_programme(actor, event, items) -> None:
    """Replace the programme: (time, title, presenter organisation or None, presenter name).

    The event's row is locked first, so the same programme sent twice at once (a double click)
    replaces it twice, one after the other, instead of adding both."""
    event = Event.objects.select_for_update().select_related("scheme_year__scheme").get(pk=event.pk)
    require_administers(actor, event.scheme_year.scheme)
    event.programme.all().delete()
    for starts_at, title, presenter, presenter_name in items:
        item = ProgrammeItem(
            event=event,
            starts_at=starts_at,
            title=title,
            presenter=presenter,
            presenter_name=presenter_name,
        )
        item.full_clean()
        item.save()
    audit.record(actor, EVENT_SAVED, event, _("programme"))


def _check_reason(reason: str) -> None:
    """A reason is written, and short: it is e-mailed to every registered person."""
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the registered people why.")})
    try:
        MaxLengthValidator(SHORT_TEXT)(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None


def _tell_the_registered(event, subject, body, **values) -> None:
    """Tell the people of the organisations registered (or waiting) for the event."""
    registered = event.registrations.not_cancelled()
    notify(
        _people_of(Organisation.objects.filter(pk__in=registered.values("organisation"))),
        subject,
        body,
        url=_event_url(event),
        event=event.title,
        **values,
    )


def _day_of(moment) -> str:
    return format_day(timezone.localtime(moment).date())


@transaction.atomic
def cancel_event(actor, event, reason: str) -> Event:
    event = Event.objects.select_for_update().select_related("scheme_year__scheme").get(pk=event.pk)
    event.workflow.require(actor, event, "cancel")
    _check_reason(reason)
    event.workflow.move(event, "cancel")
    event.save(update_fields=["cancelled_at"])
    audit.record(actor, EVENT_CANCELLED, event, reason)
    _tell_the_registered(
        event,
        _("Cancelled: {event}"),
        _("{event} on {date} is cancelled. {reason}"),
        date=_day_of(event.starts_at),
        reason=reason,
    )
    return event


@transaction.atomic
def postpone_event(
    actor, event, *, starts_at, ends_at, registration_deadline, reason: str
) -> Event:
    """Move a planned event that has not started to a later time. It stays the same event:
    its registrations and waiting lists are kept, the start first planned is kept
    (``first_starts_at``), the registered organisations are told and reminded again before the
    new date."""
    event = Event.objects.select_for_update().select_related("scheme_year__scheme").get(pk=event.pk)
    event.workflow.require(actor, event, "postpone")
    _check_reason(reason)
    if starts_at <= event.starts_at:
        raise ValidationError(
            {
                "starts_at": _("Choose a start after the one planned now (%(date)s).")
                % {"date": _day_of(event.starts_at)}
            }
        )
    if late := late_deadline(starts_at, registration_deadline):
        raise ValidationError({"registration_deadline": late})
    was = event.starts_at
    event.first_starts_at = event.first_starts_at or was
    event.starts_at, event.ends_at = starts_at, ends_at
    event.registration_deadline = registration_deadline
    event.postponed_at = timezone.now()
    event.postponement_reason = reason
    event.full_clean()
    event.save(
        update_fields=[
            "first_starts_at",
            "starts_at",
            "ends_at",
            "registration_deadline",
            "postponed_at",
            "postponement_reason",
        ]
    )
    EventReminder.objects.filter(registration__event=event).delete()  # remind before the new day
    audit.record(actor, EVENT_POSTPONED, event, f"{_day_of(was)} → {_day_of(starts_at)}: {reason}")
    _tell_the_registered(
        event,
        _("Postponed: {event}"),
        _("{event} on {date} is postponed to {new_date} at {time}. {reason}"),
        date=_day_of(was),
        new_date=_day_of(starts_at),
        time=f"{timezone.localtime(starts_at):%H:%M}",
        reason=reason,
    )
    return event


# --- registration and attendance ---


def cap_for(event):
    """How many people one organisation may register: the year's cap for gatherings, else none.

    The cap is per organisation only: an event has no overall number of places."""
    if event.kind == EventKind.GATHERING:
        return event.scheme_year.max_attendees_per_organisation
    return None


def places_taken(event, organisation, registered: int | None = None) -> str:
    """Why the organisation cannot register one more person ("" while it can): its places are
    taken. ``registered`` is its number of registered people, when the caller has counted them;
    the services count under the event's lock."""
    cap = cap_for(event)
    if cap is None:
        return ""
    if registered is None:
        registered = event.registrations.active().filter(organisation=organisation).count()
    if registered < cap:
        return ""
    return ngettext(
        "The place for %(organisation)s is taken: at most %(cap)d person from each "
        "organisation can come to a gathering, so more organisations get a place. You can put "
        "someone on the waiting list.",
        "The places for %(organisation)s are taken: at most %(cap)d people from each "
        "organisation can come to a gathering, so more organisations get a place. You can put "
        "someone on the waiting list.",
        cap,
    ) % {"organisation": organisation.name, "cap": cap}


def _locked_event_for(actor, event, organisation):
    """The event's row, locked, once the actor may register people from the organisation (or
    put them on the waiting list): the registrations of one event are then counted one after
    the other."""
    _require_member(actor, organisation)
    event = Event.objects.select_for_update().select_related("scheme_year").get(pk=event.pk)
    if not event.is_for(organisation):
        raise PermissionDenied
    event.workflow.require(actor, event, "register")
    return event


def _add_person(actor, event, organisation, *, person_name, person, needs, waiting):
    """Register the person, or put them on the waiting list; the caller holds the lock."""
    person_name = person_name.strip()
    if not person_name:
        raise ValidationError({"person_name": _("Write the name of the person who comes.")})
    if person is not None and not access_for(person).is_member_of(organisation.pk):
        raise ValidationError({"person": _("The person must belong to your organisation.")})
    listed = event.registrations.not_cancelled().filter(organisation=organisation)
    if listed.filter(person_name__iexact=person_name).exists():
        raise ValidationError(
            {"person_name": _("%(name)s is already registered.") % {"name": person_name}}
        )
    needs = needs if event.asks_about_needs else {}
    registration = Registration(
        event=event,
        organisation=organisation,
        person_name=person_name,
        person=person,
        registered_by=actor,
        waiting=waiting,
        dietary_needs=needs.get("dietary_needs", "").strip(),
        accessibility_needs=needs.get("accessibility_needs", "").strip(),
    )
    registration.full_clean(exclude=["event", "organisation", "person", "registered_by"])
    registration.save()
    return registration


@transaction.atomic
def register(actor, event, organisation, *, person_name: str, person=None, **needs) -> Registration:
    """Register a named person from the actor's organisation; ``needs``: ``dietary_needs`` and
    ``accessibility_needs``, kept for gatherings only.

    The event's row is locked first, so two registrations at the same moment are counted one
    after the other and the cap per organisation cannot be passed.
    """
    event = _locked_event_for(actor, event, organisation)
    if full := places_taken(event, organisation):
        raise ValidationError(full)
    registration = _add_person(
        actor,
        event,
        organisation,
        person_name=person_name,
        person=person,
        needs=needs,
        waiting=False,
    )
    audit.record(actor, REGISTERED, event, f"{registration.person_name} ({organisation.name})")
    return registration


@transaction.atomic
def join_waiting_list(
    actor, event, organisation, *, person_name: str, person=None, **needs
) -> Registration:
    """Put a named person on the waiting list of a gathering whose places for the organisation
    are taken; they move up when one of the organisation's places is freed."""
    event = _locked_event_for(actor, event, organisation)
    if not places_taken(event, organisation):
        raise ValidationError(_("There is a place left: register the person instead."))
    registration = _add_person(
        actor,
        event,
        organisation,
        person_name=person_name,
        person=person,
        needs=needs,
        waiting=True,
    )
    audit.record(
        actor, PUT_ON_WAITING_LIST, event, f"{registration.person_name} ({organisation.name})"
    )
    return registration


@transaction.atomic
def cancel_registration(actor, registration) -> Registration:
    """Cancel a registration or leave the waiting list. A freed place goes to the first on the
    organisation's waiting list in the same transaction, and they are told.

    The event's row is locked first, as registering locks it, so places are counted one
    after the other however many are cancelled at once."""
    Event.objects.select_for_update().get(pk=registration.event_id)
    registration = (
        Registration.objects.select_for_update()
        .select_related("event__scheme_year", "organisation")
        .get(pk=registration.pk)
    )
    registration.workflow.require(actor, registration, "cancel")
    registration.workflow.move(registration, "cancel")
    registration.save(update_fields=["cancelled_at"])
    audit.record(actor, UNREGISTERED, registration.event, registration.person_name)
    _move_up_the_waiting_list(actor, registration.event, registration.organisation)
    return registration


def _move_up_the_waiting_list(actor, event, organisation) -> None:
    """Give the organisation's free places to the first on its waiting list; the caller holds
    the event's lock."""
    registered = event.registrations.active().filter(organisation=organisation).count()
    while not places_taken(event, organisation, registered):
        first = event.registrations.waiting().filter(organisation=organisation).first()
        if first is None:
            return
        first.workflow.require(actor, first, "move_up")
        first.workflow.move(first, "move_up")
        first.save(update_fields=["waiting"])
        registered += 1
        audit.record(actor, MOVED_UP, event, f"{first.person_name} ({organisation.name})")
        notify(
            [person for person in (first.person, first.registered_by) if person is not None],
            _("{name} has a place at {event}"),
            _(
                "A place was freed at {event} on {date}, so {name} has moved up from the "
                "waiting list and is registered. If {name} cannot come after all, unregister "
                "them in the portal, so that the next person gets the place."
            ),
            url=_event_url(event),
            name=first.person_name,
            event=event.title,
            date=format_day(timezone.localtime(event.starts_at).date()),
        )


@transaction.atomic
def mark_attendance(actor, event, attended_ids) -> int:
    """Mark the whole list at once: the registrations in ``attended_ids`` came, the rest did not."""
    event = Event.objects.select_for_update().select_related("scheme_year__scheme").get(pk=event.pk)
    event.workflow.require(actor, event, "mark_attendance")
    registrations = event.registrations.active()
    try:
        attended_ids = {int(pk) for pk in attended_ids}
    except (TypeError, ValueError):
        raise ValidationError(_("Choose people from the list.")) from None
    unknown = attended_ids - set(registrations.values_list("pk", flat=True))
    if unknown:
        raise ValidationError(_("Some of the people marked are not registered for this event."))
    came = registrations.filter(pk__in=attended_ids).update(attended=True)
    registrations.exclude(pk__in=attended_ids).update(attended=False)
    audit.record(actor, ATTENDANCE, event, str(came))
    return came


# --- materials and practical tasks ---


@transaction.atomic
def add_material(actor, event, *, title: str, upload, form_token=None) -> Material:
    require_administers(actor, event.scheme_year.scheme)
    spend_form_token(actor, form_token)
    validate_upload(upload)
    material = Material(
        event=event, title=title or upload.name, original_name=upload.name[:200], uploaded_by=actor
    )
    material.file.save(upload.name, upload, save=False)
    material.full_clean()
    material.save()
    audit.record(actor, MATERIAL_ADDED, event, material.title)
    return material


@transaction.atomic
def remove_material(actor, material) -> None:
    event = material.event
    require_administers(actor, event.scheme_year.scheme)
    stored, title = material.file.name, material.title
    storage = material.file.storage
    material.delete()
    transaction.on_commit(lambda: storage.delete(stored))
    audit.record(actor, MATERIAL_REMOVED, event, title)


@transaction.atomic
def give_task(
    actor, event, *, title: str, description: str, organisations, due_on, form_token=None
) -> PracticalTask:
    """A practical task for one organisation, or for two working together."""
    require_administers(actor, event.scheme_year.scheme)
    spend_form_token(actor, form_token)
    organisations = list({o.pk: o for o in organisations}.values())
    if not 1 <= len(organisations) <= 2:
        raise ValidationError(
            {"organisations": _("Choose one organisation, or two working together.")}
        )
    if not all(event.is_for(o) for o in organisations):
        raise ValidationError({"organisations": _("Choose organisations the event is for.")})
    task = PracticalTask(
        event=event, title=title, description=description, due_on=due_on, created_by=actor
    )
    task.full_clean()
    task.save()
    task.organisations.set(organisations)
    audit.record(actor, TASK_GIVEN, event, title)
    together = len(organisations) == 2
    notify(
        _people_of(organisations),
        _("A task from {event}"),
        _("{title}\n\n{description}\n\nHand it in by {due}.")
        if not together
        else _("{title} (together with {partner})\n\n{description}\n\nHand it in by {due}."),
        url=reverse("courses:task", args=[task.pk]),
        event=event.title,
        title=title,
        description=description,
        due=format_day(due_on),
        partner=" / ".join(o.name for o in organisations),
    )
    return task


@transaction.atomic
def hand_in(actor, task, organisation, *, text: str = "", upload=None, form_token=None) -> HandIn:
    """Hand in (or hand in again) a practical task for one of its organisations: one hand-in
    each, replaced by the next (the form's token is spent, so a double post stores once)."""
    _require_member(actor, organisation)
    require(task.organisations.filter(pk=organisation.pk).exists())
    if closed := task.why_no_hand_in():
        raise ValidationError(closed)
    if not text.strip() and upload is None:
        raise ValidationError(_("Write your answer or upload a file."))
    spend_form_token(actor, form_token)
    hand_in, _created = HandIn.objects.get_or_create(
        task=task, organisation=organisation, defaults={"submitted_by": actor}
    )
    hand_in.text = text
    hand_in.submitted_by = actor
    hand_in.submitted_at = timezone.now()
    hand_in.full_clean(exclude=["task", "organisation", "submitted_by", "file"])
    if upload is not None:
        validate_upload(upload)
        hand_in.file.save(upload.name, upload, save=False)
        hand_in.original_name = upload.name[:200]
    hand_in.save()
    audit.record(actor, HANDED_IN, task.event, f"{task.title} ({organisation.name})")
    return hand_in


# --- feedback forms ---


@transaction.atomic
def save_form(actor, scheme, *, questions, form=None, form_token=None, **fields) -> FeedbackForm:
    """Create (the form's token is spent) or change a form; ``questions``: (kind, text,
    choices, required) in order.

    Questions cannot change once someone has answered.
    """
    require_administers(actor, scheme)
    if form is not None and form.scheme_id != scheme.pk:
        raise PermissionDenied
    if form is not None:
        form.workflow.require(actor, form, "edit")
    else:
        spend_form_token(actor, form_token)
    event = fields.get("event")
    if event is not None and event.scheme_year.scheme_id != scheme.pk:
        raise ValidationError({"event": _("Choose an event of this scheme.")})
    form = form or FeedbackForm(scheme=scheme, created_by=actor)
    for name, value in fields.items():
        setattr(form, name, value)
    if form.opens_at and form.closes_at and form.closes_at < form.opens_at:
        raise ValidationError({"closes_at": _("The form must close after it opens.")})
    questions = list(questions)
    if not questions:
        raise ValidationError(_("Add at least one question."))
    form.full_clean()
    form.save()
    form.questions.all().delete()
    for position, (kind, text, choices, required) in enumerate(questions, start=1):
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(choices) < 2:
            raise ValidationError(_("Question %(n)d needs at least two choices.") % {"n": position})
        question = Question(
            form=form,
            position=position,
            kind=kind,
            text=text,
            choices=list(choices) if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else [],
            required=required,
        )
        try:
            question.full_clean(exclude=["form"])
        except ValidationError as error:
            raise ValidationError(
                _("Question %(n)d: %(problem)s")
                % {"n": position, "problem": " ".join(error.messages)}
            ) from None
        question.save()
    audit.record(actor, FORM_SAVED, form)
    return form


def _clean_answer(question, value):
    """The stored answer for one question, or a ValidationError saying what is wrong."""
    if isinstance(value, str):
        value = value.strip()
    empty = value in (None, "", [], ())
    if empty:
        if question.required:
            raise ValidationError({f"q{question.pk}": _("Please answer this question.")})
        return None
    if question.kind == QuestionKind.RATING:
        if str(value) not in {"1", "2", "3", "4", "5"}:
            raise ValidationError({f"q{question.pk}": _("Choose a number from 1 to 5.")})
        return {"rating": int(value)}
    if question.kind == QuestionKind.SINGLE:
        if value not in question.choices:
            raise ValidationError({f"q{question.pk}": _("Choose one of the answers.")})
        return {"choices": [value]}
    if question.kind == QuestionKind.MULTIPLE:
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        if any(v not in question.choices for v in values):
            raise ValidationError({f"q{question.pk}": _("Choose among the answers.")})
        return {"choices": list(dict.fromkeys(values))}  # a choice ticked twice counts once
    try:
        text = Answer._meta.get_field("text").clean(str(value), None)
    except ValidationError as error:
        raise ValidationError({f"q{question.pk}": error.messages}) from None
    return {"text": text}


@transaction.atomic
def answer_form(actor, form, organisation, answers) -> Response:
    """One person's answers (question id -> value); each person answers a form once."""
    _require_member(actor, organisation)
    if not form.is_for(organisation):
        raise PermissionDenied
    form.workflow.require(actor, form, "answer")
    if form.answered_by(actor):
        raise ValidationError(ALREADY_ANSWERED)
    cleaned = {
        question: _clean_answer(question, answers.get(question.pk))
        for question in form.questions.all()
    }
    try:
        with transaction.atomic():
            response = Response.objects.create(
                form=form, respondent=actor, organisation=organisation
            )
    except IntegrityError:
        raise ValidationError(ALREADY_ANSWERED) from None
    Answer.objects.bulk_create(
        [
            Answer(response=response, question=question, **value)
            for question, value in cleaned.items()
            if value is not None
        ]
    )
    audit.record(None, FORM_ANSWERED, form)  # no name, no detail: answers stay anonymous
    return response


# --- calendar feed and reminders ---


@transaction.atomic
def calendar_feed_for(user, *, renew: bool = False) -> CalendarFeed:
    """The user's secret calendar address; ``renew`` replaces it (the old one stops working)."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if renew and not created:
        feed.token = secrets.token_urlsafe()
        feed.save(update_fields=["token"])
        audit.record(user, FEED_RENEWED, user)
    return feed


def send_event_reminders(today: datetime.date | None = None) -> int:
    """The day before an event, remind each registered person (or whoever registered them).
    Each registration is reminded once, however often this runs."""
    today = today or timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    registrations = (
        Registration.objects.active()
        .filter(event__cancelled_at__isnull=True, event__starts_at__date=tomorrow)
        .exclude(reminder__isnull=False)
        .select_related("event", "person", "registered_by")
    )
    sent = 0
    for registration in registrations:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    EventReminder.objects.create(registration=registration)
            except IntegrityError:
                continue
            event = registration.event
            starts = timezone.localtime(event.starts_at)
            notify(
                [registration.person or registration.registered_by],
                _("Tomorrow: {event}"),
                _("{name} is registered for {event} tomorrow at {time}. {where}"),
                url=_event_url(event),
                name=registration.person_name,
                event=event.title,
                time=f"{starts:%H:%M}",
                where=event.meeting_link if event.is_digital else event.place,
            )
            sent += 1
    return sent
