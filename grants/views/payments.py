"""The finance office's list: the payments approved for payment on a day, per administering
body, with each organisation's confirmed bank account in full, as a page and as CSV.

Only the body's caseworkers see it (anyone else is refused, and shown nothing): paying the
money out of the state's accounts is the finance office's job, and this list is what it pays
from. Each download is written to the body's timeline.
"""

import datetime

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Sum, Value
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants import records
from grants.models import ZERO, Disbursement
from grants.services.payments_texts import PAYMENTS_DOWNLOADED
from grants.workflows import AttestationStatus
from organisations.models import Organisation
from scheme import audit
from scheme.compiled import first_row, kept, kept_per_access
from scheme.records.models import CaseFile
from scheme.roles import OrganisationKind, access_for, require
from scheme.spreadsheet import csv_bytes
from scheme.web import PAGE_SIZE, only_or_404


class DayForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _body(request, body_pk) -> Organisation:
    """The administering body ``body_pk``, for one of its caseworkers; anyone else is
    refused."""
    require(body_pk in access_for(request.user).administering_ids)
    return only_or_404(_bodies(pk=body_pk))


@kept(params=["pk"])
def _bodies(pk):
    return Organisation.objects.filter(pk=pk, kind=OrganisationKind.ADMINISTRATOR)


def _chosen_day(request):
    """The day asked for (today when none, or when it cannot be read) and the bound form."""
    form = DayForm(request.GET)
    day = form.cleaned_data.get("day") if form.is_valid() else None
    return day or timezone.localdate(), form


def approved_on(body_id, day):
    """The payments an approver of the body approved on ``day`` (local time), by
    organisation."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    return (
        Disbursement.objects.filter(
            attestation__status=AttestationStatus.APPROVED,
            attestation__handled_at__gte=start,
            attestation__handled_at__lt=end,
            award__application__round__scheme_year__scheme__administrator_id=body_id,
        )
        .select_related(
            "award__application__organisation",
            "account",
            "instalment",
            "attestation__attested_by",
            "attestation__handled_by",
        )
        .order_by("award__application__organisation__name", "pk")
    )


def _with_case_numbers(disbursements) -> list:
    """The payments, each with ``case_number`` (its application's case), in one query."""
    disbursements = list(disbursements)
    cases = _case_files(application_ids=[d.award.application_id for d in disbursements])
    numbers = {case_file.object_id: case_file.number for case_file in cases}
    for disbursement in disbursements:
        disbursement.case_number = numbers.get(disbursement.award.application_id, "")
    return disbursements


@kept(id_lists=["application_ids"])
def _case_files(application_ids):
    cases = CaseFile.objects.filter(kind=records.CASE_KIND, object_id__in=application_ids)
    return cases.only("object_id", "year", "sequence")


@kept
def _approved_totals(body_id, day):
    """(how many, how much) of the payments approved on ``day`` (how much: None for none)."""
    payments = approved_on(body_id, day).order_by().annotate(one=Value(1)).values("one")
    return payments.annotate(count=Count("pk"), total=Sum("amount")).values_list("count", "total")


@kept
def _approved_rows(body_id, day, bottom):
    """The page of the payments approved on ``day`` from the ``bottom``-th."""
    return approved_on(body_id, day)[bottom : bottom + PAGE_SIZE]


@kept_per_access
def _bodies_worked_for(user):
    bodies = Organisation.objects.filter(pk__in=access_for(user).administering_ids)
    return bodies.order_by("name")


def payments_home(request):
    """The list of the first body the user works for (the page links the others)."""
    bodies = sorted(access_for(request.user).administering_ids)
    require(bodies)
    return redirect("grants:payments_of_body", body_pk=bodies[0])


def day_list(request, body_pk):
    body = _body(request, body_pk)
    day, form = _chosen_day(request)
    count, total = first_row(_approved_totals(body.pk, day)) or (0, None)
    page = Paginator(range(count), PAGE_SIZE).get_page(request.GET.get("page"))
    if count:  # (no query for a day without payments)
        bottom = (page.number - 1) * PAGE_SIZE
        page.object_list = _with_case_numbers(_approved_rows(body.pk, day, bottom))
    bodies = list(_bodies_worked_for(request.user))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "grants/payments/day.html",
        {
            "body": body,
            "bodies": bodies if len(bodies) > 1 else [],
            "day": day,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "count": count,
            "total": total or ZERO,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "is_today": day == timezone.localdate(),
        },
    )


def _header():
    return [
        _("Organisation"),
        _("Organisation number"),
        _("Bank account"),
        _("Amount"),
        _("Paid"),
        _("Case number"),
        _("Attested by"),
        _("Approved by"),
    ]


def _row(disbursement) -> tuple:
    organisation = disbursement.award.application.organisation
    attestation = disbursement.attestation
    return (
        organisation.name,
        organisation.org_number,
        disbursement.account.formatted if disbursement.account else "",
        disbursement.amount,
        disbursement.paid_on,
        disbursement.case_number,
        attestation.attested_by.full_name,
        attestation.handled_by.full_name,
    )


@transaction.atomic
def day_csv(request, body_pk):
    """The day's approved payments as CSV, with the total on the last line; the download is
    written to the body's timeline."""
    body = _body(request, body_pk)
    day, _form = _chosen_day(request)
    payments = _with_case_numbers(approved_on(body.pk, day))
    rows = [_row(disbursement) for disbursement in payments]
    total = sum((disbursement.amount for disbursement in payments), ZERO)
    rows.append((_("Total"), "", "", total, "", "", "", ""))
    audit.record(
        request.user,
        PAYMENTS_DOWNLOADED,
        body,
        f"{day.isoformat()}: {len(payments)}",
    )
    response = HttpResponse(csv_bytes(_header(), rows), content_type="text/csv; charset=utf-8")
    name = f"payments-{body.org_number or body.pk}-{day:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
