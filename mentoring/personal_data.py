"""What this app holds about a person and about an organisation, for the exports of
scheme/personal_data.py.

Meeting notes belong to those who were in the meeting (``Meeting.took_part``): a person's
export has the notes of the meetings they logged themselves; an organisation's export has the
notes of the meetings it took part in, as far as the one exporting may read them, and never
another organisation's notes from a group pairing. Another organisation's check-ins and
flags stay out too.
"""

from django.db.models import Prefetch, Q

from mentoring.models import (
    AgreementAcceptance,
    CalledOffMeeting,
    CheckIn,
    Compensation,
    Flag,
    Meeting,
    MentorOffer,
    Pairing,
    Task,
)
from scheme import registry

APP = "mentoring"


def _names(items) -> list[str]:
    return [item.name for item in items]


def _meeting(meeting, *, with_notes: bool) -> dict:
    record = {
        "id": meeting.pk,
        "pairing_id": meeting.pairing_id,
        "held_on": meeting.held_on,
        "mode": meeting.mode,
        "initiative": meeting.initiative,
        "duration_minutes": meeting.duration_minutes,
        "attendees": meeting.attendees,
        "organisations_that_took_part": _names(meeting.participants.all()),
        "topics": _names(meeting.topics.all()),
        "summary": meeting.summary,
        "logged_by_organisation": meeting.logged_for.name,
        "logged_at": meeting.logged_at,
        "confirmed_at": meeting.confirmed_at,
    }
    if with_notes:
        record.update(notes=meeting.notes, notes_visibility=meeting.notes_visibility)
    return record


def _meetings():
    return Meeting.objects.select_related("logged_for").prefetch_related("participants", "topics")


def _check_in(check_in) -> dict:
    return {
        "pairing_id": check_in.pairing_id,
        "organisation": check_in.organisation.name,
        "kind": check_in.kind,
        "good_fit": check_in.good_fit,
        "usefulness": check_in.usefulness,
        "cooperation": check_in.cooperation,
        "progress": check_in.progress,
        "clarity": check_in.clarity,
        "comment": check_in.comment,
        "answered_at": check_in.answered_at,
    }


def _flag(flag) -> dict:
    return {
        "pairing_id": flag.pairing_id,
        "raised_for": flag.raised_for.name,
        "raised_at": flag.raised_at,
        "message": flag.message,
        "status": flag.status,
        "outcome": flag.outcome,
        "handled_at": flag.handled_at,
    }


def about_person(user) -> registry.DataPart:
    logged = _meetings().filter(logged_by=user).order_by("held_on", "pk")
    confirmed = _meetings().filter(confirmed_by=user).order_by("held_on", "pk")
    check_ins = CheckIn.objects.filter(answered_by=user).select_related("organisation")
    flags = Flag.objects.filter(raised_by=user).select_related("raised_for")
    tasks = Task.objects.filter(done_by=user).select_related("owner")
    acceptances = AgreementAcceptance.objects.filter(accepted_by=user)
    called_off = CalledOffMeeting.objects.filter(recorded_by=user).order_by("planned_on", "pk")
    records = {
        "meetings_logged": [_meeting(m, with_notes=True) for m in logged],
        "meetings_confirmed": [_meeting(m, with_notes=False) for m in confirmed],
        "check_ins": [_check_in(check_in) for check_in in check_ins],
        "flags": [_flag(flag) for flag in flags],
        "tasks_done": list(tasks.values("pairing_id", "title", "owner__name", "due_on", "done_at")),
        "agreements_accepted": list(
            acceptances.values("agreement__pairing_id", "organisation__name", "accepted_at")
        ),
        "meetings_postponed_or_cancelled": list(
            called_off.values(
                "pairing_id",
                "planned_on",
                "outcome",
                "new_date",
                "by_side",
                "reason",
                "recorded_at",
            )
        ),
    }
    return registry.DataPart(APP, records)


def _pairing(pairing, organisation, actor) -> dict:
    agreement = getattr(pairing, "agreement", None)
    return {
        "id": pairing.pk,
        "scheme": str(pairing.scheme),
        "mentor": pairing.mentor.name,
        "participants": [member.organisation.name for member in pairing.members.all()],
        "starts_on": pairing.starts_on,
        "ends_on": pairing.ends_on,
        "status": pairing.status,
        "end_reason": pairing.end_reason,
        "agreement": None
        if agreement is None
        else {
            "text": agreement.text,
            "min_meetings": agreement.min_meetings,
            "accepted": [
                {"organisation": acceptance.organisation.name, "at": acceptance.accepted_at}
                for acceptance in agreement.acceptances.all()
            ],
        },
        "meetings": [
            _meeting(
                meeting,
                with_notes=meeting.took_part(organisation.pk) and meeting.notes_visible_to(actor),
            )
            for meeting in pairing.meetings.all()
        ],
        "tasks": [
            {
                "title": task.title,
                "owner": task.owner.name,
                "due_on": task.due_on,
                "done_at": task.done_at,
            }
            for task in pairing.tasks.all()
        ],
    }


def _offer(organisation):
    offer = (
        MentorOffer.objects.filter(organisation=organisation)
        .prefetch_related("competence_areas", "languages", "target_groups", "wished_target_groups")
        .first()
    )
    if offer is None:
        return None
    return {
        "competence_areas": _names(offer.competence_areas.all()),
        "regions": offer.regions,
        "languages": _names(offer.languages.all()),
        "target_groups": _names(offer.target_groups.all()),
        "wished_target_groups": _names(offer.wished_target_groups.all()),
        "wishes": offer.wishes,
        "capacity": offer.capacity,
        "digital_ok": offer.digital_ok,
    }


def about_organisation(organisation, actor) -> registry.DataPart:
    pairings = (
        Pairing.objects.visible_to(actor)
        .filter(Q(mentor=organisation) | Q(members__organisation=organisation))
        .distinct()
        .select_related("scheme", "mentor", "agreement")
        .prefetch_related(
            "members__organisation",
            "agreement__acceptances__organisation",
            Prefetch("meetings", queryset=_meetings().order_by("held_on", "pk")),
            Prefetch("tasks", queryset=Task.objects.select_related("owner")),
        )
        .order_by("starts_on", "pk")
    )
    check_ins = CheckIn.objects.visible_to(actor).filter(organisation=organisation)
    flags = Flag.objects.visible_to(actor).filter(raised_for=organisation)
    compensations = (
        Compensation.objects.visible_to(actor)
        .filter(mentor=organisation)
        .select_related("scheme_year__scheme")
        .prefetch_related("payments")
    )
    records = {
        "mentor_offer": _offer(organisation),
        "pairings": [_pairing(pairing, organisation, actor) for pairing in pairings],
        "check_ins": [_check_in(c) for c in check_ins.select_related("organisation")],
        "flags": [_flag(flag) for flag in flags.select_related("raised_for")],
        "compensation": [
            {
                "year": str(compensation.scheme_year),
                "amount": compensation.amount,
                "payments": [
                    {"paid_on": payment.paid_on, "amount": payment.amount}
                    for payment in compensation.payments.all()
                ],
            }
            for compensation in compensations
        ],
    }
    return registry.DataPart(APP, records)


def register() -> None:
    registry.register_personal_data(person=about_person, organisation=about_organisation)
