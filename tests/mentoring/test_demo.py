"""The mentoring demo data: the nine pairings of the pilot and their story, loaded twice.

One test, as loading the whole demo (every app's) takes several seconds."""

import io

from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.utils import timezone

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
from scheme.models import Event, Notification


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
    assert "Mentoring: 10 offers, 10 pairings" in output
    check_pairings_and_agreements()
    check_meetings_tasks_check_ins_and_health()
    check_compensation()


def check_pairings_and_agreements():
    mentors = Organisation.objects.filter(kind="mentor")
    assert MentorOffer.objects.filter(organisation__in=mentors).count() == 10
    assert all(1 <= offer.capacity <= 2 for offer in MentorOffer.objects.all())

    pairings = Pairing.objects.prefetch_related("members__organisation")
    assert pairings.filter(status__in=[PairingStatus.ACTIVE, PairingStatus.ENDED]).count() == 9
    replaced = pairings.get(status=PairingStatus.REPLACED)
    assert replaced.end_reason and replaced.replaced_by.status != PairingStatus.REPLACED
    assert replaced.ends_on.year == 2023
    # ten mentors for nine participants, each participant in exactly one live-or-ended pairing
    assert pairings.values("mentor").distinct().count() == 10
    participants = Organisation.objects.filter(
        kind="participant", email__in=[f"post@{row[1]}.example" for row in PARTICIPANTS]
    )
    assert participants.count() == 9
    for participant in participants:
        assert (
            pairings.filter(members__organisation=participant)
            .exclude(status=PairingStatus.REPLACED)
            .count()
            == 1
        )

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
    assert health.count(Health.NOT_RUNNING) == 5  # four ended with the pilot, one replaced


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
