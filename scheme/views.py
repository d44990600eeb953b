import base64

import qrcode
import qrcode.image.svg
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from scheme import notifications, services
from scheme.forms import AccountForm, SchemeYearRulesForm, SecondFactorForm
from scheme.models import Notification, Scheme, SchemeYear
from scheme.registry import due_items_for, panels_for
from scheme.roles import access_for
from scheme.web import add_service_errors, paginate


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Choosing a new password also lifts a lock-out from too many failed logins, so the
    advice on the lock-out page ("reset your password") works at once."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.email)
        return response


@login_not_required
def landing(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "scheme/landing.html")


def dashboard(request):
    return render(
        request,
        "scheme/dashboard.html",
        {"panels": panels_for(request), "due_items": due_items_for(request.user)},
    )


def notification_list(request):
    page = paginate(request, Notification.objects.filter(recipient=request.user))
    return render(request, "scheme/notifications.html", {"page": page})


def notification_open(request, pk):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(request.user, [notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


@require_POST
def notifications_mark_all_read(request):
    count = notifications.mark_read(request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications")


def account(request):
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_account(request.user, **form.cleaned_data)
        messages.success(request, _("Your account details are saved."))
        return redirect("account")
    return render(request, "scheme/account.html", {"form": form})


def scheme_list(request):
    schemes = Scheme.objects.select_related("administrator").order_by("-is_active", "name")
    return render(request, "scheme/scheme_list.html", {"schemes": schemes})


def scheme_detail(request, slug):
    scheme = get_object_or_404(
        Scheme.objects.select_related("administrator").prefetch_related(
            "goals",
            "conditions",
            Prefetch("years", queryset=SchemeYear.objects.order_by("-year")),
        ),
        slug=slug,
    )
    return render(
        request,
        "scheme/scheme_detail.html",
        {"scheme": scheme, "can_administer": access_for(request.user).administers(scheme)},
    )


def _administered_year(request, slug, year):
    scheme_year = get_object_or_404(
        SchemeYear.objects.select_related("scheme"), scheme__slug=slug, year=year
    )
    if not access_for(request.user).administers(scheme_year.scheme):
        raise PermissionDenied
    return scheme_year


def scheme_year_edit(request, slug, year):
    scheme_year = _administered_year(request, slug, year)
    form = SchemeYearRulesForm(request.POST or None, instance=scheme_year)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_year_rules(request.user, scheme_year, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rules for %(year)s are saved.") % {"year": year})
            return redirect("scheme_detail", slug=slug)
    return render(request, "scheme/scheme_year_form.html", {"form": form, "year": scheme_year})


@require_POST
def scheme_year_open_next(request, slug):
    scheme = get_object_or_404(Scheme, slug=slug)
    try:
        year = services.open_next_year(request.user, scheme)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(year)s is opened with last year's rules. Check them before the call opens.")
            % {"year": year.year},
        )
    return redirect("scheme_detail", slug=slug)


def _safe_next(request, default="dashboard"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


def _qr_code_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode").split("?>", 1)[-1]


def two_factor(request):
    """Set up an authenticator app, or type its code, to finish a caseworker's login."""
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    device = services.authenticator_for(request.user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.check_second_factor(request.user, device, form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("token", _("The code is wrong or too old. Type the code the app shows now."))
    context = {"form": form, "next": next_url, "setting_up": not device.confirmed}
    if not device.confirmed:
        context.update(
            qr_code=_qr_code_svg(device.config_url),
            secret=base64.b32encode(device.bin_key).decode(),
        )
    return render(request, "scheme/two_factor.html", context)
