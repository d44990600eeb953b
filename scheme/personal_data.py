"""A person's own data, an organisation's data, and deactivating an account.

An export is a ZIP: ``data.json`` with a section per app (each app says what it holds through
``scheme.registry.register_personal_data``) and the stored files the sections name. It is
written to a temporary file (in memory while small) that the view streams to the browser.
"""

import json
import shutil
import tempfile
import zipfile

from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from scheme import audit, registry
from scheme.models import Event, Notification
from scheme.notifications import notify
from scheme.roles import MemberRole, access_for, forget_access, require
from scheme.verbs import event_verb

DATA_EXPORTED = event_verb("account.data_exported", _("downloaded their own data"))
ACCOUNT_DEACTIVATED = event_verb("account.deactivated", _("deactivated the account"))
ACCOUNT_REACTIVATED = event_verb("account.reactivated", _("reactivated the account"))
MEMBER_DEACTIVATED = event_verb(
    "organisation.member_deactivated", _("deactivated an account (the membership is kept)")
)

# Exports are built in memory up to this size, then in a temporary file on disk.
SPOOL_BYTES = 10 * 1024 * 1024


def _profile(user) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "language": user.language,
        "joined": user.date_joined,
        "last_login": user.last_login,
        "active": user.is_active,
        "authenticator_app_set_up": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "linked_to_idporten": user.linked_to_idporten,
    }


def _timeline(user) -> list[dict]:
    events = Event.objects.filter(actor=user).select_related("target_type").order_by("created_at")
    return [
        {
            "time": event.created_at,
            "what": str(event.description),
            "detail": event.detail,
            "about": f"{event.target_type.app_label}.{event.target_type.model}",
            "about_id": event.target_id,
        }
        for event in events
    ]


def _login_records(user) -> dict:
    fields = ["attempt_time", "ip_address", "user_agent"]
    return {
        "logins": list(
            AccessLog.objects.filter(username__iexact=user.email)
            .order_by("attempt_time")
            .values(*fields, "logout_time")
        ),
        "failed_logins": list(
            AccessFailureLog.objects.filter(username__iexact=user.email)
            .order_by("attempt_time")
            .values(*fields, "locked_out")
        ),
    }


def scheme_part(user) -> registry.DataPart:
    """What the core holds about a person: the account, notifications, the timeline events
    they caused and the records of their logins."""
    notifications = Notification.objects.filter(recipient=user).order_by("created_at")
    return registry.DataPart(
        "account",
        {
            "profile": _profile(user),
            "notifications": list(
                notifications.values(
                    "created_at", "subject", "body", "url", "email_to", "emailed_at", "read_at"
                )
            ),
            "timeline": _timeline(user),
            **_login_records(user),
        },
    )


def write_zip(about: dict, parts, out) -> None:
    """Write the export of ``parts`` to the binary file ``out``. A stored file that is gone
    (a restore without the files) is listed under ``missing_files`` instead."""
    written, missing = set(), []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            for entry in part.files:
                if entry.path in written:
                    continue
                try:
                    with entry.file.open("rb") as source, archive.open(entry.path, "w") as target:
                        shutil.copyfileobj(source, target)
                except FileNotFoundError:
                    missing.append(entry.path)
                else:
                    written.add(entry.path)
        data = {
            "exported_at": timezone.now(),
            **about,
            **{part.name: part.records for part in parts},
            "missing_files": missing,
        }
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )


def spooled_file():
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


@transaction.atomic
def export_person(actor):
    """The actor's own data as a ZIP in a temporary file, ready to be read from the start."""
    parts = [scheme_part(actor), *registry.person_data(actor)]
    out = spooled_file()
    write_zip({"person": {"id": actor.pk, "email": actor.email}}, parts, out)
    out.seek(0)
    audit.record(actor, DATA_EXPORTED, actor)
    return out


# --- deactivating an account ---------------------------------------------------------------


def left_without_leader(user) -> list:
    """The memberships through which ``user`` is the only active leader of an organisation:
    deactivating the account leaves these organisations without a leader."""
    led = user.memberships.filter(role=MemberRole.LEADER)
    other_leaders = (
        user.memberships.model.objects.filter(
            organisation_id__in=led.values("organisation_id"),
            role=MemberRole.LEADER,
            user__is_active=True,
        )
        .exclude(user=user)
        .values("organisation_id")
    )
    return list(
        led.exclude(organisation_id__in=other_leaders)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def _lock_leaders(user) -> None:
    """Lock the leader memberships of the organisations the user leads, in a fixed order, so
    that two leaders deactivating at once cannot both leave thinking the other stays."""
    led = user.memberships.filter(role=MemberRole.LEADER).values("organisation_id")
    leaders = user.memberships.model.objects.filter(organisation_id__in=led, role=MemberRole.LEADER)
    list(leaders.select_for_update().order_by("pk").values_list("pk", flat=True))


def _tell_the_others(user, memberships) -> None:
    """Tell the other people of each organisation left without a leader what that means."""
    for membership in memberships:
        colleagues = membership.organisation.memberships.exclude(user=user).select_related("user")
        notify(
            [colleague.user for colleague in colleagues],
            _("{organisation} has no leader in the portal now"),
            _(
                "The account of {person} is deactivated; they were the only leader of "
                "{organisation} in the portal. Until someone is made leader, nobody can invite "
                "people to the organisation or change their roles. Ask your caseworker to make "
                "one of you leader."
            ),
            url=reverse("organisations:people", args=[membership.organisation_id]),
            person=user,
            organisation=membership.organisation.name,
        )


@transaction.atomic
def deactivate_account(
    actor, *, password: str = "", idporten_session: bool = False, leaving_leaderless: bool = False
) -> list:
    """Deactivate the actor's own account after checking their password (an account made
    through ID-porten has none: then the actor must be logged in with ID-porten now).

    The account and its memberships stay for the case record; the person can no longer log
    in. When the actor is the only active leader of an organisation, ``leaving_leaderless``
    must say they understand; the organisation's other people are told. Returns the
    memberships left without a leader.
    """
    user = get_user_model().objects.select_for_update().get(pk=actor.pk)
    if not user.is_active:
        raise ValidationError(_("This account is already deactivated."))
    if user.has_usable_password():
        if not user.check_password(password):
            raise ValidationError({"password": _("The password is wrong.")})
    elif not idporten_session:
        raise ValidationError(_("Log in with ID-porten to deactivate the account."))
    _lock_leaders(user)
    leaderless = left_without_leader(user)
    if leaderless and not leaving_leaderless:
        raise ValidationError(
            {
                "leaving_leaderless": _(
                    "Tick the box to confirm that you understand what happens to the "
                    "organisations you are the only leader of."
                )
            }
        )
    notify(
        [user],
        _("Your account is deactivated"),
        _(
            "Your account in the grant portal is deactivated, and you can no longer log in. "
            "If you did not do this, contact the administering body at once."
        ),
    )
    _deactivate(actor, user, leaderless)
    forget_access(actor)
    return leaderless


@transaction.atomic
def deactivate_person(actor, person) -> list:
    """An admin deactivates someone else's account (a person who has left, a misused
    account): the same record and notices as when people do it themselves."""
    require(access_for(actor).is_admin)
    user = get_user_model().objects.select_for_update().get(pk=person.pk)
    if not user.is_active:
        raise ValidationError(_("This account is already deactivated."))
    if user.pk == actor.pk:
        raise ValidationError(_("Deactivate your own account from your profile page."))
    _lock_leaders(user)
    leaderless = left_without_leader(user)
    notify(
        [user],
        _("Your account is deactivated"),
        _(
            "An administrator of the grant portal has deactivated your account, and you can no "
            "longer log in. Contact the administering body if you think this is a mistake."
        ),
    )
    _deactivate(actor, user, leaderless)
    return leaderless


@transaction.atomic
def reactivate_person(actor, person) -> None:
    """An admin opens a deactivated account again; the person's memberships are as they were."""
    require(access_for(actor).is_admin)
    user = get_user_model().objects.select_for_update().get(pk=person.pk)
    if user.is_active:
        raise ValidationError(_("This account is active."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(actor, ACCOUNT_REACTIVATED, user)
    notify(
        [user],
        _("Your account is open again"),
        _("An administrator of the grant portal has opened your account again; you can log in."),
    )


def _deactivate(actor, user, leaderless) -> None:
    """Record the deactivation on each organisation (and say when it is left without a
    leader), tell the others there, and close the account; the rows stay for the case record."""
    _tell_the_others(user, leaderless)
    without_leader = {membership.pk for membership in leaderless}
    for membership in user.memberships.select_related("organisation"):
        detail = str(user)
        if membership.pk in without_leader:
            detail += " – " + str(_("the organisation has no active leader now"))
        audit.record(actor, MEMBER_DEACTIVATED, membership.organisation, detail)
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(actor, ACCOUNT_DEACTIVATED, user)
    forget_access(user)
