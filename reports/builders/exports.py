"""CSV exports for spreadsheets, in the format of ``scheme.spreadsheet``: UTF-8 with a
byte-order mark (so Excel reads æøå), semicolons between columns and decimal commas, as
Norwegian spreadsheets expect."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import Registration
from grants.models import AccountLine, Application, ApplicationStatus, Award
from mentoring.models import Meeting
from reports.builders import Builder, register, schemes_in
from scheme.roles import access_for
from scheme.spreadsheet import cell as _cell
from scheme.spreadsheet import csv_writer, encode

ROWS_PER_STEP = 500


def write_csv(header, rows, progress, total) -> bytes:
    """The rows as CSV text encoded for spreadsheets, reporting progress as it goes."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in row])
        if number % ROWS_PER_STEP == 0:
            progress(90 * number // max(total, 1), _("Writing row %(n)d") % {"n": number})
    return encode(out.getvalue())


def _load_schemes(user, parameters) -> list:
    """The schemes the export is ordered for (``parameters["schemes"]``)."""
    return schemes_in(parameters) or []


def _allowed(user, schemes, parameters) -> bool:
    return access_for(user).may_export(schemes)


def _in_schemes(queryset, schemes, path):
    """Only the rows of the schemes the export was ordered for."""
    return queryset.filter(**{f"{path}__in": schemes})


def _file_name(stem) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.csv"


def applications(schemes, parameters, progress):
    queryset = _in_schemes(
        Application.objects.exclude(status=ApplicationStatus.DRAFT).select_related(
            "organisation", "round__scheme_year__scheme"
        ),
        schemes,
        "round__scheme_year__scheme",
    ).order_by("round__opens_on", "organisation__name")
    rows = (
        (a.round.scheme_year.year, a.round.title, a.organisation.name, a.organisation.org_number,
         a.organisation.get_county_display(), a.get_status_display(), a.amount,
         a.get_eligibility_display(), a.submitted_at)
        for a in queryset.iterator()
    )  # fmt: skip
    header = [_("Year"), _("Call"), _("Organisation"), _("Organisation number"), _("County"),
              _("Status"), _("Amount applied for"), _("Eligibility"), _("Submitted")]  # fmt: skip
    return write_csv(header, rows, progress, queryset.count()), _file_name("applications")


def awards(schemes, parameters, progress):
    queryset = _in_schemes(
        Award.objects.select_related(
            "application__organisation", "application__round__scheme_year", "decision"
        ),
        schemes,
        "application__round__scheme_year__scheme",
    ).order_by("application__round__scheme_year__year", "application__organisation__name")
    rows = (
        (w.application.round.scheme_year.year, w.application.organisation.name,
         w.application.organisation.org_number, w.amount, w.decision.decided_at.date(),
         w.accepted_at)
        for w in queryset.iterator()
    )  # fmt: skip
    header = [_("Year"), _("Organisation"), _("Organisation number"), _("Amount awarded"),
              _("Decided"), _("Conditions accepted")]  # fmt: skip
    return write_csv(header, rows, progress, queryset.count()), _file_name("awards")


def accounts(schemes, parameters, progress):
    queryset = _in_schemes(
        AccountLine.objects.select_related(
            "report__award__application__organisation",
            "report__award__application__round__scheme_year",
        ),
        schemes,
        "report__award__application__round__scheme_year__scheme",
    ).order_by("report__due_on", "report__award__application__organisation__name", "id")
    rows = (
        (line.report.award.application.round.scheme_year.year,
         line.report.award.application.organisation.name, line.get_kind_display(),
         line.get_category_display(), line.description, line.amount)
        for line in queryset.iterator()
    )  # fmt: skip
    header = [_("Year"), _("Organisation"), _("Income or expense"), _("Category"),
              _("What"), _("Amount")]  # fmt: skip
    return write_csv(header, rows, progress, queryset.count()), _file_name("accounts")


def meetings(schemes, parameters, progress):
    """Mentor meetings without their notes: the notes belong to the pair."""
    queryset = (
        _in_schemes(Meeting.objects.all(), schemes, "pairing__scheme")
        .select_related("pairing__mentor", "logged_for")
        .prefetch_related("pairing__members__organisation", "topics")
        .order_by("held_on", "id")
    )
    rows = (
        (m.held_on, m.pairing.mentor.name,
         ", ".join(p.organisation.name for p in m.pairing.members.all()),
         m.get_mode_display(), m.duration_minutes, ", ".join(t.name for t in m.topics.all()),
         m.logged_for.name, bool(m.confirmed_at))
        for m in queryset
    )  # fmt: skip
    header = [_("Date"), _("Mentor"), _("Participants"), _("How"), _("Minutes"), _("Topics"),
              _("Logged by"), _("Confirmed")]  # fmt: skip
    return write_csv(header, rows, progress, queryset.count()), _file_name("meetings")


def attendance(schemes, parameters, progress):
    queryset = _in_schemes(
        Registration.objects.select_related("event", "organisation"),
        schemes,
        "event__scheme_year__scheme",
    ).order_by("event__starts_at", "organisation__name", "person_name")
    rows = (
        (timezone.localtime(r.event.starts_at).date(), r.event.title, r.event.get_kind_display(),
         r.organisation.name, r.person_name, bool(r.cancelled_at), r.attended)
        for r in queryset.iterator()
    )  # fmt: skip
    header = [_("Date"), _("Event"), _("Kind"), _("Organisation"), _("Name"), _("Cancelled"),
              _("Attended")]  # fmt: skip
    return write_csv(header, rows, progress, queryset.count()), _file_name("attendance")


for kind, build, title in (
    ("csv_applications", applications, gettext_lazy("Applications (CSV)")),
    ("csv_awards", awards, gettext_lazy("Awards (CSV)")),
    ("csv_accounts", accounts, gettext_lazy("Accounts lines (CSV)")),
    ("csv_meetings", meetings, gettext_lazy("Mentor meetings (CSV)")),
    ("csv_attendance", attendance, gettext_lazy("Attendance (CSV)")),
):
    register(Builder(kind, load=_load_schemes, title=lambda schemes, t=title: str(t),
                     allowed=_allowed, build=build))  # fmt: skip
