"""The privacy and accessibility statements, a person's own data and deactivating an account.

The statements are open to everyone (linked from every page's footer), read nothing from the
database and may be kept by the browser for a while. Their contact details come from
settings (environment variables); how long the portal keeps what comes from the retention
table (scheme/retention.py), the same rules the daily task applies.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_cookie

from scheme import personal_data, ratelimit
from scheme.retention import RULES
from scheme.roles import MemberRole
from scheme.signin import idporten
from scheme.web import add_service_errors

# When the accessibility statement was last checked against the portal; change it with the
# statement.
ACCESSIBILITY_REVIEWED = datetime.date(2026, 12, 6)

# Building an export reads everything a person or an organisation has: ten an hour is plenty.
EXPORTS_PER_HOUR = 10
# Password guesses on the deactivation form.
DEACTIVATION_TRIES = (5, 15 * 60)


def _statement(view):
    """Open to everyone; the browser may keep the page for an hour, apart for each cookie
    (language, login)."""
    return login_not_required(cache_control(private=True, max_age=3600)(vary_on_cookie(view)))


def _contacts() -> dict:
    return {
        "controller": settings.PRIVACY_CONTROLLER,
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "dpo_email": settings.PRIVACY_DPO_EMAIL,
        "processors": settings.PRIVACY_PROCESSORS,
        "accessibility_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
    }


@_statement
def privacy_statement(request):
    return render(request, "scheme/privacy.html", {**_contacts(), "rules": RULES})


@_statement
def accessibility_statement(request):
    return render(
        request,
        "scheme/accessibility.html",
        {**_contacts(), "reviewed": ACCESSIBILITY_REVIEWED},
    )


def export_response(out, file_name: str) -> FileResponse:
    return FileResponse(out, as_attachment=True, filename=file_name, content_type="application/zip")


def within_export_limit(request, key) -> bool:
    """Count one export for ``key``; tell the user when they have made too many just now."""
    if ratelimit.hit("data-export", key, limit=EXPORTS_PER_HOUR, seconds=60 * 60):
        return True
    messages.error(request, _("You have downloaded many exports just now. Try again in an hour."))
    return False


def my_data(request):
    led = request.user.memberships.filter(role=MemberRole.LEADER).select_related("organisation")
    return render(request, "scheme/my_data.html", {"led": led})


@require_POST
def my_data_download(request):
    if not within_export_limit(request, f"person:{request.user.pk}"):
        return redirect("my_data")
    out = personal_data.export_person(request.user)
    return export_response(out, f"personal-data-{timezone.localdate():%Y-%m-%d}.zip")


class DeactivateForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, leaderless=(), has_password=True, **kwargs):
        """Without a password (an account made through ID-porten) the ID-porten login of this
        session is the proof, and a tick confirms."""
        super().__init__(*args, **kwargs)
        if not has_password:
            del self.fields["password"]
            self.fields["confirm"] = forms.BooleanField(
                label=gettext_lazy("Yes, deactivate my account."), required=True
            )
        if leaderless:
            self.fields["leaving_leaderless"] = forms.BooleanField(
                label=gettext_lazy(
                    "I understand that these organisations will have no leader in the portal."
                ),
                required=False,
            )


def deactivate(request):
    leaderless = personal_data.left_without_leader(request.user)
    has_password = request.user.has_usable_password()
    form = DeactivateForm(request.POST or None, leaderless=leaderless, has_password=has_password)
    if request.method == "POST" and form.is_valid():
        tries, seconds = DEACTIVATION_TRIES
        if not ratelimit.hit("deactivate", request.user.pk, limit=tries, seconds=seconds):
            form.add_error(None, _("Too many tries. Wait a quarter of an hour."))
        else:
            try:
                personal_data.deactivate_account(
                    request.user,
                    password=form.cleaned_data.get("password", ""),
                    idporten_session=idporten.counts_as_second_factor(request.session),
                    leaving_leaderless=form.cleaned_data.get("leaving_leaderless", False),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                logout(request)
                messages.success(request, _("Your account is deactivated. You are logged out."))
                return redirect("landing")
    return render(request, "scheme/deactivate.html", {"form": form, "leaderless": leaderless})
