import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from scheme.audit import timeline
from tests.factories import PASSWORD

TWO_FACTOR = reverse("two_factor")


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(reverse("dashboard"))


def test_a_caseworker_sets_up_an_authenticator_on_first_login(client, caseworker):
    response = log_in(client, caseworker)
    assert response.status_code == 302
    assert response.url.startswith(TWO_FACTOR)
    page = client.get(response.url)
    assert page.context["setting_up"]
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=caseworker, confirmed=False)
    response = client.post(TWO_FACTOR, {"token": code(device), "next": "/organisations/"})
    assert response.url == "/organisations/"
    assert client.get("/organisations/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert timeline(caseworker)[0].verb == "account.second_factor_added"


def test_a_wrong_code_is_refused_with_a_clear_message(client, caseworker):
    log_in(client, caseworker)
    client.get(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"token": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert client.get("/organisations/").status_code == 302
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()


def test_a_code_must_be_six_digits(client, caseworker):
    log_in(client, caseworker)
    response = client.post(TWO_FACTOR, {"token": "12ab"})
    assert response.context["form"].errors["token"]


def test_the_next_login_asks_for_a_code_not_a_new_setup(client, caseworker):
    device = TOTPDevice.objects.create(user=caseworker, name="app", confirmed=True)
    log_in(client, caseworker)
    page = client.get(TWO_FACTOR)
    assert not page.context["setting_up"]
    assert "<svg" not in page.content.decode()
    response = client.post(TWO_FACTOR, {"token": code(device)})
    assert response.url == reverse("dashboard")
    assert TOTPDevice.objects.filter(user=caseworker).count() == 1


def test_admins_are_asked_too(client, admin_user):
    assert log_in(client, admin_user).url.startswith(TWO_FACTOR)


def test_organisation_members_are_not_asked(client, member):
    assert log_in(client, member).status_code == 200


def test_the_next_parameter_cannot_lead_off_site(client, caseworker):
    device = TOTPDevice.objects.create(user=caseworker, name="app", confirmed=True)
    log_in(client, caseworker)
    response = client.post(TWO_FACTOR, {"token": code(device), "next": "https://evil.example/"})
    assert response.url == reverse("dashboard")


def test_a_caseworker_can_log_out_before_confirming(client, caseworker):
    log_in(client, caseworker)
    assert client.post(reverse("logout")).url == reverse("login")
