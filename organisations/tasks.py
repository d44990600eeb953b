from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from organisations.invitations import link_token
from organisations.models import MembershipInvitation
from scheme.formatting import format_day


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=30, max_retries=6)
def send_invitation_email(invitation_id: int) -> None:
    """E-mail an open invitation with its signed link, in the language it was written in.

    The link is made here, when the e-mail is sent, and is not stored anywhere.
    """
    invitation = (
        MembershipInvitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return
    link = settings.PORTAL_BASE_URL + reverse(
        "organisations:invitation_link", args=[link_token(invitation)]
    )
    with translation.override(invitation.language):
        params = {
            "person": invitation.invited_by or _("The caseworker"),
            "organisation": invitation.organisation.name,
            "role": invitation.get_role_display(),
            "date": format_day(invitation.expires_at.date()),
        }
        subject = _("Invitation to %(organisation)s in the grant portal") % params
        body = (
            _(
                "%(person)s invites you to %(organisation)s in the grant portal, as %(role)s.\n\n"
                "Follow the link to accept or decline. If you have no account yet, you choose a "
                "password there. The link works until %(date)s.\n\n"
                "If you do not know the organisation, you can ignore this e-mail: nothing happens "
                "until you accept."
            )
            % params
        )
    send_mail(subject, f"{body}\n\n{link}", None, [invitation.email])
