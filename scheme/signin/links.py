"""The e-mailed links that confirm an address: signed with the site's key, never stored.

A link carries the address, the name the person gave and what it is for, and works for a
limited time. A sign-up link also carries a random value kept in the session of the browser
that asked for it (that browser's chosen password is used; elsewhere the person chooses one
when they open it). A link after an ID-porten login carries a keyed hash of the login's
identity hash, so that it works only for the same ID-porten login: whoever opens it proves
both the mailbox and the ID-porten identity.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac

SALT = "scheme.signin.address"
SIGN_UP = "sign-up"
IDPORTEN = "idporten"
# How long a link works, in seconds.
VALID = {SIGN_UP: 24 * 60 * 60, IDPORTEN: 60 * 60}
URL_NAMES = {SIGN_UP: "sign_up_confirm", IDPORTEN: "idporten_confirm"}


def identity_mark(pid_hash: str) -> str:
    """What a link says of an ID-porten identity: enough to recognise it, useless elsewhere."""
    return salted_hmac("scheme.signin.links.identity", pid_hash, algorithm="sha256").hexdigest()


def link(purpose: str, *, email: str, full_name: str, mark: str) -> str:
    """The absolute address of a link for ``purpose``. ``mark`` ties it to a browser's
    sign-up (its nonce) or to an ID-porten identity (``identity_mark``)."""
    token = signing.dumps(
        {"for": purpose, "email": email, "name": full_name, "mark": mark}, salt=SALT
    )
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(URL_NAMES[purpose], args=[token])


def read(token: str, purpose: str) -> dict | None:
    """The link's contents (``email``, ``name``, ``mark``), or None when it is forged, too
    old or made for something else."""
    try:
        data = signing.loads(token, salt=SALT, max_age=VALID[purpose])
    except signing.BadSignature:
        return None
    if data.get("for") != purpose or not data.get("email"):
        return None
    return data
