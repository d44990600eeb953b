from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations import brreg, followup, services
from organisations.eligibility import check_eligibility
from organisations.filters import OrganisationFilter
from organisations.forms import (
    FOLLOW_UP_FORMSET,
    PART_FORMSETS,
    InvitationForm,
    JoinAnswerForm,
    JoinForm,
    MemberRoleForm,
    OrgNumberField,
    ProfileForm,
)
from organisations.geography import place_name
from organisations.invitations import invitation_from_token
from organisations.models import (
    Activity,
    Branch,
    Collaboration,
    CompetenceArea,
    JoinRequest,
    Language,
    Membership,
    MembershipInvitation,
    MembershipInvitationStatus,
    Organisation,
    PreviousApplication,
    TargetGroup,
)
from organisations.orgnr import format_orgnr
from scheme import ratelimit
from scheme.compiled import kept_per_access
from scheme.models import Scheme, User, in_language, scheme_years_newest_first
from scheme.once import TokenOnlyForm
from scheme.prefetch import set_prefetched
from scheme.queries import JSONRows, columns_of, instances_from
from scheme.roles import OrganisationKind, Role, access_for, require, require_role
from scheme.web import (
    add_formset_errors,
    add_service_errors,
    get_visible_or_404,
    only_or_404,
    paginate,
    query_without_page,
)

# What the list shows: reading only these lets PostgreSQL read a page by name from one index
# (migration 0011 includes them in it).
LIST_COLUMNS = ["pk", "kind", "name", "org_number", "is_demo", "municipality", "county", "founded"]
KIND_NAMES = dict(OrganisationKind.choices)


@dataclass(frozen=True)
class ListRow:
    """One organisation as the list shows it."""

    pk: int
    url: str
    name: str
    is_demo: bool
    org_number: str
    kind: str
    place: str
    founded: date | None
    target_groups: str


def _list_rows(page) -> list[ListRow]:
    """The page's rows from plain values: kinds and counties named from one dict each
    (``get_FOO_display`` builds its choices again for every row), the target groups' names
    read in one query without building their objects."""
    ids = [values["pk"] for values in page]
    groups = defaultdict(list)
    for organisation_id, name_nb, name_en in (
        Organisation.target_groups.through.objects.filter(organisation_id__in=ids)
        .order_by("targetgroup__name_nb", "targetgroup_id")
        .values_list("organisation_id", "targetgroup__name_nb", "targetgroup__name_en")
    ):
        groups[organisation_id].append(in_language(name_nb, name_en))
    return [
        ListRow(
            pk=values["pk"],
            url=reverse("organisations:detail", args=[values["pk"]]),
            name=values["name"],
            is_demo=values["is_demo"],
            org_number=format_orgnr(values["org_number"]),
            kind=KIND_NAMES.get(values["kind"], values["kind"]),
            place=place_name(values["municipality"], values["county"]),
            founded=values["founded"],
            target_groups=", ".join(groups[values["pk"]]),
        )
        for values in page
    ]


def organisation_list(request):
    require_role(request.user, Role.CASEWORKER)
    queryset = Organisation.objects.visible_to(request.user)
    filters = OrganisationFilter(request.GET or None, queryset=queryset, request=request)
    shown = filters.qs if filters.is_bound else queryset
    page = paginate(request, shown.values(*LIST_COLUMNS))
    page.object_list = _list_rows(page)
    return render(
        request,
        "organisations/organisation_list.html",
        {"filters": filters, "page": page, "query": query_without_page(request)},
    )


def _visible(request, pk):
    return only_or_404(_visible_organisation(request.user, pk=pk))


@kept_per_access(params=["pk"])
def _visible_organisation(user, pk):
    return Organisation.objects.visible_to(user).filter(pk=pk)


def _editable(request, pk):
    """The organisation, when the user may edit it: 404 when they cannot see it, 403 when
    they see it but may not edit it."""
    organisation = _visible(request, pk)
    require(access_for(request.user).can_edit_organisation(organisation))
    return organisation


def _chosen_year(request, scheme_years):
    """The scheme year the caseworker asked for, or the most recent one so far."""
    chosen = request.GET.get("year", "")
    for scheme_year in scheme_years:
        if str(scheme_year.pk) == chosen:
            return scheme_year
    this_year = timezone.localdate().year
    started = [y for y in scheme_years if y.scheme.is_active and y.year <= this_year]
    return started[0] if started else None


# The lists the profile shows: name -> (model, the lookup from its rows to the organisation).
PROFILE_LISTS = {
    "target_groups": (TargetGroup, "organisations"),
    "competence_needs": (CompetenceArea, "organisations"),
    "languages": (Language, "organisations"),
    "branches": (Branch, "organisation"),
    "activities": (Activity, "organisation"),
    "collaborations": (Collaboration, "organisation"),
    "previous_applications": (PreviousApplication, "organisation"),
}


@kept_per_access(params=["pk"])
def _with_lists(user, pk):
    """The organisation the user sees, with its profile's seven lists and its follow-ups as
    ``JSONRows``: one query whatever their length."""
    lists = {
        f"{name}_json": JSONRows(
            model.objects.filter(**{lookup: OuterRef("pk")}), **columns_of(model)
        )
        for name, (model, lookup) in PROFILE_LISTS.items()
    }
    organisations = Organisation.objects.annotate(
        follow_ups_json=followup.schemes_json(OuterRef("pk")), **lists
    )
    return organisations.visible_to(user).filter(pk=pk)


def _with_profile_lists(request, pk):
    """The organisation and its profile's seven lists (404 for one the user cannot see)."""
    organisation = only_or_404(_with_lists(request.user, pk=pk))
    lists = {
        name: instances_from(model, getattr(organisation, f"{name}_json"))
        for name, (model, _lookup) in PROFILE_LISTS.items()
    }
    return organisation, lists


def organisation_detail(request, pk):
    organisation, lists = _with_profile_lists(request, pk)
    access = access_for(request.user)
    context = {
        "organisation": organisation,
        "lists": lists,
        "can_edit": access.can_edit_organisation(organisation),
        "can_manage_members": access.can_manage_members(organisation),
        "can_export": access.can_export_organisation(organisation),
    }
    if context["can_edit"] and organisation.kind == OrganisationKind.PARTICIPANT:
        context["follow_ups"] = followup.opened(organisation.follow_ups_json, timezone.localdate())
    if access.is_caseworker:
        scheme_years = list(scheme_years_newest_first())
        scheme_year = _chosen_year(request, scheme_years)
        context.update(
            scheme_year=scheme_year,
            scheme_years=scheme_years,
            eligibility=check_eligibility(
                organisation, scheme_year, previous_applications=lists["previous_applications"]
            )
            if scheme_year
            else None,
        )
    return render(request, "organisations/organisation_detail.html", context)


LOOKUPS_PER_PERSON = (30, 60 * 60)


def register_entry(request, number) -> brreg.RegisterEntry | None:
    """The Brønnøysund registers' entry for ``number``, or None with a message saying why
    (an invalid number, the register off, slow or down, or too many look-ups just now)."""
    try:
        number = OrgNumberField().clean(number)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    limit, seconds = LOOKUPS_PER_PERSON
    if not ratelimit.hit("brreg-lookup", request.user.pk, limit=limit, seconds=seconds):
        messages.warning(
            request, _("You have made many look-ups just now. Please type the details.")
        )
        return None
    try:
        entry = brreg.lookup(number)
    except brreg.LookupFailed as error:
        messages.warning(request, str(error))
        return None
    messages.info(
        request,
        _("The details below are fetched from the Brønnøysund registers. Check them, then save."),
    )
    return entry


def form_values(entry_values: dict) -> dict:
    """A register entry's values (``as_initial``) as a form's initial values."""
    values = dict(entry_values)
    if "in_voluntary_register" in values:
        values["in_voluntary_register"] = str(values["in_voluntary_register"]).lower()
    return values


def _prefill_from_register(request, form):
    """Replace the form's values with those in the Brønnøysund registers, without saving.

    Returns the initial values for a fresh form, keeping what the user typed where the register
    has nothing; a failed look-up keeps everything and tells the user why.
    """
    typed = {name: form[name].data for name in form.fields}
    # Only a form with the number field (caseworkers') may ask for another number.
    number = typed.get("org_number") or getattr(form.instance, "org_number", "")
    entry = register_entry(request, number)
    if entry is None:
        return typed
    values = form_values(entry.as_initial())
    return typed | {name: value for name, value in values.items() if name in form.fields}


def _profile_form(request, form_class, instance, save):
    """Shared by create and edit: look up, validate, save through ``save(cleaned_data)``."""
    access = access_for(request.user)
    form = form_class(request.POST or None, instance=instance, access=access)
    if request.method == "POST" and "lookup" in request.POST:
        initial = _prefill_from_register(request, form)
        return form_class(instance=instance, initial=initial, access=access), None
    if request.method == "POST" and form.is_valid():
        try:
            return form, save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    return form, None


def organisation_create(request):
    require_role(request.user, Role.CASEWORKER)
    form, organisation = _profile_form(
        request,
        ProfileForm,
        None,
        lambda data: services.create_organisation(request.user, **data),
    )
    if organisation:
        messages.success(request, _("%(name)s is registered.") % {"name": organisation.name})
        return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/organisation_form.html", {"form": form})


def organisation_edit(request, pk):
    organisation, lists = _with_profile_lists(request, pk)
    require(access_for(request.user).can_edit_organisation(organisation))
    # The choices made already, from the lists read with it: the form asks no query of them.
    for name in ("target_groups", "competence_needs", "languages"):
        set_prefetched(organisation, name, lists[name])
    form, saved = _profile_form(
        request,
        ProfileForm,
        organisation,
        lambda data: services.update_profile(request.user, organisation, **data),
    )
    if saved:
        messages.success(request, _("The profile is saved."))
        return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request,
        "organisations/organisation_form.html",
        {"form": form, "organisation": organisation},
    )


def organisation_parts(request, pk, section):
    formset_class = PART_FORMSETS.get(section)
    if formset_class is None:
        raise Http404
    organisation = _editable(request, pk)
    formset = formset_class(request.POST or None, instance=organisation, prefix=section)
    once = TokenOnlyForm(request.POST or None, prefix=section)
    if request.method == "POST" and formset.is_valid():
        try:
            services.save_parts(request.user, organisation, formset, form_token=once.token())
        except ValidationError as error:
            add_formset_errors(formset, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request,
        "organisations/organisation_parts.html",
        {
            "organisation": organisation,
            "formset": formset,
            "once": once,
            "title": formset.model._meta.verbose_name_plural,
        },
    )


@kept_per_access(params=["organisation_id"])
def _people(user, organisation_id):
    memberships = Membership.objects.visible_to(user).filter(organisation=organisation_id)
    return memberships.select_related("user").order_by("user__full_name")


@kept_per_access(params=["organisation_id"])
def _invited(user, organisation_id):
    """The invitations not yet answered (expired ones too: the page says so)."""
    invitations = MembershipInvitation.objects.visible_to(user).filter(
        organisation=organisation_id, status=MembershipInvitationStatus.PENDING
    )
    return invitations.select_related("invited_by")


@kept_per_access(params=["organisation_id"])
def _asking_to_join(user, organisation_id):
    join_requests = JoinRequest.objects.visible_to(user).pending()
    return join_requests.filter(organisation=organisation_id).select_related("user")


def organisation_people(request, pk):
    organisation = _visible(request, pk)
    can_manage = access_for(request.user).can_manage_members(organisation)
    form = InvitationForm(request.POST or None, organisation=organisation)
    if request.method == "POST":
        require(can_manage)
        if form.is_valid():
            token = form.pop_form_token(data := dict(form.cleaned_data))
            try:
                services.invite_person(request.user, organisation, form_token=token, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "An invitation is sent to %(email)s. They get access when they accept "
                        "it; until then they are listed under invitations."
                    )
                    % {"email": data["email"]},
                )
                return redirect("organisations:people", pk=organisation.pk)
    memberships = _people(request.user, organisation_id=organisation.pk)
    invitations = _invited(request.user, organisation_id=organisation.pk) if can_manage else []
    join_requests = (
        _asking_to_join(request.user, organisation_id=organisation.pk) if can_manage else []
    )
    return render(
        request,
        "organisations/organisation_people.html",
        {
            "organisation": organisation,
            "memberships": [
                (
                    m,
                    MemberRoleForm(
                        initial={"role": m.role}, prefix=f"m{m.pk}", organisation=organisation
                    ),
                )
                for m in memberships
            ],
            "invitations": invitations,
            "join_requests": [
                (
                    join_request,
                    JoinAnswerForm(prefix=f"j{join_request.pk}", organisation=organisation),
                )
                for join_request in join_requests
            ],
            "form": form,
            "can_manage": can_manage,
        },
    )


def _managed_membership(request, pk, membership_pk):
    membership = get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("organisation", "user"),
        pk=membership_pk,
        organisation_id=pk,
    )
    require(access_for(request.user).can_manage_members(membership.organisation))
    return membership


@require_POST
def membership_role(request, pk, membership_pk):
    membership = _managed_membership(request, pk, membership_pk)
    form = MemberRoleForm(
        request.POST, prefix=f"m{membership.pk}", organisation=membership.organisation
    )
    if form.is_valid():
        try:
            services.change_member_role(request.user, membership, form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role is changed."))
    else:
        messages.error(request, _("Choose one of the roles in the list."))
    return redirect("organisations:people", pk=pk)


@require_POST
def membership_remove(request, pk, membership_pk):
    membership = _managed_membership(request, pk, membership_pk)
    try:
        services.remove_member(request.user, membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(person)s no longer has access.") % {"person": membership.user}
        )
    return redirect("organisations:people", pk=pk)


def _managed_invitation(request, pk, invitation_pk):
    """The invitation, when the user sees it (the service then asks whether they manage the
    organisation's people)."""
    return get_visible_or_404(
        MembershipInvitation.objects.select_related("organisation"),
        request.user,
        pk=invitation_pk,
        organisation_id=pk,
    )


@require_POST
def invitation_resend(request, pk, invitation_pk):
    invitation = _managed_invitation(request, pk, invitation_pk)
    try:
        services.resend_invitation(request.user, invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The invitation is sent again to %(email)s.") % {"email": invitation.email}
        )
    return redirect("organisations:people", pk=pk)


@require_POST
def invitation_withdraw(request, pk, invitation_pk):
    invitation = _managed_invitation(request, pk, invitation_pk)
    services.withdraw_invitation(request.user, invitation)
    messages.success(
        request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
    )
    return redirect("organisations:people", pk=pk)


def invitation_answer(request, invitation_pk):
    """The invited person, logged in, accepts or declines."""
    invitation = get_object_or_404(
        MembershipInvitation.objects.select_related("organisation", "invited_by"),
        pk=invitation_pk,
        email=request.user.email,
    )
    if request.method == "POST" and invitation.is_open:
        answer = (
            services.accept_invitation if "accept" in request.POST else services.decline_invitation
        )
        try:
            answer(request.user, invitation)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("organisations:invitation", invitation_pk=invitation.pk)
        if "accept" in request.POST:
            messages.success(
                request,
                _("You now have access to %(name)s.") % {"name": invitation.organisation.name},
            )
            return redirect("organisations:detail", pk=invitation.organisation_id)
        messages.info(request, _("You declined the invitation."))
        return redirect("dashboard")
    return render(request, "organisations/invitation.html", {"invitation": invitation})


@login_not_required
def invitation_link(request, token):
    """Where the e-mailed link leads: a person with an account logs in and answers; a person
    without one chooses a password here and is in."""
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "organisations/invitation_link.html", {"invitation": None})
    answer_url = reverse("organisations:invitation", args=[invitation.pk])
    if request.user.is_authenticated and request.user.email == invitation.email:
        return redirect(answer_url)
    has_account = User.objects.filter(email=invitation.email).exists()
    form = None
    if not has_account and not request.user.is_authenticated:
        initial = {"full_name": invitation.full_name}
        form = JoinForm(request.POST or None, email=invitation.email, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                user = services.join_with_new_account(
                    invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome! You now have access to %(name)s.")
                    % {"name": invitation.organisation.name},
                )
                return redirect("organisations:detail", pk=invitation.organisation_id)
    return render(
        request,
        "organisations/invitation_link.html",
        {
            "invitation": invitation,
            "form": form,
            "has_account": has_account,
            "login_url": f"{reverse('login')}?{urlencode({'next': answer_url})}",
        },
    )


def organisation_follow_up(request, pk, scheme_pk):
    """The follow-up a year after a scheme: the grants applied for elsewhere since, recorded
    by the organisation or a caseworker for it (404 unless it has opened for the scheme)."""
    organisation = _editable(request, pk)
    opened = followup.opened_for(organisation, scheme_pk, timezone.localdate())
    if opened is None:
        raise Http404
    scheme = Scheme.objects.get(pk=scheme_pk)
    last_year, answered_at = opened["last_year"], opened["answered_at"]
    formset = FOLLOW_UP_FORMSET(
        request.POST or None,
        instance=organisation,
        prefix="grants",
        scheme=scheme,
        first_year=last_year + 1,
    )
    once = TokenOnlyForm(request.POST or None, prefix="grants")
    if request.method == "POST" and formset.is_valid():
        try:
            services.answer_follow_up(
                request.user, organisation, scheme, formset, form_token=once.token()
            )
        except ValidationError as error:
            add_formset_errors(formset, error)
        else:
            messages.success(request, _("Thank you. The follow-up is answered."))
            return redirect("organisations:detail", pk=organisation.pk)
    context = {
        "organisation": organisation,
        "scheme": scheme,
        "last_year": last_year,
        "answered_at": answered_at,
        "formset": formset,
        "once": once,
    }
    return render(request, "organisations/follow_up.html", context)
