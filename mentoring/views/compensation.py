"""The caseworker's pages for mentor compensation: what each mentor organisation is paid a
year, and the payments recorded against it."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring import services
from mentoring.forms import CompensationForm, PaymentForm
from mentoring.models import Compensation
from organisations.models import Organisation
from scheme.models import SchemeYear
from scheme.roles import OrganisationKind, Role, require_administers, require_role
from scheme.web import add_service_errors, get_visible_or_404, paginate, query_without_page


def _chosen_year(request, years):
    chosen = request.GET.get("year", "")
    for year in years:
        if str(year.pk) == chosen:
            return year
    this_year = timezone.localdate().year
    started = [y for y in years if y.year <= this_year]
    return started[0] if started else (years[0] if years else None)


def compensation_list(request):
    access = require_role(request.user, Role.CASEWORKER)
    years = list(
        access.administered(SchemeYear.objects.select_related("scheme")).order_by(
            "-year", "scheme__name"
        )
    )
    year = _chosen_year(request, years)
    rows, bound = [], None
    if year is not None and request.method == "POST":
        bound = CompensationForm(request.POST)
        if bound.is_valid():
            try:
                services.set_compensation(
                    request.user, bound.cleaned_data["mentor"], year, bound.cleaned_data["amount"]
                )
            except ValidationError as error:
                add_service_errors(bound, error)
            else:
                messages.success(
                    request,
                    _("The compensation of %(mentor)s is saved.")
                    % {"mentor": bound.cleaned_data["mentor"]},
                )
                return redirect(
                    f"{reverse('mentoring:compensation')}?year={year.pk}"
                    f"&page={request.GET.get('page', 1)}"
                )
    page = None
    if year is not None:
        page = paginate(request, _compensated_mentors(year))
        rows = _compensation_rows(year, page.object_list, bound)
    return render(
        request,
        "mentoring/compensation_list.html",
        {
            "years": years,
            "year": year,
            "rows": rows,
            "bound": bound,
            "page": page,
            "query": query_without_page(request),
        },
    )


def _compensated_mentors(year):
    """Each mentor organisation with a pairing in the scheme that year, or a compensation."""
    first, last = datetime.date(year.year, 1, 1), datetime.date(year.year, 12, 31)
    return (
        Organisation.objects.filter(kind=OrganisationKind.MENTOR)
        .filter(
            Q(
                mentor_pairings__scheme_id=year.scheme_id,
                mentor_pairings__starts_on__lte=last,
            )
            & (Q(mentor_pairings__ends_on__isnull=True) | Q(mentor_pairings__ends_on__gte=first))
            | Q(compensations__scheme_year=year)
        )
        .distinct()
        .order_by("name", "id")
    )


def _compensation_rows(year, mentors, bound):
    """A row per mentor: the compensation, what is paid and left, and the form to set it."""
    compensations = {
        c.mentor_id: c
        for c in Compensation.objects.filter(scheme_year=year, mentor__in=mentors).with_paid()
    }
    rows = []
    for mentor in mentors:
        compensation = compensations.get(mentor.pk)
        amount = compensation.amount if compensation else None
        bound_here = (
            bound is not None and bound.data.get("mentor") == str(mentor.pk) and bound.errors
        )
        form = bound if bound_here else CompensationForm(
            initial={"mentor": mentor.pk, "amount": amount if amount is not None else
                     year.mentor_compensation}, auto_id=f"id_c{mentor.pk}_%s",
        )  # fmt: skip
        if bound_here:
            form.auto_id = f"id_c{mentor.pk}_%s"
        rows.append(
            {
                "mentor": mentor,
                "compensation": compensation,
                "amount": amount,
                "paid": compensation.paid() if compensation else 0,
                "left": compensation.left_to_pay() if compensation else None,
                "form": form,
            }
        )
    return rows


def compensation_detail(request, pk):
    require_role(request.user, Role.CASEWORKER)
    compensation = get_visible_or_404(
        Compensation.objects.select_related("mentor", "scheme_year__scheme").with_paid(),
        request.user,
        pk=pk,
    )
    require_administers(request.user, compensation.scheme_year.scheme)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_compensation_payment(
                request.user,
                compensation,
                form_token=form.pop_form_token(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect("mentoring:compensation_detail", pk=compensation.pk)
    return render(
        request,
        "mentoring/compensation_detail.html",
        {
            "compensation": compensation,
            "payments": compensation.payments.select_related("recorded_by"),
            "paid": compensation.paid(),
            "left": compensation.left_to_pay(),
            "form": form,
        },
    )
