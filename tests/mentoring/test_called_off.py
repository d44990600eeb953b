"""The mentoring process (issue 14): who took the initiative to a meeting, planned meetings
postponed or cancelled, and the clarity of expectations in the check-ins.

A postponed or cancelled meeting is its own record (``CalledOffMeeting``), never a meeting:
the minimum, the health and every count of meetings stay those of the meetings held."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.forms import CalledOffForm, MeetingForm, RatingCheckInForm
from mentoring.models import CalledOffMeeting, CheckIn, Initiative, Meeting, Pairing
from mentoring.progress import Health, health_as_of, progress, with_progress_data
from scheme.models import Event, Notification
from tests.mentoring.conftest import meet, refused

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def url(name, *args):
    return reverse(f"mentoring:{name}", args=args)


def call_off(actor, pairing, **fields):
    values = {
        "planned_on": TODAY - 10 * DAY,
        "outcome": "cancelled",
        "by_side": "participant",
        "reason": "Lederen var syk.",
    }
    return services.call_off_meeting(actor, pairing, **(values | fields))


def meeting_post(**changes):
    data = {
        "held_on": (TODAY - 2 * DAY).isoformat(),
        "mode": "digital",
        "initiative": "participant",
        "duration_minutes": "60",
        "attendees": "Kari og Amina",
        "summary": "Søknadsskriving.",
        "notes_visibility": "pair",
        "tasks-TOTAL_FORMS": "0",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "10",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# --- initiative -------------------------------------------------------------------------------


def test_the_meeting_form_requires_who_took_the_initiative(pairing, participant):
    form = MeetingForm(meeting_post(initiative=None), pairing=pairing, side=participant)
    assert not form.is_valid()
    assert form.errors["initiative"] == ["Say who took the initiative to the meeting."]
    # "not recorded" is for meetings logged before the question was asked, not a choice.
    form = MeetingForm(meeting_post(initiative="unknown"), pairing=pairing, side=participant)
    assert "initiative" in form.errors
    choices = [value for value, _label in form.fields["initiative"].choices]
    assert choices == ["participant", "mentor", "both"]


def test_a_meeting_logged_on_the_page_records_the_initiative(client, member, pairing):
    client.force_login(member)
    page = client.get(url("meeting_log", pairing.pk)).content.decode()
    assert 'name="initiative"' in page
    response = client.post(url("meeting_log", pairing.pk), meeting_post(initiative=None))
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert "Kari og Amina" in response.content.decode()  # the input is kept
    response = client.post(url("meeting_log", pairing.pk), meeting_post(initiative="both"))
    assert response.status_code == 302
    assert Meeting.objects.get().initiative == Initiative.BOTH
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert "Both, or agreed in advance" in page


def test_a_meeting_logged_without_an_initiative_is_not_recorded(mentor, pairing):
    """Meetings from before the question (and callers that cannot know): 'not recorded'."""
    assert meet(mentor, pairing).initiative == Initiative.UNKNOWN
    refused(ValidationError, lambda: meet(mentor, pairing, initiative="the weather"), "valid")


# --- postponed and cancelled meetings: the service ------------------------------------------


def test_the_pair_records_a_cancelled_meeting_and_the_other_side_is_told(pairing, member, mentor):
    called_off = call_off(member, pairing, new_date=TODAY)  # a cancelled one has no new date
    assert (called_off.outcome, called_off.by_side, called_off.new_date) == (
        "cancelled", "participant", None
    )  # fmt: skip
    assert called_off.recorded_for == pairing.members.get().organisation
    assert called_off.recorded_by == member
    event = Event.objects.get(verb="mentoring.meeting_called_off")
    assert event.target_id == pairing.pk and event.actor == member
    told = Notification.objects.filter(subject__contains="cancelled")
    assert [n.recipient for n in told] == [mentor]


def test_a_postponed_meeting_has_a_new_date_after_the_planned_one(pairing, mentor, member):
    refused(ValidationError, lambda: call_off(mentor, pairing, outcome="postponed"), "new date")
    refused(
        ValidationError,
        lambda: call_off(mentor, pairing, outcome="postponed", new_date=TODAY - 11 * DAY),
        "after the planned date",
    )
    refused(
        ValidationError,
        lambda: call_off(mentor, pairing, planned_on=pairing.starts_on - DAY),
        "started on",
    )
    refused(ValidationError, lambda: call_off(mentor, pairing, by_side="nobody"), "which side")
    refused(ValidationError, lambda: call_off(mentor, pairing, outcome="forgotten"), "postponed")
    called_off = call_off(
        mentor, pairing, outcome="postponed", by_side="mentor", new_date=TODAY + 5 * DAY
    )
    assert called_off.new_date == TODAY + 5 * DAY
    assert called_off.recorded_for == pairing.mentor
    assert Notification.objects.filter(recipient=member, subject__contains="postponed").exists()


def test_the_caseworker_of_the_scheme_may_record_one_and_no_one_else(
    pairing, caseworker, foreign_caseworker, other_member, member, mentor
):
    called_off = call_off(caseworker, pairing, by_side="mentor")
    assert called_off.recorded_for is None
    # Both sides are told when the caseworker records it.
    told = set(Notification.objects.filter(subject__contains="cancelled").values_list(
        "recipient", flat=True))  # fmt: skip
    assert told == {member.pk, mentor.pk}
    for outsider in (foreign_caseworker, other_member):
        refused(PermissionDenied, lambda outsider=outsider: call_off(outsider, pairing))


def test_nothing_is_recorded_once_the_pairing_has_ended(pairing, caseworker, member):
    services.set_status(caseworker, pairing, "ended", reason="Ferdig.")
    refused(ValidationError, lambda: call_off(member, pairing), "has ended")


# --- a cancelled meeting is not a meeting -----------------------------------------------------


def test_called_off_meetings_count_nowhere_as_meetings(pairing, mentor, member):
    """Every count of meetings (the progress, the health today and as of a day, the
    reminders) is that of the meetings held."""
    meet(mentor, pairing, held_on=TODAY - 20 * DAY)
    before = progress(with_progress_data(Pairing.objects.all(), TODAY).get(), TODAY)
    for days_ago in (3, 6, 9, 12):
        call_off(member, pairing, planned_on=TODAY - days_ago * DAY)
    call_off(member, pairing, outcome="postponed", new_date=TODAY + 3 * DAY)
    after = progress(with_progress_data(Pairing.objects.all(), TODAY).get(), TODAY)
    assert after.meetings_this_year == before.meetings_this_year == Meeting.objects.count()
    assert after.health == before.health
    assert after.days_since_last == before.days_since_last == 20
    as_of = health_as_of(Pairing.objects.all(), TODAY).get()
    assert as_of.meetings_this_year == (1 if (TODAY - 20 * DAY).year == TODAY.year else 0)
    assert CalledOffMeeting.objects.count() == 5


def test_a_pairing_that_only_cancels_falls_behind(caseworker, scheme_year, mentor_org, offer,
                                                  participant, member, mentor):  # fmt: skip
    """Cancelled meetings do not stand in for held ones: a pairing 200 days old (this year or
    last) that held none but cancelled six is behind or at risk, not on track."""
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant],
        starts_on=TODAY - 200 * DAY,
    )  # fmt: skip
    for weeks in range(1, 7):
        call_off(member, pairing, planned_on=TODAY - weeks * 7 * DAY)
    state = progress(with_progress_data(Pairing.objects.all(), TODAY).get(), TODAY)
    assert state.meetings_this_year == 0
    if state.expected_by_now:
        assert state.health in (Health.BEHIND, Health.AT_RISK)


# --- the pages -------------------------------------------------------------------------------


def test_a_side_records_a_postponed_meeting_on_its_page(client, member, pairing):
    client.force_login(member)
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert url("meeting_call_off", pairing.pk) in page
    form_url = url("meeting_call_off", pairing.pk)
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {
        "planned_on": (TODAY - 4 * DAY).isoformat(), "outcome": "postponed",
        "by_side": "participant", "reason": "Styremøte samme kveld.",
    })  # fmt: skip
    assert response.status_code == 200  # no new date
    assert response.context["form"].errors["new_date"] == [
        "Give the new date of the postponed meeting."
    ]
    assert "Styremøte samme kveld." in response.content.decode()  # the input is kept
    response = client.post(form_url, {
        "planned_on": (TODAY - 4 * DAY).isoformat(), "outcome": "postponed",
        "new_date": (TODAY + 3 * DAY).isoformat(), "by_side": "participant",
        "reason": "Styremøte samme kveld.",
    })  # fmt: skip
    assert response.status_code == 302
    assert response.url == url("pairing", pairing.pk) + "#meetings"
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert "postponed to" in page and "Postponed by" in page and "The participant side" in page
    assert "Styremøte samme kveld." in page
    assert "0 meetings" in page  # a postponed meeting is not a meeting


def test_the_form_asks_the_side_and_whether_postponed_or_cancelled(pairing):
    form = CalledOffForm({"planned_on": TODAY.isoformat()}, pairing=pairing)
    assert not form.is_valid()
    assert form.errors["outcome"] == ["Say whether the meeting was postponed or cancelled."]
    assert form.errors["by_side"] == ["Say which side postponed or cancelled it."]
    form = CalledOffForm({
        "planned_on": TODAY.isoformat(), "outcome": "cancelled", "by_side": "mentor",
        "new_date": (TODAY + DAY).isoformat(),
    }, pairing=pairing)  # fmt: skip
    assert form.is_valid() and form.cleaned_data["new_date"] is None


def test_the_caseworker_records_one_and_others_get_404(
    client, pairing, caseworker, foreign_caseworker, evaluator
):
    form_url = url("meeting_call_off", pairing.pk)
    client.force_login(caseworker)
    assert client.get(form_url).status_code == 200
    assert (
        url("meeting_call_off", pairing.pk)
        in client.get(url("pairing", pairing.pk)).content.decode()
    )
    client.force_login(foreign_caseworker)
    assert client.get(form_url).status_code == 404
    client.force_login(evaluator)
    assert client.get(form_url).status_code == 404


def test_an_ended_pairing_offers_no_button(client, pairing, caseworker, member):
    services.set_status(caseworker, pairing, "ended", reason="Ferdig.")
    client.force_login(member)
    assert (
        url("meeting_call_off", pairing.pk)
        not in client.get(url("pairing", pairing.pk)).content.decode()
    )
    response = client.get(url("meeting_call_off", pairing.pk))
    assert response.status_code == 302


def test_the_meeting_list_shows_who_cancelled_without_more_queries(client, member, mentor,
                                                                  pairing):  # fmt: skip
    client.force_login(member)
    meet(mentor, pairing, held_on=TODAY - 30 * DAY)
    call_off(mentor, pairing, planned_on=TODAY - 9 * DAY, by_side="mentor",
             reason="Søknadsfrist hos mentoren.")  # fmt: skip
    client.get(url("pairing", pairing.pk))
    with CaptureQueriesContext(connection) as few:
        page = client.get(url("pairing", pairing.pk)).content.decode()
    assert "Cancelled by" in page and "The mentor side" in page
    assert "Søknadsfrist hos mentoren." in page
    for days_ago in (3, 5, 7):
        meet(mentor, pairing, held_on=TODAY - days_ago * DAY)
        call_off(member, pairing, planned_on=TODAY - (days_ago + 1) * DAY)
    with CaptureQueriesContext(connection) as many:
        client.get(url("pairing", pairing.pk))
    assert len(many) == len(few)


# --- clarity of expectations ------------------------------------------------------------------


def test_the_half_way_and_end_check_ins_ask_how_clear_the_expectations_were(
    caseworker, scheme_year, mentor_org, offer, participant, member, mentor
):
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=TODAY - 400 * DAY
    )
    form = RatingCheckInForm({"usefulness": "4", "cooperation": "4", "progress": "3",
                              "clarity": "2"})  # fmt: skip
    assert form.is_valid(), form.errors
    answer = services.answer_check_in(member, pairing, "midpoint", **form.cleaned_data)
    assert answer.clarity == 2
    refused(
        ValidationError,
        lambda: services.answer_check_in(
            mentor, pairing, "midpoint", usefulness=3, cooperation=3, progress=3, clarity=6
        ),
        "rating from 1 to 5",
    )
    skipped = services.answer_check_in(mentor, pairing, "midpoint", usefulness=3, cooperation=3,
                                       progress=3)  # fmt: skip
    assert skipped.clarity is None
    assert CheckIn.objects.count() == 2


def test_the_caseworker_sees_the_clarity_answers(client, caseworker, scheme_year, mentor_org,
                                                 offer, participant, member, mentor):  # fmt: skip
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=TODAY - 400 * DAY
    )
    services.answer_check_in(member, pairing, "midpoint", usefulness=4, cooperation=4,
                             progress=3, clarity=2)  # fmt: skip
    client.force_login(caseworker)
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert "Clear expectations: 2 of 5." in page
    client.force_login(mentor)
    page = client.get(url("check_in", pairing.pk, "midpoint")).content.decode()
    assert "How clear were the expectations between you?" in page
