"""Logging in with ID-porten over OpenID Connect, through Authlib's Django client.

The authorization code flow with PKCE (S256), state and nonce: Authlib keeps the state, the
nonce and the PKCE verifier in the session until the answer comes back, and uses them once.
The ID token's signature is checked against the provider's published keys (JWKS); its
issuer, audience, expiry and nonce, and here its level of assurance (``acr``: substantial or
high) and the ``pid`` claim.

The person is known by ``pid``, the national identity number, kept only as a keyed hash
(``pid_hash``): the number is never stored, logged or put in the session. The ID token, which
the provider wants back to end its session at logout, holds the number too, so the session
keeps it only encrypted.
"""

import base64
import functools
import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

log = logging.getLogger(__name__)

# The levels of assurance that let a person in; both count as two factors.
ACCEPTED_LEVELS = ("idporten-loa-substantial", "idporten-loa-high")
PID = re.compile(r"\d{11}")

# The session key of an ID-porten login: its level and the encrypted ID token.
SESSION_KEY = "idporten_login"
# The session key of an identity ID-porten vouched for that has no account yet, and how long
# it is kept there while the person confirms an address or logs in with a password.
PENDING_KEY = "idporten_pending"
PENDING_SECONDS = 60 * 60


class SignInRefused(Exception):
    """The answer from ID-porten cannot be trusted or used; ``message`` says so plainly."""

    def __init__(self, message, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


CANCELLED = _("The login with ID-porten was cancelled. Log in again when you are ready.")
STALE = _("This login has already been used or has expired. Start again with the ID-porten button.")
LOW_LEVEL = _(
    "ID-porten did not confirm who you are at a high enough level. Log in with MinID, BankID, "
    "Buypass or Commfides."
)
EXPIRED = _("The answer from ID-porten was too old. Start again with the ID-porten button.")
UNTRUSTED = _(
    "The answer from ID-porten could not be trusted, so you are not logged in. Start again; "
    "if it happens again, contact us."
)
UNAVAILABLE = _(
    "ID-porten did not answer. Try again in a few minutes, or log in with your e-mail address "
    "and password."
)


@dataclass(frozen=True)
class Identity:
    """A person ID-porten vouched for: the keyed hash of their number and the login's level.
    The ID token and session id are kept for logging out."""

    pid_hash: str
    level: str
    sid: str = field(repr=False)
    id_token: str = field(repr=False)


def enabled() -> bool:
    return settings.IDPORTEN_ENABLED


def _key_material() -> str:
    return settings.IDPORTEN_PID_KEY or settings.SECRET_KEY


@sensitive_variables("pid")
def pid_hash(pid: str) -> str:
    """The keyed hash (HMAC-SHA256) that stands for a national identity number."""
    return salted_hmac(
        "scheme.signin.idporten.pid", pid, secret=_key_material(), algorithm="sha256"
    ).hexdigest()


def _fernet() -> Fernet:
    key = salted_hmac(
        "scheme.signin.idporten.id_token", "session", secret=_key_material(), algorithm="sha256"
    ).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _absolute(setting: str, url_name: str) -> str:
    return getattr(settings, setting) or settings.PORTAL_BASE_URL.rstrip("/") + reverse(url_name)


def redirect_uri() -> str:
    return _absolute("IDPORTEN_REDIRECT_URI", "idporten_callback")


def post_logout_redirect_uri() -> str:
    return _absolute("IDPORTEN_POST_LOGOUT_REDIRECT_URI", "idporten_logged_out")


@functools.lru_cache(maxsize=4)
def _client_for(discovery_url, client_id, client_secret, scopes, timeout) -> DjangoOAuth2App:
    return DjangoOAuth2App(
        framework=DjangoIntegration("idporten"),
        name="idporten",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=discovery_url,
        client_kwargs={
            "scope": scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": timeout,
        },
    )


def _client() -> DjangoOAuth2App:
    """The client for the configured provider; its discovery document and keys are fetched
    once and kept (the keys again when a token names one not seen before)."""
    return _client_for(
        settings.IDPORTEN_DISCOVERY_URL,
        settings.IDPORTEN_CLIENT_ID,
        settings.IDPORTEN_CLIENT_SECRET,
        settings.IDPORTEN_SCOPES,
        settings.IDPORTEN_TIMEOUT,
    )


def _metadata() -> dict:
    """The provider's discovery document; its issuer must be where it was fetched from
    (OpenID Connect Discovery 4.3)."""
    metadata = _client().load_server_metadata()
    expected = settings.IDPORTEN_DISCOVERY_URL.removesuffix("/.well-known/openid-configuration")
    if metadata.get("issuer", "").rstrip("/") != expected.rstrip("/"):
        _client_for.cache_clear()
        raise SignInRefused(UNTRUSTED, "the discovery document names another issuer")
    return metadata


def login_redirect(request):
    """Send the browser to ID-porten, asking for the configured level of assurance."""
    try:
        _metadata()
        return _client().authorize_redirect(
            request,
            redirect_uri(),
            acr_values=settings.IDPORTEN_ACR_VALUES,
            ui_locales="en" if (get_language() or "").startswith("en") else "nb",
        )
    except (requests.RequestException, ValueError) as error:
        _client_for.cache_clear()
        log.warning("ID-porten is unavailable: %s", type(error).__name__)
        raise SignInRefused(UNAVAILABLE, "unavailable") from error


def _claims_options(client_id: str, issuer: str) -> dict:
    return {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "acr": {"essential": True},
        "pid": {"essential": True},
    }


@sensitive_variables("token", "claims", "pid")
def identity_from_callback(request) -> Identity:
    """Check ID-porten's answer in ``request`` and return whom it vouches for.

    Raises ``SignInRefused`` with a plain message for a cancelled login, a state that is
    unknown or used (a replay), a token that fails a check, a level below substantial, or
    a provider that does not answer. The technical reason goes to the log; the number
    never does.
    """
    if request.GET.get("error"):
        raise SignInRefused(CANCELLED, f"the provider answered {request.GET['error'][:40]}")
    try:
        metadata = _metadata()
        issuer = metadata["issuer"]
        if "iss" in request.GET and not constant_time_compare(request.GET["iss"], issuer):
            raise SignInRefused(UNTRUSTED, "the answer names another issuer")  # mix-up (RFC 9207)
        token = _client().authorize_access_token(
            request,
            claims_options=_claims_options(settings.IDPORTEN_CLIENT_ID, issuer),
            leeway=settings.IDPORTEN_CLOCK_SKEW,
        )
    except MismatchingStateError as error:
        raise SignInRefused(STALE, "unknown or used state") from error
    except ExpiredTokenError as error:
        raise SignInRefused(EXPIRED, "the ID token has expired") from error
    except (InvalidClaimError, MissingClaimError) as error:
        raise SignInRefused(UNTRUSTED, f"ID token claim refused: {error.claim}") from error
    except JoseError as error:
        raise SignInRefused(UNTRUSTED, f"ID token refused: {error.error}") from error
    except OAuthError as error:
        raise SignInRefused(STALE, f"the token endpoint answered {error.error}") from error
    except (requests.RequestException, ValueError) as error:
        _client_for.cache_clear()
        raise SignInRefused(UNAVAILABLE, f"unavailable: {type(error).__name__}") from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused(UNTRUSTED, "no ID token")
    if claims["acr"] not in ACCEPTED_LEVELS:
        raise SignInRefused(LOW_LEVEL, f"level {str(claims['acr'])[:40]}")
    pid = str(claims["pid"])
    if not PID.fullmatch(pid):
        raise SignInRefused(UNTRUSTED, "pid is not eleven digits")
    return Identity(
        pid_hash=pid_hash(pid),
        level=claims["acr"],
        sid=str(claims.get("sid", "")),
        id_token=token["id_token"],
    )


def log_refusal(refusal: SignInRefused) -> None:
    log.warning("An ID-porten login was refused: %s", refusal.reason)


# --- the session of an ID-porten login ------------------------------------------------------


def _sid_key(sid: str) -> str:
    return "idporten:sid:" + hashlib.sha256(sid.encode()).hexdigest()


def remember_login(request, identity: Identity) -> None:
    """Keep in the (new) session what logging out needs: the encrypted ID token, and under
    ID-porten's session id, which portal session to end when ID-porten says so."""
    request.session[SESSION_KEY] = {
        "level": identity.level,
        "id_token": _encrypt(identity.id_token),
    }
    if identity.sid:
        cache.set(_sid_key(identity.sid), request.session.session_key, settings.SESSION_COOKIE_AGE)


def _encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def _decrypt(text: str) -> str:
    try:
        return _fernet().decrypt(text.encode()).decode() if text else ""
    except InvalidToken:
        return ""


def keep_pending(session, identity: Identity) -> None:
    """Keep an identity without an account in the session while the person confirms an
    address or logs in with their password (only the hash; the ID token encrypted)."""
    session[PENDING_KEY] = {
        "pid_hash": identity.pid_hash,
        "level": identity.level,
        "sid": identity.sid,
        "id_token": _encrypt(identity.id_token),
        "until": int(time.time()) + PENDING_SECONDS,
    }


def pending(session) -> Identity | None:
    """The identity kept by ``keep_pending``, unless it is too old."""
    kept = session.get(PENDING_KEY)
    if not kept or kept.get("until", 0) < time.time():
        return None
    return Identity(kept["pid_hash"], kept["level"], kept["sid"], _decrypt(kept["id_token"]))


def forget_pending(session) -> None:
    session.pop(PENDING_KEY, None)


def counts_as_second_factor(session) -> bool:
    """An ID-porten login at level substantial or high counts as two factors."""
    return (session.get(SESSION_KEY) or {}).get("level") in ACCEPTED_LEVELS


def id_token(session) -> str:
    """The ID token of this session's ID-porten login, or ""."""
    return _decrypt((session.get(SESSION_KEY) or {}).get("id_token", ""))


def logout_url(session) -> str:
    """Where to send the browser after logging out of the portal so that ID-porten ends its
    session too (RP-initiated logout); empty when this was no ID-porten login."""
    token = id_token(session)
    if not (enabled() and token):
        return ""
    try:
        _metadata()
        return _client().create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri(), id_token_hint=token
        )["url"]
    except (requests.RequestException, ValueError, RuntimeError, SignInRefused):
        log.warning("ID-porten's logout address is not known; logged out of the portal only.")
        return ""


def end_sessions_of(issuer: str, sid: str, session_store: type[SessionBase]) -> bool:
    """Front-channel logout: ID-porten says the person logged out elsewhere. End the portal
    session of that ID-porten session. True when one was ended."""
    if not (enabled() and sid):
        return False
    try:
        expected = _metadata()["issuer"]
    except (requests.RequestException, ValueError, SignInRefused):
        return False
    if not constant_time_compare(issuer, expected):
        return False
    session_key = cache.get(_sid_key(sid))
    if not session_key:
        return False
    cache.delete(_sid_key(sid))
    session_store(session_key=session_key).delete()
    return True


def issuer_origin() -> str:
    parts = urlsplit(settings.IDPORTEN_DISCOVERY_URL)
    return f"{parts.scheme}://{parts.netloc}"
