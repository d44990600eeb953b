"""Making and linking accounts: signing up by e-mail, and the first login with ID-porten.

Nothing is made or granted before the address is confirmed by the e-mailed link
(``scheme.signin.links``). What the person sees next is the same whether the address has an
account; only the e-mail, which reaches the address's owner, says which it is. E-mails per
address and per client are limited (``settings.SIGN_UP_LIMITS``).
"""

import logging
import secrets
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language, gettext_lazy

from scheme import audit, ratelimit
from scheme.models import User
from scheme.notifications import notify
from scheme.signin import idporten, links
from scheme.signin.idporten import Identity
from scheme.verbs import event_verb

log = logging.getLogger(__name__)

SIGNED_UP = event_verb("account.signed_up", gettext_lazy("signed up with their e-mail address"))
SIGNED_UP_WITH_IDPORTEN = event_verb(
    "account.signed_up_idporten", gettext_lazy("made their account with ID-porten")
)
IDPORTEN_LINKED = event_verb(
    "account.idporten_linked", gettext_lazy("linked their account to ID-porten")
)

# The session key of a sign-up waiting for its link: the address, the nonce the link
# carries and the chosen password (hashed).
PENDING_SIGN_UP = "sign_up_pending"

ACCOUNT_EXISTS = gettext_lazy(
    "There is already an account for this address. Log in, or reset your password."
)
INACTIVE = gettext_lazy("This account is no longer active. Contact the caseworker.")
LINKED_ELSEWHERE = gettext_lazy("This ID-porten login is already linked to another account.")
NO_PENDING_LOGIN = gettext_lazy(
    "Your ID-porten login has expired. Log in with ID-porten again to go on."
)


class EmailNotSent(Exception):
    """The mail server did not take the e-mail; the person may try again later."""


def _within_limits(email: str, client: str) -> bool:
    limits, seconds = settings.SIGN_UP_LIMITS, settings.SIGN_UP_WINDOW_SECONDS
    results = [
        ratelimit.hit("sign-up:address", email, limit=limits["address"], seconds=seconds),
        ratelimit.hit("sign-up:client", client, limit=limits["client"], seconds=seconds),
    ]
    if not all(results):
        log.warning("An e-mail to confirm an address was not sent: the limit is reached.")
    return all(results)


def _send(email: str, language: str, subject: str, body: str, **params) -> None:
    """Send a link by e-mail now, in ``language``; the link is in no row of the database."""
    with translation.override(language):
        subject, body = str(subject) % params, str(body) % params
    try:
        send_mail(subject, body, None, [email])
    except (SMTPException, OSError) as error:
        log.error("An e-mail to confirm an address could not be sent: %s", type(error).__name__)
        raise EmailNotSent from error


def _tell_account_exists(user: User) -> None:
    _send(
        user.email,
        user.language,
        gettext_lazy("You already have an account in the grant portal"),
        gettext_lazy(
            "Someone, perhaps you, tried to sign up to the grant portal with this e-mail "
            "address. You already have an account. Log in with your password, or choose a new "
            "one here if you have forgotten it:\n\n%(reset)s\n\nIf this was not you, you can "
            "ignore this e-mail: nothing has changed."
        ),
        reset=settings.PORTAL_BASE_URL.rstrip("/") + reverse("password_reset"),
    )


# --- signing up with an e-mail address -------------------------------------------------------


def request_sign_up(session, *, full_name: str, email: str, password: str, client: str) -> None:
    """E-mail a link that makes the account when it is opened; to an address that has an
    account, e-mail that instead. The password waits, hashed, in this browser's session."""
    if not _within_limits(email, client):
        return
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        _tell_account_exists(existing)
        return
    nonce = secrets.token_urlsafe(16)
    session[PENDING_SIGN_UP] = {
        "email": email,
        "nonce": nonce,
        "password": make_password(password),
    }
    _send(
        email,
        get_language() or settings.LANGUAGE_CODE,
        gettext_lazy("Confirm your e-mail address for the grant portal"),
        gettext_lazy(
            "Hello %(name)s,\n\nOpen this link to confirm your e-mail address and make your "
            "account in the grant portal. The link works for 24 hours.\n\n%(link)s\n\n"
            "If you did not sign up, you can ignore this e-mail: no account is made."
        ),
        name=full_name,
        link=links.link(links.SIGN_UP, email=email, full_name=full_name, mark=nonce),
    )


def password_waiting(session, data: dict) -> str:
    """The hashed password chosen in this browser for the sign-up the link is for, or ""
    when the link is opened elsewhere (the person chooses a password there)."""
    pending = session.get(PENDING_SIGN_UP) or {}
    if pending.get("email") == data["email"] and constant_time_compare(
        pending.get("nonce", ""), data["mark"]
    ):
        return pending["password"]
    return ""


@transaction.atomic
def create_signed_up_account(session, data: dict, password: str = "") -> User:
    """Make the account of a confirmed sign-up (``data`` from its link) with the password
    waiting in this session, or else with ``password`` (already checked by the form)."""
    hashed = password_waiting(session, data) or (make_password(password) if password else "")
    if not hashed:
        raise ValidationError(gettext_lazy("Choose a password."))
    user = _new_account(data, password=hashed)
    audit.record(user, SIGNED_UP, user)
    session.pop(PENDING_SIGN_UP, None)
    return user


def _new_account(data: dict, **fields) -> User:
    """A new account for a confirmed address; refused if the address got one meanwhile."""
    if User.objects.filter(email=data["email"]).exists():
        raise ValidationError(ACCOUNT_EXISTS, code="exists")
    user = User(
        email=data["email"],
        full_name=data["name"],
        language=get_language() if get_language() in dict(settings.LANGUAGES) else "nb",
        **fields,
    )
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise ValidationError(ACCOUNT_EXISTS, code="exists") from error
    return user


# --- the first login with ID-porten ---------------------------------------------------------


def person_for(identity: Identity) -> User | None:
    """The account linked to the identity ID-porten vouched for."""
    return User.objects.filter(idporten_pid_hash=identity.pid_hash).first()


def _pending_or_refuse(session) -> Identity:
    identity = idporten.pending(session)
    if identity is None:
        raise ValidationError(NO_PENDING_LOGIN, code="no_login")
    return identity


def request_idporten_address(session, *, full_name: str, email: str, client: str) -> None:
    """E-mail a link that, opened after this ID-porten login, makes the person's account or
    links the login to the account the address already has."""
    identity = _pending_or_refuse(session)
    if not _within_limits(email, client):
        return
    link = links.link(
        links.IDPORTEN,
        email=email,
        full_name=full_name,
        mark=links.identity_mark(identity.pid_hash),
    )
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        _send(
            email,
            existing.language,
            gettext_lazy("Link ID-porten to your account in the grant portal"),
            gettext_lazy(
                "Someone logged in to the grant portal with ID-porten and gave this e-mail "
                "address. If it was you, open this link in the same browser within an hour to "
                "log in with ID-porten to your account from now on:\n\n%(link)s\n\n"
                "If it was not you, ignore this e-mail: nothing changes."
            ),
            link=link,
        )
        return
    _send(
        email,
        get_language() or settings.LANGUAGE_CODE,
        gettext_lazy("Confirm your e-mail address for the grant portal"),
        gettext_lazy(
            "Hello %(name)s,\n\nOpen this link in the same browser within an hour to confirm "
            "your e-mail address and make your account in the grant portal:\n\n%(link)s\n\n"
            "If you did not log in to the grant portal with ID-porten, ignore this e-mail: "
            "no account is made."
        ),
        name=full_name,
        link=link,
    )


def link_matches(session, data: dict) -> bool:
    """Whether the link was made after the ID-porten login waiting in this session."""
    identity = idporten.pending(session)
    return identity is not None and constant_time_compare(
        links.identity_mark(identity.pid_hash), data["mark"]
    )


@transaction.atomic
def confirm_idporten_address(session, data: dict) -> User:
    """The link (``data``) is opened after the same ID-porten login: link it to the account
    of the address, or make one. Returns the account to log in to."""
    identity = _pending_or_refuse(session)
    if not link_matches(session, data):
        raise ValidationError(
            gettext_lazy("This link was made for another ID-porten login."), code="other_login"
        )
    user = User.objects.select_for_update().filter(email=data["email"]).first()
    if user is not None:
        _link(user, identity)
    else:
        user = _new_account(data, password=make_password(None), **_linked_fields(identity))
        audit.record(user, SIGNED_UP_WITH_IDPORTEN, user)
    return user


@transaction.atomic
def link_idporten(actor, session) -> User:
    """Link the ID-porten login waiting in the session to the actor's account; the actor
    proved the account with their password (and code) in the same session."""
    identity = _pending_or_refuse(session)
    user = User.objects.select_for_update().get(pk=actor.pk)
    _link(user, identity)
    return user


def _linked_fields(identity: Identity) -> dict:
    return {"idporten_pid_hash": identity.pid_hash, "idporten_linked_at": timezone.now()}


def _link(user: User, identity: Identity) -> None:
    """Link once: an account keeps the ID-porten login it was first linked to."""
    if not user.is_active:
        raise ValidationError(INACTIVE, code="inactive")
    if user.idporten_pid_hash == identity.pid_hash:
        return
    if user.idporten_pid_hash:
        raise ValidationError(
            gettext_lazy(
                "Your account is already linked to another ID-porten login. Contact the "
                "caseworker if this is wrong."
            ),
            code="linked_to_another",
        )
    if User.objects.filter(idporten_pid_hash=identity.pid_hash).exists():
        raise ValidationError(LINKED_ELSEWHERE, code="taken")
    for name, value in _linked_fields(identity).items():
        setattr(user, name, value)
    user.save(update_fields=["idporten_pid_hash", "idporten_linked_at"])
    audit.record(user, IDPORTEN_LINKED, user)
    notify(
        [user],
        gettext_lazy("Your account is linked to ID-porten"),
        gettext_lazy(
            "From now on you can log in to the grant portal with ID-porten. If this was not "
            "you, tell an administrator at once."
        ),
        url=reverse("account"),
    )
