"""The meeting form tells every problem in one round: the people, the half-filled task rows
and the date the service would refuse, all in the error summary at the top with links to the
fields, and what was typed is kept."""

import datetime

from django.urls import reverse
from django.utils import timezone

from mentoring.models import Meeting, Task

TODAY = timezone.localdate()


def meeting_data(**changes):
    data = {
        "held_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "mode": "digital",
        "initiative": "mentor",
        "duration_minutes": "60",
        "attendees": "Kari, Amina",
        "summary": "Søknader og regnskap.",
        "notes_visibility": "pair",
        "tasks-TOTAL_FORMS": "3",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "10",
    }
    return data | changes


def summary_of(response) -> str:
    page = response.content.decode()
    start = page.index('id="error-summary"')
    return page[start : page.index("</div>", start)]


def test_three_kinds_of_problems_come_in_one_round(client, group):
    client.force_login(group.mentor)
    url = reverse("mentoring:meeting_log", args=[group.pairing.pk])
    data = meeting_data(
        held_on=(TODAY + datetime.timedelta(days=2)).isoformat(),  # the service's rule
        **{"tasks-1-title": "Skrive årsmelding"},  # a half-filled row: no owner, no date
    )  # and no participants chosen in a group

    response = client.post(url, data)

    assert response.status_code == 200
    summary = summary_of(response)
    assert 'href="#id_participants_0"' in summary
    assert "Choose the participant organisations that took part." in summary
    assert 'href="#id_held_on"' in summary
    assert "Log a meeting after it has taken place." in summary
    assert 'href="#id_tasks-1-owner"' in summary
    assert 'href="#id_tasks-1-due_on"' in summary
    assert "Task 2, Who does it" in summary
    assert 'value="Skrive årsmelding"' in response.content.decode()  # the input is kept
    assert not Meeting.objects.exists()


def test_a_task_for_an_organisation_that_was_not_there_is_named_on_its_row(client, group):
    a_org, b_org, _c = group.participants
    client.force_login(group.mentor)
    url = reverse("mentoring:meeting_log", args=[group.pairing.pk])
    data = meeting_data(
        participants=[str(a_org.pk)],
        **{
            "tasks-0-title": "Ringe kommunen",
            "tasks-0-owner": str(b_org.pk),
            "tasks-0-due_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
        },
    )

    response = client.post(url, data)

    summary = summary_of(response)
    assert 'href="#id_tasks-0-owner"' in summary
    assert "A task belongs to the mentor or an organisation that took part." in summary
    assert not Task.objects.exists()


def test_a_good_meeting_is_still_logged(client, group):
    a_org = group.participants[0]
    client.force_login(group.mentor)
    url = reverse("mentoring:meeting_log", args=[group.pairing.pk])
    data = meeting_data(
        participants=[str(a_org.pk)],
        **{
            "tasks-0-title": "Ringe kommunen",
            "tasks-0-owner": str(a_org.pk),
            "tasks-0-due_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
        },
    )

    assert client.post(url, data).status_code == 302
    assert Task.objects.get().owner == a_org
