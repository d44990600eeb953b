"""When each side of a pairing is asked a check-in: after the first meeting ("is this a good
fit?"), half-way and at the end. ``services.answer_check_in`` refuses an answer that is not due
with ``check_in_refusal``; the pages offer only what ``due_check_ins`` lists."""

import datetime

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.models import CheckIn, CheckInKind
from scheme.compiled import kept
from scheme.models import SchemeYear

PLANNED_LENGTH_DAYS = 365  # a pairing's length when its scheme has no years to go by
END_CHECK_IN_BEFORE_DAYS = 30  # the end check-in opens this long before the planned end
END_CHECK_IN_AFTER_DAYS = 90  # ... and stays open this long after a pairing has ended

# What the button that opens each check-in says.
CHECK_IN_ACTIONS = {
    CheckInKind.FIRST: _("Is this a good fit?"),
    CheckInKind.MIDPOINT: _("Answer the half-way check-in"),
    CheckInKind.END: _("Answer the end-of-period check-in"),
}

NOT_YET = {
    CheckInKind.FIRST: _("This question is asked after your first meeting."),
    CheckInKind.MIDPOINT: _("The half-way check-in opens half-way through the pairing."),
    CheckInKind.END: _("The end-of-period check-in opens near the end of the pairing."),
}


def planned_ends(scheme_ids) -> dict:
    """When each scheme's pairings are planned to end: 31 December of its last year."""
    last_years = _last_years(scheme_ids=list(set(scheme_ids)))
    return {scheme_id: datetime.date(year, 12, 31) for scheme_id, year in last_years}


@kept(id_lists=["scheme_ids"])
def _last_years(scheme_ids):
    years = SchemeYear.objects.filter(scheme_id__in=scheme_ids).values("scheme_id")
    return years.annotate(last=Max("year")).values_list("scheme_id", "last")


def planned_end(pairing) -> datetime.date | None:
    """``planned_ends`` for one pairing annotated by ``progress.with_progress_data``."""
    year = pairing.scheme_last_year
    return datetime.date(year, 12, 31) if year else None


def check_in_dates(pairing, planned_end) -> tuple[datetime.date, datetime.date]:
    """When the half-way and the end check-ins open for ``pairing``."""
    if planned_end is None or planned_end <= pairing.starts_on:
        planned_end = pairing.starts_on + datetime.timedelta(days=PLANNED_LENGTH_DAYS)
    midpoint = pairing.starts_on + (planned_end - pairing.starts_on) / 2
    return midpoint, planned_end - datetime.timedelta(days=END_CHECK_IN_BEFORE_DAYS)


def due_check_ins(pairing, answered_kinds, planned_end, today, *, has_met: bool) -> list[str]:
    """The check-ins one side should answer now:

    - after the first meeting: "is this a good fit?";
    - half-way between the start and the planned end (live pairings);
    - at the end: from a month before the planned end, or in the 90 days after the pairing
      ended or was replaced.
    """
    midpoint, end_opens = check_in_dates(pairing, planned_end)
    live = pairing.is_live
    due = []
    if live and has_met:
        due.append(CheckInKind.FIRST)
    if live and today >= midpoint:
        due.append(CheckInKind.MIDPOINT)
    ended_lately = (
        not live
        and pairing.ends_on is not None
        and (today - pairing.ends_on).days <= END_CHECK_IN_AFTER_DAYS
    )
    if (live and today >= end_opens) or ended_lately:
        due.append(CheckInKind.END)
    return [kind for kind in due if kind not in answered_kinds]


def due_for(pairing, organisation, today=None, answered=None) -> list[str]:
    """The check-ins ``organisation`` should answer now in ``pairing`` (``answered``: the
    kinds it has answered, if read already)."""
    if answered is None:
        answered = _answered(pairing, organisation)
    return due_check_ins(
        pairing,
        answered,
        planned_ends([pairing.scheme_id]).get(pairing.scheme_id),
        today or timezone.localdate(),
        has_met=pairing.last_meeting_on is not None,  # stored by the meeting service
    )


def check_in_refusal(pairing, organisation, kind, today=None) -> str | None:
    """Why ``organisation`` cannot answer the ``kind`` check-in now, or None when it can."""
    answered = _answered(pairing, organisation)
    if kind in answered:
        return _("%(organisation)s has already answered this check-in. Thank you.") % {
            "organisation": organisation
        }
    if kind not in due_for(pairing, organisation, today, answered):
        return str(NOT_YET[kind])
    return None


def _answered(pairing, organisation) -> set[str]:
    """The kinds of check-in ``organisation`` has answered in ``pairing``."""
    return set(_answered_kinds(pairing_id=pairing.pk, organisation_id=organisation.pk))


@kept(params=["pairing_id", "organisation_id"])
def _answered_kinds(pairing_id, organisation_id):
    answers = CheckIn.objects.filter(pairing_id=pairing_id, organisation_id=organisation_id)
    return answers.values_list("kind", flat=True)
