"""What this app holds about a person and about an organisation, for the exports of
scheme/personal_data.py, and the retention rule that blanks the needs given at registration.

A person's part: their registrations (made by them or for them, with the needs given), their
answers to feedback forms, comments on the plan, hand-ins and uploaded materials with the
files. An organisation's part: its registrations, comments, practical tasks and hand-ins with
the files. Feedback answers are each person's own and reach others only without names, so
they stay out of the organisation's export.
"""

from django.db.models import Q

from courses.models import (
    NEEDS_FIELDS,
    CalendarFeed,
    HandIn,
    Material,
    PlanComment,
    PracticalTask,
    Registration,
    Response,
)
from scheme import registry

APP = "courses"


def _registration(registration, user=None) -> dict:
    record = {
        "event": registration.event.title,
        "starts_at": registration.event.starts_at,
        "organisation": registration.organisation.name,
        "person": registration.person_name,
        "registered_at": registration.registered_at,
        "cancelled_at": registration.cancelled_at,
        "on_waiting_list": registration.waiting,
        "attended": registration.attended,
        "dietary_needs": registration.dietary_needs,
        "accessibility_needs": registration.accessibility_needs,
    }
    if user is not None:
        record.update(
            for_you=registration.person_id == user.pk,
            by_you=registration.registered_by_id == user.pk,
        )
    return record


def _comment(comment) -> dict:
    return {
        "plan": str(comment.plan.scheme_year),
        "organisation": comment.organisation.name,
        "text": comment.text,
        "written_at": comment.created_at,
    }


def _hand_in(hand_in, files) -> dict:
    return {
        "task": hand_in.task.title,
        "organisation": hand_in.organisation.name,
        "text": hand_in.text,
        "file_name": hand_in.original_name,
        "file": files.add("hand-ins", hand_in.pk, hand_in.original_name, hand_in.file),
        "handed_in_at": hand_in.submitted_at,
    }


def _comments():
    return PlanComment.objects.select_related("plan__scheme_year__scheme", "organisation")


def about_person(user) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    registrations = Registration.objects.filter(Q(person=user) | Q(registered_by=user))
    responses = (
        Response.objects.filter(respondent=user)
        .select_related("form", "organisation")
        .prefetch_related("answers__question")
    )
    hand_ins = HandIn.objects.filter(submitted_by=user).select_related("task", "organisation")
    materials = Material.objects.filter(uploaded_by=user).select_related("event")
    feed = CalendarFeed.objects.filter(user=user).first()
    records = {
        "registrations": [
            _registration(registration, user)
            for registration in registrations.select_related("event", "organisation")
        ],
        "feedback_answers": [
            {
                "form": response.form.title,
                "organisation": response.organisation.name,
                "answered_at": response.submitted_at,
                "answers": [
                    {
                        "question": answer.question.text,
                        "rating": answer.rating,
                        "choices": answer.choices,
                        "text": answer.text,
                    }
                    for answer in response.answers.all()
                ],
            }
            for response in responses
        ],
        "comments_on_plans": [_comment(comment) for comment in _comments().filter(author=user)],
        "hand_ins": [_hand_in(hand_in, files) for hand_in in hand_ins],
        "materials_uploaded": [
            {
                "event": material.event.title,
                "title": material.title,
                "file_name": material.original_name,
                "file": files.add("materials", material.pk, material.original_name, material.file),
                "uploaded_at": material.uploaded_at,
            }
            for material in materials
        ],
        "calendar_address_made_at": feed.created_at if feed else None,
    }
    return registry.DataPart(APP, records, tuple(files.entries))


def about_organisation(organisation, actor) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    registrations = (
        Registration.objects.visible_to(actor)
        .filter(organisation=organisation)
        .select_related("event", "organisation")
    )
    tasks = PracticalTask.objects.visible_to(actor).filter(organisations=organisation)
    hand_ins = (
        HandIn.objects.visible_to(actor)
        .filter(organisation=organisation)
        .select_related("task", "organisation")
    )
    comments = _comments().visible_to(actor).filter(organisation=organisation)
    records = {
        "registrations": [_registration(registration) for registration in registrations],
        "comments_on_plans": [_comment(comment) for comment in comments],
        "practical_tasks": list(
            tasks.select_related("event").values("title", "description", "event__title", "due_on")
        ),
        "hand_ins": [_hand_in(hand_in, files) for hand_in in hand_ins],
    }
    return registry.DataPart(APP, records, tuple(files.entries))


def blank_needs(cutoff) -> int:
    """Blank the dietary and accessibility needs given for events that ended before ``cutoff``;
    the registration stays (who came is part of the follow-up)."""
    given = Q()
    for name in NEEDS_FIELDS:
        given |= ~Q(**{name: ""})
    ended = Registration.objects.filter(given, event__ends_at__lt=cutoff)
    return ended.update(**dict.fromkeys(NEEDS_FIELDS, ""))


def register() -> None:
    registry.register_personal_data(person=about_person, organisation=about_organisation)
    registry.register_retention_purge("event_needs", blank_needs)
