from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports import services
from reports.builders import ReportError, builder_for
from reports.forms import order_forms_for
from reports.models import JobStatus, ReportJob
from scheme.compiled import kept_per_access
from scheme.formatting import format_moment
from scheme.storage import download
from scheme.web import counted_page, get_visible_or_404, paginate_counted, url_for_pk


def report_list(request):
    return _list_page(request)


@kept_per_access
def _job_page(user, number):
    """Page ``number`` of the user's reports with the count of all: only what a row shows."""
    jobs = ReportJob.objects.visible_to(user).select_related("ordered_by")
    shown = ("title", "status", "created_at", "ordered_by__full_name", "ordered_by__email")
    return counted_page(jobs.only(*shown), number)


def _list_page(request, refused=None):
    """The user's reports and the order forms; ``refused``: an order form sent with problems,
    shown in its place with every problem at its field."""
    forms = order_forms_for(request.user)
    if refused is not None:
        forms = [refused if form.kind == refused.kind else form for form in forms]
    page = paginate_counted(request, read=partial(_job_page, request.user))
    return render(
        request,
        "reports/report_list.html",
        {"page": page, "rows": _job_rows(page, request.user), "forms": forms},
    )


def _job_rows(jobs, user) -> str:
    """The report table's rows, written here rather than by a template loop (which takes many
    times as long per row); every text escaped as the template would."""
    words = {
        "download": _("Download"),
        "status": {status: escape(label) for status, label in JobStatus.choices},
        "job": url_for_pk("reports:job"),
        "file": url_for_pk("reports:download"),
    }
    return mark_safe("\n".join(_job_row(job, user, words) for job in jobs))


def _job_row(job, user, words) -> str:
    ordered = format_moment(job.created_at)
    if job.ordered_by_id != user.pk:
        ordered += f" – {escape(job.ordered_by)}"
    title = escape(job.title)
    status = words["status"].get(job.status) or escape(job.status)
    link = ""
    if job.is_done:
        link = (
            f'<a href="{words["file"](job.pk)}">{escape(words["download"])}'
            f'<span class="visually-hidden"> {title}</span></a>'
        )
    return (
        f'<tr><td><a href="{words["job"](job.pk)}">{title}</a></td>'
        f"<td>{ordered}</td><td>{status}</td><td>{link}</td></tr>"
    )


@require_POST
def order(request, kind):
    forms = {form.kind: form for form in order_forms_for(request.user, request.POST)}
    form = forms.get(kind)
    if form is None:
        raise Http404
    if not form.is_valid():
        if _not_offered(form):
            raise Http404
        return _list_page(request, refused=form)
    try:
        job = services.order_report(request.user, kind, **form.parameters())
    except (PermissionDenied, ReportError):
        raise Http404 from None
    if job.status == JobStatus.DONE:
        messages.info(request, _("The data has not changed since this report was made."))
    return redirect("reports:job", pk=job.pk)


def _not_offered(form) -> bool:
    """A choice the form does not offer the user: hidden and missing alike answer 404, so
    that ids cannot be probed."""
    return any(
        error.code == "invalid_choice"
        for errors in form.errors.as_data().values()
        for error in errors
    )


def _job(request, pk):
    """A job the user may see, about data they may still see: who may order a report is
    asked again, so a colleague or a former member cannot fetch what they may not read."""
    job = get_visible_or_404(ReportJob.objects.select_related("ordered_by"), request.user, pk=pk)
    if builder_for(job.kind).subject_for(request.user, job.parameters) is None:
        raise Http404
    return job


def job_detail(request, pk):
    return render(request, "reports/job.html", {"job": _job(request, pk)})


def job_status(request, pk):
    """The progress part of the job page; htmx asks for it every second until it is finished."""
    return render(request, "reports/partials/status.html", {"job": _job(request, pk)})


def job_download(request, pk):
    job = _job(request, pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    return download(job.file, services.download_name(job))


@require_POST
def job_retry(request, pk):
    job = services.retry(request.user, _job(request, pk))
    messages.info(request, _("The report is being built again."))
    return redirect("reports:job", pk=job.pk)
