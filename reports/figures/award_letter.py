"""What the award letter (*tilsagnsbrev*) says, gathered from the award and its decision.

The letter says what the award page in the portal says (templates/grants/applicant/
award_detail.html): the amount and the reasons, the conditions in the reader's language, the
payment plan, the reporting duty with its due date and the audit rule, the right to appeal with
its deadline, and the caseworker who decided and the person who approved, on the administering
body's letterhead.

Every letter and receipt the portal draws up (this one, and the case documents of
``reports.documents``) opens with the same ``Letterhead``: the body, the recipient's address and
the reference block ("Vår ref.", "Deres ref.", the date, "Saksbehandler", "Godkjent av"),
shown by templates/reports/letters/_letterhead.html.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from grants.models import Award, Instalment
from scheme.models import in_language
from scheme.records.models import RegistryEntry
from scheme.records.services import case_of

DECISION_SOURCE = "grants.decision"


@dataclass
class Reference:
    """The reference block of a letter: "Vår ref." (the document number, ``2026/12-3``, or the
    case number alone for a letter that is not itself registered), "Deres ref." (the
    organisation's own reference, "" when it gave none), the date, the caseworker, and the
    person who approved the decision or payment ("" when none)."""

    ours: str
    theirs: str
    dated: object
    caseworker: str
    approver: str = ""
    case_number: str = ""


@dataclass
class Letterhead:
    """The top of every letter: the administering body and the scheme, the recipient and the
    reference block."""

    body: object
    scheme: object
    recipient: object  # the organisation
    reference: Reference

    @property
    def address_lines(self) -> list[str]:
        return address_lines(self.recipient)


def address_lines(organisation) -> list[str]:
    place = f"{organisation.postal_code} {organisation.postal_place}".strip()
    return [line for line in (organisation.street_address, place) if line]


def _name(user) -> str:
    return user.full_name if user is not None else ""


def entry_reference(entry, *, caseworker=None, approver=None) -> Reference:
    """The reference block of the registered document ``entry``; ``caseworker`` and
    ``approver`` stand in where the entry names nobody."""
    return Reference(
        ours=entry.number_label,
        theirs=entry.their_reference,
        dated=entry.document_date,
        caseworker=_name(entry.caseworker or caseworker),
        approver=_name(entry.approver or approver),
        case_number=entry.case_file.number,
    )


def _letterhead(application, reference) -> Letterhead:
    scheme = application.round.scheme_year.scheme
    return Letterhead(
        body=scheme.administrator,
        scheme=scheme,
        recipient=application.organisation,
        reference=reference,
    )


def letterhead(entry, application, *, caseworker=None, approver=None) -> Letterhead:
    """The letterhead of the registered document ``entry`` in ``application``'s case."""
    return _letterhead(
        application, entry_reference(entry, caseworker=caseworker, approver=approver)
    )


@dataclass
class InstalmentRow:
    number: int
    amount: Decimal
    due_on: object
    after_report_approved: bool
    paid_on: object  # the date it was paid, or None


@dataclass
class LetterFigures:
    award: object
    scheme: object
    scheme_year: object
    body: object  # the administering organisation
    organisation: object  # the recipient
    dated: object  # the decision's date
    amount: Decimal
    applied_for: Decimal | None
    reasons: str
    conditions: list  # texts in the reader's language
    instalments: list  # InstalmentRow
    report_due: object
    audit_threshold: Decimal
    needs_audit: bool
    appeal_deadline: object
    signed_by: str
    accepted_on: object
    approved_by: str = ""  # the second person, where the decision was approved
    head: Letterhead | None = None

    @property
    def address_lines(self) -> list[str]:
        return address_lines(self.organisation)


def load_award(award_id, awards=Award.objects):
    """The award (one of ``awards``) with everything the letter needs, or None."""
    return (
        awards.select_related(
            "application__organisation",
            "application__round__scheme_year__scheme__administrator",
            "decision__decided_by",
            "decision__approved_by",
            "application__caseworker",
            "report",
        )
        .prefetch_related(
            Prefetch(
                "instalments",
                queryset=Instalment.objects.select_related("disbursement").order_by("number"),
            )
        )
        .filter(pk=award_id)
        .first()
    )


def _award_reference(award, dated, entry=None) -> Reference:
    """The award letter's reference block: that of the decision's registered document
    (``entry``, or found in the case), the case number while only the case exists, no number
    before."""
    application, decision = award.application, award.decision
    case_file = None
    if entry is None:
        case_file = case_of(application)
        if case_file is not None:
            entry = (
                RegistryEntry.objects.select_related("caseworker", "approver")
                .filter(case_file=case_file, source_kind=DECISION_SOURCE, source_id=decision.pk)
                .first()
            )
            if entry is not None:
                entry.case_file = case_file
    if entry is not None:
        return entry_reference(entry, caseworker=decision.decided_by, approver=decision.approved_by)
    number = case_file.number if case_file is not None else ""
    return Reference(
        ours=number,
        theirs=application.their_reference,
        dated=dated,
        caseworker=_name(application.caseworker or decision.decided_by),
        approver=_name(decision.approved_by),
        case_number=number,
    )


def letter_figures(award, entry=None) -> LetterFigures:
    """The letter for ``award`` (loaded by ``load_award``), in the active language; ``entry``
    is the decision's registered document when the letter is drawn up as one."""
    application = award.application
    scheme_year = application.round.scheme_year
    report = getattr(award, "report", None)
    decision = award.decision
    dated = timezone.localtime(decision.decided_at).date()
    return LetterFigures(
        award=award,
        scheme=scheme_year.scheme,
        scheme_year=scheme_year,
        body=scheme_year.scheme.administrator,
        organisation=application.organisation,
        dated=dated,
        amount=award.amount,
        applied_for=application.amount,
        reasons=award.decision.reasons,
        conditions=[
            in_language(c.get("text_nb", ""), c.get("text_en", "")) for c in award.conditions
        ],
        instalments=[
            InstalmentRow(
                number=instalment.number,
                amount=instalment.amount,
                due_on=instalment.due_on,
                after_report_approved=instalment.after_report_approved,
                paid_on=getattr(getattr(instalment, "disbursement", None), "paid_on", None),
            )
            for instalment in award.instalments.all()
        ],
        report_due=report.due_on if report else scheme_year.report_due_date,
        audit_threshold=scheme_year.audit_threshold,
        needs_audit=scheme_year.needs_audit(award.amount),
        appeal_deadline=award.decision.appeal_deadline,
        signed_by=award.decision.decided_by.full_name,
        accepted_on=timezone.localtime(award.accepted_at).date() if award.accepted_at else None,
        approved_by=_name(decision.approved_by),
        head=_letterhead(application, _award_reference(award, dated, entry)),
    )
