"""The second factor of a caseworker's login: an authenticator app (TOTP) and recovery codes.

An app being set up is only a secret in the person's session, new for each session, until
the first right code makes it a confirmed device; so a QR code seen by someone else (who has
the password) is of no use once the owner has set up their own. Recovery codes are
single-use, kept only as keyed hashes, and let a person who lost their phone log in and move
to a new one without an administrator. The owner is told by e-mail of every change and of
every recovery code used.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from scheme import audit
from scheme.models import User
from scheme.notifications import notify
from scheme.verbs import event_verb

SECOND_FACTOR_ADDED = event_verb("account.second_factor_added", _("set up an authenticator app"))
SECOND_FACTOR_REPLACED = event_verb(
    "account.second_factor_replaced", _("moved the authenticator to a new app")
)
RECOVERY_CODES_MADE = event_verb("account.recovery_codes_made", _("made new recovery codes"))
RECOVERY_CODE_USED = event_verb("account.recovery_code_used", _("logged in with a recovery code"))

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
SIX_DIGITS = re.compile(r"\d{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # StaticToken.random_token(): 40 random bits

# The session keys: the secret of the app being set up, and the codes to show once.
PENDING_KEY = "two_factor_pending_key"
NEW_RECOVERY_CODES = "two_factor_new_recovery_codes"

WRONG_CODE = _("The code is wrong or too old. Type the code the app shows now.")
ALREADY_SET_UP = _(
    "An authenticator app is already set up for your account. Type the code it shows."
)


def confirmed_authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_key(session) -> str:
    """The secret of the app being set up in this session, made on first use."""
    if PENDING_KEY not in session:
        session[PENDING_KEY] = default_key()
    return session[PENDING_KEY]


def normalise_code(text: str) -> str:
    """A typed code without spaces or hyphens, in lower case (recovery codes are shown as
    ``abcd-efgh``)."""
    return re.sub(r"[\s-]", "", text or "").lower()


def looks_like_code(code: str) -> bool:
    return bool(SIX_DIGITS.fullmatch(code) or RECOVERY_CODE.fullmatch(code))


@transaction.atomic
def confirm_authenticator(user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """The first right code from the app being set up makes it the person's authenticator.

    Any older unconfirmed device goes. Returns the device and ten new recovery codes (to
    show once); the owner is told by e-mail.
    """
    _lock(user)
    if confirmed_authenticator(user):
        raise ValidationError(ALREADY_SET_UP, code="already_set_up")
    device = _new_authenticator(user, key, code)
    codes = _new_recovery_codes(user)
    audit.record(user, SECOND_FACTOR_ADDED, user)
    notify(
        [user],
        _("An authenticator app is set up for your account"),
        _(
            "An authenticator app was set up for your account in the grant portal; from now "
            "on each login asks for a code from it. If this was not you, someone knows your "
            "password: choose a new one at once and ask an administrator to remove the app."
        ),
        url=reverse("account"),
    )
    return device, codes


@transaction.atomic
def replace_authenticator(actor, key: str, code: str) -> TOTPDevice:
    """Move to a new phone: a person logged in with their second factor (the old app or a
    recovery code) sets up a new app, which replaces the old one at its first right code."""
    _require_verified(actor)
    _lock(actor)
    device = _new_authenticator(actor, key, code)
    audit.record(actor, SECOND_FACTOR_REPLACED, actor)
    notify(
        [actor],
        _("Your authenticator app was changed"),
        _(
            "A new authenticator app was set up for your account in the grant portal, and "
            "the old one no longer works. If this was not you, choose a new password at "
            "once and tell an administrator."
        ),
        url=reverse("account"),
    )
    return device


@transaction.atomic
def renew_recovery_codes(actor) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    _require_verified(actor)
    _lock(actor)
    codes = _new_recovery_codes(actor)
    audit.record(actor, RECOVERY_CODES_MADE, actor)
    notify(
        [actor],
        _("New recovery codes for your account"),
        _(
            "New recovery codes were made for your account in the grant portal, and the old "
            "ones no longer work. If this was not you, choose a new password at once and "
            "tell an administrator."
        ),
        url=reverse("account"),
    )
    return codes


@transaction.atomic
def verify_second_factor(user, code: str):
    """The device that accepts ``code`` at login, or None: the app's six digits, or a
    recovery code, which is used up (and the owner told). Wrong codes are throttled by
    django-otp, so this commits even when it refuses."""
    if SIX_DIGITS.fullmatch(code):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        return device if device is not None and device.verify_token(code) else None
    device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None or not device.verify_token(_stored(code)):
        return None
    audit.record(user, RECOVERY_CODE_USED, user)
    notify(
        [user],
        _("A recovery code was used to log in"),
        _(
            "One of your recovery codes was used to log in to the grant portal. Codes left: "
            "{left}. Make new ones from your account page when you run low. If this was not "
            "you, choose a new password at once and tell an administrator."
        ),
        url=reverse("account"),
        left=device.token_set.count(),
    )
    return device


def _lock(user) -> None:
    """One change of a person's second factor at a time."""
    User.objects.select_for_update().get(pk=user.pk)


def _require_verified(actor) -> None:
    """Only a person who confirmed this login with their second factor may change it."""
    if not actor.is_verified():
        raise PermissionDenied


def _new_authenticator(user, key: str, code: str) -> TOTPDevice:
    """Replace the person's apps with one on ``key``; refused (and rolled back) unless
    ``code`` is right for it."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=True)
    if not device.verify_token(code):
        raise ValidationError(WRONG_CODE, code="wrong_code")
    return device


def _new_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_stored(c)) for c in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def _stored(code: str) -> str:
    """What is kept of a recovery code: a keyed hash, so that the table (or a backup of it)
    cannot be used to log in. It fits StaticToken's 16 characters."""
    return salted_hmac("scheme.two_factor.recovery_code", code, algorithm="sha256").hexdigest()[:16]
