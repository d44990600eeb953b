"""Every create form in mentoring saves once, however often it is sent: a double click, the
back button or two tabs send the same one-time token, and the service saves nothing the
second time and says so. Where the domain has its own rule (one answer per check-in, one
offer and one compensation per mentor and year) that rule holds instead."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.models import (
    CheckIn,
    Compensation,
    CompensationPayment,
    Flag,
    Meeting,
    MentorOffer,
    Pairing,
    Task,
)
from tests import factories
from tests.mentoring.conftest import meet

TODAY = timezone.localdate()
ALREADY_SENT = "This form was already sent, and it was saved once. Nothing more was saved."


def url(name, *args):
    return reverse(f"mentoring:{name}", args=args)


def send_twice(client, path, data):
    """Post ``data`` with the same token twice: the first saves and redirects, the second
    shows the form again with the message at the top."""
    data = data | {"form_token": str(uuid.uuid4())}
    first = client.post(path, data)
    assert first.status_code == 302, first.context["form"].errors if first.context else first
    second = client.post(path, data)
    assert second.status_code == 200
    assert second.context["form"].non_field_errors() == [ALREADY_SENT]
    assert ALREADY_SENT in second.content.decode()
    return second


def renders_token(client, path):
    page = client.get(path).content.decode()
    assert 'type="hidden" name="form_token"' in page, path


MEETING = {
    "held_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
    "mode": "digital",
    "initiative": "mentor",
    "duration_minutes": "60",
    "attendees": "Kari, Amina",
    "summary": "Søknader.",
    "notes_visibility": "pair",
    "tasks-TOTAL_FORMS": "1",
    "tasks-INITIAL_FORMS": "0",
    "tasks-MIN_NUM_FORMS": "0",
    "tasks-MAX_NUM_FORMS": "10",
}


def test_a_meeting_sent_twice_is_logged_once(client, member, pairing, participant):
    client.force_login(member)
    renders_token(client, url("meeting_log", pairing.pk))
    task = {
        "tasks-0-title": "Lage budsjett",
        "tasks-0-owner": str(participant.pk),
        "tasks-0-due_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
    }
    response = send_twice(client, url("meeting_log", pairing.pk), MEETING | task)
    assert "Kari, Amina" in response.content.decode()  # the input is kept
    assert Meeting.objects.count() == 1 and Task.objects.count() == 1


def test_a_flag_sent_twice_is_raised_once(client, member, pairing, mailoutbox):
    client.force_login(member)
    renders_token(client, url("flag", pairing.pk))
    send_twice(client, url("flag", pairing.pk), {"message": "Vi hører ikke fra mentoren."})
    assert Flag.objects.count() == 1


def test_a_payment_sent_twice_is_recorded_once(client, caseworker, scheme_year, mentor_org):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    client.force_login(caseworker)
    path = url("compensation_detail", compensation.pk)
    renders_token(client, path)
    send_twice(client, path, {"amount": "20000", "paid_on": TODAY.isoformat()})
    assert CompensationPayment.objects.count() == 1


def test_a_pairing_sent_twice_is_made_once(
    client, caseworker, scheme_year, participant, offer, mentor_org
):
    factories.awarded(scheme_year, participant)
    client.force_login(caseworker)
    data = {"scheme": scheme_year.scheme.pk, "mentor": mentor_org.pk, "starts_on": TODAY}
    for path, fields in (
        (url("match", participant.pk), {}),
        (url("pairing_create"), {"participants": [participant.pk]}),
    ):
        renders_token(client, path)
        send_twice(client, path, data | fields)
        Pairing.objects.all().delete()


def test_a_replacement_sent_twice_replaces_once(client, caseworker, pairing, other_mentor_org):
    client.force_login(caseworker)
    renders_token(client, url("replace", pairing.pk))
    data = {"mentor": other_mentor_org.pk, "reason": "Bytte.", "starts_on": TODAY.isoformat()}
    send_twice(client, url("replace", pairing.pk), data)
    assert Pairing.objects.filter(replaces=pairing).count() == 1


def test_a_check_in_sent_twice_is_answered_once(client, member, mentor, pairing):
    """One answer per organisation and check-in is the domain's own rule."""
    meet(mentor, pairing)
    client.force_login(member)
    path = url("check_in", pairing.pk, "first")
    data = {"good_fit": "yes", "form_token": str(uuid.uuid4())}
    assert client.post(path, data).status_code == 302
    response = client.post(path, data, follow=True)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "has already answered this check-in" in messages
    assert CheckIn.objects.count() == 1


def test_an_offer_and_a_compensation_are_one_per_mentor(
    client, mentor, mentor_org, caseworker, scheme_year
):
    client.force_login(mentor)
    data = {"regions": ["east"], "capacity": "2", "wishes": "Gjerne ungdom."}
    for _ in range(2):
        assert client.post(url("offer", mentor_org.pk), data).status_code == 302
    assert MentorOffer.objects.filter(organisation=mentor_org).count() == 1
    client.force_login(caseworker)
    path = f"{url('compensation')}?year={scheme_year.pk}"
    for _ in range(2):
        assert client.post(path, {"mentor": mentor_org.pk, "amount": "30000"}).status_code == 302
    assert Compensation.objects.filter(mentor=mentor_org).count() == 1
