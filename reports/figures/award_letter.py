"""What the award letter (*tilsagnsbrev*) says, gathered from the award and its decision.

The letter says what the award page in the portal says (templates/grants/applicant/
award_detail.html): the amount and the reasons, the conditions in the reader's language, the
payment plan, the reporting duty with its due date and the audit rule, the right to appeal with
its deadline, and the caseworker who decided, on the administering body's letterhead.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from grants.models import Award, Instalment
from scheme.models import in_language


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

    @property
    def address_lines(self) -> list[str]:
        organisation = self.organisation
        place = f"{organisation.postal_code} {organisation.postal_place}".strip()
        return [line for line in (organisation.street_address, place) if line]


def load_award(award_id, awards=Award.objects):
    """The award (one of ``awards``) with everything the letter needs, or None."""
    return (
        awards.select_related(
            "application__organisation",
            "application__round__scheme_year__scheme__administrator",
            "decision__decided_by",
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


def letter_figures(award) -> LetterFigures:
    """The letter for ``award`` (loaded by ``load_award``), in the active language."""
    application = award.application
    scheme_year = application.round.scheme_year
    report = getattr(award, "report", None)
    return LetterFigures(
        award=award,
        scheme=scheme_year.scheme,
        scheme_year=scheme_year,
        body=scheme_year.scheme.administrator,
        organisation=application.organisation,
        dated=timezone.localtime(award.decision.decided_at).date(),
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
    )
