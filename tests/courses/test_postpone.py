"""Postponing an event: the same event moves to a later time, keeps its registrations and the
start first planned, tells the registered organisations and is reminded again; who may do it
(a caseworker of the scheme: 403 for other roles, 404 for an event hidden from them); and the
page keeps the input and says what is wrong."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from courses import services
from courses.models import Event, EventReminder, Registration
from scheme.models import Notification
from tests import factories
from tests.courses.test_services import refused, verbs


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def later(event, days=30):
    """The arguments that move ``event`` ``days`` later."""
    delta = datetime.timedelta(days=days)
    return {
        "starts_at": event.starts_at + delta,
        "ends_at": event.ends_at + delta,
        "registration_deadline": event.registration_deadline + delta,
        "reason": "Lokalet er opptatt.",
    }


def test_postponing_keeps_the_event_its_registrations_and_its_first_date(
    caseworker, gathering, member, participant
):
    kari = services.register(member, gathering, participant, person_name="Kari")
    first = gathering.starts_at
    services.postpone_event(caseworker, gathering, **later(gathering))
    gathering.refresh_from_db()
    assert Event.objects.count() == 1
    assert gathering.first_starts_at == first and gathering.planned_starts_at == first
    assert gathering.starts_at == first + datetime.timedelta(days=30)
    assert gathering.is_postponed and gathering.postponement_reason == "Lokalet er opptatt."
    assert Registration.objects.active().get() == kari
    assert "courses.event_postponed" in verbs(gathering)


def test_postponing_twice_keeps_the_first_planned_start(caseworker, gathering):
    first = gathering.starts_at
    services.postpone_event(caseworker, gathering, **later(gathering, 10))
    gathering.refresh_from_db()
    services.postpone_event(caseworker, gathering, **later(gathering, 10))
    gathering.refresh_from_db()
    assert gathering.first_starts_at == first
    assert gathering.starts_at == first + datetime.timedelta(days=20)


def test_the_registered_organisations_are_told_the_new_date_and_reminded_again(
    caseworker, gathering, member, participant, other_member
):
    registration = services.register(member, gathering, participant, person_name="Kari")
    EventReminder.objects.create(registration=registration)
    services.postpone_event(caseworker, gathering, **later(gathering))
    told = Notification.objects.filter(subject__startswith="Postponed")
    assert [n.recipient for n in told] == [member]  # not the organisation not registered
    assert "Lokalet er opptatt." in told.get().body
    assert not EventReminder.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"reason": " "}, "reason", "Tell the registered people why."),
        ({"days": 0}, "starts_at", "Choose a start after the one planned now"),
        ({"days": -3}, "starts_at", "Choose a start after the one planned now"),
        ({"ends_days": -1}, "ends_at", "The event must end after it starts."),
        ({"deadline_days": 60}, "registration_deadline", "on or before the day the event starts"),
    ],
)
def test_wrong_dates_or_no_reason_are_refused(caseworker, gathering, change, field, message):
    values = later(gathering, change.get("days", 30))
    values["reason"] = change.get("reason", values["reason"])
    if "ends_days" in change:
        values["ends_at"] = values["starts_at"] + datetime.timedelta(days=change["ends_days"])
    if "deadline_days" in change:
        values["registration_deadline"] += datetime.timedelta(days=change["deadline_days"])
    with refused(ValidationError, message) as info:
        services.postpone_event(caseworker, gathering, **values)
    assert field in info.value.message_dict


def test_a_started_or_cancelled_event_is_not_postponed(caseworker, gathering):
    Event.objects.filter(pk=gathering.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    gathering.refresh_from_db()
    with refused(ValidationError, "The event has started"):
        services.postpone_event(caseworker, gathering, **later(gathering))
    Event.objects.filter(pk=gathering.pk).update(
        starts_at=timezone.now() + datetime.timedelta(days=2)
    )
    services.cancel_event(caseworker, gathering, "Sykdom")
    with refused(ValidationError, "The event is cancelled."):
        services.postpone_event(caseworker, gathering, **later(gathering))


def test_only_a_caseworker_of_the_scheme_postpones(gathering, member):
    for actor in (member, factories.caseworker()):
        with refused(PermissionDenied):
            services.postpone_event(actor, gathering, **later(gathering))


# --- the page --------------------------------------------------------------------------------


def form_data(event, days=30, **changes):
    values = later(event, days)
    data = {
        "starts_at": timezone.localtime(values["starts_at"]).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(values["ends_at"]).strftime("%Y-%m-%dT%H:%M"),
        "registration_deadline": values["registration_deadline"].isoformat(),
        "reason": values["reason"],
    }
    return data | changes


def test_the_caseworker_postpones_and_the_event_page_says_from_when(client, caseworker, gathering):
    client.force_login(caseworker)
    url = reverse("courses:event_postpone", args=[gathering.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(gathering), follow=True)
    first = date_format(timezone.localtime(gathering.starts_at).date(), "SHORT_DATE_FORMAT")
    page = response.content.decode()
    assert f"Postponed from {first}." in page and "Lokalet er opptatt." in page
    gathering.refresh_from_db()
    assert gathering.is_postponed
    events = client.get(reverse("courses:events")).content.decode()
    assert events.count(gathering.title) == 1 and f"postponed from {first}" in events


def test_an_earlier_start_keeps_the_input_and_says_why(client, caseworker, gathering):
    client.force_login(caseworker)
    url = reverse("courses:event_postpone", args=[gathering.pk])
    response = client.post(url, form_data(gathering, days=-2, reason="Ny dato"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a start after the one planned now" in page
    assert "Ny dato" in page  # the reason is kept
    gathering.refresh_from_db()
    assert not gathering.is_postponed


def test_the_postpone_page_answers_403_to_other_roles_and_404_when_hidden(
    client, gathering, member, evaluator
):
    url = reverse("courses:event_postpone", args=[gathering.pk])
    for user in (member, evaluator):
        client.force_login(user)
        assert client.post(url, form_data(gathering)).status_code == 403
    client.force_login(factories.caseworker())
    assert client.post(url, form_data(gathering)).status_code == 404
    gathering.refresh_from_db()
    assert not gathering.is_postponed


def test_the_postpone_page_and_the_event_page_ask_few_queries(
    client, caseworker, gathering, django_assert_max_num_queries
):
    services.postpone_event(caseworker, gathering, **later(gathering))
    client.force_login(caseworker)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("courses:event_postpone", args=[gathering.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("courses:event", args=[gathering.pk])).status_code == 200


def test_the_plan_against_held_names_a_postponed_event_still_to_come(
    client, caseworker, evaluator, gathering
):
    """Caseworkers get a link to the event, evaluators only its title."""
    first = date_format(timezone.localtime(gathering.starts_at).date(), "SHORT_DATE_FORMAT")
    moved = services.postpone_event(
        caseworker,
        gathering,
        starts_at=gathering.starts_at + datetime.timedelta(days=7),
        ends_at=gathering.ends_at + datetime.timedelta(days=7),
        registration_deadline=gathering.registration_deadline,
        reason="Lokalet er opptatt.",
    )
    now = date_format(timezone.localtime(moved.starts_at).date(), "SHORT_DATE_FORMAT")
    url = reverse("courses:plan_against_held", args=[gathering.scheme_year.year])
    shown = f"{gathering.title}</a> (gathering, {now}, postponed from {first}, coming)"
    client.force_login(caseworker)
    page = client.get(url).content.decode()
    link = f'<a href="{reverse("courses:event", args=[gathering.pk])}">'
    assert link + shown in page
    client.force_login(evaluator)
    page = client.get(url).content.decode()
    assert shown.replace("</a>", "") in page and link not in page
