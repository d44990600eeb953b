"""Messages on a grant case's threads are documents of the case: incoming from the
organisation, outgoing from the caseworkers; a closed case's threads take no more."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grants import records as grant_records
from grants.models import ApplicationStatus
from scheme.conversations import services as conversations
from scheme.records import services as records
from scheme.records.models import Direction, DocumentType, RegistryEntry
from tests import factories


def test_the_organisations_message_is_registered_incoming(case_file, application, member):
    message = conversations.post_message(member, "application", application.pk, "Et spørsmål")
    entry = RegistryEntry.objects.get(source_kind="conversations.message", source_id=message.pk)
    assert entry.case_file == case_file
    assert entry.direction == Direction.INCOMING
    assert entry.document_type == DocumentType.MESSAGE
    assert entry.party_name == application.organisation.name
    assert entry.party_is_person is False
    assert entry.number == 1
    assert entry.title.startswith("Melding: ")
    assert not entry.file  # drawn up from the message by the reports app's renderer


def test_the_caseworkers_answer_is_registered_outgoing(case_file, application, caseworker):
    message = conversations.post_message(caseworker, "application", application.pk, "Et svar")
    entry = RegistryEntry.objects.get(source_kind="conversations.message", source_id=message.pk)
    assert entry.direction == Direction.OUTGOING
    assert entry.caseworker == caseworker


def test_a_message_on_the_awards_thread_goes_in_the_applications_case(
    scheme_year, participant, member, caseworker
):
    award = factories.awarded(scheme_year, participant)
    case_file = grant_records.open_case(award.application, caseworker)
    conversations.post_message(member, "award", award.pk, "Rapporten kommer")
    assert case_file.entries.get().document_type == DocumentType.MESSAGE


def test_a_message_before_the_case_is_opened_is_not_registered(application, member):
    conversations.post_message(member, "application", application.pk, "Et utkast")
    assert not RegistryEntry.objects.exists()


def test_a_closed_cases_thread_takes_no_more_messages(
    client, case_file, application, member, caseworker
):
    message = conversations.post_message(member, "application", application.pk, "Før")
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    records.close_case(caseworker, case_file)
    with pytest.raises(ValidationError) as refused:
        conversations.post_message(member, "application", application.pk, "Etter")
    assert refused.value.messages == [
        f"Sak {case_file.number} er avsluttet og kan ikke lenger endres."
    ]
    with pytest.raises(ValidationError):
        conversations.edit_message(member, message.pk, "Endret")
    assert case_file.entries.count() == 1
    client.force_login(member)
    url = reverse("conversations:thread", args=["application", application.pk])
    response = client.post(url, {"body": "Etter"})
    assert response.status_code == 200
    assert "er avsluttet og kan ikke lenger endres" in response.content.decode()
