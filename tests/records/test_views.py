"""The records pages: the journal and its public CSV, the case page with closing, and the
download of registered documents, each for exactly those who may use it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grants.models import ApplicationStatus
from organisations.models import Membership
from scheme.records import services as records
from scheme.records.models import Direction, DocumentType
from tests import factories
from tests.querycount import assert_same_query_count, count_queries
from tests.records.conftest import PDF, application_in, internal_note, receipt

JOURNAL = reverse("records:journal")
PUBLIC_JOURNAL = reverse("records:public_journal")


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


# --- the journal ---------------------------------------------------------------------------------


def test_the_journal_lists_the_days_incoming_and_outgoing_documents(
    client, case_file, application, caseworker
):
    entry = receipt(application, caseworker)
    internal_note(application, caseworker)
    client.force_login(caseworker)
    response = client.get(JOURNAL)
    assert response.status_code == 200
    assert [e.pk for e in response.context["page"]] == [entry.pk]
    assert entry.number_label in response.content.decode()
    assert "Intern vurdering" not in response.content.decode()


def test_the_journal_is_the_caseworkers(client, case_file, application, caseworker, member):
    receipt(application, caseworker)
    client.force_login(member)
    assert client.get(JOURNAL).status_code == 403
    assert client.get(PUBLIC_JOURNAL).status_code == 403


def test_another_bodys_caseworker_sees_nothing_of_ours(
    client, case_file, application, caseworker, other_body_caseworker
):
    entry = receipt(application, caseworker)
    client.force_login(other_body_caseworker)
    response = client.get(JOURNAL)
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    csv = client.get(PUBLIC_JOURNAL).content.decode("utf-8-sig")
    assert application.organisation.name not in csv
    assert client.get(reverse("records:case", args=[case_file.pk])).status_code == 404
    assert client.get(reverse("records:document", args=[entry.pk])).status_code == 404


def test_the_journal_shows_another_day_and_moves_between_days(
    client, case_file, application, caseworker
):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    old = receipt(application, caseworker, when=yesterday)
    client.force_login(caseworker)
    assert list(client.get(JOURNAL).context["page"]) == []
    response = client.get(JOURNAL, {"day": timezone.localtime(yesterday).date().isoformat()})
    assert [e.pk for e in response.context["page"]] == [old.pk]
    today = timezone.localdate()
    assert f"day={today.isoformat()}" in response.context["next_day"]


def test_the_journal_filters_by_direction_type_and_case_number(
    client, scheme_year, case_file, application, caseworker
):
    incoming = receipt(application, caseworker)
    outgoing = records.register_document(
        case_file,
        application,
        document_type=DocumentType.DECISION,
        direction=Direction.OUTGOING,
        title="Vedtak",
        content=PDF,
    )
    other = receipt(application_in(scheme_year, factories.OrganisationFactory()), caseworker)
    client.force_login(caseworker)

    def listed(**filters):
        return {e.pk for e in client.get(JOURNAL, filters).context["page"]}

    assert listed() == {incoming.pk, outgoing.pk, other.pk}
    assert listed(direction="U") == {outgoing.pk}
    assert listed(document_type="application") == {incoming.pk, other.pk}
    assert listed(case=case_file.number) == {incoming.pk, outgoing.pk}
    assert listed(case=f"{case_file.number}-2") == {outgoing.pk}
    response = client.get(JOURNAL, {"case": "not a number"})
    assert response.context["form"].errors["case"]


def test_the_body_filter_is_offered_to_those_who_work_for_several(client, caseworker, body):
    client.force_login(caseworker)
    assert "body" not in client.get(JOURNAL).context["form"].fields
    second = factories.OrganisationFactory(kind="administrator")
    Membership.objects.create(user=caseworker, organisation=second, role="member")
    form = client.get(JOURNAL).context["form"]
    assert {value for value, _label in form.fields["body"].choices} == {"", body.pk, second.pk}


def test_the_journal_takes_as_many_queries_at_5_and_50_documents(
    client, scheme_year, caseworker, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            application = application_in(scheme_year, factories.OrganisationFactory())
            entry = receipt(application, caseworker)
            entry.approver = caseworker
            entry.caseworker = caseworker
            entry.save(update_fields=["approver", "caseworker"])

    client.force_login(caseworker)
    add(5)
    client.get(JOURNAL)  # the session and the menu's caches are warm from here on
    small = count_queries(lambda: client.get(JOURNAL))
    add(45)
    with django_assert_max_num_queries(len(small)):
        large = count_queries(lambda: client.get(JOURNAL))
    assert_same_query_count(small, large)
    assert client.get(JOURNAL).context["page"].paginator.count == 50


# --- the public journal -----------------------------------------------------------------------


def test_the_public_journal_leaves_out_private_persons(client, case_file, application, caseworker):
    receipt(application, caseworker)
    records.register_document(
        case_file,
        application,
        document_type=DocumentType.APPEAL,
        direction=Direction.INCOMING,
        title="Klage",
        party_name="Kari Nordmann",
        party_is_person=True,
        content=PDF,
    )
    client.force_login(caseworker)
    response = client.get(PUBLIC_JOURNAL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    day = timezone.localdate().isoformat()
    assert f'filename="offentlig-journal-{day}.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "Kari Nordmann" not in text
    assert "Privatperson" in text
    assert application.organisation.name in text
    assert case_file.number in text
    lines = text.strip().split("\r\n")
    assert len(lines) == 3  # the header and the two documents


def test_the_journal_names_a_private_person_for_the_caseworkers_and_escapes_titles(
    client, case_file, application, caseworker
):
    records.register_document(
        case_file,
        application,
        document_type=DocumentType.APPEAL,
        direction=Direction.INCOMING,
        title="Klage <om> vedtak",
        party_name="Kari Nordmann",
        party_is_person=True,
        content=PDF,
    )
    client.force_login(caseworker)
    page = client.get(JOURNAL).content.decode()
    assert 'Kari Nordmann <span class="badge text-bg-light">privatperson</span>' in page
    assert "Klage &lt;om&gt; vedtak" in page
    assert "<td>Inngående</td><td>Klage</td>" in page


# --- the case page and closing ----------------------------------------------------------------


def test_the_case_page_lists_the_documents(client, case_file, application, caseworker):
    entry = receipt(application, caseworker)
    internal_note(application, caseworker)
    client.force_login(caseworker)
    response = client.get(reverse("records:case", args=[case_file.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case_file.number in page and entry.number_label in page
    assert "Intern vurdering" in page  # the body's caseworkers see the internal notes
    assert reverse("records:document", args=[entry.pk]) in page
    assert reverse("grants:review_application", args=[application.pk]) in page


def test_the_case_page_is_for_the_bodys_caseworkers(client, case_file, member):
    client.force_login(member)
    assert client.get(reverse("records:case", args=[case_file.pk])).status_code == 404


def test_a_case_is_closed_only_when_nothing_is_left(client, case_file, application, caseworker):
    url = reverse("records:case", args=[case_file.pk])
    client.force_login(caseworker)
    response = client.get(url)
    assert response.context["may_close"] is False
    assert response.context["closing_problem"] == "Søknaden er ikke avgjort ennå."
    assert "Søknaden er ikke avgjort ennå." in response.content.decode()
    response = client.post(url, follow=True)
    assert "Søknaden er ikke avgjort ennå." in response.content.decode()
    case_file.refresh_from_db()
    assert not case_file.is_closed

    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    response = client.get(url)
    assert response.context["may_close"] is True
    client.post(url)
    case_file.refresh_from_db()
    assert case_file.is_closed and case_file.closed_by == caseworker
    response = client.get(url)
    assert response.context["may_close"] is False
    with pytest.raises(ValidationError):
        receipt(application, caseworker)


def test_another_bodys_caseworker_cannot_close_the_case(
    client, case_file, application, other_body_caseworker
):
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    client.force_login(other_body_caseworker)
    assert client.post(reverse("records:case", args=[case_file.pk])).status_code == 404
    case_file.refresh_from_db()
    assert not case_file.is_closed


# --- downloads --------------------------------------------------------------------------------


def test_the_organisation_downloads_its_receipt_but_not_an_internal_note(
    client, case_file, application, caseworker, member
):
    entry = receipt(application, caseworker)
    note = internal_note(application, caseworker)
    client.force_login(member)
    response = client.get(reverse("records:document", args=[entry.pk]))
    assert response.status_code == 200
    assert _content(response) == PDF
    assert 'filename="kvittering.pdf"' in response["Content-Disposition"]
    assert client.get(reverse("records:document", args=[note.pk])).status_code == 404


def test_the_bodys_caseworker_downloads_an_internal_note(
    client, case_file, application, caseworker
):
    note = internal_note(application, caseworker)
    client.force_login(caseworker)
    response = client.get(reverse("records:document", args=[note.pk]))
    assert response.status_code == 200
    assert _content(response) == PDF


def test_another_organisation_gets_404(client, case_file, application, caseworker, other_member):
    entry = receipt(application, caseworker)
    client.force_login(other_member)
    assert client.get(reverse("records:document", args=[entry.pk])).status_code == 404


def test_a_missing_file_is_drawn_up_by_the_registered_renderer(
    client, case_file, application, caseworker, monkeypatch
):
    from scheme import registry

    monkeypatch.setitem(
        registry._document_renderers, "grants.application", lambda entry, **kw: b"%PDF drawn"
    )
    entry = records.register_document(
        case_file,
        application,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad",
    )
    assert not entry.file
    client.force_login(caseworker)
    response = client.get(reverse("records:document", args=[entry.pk]))
    assert _content(response) == b"%PDF drawn"
    assert (
        f'filename="dokument-{case_file.number.replace("/", "-")}-1.pdf"'
        in (response["Content-Disposition"])
    )
    entry.refresh_from_db()
    assert entry.file


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_shows_the_records_read_only(client, admin_user, case_file, application):
    entry = receipt(application, admin_user)
    client.force_login(admin_user)
    for name, pk in [("casefile", case_file.pk), ("registryentry", entry.pk)]:
        assert client.get(reverse(f"admin:records_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:records_{name}_change", args=[pk])).status_code == 200
    assert client.get(reverse("admin:records_casesequence_changelist")).status_code == 200
    assert client.get(reverse("admin:records_casefile_add")).status_code == 403
