"""The secret in an invitation's e-mailed link: signed, never stored.

The link names the invitation and is signed with the site's key; it works while the
invitation is open (answered, withdrawn or older than two weeks: it stops working). Since the
database holds no token, neither the admin site nor a backup can be used to join.
"""

from django.core import signing

from organisations.models import INVITATION_VALID, MembershipInvitation

SALT = "organisations.invitation"


def link_token(invitation: MembershipInvitation) -> str:
    return signing.dumps({"invitation": invitation.pk, "email": invitation.email}, salt=SALT)


def invitation_from_token(token: str) -> MembershipInvitation | None:
    """The open invitation the token was made for, or None (forged, too old or answered)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=INVITATION_VALID)
    except signing.BadSignature:
        return None
    invitation = (
        MembershipInvitation.objects.select_related("organisation", "invited_by")
        .filter(pk=data.get("invitation"), email=data.get("email"))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None
