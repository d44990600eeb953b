"""The timeline verbs of a grant's life (what the Event rows say happened)."""

from django.utils.translation import gettext_lazy as _

from scheme.verbs import event_verb

ROUND_SAVED = event_verb("round.saved", _("saved the call"))
ORGANISATIONS_INVITED = event_verb("round.invited", _("invited organisations"))
STARTED = event_verb("application.started", _("started the application"))
SAVED = event_verb("application.saved", _("saved the application"))
ATTACHMENT_ADDED = event_verb("application.attachment_added", _("added an attachment"))
ATTACHMENT_REMOVED = event_verb("application.attachment_removed", _("removed an attachment"))
SUBMITTED = event_verb("application.submitted", _("submitted the application"))
WITHDRAWN = event_verb("application.withdrawn", _("withdrew the application"))
IMPARTIALITY = event_verb("application.impartiality", _("declared on impartiality"))
ASSESSED = event_verb("application.assessed", _("saved the assessment"))
PROPOSED = event_verb("application.proposed", _("changed the proposal"))
INFO_REQUESTED = event_verb("application.info_requested", _("asked for more information"))
AWARDED = event_verb("application.awarded", _("awarded a grant"))
REJECTED = event_verb("application.rejected", _("rejected the application"))
ACCEPTED = event_verb("award.accepted", _("accepted the conditions"))
APPEALED = event_verb("decision.appealed", _("appealed the decision"))
APPEAL_HANDLED = event_verb("decision.appeal_handled", _("handled the appeal"))
DISBURSED = event_verb("award.disbursed", _("recorded a payment"))
REPORT_SAVED = event_verb("report.saved", _("saved the grant report"))
REPORT_SUBMITTED = event_verb("report.submitted", _("sent the grant report"))
REPORT_APPROVED = event_verb("report.approved", _("approved the grant report"))
REPORT_RETURNED = event_verb("report.returned", _("returned the grant report"))
CLAWBACK_OPENED = event_verb("award.clawback", _("decided a clawback"))
REPAID = event_verb("award.repaid", _("recorded a repayment"))
CHANGE_NOTICE_SENT = event_verb("award.change_notice", _("told of a change"))
CHANGE_NOTICE_HANDLED = event_verb("award.change_notice_handled", _("handled a change notice"))
ACCOUNT_GIVEN = event_verb("payout_account.given", _("gave a new bank account for payouts"))
ACCOUNT_CONFIRMED = event_verb(
    "payout_account.confirmed", _("confirmed the bank account for payouts")
)
