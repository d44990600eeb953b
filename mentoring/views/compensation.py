"""The caseworker's pages for mentor compensation: what each mentor organisation is paid a
year, and the payments recorded against it."""

import datetime
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from mentoring import services
from mentoring.forms import CompensationForm, PaymentForm
from mentoring.models import Compensation, Pairing
from organisations.models import Organisation
from scheme.compiled import kept, kept_per_access
from scheme.formatting import format_nok
from scheme.models import SchemeYear
from scheme.roles import OrganisationKind, Role, access_for, require_administers, require_role
from scheme.web import (
    add_service_errors,
    counted_page,
    get_visible_or_404,
    paginate_counted,
    query_without_page,
)


def _chosen_year(request, years):
    chosen = request.GET.get("year", "")
    for year in years:
        if str(year.pk) == chosen:
            return year
    this_year = timezone.localdate().year
    started = [y for y in years if y.year <= this_year]
    return started[0] if started else (years[0] if years else None)


def compensation_list(request):
    require_role(request.user, Role.CASEWORKER)
    years = list(_administered_years(request.user))
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
    page, table_rows = None, ""
    if year is not None:
        read = partial(_compensated_mentors, year.pk, year.scheme_id, year.year)
        page = paginate_counted(request, read=read)
        rows = _compensation_rows(year, page.object_list, bound)
        table_rows = _table_rows(request, rows, f"?year={year.pk}&amp;page={page.number}")
    return render(
        request,
        "mentoring/compensation_list.html",
        {
            "years": years,
            "year": year,
            "rows": rows,
            "table_rows": table_rows,
            "bound": bound,
            "page": page,
            "query": query_without_page(request),
        },
    )


@kept_per_access
def _administered_years(user):
    return access_for(user).administered(SchemeYear.objects.current_first())


@kept
def _compensated_mentors(year_id, scheme_id, year, number):
    """Page ``number`` of the mentor organisations with a pairing in the scheme that year, or
    a compensation, by name, with the count of all."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    paired = Pairing.objects.filter(scheme_id=scheme_id, starts_on__lte=last).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=first)
    )
    compensated = Compensation.objects.filter(scheme_year=year_id)
    mentors = Organisation.objects.filter(kind=OrganisationKind.MENTOR).filter(
        Q(pk__in=paired.values("mentor_id")) | Q(pk__in=compensated.values("mentor_id"))
    )
    return counted_page(mentors.only("id", "name").order_by("name", "id"), number)


def _compensation_rows(year, mentors, bound):
    """A row per mentor: the compensation, what is paid and left, and what its form to set the
    amount shows: the posted form (``form``) on the row it was refused for, else the amount
    in the box (``value``: the compensation, or the scheme year's default)."""
    compensations = {
        c.mentor_id: c
        for c in Compensation.objects.filter(scheme_year=year, mentor__in=mentors).with_paid()
    }
    amount_field = CompensationForm.base_fields["amount"]
    rows = []
    for mentor in mentors:
        compensation = compensations.get(mentor.pk)
        amount = compensation.amount if compensation else None
        bound_here = (
            bound is not None and bound.data.get("mentor") == str(mentor.pk) and bound.errors
        )
        if bound_here:
            bound.auto_id = f"id_c{mentor.pk}_%s"
        shown = amount if amount is not None else year.mentor_compensation
        rows.append(
            {
                "mentor": mentor,
                "compensation": compensation,
                "amount": amount,
                "paid": compensation.paid() if compensation else 0,
                "left": compensation.left_to_pay() if compensation else None,
                "form": bound if bound_here else None,
                "value": amount_field.prepare_value(shown),
            }
        )
    return rows


def _table_rows(request, rows, action: str) -> str:
    """The table's rows, written here rather than by a template loop (a form a row cost the
    template language most of the page's time). As the template did: names, amounts and
    errors escaped, the translated texts not; the refused form's fields as Django writes
    them."""
    words = {"not_set": _("not set"), "save": _("Save"), "payments": _("Payments")}
    csrf = get_token(request) if rows else ""
    return mark_safe("".join(_table_row(row, action, csrf, words) for row in rows))


def _table_row(row, action, csrf, words) -> str:
    mentor, pk = escape(row["mentor"].name), row["mentor"].pk
    form = row["form"]
    field_id = f"id_c{pk}_amount"
    if form is None:
        hidden = f'<input type="hidden" name="mentor" value="{pk}" id="id_c{pk}_mentor">'
        value, errors = row["value"], []
    else:
        hidden, value, errors = str(form["mentor"]), form["amount"].value(), form["amount"].errors
    value = "" if value is None else escape(localize(value))
    amount = escape(format_nok(row["amount"])) if row["amount"] is not None else words["not_set"]
    left = escape(format_nok(row["left"])) if row["left"] is not None else "–"
    label = _("Compensation for %(name)s (NOK)") % {"name": mentor}
    invalid, described, error = "", "", ""
    if errors:
        invalid = " is-invalid"
        described = f' aria-invalid="true" aria-describedby="{field_id}-error"'
        error = (
            f'<div id="{field_id}-error" class="invalid-feedback d-block">'
            f"{' '.join(escape(e) for e in errors)}</div>"
        )
    payments = ""
    if row["compensation"]:
        link = reverse("mentoring:compensation_detail", args=[row["compensation"].pk])
        payments = (
            f'<a href="{link}">{words["payments"]}'
            f'<span class="visually-hidden"> {mentor}</span></a>'
        )
    return (
        f'<tr>\n<th scope="row">{mentor}</th>\n'
        f'<td class="text-end">{amount}</td>\n'
        f'<td class="text-end">{escape(format_nok(row["paid"]))}</td>\n'
        f'<td class="text-end">{left}</td>\n'
        f"<td>\n"
        f'<form method="post" action="{action}" novalidate '
        f'class="d-flex flex-wrap gap-2 align-items-start">\n'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">\n'
        f"{hidden}\n"
        f"<div>\n"
        f'<label for="{field_id}" class="visually-hidden">{label}</label>\n'
        f'<input type="text" inputmode="decimal" name="amount" id="{field_id}" '
        f'value="{value}" class="form-control form-control-sm{invalid}"{described}>\n'
        f"{error}\n"
        f"</div>\n"
        f'<button type="submit" class="btn btn-sm btn-outline-primary">{words["save"]}'
        f'<span class="visually-hidden"> {mentor}</span></button>\n'
        f"</form>\n"
        f"</td>\n"
        f"<td>{payments}</td>\n"
        f"</tr>\n"
    )


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
