"""What the grant services tell people: each notification's subject and body, apart from the
rules, so a service module reads as rules and a text is found (and reworded) in one place.

Each text is lazy (``gettext_lazy``) with ``{name}`` placeholders: ``scheme.notifications.notify``
fills them in each reader's language, so amounts and dates are passed lazily too
(``_nok``, ``_day`` in ``grants.services._common``). A service sends one with
``notify(recipients, *texts.APPLICATION_RECEIVED, url=..., organisation=...)``.
"""

from typing import NamedTuple

from django.utils.translation import gettext_lazy as _


class Notice(NamedTuple):
    subject: str
    body: str


# --- calls ------------------------------------------------------------------------------------

INVITED = Notice(
    _("You are invited to apply: {round}"),
    _(
        "{organisation} is invited to apply for a grant. The call is open from "
        "{opens} to {closes}. Log in to read the guidance and start the application."
    ),
)

# --- applications -----------------------------------------------------------------------------

APPLICATION_RECEIVED = Notice(
    _("Application received"),
    _(
        "We have received the application from {organisation}. The caseworker assesses "
        "all applications after the call closes on {closes}, and may phone you. You "
        "hear from us by e-mail when a decision is made."
    ),
)
ANSWER_RECEIVED = Notice(
    _("Answer received: {organisation}"),
    _("{organisation} has answered your question and sent the application again."),
)
APPLICATION_WITHDRAWN = Notice(
    _("Application withdrawn: {organisation}"),
    _("{organisation} has withdrawn its application to {round}."),
)

# --- reports ----------------------------------------------------------------------------------

REPORT_RECEIVED = Notice(
    _("Grant report from {organisation}"),
    _("{organisation} has sent its grant report and accounts."),
)
REPORT_APPROVED = Notice(
    _("Your grant report is approved"),
    _("The grant report from {organisation} is approved. Thank you!"),
)
REPORT_RETURNED = Notice(
    _("Your grant report needs changes"),
    _("The caseworker has returned the grant report from {organisation}:\n\n{comment}"),
)

# --- reminders of reports that are due (by ReminderKind) --------------------------------------

REPORT_OVERDUE_CASEWORKER = Notice(
    _("Grant report overdue: {organisation}"),
    _("The grant report from {organisation} was due {due} and has not been sent."),
)
REPORT_OVERDUE = Notice(
    _("Your grant report is overdue"),
    _(
        "The grant report from {organisation} was due {due}. Send it as soon as you "
        "can, or tell the caseworker if you need more time."
    ),
)
REPORT_DUE_IN_3_DAYS = Notice(
    _("Grant report due {due}: three days left"),
    _(
        "The grant report and accounts from {organisation} are due {due}, in three "
        "days. If you cannot make it, tell the caseworker now."
    ),
)
REPORT_DUE_IN_14_DAYS = Notice(
    _("Grant report due {due}: two weeks left"),
    _(
        "Remember the grant report and accounts from {organisation}: they are due {due}. "
        "You can fill them in bit by bit and send when ready."
    ),
)

# --- assessment -------------------------------------------------------------------------------

QUESTION_ASKED = Notice(
    _("The caseworker asks about your application"),
    _("{question}\n\nAnswer by changing the application and sending it again."),
)

# --- decisions: awards, appeals, clawbacks and change notices ---------------------------------

AWARDED = Notice(
    _("You are awarded a grant"),
    _(
        "{organisation} is awarded {amount}. The award letter with the reasons for the "
        "decision is in the portal: read it and accept the conditions there. You may "
        "appeal the decision until {deadline}."
    ),
)
REJECTED = Notice(
    _("Your application is not granted"),
    _(
        "The application from {organisation} is not granted. The reasons are in the "
        "portal. You may appeal the decision until {deadline}."
    ),
)
CONDITIONS_ACCEPTED = Notice(
    _("Conditions accepted: {organisation}"),
    _("{person} has accepted the conditions of the award for {organisation}."),
)
APPEAL_LODGED = Notice(
    _("Appeal from {organisation}"),
    _("{organisation} has appealed the decision ({kind}). Handle the appeal in the portal."),
)
APPEAL_HANDLED = Notice(
    _("Your appeal is handled"),
    _("The appeal from {organisation} is handled: {status}.\n\n{outcome}"),
)
CLAWBACK_DECIDED = Notice(
    _("Decision to claim back {amount}"),
    _(
        "{administrator} claims back {amount} of the grant to {organisation}, to be repaid by "
        "{due}. The reasons are in the portal. You may appeal the decision until "
        "{deadline}."
    ),
)
CHANGE_NOTICE_RECEIVED = Notice(
    _("Change notice from {organisation}"),
    _("{organisation} says the basis for the grant has changed:\n\n{description}"),
)
CHANGE_NOTICE_HANDLED = Notice(
    _("Your change notice is handled"),
    _("The caseworker has handled the change notice from {organisation}:\n\n{outcome}"),
)

# --- two people on decisions: proposals and their approval -----------------------------------

PROPOSAL_WAITING = Notice(
    _("Decision to approve: {organisation}"),
    _(
        "{person} proposes a decision ({kind}) on the application from {organisation}. "
        "It is made when an approver other than the proposer approves it."
    ),
)
PROPOSAL_APPROVED = Notice(
    _("Your proposed decision is approved: {organisation}"),
    _(
        "{person} has approved your proposed decision ({kind}) on the application from "
        "{organisation}. The decision is made and the organisation is told."
    ),
)
PROPOSAL_RETURNED = Notice(
    _("Your proposed decision is sent back: {organisation}"),
    _(
        "{person} has sent back your proposed decision ({kind}) on the application from "
        "{organisation}:\n\n{comment}"
    ),
)

# --- money: the bank account for payouts and payments -----------------------------------------

NEW_ACCOUNT_TO_LEADERS = Notice(
    _("New bank account for payouts to {organisation}"),
    _(
        "{person} has given {account} as the bank account that grants to {organisation} "
        "are paid to. Nothing is paid to it until a caseworker has confirmed it.\n\n"
        "If you do not know of this change, tell the caseworker at once."
    ),
)
NEW_ACCOUNT_TO_CASEWORKERS = Notice(
    _("Confirm the new bank account of {organisation}"),
    _(
        "{person} has given {account} as the bank account for payouts to "
        "{organisation}. Payments wait until a caseworker has confirmed it: check the "
        "number with the organisation, for example by phoning a leader you know, "
        "before you confirm it."
    ),
)
ACCOUNT_CONFIRMED = Notice(
    _("Bank account confirmed for {organisation}"),
    _("The caseworker has confirmed {account}; grants to {organisation} are paid to it."),
)
PAID = Notice(
    _("Payment of {amount}"),
    _(
        "{administrator} has paid {amount} of the grant to {organisation} on {date}, to "
        "the account {account}."
    ),
)
