import base64
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.styles.moduledrawers.svg import SvgPathSquareDrawer

from scheme import notifications, second_factor, services
from scheme.auth import password_reset_allowed
from scheme.compiled import kept
from scheme.forms import (
    AccountForm,
    AuthenticatorCodeForm,
    SchemeYearRulesForm,
    SecondFactorForm,
)
from scheme.middleware import client_ip
from scheme.models import Notification, Scheme, SchemeYear
from scheme.public import public_page, schemes_for_the_public
from scheme.registry import due_items_for, panels_for, public_sections
from scheme.roles import access_for
from scheme.web import add_service_errors, only_or_404, paginate


class PasswordReset(auth_views.PasswordResetView):
    """Sends the link within the limits per address and per client (scheme.auth). The next
    page is the same whether the address has an account and whether a limit was reached, so
    it reveals neither."""

    def form_valid(self, form):
        if password_reset_allowed(form.cleaned_data["email"], client_ip(self.request)):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Choosing a new password also lifts a lock-out from too many failed logins, so the
    advice on the lock-out page ("reset your password") works at once."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.email)
        return response


@public_page
def landing(request):
    """The front door: the calls open now and soon, how to apply and the schemes, gathered
    from the apps (``scheme.registry.public_sections``). Someone logged in goes on to their
    overview; the public pages stay open to them from the footer."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    context = {"sections": public_sections(), "schemes": schemes_for_the_public()}
    return render(request, "scheme/landing.html", context)


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


@kept(params=["slug"])
def _scheme_page(slug):
    """The scheme with its goals, conditions and years (newest first)."""
    schemes = Scheme.objects.select_related("administrator").prefetch_related(
        "goals",
        "conditions",
        Prefetch("years", queryset=SchemeYear.objects.order_by("-year")),
    )
    return schemes.filter(slug=slug)


def scheme_detail(request, slug):
    scheme = only_or_404(_scheme_page(slug=slug))
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


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class _SquarePaths(SvgPathSquareDrawer):
    """The library's square drawer, the same path, with the text of each edge worked out once
    per code rather than for every square (in Decimals: half the page's time)."""

    def initialize(self, *args, **kwargs) -> None:
        super().initialize(*args, **kwargs)
        self._edges = {}

    def _edges_at(self, start) -> tuple[str, str]:
        """The near and far edge at ``start`` pixels, as ``coords`` and ``units`` give them."""
        edges = self._edges.get(start)
        if edges is None:
            near = start + self.box_delta
            units = self.img.units
            edges = f"{units(near, text=False)}", f"{units(near + self.box_size, text=False)}"
            self._edges[start] = edges
        return edges

    def subpath(self, box) -> str:
        (x0, x1), (y0, y1) = self._edges_at(box[0][0]), self._edges_at(box[0][1])
        return f"M{x0},{y0}H{x1}V{y1}H{x0}z"


def _qr_code_svg(text: str) -> str:
    """The QR code as inline SVG. Its mask is fixed: any of the eight is valid and read by every
    app, and trying all eight for the most even one took two thirds of the page's time."""
    code = qrcode.QRCode(image_factory=qrcode.image.svg.SvgPathImage, box_size=8, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(module_drawer=_SquarePaths(), eye_drawer=_SquarePaths())
    return image.to_string(encoding="unicode").split("?>", 1)[-1]


def _set_up_context(request, key: str) -> dict:
    """The QR code and the typed key for the app being set up in this session."""
    config_url = TOTPDevice(user=request.user, key=key).config_url
    return {
        "qr_code": _qr_code_svg(config_url),
        "secret": base64.b32encode(unhexlify(key)).decode(),
    }


def _verified_login(request, device) -> None:
    """Mark the login confirmed by ``device``, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


def two_factor(request):
    """Type the code (or a recovery code) to finish a caseworker's login, or set up the app."""
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    if second_factor.confirmed_authenticator(request.user) is None:
        return _set_up_authenticator(request, next_url)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify_second_factor(request.user, form.cleaned_data["token"])
        if device is not None:
            _verified_login(request, device)
            return redirect(next_url)
        form.add_error(
            "token",
            _(
                "The code is wrong, too old or already used. Wait a few seconds and type the "
                "code the app shows now."
            ),
        )
    return render(
        request, "scheme/two_factor.html", {"form": form, "next": next_url, "setting_up": False}
    )


def _set_up_authenticator(request, next_url):
    """The first login: scan the secret of this session into the app and type its code.
    Ten recovery codes are shown once afterwards."""
    key = second_factor.pending_key(request.session)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor.confirm_authenticator(
                request.user, key, form.cleaned_data["token"]
            )
        except ValidationError as error:
            if error.code == "already_set_up":
                messages.info(request, error.message)
                return redirect(_with_next("two_factor", next_url))
            form.add_error("token", error)
        else:
            _verified_login(request, device)
            request.session.pop(second_factor.PENDING_KEY, None)
            request.session[second_factor.NEW_RECOVERY_CODES] = codes
            return redirect(_with_next("two_factor_recovery_codes", next_url))
    context = {"form": form, "next": next_url, "setting_up": True}
    return render(request, "scheme/two_factor.html", context | _set_up_context(request, key))


def two_factor_replace(request):
    """Move the second factor to a new app (a new phone). The login must be confirmed first,
    with the old app or a recovery code; the new app replaces the old at its first code."""
    if not request.user.is_verified():
        return redirect(_with_next("two_factor", request.get_full_path()))
    key = second_factor.pending_key(request.session)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.replace_authenticator(
                request.user, key, form.cleaned_data["token"]
            )
        except ValidationError as error:
            form.add_error("token", error)
        else:
            _verified_login(request, device)
            request.session.pop(second_factor.PENDING_KEY, None)
            messages.success(request, _("The new app is set up. The old one no longer works."))
            return redirect("two_factor_recovery_codes")
    context = {"form": form, "setting_up": True, "replacing": True}
    return render(request, "scheme/two_factor.html", context | _set_up_context(request, key))


def two_factor_recovery_codes(request):
    """How many recovery codes are left, and new ones on request; codes just made are
    shown once."""
    if not request.user.is_verified():
        return redirect(_with_next("two_factor", request.get_full_path()))
    if request.method == "POST":
        codes = second_factor.renew_recovery_codes(request.user)
        request.session[second_factor.NEW_RECOVERY_CODES] = codes
        return redirect("two_factor_recovery_codes")
    context = {
        "codes": request.session.pop(second_factor.NEW_RECOVERY_CODES, None),
        "codes_left": second_factor.recovery_codes_left(request.user),
        "next": _safe_next(request, default="account"),
    }
    return render(request, "scheme/two_factor_recovery_codes.html", context)
