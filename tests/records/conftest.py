"""Fixtures for the case records: an administering body with its scheme year, an
organisation's application whose case is opened, and documents registered in it."""

import datetime

import pytest
from django.utils import timezone

from grants import records as grant_records
from grants.models import Application, ApplicationStatus, Round
from scheme.records import services as records
from scheme.records.models import Direction, DocumentType
from scheme.roles import OrganisationKind
from tests import factories

PDF = b"%PDF-1.4\n%a registered document\n"


@pytest.fixture
def body(db):
    return factories.OrganisationFactory(kind=OrganisationKind.ADMINISTRATOR, name="IMDi")


@pytest.fixture
def scheme_year(body):
    return factories.SchemeYearFactory(scheme__administrator=body, year=timezone.localdate().year)


@pytest.fixture
def caseworker(body):
    return factories.caseworker(body)


@pytest.fixture
def other_body_caseworker(db):
    """A caseworker of another administering body."""
    return factories.caseworker()


def application_in(scheme_year, organisation, status=ApplicationStatus.SUBMITTED):
    """An application sent to the scheme year's call, the short way (rows, no services)."""
    starts = datetime.date(scheme_year.year, 1, 1)
    round_, _created = Round.objects.get_or_create(
        scheme_year=scheme_year,
        title=f"Utlysning {scheme_year.year}",
        defaults={"kind": "open", "opens_on": starts, "closes_on": starts, "guidance": "-"},
    )
    return Application.objects.create(
        round=round_, organisation=organisation, status=status, amount=90000
    )


@pytest.fixture
def application(scheme_year, participant):
    return application_in(scheme_year, participant)


@pytest.fixture
def case_file(application, caseworker):
    return grant_records.open_case(application, caseworker)


def receipt(application, actor, when=None):
    """The application as sent: an incoming document from the organisation."""
    case_file = grant_records.case_file_of(application) or grant_records.open_case(
        application, actor
    )
    return records.register_document(
        case_file,
        application,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad om driftstilskudd",
        party_name=application.organisation.name,
        content=PDF,
        file_name="kvittering.pdf",
        when=when,
    )


def internal_note(application, actor):
    return records.register_document(
        grant_records.case_file_of(application),
        application,
        document_type=DocumentType.DECISION,
        direction=Direction.INTERNAL,
        title="Intern vurdering",
        caseworker=actor,
        content=PDF,
        file_name="notat.pdf",
    )
