"""The pairing page, read by both sides and the scheme's caseworkers: who takes part, its
progress, the agreement, meetings, tasks, check-ins, flags and the mentors before and after.

What each reader may do here comes from the pairing's workflow (``{% allowed %}`` in the
template) and the model predicates; the page decides nothing itself.
"""

import datetime

from django.db.models import Exists, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from mentoring.check_ins import CHECK_IN_ACTIONS, due_check_ins, planned_end
from mentoring.dashboard import pairing_progress
from mentoring.models import AgreementAcceptance, CalledOffMeeting, Pairing
from mentoring.views._common import pairing_queryset, visible_pairing
from organisations.models import Organisation
from scheme.models import User
from scheme.prefetch import prefetch_lists
from scheme.roles import access_for


def _walk(start, step) -> list:
    """The pairings reached from ``start`` by ``step`` until it gives None (or loops)."""
    found, seen, current = [], {start.pk}, step(start)
    while current is not None and current.pk not in seen:
        found.append(current)
        seen.add(current.pk)
        current = step(current)
    return found


def _chain(request, pairing):
    """The pairings this one replaced and was replaced by, oldest first, as far as the user may
    see them.

    A replacement keeps the participants (``services.replace_mentor``), so the whole chain is
    among the scheme's pairings of any one of them: one query, however long the chain is, and
    none when the pairing replaced none and was not replaced (``has_successor``).
    """
    member = next(iter(pairing.members.all()), None)
    if member is None or not (pairing.replaces_id or pairing.has_successor):
        return [], []
    visible = Pairing.objects.visible_to(request.user).filter(pk=OuterRef("pk"))
    candidates = {
        candidate.pk: candidate
        for candidate in Pairing.objects.filter(
            scheme_id=pairing.scheme_id, members__organisation_id=member.organisation_id
        )
        .select_related("mentor")
        .annotate(visible=Exists(visible))
    }
    successors = {c.replaces_id: c for c in candidates.values() if c.replaces_id}
    earlier = _walk(pairing, lambda p: candidates.get(p.replaces_id))[::-1]
    later = _walk(pairing, lambda p: successors.get(p.pk))
    return [p for p in earlier if p.visible], [p for p in later if p.visible]


def _meeting_years(request, pairing, side) -> list:
    """(year, entries, meetings held, shown open), newest year first: the latest year is open,
    and any with a meeting the user's side can confirm. Each entry is (meeting, notes shown,
    can confirm, why the side cannot, None) for a meeting held, or (None, False, False, None,
    called off) for a planned meeting that was postponed or cancelled, newest first by date.
    Whether a side confirms is the meeting's rule (``Meeting.confirmation_refusal``)."""
    dated = []
    meetings = list(pairing.meetings.select_related("logged_by", "logged_for", "confirmed_by"))
    # The topics and the organisations that took part, in one query; the organisations are
    # the pairing's own, already loaded.
    known = {member.organisation_id: member.organisation for member in pairing.members.all()}
    prefetch_lists(meetings, ("topics", "participants"), known={"participants": known})
    for meeting in meetings:
        refusal = meeting.confirmation_refusal(side) if side is not None else None
        entry = (
            meeting,
            meeting.notes_visible_to(request.user),
            side is not None and refusal is None,
            refusal,
            None,
        )
        dated.append((meeting.held_on, meeting.pk, entry))
    if pairing.has_called_off:
        for called_off in pairing.called_off.select_related("recorded_by", "recorded_for"):
            entry = (None, False, False, None, called_off)
            dated.append((called_off.planned_on, -called_off.pk, entry))
    years = {}
    for day, _pk, entry in sorted(dated, key=lambda d: (d[0], d[1]), reverse=True):
        years.setdefault(day.year, []).append(entry)
    return [
        (
            year,
            entries,
            sum(1 for entry in entries if entry[0] is not None),
            index == 0 or any(entry[2] for entry in entries),
        )
        for index, (year, entries) in enumerate(years.items())
    ]


def _accepted(pairing_id, organisation_id, prefix="") -> dict:
    """Annotation ``accepted``: when and by whom the organisation accepted the pairing's
    agreement, as one subquery giving a JSON object (None when it has not)."""
    accepted = AgreementAcceptance.objects.filter(
        agreement__pairing_id=OuterRef(pairing_id), organisation_id=OuterRef(organisation_id)
    ).values(
        json=JSONObject(
            at="accepted_at", by="accepted_by_id",
            name="accepted_by__full_name", email="accepted_by__email",
        )
    )  # fmt: skip
    return {f"{prefix}accepted": Subquery(accepted[:1], output_field=JSONField())}


def _moment(text):
    """A moment read from JSON: an aware datetime (SQLite gives it without its zone, UTC)."""
    moment = parse_datetime(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def _acceptances(pairing) -> list:
    """The agreement's acceptances, from the page query's annotations (no query of its own),
    in the order they were given."""
    sides = [(pairing.mentor, pairing.mentor_accepted)]
    sides += [(member.organisation, member.accepted) for member in pairing.members.all()]
    found = [
        AgreementAcceptance(
            organisation=organisation,
            accepted_by=User(pk=data["by"], full_name=data["name"], email=data["email"]),
            accepted_at=_moment(data["at"]),
        )
        for organisation, data in sides
        if data is not None
    ]
    return sorted(found, key=lambda acceptance: acceptance.accepted_at)


def _page_queryset(user):
    """The pairing with whether the user may open each side's profile (the organisations'
    ``visible_to`` decides), who accepted its agreement and whether a later pairing replaced
    it."""
    openable = Organisation.objects.visible_to(user)
    return pairing_queryset(
        openable=Exists(openable.filter(pk=OuterRef("organisation_id"))),
        **_accepted("pairing_id", "organisation_id"),
    ).annotate(
        **_accepted("pk", "mentor_id", prefix="mentor_"),
        mentor_openable=Exists(openable.filter(pk=OuterRef("mentor_id"))),
        has_successor=Exists(Pairing.objects.filter(replaces=OuterRef("pk"))),
        # No query for postponed or cancelled meetings when there are none (most pairings).
        has_called_off=Exists(CalledOffMeeting.objects.filter(pairing=OuterRef("pk"))),
    )


def _openable(pairing) -> set[int]:
    """The ids of the pairing's organisations whose profile the user may open."""
    openable = {m.organisation_id for m in pairing.members.all() if m.openable}
    if pairing.mentor_openable:
        openable.add(pairing.mentor_id)
    return openable


def pairing_detail(request, pk):
    pairing = visible_pairing(request, pk, _page_queryset(request.user))
    access = access_for(request.user)
    today = timezone.localdate()
    state = pairing_progress(pairing, today)
    side = pairing.side_of(request.user)
    is_caseworker = side is None and access.is_caseworker

    tasks = list(pairing.tasks.select_related("owner", "done_by"))
    open_tasks = [(task, task.is_owned_by(request.user)) for task in tasks if task.done_at is None]
    done_tasks = sorted((t for t in tasks if t.done_at), key=lambda t: t.done_at, reverse=True)

    check_ins = pairing.check_ins.select_related("organisation", "answered_by")
    flags = pairing.flags.select_related("raised_for", "raised_by", "handled_by")
    check_ins_due = []
    if side is not None:
        # Each side reads its own answers and flags; the caseworker reads them all.
        check_ins = check_ins.filter(organisation=side)
        flags = flags.filter(raised_for=side)
        check_ins_due = due_check_ins(
            pairing,
            {c.kind for c in check_ins},
            planned_end(pairing),
            today,
            has_met=pairing.last_meeting_on is not None,
        )

    agreement = getattr(pairing, "agreement", None)
    acceptances = _acceptances(pairing) if agreement is not None else []
    waiting_for = agreement.waiting_for(acceptances) if agreement is not None else []
    earlier, later = _chain(request, pairing)
    return render(
        request,
        "mentoring/pairing_detail.html",
        {
            "pairing": pairing,
            "state": state,
            "health_sentence": state.sentence(for_caseworker=is_caseworker),
            "side": side,
            "is_caseworker": is_caseworker,
            "can_administer": access.administers(pairing.scheme),
            "openable": _openable(pairing),
            "meeting_years": _meeting_years(request, pairing, side),
            "may_call_off": pairing.may_record_called_off(request.user)
            and pairing.call_off_refusal() is None,
            "open_tasks": open_tasks,
            "done_tasks": done_tasks,
            "check_ins": list(check_ins),
            "check_ins_due": [(kind, CHECK_IN_ACTIONS[kind]) for kind in check_ins_due],
            "flags": list(flags),
            "agreement": agreement,
            "acceptances": acceptances,
            "waiting_for": waiting_for,
            "we_accepted": side is not None and side not in waiting_for,
            "earlier": earlier,
            "later": later,
        },
    )
