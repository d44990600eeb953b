"""The records pages: a case's page and the journal for the caseworkers of its body, the
public journal's CSV, and the download of a registered document for whoever may see it."""

import datetime
from functools import partial

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache

from scheme.compiled import kept, kept_per_access
from scheme.file_names import in_reader_language
from scheme.formatting import format_moment
from scheme.records import services
from scheme.records.documents import document_file
from scheme.records.forms import JournalForm, filtered
from scheme.records.models import CaseFile, Direction, DocumentType, RegistryEntry
from scheme.roles import OrganisationKind, access_for, require
from scheme.spreadsheet import csv_bytes
from scheme.storage import download
from scheme.web import (
    counted_page,
    get_visible_or_404,
    only_or_404,
    paginate_counted,
    query_without_page,
    url_for_pk,
)

FILE_WORDS = {
    "document": pgettext_lazy("file name", "document"),
    "public-journal": pgettext_lazy("file name", "public journal"),
}


# --- a registered document ----------------------------------------------------------------------


def document(request, pk):
    """A registered document's file, drawn up first if it has none yet; 404 unless the user
    may see the document (an organisation never sees the body's internal notes)."""
    entry = get_visible_or_404(
        RegistryEntry.objects.select_related("case_file"), request.user, pk=pk
    )
    try:
        file = document_file(entry)
    except LookupError:
        raise Http404 from None
    return download(file, _download_name(entry))


def _download_name(entry) -> str:
    if entry.file_name:
        return entry.file_name
    return in_reader_language(f"document-{entry.number_label.replace('/', '-')}.pdf", FILE_WORDS)


# --- a case -------------------------------------------------------------------------------------


@kept_per_access(params=["pk"])
def _case_kept_by(user, pk):
    """The case ``pk`` if the user keeps it (a caseworker of its body)."""
    cases = CaseFile.objects.kept_by(user)
    return cases.select_related("body", "party", "caseworker", "closed_by").filter(pk=pk)


@kept(params=["case_file_id"])
def _entries_of(case_file_id):
    """The case's documents in the order they were registered."""
    entries = RegistryEntry.objects.filter(case_file_id=case_file_id)
    return entries.select_related("caseworker", "approver").order_by("number")


@never_cache
def case(request, pk):
    """The case page, for the caseworkers of the case's body (others: 404): its documents and
    the button that closes it once its kind says nothing is left to do."""
    case_file = only_or_404(_case_kept_by(request.user, pk=pk))
    if request.method == "POST":
        try:
            services.close_case(request.user, case_file)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
        else:
            flash.success(request, _("Case %(number)s is closed.") % {"number": case_file.number})
        return redirect("records:case", pk=case_file.pk)
    kind = case_file.case_kind
    obj = kind.readable(request.user).filter(pk=case_file.object_id).first() if kind else None
    closing_problem = None
    if obj is not None and not case_file.is_closed:
        closing_problem = kind.closing_problem(obj)
    entries = list(_entries_of(case_file_id=case_file.pk))
    return render(
        request,
        "records/case.html",
        {
            "case_file": case_file,
            "kind": kind,
            "object": obj,
            "object_url": kind.url(obj) if obj is not None else "",
            "entries": entries,
            "closing_problem": closing_problem,
            "may_close": closing_problem == "",
        },
    )


# --- the journal --------------------------------------------------------------------------------


def _journal_bodies(user) -> list:
    """The administering bodies whose journals the user keeps, when there are several to
    choose between (admins: every body)."""
    access = access_for(user)
    body_model = CaseFile._meta.get_field("body").related_model
    if access.is_admin:
        bodies = body_model.objects.filter(kind=OrganisationKind.ADMINISTRATOR)
    elif len(access.administering_ids) > 1:
        bodies = body_model.objects.filter(pk__in=access.administering_ids)
    else:
        return []
    return list(bodies.only("pk", "name").order_by("name"))


def _journal_form(request):
    """The journal's filter form and the bodies it offers, for the caseworkers (others 403)."""
    require(access_for(request.user).is_caseworker)
    bodies = _journal_bodies(request.user)
    return JournalForm(request.GET or None, bodies=bodies), bodies


def _journalled(user):
    """The entries of the journals the user keeps, in the order they were registered."""
    entries = RegistryEntry.objects.in_journal_of(user).journalled()
    return entries.select_related("case_file__body", "caseworker", "approver").order_by(
        "registered_at", "pk"
    )


@kept_per_access
def _journal_page(user, values, number):
    """Page ``number`` of the journal filtered by ``values`` (``JournalForm.values``), with
    the count of all."""
    return counted_page(filtered(_journalled(user), *values), number)


def _day_link(request, day: datetime.date) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("case", None)
    params["day"] = day.isoformat()
    return f"?{params.urlencode()}"


@never_cache
def journal(request):
    """The incoming and outgoing documents of a day (today unless chosen), with filters: the
    basis for the public journal."""
    form, bodies = _journal_form(request)
    day = form.chosen_day()
    searched = form.is_bound and form.is_valid() and bool(form.cleaned_data.get("case"))
    page = paginate_counted(request, read=partial(_journal_page, request.user, form.values()))
    return render(
        request,
        "records/journal.html",
        {
            "form": form,
            "day": day,
            "searched": searched,
            "show_body": bool(bodies),
            "page": page,
            "rows": _journal_rows(page, show_body=bool(bodies)),
            "previous_day": _day_link(request, day - datetime.timedelta(days=1)),
            "next_day": _day_link(request, day + datetime.timedelta(days=1)),
            "csv_query": query_without_page(request),
        },
    )


def _journal_rows(entries, show_body: bool) -> str:
    """The journal table's rows, written here rather than by a template loop (which takes
    many times as long per row); every text escaped as the template would."""
    words = {
        "person": _("private person"),
        "download": _("Download"),
        "case": url_for_pk("records:case"),
        "document": url_for_pk("records:document"),
        "directions": {value: escape(capfirst(label)) for value, label in Direction.choices},
        "types": {value: escape(capfirst(label)) for value, label in DocumentType.choices},
    }
    return mark_safe("\n".join(_journal_row(entry, show_body, words) for entry in entries))


def _journal_row(entry, show_body: bool, words) -> str:
    number = escape(entry.number_label)
    party = escape(entry.party_name) or "–"
    if entry.party_is_person:
        party += f' <span class="badge text-bg-light">{escape(words["person"])}</span>'
    body = f"<td>{escape(entry.case_file.body.name)}</td>" if show_body else ""
    registered = format_moment(entry.registered_at)
    case = words["case"](entry.case_file_id)
    return (
        f'<tr><td class="text-nowrap"><a href="{case}">{number}</a></td>'
        f'<td class="text-nowrap">{registered}</td>'
        f"<td>{words['directions'].get(entry.direction) or escape(entry.direction)}</td>"
        f"<td>{words['types'].get(entry.document_type) or escape(entry.document_type)}</td>"
        f'<td>{escape(entry.title)}<div class="small text-body-secondary">'
        f"{escape(entry.case_file.title)}</div></td><td>{party}</td>"
        f"<td>{_name_or_dash(entry.caseworker)}</td><td>{_name_or_dash(entry.approver)}</td>{body}"
        f'<td><a href="{words["document"](entry.pk)}">{escape(words["download"])}'
        f'<span class="visually-hidden"> {number}</span></a></td></tr>'
    )


def _name_or_dash(user) -> str:
    return escape(user.full_name if user else "") or "–"


def _public_header():
    return [
        _("Administering body"),
        _("Case number"),
        _("Case title"),
        _("Document number"),
        _("Document date"),
        _("Journalled"),
        _("Direction"),
        _("Document type"),
        _("Document title"),
        _("Sender or recipient"),
        _("Caseworker"),
    ]


def _public_row(entry) -> tuple:
    return (
        entry.case_file.body.name,
        entry.case_file.number,
        entry.case_file.title,
        entry.number_label,
        entry.document_date,
        entry.registered_at,
        entry.get_direction_display(),
        entry.get_document_type_display(),
        entry.title,
        entry.public_party_name,
        entry.caseworker.full_name if entry.caseworker else "",
    )


def public_journal(request):
    """The journal's documents as the public journal's CSV: the same filters as the page,
    with the names of private persons left out."""
    form, _bodies = _journal_form(request)
    entries = form.filter(_journalled(request.user))
    if form.is_bound and not form.is_valid():
        text = "\n".join(" ".join(errors) for errors in form.errors.values())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    rows = (_public_row(entry) for entry in entries.iterator(chunk_size=500))
    response = HttpResponse(
        csv_bytes(_public_header(), rows), content_type="text/csv; charset=utf-8"
    )
    case_number = form.cleaned_data.get("case") if form.is_bound else ""
    stem = case_number.replace("/", "-") if case_number else form.chosen_day().isoformat()
    name = in_reader_language(f"public-journal-{stem}.csv", FILE_WORDS)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
