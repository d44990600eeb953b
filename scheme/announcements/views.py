"""The announcement pages: everyone's list, the dashboard's buttons, and the caseworkers'
list and form. Objects come through ``visible_to`` (get_visible_or_404): another body's
announcement answers 404; the caseworker pages answer 403 to other roles."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scheme import registry
from scheme.once import AlreadySent
from scheme.roles import Role, require_role
from scheme.storage import download
from scheme.web import add_service_errors, get_visible_or_404, paginate

from . import services
from .forms import AnnouncementForm
from .models import Announcement, AnnouncementRead, AudienceKind
from .reads import read_counts


def announcement_list(request):
    """Every published announcement for the person, pinned first, newest first."""
    read = AnnouncementRead.objects.filter(
        announcement=OuterRef("pk"), person=request.user, read_at__isnull=False
    )
    announcements = (
        Announcement.objects.published()
        .visible_to(request.user)
        .annotate(is_read=Exists(read))
        .newest_first()
    )
    return render(request, "announcements/list.html", {"page": paginate(request, announcements)})


def _back(request):
    """Back to the page the button was on; htmx (the page already shows the change) gets an
    empty answer, whose swap removes the announcement or its button."""
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    return redirect(request.POST.get("next") or "announcements:list")


@require_POST
def mark_read(request, pk):
    announcement = get_visible_or_404(Announcement.objects.published(), request.user, pk=pk)
    services.mark_read(request.user, announcement)
    return _back(request)


@require_POST
def dismiss(request, pk):
    announcement = get_visible_or_404(Announcement.objects.published(), request.user, pk=pk)
    services.dismiss(request.user, announcement)
    return _back(request)


def attachment(request, pk):
    announcement = get_visible_or_404(Announcement, request.user, pk=pk)
    return download(announcement.file, announcement.file_name)


# --- the caseworkers' pages ------------------------------------------------------------------


def _administered(request):
    access = require_role(request.user, Role.CASEWORKER)
    return access.administered(Announcement.objects.all(), "scheme_year__scheme__administrator_id")


def _administered_one(request, pk):
    return get_visible_or_404(
        _administered(request).select_related("scheme_year__scheme"), request.user, pk=pk
    )


def manage(request):
    """The body's announcements with how many of each audience have read them."""
    page = paginate(
        request,
        _administered(request).select_related("scheme_year__scheme", "author").newest_first(),
    )
    counts = read_counts(page.object_list)
    group = registry.audience_group(AudienceKind.EVENT)
    years = {a.scheme_year for a in page.object_list if a.audience == AudienceKind.EVENT}
    events = dict(group.choices(years)) if group and years else {}
    rows = [(a, counts[a.pk], events.get(a.group_id, "")) for a in page.object_list]
    return render(request, "announcements/manage.html", {"page": page, "rows": rows})


def _save(request, form, announcement=None):
    """Call the service with the form's data; the form's errors when it refuses."""
    upload = form.cleaned_data.pop("upload", None)
    token = form.pop_form_token()
    content = dict(form.cleaned_data)
    try:
        if announcement is None:
            scheme_year = content.pop("scheme_year")
            services.publish(request.user, scheme_year, upload=upload, form_token=token, **content)
        else:
            content.pop("scheme_year", None)
            services.edit(request.user, announcement, upload=upload, **content)
    except AlreadySent as error:
        messages.info(request, error.messages[0])
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def create(request):
    require_role(request.user, Role.CASEWORKER)
    form = AnnouncementForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid() and _save(request, form):
        messages.success(request, _("The announcement is saved."))
        return redirect("announcements:manage")
    return render(request, "announcements/form.html", {"form": form})


def edit(request, pk):
    announcement = _administered_one(request, pk)
    decision = Announcement.workflow.decide(request.user, announcement, "edit")
    if not decision:
        messages.error(request, decision.reason)
        return redirect("announcements:manage")
    form = AnnouncementForm(
        request.POST or None, request.FILES or None, instance=announcement, user=request.user
    )
    form.fields["scheme_year"].disabled = True
    if request.method == "POST" and form.is_valid() and _save(request, form, announcement):
        messages.success(request, _("The announcement is saved."))
        return redirect("announcements:manage")
    return render(request, "announcements/form.html", {"form": form, "announcement": announcement})


@require_POST
def pin(request, pk):
    announcement = _administered_one(request, pk)
    try:
        services.set_pinned(request.user, announcement, request.POST.get("pinned") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("announcements:manage")


@require_POST
def withdraw(request, pk):
    announcement = _administered_one(request, pk)
    try:
        services.withdraw(request.user, announcement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The announcement is withdrawn."))
    return redirect("announcements:manage")
