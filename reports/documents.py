"""The PDFs of the documents registered in a grant case (``scheme.records``) that the portal
draws up itself: one renderer per source kind, registered in ``scheme.registry`` from the app's
``ready()``. Each is ``render(entry, *, variant="pdf/ua-1") -> bytes``; the archive asks for
``variant="pdf/a-2b"`` (reports/pdf.py).

- ``grants.application``: the receipt of the application as sent (all answers, the budget, the
  attachments by name, the case number and the time it was sent);
- ``grants.grantreport``: the receipt of the grant report and accounts (income by income
  category, expenses by budget category, totals, the attachments);
- ``grants.decision``: the decision letter (an award: the award letter of
  reports/figures/award_letter.py; a rejection; a clawback), naming who decided and who
  approved;
- ``grants.appeal``: the receipt of an appeal (incoming) or the letter with its outcome
  (outgoing);
- ``grants.disbursement``: the payment letter (amount, date, the account masked, who attested
  and who approved);
- ``conversations.message``: a message in the case (its side, time and text).

Every one is a letter on the administering body's letterhead with the reference block
("Vår ref.", "Deres ref.", the date, "Saksbehandler", "Godkjent av"):
templates/reports/letters/. They are written in Norwegian bokmål, the portal's language
(``settings.LANGUAGE_CODE``): a registered document is one record for everyone who reads the
case, and an organisation has no preferred language of correspondence in the portal (its
``languages`` are those its activities use).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grants.models import (
    ZERO,
    Appeal,
    AppealStatus,
    Application,
    BudgetCategory,
    Decision,
    DecisionKind,
    Disbursement,
    GrantReport,
    IncomeCategory,
    LineKind,
    total_of,
)
from reports.builders.documents import css_string
from reports.figures.award_letter import letter_figures, letterhead, load_award
from reports.pdf import UA, render_pdf
from scheme import registry
from scheme.conversations.models import Message
from scheme.records.models import Direction

LETTER_LANGUAGE = settings.LANGUAGE_CODE

_APPLICATION = (
    "organisation",
    "caseworker",
    "round__scheme_year__scheme__administrator",
)


def _in(prefix: str, paths=_APPLICATION) -> list[str]:
    return [f"{prefix}__{path}" for path in paths]


def _pdf(template_name: str, context: dict, *, variant: str) -> bytes:
    """Render a letter template (extending reports/letters/base.html) in the letter language,
    with the page header and footer of reports/pdf/base.html."""
    head = context["head"]
    context = {
        **context,
        "author": head.body.name,
        "css_header_left": css_string(context["title"]),
        "css_header_right": css_string(head.reference.ours),
        "css_page": css_string(_("Page")),
        "css_of": css_string(_("of")),
    }
    return render_pdf(template_name, context, variant=variant)


def _letter(entry, render_context):
    """A renderer's body in the letter language: ``render_context(entry)`` returns the template
    and its context (with ``title`` and ``head``)."""

    def render(variant):
        with translation.override(LETTER_LANGUAGE):
            template_name, context = render_context(entry)
            return _pdf(template_name, context, variant=variant)

    return render


def _local(moment):
    return timezone.localtime(moment) if moment else None


# --- the receipt of the application -----------------------------------------------------------


def application_receipt(entry, *, variant: str = UA) -> bytes:
    def context(entry):
        application = (
            Application.objects.select_related(*_APPLICATION)
            .prefetch_related("budget_lines", "attachments", "target_groups", "competence_needs")
            .get(pk=entry.source_id)
        )
        title = _("Receipt for your application")
        return "reports/letters/application_receipt.html", {
            "title": title,
            "heading": title,
            "head": letterhead(entry, application),
            "application": application,
            "sent_at": _local(application.submitted_at or entry.registered_at),
            "budget_total": application.budget_total,
        }

    return _letter(entry, context)(variant)


# --- the receipt of the grant report and accounts ---------------------------------------------


@dataclass
class CategorySum:
    label: str
    amount: Decimal


def sums_by_category(lines, kind, categories) -> list[CategorySum]:
    """The lines of ``kind`` added up per category, in the categories' order (those with
    lines only)."""
    sums = defaultdict(lambda: ZERO)
    for line in lines:
        if line.kind == kind:
            sums[line.category] += line.amount
    return [CategorySum(label, sums[value]) for value, label in categories if value in sums]


def report_receipt(entry, *, variant: str = UA) -> bytes:
    def context(entry):
        report = (
            GrantReport.objects.select_related(*_in("award__application"))
            .prefetch_related("account_lines", "goal_results__goal", "award__disbursements")
            .get(pk=entry.source_id)
        )
        application = report.award.application
        lines = list(report.account_lines.all())
        title = _("Receipt for your grant report and accounts")
        return "reports/letters/report_receipt.html", {
            "title": title,
            "heading": title,
            "head": letterhead(entry, application),
            "application": application,
            "report": report,
            "sent_at": _local(report.submitted_at or entry.registered_at),
            "lines": lines,
            "income": sums_by_category(lines, LineKind.INCOME, IncomeCategory.choices),
            "expenses": sums_by_category(lines, LineKind.EXPENSE, BudgetCategory.choices),
            "totals": report.totals(lines),
            "auditor_statement": (report.auditor_statement.name or "").rsplit("/", 1)[-1],
        }

    return _letter(entry, context)(variant)


# --- decision letters -------------------------------------------------------------------------


def decision_letter(entry, *, variant: str = UA) -> bytes:
    def context(entry):
        decision = Decision.objects.select_related(
            *_in("application"), "decided_by", "approved_by"
        ).get(pk=entry.source_id)
        application = decision.application
        common = {
            "decision": decision,
            "application": application,
            "signer": decision.decided_by.full_name,
            "approver": decision.approved_by.full_name if decision.approved_by else "",
        }
        year = application.round.scheme_year.year
        if decision.kind == DecisionKind.AWARD:
            letter = letter_figures(load_award(decision.award.pk), entry=entry)
            title = _("Award letter: grant for %(year)s") % {"year": year}
            return "reports/pdf/award_letter.html", {
                **common,
                "title": title,
                "heading": title,
                "head": letter.head,
                "letter": letter,
            }
        head = letterhead(
            entry, application, caseworker=decision.decided_by, approver=decision.approved_by
        )
        if decision.kind == DecisionKind.CLAWBACK:
            title = _("Decision to claim back a grant")
            return "reports/letters/clawback.html", {
                **common,
                "title": title,
                "heading": title,
                "head": head,
                "clawback": decision.clawback,
            }
        title = _("Your application for a grant for %(year)s is rejected") % {"year": year}
        return "reports/letters/rejection.html", {
            **common,
            "title": title,
            "heading": title,
            "head": head,
        }

    return _letter(entry, context)(variant)


# --- appeals ------------------------------------------------------------------------------------


def appeal_document(entry, *, variant: str = UA) -> bytes:
    """The receipt of a lodged appeal (an incoming entry), or the letter with its outcome."""

    def context(entry):
        appeal = Appeal.objects.select_related(
            *_in("decision__application"), "decision__approved_by", "handled_by"
        ).get(pk=entry.source_id)
        application = appeal.decision.application
        handled = entry.direction != Direction.INCOMING
        head = letterhead(entry, application, caseworker=appeal.handled_by if handled else None)
        if handled:
            title = _("The outcome of your appeal")
            template_name = "reports/letters/appeal_outcome.html"
        else:
            title = _("Receipt for your appeal")
            template_name = "reports/letters/appeal_receipt.html"
        return template_name, {
            "title": title,
            "heading": title,
            "head": head,
            "appeal": appeal,
            "decision": appeal.decision,
            "application": application,
            "decided_on": _local(appeal.decision.decided_at).date(),
            "lodged_at": _local(appeal.lodged_at),
            "changed": appeal.status == AppealStatus.CHANGED,
            "signer": appeal.handled_by.full_name if appeal.handled_by else "",
        }

    return _letter(entry, context)(variant)


# --- the payment letter -------------------------------------------------------------------------


def payment_letter(entry, *, variant: str = UA) -> bytes:
    def context(entry):
        disbursement = (
            Disbursement.objects.select_related(
                *_in("award__application"),
                "instalment",
                "account",
                "recorded_by",
                "attestation__attested_by",
            )
            .prefetch_related("award__disbursements")
            .get(pk=entry.source_id)
        )
        award = disbursement.award
        application = award.application
        attestation = disbursement.attestation
        attester = attestation.attested_by if attestation else None
        title = _("Payment of your grant")
        return "reports/letters/payment.html", {
            "title": title,
            "heading": title,
            "head": letterhead(
                entry, application, caseworker=attester, approver=disbursement.recorded_by
            ),
            "application": application,
            "award": award,
            "disbursement": disbursement,
            "paid_so_far": total_of(
                d.amount for d in award.disbursements.all() if d.paid_on <= disbursement.paid_on
            ),
            "attester": attester.full_name if attester else "",
            "approver": disbursement.recorded_by.full_name,
        }

    return _letter(entry, context)(variant)


# --- messages -----------------------------------------------------------------------------------


def message_document(entry, *, variant: str = UA) -> bytes:
    def context(entry):
        message = (
            Message.objects.select_related("thread", "author", "author_organisation")
            .prefetch_related("attachments")
            .get(pk=entry.source_id)
        )
        application = Application.objects.select_related(*_APPLICATION).get(
            pk=entry.case_file.object_id
        )
        title = _("Message in the case")
        return "reports/letters/message.html", {
            "title": title,
            "heading": title,
            "head": letterhead(entry, application),
            "application": application,
            "message": message,
            "side": message.author_organisation.name
            if message.author_organisation
            else message.author.full_name,
            "sent_at": _local(message.created_at),
            "withdrawn_at": _local(message.withdrawn_at),
        }

    return _letter(entry, context)(variant)


RENDERERS = {
    "grants.application": application_receipt,
    "grants.grantreport": report_receipt,
    "grants.decision": decision_letter,
    "grants.appeal": appeal_document,
    "grants.disbursement": payment_letter,
    "conversations.message": message_document,
}


def register() -> None:
    for source_kind, render in RENDERERS.items():
        registry.register_document_renderer(source_kind, render)
