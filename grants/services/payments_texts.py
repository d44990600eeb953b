"""The timeline verbs and notifications of attested payments (``grants.services.money``): one
caseworker attests a payment, an approver of the same body approves it for payment or refuses
it, and the finance office downloads the day's approved payments."""

from django.utils.translation import gettext_lazy as _

from grants.services.texts import Notice
from scheme.verbs import event_verb

PAYMENT_ATTESTED = event_verb("award.payment_attested", _("attested a payment"))
PAYMENT_APPROVED = event_verb("award.payment_approved", _("approved a payment for payment"))
PAYMENT_REFUSED = event_verb("award.payment_refused", _("refused an attested payment"))
PAYMENTS_DOWNLOADED = event_verb(
    "payments.downloaded", _("downloaded the list of approved payments")
)

PAYMENT_TO_APPROVE = Notice(
    _("Payment to approve: {amount} to {organisation}"),
    _(
        "{person} has attested a payment of {amount} to {organisation}, to be paid on {date}. "
        "It waits for an approver other than {person} to approve it for payment."
    ),
)

PAYMENT_REFUSED_NOTICE = Notice(
    _("Payment refused: {amount} to {organisation}"),
    _("{person} refused the payment of {amount} to {organisation} that you attested: {comment}"),
)
