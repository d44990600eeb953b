"""Confidentiality in group mentoring: a meeting records which participant organisations took
part, and its notes are read by the mentor and those only (and the caseworker when chosen).
Another participant of the group sees that the meeting was held, its summary and its tasks,
never its notes: not on the pairing page, the home page, the dashboard, nor in any export."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting
from reports.builders import exports
from reports.figures.organisation import organisation_figures
from scheme import registry
from tests.mentoring.conftest import meet

TODAY = timezone.localdate()
A_ALONE = "Bare for A: styreleder vil gå av"
A_AND_CASEWORKER = "A og saksbehandler: regnskapet er forsinket"
WHOLE_GROUP = "Hele gruppa: vi deler maler"
SUMMARY_A = "Oppfølging av A alene."


def url(name, *args):
    return reverse(f"mentoring:{name}", args=args)


@pytest.fixture
def meetings(group):
    """The mentor met A alone twice (notes for the pair; for the pair and the caseworker) and
    the whole group once."""
    a_org = group.participants[0]
    alone = meet(
        group.mentor,
        group.pairing,
        TODAY - datetime.timedelta(days=3),
        participants=[a_org],
        summary=SUMMARY_A,
        notes=A_ALONE,
        tasks=[("Finne ny styreleder", a_org, TODAY + datetime.timedelta(days=9))],
    )
    shared = meet(
        group.mentor,
        group.pairing,
        TODAY - datetime.timedelta(days=2),
        participants=[a_org],
        notes=A_AND_CASEWORKER,
        notes_visibility="caseworker",
    )
    whole = meet(
        group.mentor,
        group.pairing,
        TODAY - datetime.timedelta(days=1),
        participants=group.participants,
        notes=WHOLE_GROUP,
    )
    return {"alone": alone, "shared": shared, "whole": whole}


def page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_a_participant_that_was_not_there_sees_the_meeting_but_not_its_notes(
    client, group, meetings
):
    c = group.members[2]
    text = page(client, c, url("pairing", group.pairing.pk))
    assert f'id="meeting-{meetings["alone"].pk}"' in text  # the meeting was held
    assert SUMMARY_A in text and "Finne ny styreleder" in text  # its summary and task
    assert A_ALONE not in text and A_AND_CASEWORKER not in text
    assert "The notes are for the mentor and the organisations that took part." in text
    assert WHOLE_GROUP in text  # the meeting C was in
    for path in (url("home"), reverse("dashboard")):
        text = page(client, c, path)
        assert A_ALONE not in text and A_AND_CASEWORKER not in text


@pytest.mark.parametrize("who", ["mentor", "a"])
def test_those_who_took_part_read_the_notes(client, group, meetings, who):
    person = group.mentor if who == "mentor" else group.members[0]
    text = page(client, person, url("pairing", group.pairing.pk))
    assert A_ALONE in text and A_AND_CASEWORKER in text and WHOLE_GROUP in text


def test_the_caseworker_reads_only_the_notes_shared_with_them(client, caseworker, meetings):
    text = page(client, caseworker, url("pairing", meetings["alone"].pairing_id))
    assert A_AND_CASEWORKER in text
    assert A_ALONE not in text and WHOLE_GROUP not in text


def test_one_that_was_not_there_is_not_asked_to_confirm(client, group, meetings):
    c = group.members[2]
    client.force_login(c)
    assert client.get(url("home")).context["rows"][0].to_confirm == [meetings["whole"]]
    text = page(client, c, url("pairing", group.pairing.pk))
    assert url("meeting_confirm", meetings["alone"].pk) not in text
    response = client.post(url("meeting_confirm", meetings["alone"].pk), follow=True)
    assert "did not take part" in " ".join(str(m) for m in response.context["messages"])
    assert Meeting.objects.get(pk=meetings["alone"].pk).confirmed_at is None
    a = group.members[0]
    client.force_login(a)
    assert client.get(url("home")).context["rows"][0].to_confirm == [
        meetings["alone"],
        meetings["shared"],
        meetings["whole"],
    ]


def test_no_export_holds_the_notes(group, meetings, scheme_year):
    a_org, _b_org, c_org = group.participants
    csv = exports.meetings([scheme_year.scheme_id], {}, lambda *args: None)[0]
    assert csv.decode("utf-8-sig").count("\n") == 4  # the header and three meetings
    for note in (A_ALONE, A_AND_CASEWORKER, WHOLE_GROUP):
        assert note not in csv.decode("utf-8-sig")
        assert note not in repr(organisation_figures(c_org, TODAY))
    c_export = json.dumps(
        [part.records for part in registry.organisation_data(c_org, group.members[2])],
        default=str,
        ensure_ascii=False,
    )
    assert A_ALONE not in c_export and A_AND_CASEWORKER not in c_export
    assert WHOLE_GROUP in c_export and SUMMARY_A in c_export
    a_export = json.dumps(
        [part.records for part in registry.organisation_data(a_org, group.members[0])],
        default=str,
        ensure_ascii=False,
    )
    assert A_ALONE in a_export and A_AND_CASEWORKER in a_export


# --- the meeting form asks who took part in a group --------------------------------------------


def meeting_data(**changes):
    data = {
        "held_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "mode": "digital",
        "initiative": "mentor",
        "duration_minutes": "60",
        "attendees": "Kari, Amina",
        "summary": "Søknader.",
        "notes": "Bare for dem som var der.",
        "notes_visibility": "pair",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "10",
    }
    return data | changes


def test_a_participant_logs_a_group_meeting_with_itself_chosen(client, group):
    b = group.members[1]
    client.force_login(b)
    form = client.get(url("meeting_log", group.pairing.pk)).context["form"]
    assert form["participants"].initial == [group.participants[1].pk]
    data = meeting_data(participants=[str(group.participants[1].pk)])
    response = client.post(url("meeting_log", group.pairing.pk), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert list(meeting.participants.all()) == [group.participants[1]]


def test_the_mentor_says_who_took_part_in_a_group_meeting(client, group):
    client.force_login(group.mentor)
    response = client.get(url("meeting_log", group.pairing.pk))
    assert response.context["form"]["participants"].initial == []
    response = client.post(url("meeting_log", group.pairing.pk), meeting_data())
    assert response.status_code == 200
    assert response.context["form"].errors["participants"] == [
        "Choose the participant organisations that took part."
    ]
    assert "Bare for dem som var der." in response.content.decode()  # the input is kept
    assert not Meeting.objects.exists()
    chosen = group.participants[0::2]
    response = client.post(
        url("meeting_log", group.pairing.pk),
        meeting_data(participants=[str(o.pk) for o in chosen]),
    )
    assert response.status_code == 302
    assert set(Meeting.objects.get().participants.all()) == set(chosen)


def test_a_one_to_one_meeting_form_does_not_ask(client, pairing, member, participant):
    client.force_login(member)
    response = client.get(url("meeting_log", pairing.pk))
    assert "participants" not in response.context["form"].fields
    client.post(url("meeting_log", pairing.pk), meeting_data())
    assert list(Meeting.objects.get().participants.all()) == [participant]


def test_the_pairing_page_needs_the_same_queries_for_3_and_30_group_meetings(client, group):
    a_org, b_org, _c_org = group.participants

    def add(n):
        for i in range(n):
            meet(
                group.mentor,
                group.pairing,
                TODAY - datetime.timedelta(days=i % 80),
                participants=[a_org] if i % 2 else [a_org, b_org],
                notes="Notat.",
                tasks=[("Oppgave", a_org, TODAY + datetime.timedelta(days=5))],
            )

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(url("pairing", group.pairing.pk))
        assert response.status_code == 200
        return len(context), "\n".join(q["sql"] for q in context.captured_queries)

    client.force_login(group.members[2])
    add(3)
    client.get(url("pairing", group.pairing.pk))  # the session is cached from here on
    few, _sql = queries()
    add(27)
    many, sql = queries()
    assert few == many, sql
