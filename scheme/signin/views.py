"""The pages of signing in with ID-porten, of signing up by e-mail, and of logging out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from scheme.forms import EmailAuthenticationForm
from scheme.middleware import client_ip
from scheme.signin import idporten, links, services
from scheme.signin.forms import AddressForm, ChoosePasswordForm, SignUpForm
from scheme.web import add_service_errors

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Where to go after the ID-porten login, kept in the session over the round trip.
NEXT_KEY = "idporten_next"
# The address the last link was sent to, for the page after.
SENT_KEY = "address_sent"


def _safe(request, target: str, default: str = "dashboard") -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


def _log_in(request, user, identity=None) -> None:
    """Log the person in; after an ID-porten login, keep what logging out needs (and the
    login counts as two factors)."""
    login(request, user, backend=MODEL_BACKEND)
    if identity is not None:
        idporten.remember_login(request, identity)


def _already_in(request, data: dict) -> bool:
    """The link was used already, and its account is logged in here (a second click)."""
    return request.user.is_authenticated and request.user.email == data["email"]


def _require_enabled() -> None:
    if not idporten.enabled():
        raise Http404


# --- ID-porten ------------------------------------------------------------------------------


@login_not_required
def idporten_login(request):
    """Send the browser to ID-porten."""
    _require_enabled()
    request.session[NEXT_KEY] = _safe(request, request.GET.get("next", ""))
    try:
        return idporten.login_redirect(request)
    except idporten.SignInRefused as refusal:
        idporten.log_refusal(refusal)
        messages.error(request, refusal.message)
        return redirect("login")


@login_not_required
@never_cache
def idporten_callback(request):
    """ID-porten's answer: log in the person it names, or ask a newcomer for an address."""
    _require_enabled()
    try:
        identity = idporten.identity_from_callback(request)
    except idporten.SignInRefused as refusal:
        idporten.log_refusal(refusal)
        messages.error(request, refusal.message)
        return redirect("login")
    next_url = request.session.pop(NEXT_KEY, "") or reverse("dashboard")
    person = services.person_for(identity)
    if person is None:
        idporten.keep_pending(request.session, identity)
        if request.user.is_authenticated:
            return redirect("idporten_link")
        if _is_confirm_link(next_url):
            return redirect(next_url)
        return redirect("idporten_welcome")
    if not person.is_active:
        messages.error(request, services.INACTIVE)
        return redirect("login")
    if request.user.is_authenticated and request.user.pk != person.pk:
        messages.error(request, services.LINKED_ELSEWHERE)
        return redirect("dashboard")
    _log_in(request, person, identity)
    return redirect(next_url)


def _is_confirm_link(url: str) -> bool:
    try:
        return resolve(url.split("?")[0]).url_name == "idporten_confirm"
    except Resolver404:
        return False


@login_not_required
def idporten_welcome(request):
    """The first ID-porten login of someone the portal does not know: their name and e-mail
    address, to confirm by a link; or their password, if they have an account."""
    _require_enabled()
    if idporten.pending(request.session) is None:
        messages.info(request, services.NO_PENDING_LOGIN)
        return redirect("login")
    form = AddressForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_idporten_address(
                request.session,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                client=client_ip(request),
            )
        except services.EmailNotSent:
            form.add_error(None, _("The e-mail could not be sent just now. Try again shortly."))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _address_sent(request, form.cleaned_data["email"], after_idporten=True)
    login_url = f"{reverse('login')}?{urlencode({'next': reverse('idporten_link')})}"
    return render(request, "scheme/signin/welcome.html", {"form": form, "login_url": login_url})


@login_not_required
def idporten_confirm(request, token):
    """The e-mailed link after a first ID-porten login: make the account or link it."""
    _require_enabled()
    data = links.read(token, links.IDPORTEN)
    if data is None:
        return render(request, "scheme/signin/link_expired.html", status=410)
    if _already_in(request, data):
        return redirect("dashboard")
    if not services.link_matches(request.session, data):
        start = f"{reverse('idporten_login')}?{urlencode({'next': request.path})}"
        return render(request, "scheme/signin/confirm_elsewhere.html", {"start_url": start})
    if request.method == "POST":
        try:
            user = services.confirm_idporten_address(request.session, data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("login")
        identity = idporten.pending(request.session)
        idporten.forget_pending(request.session)
        _log_in(request, user, identity)
        messages.success(request, _("Welcome! You are logged in with ID-porten."))
        return redirect("dashboard")
    context = {"email": data["email"], "name": data["name"]}
    return render(request, "scheme/signin/confirm.html", context)


def idporten_link(request):
    """Link the ID-porten login waiting in the session to the account just logged in to."""
    _require_enabled()
    identity = idporten.pending(request.session)
    if identity is None:
        messages.info(request, services.NO_PENDING_LOGIN)
        return redirect("dashboard")
    if request.method == "POST":
        try:
            services.link_idporten(request.user, request.session)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            idporten.remember_login(request, identity)
            messages.success(request, _("Your account is linked to ID-porten."))
        idporten.forget_pending(request.session)
        return redirect("dashboard")
    return render(request, "scheme/signin/link.html")


@login_not_required
def idporten_logged_out(request):
    """Where ID-porten sends the browser back after logging out there too."""
    messages.info(request, _("You are logged out of the portal and of ID-porten."))
    return redirect("login")


@login_not_required
@xframe_options_exempt
@never_cache
def idporten_frontchannel_logout(request):
    """Front-channel logout: ID-porten loads this in a hidden frame when the person logs out
    of another service; the portal session of that ID-porten session ends."""
    _require_enabled()
    session_store = import_string(settings.SESSION_ENGINE).SessionStore
    idporten.end_sessions_of(request.GET.get("iss", ""), request.GET.get("sid", ""), session_store)
    response = HttpResponse(status=200)
    response._csp_replace = {"frame-ancestors": [idporten.issuer_origin()]}
    return response


@require_POST
@login_not_required
def logout_view(request):
    """Log out of the portal; after an ID-porten login, of ID-porten too (RP-initiated
    logout: the browser goes there and comes back)."""
    end_session_url = idporten.logout_url(request.session) if request.user.is_authenticated else ""
    logout(request)
    if end_session_url:
        return redirect(end_session_url)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- signing up by e-mail -------------------------------------------------------------------


def _address_sent(request, email: str, *, after_idporten: bool):
    """Redirect to the page that says where the link went (the same page whether the
    address has an account), so that reloading it sends nothing again."""
    request.session[SENT_KEY] = {"email": email, "after_idporten": after_idporten}
    return redirect("address_sent")


@login_not_required
def address_sent(request):
    sent = request.session.get(SENT_KEY)
    if not sent:
        return redirect("login")
    return render(request, "scheme/signin/address_sent.html", sent)


@login_not_required
def sign_up(request):
    """Name, e-mail address and password; the account is made when the e-mailed link is
    opened. The next page is the same whether the address has an account."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_sign_up(
                request.session,
                full_name=data["full_name"],
                email=data["email"],
                password=data["password1"],
                client=client_ip(request),
            )
        except services.EmailNotSent:
            form.add_error(None, _("The e-mail could not be sent just now. Try again shortly."))
        else:
            return _address_sent(request, data["email"], after_idporten=False)
    return render(request, "registration/sign_up.html", {"form": form})


@login_not_required
def sign_up_confirm(request, token):
    """The e-mailed sign-up link: the account is made, with the password chosen when signing
    up in this browser, or one chosen here."""
    data = links.read(token, links.SIGN_UP)
    if data is None:
        return render(request, "scheme/signin/link_expired.html", status=410)
    if _already_in(request, data):
        return redirect("dashboard")
    waiting = bool(services.password_waiting(request.session, data))
    form = (
        None
        if waiting
        else ChoosePasswordForm(request.POST or None, email=data["email"], full_name=data["name"])
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        password = "" if form is None else form.cleaned_data["password1"]
        try:
            user = services.create_signed_up_account(request.session, data, password)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("login")
        _log_in(request, user)
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("dashboard")
    context = {"form": form, "email": data["email"], "name": data["name"]}
    return render(request, "registration/sign_up_confirm.html", context)


class LoginView(auth_views.LoginView):
    """E-mail and password, with the ID-porten button beside them when it is switched on."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if idporten.enabled():
            query = urlencode({"next": context.get("next") or ""})
            context["idporten_url"] = f"{reverse('idporten_login')}?{query}"
        return context
