"""The case documents the portal draws up itself (reports/documents.py): for each source kind
the objects are made through the services, a document is registered in the case
(``scheme.records.services.register_document``) and drawn up by ``document_file``; its text is
read back (pdfminer) for the reference block ("Vår ref.", "Deres ref.", the date,
"Saksbehandler", "Godkjent av"), the key content, and no text outside the page. The archive's
variant is PDF/A-2b: XMP ``pdfaid`` part 2, conformance B, every font embedded."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pdfminer.high_level import extract_text
from pypdf import PdfReader

from grants import records as grant_records
from grants import services
from grants.models import AppealStatus, AttachmentKind, DecisionKind, IncomeCategory
from reports.builders import builder_for
from scheme import registry
from scheme.conversations import services as conversations
from scheme.records.documents import document_file
from scheme.records.models import Direction, DocumentType
from scheme.records.services import register_document
from tests import factories
from tests.grants.conftest import (
    complete_application,
    confirmed_account,
    eligible_organisation,
    fill_report,
)
from tests.reports.test_pdf_layout import outside_the_page

THEIR_REFERENCE = "Vår sak 77/B"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- reading a PDF back --------------------------------------------------------------------------


def squash(text: str) -> str:
    """Without white space (pdfminer splits lines and kerned pairs where it likes)."""
    return re.sub(r"\s+", "", text)


class Document:
    def __init__(self, content: bytes):
        assert content.startswith(b"%PDF-")
        self.content = content
        self.text = extract_text(io.BytesIO(content))
        self.flat = squash(self.text)

    def says(self, words) -> bool:
        return squash(str(words)) in self.flat


def drawn_up(entry) -> Document:
    """The entry's file as ``document_file`` draws it up and stores it."""
    stored = document_file(entry)
    with stored.open("rb") as handle:
        document = Document(handle.read())
    assert outside_the_page(document.content) == []
    return document


def assert_reference_block(document, entry, *, caseworker, approver=None, theirs=THEIR_REFERENCE):
    for label in ("Vår ref.", "Dato", "Saksbehandler", entry.case_file.number, entry.number_label):
        assert document.says(label), label
    assert document.says(entry.document_date.strftime("%d.%m.%Y"))
    assert document.says(caseworker.full_name)
    if theirs:
        assert document.says("Deres ref.") and document.says(theirs)
    else:
        assert not document.says("Deres ref.")
    if approver is not None:
        assert document.says("Godkjent av") and document.says(approver.full_name)
    else:
        assert not document.says("Godkjent av")


def xmp_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def fonts_of(content: bytes):
    """(name, embedded) of each font the pages use; a composite font is embedded when its
    descendant's descriptor holds the font program."""
    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            described = font
            if font["/Subtype"] == "/Type0":
                described = font["/DescendantFonts"][0].get_object()
            descriptor = described["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            yield font["/BaseFont"], embedded


def assert_pdf_a_2b(content: bytes):
    assert content.startswith(b"%PDF-1.7")
    xmp = xmp_of(content)
    assert re.search(r'pdfaid:part="2"|<pdfaid:part>2</pdfaid:part>', xmp), xmp
    assert re.search(r'pdfaid:conformance="B"|<pdfaid:conformance>B</pdfaid:conformance>', xmp)
    reader = PdfReader(io.BytesIO(content))
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]
    assert "/ID" in reader.trailer  # PDF/A requires the file identifier
    assert not reader.is_encrypted
    fonts = list(fonts_of(content))
    assert fonts and all(embedded for _name, embedded in fonts), fonts


# --- the case, made through the services ---------------------------------------------------------


@pytest.fixture
def scheme_year(db):
    from scheme.models import AwardCondition, Goal

    year = factories.SchemeYearFactory(year=timezone.localdate().year)
    body = year.scheme.administrator
    body.name, body.street_address, body.postal_code, body.postal_place = (
        "Integrerings- og mangfoldsdirektoratet",
        "Tollbugata 20",
        "0152",
        "Oslo",
    )
    body.save()
    for number in range(1, 3):
        Goal.objects.create(scheme=year.scheme, number=number, text_nb=f"Mål nummer {number}")
    AwardCondition.objects.create(
        scheme=year.scheme, position=1, code="notify-changes", text_nb="Meld fra om endringer."
    )
    return year


@pytest.fixture
def body(scheme_year):
    return scheme_year.scheme.administrator


@pytest.fixture
def caseworker(body):
    user = factories.caseworker(body)
    user.full_name = "Kari Saksbehandler"
    user.save()
    return user


@pytest.fixture
def approver(body):
    user = factories.approver(body)
    user.full_name = "Ola Godkjenner"
    user.save()
    return user


@pytest.fixture
def participant(db):
    return eligible_organisation(
        name="Bærum språkkafé", street_address="Storgata 1", postal_code="1337"
    )


@pytest.fixture
def member(participant):
    return factories.member_of(participant, full_name="Leder Larsen")


@pytest.fixture
def call(scheme_year, caseworker, participant):
    today = timezone.localdate()
    round_ = services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Søknadsrunde for drift",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler.",
    )
    services.invite(caseworker, round_, [participant])
    return round_


@pytest.fixture
def submitted(member, call, participant, caseworker):
    application = complete_application(member, call, participant)
    services.save_application(
        member,
        application,
        planned_collaborations="Samarbeid med biblioteket.",
        their_reference=THEIR_REFERENCE,
    )
    application = services.submit_application(member, application)
    services.declare_impartiality(caseworker, application, has_conflict=False)
    return application


def case_of(application, actor):
    return grant_records.case_file_of(application) or grant_records.open_case(application, actor)


def register(application, source, actor, **fields):
    """Register a document made from ``source`` in the application's case, as the services
    do, and return it with its case file loaded."""
    application.refresh_from_db()
    entry = register_document(
        case_of(application, actor),
        source,
        party_name=application.organisation.name,
        their_reference=application.their_reference,
        **fields,
    )
    entry.refresh_from_db()
    return entry


def decide(kind, caseworker, approver, application, **fields):
    """A decision proposed by ``caseworker`` and approved by ``approver`` through the services
    (the scheme has decisions of ``kind`` approved by a second person)."""
    scheme = application.round.scheme_year.scheme
    setattr(scheme, f"{kind}s_need_approval", True)
    scheme.save()
    proposal = services.propose_decision(caseworker, application, kind=kind, **fields)
    return services.approve_proposal(approver, proposal)


@pytest.fixture
def award(submitted, caseworker, approver):
    decision = decide(
        DecisionKind.AWARD,
        caseworker,
        approver,
        submitted,
        amount=Decimal("95000"),
        reasons="God søknad med tydelig plan.",
    )
    return decision.award


@pytest.fixture
def paid(award, member, caseworker, approver, participant):
    """The award accepted and its one instalment attested by the caseworker and approved for
    payment by the approver."""
    confirmed_account(member, caseworker, participant)
    services.accept_award(member, award)
    return factories.pay(
        award,
        Decimal("95000"),
        instalment=award.instalments.get(),
        attester=caseworker,
        approver_user=approver,
    )


# --- the renderers are registered ----------------------------------------------------------------


def test_every_source_kind_has_a_renderer():
    for kind in (
        "grants.application",
        "grants.grantreport",
        "grants.decision",
        "grants.appeal",
        "grants.disbursement",
        "conversations.message",
    ):
        assert registry.document_renderer(kind) is not None, kind


# --- the receipt of the application --------------------------------------------------------------


def test_the_receipt_of_the_application(submitted, member, caseworker):
    entry = register(
        submitted,
        submitted,
        member,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad",
        caseworker=caseworker,
    )
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker)
    sent = timezone.localtime(submitted.submitted_at)
    for part in [
        "Kvittering",
        "Integrerings- og mangfoldsdirektoratet",
        "Tollbugata 20",
        "Bærum språkkafé",
        "Storgata 1",
        submitted.organisation.org_number_display,
        sent.strftime("%d.%m.%Y %H:%M"),
        "Søknadsrunde for drift",
        "99 000 kr",  # the amount, and the budget's total
        "Koordinator",
        "90 000 kr",
        "Kafé",
        "9 000 kr",
        "Leksehjelp og språkkafé hver uke.",
        "Barn og foreldre i bydelen.",
        "120",
        "Samarbeid med biblioteket.",
        "vedtekter.pdf",
        "regnskap.pdf",
    ]:
        assert document.says(part), part
    assert document.flat.count(squash("99 000 kr")) >= 2  # applied for, and the total


# --- the receipt of the grant report and accounts ------------------------------------------------


def test_the_receipt_of_the_grant_report_and_accounts(award, member, caseworker, paid):
    report = fill_report(member, award.report)
    services.save_accounts(
        member,
        report,
        [
            ("income", IncomeCategory.SCHEME_GRANT, "Tilskudd", Decimal("95000")),
            ("income", IncomeCategory.GIFTS, "Innsamling", Decimal("4000")),
            ("income", IncomeCategory.GIFTS, "Basar", Decimal("1500")),
            ("expense", "salary", "Lønn", Decimal("70000")),
            ("expense", "activities", "Turer", Decimal("20000")),
        ],
    )
    if award.needs_audit:
        from django.core.files.uploadedfile import SimpleUploadedFile

        services.save_report(
            member,
            report,
            auditor_name="Revisor Rask",
            auditor_number="123456",
            auditor_statement=SimpleUploadedFile(
                "revisjon.pdf", b"%PDF-1.4\n", content_type="application/pdf"
            ),
        )
    report = services.submit_report(member, report)
    entry = register(
        award.application,
        report,
        member,
        document_type=DocumentType.REPORT,
        direction=Direction.INCOMING,
        title="Rapport",
        caseworker=caseworker,
    )
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker)
    for part in [
        "Kvittering",
        "Vi lærte å føre regnskap.",
        "Mål nummer 1",
        "Leksehjelp 40 ganger.",
        "130",
        "Lønn til koordinator.",
        "Tilskudd fra forvaltende organ",  # the income categories
        "Gaver",
        "5 500 kr",  # gifts, added up
        "100 500 kr",  # all income
        "Lønn og honorarer",  # the expense categories: the budget's
        "70 000 kr",
        "20 000 kr",
        "90 000 kr",  # all expenses
        "Innsamling",
        "Basar",
        "Turer",
    ]:
        assert document.says(part), part
    if award.needs_audit:
        assert document.says("revisjon.pdf") and document.says("Revisor Rask")


# --- decision letters ----------------------------------------------------------------------------


def _decision_entry(decision, caseworker, approver, document_type=DocumentType.DECISION):
    return register(
        decision.application,
        decision,
        caseworker,
        document_type=document_type,
        direction=Direction.OUTGOING,
        title="Vedtak",
        caseworker=caseworker,
        approver=approver,
    )


def _appeal_section(document, decision):
    assert document.says("forvaltningsloven §§ 28 og 29")
    assert document.says("§§ 24 og 25")
    assert document.says(decision.appeal_deadline.strftime("%d.%m.%Y"))
    assert document.says("tre uker")


def test_the_award_letter_in_the_case(award, caseworker, approver):
    decision = award.decision
    assert (decision.decided_by, decision.approved_by) == (caseworker, approver)
    entry = _decision_entry(decision, caseworker, approver)
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker, approver=approver)
    for part in ["Tilsagnsbrev", "95 000 kr", "God søknad med tydelig plan.",
                 "Meld fra om endringer.", "Utbetalingsplan", "Med vennlig hilsen"]:  # fmt: skip
        assert document.says(part), part
    _appeal_section(document, decision)
    # The signature names both people: the caseworker who proposed, the approver.
    end = document.flat[document.flat.rindex(squash("Med vennlig hilsen")) :]
    assert squash(caseworker.full_name) in end and squash(approver.full_name) in end


def test_the_decision_letter_the_services_registered(award, caseworker, approver):
    """The entry approving the award registered in the case is drawn up with both names."""
    from scheme.records.models import RegistryEntry

    entry = RegistryEntry.objects.select_related("case_file").get(
        source_kind="grants.decision", source_id=award.decision_id
    )
    assert (entry.document_type, entry.direction) == (DocumentType.DECISION, Direction.OUTGOING)
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker, approver=approver)
    assert document.says("95 000 kr")


def test_the_award_letter_report_shows_the_case_references(award, caseworker, approver):
    """The award letter ordered as a report quotes the decision's document number, the
    organisation's reference and both people, once the case holds the decision."""
    from scheme.records.models import RegistryEntry

    admin = factories.UserFactory(is_superuser=True)
    content, _name = builder_for("award_letter").make(
        admin, {"award": award.pk}, lambda percent, step="": None
    )
    document = Document(content)
    entry = RegistryEntry.objects.select_related("case_file").get(
        source_kind="grants.decision", source_id=award.decision_id
    )
    assert_reference_block(document, entry, caseworker=caseworker, approver=approver)
    assert outside_the_page(content) == []


def test_the_rejection_letter(submitted, caseworker, approver):
    decision = decide(
        DecisionKind.REJECTION,
        caseworker,
        approver,
        submitted,
        reasons="Søknaden faller utenfor ordningens formål.",
    )
    entry = _decision_entry(decision, caseworker, approver)
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker, approver=approver)
    assert document.says("avslått") and document.says("Bærum språkkafé")
    assert document.says("Søknaden faller utenfor ordningens formål.")
    _appeal_section(document, decision)


def test_the_clawback_letter(paid, award, caseworker, approver):
    repay_by = timezone.localdate() + datetime.timedelta(days=30)
    decision = decide(
        DecisionKind.CLAWBACK,
        caseworker,
        approver,
        award.application,
        award=award,
        amount=Decimal("15000"),
        reasons="Midlene ble ikke brukt som avtalt.",
        repay_by=repay_by,
    )
    entry = _decision_entry(decision, caseworker, approver, DocumentType.CLAWBACK)
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker, approver=approver)
    for part in ["tilbakebetale", "15 000 kr", repay_by.strftime("%d.%m.%Y"),
                 "Midlene ble ikke brukt som avtalt.", "95 000 kr"]:  # fmt: skip
        assert document.says(part), part
    _appeal_section(document, decision)


# --- appeals -------------------------------------------------------------------------------------


def test_the_appeal_received_and_its_outcome(submitted, member, caseworker, approver):
    decision = decide(
        DecisionKind.REJECTION, caseworker, approver, submitted, reasons="Utenfor formålet."
    )
    appeal = services.lodge_appeal(member, decision, "Vi mener formålet passer godt.")
    received = register(
        submitted,
        appeal,
        member,
        document_type=DocumentType.APPEAL,
        direction=Direction.INCOMING,
        title="Klage",
        caseworker=caseworker,
    )
    document = drawn_up(received)
    assert_reference_block(document, received, caseworker=caseworker)
    assert document.says("Vi mener formålet passer godt.") and document.says("mottatt")

    appeal = services.handle_appeal(
        caseworker, appeal, status=AppealStatus.UPHELD, outcome="Vedtaket står ved lag."
    )
    outcome = register(
        submitted,
        appeal,
        caseworker,
        document_type=DocumentType.DECISION,
        direction=Direction.OUTGOING,
        title="Klagevedtak",
        caseworker=caseworker,
        approver=approver,
    )
    document = drawn_up(outcome)
    assert_reference_block(document, outcome, caseworker=caseworker, approver=approver)
    assert outcome.number > received.number
    assert document.says("Vedtaket står ved lag.") and document.says("Vi mener formålet passer")


# --- the payment letter --------------------------------------------------------------------------


def test_the_payment_letter(paid, caseworker, approver):
    assert paid.attestation.attested_by == caseworker and paid.recorded_by == approver
    entry = register(
        paid.award.application,
        paid,
        caseworker,
        document_type=DocumentType.PAYMENT,
        direction=Direction.OUTGOING,
        title="Utbetaling",
        caseworker=caseworker,
        approver=approver,
    )
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker, approver=approver)
    assert document.says("95 000 kr") and document.says(paid.paid_on.strftime("%d.%m.%Y"))
    masked = paid.account.masked
    assert document.says(masked)
    assert not document.says("2050 98 76542") and not document.says("20509876542")
    assert document.says("Attestert av") and document.says("Godkjent for utbetaling av")


# --- a message in the case -----------------------------------------------------------------------


def test_a_message_in_the_case(submitted, member, caseworker):
    message = conversations.post_message(
        member, "application", submitted.pk, "Hei! Vi har fått ny adresse.\nHilsen oss"
    )
    entry = register(
        submitted,
        message,
        member,
        document_type=DocumentType.MESSAGE,
        direction=Direction.INCOMING,
        title="Melding",
        caseworker=caseworker,
    )
    document = drawn_up(entry)
    assert_reference_block(document, entry, caseworker=caseworker)
    sent = timezone.localtime(message.created_at)
    assert document.says("Bærum språkkafé") and document.says(sent.strftime("%d.%m.%Y %H:%M"))
    assert document.says("Hei! Vi har fått ny adresse.") and document.says("Hilsen oss")


def test_without_their_reference_the_letter_has_no_deres_ref(call, participant, caseworker):
    member = factories.member_of(participant)
    application = complete_application(member, call, participant)
    application = services.submit_application(member, application)
    entry = register(
        application,
        application,
        member,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad",
        caseworker=caseworker,
    )
    assert_reference_block(drawn_up(entry), entry, caseworker=caseworker, theirs="")


# --- the archive's variant -----------------------------------------------------------------------


def test_the_archive_gets_pdf_a_2b(award, caseworker, approver):
    entry = _decision_entry(award.decision, caseworker, approver)
    render = registry.document_renderer(entry.source_kind)
    archived = render(entry, variant="pdf/a-2b")
    assert_pdf_a_2b(archived)
    assert Document(archived).says(entry.number_label)
    assert outside_the_page(archived) == []
    # The portal's own copy stays PDF/UA-1.
    assert 'pdfuaid:part="1"' in xmp_of(render(entry)) or "<pdfuaid:part>1<" in xmp_of(
        render(entry)
    )


def test_the_receipt_in_pdf_a_2b(submitted, member, caseworker):
    entry = register(
        submitted,
        submitted,
        member,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad",
        caseworker=caseworker,
    )
    assert_pdf_a_2b(registry.document_renderer("grants.application")(entry, variant="pdf/a-2b"))


def test_an_unknown_variant_is_refused(submitted, member, caseworker):
    entry = register(
        submitted,
        submitted,
        member,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad",
    )
    with pytest.raises(ValueError):
        registry.document_renderer("grants.application")(entry, variant="pdf/x-4")


def test_attachments_of_the_application_are_listed_by_kind(submitted, member):
    services_attachment = submitted.attachments.filter(kind=AttachmentKind.STATUTES).get()
    entry = register(
        submitted,
        submitted,
        member,
        document_type=DocumentType.APPLICATION,
        direction=Direction.INCOMING,
        title="Søknad",
    )
    document = drawn_up(entry)
    assert document.says(f"Vedtekter: {services_attachment.original_name}")
