"""The mentoring demo data: the nine pairings of the pilot and their story, ended with it, and
the pairs that went on in the scheme after it (a group among them), loaded twice.

One test, as loading the whole demo (every app's) takes several seconds."""

import io

from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.utils import timezone

from mentoring.demo import PILOT_END
from mentoring.models import (
    AgreementAcceptance,
    CheckIn,
    CheckInKind,
    Compensation,
    CompensationPayment,
    Flag,
    Meeting,
    MentorOffer,
    NoteVisibility,
    Pairing,
    PairingStatus,
    Task,
)
from mentoring.progress import Health, progress, with_progress_data
from organisations.demo import PARTICIPANTS
from organisations.models import Organisation
from scheme.demo import SCHEME, SUCCESSOR
from scheme.models import Event, Notification, User


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def counts():
    models = (
        MentorOffer, Pairing, AgreementAcceptance, Meeting, Task, CheckIn, Flag, Compensation,
        CompensationPayment,
    )  # fmt: skip
    found = {model.__name__: model.objects.count() for model in models}
    found["events"] = Event.objects.filter(verb__startswith="mentoring.").count()
    found["notifications"] = Notification.objects.filter(url__startswith="/mentoring/").count()
    found["unread"] = Notification.objects.filter(read_at__isnull=True).count()
    return found


def test_the_mentoring_demo_tells_the_pilot_and_a_second_run_gives_the_same_data(db):
    output = load_demo()
    first = counts()
    load_demo()
    assert counts() == first
    assert "Mentoring: 10 offers, 16 pairings" in output
    check_pairings_and_agreements()
    check_meetings_tasks_check_ins_and_health()
    check_compensation()
    check_the_group_and_its_notes()


def check_pairings_and_agreements():
    mentors = Organisation.objects.filter(kind="mentor")
    assert MentorOffer.objects.filter(organisation__in=mentors).count() == 10
    assert all(1 <= offer.capacity <= 2 for offer in MentorOffer.objects.all())

    pairings = Pairing.objects.prefetch_related("members__organisation")
    pilot = pairings.filter(scheme__slug=SCHEME["slug"])
    assert pilot.filter(status=PairingStatus.ENDED, ends_on=PILOT_END).count() == 9
    assert not pilot.filter(meetings__held_on__gt=PILOT_END).exists()  # nothing after 2024
    after = pairings.filter(scheme__slug=SUCCESSOR["slug"])
    assert after.filter(status=PairingStatus.ACTIVE, starts_on__year=2025).count() == 6
    replaced = pairings.get(status=PairingStatus.REPLACED)
    assert replaced.end_reason and replaced.replaced_by.status != PairingStatus.REPLACED
    assert replaced.ends_on.year == 2023
    # ten mentors for nine participants: each participant in one pilot pairing (not counting
    # the one replaced); one live pairing at most each, after the pilot
    assert pairings.values("mentor").distinct().count() == 10
    participants = Organisation.objects.filter(
        kind="participant", email__in=[f"post@{row[1]}.example" for row in PARTICIPANTS]
    )
    assert participants.count() == 9
    for participant in participants:
        mine = pilot.filter(members__organisation=participant)
        assert mine.exclude(status=PairingStatus.REPLACED).count() == 1, participant
        live = pairings.filter(
            members__organisation=participant,
            status__in=[PairingStatus.ACTIVE, PairingStatus.PAUSED],
        )
        assert live.count() <= 1

    for pairing in pairings.select_related("agreement"):
        sides = {pairing.mentor_id} | {m.organisation_id for m in pairing.members.all()}
        accepted = set(pairing.agreement.acceptances.values_list("organisation_id", flat=True))
        assert accepted == sides, pairing


def check_meetings_tasks_check_ins_and_health():
    years = dict(Meeting.objects.values_list("held_on__year").annotate(n=Count("id")).order_by())
    assert years[2023] >= 40 and years[2024] >= 40
    assert Meeting.objects.filter(notes_visibility=NoteVisibility.PAIR).exclude(notes="").exists()
    assert (
        Meeting.objects.filter(notes_visibility=NoteVisibility.PAIR_AND_CASEWORKER)
        .exclude(notes="")
        .exists()
    )
    assert Meeting.objects.filter(confirmed_at__isnull=True).count() < Meeting.objects.count() / 10
    assert not Meeting.objects.filter(held_on__lt=F("pairing__starts_on")).exists()
    assert not Meeting.objects.filter(held_on__gt=timezone.localdate()).exists()

    today = timezone.localdate()
    assert Task.objects.filter(done_at__isnull=False).exists()
    assert Task.objects.filter(done_at__isnull=True, due_on__lt=today).exists()

    poor = CheckIn.objects.get(kind=CheckInKind.FIRST, good_fit=False)
    assert poor.followed_up_at is not None
    assert poor.pairing.status == PairingStatus.REPLACED
    for kind in (CheckInKind.MIDPOINT, CheckInKind.END):
        answers = CheckIn.objects.filter(kind=kind)
        assert answers.count() == 18  # both sides of the nine pairings
        assert not answers.filter(usefulness__isnull=True).exists()
        assert not answers.filter(comment="").exists()

    assert Flag.objects.count() == 1

    rows = with_progress_data(Pairing.objects.all(), today).prefetch_related(
        "members__organisation"
    )
    health = [progress(pairing, today).health for pairing in rows]
    assert Health.ON_TRACK in health
    assert Health.BEHIND in health or Health.AT_RISK in health
    assert health.count(Health.NOT_RUNNING) == 10  # nine ended with the pilot, one replaced


def check_compensation():
    """Compensation for 2023 and 2024, paid, but never more than the amount."""
    compensations = Compensation.objects.annotate(paid_total=Sum("payments__amount"))
    assert {c.scheme_year.year for c in compensations} == {2023, 2024}
    assert compensations.filter(scheme_year__year=2024).count() == 9
    assert compensations.filter(amount=40000).count() >= 16
    for compensation in compensations:
        assert compensation.paid_total is not None
        assert compensation.paid_total <= compensation.amount, compensation
    assert CompensationPayment.objects.count() >= 19


def check_the_group_and_its_notes():
    """The group after the pilot: meetings with both participants and with one alone; the
    notes of a meeting with one are read by the mentor and that one, never by the other."""
    [group] = [p for p in Pairing.objects.prefetch_related("members") if p.is_group]
    assert group.status == PairingStatus.ACTIVE and group.mentor.name == "Norges Røde Kors"
    beatus, sava = [m.organisation for m in group.members.all()]
    leaders = {
        organisation.pk: User.objects.get(email=f"leder@{slug}.example")
        for organisation, slug in ((beatus, "beatuscras"), (sava, "svetisava"))
    }
    mentor = User.objects.get(email="mentor@rodekors.example")
    meetings = list(group.meetings.prefetch_related("participants"))
    took_part = [frozenset(o.pk for o in m.participants.all()) for m in meetings]
    assert frozenset({beatus.pk, sava.pk}) in took_part
    assert frozenset({beatus.pk}) in took_part and frozenset({sava.pk}) in took_part
    alone = [m for m in meetings if m.participants.count() == 1 and m.notes]
    assert {m.notes_visibility for m in alone} == {
        NoteVisibility.PAIR,
        NoteVisibility.PAIR_AND_CASEWORKER,
    }
    for meeting in alone:
        [present] = meeting.participants.all()
        absent = sava if present == beatus else beatus
        assert meeting.notes_visible_to(mentor)
        assert meeting.notes_visible_to(leaders[present.pk])
        assert not meeting.notes_visible_to(leaders[absent.pk])
        assert set(meeting.tasks.values_list("owner", flat=True)) <= {present.pk}
    assert not group.meetings.filter(confirmed_at__isnull=True).exists()
