import time
from binascii import unhexlify

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from scheme import second_factor
from scheme.audit import timeline
from scheme.models import Notification
from tests.concurrency import at_once
from tests.factories import PASSWORD

TWO_FACTOR = reverse("two_factor")
RECOVERY_CODES = reverse("two_factor_recovery_codes")
NEW_APP = reverse("two_factor_replace")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


@pytest.fixture
def no_wait_after_a_wrong_code(settings):
    """django-otp makes a device wait a second after a wrong code (longer after more);
    these tests type the right code at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(key_or_device, steps_ahead=0):
    """The app's code now, or ``steps_ahead`` 30-second steps later (a code is accepted
    once, and one step either side of now)."""
    key = key_or_device if isinstance(key_or_device, str) else key_or_device.key
    totp = TOTP(unhexlify(key))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(reverse("dashboard"))


def pending_key(client):
    return client.session[second_factor.PENDING_KEY]


def set_up(user):
    """An authenticator and recovery codes made as the person's first login makes them."""
    key = default_key()
    device, codes = second_factor.confirm_authenticator(user, key, code(key))
    return device, codes


def told(user, subject):
    return Notification.objects.filter(recipient=user, subject=subject, email_to=user.email)


def test_a_caseworker_sets_up_an_authenticator_on_first_login(
    client, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    response = log_in(client, caseworker)
    assert response.url.startswith(TWO_FACTOR)
    page = client.get(response.url)
    assert page.context["setting_up"]
    assert "<svg" in page.content.decode()
    assert not TOTPDevice.objects.filter(user=caseworker).exists()  # only in the session
    key = pending_key(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TWO_FACTOR, {"token": code(key), "next": "/organisations/"})
    assert response.url == f"{RECOVERY_CODES}?next=%2Forganisations%2F"
    page = client.get(response.url)
    assert len(page.context["codes"]) == 10
    assert 'href="/organisations/"' in page.content.decode()
    assert client.get("/organisations/").status_code == 200
    device = TOTPDevice.objects.get(user=caseworker)
    assert device.confirmed and device.key == key
    assert timeline(caseworker)[0].verb == "account.second_factor_added"
    [mail] = mailoutbox
    assert mail.to == [caseworker.email]
    assert mail.subject.endswith("An authenticator app is set up for your account")


def test_the_recovery_codes_are_shown_once(client, caseworker):
    log_in(client, caseworker)
    client.get(TWO_FACTOR)
    client.post(TWO_FACTOR, {"token": code(pending_key(client))})
    assert len(client.get(RECOVERY_CODES).context["codes"]) == 10
    page = client.get(RECOVERY_CODES)
    assert page.context["codes"] is None
    assert page.context["codes_left"] == 10


def test_a_secret_seen_by_someone_with_the_password_is_useless_once_the_owner_sets_up(
    caseworker,
):
    attacker, owner = Client(), Client()
    log_in(attacker, caseworker)
    attacker.get(TWO_FACTOR)
    log_in(owner, caseworker)
    owner.get(TWO_FACTOR)
    seen, owners = pending_key(attacker), pending_key(owner)
    assert owners != seen
    owner.post(TWO_FACTOR, {"token": code(owners)})
    response = attacker.post(TWO_FACTOR, {"token": code(seen)})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert attacker.get("/organisations/").status_code == 302
    assert TOTPDevice.objects.get(user=caseworker).key == owners


def test_each_login_gets_a_new_secret_to_set_up(client, caseworker):
    log_in(client, caseworker)
    client.get(TWO_FACTOR)
    first = pending_key(client)
    client.post(reverse("logout"))
    log_in(client, caseworker)
    client.get(TWO_FACTOR)
    assert pending_key(client) != first


def test_setting_up_replaces_an_older_unconfirmed_device(client, caseworker):
    old = TOTPDevice.objects.create(user=caseworker, name="app", confirmed=False)
    log_in(client, caseworker)
    client.get(TWO_FACTOR)
    client.post(TWO_FACTOR, {"token": code(pending_key(client))})
    [device] = TOTPDevice.objects.filter(user=caseworker)
    assert device.pk != old.pk and device.confirmed


def test_a_wrong_code_is_refused_with_a_clear_message(client, caseworker):
    log_in(client, caseworker)
    client.get(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"token": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/organisations/").status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker).exists()


def test_a_code_must_be_six_digits(client, caseworker):
    log_in(client, caseworker)
    response = client.post(TWO_FACTOR, {"token": "12ab"})
    assert response.context["form"].errors["token"]


def test_the_next_login_asks_for_a_code_not_a_new_setup(client, caseworker):
    device, _codes = set_up(caseworker)
    log_in(client, caseworker)
    page = client.get(TWO_FACTOR)
    assert not page.context["setting_up"]
    assert "<svg" not in page.content.decode()
    response = client.post(TWO_FACTOR, {"token": code(device, steps_ahead=1)})
    assert response.url == reverse("dashboard")
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1


def test_a_recovery_code_logs_in_once_and_the_owner_is_told(client, caseworker):
    _device, codes = set_up(caseworker)
    log_in(client, caseworker)
    typed = codes[3].upper().replace("-", " ")  # as read aloud from paper
    response = client.post(TWO_FACTOR, {"token": typed, "next": "/organisations/"})
    assert response.url == "/organisations/"
    assert client.get("/organisations/").status_code == 200
    [notice] = told(caseworker, "A recovery code was used to log in")
    assert "Codes left: 9." in notice.body
    assert timeline(caseworker)[0].verb == "account.recovery_code_used"
    client.post(reverse("logout"))
    log_in(client, caseworker)
    response = client.post(TWO_FACTOR, {"token": codes[3]})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]


def test_recovery_codes_are_kept_only_as_keyed_hashes(caseworker):
    _device, codes = set_up(caseworker)
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes}


def test_new_recovery_codes_replace_the_old(client, caseworker, no_wait_after_a_wrong_code):
    device, old_codes = set_up(caseworker)
    log_in(client, caseworker)
    client.post(TWO_FACTOR, {"token": code(device, steps_ahead=1)})
    response = client.post(RECOVERY_CODES)
    assert response.url == RECOVERY_CODES
    new_codes = client.get(RECOVERY_CODES).context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert told(caseworker, "New recovery codes for your account").exists()
    client.post(reverse("logout"))
    log_in(client, caseworker)
    assert client.post(TWO_FACTOR, {"token": old_codes[0]}).status_code == 200
    assert client.post(TWO_FACTOR, {"token": new_codes[0]}).url == reverse("dashboard")


def test_recovery_codes_need_a_confirmed_login(client, caseworker):
    set_up(caseworker)
    log_in(client, caseworker)
    response = client.post(RECOVERY_CODES)
    assert response.url == f"{TWO_FACTOR}?next=%2Faccount%2Ftwo-factor%2Frecovery-codes%2F"
    assert StaticToken.objects.filter(device__user=caseworker).count() == 10
    assert client.get(NEW_APP).url.startswith(TWO_FACTOR)


def test_a_lost_phone_needs_no_admin(client, caseworker, no_wait_after_a_wrong_code):
    old_device, codes = set_up(caseworker)
    log_in(client, caseworker)
    client.post(TWO_FACTOR, {"token": codes[0]})
    page = client.get(NEW_APP)
    assert page.context["replacing"] and "<svg" in page.content.decode()
    new_key = pending_key(client)
    assert client.post(NEW_APP, {"token": "000000"}).context["form"].errors["token"]
    response = client.post(NEW_APP, {"token": code(new_key)})
    assert response.url == RECOVERY_CODES
    assert client.get("/organisations/").status_code == 200
    [device] = TOTPDevice.objects.filter(user=caseworker)
    assert device.key == new_key and device.pk != old_device.pk
    assert told(caseworker, "Your authenticator app was changed").exists()
    client.post(reverse("logout"))
    log_in(client, caseworker)
    assert client.post(TWO_FACTOR, {"token": code(old_device, 1)}).status_code == 200
    assert client.post(TWO_FACTOR, {"token": code(new_key, 1)}).url == reverse("dashboard")


def test_the_account_page_leads_to_the_recovery_codes(client, caseworker):
    device, _codes = set_up(caseworker)
    log_in(client, caseworker)
    client.post(TWO_FACTOR, {"token": code(device, steps_ahead=1)})
    page = client.get(reverse("account")).content.decode()
    assert f'href="{RECOVERY_CODES}"' in page
    page = client.get(RECOVERY_CODES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "10 unused recovery codes" in page


def test_admins_are_asked_too(client, admin_user):
    assert log_in(client, admin_user).url.startswith(TWO_FACTOR)


def test_organisation_members_are_not_asked(client, member):
    assert log_in(client, member).status_code == 200


def test_the_next_parameter_cannot_lead_off_site(client, caseworker):
    device, _codes = set_up(caseworker)
    log_in(client, caseworker)
    response = client.post(
        TWO_FACTOR, {"token": code(device, steps_ahead=1), "next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard")


def test_a_caseworker_can_log_out_before_confirming(client, caseworker):
    log_in(client, caseworker)
    assert client.post(reverse("logout")).url == reverse("login")


def test_public_pages_open_before_the_code(client, caseworker):
    log_in(client, caseworker)
    assert client.get(reverse("password_reset")).status_code == 200
    assert client.get(reverse("account")).url.startswith(TWO_FACTOR)


def test_two_set_ups_at_once_make_one_authenticator(postgres, transactional_db, caseworker):
    """The owner and someone with the password confirm their own secrets at the same time:
    one wins, the other is told an app is already set up (and the owner gets an e-mail)."""
    keys = [default_key() for _ in range(4)]
    made, errors, crashes = at_once(
        [
            lambda key=key: second_factor.confirm_authenticator(caseworker, key, code(key))
            for key in keys
        ],
        describe=lambda error: error.code,  # the view shows "already set up" by its code
    )
    assert crashes == []
    assert len(made) == 1
    assert errors == ["already_set_up"] * 3
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1
    assert StaticToken.objects.filter(device__user=caseworker).count() == 10
