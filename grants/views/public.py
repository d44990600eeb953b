"""The grants pages anyone may read without logging in: the open calls, one call, and the
awarded grants with their CSV and JSON downloads. What they show is decided in
``grants/public.py``; a call by invitation answers 404 here whoever asks."""

from functools import partial

from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from grants import public
from scheme.formatting import format_nok
from scheme.public import public_page
from scheme.spreadsheet import csv_bytes
from scheme.web import paginate, paginate_counted, query_without_page

AWARDS_PER_PAGE = 50


@public_page
def call_list(request):
    """The calls open now and soon, then the earlier ones a page at a time."""
    today = timezone.localdate()
    page = paginate(request, public.past_calls(today))
    context = {
        "current": public.as_public(public.current_calls(today), today),
        "past": public.as_public(page.object_list, today),
        "page": page,
    }
    return render(request, "grants/public/call_list.html", context)


@public_page
def call_detail(request, pk):
    call = public.get_public_call(pk)
    if call is None:
        raise Http404
    return render(request, "grants/public/call_detail.html", {"call": call})


def _awarded(request):
    """The list filtered as asked; no filter is a valid choice too."""
    return public.AwardedFilter(request.GET, queryset=public.awarded_grants())


@public_page
def award_list(request):
    filters = _awarded(request)
    read = partial(public.awarded_page, filters.values, AWARDS_PER_PAGE)
    page = paginate_counted(request, per_page=AWARDS_PER_PAGE, read=read)
    lines = public.awarded_lines(page.object_list)
    context = {
        "filters": filters,
        "page": page,
        "rows": _award_rows(lines),
        "shows_demo": any(line.demo for line in lines),
        "query": query_without_page(request),
    }
    return render(request, "grants/public/award_list.html", context)


def _award_rows(lines) -> str:
    """The list's table rows, written here rather than by a template loop: a page has 50 rows
    of six cells, and the template language costs several times as much per cell."""
    demo = f' <span class="badge text-bg-secondary">{escape(_("demo"))}</span>'
    return mark_safe(
        "".join(
            "<tr>"
            f'<th scope="row" class="fw-normal">{escape(line.organisation)}'
            f"{demo if line.demo else ''}</th>"
            f'<td class="text-nowrap">{escape(line.organisation_number_display)}</td>'
            f"<td>{escape(line.municipality or '–')}</td>"
            f'<td class="text-end text-nowrap">{escape(format_nok(line.amount))}</td>'
            f"<td>{escape(line.scheme)}</td>"
            f"<td>{escape(line.year)}</td>"
            "</tr>"
            for line in lines
        )
    )


def _errors(filters) -> dict:
    """Why a download was refused: a scheme or year that is not in the list. Better than
    sending every award under a name that promises a part of them."""
    return {name: list(messages) for name, messages in filters.errors.items()}


def _header():
    return [
        _("Organisation"),
        _("Organisation number"),
        _("Municipality"),
        _("Amount awarded"),
        _("Scheme"),
        _("Year"),
        _("Demo data"),
    ]


def _csv_row(line) -> tuple:
    return (
        line.organisation,
        line.organisation_number,
        line.municipality,
        line.amount,
        line.scheme,
        line.year,
        _("yes") if line.demo else _("no"),
    )


@public_page
def award_csv(request):
    filters = _awarded(request)
    if not filters.is_valid():
        text = "\n".join(f"{name}: {' '.join(errors)}" for name, errors in _errors(filters).items())
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")
    rows = (
        _csv_row(line)
        for line in public.awarded_lines(public.public_columns(filters.qs).iterator())
    )
    response = HttpResponse(csv_bytes(_header(), rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filters.file_stem()}.csv"'
    return response


@public_page
def award_json(request):
    filters = _awarded(request)
    if not filters.is_valid():
        return JsonResponse({"errors": _errors(filters)}, status=400)
    data = filters.form.cleaned_data
    awards = [
        {
            "organisation": line.organisation,
            "organisation_number": line.organisation_number,
            "municipality": line.municipality,
            "amount": f"{line.amount:.2f}",
            "currency": "NOK",
            "scheme": line.scheme,
            "year": line.year,
            "demo": line.demo,
        }
        for line in public.awarded_lines(public.public_columns(filters.qs).iterator())
    ]
    body = {
        "scheme": data.get("scheme") or None,
        "year": int(data["year"]) if data.get("year") else None,
        "count": len(awards),
        "awards": awards,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="{filters.file_stem()}.json"'
    return response
