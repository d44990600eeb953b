"""Case numbers per body and year, gap-free and unique under concurrency; document numbers
per case."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from grants import records as grant_records
from scheme.records import services as records
from scheme.records.models import CaseFile, CaseSequence, Direction, DocumentType
from tests import factories
from tests.concurrency import at_once
from tests.records.conftest import PDF, application_in, receipt

YEAR = timezone.localdate().year


def test_case_numbers_follow_each_other_per_body_and_year(scheme_year, caseworker):
    cases = [
        grant_records.open_case(
            application_in(scheme_year, factories.OrganisationFactory()), caseworker
        )
        for _ in range(3)
    ]
    assert [case.number for case in cases] == [f"{YEAR}/1", f"{YEAR}/2", f"{YEAR}/3"]
    other_year = factories.SchemeYearFactory(year=YEAR)  # another body's series
    other = grant_records.open_case(
        application_in(other_year, factories.OrganisationFactory()), caseworker
    )
    assert other.number == f"{YEAR}/1"
    assert other.body_id != cases[0].body_id


def test_an_object_opens_one_case(application, caseworker):
    first = grant_records.open_case(application, caseworker)
    assert grant_records.open_case(application, caseworker) == first
    assert CaseFile.objects.count() == 1


def test_a_rolled_back_transaction_gives_its_number_back(scheme_year, caseworker):
    first = application_in(scheme_year, factories.OrganisationFactory())
    with pytest.raises(RuntimeError), transaction.atomic():
        grant_records.open_case(first, caseworker)
        raise RuntimeError("the act that opened the case failed")
    assert not CaseFile.objects.exists()
    second = application_in(scheme_year, factories.OrganisationFactory())
    assert grant_records.open_case(second, caseworker).number == f"{YEAR}/1"
    assert grant_records.open_case(first, caseworker).number == f"{YEAR}/2"


def test_document_numbers_per_case(scheme_year, caseworker, participant):
    first = application_in(scheme_year, participant)
    second = application_in(scheme_year, factories.OrganisationFactory())
    entries = [receipt(first, caseworker) for _ in range(3)] + [receipt(second, caseworker)]
    assert [entry.number for entry in entries] == [1, 2, 3, 1]
    case = grant_records.case_file_of(first)
    assert entries[2].number_label == f"{case.number}-3"
    case.refresh_from_db()
    assert case.last_document == 3


def test_a_rolled_back_document_gives_its_number_back(case_file, application, caseworker):
    receipt(application, caseworker)
    with pytest.raises(RuntimeError), transaction.atomic():
        receipt(application, caseworker)
        raise RuntimeError
    assert receipt(application, caseworker).number == 2


def test_a_closed_case_refuses_a_new_document(case_file, application, caseworker):
    application.status = "withdrawn"
    application.save(update_fields=["status"])
    records.close_case(caseworker, case_file)
    with pytest.raises(ValidationError) as refused:
        records.register_document(
            case_file,
            application,
            document_type=DocumentType.MESSAGE,
            direction=Direction.INCOMING,
            title="For sent",
            content=PDF,
        )
    assert refused.value.code == "invalid_state"
    assert case_file.entries.count() == 0


@pytest.fixture
def applications(postgres, transactional_db, scheme_year):
    return [application_in(scheme_year, factories.OrganisationFactory()) for _ in range(4)]


def test_cases_opened_at_once_get_different_numbers_without_gaps(applications, caseworker):
    made, errors, crashes = at_once(
        [lambda a=a: grant_records.open_case(a, caseworker) for a in applications]
    )
    assert crashes == [] and errors == []
    assert sorted(case.sequence for case in made) == [1, 2, 3, 4]
    body = applications[0].round.scheme_year.scheme.administrator
    assert CaseSequence.objects.get(body=body, year=YEAR).last == 4


def test_documents_registered_at_once_get_different_numbers(applications, caseworker):
    application = applications[0]
    grant_records.open_case(application, caseworker)
    made, errors, crashes = at_once([lambda: receipt(application, caseworker) for _ in range(4)])
    assert crashes == [] and errors == []
    assert sorted(entry.number for entry in made) == [1, 2, 3, 4]
