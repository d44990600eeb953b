"""The pages of the front door: a person registers their organisation from its number, a
caseworker approves or rejects the registration, and a person asks to join an organisation
that is registered already (its leaders answer on the people page)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations import services
from organisations.eligibility import check_eligibility
from organisations.forms import (
    JoinAnswerForm,
    JoinRequestForm,
    JoinSearchForm,
    OrgNumberField,
    OrgNumberForm,
    RegistrationForm,
    RejectionForm,
)
from organisations.models import (
    JoinRequest,
    Organisation,
    RegistrationRequest,
    RegistrationStatus,
)
from organisations.orgnr import format_orgnr
from organisations.views import form_values, register_entry
from scheme import ratelimit
from scheme.models import SchemeYear
from scheme.roles import Role, access_for, require, require_role
from scheme.web import add_service_errors, get_visible_or_404, paginate

# The register's answer for the number being registered, kept in the session between the two
# steps, so that the request records what the register said (not what the browser sends back).
REGISTER_ENTRY_KEY = "organisations.register_entry"
# "A few results": enough to pick one's own organisation, too few to page through the register.
SEARCH_RESULTS = 5
SEARCHES_PER_PERSON = (60, 60 * 60)


# Registering -------------------------------------------------------------------------------------


def _remember_entry(request, number, entry) -> None:
    values = entry.as_initial() if entry is not None else None
    if values and "founded" in values:
        values["founded"] = values["founded"].isoformat()
    request.session[REGISTER_ENTRY_KEY] = {"number": number, "entry": values}


def _remembered_entry(request, number) -> dict | None:
    remembered = request.session.get(REGISTER_ENTRY_KEY) or {}
    return remembered.get("entry") if remembered.get("number") == number else None


def _taken(form, number):
    """When the number is registered or waits for approval, say so on the form; returns the
    registered organisation the person may ask to join, if any."""
    try:
        services.check_number_is_free(number)
    except ValidationError as error:
        form.add_error("org_number", error)
        if error.code == "registered":
            return Organisation.objects.findable().filter(org_number=number).first()
    return None


def _start_page(request, form, existing=None):
    is_member = existing is not None and access_for(request.user).is_member_of(existing.pk)
    return render(
        request,
        "organisations/register_start.html",
        {"form": form, "existing": existing, "is_member": is_member},
    )


def register_start(request):
    """Step 1: the number. A registered organisation is offered to join instead; otherwise the
    register is asked and the person goes on to the details."""
    form = OrgNumberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["org_number"]
        existing = _taken(form, number)
        if form.is_valid():
            _remember_entry(request, number, register_entry(request, number))
            return redirect("organisations:register_details", org_number=number)
        return _start_page(request, form, existing)
    return _start_page(request, form)


def _valid_number(org_number) -> str:
    try:
        return OrgNumberField().clean(org_number)
    except ValidationError:
        raise Http404 from None


def register_details(request, org_number):
    """Step 2: the details, filled from the register, and what the person adds; sent to the
    caseworkers."""
    number = _valid_number(org_number)
    if request.method == "GET":
        number_form = OrgNumberForm({"org_number": number})
        number_form.is_valid()
        existing = _taken(number_form, number)
        if not number_form.is_valid():
            return _start_page(request, number_form, existing)
    entry = _remembered_entry(request, number)
    form = RegistrationForm(request.POST or None, initial=form_values(entry or {}))
    if request.method == "POST" and form.is_valid():
        token = form.pop_form_token(data := dict(form.cleaned_data))
        try:
            registration = services.request_registration(
                request.user, org_number=number, register_data=entry, form_token=token, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session.pop(REGISTER_ENTRY_KEY, None)
            messages.success(
                request,
                _(
                    "Thank you. Your registration is sent to the caseworkers. You get an e-mail "
                    "when it is decided."
                ),
            )
            return redirect("organisations:registration", pk=registration.pk)
    return render(
        request,
        "organisations/register_form.html",
        {"form": form, "org_number": format_orgnr(number), "from_register": entry is not None},
    )


def newest_scheme_year():
    """The scheme year a new organisation would apply in: the newest of the running schemes."""
    return SchemeYear.objects.current_first().filter(scheme__is_active=True).first()


def registration_detail(request, pk, reject_form=None):
    """The request: its state for the person who asked; for the caseworker also the
    eligibility check, the register's details beside those sent, and the decision."""
    registration = get_visible_or_404(
        RegistrationRequest.objects.select_related(
            "requested_by", "decided_by", "organisation"
        ).prefetch_related("target_groups"),
        request.user,
        pk=pk,
    )
    context = {"registration": registration, "can_decide": False}
    if services.may_decide_registration(request.user, registration):
        scheme_year = newest_scheme_year()
        context.update(
            can_decide=registration.is_pending,
            reject_form=reject_form or RejectionForm(),
            compared=registration.compared_with_register(),
            scheme_year=scheme_year,
            eligibility=_eligibility(registration, scheme_year),
        )
    return render(request, "organisations/registration_detail.html", context)


def _eligibility(registration, scheme_year):
    """The check of the organisation the request would make; it has no earlier applications
    recorded yet (the caseworker sees that criterion as unknown). No query."""
    if scheme_year is None:
        return None
    return check_eligibility(registration.as_organisation(), scheme_year, previous_applications=())


def _decidable(request, pk):
    """The request, when the user sees it (404 otherwise) and may decide it (403 otherwise)."""
    registration = get_visible_or_404(
        RegistrationRequest.objects.select_related("requested_by"), request.user, pk=pk
    )
    require(services.may_decide_registration(request.user, registration))
    return registration


@require_POST
def registration_approve(request, pk):
    registration = _decidable(request, pk)
    try:
        organisation = services.approve_registration(request.user, registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("organisations:registration", pk=pk)
    messages.success(
        request,
        _("%(name)s is registered, and %(person)s is its leader.")
        % {"name": organisation.name, "person": registration.requested_by},
    )
    return redirect("organisations:detail", pk=organisation.pk)


@require_POST
def registration_reject(request, pk):
    registration = _decidable(request, pk)
    form = RejectionForm(request.POST)
    if form.is_valid():
        try:
            services.reject_registration(request.user, registration, form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The registration is rejected, and the person is told."))
            return redirect("organisations:registrations")
    return registration_detail(request, pk, reject_form=form)


def registration_list(request):
    """The caseworker's list: requests waiting (oldest first) or decided (newest first), each
    with its eligibility against the newest scheme year."""
    require_role(request.user, Role.CASEWORKER)
    status = request.GET.get("status", RegistrationStatus.PENDING)
    if status not in RegistrationStatus.values:
        status = RegistrationStatus.PENDING
    showing_pending = status == RegistrationStatus.PENDING
    order = ["created_at", "id"] if showing_pending else ["-decided_at", "-id"]
    queryset = (
        RegistrationRequest.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("requested_by")
        .order_by(*order)
    )
    page = paginate(request, queryset)
    scheme_year = newest_scheme_year()
    rows = [(registration, _eligibility(registration, scheme_year)) for registration in page]
    return render(
        request,
        "organisations/registration_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "showing_pending": showing_pending,
            "statuses": RegistrationStatus.choices,
            "scheme_year": scheme_year,
            "query": urlencode({"status": status}),
        },
    )


# Asking to join --------------------------------------------------------------------------------


def join_search(request):
    """Find a registered organisation by number or name: a few results, with only what the
    register publishes (name, municipality, number)."""
    form = JoinSearchForm(request.GET or None)
    results, more = None, False
    if form.is_bound and form.is_valid():
        limit, seconds = SEARCHES_PER_PERSON
        if ratelimit.hit("join-search", request.user.pk, limit=limit, seconds=seconds):
            found = list(
                Organisation.objects.findable()
                .matching(form.cleaned_data["q"])
                .only("name", "municipality", "org_number")
                .order_by("name", "id")[: SEARCH_RESULTS + 1]
            )
            results, more = found[:SEARCH_RESULTS], len(found) > SEARCH_RESULTS
        else:
            form.add_error("q", _("You have searched many times just now. Try again in an hour."))
    return render(
        request, "organisations/join_search.html", {"form": form, "results": results, "more": more}
    )


def join_organisation(request, org_number):
    """Ask to join the organisation with this number, with a short message to its leaders."""
    number = _valid_number(org_number)
    organisation = Organisation.objects.findable().filter(org_number=number).first()
    if organisation is None:
        raise Http404
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.pop_form_token()
        try:
            services.ask_to_join(
                request.user,
                organisation,
                message=form.cleaned_data["message"],
                form_token=token,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your request is sent to the leaders of %(name)s. You get an e-mail when "
                    "they answer."
                )
                % {"name": organisation.name},
            )
            return redirect("dashboard")
    return render(
        request,
        "organisations/join_organisation.html",
        {
            "organisation": organisation,
            "form": form,
            "is_member": access_for(request.user).is_member_of(organisation.pk),
        },
    )


@require_POST
def join_request_answer(request, pk, request_pk):
    """A leader approves (with a role) or declines a request to join."""
    join_request = get_visible_or_404(
        JoinRequest.objects.select_related("organisation", "user"),
        request.user,
        pk=request_pk,
        organisation_id=pk,
    )
    if "decline" in request.POST:
        try:
            services.decline_join_request(request.user, join_request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The request from %(person)s is declined.") % {"person": join_request.user},
            )
        return redirect("organisations:people", pk=pk)
    form = JoinAnswerForm(
        request.POST, prefix=f"j{join_request.pk}", organisation=join_request.organisation
    )
    role = form.cleaned_data["role"] if form.is_valid() else ""
    try:
        services.approve_join_request(request.user, join_request, role)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(person)s now has access.") % {"person": join_request.user})
    return redirect("organisations:people", pk=pk)
