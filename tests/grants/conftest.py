"""Fixtures for the grants tests: a scheme year with its call, and helpers that take an
application through its life by the services, as users do."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from grants import services
from grants.models import AttachmentKind
from organisations.models import Grantor, PreviousApplication
from scheme.models import AwardCondition, Goal
from tests import factories

PDF = b"%PDF-1.4\n%test document\n"


def pdf(name="dokument.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def scheme_year(db):
    """This year's rules, with goals and conditions, administered by its own body."""
    year = factories.SchemeYearFactory(year=timezone.localdate().year)
    for number in range(1, 4):
        Goal.objects.create(scheme=year.scheme, number=number, text_nb=f"Mål {number}")
    AwardCondition.objects.create(
        scheme=year.scheme, position=1, code="notify-changes", text_nb="Meld fra om endringer."
    )
    return year


def eligible_organisation(**fields):
    """A participant organisation that meets every rule a computer can check."""
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(
        **{
            "founded": today - datetime.timedelta(days=2 * 365),
            "in_voluntary_register": True,
            "description": "Leksehjelp og språkkafé for nyankomne familier.",
            **fields,
        }
    )
    # An application this year counts for a call that closes this year or early next year.
    PreviousApplication.objects.create(
        organisation=organisation, year=today.year, grantor=Grantor.MUNICIPALITY
    )
    return organisation


@pytest.fixture
def participant(db):
    return eligible_organisation()


@pytest.fixture
def other_participant(db):
    """Another organisation that meets the rules (the calls check them before an application
    is started)."""
    return eligible_organisation()


@pytest.fixture
def caseworker(scheme_year):
    """A caseworker of the body that administers the scheme."""
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def other_caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def call(scheme_year, caseworker, participant):
    """An open, closed-kind call that has invited ``participant``."""
    today = timezone.localdate()
    round_ = services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Søknadsrunde",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler.",
    )
    services.invite(caseworker, round_, [participant])
    return round_


def complete_application(member, call, participant, amount=Decimal("99000")):
    """A draft with everything a submission needs."""
    participant.target_groups.add(factories.TargetGroupFactory())
    application = services.start_application(member, call, participant)
    services.save_application(
        member,
        application,
        amount=amount,
        planned_activities="Leksehjelp og språkkafé hver uke.",
        reach="Barn og foreldre i bydelen.",
        people_reached=120,
    )
    services.save_budget(
        member,
        application,
        [
            ("salary", "Koordinator", amount - Decimal("9000")),
            ("activities", "Kafé", Decimal("9000")),
        ],
    )
    services.add_attachment(member, application, AttachmentKind.STATUTES, pdf("vedtekter.pdf"))
    services.add_attachment(member, application, AttachmentKind.ACCOUNTS, pdf("regnskap.pdf"))
    return application


def fill_report(member, report, **extra):
    goal = report.award.scheme_year.scheme.goals.first()
    services.save_report(
        member,
        report,
        goal_results={goal.pk: "Vi lærte å føre regnskap."},
        activities_held="Leksehjelp 40 ganger.",
        people_reached=130,
        money_used_for="Lønn til koordinator.",
        **extra,
    )
    services.save_accounts(member, report, [("expense", "salary", "Lønn", Decimal("70000"))])
    return report


@pytest.fixture
def submitted(member, call, participant):
    application = complete_application(member, call, participant)
    return services.submit_application(member, application)


@pytest.fixture
def impartial(caseworker, submitted):
    services.declare_impartiality(caseworker, submitted, has_conflict=False)
    return caseworker


ACCOUNT = "2050 98 76542"  # a valid account number, as a leader types it


def confirmed_account(leader, caseworker, organisation, number=ACCOUNT):
    """The organisation's bank account for payouts, given by a leader and confirmed by a
    caseworker who pays the organisation."""
    account = services.give_payout_account(leader, organisation, number)
    return services.confirm_payout_account(caseworker, account)


@pytest.fixture
def awarded_without_account(impartial, submitted):
    return services.award_grant(
        impartial, submitted, amount=Decimal("95000"), reasons="God søknad med tydelig plan."
    )


@pytest.fixture
def awarded(awarded_without_account, member, caseworker, participant):
    """An award to an organisation whose bank account for payouts is confirmed."""
    confirmed_account(member, caseworker, participant)
    return awarded_without_account


# --- helpers for the tests of refused changes ------------------------------------------------


@pytest.fixture
def foreign_caseworker(db):
    """A caseworker of another administering body: runs its own schemes, not this one."""
    return factories.caseworker()


@pytest.fixture
def travel(monkeypatch):
    """Move "today" for the services and models: ``travel(date)``."""

    def to(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        return day

    return to


def _media_files():
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def snapshot(*objects) -> dict:
    """Everything a refused service call must leave as it was: the number of rows of every grant
    model (with the many-to-many tables), timeline events, notifications, audit-log entries and
    stored files, and every field of ``objects`` as the database has them."""
    from auditlog.models import LogEntry
    from django.apps import apps

    from scheme.models import Event, Notification

    state = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_app_config("grants").get_models(include_auto_created=True)
    }
    state["events"] = Event.objects.count()
    state["notifications"] = Notification.objects.count()
    state["log entries"] = LogEntry.objects.count()
    state["files"] = _media_files()
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
    changes nothing: no row, file, event or notification added, removed or altered."""
    before = snapshot(*objects)
    with translation.override("en"):
        with pytest.raises(exception) as info:
            call()
        text = message_of(info.value).lower()
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
