"""A create form in courses saves once, however often it is sent (a double click, the back
button, a second tab): each carries a one-time token from its page, which the service spends.
The second post saves nothing and says so. A form that changes something saves the same change
again, and the programme, which replaces itself, stays one programme.

Registrations and feedback answers have uniqueness rules of their own (a person registered once
per event, one answer per person and form; see test_views and test_concurrency)."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import (
    Event,
    FeedbackForm,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
)
from scheme.models import Notification
from tests.courses.test_views import event_post, form_post, pdf

ALREADY_SENT = "This form was already sent, and it was saved once. Nothing more was saved."


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = str(tmp_path / "media")


def token_on(response) -> str:
    """The one-time token the page's form carries (as a browser sends it back)."""
    assert response.status_code == 200
    [tag] = re.findall(r'<input[^>]*name="form_token"[^>]*>', response.content.decode())
    return re.search(r'value="([0-9a-f-]{36})"', tag).group(1)


def sent_twice(client, url, data, files=()):
    """Post the same form twice; ``files``: names of upload fields, a fresh file each time."""
    responses = []
    for _ in range(2):
        responses.append(client.post(url, {**data, **{name: pdf() for name in files}}))
    first, second = responses
    assert first.status_code == 302, first.content.decode()[:2000]
    assert second.status_code == 200
    assert ALREADY_SENT in second.content.decode()
    return second


def stored_files(settings, folder) -> list:
    root = Path(settings.MEDIA_ROOT) / folder
    return [path for path in root.rglob("*") if path.is_file()]


def test_an_event_is_made_once(client, caseworker, scheme_year):
    client.force_login(caseworker)
    url = reverse("courses:event_create")
    data = {**event_post(scheme_year), "form_token": token_on(client.get(url))}
    second = sent_twice(client, url, data)
    assert 'value="Høstsamling"' in second.content.decode()  # the input is kept
    [event] = Event.objects.all()
    # Changing it is no new event: the same change sent twice is saved twice, harmlessly.
    edit = reverse("courses:event_edit", args=[event.pk])
    changed = {
        **event_post(scheme_year, title="Vårsamling"),
        "form_token": token_on(client.get(edit)),
    }
    assert [client.post(edit, changed).status_code for _ in range(2)] == [302, 302]
    assert list(Event.objects.values_list("title", flat=True)) == ["Vårsamling"]


def test_a_planned_item_is_added_once(client, caseworker, scheme_year):
    services.save_plan(caseworker, scheme_year)
    client.force_login(caseworker)
    url = reverse("courses:plan_edit", args=[scheme_year.year])
    data = {
        "action": "item",
        "kind": "course",
        "month": "3",
        "topic": "Styrearbeid",
        "form_token": token_on(client.get(url)),
    }
    sent_twice(client, url, data)
    assert list(PlannedItem.objects.values_list("topic", flat=True)) == ["Styrearbeid"]


def test_a_comment_on_the_plan_is_sent_once(client, caseworker, scheme_year, member, participant):
    plan = services.save_plan(caseworker, scheme_year)
    services.save_planned_item(caseworker, plan, kind="course", month=2, topic="Personvern")
    services.share_plan(caseworker, plan)
    client.force_login(member)
    url = reverse("courses:plan", args=[scheme_year.year])
    data = {
        "organisation": participant.pk,
        "text": "Gjerne kveldskurs.",
        "form_token": token_on(client.get(url)),
    }
    sent_twice(client, url, data)
    assert list(PlanComment.objects.values_list("text", flat=True)) == ["Gjerne kveldskurs."]


def test_a_material_is_uploaded_once(client, settings, caseworker, gathering):
    client.force_login(caseworker)
    token = token_on(client.get(reverse("courses:event", args=[gathering.pk])))
    url = reverse("courses:material_add", args=[gathering.pk])
    sent_twice(client, url, {"title": "Lysark", "form_token": token}, files=["file"])
    assert Material.objects.count() == 1
    assert len(stored_files(settings, "materials")) == 1  # the second file was never stored


def test_a_task_is_given_once(client, caseworker, gathering, participant, member):
    client.force_login(caseworker)
    url = reverse("courses:task_give", args=[gathering.pk])
    data = {
        "title": "Heisprat",
        "description": "Lag en heisprat om organisasjonen.",
        "organisations": [participant.pk],
        "due_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "form_token": token_on(client.get(url)),
    }
    sent_twice(client, url, data)
    assert PracticalTask.objects.count() == 1
    assert Notification.objects.filter(recipient=member).count() == 1  # told once


def test_a_hand_in_is_stored_once(client, settings, caseworker, gathering, member, participant):
    task = services.give_task(
        caseworker,
        gathering,
        title="Heisprat",
        description="Lag en heisprat.",
        organisations=[participant],
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    client.force_login(member)
    url = reverse("courses:task", args=[task.pk])
    data = {
        "organisation": participant.pk,
        "text": "Vårt svar",
        "form_token": token_on(client.get(url)),
    }
    sent_twice(client, url, data, files=["file"])
    assert HandIn.objects.count() == 1
    assert len(stored_files(settings, "hand-ins")) == 1
    # Handing in again later, from the page as it is then, replaces the answer.
    again = {
        "organisation": participant.pk,
        "text": "Bedre svar",
        "form_token": token_on(client.get(url)),
    }
    assert client.post(url, again).status_code == 302
    assert list(HandIn.objects.values_list("text", flat=True)) == ["Bedre svar"]


def test_a_feedback_form_is_made_once(client, caseworker, scheme_year):
    client.force_login(caseworker)
    url = reverse("courses:form_create")
    data = {**form_post(scheme_year.scheme), "form_token": token_on(client.get(url))}
    sent_twice(client, url, data)
    [form] = FeedbackForm.objects.all()
    assert form.questions.count() == 3
