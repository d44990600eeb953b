"""Every state change in mentoring. One transaction each; each checks the actor's access and
the pairing's state (the steps a pairing or a flag may take, and who may take them, are their
workflows in ``mentoring/models.py``: ``workflow.require`` here, ``{% allowed %}`` on the
pages), writes the pairing's timeline and notifies whoever must act next.

Rows a check depends on are locked first, always in the same order (the pairing, then the
mentor's offer, then the participant organisations by id), so two people acting at once are
served one after the other. A service saved from a create form spends the form's one-time
token (``form_token``) right after locking, so the same form sent twice saves once.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from mentoring.check_ins import check_in_refusal
from mentoring.models import (
    FLAG_WORKFLOW,
    LIVE_STATUSES,
    PAIRING_WORKFLOW,
    STATUS_STEPS,
    Agreement,
    AgreementAcceptance,
    BehindReminder,
    CalledOffMeeting,
    CallOff,
    CheckIn,
    CheckInKind,
    Compensation,
    CompensationPayment,
    Flag,
    Initiative,
    Meeting,
    MentorOffer,
    Pairing,
    PairingMember,
    PairingStatus,
    Side,
    Task,
)
from mentoring.progress import (
    progress,
    scheme_minimum,
    store_meeting_figures,
    with_progress_data,
)
from organisations.geography import Region
from organisations.models import Organisation
from scheme import audit
from scheme.formatting import format_day, format_nok
from scheme.models import Scheme
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import OrganisationKind, access_for, require, require_administers
from scheme.verbs import event_verb

OFFER_SAVED = event_verb("mentoring.offer_saved", _("updated what the mentor offers"))
PAIRED = event_verb("mentoring.paired", _("paired the organisations"))
REPLACED = event_verb("mentoring.replaced", _("replaced the mentor"))
STATUS_CHANGED = event_verb("mentoring.status_changed", _("changed the pairing's status"))
AGREEMENT_ACCEPTED = event_verb("mentoring.agreement_accepted", _("accepted the agreement"))
MEETING_LOGGED = event_verb("mentoring.meeting_logged", _("logged a meeting"))
MEETING_CALLED_OFF = event_verb(
    "mentoring.meeting_called_off", _("recorded a postponed or cancelled meeting")
)
MEETING_CONFIRMED = event_verb("mentoring.meeting_confirmed", _("confirmed a meeting"))
TASK_DONE = event_verb("mentoring.task_done", _("finished a task"))
CHECKED_IN = event_verb("mentoring.checked_in", _("answered a check-in"))
FOLLOWED_UP = event_verb("mentoring.followed_up", _("followed up a check-in"))
FLAGGED = event_verb("mentoring.flagged", _("said the collaboration is not working"))
FLAG_RESOLVED = event_verb("mentoring.flag_resolved", _("followed up the flag"))
COMPENSATION_SET = event_verb("mentoring.compensation_set", _("set the mentor compensation"))
COMPENSATION_PAID = event_verb("mentoring.compensation_paid", _("recorded a compensation payment"))


def _side(actor, pairing):
    """The organisation the actor acts for in this pairing; PermissionDenied for outsiders."""
    side = pairing.side_of(actor)
    require(side is not None)
    return side


def _locked(pairing) -> Pairing:
    """The pairing, its row locked, with what the services read about it."""
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("scheme__administrator", "mentor")
        .prefetch_related("members__organisation")
        .get(pk=pairing.pk)
    )


def _full_clean(obj, **form_names):
    """``obj.full_clean()`` (lengths, date bounds, choices), with its errors under the names
    the form uses where they differ from the model's (``end_reason="reason"``)."""
    try:
        obj.full_clean()
    except ValidationError as error:
        raise ValidationError(
            {form_names.get(name, name): errors for name, errors in error.error_dict.items()}
        ) from None


def _lock_places(mentor, participants) -> MentorOffer | None:
    """Lock what decides whether a pairing fits, in a fixed order: the mentor's offer (its
    capacity), then the participant organisations by id (their live pairings). Returns the
    offer, if the mentor has one."""
    offer = MentorOffer.objects.select_for_update(no_key=True).filter(organisation=mentor).first()
    list(
        Organisation.objects.select_for_update(no_key=True)
        .filter(pk__in=[participant.pk for participant in participants])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return offer


def _people(organisations):
    return (
        get_user_model()
        .objects.filter(memberships__organisation__in=organisations, is_active=True)
        .distinct()
    )


def _sides(pairing, except_organisation=None):
    organisations = [pairing.mentor] + [m.organisation for m in pairing.members.all()]
    return [o for o in organisations if o != except_organisation]


def _caseworkers(pairing):
    return get_user_model().objects.filter(
        memberships__organisation_id=pairing.scheme.administrator_id, is_active=True
    )


def _url(pairing):
    return reverse("mentoring:pairing", args=[pairing.pk])


# --- offers -------------------------------------------------------------------------------


@transaction.atomic
def save_offer(actor, organisation, **fields) -> MentorOffer:
    """What a mentor organisation offers; its own people or a caseworker may change it."""
    access = access_for(actor)
    require(
        organisation.kind == OrganisationKind.MENTOR
        and (access.is_caseworker or access.is_member_of(organisation.pk))
    )
    related = {
        name: fields.pop(name)
        for name in ("competence_areas", "languages", "target_groups", "wished_target_groups")
        if name in fields
    }
    unknown_regions = set(fields.get("regions", [])) - set(Region.values)
    if unknown_regions:
        raise ValidationError({"regions": _("Choose regions from the list.")})
    offer, _created = MentorOffer.objects.get_or_create(organisation=organisation)
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.full_clean()
    offer.save()
    for name, values in related.items():
        getattr(offer, name).set(values)
    audit.record(actor, OFFER_SAVED, organisation)
    return offer


# --- pairings --------------------------------------------------------------------------------


def minimum_meetings(scheme, year: int) -> int:
    """The scheme's minimum meetings for ``year`` (or its latest year before); the rule is
    ``progress.scheme_minimum``, which the pages read as an annotation."""
    return (
        Scheme.objects.filter(pk=scheme.pk)
        .values_list(scheme_minimum(OuterRef("pk"), year), flat=True)
        .get()
    )


def _agreement_text(pairing, participants, min_meetings) -> str:
    with translation.override("nb"):
        return render_to_string(
            "mentoring/agreement.txt",
            {
                "scheme": pairing.scheme,
                "mentor": pairing.mentor,
                "participants": participants,
                "starts_on": pairing.starts_on,
                "min_meetings": min_meetings,
            },
        ).strip()


def _check_capacity(mentor, offer, adding: int):
    """The mentor's (locked) offer has room for ``adding`` more participants."""
    if offer is None:
        raise ValidationError(_("%(mentor)s has not said what it offers yet.") % {"mentor": mentor})
    taken = PairingMember.objects.filter(
        pairing__mentor=mentor, pairing__status__in=LIVE_STATUSES
    ).count()
    if taken + adding > offer.capacity:
        raise ValidationError(
            _("%(mentor)s has room for %(capacity)d participants and already mentors %(taken)d.")
            % {"mentor": mentor, "capacity": offer.capacity, "taken": taken}
        )


def _check_not_paired(scheme, participants, ignore=None):
    busy = PairingMember.objects.filter(
        organisation__in=participants, pairing__scheme=scheme, pairing__status__in=LIVE_STATUSES
    ).exclude(pairing=ignore)
    names = sorted({member.organisation.name for member in busy.select_related("organisation")})
    if names:
        raise ValidationError(
            _("Already has a mentor: %(names)s. End or replace that pairing first.")
            % {"names": ", ".join(names)}
        )


def _check_sides(mentor, participants, mentor_contact, contacts):
    """A mentor organisation, participant organisations, and contacts who belong to them."""
    if mentor.kind != OrganisationKind.MENTOR:
        raise ValidationError({"mentor": _("Choose a mentor organisation.")})
    if not participants or any(p.kind != OrganisationKind.PARTICIPANT for p in participants):
        raise ValidationError({"participants": _("Choose one or more participant organisations.")})
    if mentor_contact is not None and not access_for(mentor_contact).is_member_of(mentor.pk):
        raise ValidationError(
            {"mentor_contact": _("The contact person must belong to the mentor.")}
        )
    for organisation in participants:
        contact = contacts.get(organisation.pk)
        if contact is not None and not access_for(contact).is_member_of(organisation.pk):
            raise ValidationError(
                {"contacts": _("The contact person must belong to %(organisation)s.")
                 % {"organisation": organisation}}
            )  # fmt: skip


def _make_pairing(
    actor, scheme, mentor, participants, starts_on, mentor_contact, contacts, replaces=None
):
    pairing = Pairing(
        scheme=scheme,
        mentor=mentor,
        mentor_contact=mentor_contact,
        starts_on=starts_on,
        replaces=replaces,
        created_by=actor,
    )
    _full_clean(pairing)
    pairing.save()
    for organisation in participants:
        PairingMember.objects.create(
            pairing=pairing, organisation=organisation, contact=contacts.get(organisation.pk)
        )
    min_meetings = minimum_meetings(scheme, starts_on.year)
    Agreement.objects.create(
        pairing=pairing,
        min_meetings=min_meetings,
        text=_agreement_text(pairing, participants, min_meetings),
    )
    return pairing


@transaction.atomic
def create_pairing(
    actor,
    scheme,
    mentor,
    participants,
    *,
    starts_on=None,
    mentor_contact=None,
    contacts=None,
    form_token=None,
):
    """The caseworker confirms a pairing: one mentor with one participant or a group.

    ``contacts`` names each participant's contact person (organisation id -> user).
    """
    require_administers(actor, scheme)
    participants = list(participants)
    contacts = contacts or {}
    offer = _lock_places(mentor, participants)
    spend_form_token(actor, form_token)
    _check_sides(mentor, participants, mentor_contact, contacts)
    _check_not_paired(scheme, participants)
    _check_capacity(mentor, offer, len(participants))
    pairing = _make_pairing(
        actor,
        scheme,
        mentor,
        participants,
        starts_on or timezone.localdate(),
        mentor_contact,
        contacts,
    )
    audit.record(actor, PAIRED, pairing)
    _announce(pairing)
    return pairing


def _announce(pairing):
    notify(
        _people(_sides(pairing)),
        _("New mentor pairing: {names}"),
        _(
            "{mentor} is now mentor for {participants}. Read and accept the collaboration "
            "agreement in the portal, and book your first meeting."
        ),
        url=_url(pairing),
        names=str(pairing),
        mentor=pairing.mentor.name,
        participants=", ".join(m.organisation.name for m in pairing.members.all()),
    )


@transaction.atomic
def replace_mentor(
    actor, pairing, new_mentor, *, reason: str, starts_on=None, mentor_contact=None, form_token=None
):
    """End a pairing with a reason and start a new one with another mentor; history stays."""
    old = _locked(pairing)
    participants = [m.organisation for m in old.members.all()]
    offer = _lock_places(new_mentor, participants)
    spend_form_token(actor, form_token)
    PAIRING_WORKFLOW.require(actor, old, "replace")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the mentor is replaced.")})
    if new_mentor == old.mentor:
        raise ValidationError({"mentor": _("Choose another mentor organisation.")})
    contacts = {m.organisation_id: m.contact for m in old.members.all() if m.contact_id}
    _check_sides(new_mentor, participants, mentor_contact, contacts)
    _check_capacity(new_mentor, offer, len(participants))
    starts_on = starts_on or timezone.localdate()
    if starts_on < old.starts_on:
        raise ValidationError(
            {"starts_on": _("The new mentor cannot start before the old pairing began.")}
        )
    PAIRING_WORKFLOW.move(old, "replace")
    old.ends_on = starts_on
    old.end_reason = reason
    _full_clean(old, end_reason="reason", ends_on="starts_on")
    old.save(update_fields=["status", "ends_on", "end_reason"])
    new = _make_pairing(
        actor, old.scheme, new_mentor, participants, starts_on, mentor_contact, contacts, old
    )
    audit.record(actor, REPLACED, old, str(new_mentor))
    audit.record(actor, PAIRED, new, _("replaces %(mentor)s") % {"mentor": old.mentor})
    _announce(new)
    return new


@transaction.atomic
def set_status(actor, pairing, status: str, *, reason: str = "", ends_on=None) -> Pairing:
    """Pause, resume or end a pairing (on ``ends_on``, by default today).

    Resuming checks no capacity: a paused pairing keeps its place with the mentor and its
    participants (it counts as live), so nothing can have taken the place meanwhile.
    """
    pairing = _locked(pairing)
    step = STATUS_STEPS.get(status)
    if step is None:
        raise ValidationError({"status": _("Choose active, paused or ended.")})
    PAIRING_WORKFLOW.require(actor, pairing, step)
    if status == PairingStatus.ENDED:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the pairing ends.")})
        ends_on = ends_on or timezone.localdate()
        if not pairing.starts_on <= ends_on <= timezone.localdate():
            raise ValidationError(
                {"ends_on": _("The end date must be between the start date and today.")}
            )
        pairing.ends_on = ends_on
        pairing.end_reason = reason
    PAIRING_WORKFLOW.move(pairing, step)
    _full_clean(pairing, end_reason="reason")
    pairing.save(update_fields=["status", "ends_on", "end_reason"])
    audit.record(actor, STATUS_CHANGED, pairing, pairing.get_status_display())
    return pairing


@transaction.atomic
def accept_agreement(actor, pairing) -> AgreementAcceptance:
    pairing = _locked(pairing)
    PAIRING_WORKFLOW.require(actor, pairing, "accept_agreement")
    side = pairing.side_of(actor)
    try:
        with transaction.atomic():
            acceptance = AgreementAcceptance.objects.create(
                agreement=pairing.agreement, organisation=side, accepted_by=actor
            )
    except IntegrityError:
        raise ValidationError(
            _("%(organisation)s has already accepted the agreement.") % {"organisation": side}
        ) from None
    audit.record(actor, AGREEMENT_ACCEPTED, pairing, str(side))
    return acceptance


# --- meetings and tasks ---------------------------------------------------------------------


def took_part(pairing, side, participants) -> list:
    """The participant organisations that took part in a meeting ``side`` logs.

    In a one-to-one pairing its participant, without asking. In a group those chosen (by
    default the participant that logs it); a participant logs only meetings it was in.
    """
    members = {member.organisation_id: member.organisation for member in pairing.members.all()}
    if len(members) == 1:
        return list(members.values())
    if participants is None:
        participants = [side] if side.pk in members else []
    chosen = {organisation.pk: organisation for organisation in participants}
    if not chosen:
        raise ValidationError(
            {"participants": _("Choose the participant organisations that took part.")}
        )
    if not chosen.keys() <= members.keys():
        raise ValidationError({"participants": _("Choose organisations in this group.")})
    if side.pk in members and side.pk not in chosen:
        raise ValidationError(
            {"participants": _("%(organisation)s logs the meeting, so it took part in it.")
             % {"organisation": side}}
        )  # fmt: skip
    return list(chosen.values())


TASK_OWNER_PROBLEM = _("A task belongs to the mentor or an organisation that took part.")


def meeting_date_problem(pairing, held_on: datetime.date) -> str | None:
    """Why a meeting cannot have been held on ``held_on`` (in the future, or before the
    pairing started), or None. The meeting form asks it too, to tell everything at once."""
    if held_on > timezone.localdate():
        return _("Log a meeting after it has taken place.")
    if held_on < pairing.starts_on:
        return _("The pairing started on %(date)s.") % {"date": format_day(pairing.starts_on)}
    return None


@transaction.atomic
def log_meeting(
    actor,
    pairing,
    *,
    held_on: datetime.date,
    mode: str,
    duration_minutes: int,
    initiative: str = Initiative.UNKNOWN,
    attendees: str,
    summary: str,
    topics=(),
    notes: str = "",
    notes_visibility: str = "pair",
    participants=None,
    tasks=(),
    form_token=None,
) -> Meeting:
    """Log a meeting with its agreed tasks: (title, owner organisation, due date) each.

    ``initiative``: who took the initiative to the meeting (``Initiative``; the meeting form
    requires it, "not recorded" is for callers that cannot know).
    ``participants``: in a group, the participant organisations that took part (see
    ``took_part``); only they and the mentor read the notes, and only they and the mentor
    take tasks from it and confirm it. The others who took part are asked to confirm; after
    the pairing's first meeting every side is asked whether it is a good fit.
    """
    pairing = _locked(pairing)
    side = _side(actor, pairing)
    spend_form_token(actor, form_token)
    PAIRING_WORKFLOW.require(actor, pairing, "log_meeting")
    date_problem = meeting_date_problem(pairing, held_on)
    if date_problem:
        raise ValidationError({"held_on": date_problem})
    attending = took_part(pairing, side, participants)
    present = [pairing.mentor, *attending]
    for _title, owner, _due in tasks:
        if owner not in present:
            raise ValidationError({"tasks": TASK_OWNER_PROBLEM})
    first = pairing.last_meeting_on is None
    meeting = Meeting(
        pairing=pairing,
        held_on=held_on,
        mode=mode,
        initiative=initiative,
        duration_minutes=duration_minutes,
        attendees=attendees,
        summary=summary,
        notes=notes,
        notes_visibility=notes_visibility,
        logged_by=actor,
        logged_for=side,
    )
    meeting.full_clean()
    meeting.save()
    store_meeting_figures(Pairing.objects.filter(pk=pairing.pk))
    meeting.topics.set(topics)
    meeting.participants.set(attending)
    for title, owner, due_on in tasks:
        task = Task(pairing=pairing, meeting=meeting, title=title, owner=owner, due_on=due_on)
        task.full_clean()
        task.save()
    audit.record(actor, MEETING_LOGGED, pairing, format_day(held_on))
    notify(
        _people([organisation for organisation in present if organisation != side]),
        _("Confirm the meeting of {date}"),
        _(
            "{organisation} has logged a meeting on {date}. Confirm it in the portal if it is "
            "right."
        ),
        url=_url(pairing),
        organisation=side.name,
        date=format_day(held_on),
        email=False,
    )
    if first:
        notify(
            _people(_sides(pairing)),
            _("Is this a good fit?"),
            _(
                "You have had your first mentor meeting. Tell us in one click whether it is a "
                "good fit."
            ),
            url=_url(pairing),
        )
    return meeting


def called_off_problems(pairing, planned_on, outcome, new_date) -> dict:
    """What is wrong with the dates of a postponed or cancelled meeting, by field name (empty
    when nothing is): planned on or after the pairing's start; a postponed meeting has a new
    date after the planned one. The form asks it too, to tell everything at once."""
    problems = {}
    if planned_on is not None and planned_on < pairing.starts_on:
        problems["planned_on"] = _("The pairing started on %(date)s.") % {
            "date": format_day(pairing.starts_on)
        }
    if outcome == CallOff.POSTPONED:
        if new_date is None:
            problems["new_date"] = _("Give the new date of the postponed meeting.")
        elif planned_on is not None and new_date <= planned_on:
            problems["new_date"] = _("The new date must be after the planned date.")
    return problems


@transaction.atomic
def call_off_meeting(
    actor,
    pairing,
    *,
    planned_on: datetime.date,
    outcome: str,
    by_side: str,
    new_date: datetime.date | None = None,
    reason: str = "",
    form_token=None,
) -> CalledOffMeeting:
    """Record that a planned meeting was postponed (to ``new_date``) or cancelled, and which
    side (``Side``) called it off, with why (optional). The pair's people record it, and the
    scheme's caseworkers when they hear of it. It is not a meeting: nothing that counts
    meetings counts it. The other organisations in the pairing are told."""
    pairing = _locked(pairing)
    require(pairing.may_record_called_off(actor))
    spend_form_token(actor, form_token)
    refusal = pairing.call_off_refusal()
    if refusal:
        raise ValidationError(refusal)
    if outcome not in CallOff.values:
        raise ValidationError({"outcome": _("Say whether the meeting was postponed or cancelled.")})
    if by_side not in Side.values:
        raise ValidationError({"by_side": _("Say which side postponed or cancelled it.")})
    if outcome == CallOff.CANCELLED:
        new_date = None
    problems = called_off_problems(pairing, planned_on, outcome, new_date)
    if problems:
        raise ValidationError(problems)
    side = pairing.side_of(actor)
    called_off = CalledOffMeeting(
        pairing=pairing,
        planned_on=planned_on,
        outcome=outcome,
        new_date=new_date,
        by_side=by_side,
        reason=reason.strip(),
        recorded_by=actor,
        recorded_for=side,
    )
    _full_clean(called_off)
    called_off.save()
    detail = f"{called_off.get_outcome_display()}: {format_day(planned_on)}"
    if new_date:
        detail += f" → {format_day(new_date)}"
    audit.record(actor, MEETING_CALLED_OFF, pairing, detail)
    if new_date:
        subject = _("The meeting of {date} is postponed")
        body = _("{who} has recorded that the meeting planned for {date} is postponed to {new}.")
    else:
        subject = _("The meeting of {date} is cancelled")
        body = _("{who} has recorded that the meeting planned for {date} is cancelled.")
    notify(
        _people(_sides(pairing, except_organisation=side)),
        subject,
        body,
        url=_url(pairing),
        who=actor.full_name or actor.email,
        date=format_day(planned_on),
        new=format_day(new_date) if new_date else "",
        email=False,
    )
    return called_off


@transaction.atomic
def confirm_meeting(actor, meeting) -> Meeting:
    """Another organisation that took part confirms the meeting (in a group, not one that
    was not there)."""
    meeting = Meeting.objects.select_for_update().select_related("pairing").get(pk=meeting.pk)
    side = _side(actor, meeting.pairing)
    refusal = meeting.confirmation_refusal(side)
    if refusal:
        raise ValidationError(refusal)
    meeting.confirmed_by = actor
    meeting.confirmed_at = timezone.now()
    meeting.save(update_fields=["confirmed_by", "confirmed_at"])
    audit.record(actor, MEETING_CONFIRMED, meeting.pairing, format_day(meeting.held_on))
    return meeting


@transaction.atomic
def complete_task(actor, task) -> Task:
    """A task is ticked off by the side it belongs to."""
    task = Task.objects.select_for_update().select_related("pairing").get(pk=task.pk)
    require(task.is_owned_by(actor))
    if task.done_at:
        raise ValidationError(_("The task is already done."))
    task.done_at = timezone.now()
    task.done_by = actor
    task.save(update_fields=["done_at", "done_by"])
    audit.record(actor, TASK_DONE, task.pairing, task.title)
    return task


# --- check-ins and flags -----------------------------------------------------------------------


RATINGS = ("usefulness", "cooperation", "progress")
# Asked half-way and at the end besides the ratings: "How clear were the expectations between
# you?" (1-5). It may be skipped; the first check-in does not ask it.
CLARITY = "clarity"


@transaction.atomic
def answer_check_in(actor, pairing, kind: str, *, good_fit=None, comment: str = "", **ratings):
    """Answer a check-in for the actor's side. A poor fit alerts the caseworker."""
    pairing = _locked(pairing)
    side = _side(actor, pairing)
    if kind not in CheckInKind.values:
        raise ValidationError(_("Choose one of the check-ins."))
    refusal = check_in_refusal(pairing, side, kind)
    if refusal:
        raise ValidationError(refusal)
    if kind == CheckInKind.FIRST:
        if good_fit is None:
            raise ValidationError({"good_fit": _("Say whether it is a good fit.")})
    elif any(ratings.get(name) is None for name in RATINGS):
        raise ValidationError(_("Give a rating from 1 to 5 for each question."))
    if any(ratings.get(name) not in (None, 1, 2, 3, 4, 5) for name in (*RATINGS, CLARITY)):
        raise ValidationError(_("Give a rating from 1 to 5 for each question."))
    clarity = None if kind == CheckInKind.FIRST else ratings.get(CLARITY)
    check_in = CheckIn(
        pairing=pairing,
        organisation=side,
        kind=kind,
        good_fit=good_fit,
        comment=comment,
        answered_by=actor,
        clarity=clarity,
        **{name: ratings.get(name) for name in RATINGS},
    )
    check_in.full_clean()
    check_in.save()
    audit.record(actor, CHECKED_IN, pairing, check_in.get_kind_display())
    if good_fit is False:
        notify(
            _caseworkers(pairing),
            _("Poor fit: {pairing}"),
            _("{organisation} says the pairing is not a good fit.\n\n{comment}"),
            url=_url(pairing),
            pairing=str(pairing),
            organisation=side.name,
            comment=comment,
        )
    return check_in


@transaction.atomic
def follow_up_check_in(actor, check_in) -> CheckIn:
    check_in = (
        CheckIn.objects.select_for_update().select_related("pairing__scheme").get(pk=check_in.pk)
    )
    require_administers(actor, check_in.pairing.scheme)
    if check_in.followed_up_at:
        raise ValidationError(_("This check-in has already been followed up."))
    check_in.followed_up_at = timezone.now()
    check_in.save(update_fields=["followed_up_at"])
    audit.record(actor, FOLLOWED_UP, check_in.pairing, check_in.get_kind_display())
    return check_in


@transaction.atomic
def raise_flag(actor, pairing, message: str, *, form_token=None) -> Flag:
    pairing = _locked(pairing)
    side = _side(actor, pairing)
    spend_form_token(actor, form_token)
    PAIRING_WORKFLOW.require(actor, pairing, "raise_flag")
    if not message.strip():
        raise ValidationError({"message": _("Tell the caseworker what is not working.")})
    flag = Flag(pairing=pairing, raised_for=side, raised_by=actor, message=message)
    _full_clean(flag)
    flag.save()
    audit.record(actor, FLAGGED, flag)  # on the flag: the other side must not read of it
    notify(
        _caseworkers(pairing),
        _("A pairing is not working: {pairing}"),
        _("{organisation} says the collaboration is not working:\n\n{message}"),
        url=_url(pairing),
        pairing=str(pairing),
        organisation=side.name,
        message=message,
    )
    return flag


@transaction.atomic
def resolve_flag(actor, flag, outcome: str) -> Flag:
    flag = (
        Flag.objects.select_for_update()
        .select_related("pairing__scheme", "pairing__mentor")
        .get(pk=flag.pk)
    )
    pairing = flag.pairing
    FLAG_WORKFLOW.require(actor, flag, "resolve")
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write what was done.")})
    FLAG_WORKFLOW.move(flag, "resolve")
    flag.outcome = outcome
    flag.handled_by = actor
    flag.handled_at = timezone.now()
    _full_clean(flag)
    flag.save()
    audit.record(actor, FLAG_RESOLVED, flag)
    notify(
        _people([flag.raised_for]),
        _("The caseworker has followed up your pairing"),
        _("{outcome}"),
        url=_url(pairing),
        outcome=outcome,
    )
    return flag


# --- compensation ------------------------------------------------------------------------------


@transaction.atomic
def set_compensation(actor, mentor, scheme_year, amount=None) -> Compensation:
    """The mentor's compensation for the year; the scheme year's default when not given."""
    require_administers(actor, scheme_year.scheme)
    if mentor.kind != OrganisationKind.MENTOR:
        raise ValidationError(_("Compensation is for mentor organisations."))
    amount = scheme_year.mentor_compensation if amount is None else amount
    if amount < 0:
        raise ValidationError({"amount": _("Give an amount of zero or more.")})
    compensation, _created = Compensation.objects.update_or_create(
        mentor=mentor, scheme_year=scheme_year, defaults={"amount": amount}
    )
    if compensation.paid() > amount:
        raise ValidationError({"amount": _("More than this has already been paid.")})
    audit.record(actor, COMPENSATION_SET, compensation, f"{scheme_year.year}: {format_nok(amount)}")
    return compensation


@transaction.atomic
def record_compensation_payment(
    actor, compensation, *, amount, paid_on, form_token=None
) -> CompensationPayment:
    compensation = (
        Compensation.objects.select_for_update()
        .select_related("scheme_year__scheme", "mentor")
        .get(pk=compensation.pk)
    )
    require_administers(actor, compensation.scheme_year.scheme)
    spend_form_token(actor, form_token)
    left = compensation.left_to_pay()
    if amount <= 0 or amount > left:
        raise ValidationError(
            {"amount": _("%(left)s is left to pay.") % {"left": format_nok(left)}}
        )
    payment = CompensationPayment(
        compensation=compensation, amount=amount, paid_on=paid_on, recorded_by=actor
    )
    _full_clean(payment)
    payment.save()
    audit.record(actor, COMPENSATION_PAID, compensation, format_nok(amount))
    return payment


# --- the weekly nudge ---------------------------------------------------------------------------


def send_behind_reminders(today: datetime.date | None = None) -> int:
    """Weekly: tell both sides of every active pairing that is behind on meetings (whether or
    not it is also at risk). One reminder per pairing per ISO week, however often this runs."""
    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    label = f"{year}-W{week:02d}"
    pairings = with_progress_data(
        Pairing.objects.filter(status=PairingStatus.ACTIVE), today
    ).prefetch_related("members__organisation")
    sent = 0
    for pairing in pairings:
        state = progress(pairing, today)
        if state.meetings_this_year >= state.expected_by_now:
            # Not behind on meetings (an open flag or poor fit is the caseworker's to follow up).
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    BehindReminder.objects.create(pairing=pairing, week=label)
            except IntegrityError:
                continue
            notify(
                _people(_sides(pairing)),
                _("Time for a mentor meeting"),
                _(
                    "You have had {held} of the {expected} meetings expected by now this year "
                    "({minimum} a year). {who} is asked to book the next one."
                ),
                url=_url(pairing),
                held=state.meetings_this_year,
                expected=state.expected_by_now,
                minimum=state.minimum,
                who=state.next_to_act.name if state.next_to_act else pairing.mentor.name,
            )
            sent += 1
    return sent
