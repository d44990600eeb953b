"""Django admin does not bypass the services: domain rows are read only there, and the changes
an admin needs are admin actions that call the services, with the same refusals. Reference
data stays editable."""

import io
import uuid

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from courses.models import CalendarFeed, EventReminder, Registration
from grants.models import PayoutAccount
from mentoring.models import BehindReminder, Pairing
from organisations import services as organisation_services
from organisations.models import (
    CompetenceArea,
    Language,
    MembershipInvitation,
    MembershipInvitationStatus,
    Organisation,
    RegistrationRequest,
    TargetGroup,
)
from reports.models import JobStatus, ReportJob, ReportKind
from scheme.admin import ReadOnlyAdmin
from scheme.demo import SCHEME
from scheme.models import (
    AwardCondition,
    Event,
    FormSubmission,
    Goal,
    Notification,
    Scheme,
    SchemeYear,
    User,
)
from scheme.personal_data import deactivate_person

PROJECT_APPS = {"scheme", "organisations", "grants", "mentoring", "courses", "reports"}
# No service keeps a rule about these: reference data, the scheme's texts, people's accounts.
EDITABLE = {TargetGroup, Language, CompetenceArea, Scheme, Goal, AwardCondition, User}
DOMAIN = [
    model
    for model in admin.site._registry
    if model._meta.app_label in PROJECT_APPS and model not in EDITABLE
]

# All in one group, so that pytest-django keeps them together under the module's data.
pytestmark = pytest.mark.django_db


def the_rows_the_demo_has_none_of(admin_user):
    """One row of each domain model the demo leaves empty, so that every change page opens."""
    FormSubmission.objects.create(token=uuid.uuid4(), user=admin_user)
    organisation_services.invite_person(
        admin_user,
        Organisation.objects.get(name="AktivNo"),
        email="ny@aktivno.example",
        full_name="Ny Frivillig",
    )
    BehindReminder.objects.create(pairing=Pairing.objects.first(), week="2024-W07")
    CalendarFeed.objects.create(user=admin_user)
    EventReminder.objects.create(registration=Registration.objects.first())
    ReportJob.objects.create(
        kind=ReportKind.CSV_AWARDS, ordered_by=admin_user, title="Tilskudd", status=JobStatus.FAILED
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module; rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        call_command("load_demo", stdout=io.StringIO())
        the_rows_the_demo_has_none_of(User.objects.get(email="admin@imdi.example"))
        yield
        transaction.set_rollback(True)


@pytest.fixture
def admin_client(client, demo):
    """The demo's admin, reading English (the services' messages are compared below)."""
    client.force_login(User.objects.get(email="admin@imdi.example"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_domain_admin_and_its_inlines_use_the_one_read_only_mixin():
    for model in DOMAIN:
        assert isinstance(admin.site._registry[model], ReadOnlyAdmin), model
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for inline in model_admin.inlines:
            if inline.model not in EDITABLE:
                assert issubclass(inline, ReadOnlyAdmin), inline


@pytest.mark.parametrize("model", DOMAIN, ids=lambda m: m._meta.label)
def test_an_admin_views_a_domain_row_but_cannot_add_change_or_delete_it(admin_client, model):
    row = model.objects.order_by("pk").first()
    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "change", row.pk)).status_code == 200
    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "add"), {}).status_code == 403
    assert admin_client.post(url(model, "change", row.pk), {}).status_code == 403
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", sorted(EDITABLE, key=str), ids=lambda m: m._meta.label)
def test_reference_data_stays_editable(admin_client, model):
    row = model.objects.order_by("pk").first()
    assert admin_client.get(url(model, "add")).status_code == 200
    assert admin_client.get(url(model, "change", row.pk)).status_code == 200


def test_a_year_is_changed_through_the_service_not_in_the_scheme_form(admin_client):
    scheme = Scheme.objects.get(slug=SCHEME["slug"])
    page = admin_client.get(url(Scheme, "change", scheme.pk)).content.decode()
    assert 'name="years-0-budget_frame"' not in page
    assert 'name="goals-0-text_nb"' in page


# --- admin actions call the services ----------------------------------------------------------


def act(client, model, action, *rows):
    response = client.post(
        url(model, "changelist"),
        {"action": action, "_selected_action": [row.pk for row in rows], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def test_confirming_a_payout_account_goes_through_the_service(admin_client):
    account = PayoutAccount.objects.get(confirmed_at=None, superseded_at=None)
    admin = User.objects.get(email="admin@imdi.example")
    assert act(admin_client, PayoutAccount, "confirm_payout_account", account) == [
        ("success", f"{account}: confirmed")
    ]
    account.refresh_from_db()
    assert account.confirmed_by == admin
    confirmed_at = account.confirmed_at
    # the service's refusal, shown as an error; the account stays as it was
    assert act(admin_client, PayoutAccount, "confirm_payout_account", account) == [
        ("error", f"{account}: This account is already confirmed.")
    ]
    account.refresh_from_db()
    assert account.confirmed_at == confirmed_at


def test_a_registration_is_approved_once_through_the_service(admin_client):
    registration = RegistrationRequest.objects.get(status="pending")
    assert act(admin_client, RegistrationRequest, "approve_registration", registration) == [
        ("success", f"{registration}: approved")
    ]
    assert Organisation.objects.filter(org_number=registration.org_number).count() == 1
    assert act(admin_client, RegistrationRequest, "approve_registration", registration) == [
        ("error", f"{registration}: This request is already decided.")
    ]
    assert Organisation.objects.filter(org_number=registration.org_number).count() == 1


def test_an_account_is_deactivated_and_opened_again_through_the_services(admin_client):
    """Not through the checkbox: deactivating records it on each organisation and tells the
    person and, where no leader is left, the others."""
    person = User.objects.filter(is_active=True, memberships__isnull=False).order_by("pk").first()
    told = Notification.objects.filter(recipient=person).count()
    assert act(admin_client, User, "deactivate_person", person) == [
        ("success", f"{person}: deactivated")
    ]
    person.refresh_from_db()
    assert not person.is_active
    assert Notification.objects.filter(recipient=person).count() == told + 1
    assert Event.objects.filter(verb="account.deactivated", target_id=person.pk).exists()
    assert act(admin_client, User, "deactivate_person", person) == [
        ("error", f"{person}: This account is already deactivated.")
    ]
    assert act(admin_client, User, "reactivate_person", person) == [
        ("success", f"{person}: opened again")
    ]
    person.refresh_from_db()
    assert person.is_active


def test_the_active_box_is_not_edited_in_the_admin(admin_client):
    person = User.objects.filter(is_active=True).exclude(is_superuser=True).first()
    page = admin_client.get(url(User, "change", person.pk))
    assert page.status_code == 200
    assert 'name="is_active"' not in page.content.decode()


def test_only_an_admin_deactivates_someone_else():
    caseworker = User.objects.get(email="saksbehandler@imdi.example")
    people = User.objects.filter(is_active=True, memberships__isnull=False)
    person = people.exclude(pk=caseworker.pk).first()
    with pytest.raises(PermissionDenied):
        deactivate_person(caseworker, person)
    person.refresh_from_db()
    assert person.is_active


def test_an_invitation_is_withdrawn_and_a_year_opened_through_the_services(admin_client):
    invitation = MembershipInvitation.objects.get(email="ny@aktivno.example")
    assert act(admin_client, MembershipInvitation, "withdraw_invitation", invitation) == [
        ("success", f"{invitation}: withdrawn")
    ]
    invitation.refresh_from_db()
    assert invitation.status == MembershipInvitationStatus.WITHDRAWN
    scheme = Scheme.objects.get(slug=SCHEME["slug"])
    latest = scheme.years.order_by("-year").first().year
    assert act(admin_client, Scheme, "open_next_year", scheme) == [("success", f"{scheme}: opened")]
    assert SchemeYear.objects.filter(scheme=scheme, year=latest + 1).exists()


def test_a_failed_report_is_tried_again_through_the_service(admin_client):
    job = ReportJob.objects.get(status=JobStatus.FAILED)
    assert act(admin_client, ReportJob, "retry", job) == [("success", f"{job}: queued again")]
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
