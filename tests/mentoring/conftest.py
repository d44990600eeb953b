"""Fixtures for mentoring: a scheme, mentor organisations with offers, participants, and a
pairing made through the services."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from mentoring import services
from organisations.models import CompetenceArea
from tests import factories


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def mentor_org(db):
    return factories.OrganisationFactory(kind="mentor", name="Mentor AS", county="03")


@pytest.fixture
def mentor(mentor_org):
    """A person in the mentor organisation."""
    return factories.member_of(mentor_org, role="contact")


@pytest.fixture
def offer(caseworker, mentor_org):
    return services.save_offer(
        caseworker,
        mentor_org,
        capacity=2,
        regions=["east"],
        competence_areas=CompetenceArea.objects.filter(code__in=["accounts", "board-work"]),
    )


@pytest.fixture
def pairing(caseworker, scheme_year, mentor_org, offer, participant, member, mentor):
    return services.create_pairing(
        caseworker,
        scheme_year.scheme,
        mentor_org,
        [participant],
        starts_on=timezone.localdate() - datetime.timedelta(days=90),
    )


# --- more people and organisations ------------------------------------------------------------


@pytest.fixture
def foreign_caseworker(db):
    """A caseworker of another administering body: runs its own schemes, not this one."""
    return factories.caseworker()


@pytest.fixture
def other_mentor_org(caseworker):
    """A second mentor organisation, with room for two, in Vestland."""
    organisation = factories.OrganisationFactory(kind="mentor", name="Annen mentor", county="46")
    services.save_offer(caseworker, organisation, capacity=2)
    return organisation


@pytest.fixture
def other_mentor(other_mentor_org):
    """A person in the second mentor organisation (not in ``pairing``)."""
    return factories.member_of(other_mentor_org, role="contact")


@pytest.fixture
def group(caseworker, scheme_year):
    """Group mentoring: one mentor organisation (room for four) with three participants, each
    with one person. Returns a namespace: pairing, mentor_org, mentor, participants, members."""
    mentor_org = factories.OrganisationFactory(kind="mentor", name="Gruppementor", county="03")
    mentor = factories.member_of(mentor_org, role="contact")
    services.save_offer(caseworker, mentor_org, capacity=4)
    participants = [
        factories.OrganisationFactory(kind="participant", name=f"Deltaker {letter}")
        for letter in "ABC"
    ]
    members = [factories.member_of(organisation) for organisation in participants]
    pairing = services.create_pairing(
        caseworker,
        scheme_year.scheme,
        mentor_org,
        participants,
        starts_on=timezone.localdate() - datetime.timedelta(days=90),
    )
    return SimpleNamespace(
        pairing=pairing,
        mentor_org=mentor_org,
        mentor=mentor,
        participants=participants,
        members=members,
    )


# --- helpers ----------------------------------------------------------------------------------


def meet(actor, pairing, held_on=None, **fields):
    """Log a meeting through the service with sensible defaults."""
    values = {
        "held_on": held_on or timezone.localdate(),
        "mode": "digital",
        "duration_minutes": 60,
        "attendees": "Kari og Ola",
        "summary": "Vi gikk gjennom regnskapet.",
    }
    values.update(fields)
    return services.log_meeting(actor, pairing, **values)


def snapshot(*objects) -> dict:
    """Everything a refused service call must leave as it was: the number of rows of every
    mentoring model (with the many-to-many tables), timeline events, notifications, audit-log
    entries, and every field of ``objects`` as the database has them."""
    from auditlog.models import LogEntry
    from django.apps import apps

    from scheme.models import Event, Notification

    state = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_app_config("mentoring").get_models(include_auto_created=True)
    }
    state["events"] = Event.objects.count()
    state["notifications"] = Notification.objects.count()
    state["log entries"] = LogEntry.objects.count()
    for obj in objects:
        fresh = type(obj)._base_manager.get(pk=obj.pk)
        state[(obj._meta.label, obj.pk)] = {
            field.attname: getattr(fresh, field.attname) for field in obj._meta.concrete_fields
        }
    return state


def message_of(error) -> str:
    """All the words of an exception's message(s)."""
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    return " ".join(str(arg) for arg in error.args)


def refused(exception, call, *words, objects=()):
    """``call()`` raises ``exception`` whose English message holds each of ``words``, and
    changes nothing: no row, event or notification added, removed or altered."""
    before = snapshot(*objects)
    with translation.override("en"):
        with pytest.raises(exception) as info:
            call()
        text = message_of(info.value).lower()  # lazy messages are read in English too
    for word in words:
        assert word.lower() in text, f"{word!r} not in {text!r}"
    after = snapshot(*objects)
    assert after == before, {
        k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)
    }
    return info.value


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English, so the tests read the source strings (translations change)."""
    settings.LANGUAGE_CODE = "en"
