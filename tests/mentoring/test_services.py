"""Every service in mentoring/services.py: the allowed path and every refused one.

A refused call raises ValidationError (a problem the user can fix, in plain words) or
PermissionDenied (someone without access), and changes nothing: ``refused`` compares the row
counts of every mentoring model, the timeline, notifications and the audit log, and the fields
of the objects involved, before and after the call.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from mentoring import services
from mentoring.models import (
    Agreement,
    AgreementAcceptance,
    CheckIn,
    Compensation,
    Flag,
    FlagStatus,
    Meeting,
    MentorOffer,
    Pairing,
    PairingStatus,
    Task,
)
from organisations.models import CompetenceArea
from scheme.audit import timeline
from scheme.formatting import format_day
from scheme.models import Notification
from tests import factories
from tests.mentoring.conftest import meet, refused

D = Decimal


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def verbs(target):
    return [event.verb for event in timeline(target)]


def notifications(user):
    return list(Notification.objects.filter(recipient=user))


def said(user, msgid, **params):
    """``msgid`` as ``user`` reads it (their language), with ``params`` filled in (dates as
    the user reads them)."""
    with translation.override(user.language):
        params = {
            name: format_day(value) if isinstance(value, datetime.date) else value
            for name, value in params.items()
        }
        return translation.gettext(msgid).format(**params)


def subjects(user):
    return [n.subject for n in notifications(user)]


def refresh(obj):
    obj.refresh_from_db()
    return obj


# --- offers -----------------------------------------------------------------------------------


def test_a_mentor_describes_what_it_offers(mentor, mentor_org):
    areas = CompetenceArea.objects.filter(code__in=["accounts", "applications"])
    groups = [factories.TargetGroupFactory(code="youth"), factories.TargetGroupFactory()]
    offer = services.save_offer(
        mentor,
        mentor_org,
        capacity=3,
        regions=["east", "west"],
        competence_areas=areas,
        target_groups=groups,
        wished_target_groups=groups[:1],
        wishes="Gjerne en ungdomsorganisasjon.",
    )
    offer = MentorOffer.objects.get(pk=offer.pk)
    assert offer.organisation == mentor_org
    assert offer.capacity == 3
    assert offer.regions == ["east", "west"]
    assert set(offer.competence_areas.all()) == set(areas)
    assert set(offer.target_groups.all()) == set(groups)
    assert list(offer.wished_target_groups.all()) == groups[:1]
    assert verbs(mentor_org) == [services.OFFER_SAVED]
    # Saving again changes the same offer.
    services.save_offer(mentor, mentor_org, capacity=1)
    assert MentorOffer.objects.get(organisation=mentor_org).capacity == 1
    assert MentorOffer.objects.count() == 1


def test_a_caseworker_may_keep_a_mentors_offer(caseworker, mentor_org):
    services.save_offer(caseworker, mentor_org, capacity=5)
    assert mentor_org.mentor_offer.capacity == 5


@pytest.mark.parametrize("who", ["member", "other_mentor", "evaluator"])
def test_only_the_mentor_and_caseworkers_keep_an_offer(request, who, offer, mentor_org):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.save_offer(actor, mentor_org, capacity=9),
        objects=[offer],
    )


def test_only_mentor_organisations_make_offers(caseworker, participant):
    refused(PermissionDenied, lambda: services.save_offer(caseworker, participant, capacity=1))


def test_an_offer_names_known_regions(mentor, offer, mentor_org):
    refused(
        ValidationError,
        lambda: services.save_offer(mentor, mentor_org, regions=["east", "atlantis"]),
        "regions from the list",
        objects=[offer],
    )


# --- pairings and the agreement ----------------------------------------------------------------


def test_the_caseworker_pairs_a_mentor_with_a_participant(
    caseworker, scheme_year, mentor_org, mentor, offer, participant, member,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    start = days(-10)
    with django_capture_on_commit_callbacks(execute=True):
        pairing = services.create_pairing(
            caseworker,
            scheme_year.scheme,
            mentor_org,
            [participant],
            starts_on=start,
            mentor_contact=mentor,
        )
    pairing = Pairing.objects.get(pk=pairing.pk)
    assert pairing.status == PairingStatus.ACTIVE
    assert pairing.scheme == scheme_year.scheme
    assert pairing.mentor == mentor_org
    assert pairing.mentor_contact == mentor
    assert pairing.starts_on == start
    assert pairing.ends_on is None
    assert pairing.created_by == caseworker
    assert [m.organisation for m in pairing.members.all()] == [participant]
    assert not pairing.is_group
    assert verbs(pairing) == [services.PAIRED]
    # Both sides hear about it, by e-mail too; the caseworker who did it does not.
    url = reverse("mentoring:pairing", args=[pairing.pk])
    for person in (mentor, member):
        [notice] = notifications(person)
        assert notice.url == url
        assert notice.email_to == person.email
        assert mentor_org.name in notice.body and participant.name in notice.body
    assert notifications(caseworker) == []
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([mentor.email, member.email])


def test_the_agreement_is_written_from_the_scheme(
    caseworker, scheme_year, mentor_org, offer, participant
):
    scheme = scheme_year.scheme
    scheme.legal_basis = "Rundskriv nr. 10-2022"
    scheme.save()
    last_year = scheme_year.year - 1
    factories.SchemeYearFactory(scheme=scheme, year=last_year, min_mentor_meetings=4)
    pairing = services.create_pairing(
        caseworker, scheme, mentor_org, [participant], starts_on=datetime.date(last_year, 3, 1)
    )
    agreement = Agreement.objects.get(pairing=pairing)
    # The minimum comes from the scheme year the pairing starts in.
    assert agreement.min_meetings == 4
    text = agreement.text
    assert "SAMARBEIDSAVTALE" in text
    assert scheme.name in text
    assert scheme.administrator.name in text
    assert "Rundskriv nr. 10-2022" in text
    assert f"Mentororganisasjon: {mentor_org.name}" in text
    assert f"Deltakerorganisasjon: {participant.name}" in text
    assert f"01.03.{last_year}" in text
    assert "minst 4 ganger i hvert kalenderår" in text
    assert "Taushet" in text and "fortrolig" in text
    assert "Notater fra møtene er bare for paret" in text
    # The obligations of both sides and of the administering body.
    assert "Mentororganisasjonens plikter" in text
    assert "Deltakerorganisasjonens plikter" in text
    assert f"{scheme.administrator.name} sine plikter" in text


def test_the_agreement_uses_this_years_minimum(
    caseworker, scheme_year, mentor_org, offer, participant
):
    scheme_year.min_mentor_meetings = 8
    scheme_year.save()
    pairing = services.create_pairing(caseworker, scheme_year.scheme, mentor_org, [participant])
    assert pairing.agreement.min_meetings == 8
    assert "minst 8 ganger" in pairing.agreement.text
    assert pairing.starts_on == timezone.localdate()


def test_the_agreement_keeps_names_as_written(caseworker, scheme_year, offer, mentor_org):
    participant = factories.OrganisationFactory(kind="participant", name="Mor & barn <Oslo>")
    pairing = services.create_pairing(caseworker, scheme_year.scheme, mentor_org, [participant])
    assert "Deltakerorganisasjon: Mor & barn <Oslo>" in pairing.agreement.text


def test_group_mentoring_one_mentor_three_participants(group):
    pairing = Pairing.objects.get(pk=group.pairing.pk)
    assert pairing.is_group
    assert [m.organisation for m in pairing.members.all()] == group.participants
    text = pairing.agreement.text
    assert "Deltakerorganisasjoner (gruppementoring): Deltaker A, Deltaker B, Deltaker C" in text
    # Everyone in the group hears about it.
    for person in [group.mentor, *group.members]:
        assert len(notifications(person)) == 1


@pytest.mark.parametrize("who", ["foreign_caseworker", "mentor", "member", "evaluator"])
def test_only_the_schemes_caseworkers_pair(
    request, who, scheme_year, mentor_org, offer, participant
):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.create_pairing(actor, scheme_year.scheme, mentor_org, [participant]),
    )


def test_an_admin_may_pair(admin_user, scheme_year, mentor_org, offer, participant):
    pairing = services.create_pairing(admin_user, scheme_year.scheme, mentor_org, [participant])
    assert pairing.created_by == admin_user


def test_a_participant_has_one_mentor_in_a_scheme(
    caseworker, pairing, participant, other_mentor_org
):
    refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, pairing.scheme, other_mentor_org, [participant]
        ),
        "already has a mentor",
        participant.name,
    )


def test_a_paused_pairing_still_holds_the_participant(
    caseworker, pairing, participant, other_mentor_org
):
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, pairing.scheme, other_mentor_org, [participant]
        ),
        "already has a mentor",
    )


def test_after_a_pairing_ends_the_participant_may_be_paired_again(
    caseworker, pairing, participant, other_mentor_org
):
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Flyttet.")
    again = services.create_pairing(caseworker, pairing.scheme, other_mentor_org, [participant])
    assert again.status == PairingStatus.ACTIVE


def test_a_participant_may_have_a_mentor_in_each_scheme(
    caseworker, pairing, participant, other_mentor_org
):
    other_scheme = factories.SchemeFactory(administrator=pairing.scheme.administrator)
    factories.SchemeYearFactory(scheme=other_scheme, year=pairing.starts_on.year)
    second = services.create_pairing(caseworker, other_scheme, other_mentor_org, [participant])
    assert second.members.get().organisation == participant


def test_a_mentor_takes_no_more_than_its_capacity(
    caseworker, scheme_year, mentor_org, offer, participant, other_participant
):
    # Room for two: a group of three does not fit.
    third = factories.OrganisationFactory(kind="participant")
    refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, scheme_year.scheme, mentor_org, [participant, other_participant, third]
        ),
        "room for 2",
        "already mentors 0",
    )
    services.create_pairing(caseworker, scheme_year.scheme, mentor_org, [participant])
    services.create_pairing(caseworker, scheme_year.scheme, mentor_org, [other_participant])
    refused(
        ValidationError,
        lambda: services.create_pairing(caseworker, scheme_year.scheme, mentor_org, [third]),
        mentor_org.name,
        "already mentors 2",
    )


def test_a_mentor_without_an_offer_is_not_paired(caseworker, scheme_year, participant):
    silent = factories.OrganisationFactory(kind="mentor", name="Taus mentor")
    refused(
        ValidationError,
        lambda: services.create_pairing(caseworker, scheme_year.scheme, silent, [participant]),
        "Taus mentor",
        "not said what it offers",
    )


def test_pairings_need_a_mentor_and_participants(
    caseworker, scheme_year, mentor_org, offer, participant, other_mentor_org
):
    refused(
        ValidationError,
        lambda: services.create_pairing(caseworker, scheme_year.scheme, mentor_org, []),
        "participant organisations",
    )
    refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, scheme_year.scheme, mentor_org, [other_mentor_org]
        ),
        "participant organisations",
    )
    not_a_mentor = factories.OrganisationFactory(kind="participant")
    refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, scheme_year.scheme, not_a_mentor, [participant]
        ),
    )


def test_the_mentors_contact_belongs_to_the_mentor(
    caseworker, scheme_year, mentor_org, offer, participant, member
):
    refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, scheme_year.scheme, mentor_org, [participant], mentor_contact=member
        ),
        "contact person must belong to the mentor",
    )


# --- replacing the mentor ------------------------------------------------------------------------


def test_replacing_the_mentor_ends_the_old_pairing_and_keeps_its_history(
    caseworker, pairing, mentor, member, participant, mentor_org, other_mentor_org, other_mentor,
):  # fmt: skip
    meeting = meet(mentor, pairing, days(-5), notes="Internt.")
    services.accept_agreement(member, pairing)
    old_agreement = pairing.agreement
    Notification.objects.all().delete()

    new = services.replace_mentor(
        caseworker, pairing, other_mentor_org, reason="Mentoren har ikke kapasitet.",
        mentor_contact=other_mentor,
    )  # fmt: skip

    old = Pairing.objects.get(pk=pairing.pk)
    assert old.status == PairingStatus.REPLACED
    assert old.ends_on == timezone.localdate()
    assert old.end_reason == "Mentoren har ikke kapasitet."
    assert old.replaced_by == new
    new = Pairing.objects.get(pk=new.pk)
    assert new.replaces == old
    assert new.status == PairingStatus.ACTIVE
    assert new.mentor == other_mentor_org
    assert new.mentor_contact == other_mentor
    assert new.scheme == old.scheme
    assert new.starts_on == timezone.localdate()
    assert [m.organisation for m in new.members.all()] == [participant]
    # A new agreement for the new pair, not yet accepted; the old one is kept as it was.
    assert new.agreement.pk != old_agreement.pk
    assert other_mentor_org.name in new.agreement.text
    assert not new.agreement.acceptances.exists()
    assert Agreement.objects.get(pk=old_agreement.pk).acceptances.count() == 1
    # History stays with the old pairing.
    assert list(old.meetings.all()) == [meeting]
    assert not new.meetings.exists()
    assert verbs(old)[0] == services.REPLACED
    assert services.PAIRED in verbs(old)
    assert verbs(new) == [services.PAIRED]
    # The new pair hears about it; the old mentor does not get a "new pairing" notice.
    assert len(notifications(other_mentor)) == 1
    assert len(notifications(member)) == 1
    assert notifications(mentor) == []


def test_replacing_a_group_mentor_moves_the_whole_group(group, caseworker, other_mentor_org):
    services.save_offer(caseworker, other_mentor_org, capacity=3)
    new = services.replace_mentor(
        caseworker, group.pairing, other_mentor_org, reason="Bytte.", starts_on=days(-1)
    )
    assert [m.organisation for m in new.members.all()] == group.participants
    assert new.starts_on == days(-1)
    assert refresh(group.pairing).ends_on == days(-1)
    assert "gruppementoring" in new.agreement.text


def test_replacing_with_the_same_mentor_is_refused(caseworker, pairing, mentor_org):
    refused(
        ValidationError,
        lambda: services.replace_mentor(caseworker, pairing, mentor_org, reason="Ny start."),
        "another mentor organisation",
        objects=[pairing],
    )


def test_replacing_needs_a_reason(caseworker, pairing, other_mentor_org):
    refused(
        ValidationError,
        lambda: services.replace_mentor(caseworker, pairing, other_mentor_org, reason="  "),
        "why the mentor is replaced",
        objects=[pairing],
    )


def test_replacing_needs_room_with_the_new_mentor(caseworker, group, pairing, other_mentor_org):
    # The group of three does not fit with a mentor that has room for two.
    refused(
        ValidationError,
        lambda: services.replace_mentor(caseworker, group.pairing, other_mentor_org, reason="X"),
        "room for 2",
        objects=[group.pairing],
    )


def test_an_ended_or_replaced_pairing_cannot_be_replaced(
    caseworker, pairing, other_mentor_org, group
):
    new = services.replace_mentor(caseworker, pairing, other_mentor_org, reason="Bytte.")
    refused(
        ValidationError,
        lambda: services.replace_mentor(caseworker, pairing, group.mentor_org, reason="Igjen."),
        "has ended",
        objects=[pairing, new],
    )
    services.set_status(caseworker, new, PairingStatus.ENDED, reason="Slutt.")
    refused(
        ValidationError,
        lambda: services.replace_mentor(caseworker, new, group.mentor_org, reason="Igjen."),
        "has ended",
        objects=[new],
    )


@pytest.mark.parametrize("who", ["foreign_caseworker", "mentor", "member", "evaluator"])
def test_only_the_schemes_caseworkers_replace(request, who, pairing, other_mentor_org):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.replace_mentor(actor, pairing, other_mentor_org, reason="Bytte."),
        objects=[pairing],
    )


# --- pausing and ending --------------------------------------------------------------------------


def test_the_caseworker_pauses_resumes_and_ends_a_pairing(caseworker, pairing):
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    assert refresh(pairing).status == PairingStatus.PAUSED
    assert pairing.ends_on is None
    services.set_status(caseworker, pairing, PairingStatus.ACTIVE)
    assert refresh(pairing).status == PairingStatus.ACTIVE
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Perioden er over.")
    refresh(pairing)
    assert pairing.status == PairingStatus.ENDED
    assert pairing.ends_on == timezone.localdate()
    assert pairing.end_reason == "Perioden er over."
    assert verbs(pairing).count(services.STATUS_CHANGED) == 3


def test_ending_needs_a_reason(caseworker, pairing):
    refused(
        ValidationError,
        lambda: services.set_status(caseworker, pairing, PairingStatus.ENDED, reason=""),
        "why the pairing ends",
        objects=[pairing],
    )


@pytest.mark.parametrize("status", [PairingStatus.REPLACED, "sleeping"])
def test_only_active_paused_or_ended(caseworker, pairing, status):
    refused(
        ValidationError,
        lambda: services.set_status(caseworker, pairing, status, reason="x"),
        "active, paused or ended",
        objects=[pairing],
    )


def test_an_ended_pairing_stays_ended(caseworker, pairing):
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Slutt.")
    refused(
        ValidationError,
        lambda: services.set_status(caseworker, pairing, PairingStatus.ACTIVE),
        "has ended",
        objects=[pairing],
    )


@pytest.mark.parametrize("who", ["foreign_caseworker", "mentor", "member", "evaluator"])
def test_only_the_schemes_caseworkers_change_the_status(request, who, pairing):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.set_status(actor, pairing, PairingStatus.PAUSED),
        objects=[pairing],
    )


# --- accepting the agreement ---------------------------------------------------------------------


def test_both_sides_accept_the_agreement(pairing, mentor, member, mentor_org, participant):
    before = timezone.now()
    services.accept_agreement(member, pairing)
    services.accept_agreement(mentor, pairing)
    acceptances = {a.organisation: a for a in pairing.agreement.acceptances.all()}
    assert set(acceptances) == {mentor_org, participant}
    assert acceptances[participant].accepted_by == member
    assert acceptances[mentor_org].accepted_by == mentor
    assert all(a.accepted_at >= before for a in acceptances.values())
    assert verbs(pairing).count(services.AGREEMENT_ACCEPTED) == 2


def test_each_organisation_accepts_once(pairing, member, participant):
    services.accept_agreement(member, pairing)
    colleague = factories.member_of(participant)
    for person in (member, colleague):
        refused(
            ValidationError,
            lambda person=person: services.accept_agreement(person, pairing),
            participant.name,
            "already accepted",
        )


def test_every_organisation_in_a_group_accepts(group):
    for person in [group.mentor, *group.members]:
        services.accept_agreement(person, group.pairing)
    organisations = {a.organisation for a in group.pairing.agreement.acceptances.all()}
    assert organisations == {group.mentor_org, *group.participants}


@pytest.mark.parametrize(
    "who", ["caseworker", "other_mentor", "other_member", "evaluator", "admin_user"]
)
def test_only_the_pair_accepts_the_agreement(request, who, pairing):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.accept_agreement(actor, pairing))


def test_an_ended_agreement_is_not_accepted(caseworker, pairing, member):
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Slutt.")
    refused(ValidationError, lambda: services.accept_agreement(member, pairing), "has ended")


# --- meetings ----------------------------------------------------------------------------------


def test_the_mentor_logs_a_meeting_with_tasks(
    pairing, mentor, member, mentor_org, participant, caseworker,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    Notification.objects.all().delete()
    topics = CompetenceArea.objects.filter(code__in=["accounts", "reporting"])
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.log_meeting(
            mentor,
            pairing,
            held_on=days(-3),
            mode="physical",
            duration_minutes=90,
            attendees="Kari (mentor), Ola (leder)",
            summary="Budsjett for neste år.",
            topics=topics,
            notes="Styret er uenig om retningen.",
            notes_visibility="caseworker",
            tasks=[
                ("Send budsjettet", participant, days(7)),
                ("Finn en regnskapsfører", mentor_org, days(14)),
            ],
        )
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.held_on == days(-3)
    assert meeting.mode == "physical"
    assert meeting.duration_minutes == 90
    assert meeting.attendees == "Kari (mentor), Ola (leder)"
    assert meeting.summary == "Budsjett for neste år."
    assert set(meeting.topics.all()) == set(topics)
    assert meeting.notes == "Styret er uenig om retningen."
    assert meeting.notes_visibility == "caseworker"
    assert meeting.logged_by == mentor
    assert meeting.logged_for == mentor_org
    assert meeting.confirmed_at is None
    tasks = {t.title: t for t in Task.objects.filter(pairing=pairing)}
    assert tasks["Send budsjettet"].owner == participant
    assert tasks["Send budsjettet"].due_on == days(7)
    assert tasks["Send budsjettet"].meeting == meeting
    assert tasks["Finn en regnskapsfører"].owner == mentor_org
    assert verbs(pairing)[0] == services.MEETING_LOGGED
    # The other side is asked to confirm, in the portal only; the first meeting also asks
    # both sides whether it is a good fit (by e-mail too).
    confirm = said(member, "Confirm the meeting of {date}", date=days(-3))
    fit = said(member, "Is this a good fit?")
    assert len(notifications(member)) == 2
    [to_confirm] = [n for n in notifications(member) if n.subject == confirm]
    assert to_confirm.email_to == ""
    assert to_confirm.url == reverse("mentoring:pairing", args=[pairing.pk])
    assert [n.subject for n in notifications(member) if n.subject == fit] == [fit]
    assert subjects(mentor) == [said(mentor, "Is this a good fit?")]
    assert notifications(caseworker) == []
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([mentor.email, member.email])


def test_only_the_first_meeting_asks_about_the_fit(pairing, mentor, member):
    meet(mentor, pairing, days(-20))
    Notification.objects.all().delete()
    meet(member, pairing, days(-2))
    assert notifications(member) == []
    [notice] = notifications(mentor)
    assert notice.subject != said(mentor, "Is this a good fit?")
    assert notice.email_to == ""


def test_the_participant_logs_a_meeting(pairing, member, participant):
    meeting = meet(member, pairing, days(-1), mode="physical")
    assert meeting.logged_for == participant
    assert meeting.logged_by == member


def test_a_meeting_may_be_logged_on_the_first_day_and_today(pairing, mentor):
    meet(mentor, pairing, pairing.starts_on)
    meet(mentor, pairing, timezone.localdate())
    assert pairing.meetings.count() == 2


@pytest.mark.parametrize(
    "who", ["caseworker", "other_mentor", "other_member", "evaluator", "admin_user"]
)
def test_only_the_pair_logs_meetings(request, who, pairing):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: meet(actor, pairing, days(-1)), objects=[pairing])


def test_no_meetings_are_logged_for_an_ended_pairing(caseworker, pairing, mentor):
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Slutt.")
    refused(ValidationError, lambda: meet(mentor, pairing, days(-1)), "has ended")


def test_a_paused_pairing_may_still_log_what_happened(caseworker, pairing, mentor):
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    assert meet(mentor, pairing, days(-1)).pk


def test_a_meeting_is_logged_after_it_has_taken_place(pairing, mentor):
    refused(ValidationError, lambda: meet(mentor, pairing, days(1)), "after it has taken place")


def test_a_meeting_is_not_older_than_the_pairing(pairing, mentor):
    refused(
        ValidationError,
        lambda: meet(mentor, pairing, pairing.starts_on - datetime.timedelta(days=1)),
        "pairing started on",
    )


def test_tasks_belong_to_the_pair(pairing, mentor, other_participant):
    refused(
        ValidationError,
        lambda: meet(mentor, pairing, days(-1), tasks=[("Noe", other_participant, days(3))]),
        "belongs to the mentor or an organisation that took part",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"mode": "by pigeon"},
        {"notes_visibility": "everyone"},
        {"summary": ""},
        {"attendees": ""},
    ],
)
def test_a_meeting_needs_valid_details(pairing, mentor, fields):
    refused(ValidationError, lambda: meet(mentor, pairing, days(-1), **fields))


def test_a_task_needs_a_title(pairing, mentor, participant):
    refused(
        ValidationError,
        lambda: meet(mentor, pairing, days(-1), tasks=[("", participant, days(3))]),
    )


def test_the_other_side_confirms_a_meeting(pairing, mentor, member):
    meeting = meet(mentor, pairing, days(-1))
    services.confirm_meeting(member, meeting)
    refresh(meeting)
    assert meeting.confirmed_by == member
    assert meeting.confirmed_at is not None
    assert verbs(pairing)[0] == services.MEETING_CONFIRMED


def test_a_side_does_not_confirm_its_own_meeting(pairing, mentor, mentor_org):
    meeting = meet(mentor, pairing, days(-1))
    colleague = factories.member_of(mentor_org)
    for person in (mentor, colleague):
        refused(
            ValidationError,
            lambda person=person: services.confirm_meeting(person, meeting),
            "other side confirms",
            objects=[meeting],
        )


def test_a_meeting_is_confirmed_once(pairing, mentor, member, participant):
    meeting = meet(mentor, pairing, days(-1))
    services.confirm_meeting(member, meeting)
    colleague = factories.member_of(participant)
    refused(
        ValidationError,
        lambda: services.confirm_meeting(colleague, meeting),
        "already confirmed",
        objects=[meeting],
    )


@pytest.mark.parametrize(
    "who", ["caseworker", "other_mentor", "other_member", "evaluator", "admin_user"]
)
def test_only_the_pair_confirms(request, who, pairing, mentor):
    meeting = meet(mentor, pairing, days(-1))
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.confirm_meeting(actor, meeting), objects=[meeting])


def test_in_a_group_those_who_took_part_log_and_confirm(group):
    a, b, c = group.members
    A, B, C = group.participants
    Notification.objects.all().delete()
    first = meet(b, group.pairing, days(-10), tasks=[("Del malen", B, days(5))])
    assert first.logged_for == B
    # A participant that logs a meeting took part in it; it alone, unless it says more.
    assert list(first.participants.all()) == [B]
    # The mentor is asked to confirm, in the portal only; the others were not there.
    assert any(n.email_to == "" for n in notifications(group.mentor))
    for person in (a, c):
        assert not any(n.email_to == "" for n in notifications(person))
    refused(ValidationError, lambda: services.confirm_meeting(b, first), "other side")
    refused(
        ValidationError, lambda: services.confirm_meeting(c, first), "did not take part",
        objects=[first],
    )  # fmt: skip
    services.confirm_meeting(group.mentor, first)
    assert refresh(first).confirmed_by == group.mentor

    second = meet(
        group.mentor,
        group.pairing,
        days(-5),
        participants=[A, C],
        tasks=[(f"Oppgave {i}", organisation, days(3))
               for i, organisation in enumerate([group.mentor_org, A, C])],
    )  # fmt: skip
    assert set(second.participants.all()) == {A, C}
    refused(ValidationError, lambda: services.confirm_meeting(b, second), "did not take part")
    services.confirm_meeting(c, second)
    owners = set(Task.objects.filter(meeting=second).values_list("owner", flat=True))
    assert owners == {group.mentor_org.pk, A.pk, C.pk}
    task = Task.objects.get(meeting=first)
    services.complete_task(b, task)
    assert refresh(task).done_by == b


def test_in_a_group_a_meeting_says_who_took_part(group, participant):
    A, B, _C = group.participants
    refused(
        ValidationError,
        lambda: meet(group.mentor, group.pairing, days(-1)),
        "choose the participant organisations that took part",
    )
    refused(
        ValidationError,
        lambda: meet(group.mentor, group.pairing, days(-1), participants=[A, participant]),
        "organisations in this group",
    )
    refused(
        ValidationError,
        lambda: meet(group.members[0], group.pairing, days(-1), participants=[B]),
        "logs the meeting, so it took part",
    )
    refused(
        ValidationError,
        lambda: meet(
            group.mentor, group.pairing, days(-1), participants=[A], tasks=[("Noe", B, days(3))]
        ),
        "belongs to the mentor or an organisation that took part",
    )


def test_in_a_one_to_one_pairing_the_participant_always_took_part(pairing, mentor, participant):
    meeting = meet(mentor, pairing, days(-1))
    assert list(meeting.participants.all()) == [participant]


# --- tasks ---------------------------------------------------------------------------------------


@pytest.fixture
def task(pairing, mentor, participant):
    meeting = meet(mentor, pairing, days(-2), tasks=[("Send budsjettet", participant, days(5))])
    return meeting.tasks.get()


def test_the_owner_ticks_off_a_task(task, member, pairing):
    services.complete_task(member, task)
    refresh(task)
    assert task.done_by == member
    assert task.done_at is not None
    assert verbs(pairing)[0] == services.TASK_DONE


def test_a_task_is_done_once(task, member, participant):
    services.complete_task(member, task)
    colleague = factories.member_of(participant)
    refused(
        ValidationError,
        lambda: services.complete_task(colleague, task),
        "already done",
        objects=[task],
    )


@pytest.mark.parametrize(
    "who", ["mentor", "caseworker", "other_mentor", "other_member", "evaluator", "admin_user"]
)
def test_only_the_owner_ticks_off_a_task(request, who, task):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.complete_task(actor, task), objects=[task])


# --- check-ins -----------------------------------------------------------------------------------


def test_each_side_says_whether_it_is_a_good_fit(pairing, mentor, member, caseworker):
    meet(mentor, pairing, days(-3))
    Notification.objects.all().delete()
    answer = services.answer_check_in(member, pairing, "first", good_fit=True, comment="Bra!")
    services.answer_check_in(mentor, pairing, "first", good_fit=True)
    answer = CheckIn.objects.get(pk=answer.pk)
    assert answer.good_fit is True
    assert answer.comment == "Bra!"
    assert answer.answered_by == member
    assert not answer.is_poor_fit_open
    assert pairing.check_ins.count() == 2
    assert verbs(pairing).count(services.CHECKED_IN) == 2
    assert notifications(caseworker) == []


def test_a_poor_fit_alerts_the_caseworker_by_email(
    pairing, mentor, member, caseworker, foreign_caseworker, participant,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    meet(mentor, pairing, days(-3))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.answer_check_in(
            member, pairing, "first", good_fit=False, comment="Vi snakker forbi hverandre."
        )
    assert answer.is_poor_fit_open
    [notice] = notifications(caseworker)
    assert participant.name in notice.body
    assert "Vi snakker forbi hverandre." in notice.body
    assert notice.email_to == caseworker.email
    assert [mail.to for mail in mailoutbox] == [[caseworker.email]]
    # Only the scheme's own caseworkers; the pair is not told about each other's answer.
    assert notifications(foreign_caseworker) == []
    assert notifications(mentor) == []


def test_the_fit_question_comes_after_the_first_meeting(pairing, member):
    refused(
        ValidationError,
        lambda: services.answer_check_in(member, pairing, "first", good_fit=True),
        "after your first meeting",
    )


def test_the_fit_question_needs_an_answer(pairing, member, mentor):
    meet(mentor, pairing, days(-1))
    refused(
        ValidationError,
        lambda: services.answer_check_in(member, pairing, "first", good_fit=None),
        "whether it is a good fit",
    )


def test_midpoint_and_end_check_ins_have_three_ratings(pairing, member, mentor):
    services.answer_check_in(
        member, pairing, "midpoint", usefulness=5, cooperation=1, progress=3, comment="OK"
    )
    services.answer_check_in(mentor, pairing, "end", usefulness=1, cooperation=1, progress=1)
    midpoint = pairing.check_ins.get(kind="midpoint")
    assert (midpoint.usefulness, midpoint.cooperation, midpoint.progress) == (5, 1, 3)
    assert midpoint.good_fit is None


@pytest.mark.parametrize(
    "ratings",
    [
        {},
        {"usefulness": 3, "cooperation": 3},
        {"usefulness": 3, "cooperation": None, "progress": 3},
        {"usefulness": 0, "cooperation": 3, "progress": 3},
        {"usefulness": 3, "cooperation": 6, "progress": 3},
        {"usefulness": 3, "cooperation": 3, "progress": -1},
    ],
)
def test_ratings_are_from_1_to_5(pairing, member, ratings):
    refused(
        ValidationError,
        lambda: services.answer_check_in(member, pairing, "midpoint", **ratings),
        "rating from 1 to 5",
    )


def test_each_side_answers_a_check_in_once(pairing, member, mentor, participant):
    meet(mentor, pairing, days(-1))
    services.answer_check_in(member, pairing, "first", good_fit=True)
    colleague = factories.member_of(participant)
    refused(
        ValidationError,
        lambda: services.answer_check_in(colleague, pairing, "first", good_fit=False),
        "already answered",
    )
    # The other side and the other kinds are still open.
    services.answer_check_in(mentor, pairing, "first", good_fit=True)
    services.answer_check_in(member, pairing, "end", usefulness=4, cooperation=4, progress=4)


def test_check_ins_are_of_a_known_kind(pairing, member):
    refused(
        ValidationError,
        lambda: services.answer_check_in(
            member, pairing, "whenever", usefulness=3, cooperation=3, progress=3
        ),
    )


@pytest.mark.parametrize(
    "who", ["caseworker", "other_mentor", "other_member", "evaluator", "admin_user"]
)
def test_only_the_pair_checks_in(request, who, pairing, mentor):
    meet(mentor, pairing, days(-1))
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.answer_check_in(actor, pairing, "first", good_fit=False),
    )


def test_the_caseworker_follows_up_a_poor_fit(pairing, mentor, member, caseworker):
    meet(mentor, pairing, days(-1))
    answer = services.answer_check_in(member, pairing, "first", good_fit=False)
    services.follow_up_check_in(caseworker, answer)
    refresh(answer)
    assert answer.followed_up_at is not None
    assert not answer.is_poor_fit_open
    assert verbs(pairing)[0] == services.FOLLOWED_UP
    refused(
        ValidationError,
        lambda: services.follow_up_check_in(caseworker, answer),
        "already been followed up",
        objects=[answer],
    )


@pytest.mark.parametrize("who", ["foreign_caseworker", "mentor", "member", "evaluator"])
def test_only_the_schemes_caseworkers_follow_up(request, who, pairing, mentor, member):
    meet(mentor, pairing, days(-1))
    answer = services.answer_check_in(member, pairing, "first", good_fit=False)
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.follow_up_check_in(actor, answer), objects=[answer])


# --- flags ---------------------------------------------------------------------------------------


def test_either_side_flags_a_pairing_and_the_caseworker_hears(
    pairing, mentor, member, mentor_org, caseworker, foreign_caseworker,
    django_capture_on_commit_callbacks, mailoutbox,
):  # fmt: skip
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        flag = services.raise_flag(mentor, pairing, "De svarer ikke på e-post.")
    flag = Flag.objects.get(pk=flag.pk)
    assert flag.status == FlagStatus.OPEN
    assert flag.raised_for == mentor_org
    assert flag.raised_by == mentor
    assert flag.message == "De svarer ikke på e-post."
    assert verbs(flag)[0] == services.FLAGGED
    assert services.FLAGGED not in verbs(pairing)  # the other side reads the pairing's history
    [notice] = notifications(caseworker)
    assert "De svarer ikke på e-post." in notice.body
    assert mentor_org.name in notice.body
    assert [mail.to for mail in mailoutbox] == [[caseworker.email]]
    assert notifications(foreign_caseworker) == []
    assert notifications(member) == []
    services.raise_flag(member, pairing, "Vi får ikke møtetider.")
    assert pairing.flags.count() == 2


def test_a_flag_says_what_is_not_working(pairing, member):
    refused(
        ValidationError,
        lambda: services.raise_flag(member, pairing, "   "),
        "what is not working",
    )


@pytest.mark.parametrize(
    "who", ["caseworker", "other_mentor", "other_member", "evaluator", "admin_user"]
)
def test_only_the_pair_flags(request, who, pairing):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.raise_flag(actor, pairing, "Hjelp"))


def test_an_ended_pairing_is_not_flagged(caseworker, pairing, member):
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Slutt.")
    refused(ValidationError, lambda: services.raise_flag(member, pairing, "Hjelp"), "has ended")


def test_the_caseworker_resolves_a_flag_and_the_side_that_raised_it_hears(
    pairing, mentor, member, caseworker, django_capture_on_commit_callbacks, mailoutbox
):
    flag = services.raise_flag(member, pairing, "Mentoren møter ikke opp.")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_flag(caseworker, flag, "Vi har snakket med begge; nye møtetider.")
    refresh(flag)
    assert flag.status == FlagStatus.RESOLVED
    assert flag.outcome == "Vi har snakket med begge; nye møtetider."
    assert flag.handled_by == caseworker
    assert flag.handled_at is not None
    assert verbs(flag)[0] == services.FLAG_RESOLVED
    [notice] = notifications(member)
    assert notice.body == "Vi har snakket med begge; nye møtetider."
    assert notifications(mentor) == []  # the mentor may be what was not working
    assert [mail.to[0] for mail in mailoutbox] == [member.email]
    refused(
        ValidationError,
        lambda: services.resolve_flag(caseworker, flag, "Igjen."),
        "already been followed up",
        objects=[flag],
    )


def test_a_resolved_flag_has_an_outcome(pairing, member, caseworker):
    flag = services.raise_flag(member, pairing, "Hjelp")
    refused(
        ValidationError,
        lambda: services.resolve_flag(caseworker, flag, " "),
        "what was done",
        objects=[flag],
    )


@pytest.mark.parametrize("who", ["foreign_caseworker", "mentor", "member", "evaluator"])
def test_only_the_schemes_caseworkers_resolve_flags(request, who, pairing, member):
    flag = services.raise_flag(member, pairing, "Hjelp")
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.resolve_flag(actor, flag, "Ok."), objects=[flag])


# --- compensation ------------------------------------------------------------------------------


def test_compensation_defaults_to_the_schemes_amount(caseworker, scheme_year, mentor_org):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    assert compensation.amount == D("40000")
    assert compensation.paid() == 0
    assert verbs(compensation) == [services.COMPENSATION_SET]
    assert services.COMPENSATION_SET not in verbs(mentor_org)  # its profile history is shared
    services.set_compensation(caseworker, mentor_org, scheme_year, D("35000"))
    assert Compensation.objects.get(mentor=mentor_org, scheme_year=scheme_year).amount == D("35000")
    assert Compensation.objects.count() == 1


def test_payments_are_recorded_up_to_the_compensation(caseworker, scheme_year, mentor_org):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    services.record_compensation_payment(
        caseworker, compensation, amount=D("20000"), paid_on=days(-30)
    )
    payment = services.record_compensation_payment(
        caseworker, compensation, amount=D("20000"), paid_on=days(0)
    )
    assert payment.recorded_by == caseworker
    assert compensation.paid() == D("40000")
    assert verbs(compensation).count(services.COMPENSATION_PAID) == 2
    refused(
        ValidationError,
        lambda: services.record_compensation_payment(
            caseworker, compensation, amount=D("1"), paid_on=days(0)
        ),
        "left to pay",
        objects=[compensation],
    )


@pytest.mark.parametrize("amount", ["40000.01", "0", "-5"])
def test_a_payment_is_positive_and_within_what_is_left(caseworker, scheme_year, mentor_org, amount):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    refused(
        ValidationError,
        lambda: services.record_compensation_payment(
            caseworker, compensation, amount=D(amount), paid_on=days(0)
        ),
        "left to pay",
        objects=[compensation],
    )


def test_compensation_is_not_set_below_what_is_paid(caseworker, scheme_year, mentor_org):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    services.record_compensation_payment(
        caseworker, compensation, amount=D("30000"), paid_on=days(0)
    )
    refused(
        ValidationError,
        lambda: services.set_compensation(caseworker, mentor_org, scheme_year, D("25000")),
        "already been paid",
        objects=[compensation],
    )
    services.set_compensation(caseworker, mentor_org, scheme_year, D("30000"))


def test_compensation_is_not_negative(caseworker, scheme_year, mentor_org):
    refused(
        ValidationError,
        lambda: services.set_compensation(caseworker, mentor_org, scheme_year, D("-1")),
        "zero or more",
    )


def test_compensation_is_for_mentor_organisations(caseworker, scheme_year, participant):
    refused(
        ValidationError,
        lambda: services.set_compensation(caseworker, participant, scheme_year),
        "for mentor organisations",
    )


@pytest.mark.parametrize("who", ["foreign_caseworker", "mentor", "member", "evaluator"])
def test_only_the_schemes_caseworkers_handle_compensation(
    request, who, caseworker, scheme_year, mentor_org
):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.set_compensation(actor, mentor_org, scheme_year, D("1")),
        objects=[compensation],
    )
    refused(
        PermissionDenied,
        lambda: services.record_compensation_payment(
            actor, compensation, amount=D("1"), paid_on=days(0)
        ),
        objects=[compensation],
    )


def test_acceptances_are_kept_per_organisation(pairing, member):
    services.accept_agreement(member, pairing)
    assert AgreementAcceptance.objects.filter(agreement__pairing=pairing).count() == 1
