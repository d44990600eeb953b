"""The evaluation figures as CSV files in one ZIP, for evaluators and the scheme's caseworkers:
one CSV per table of the evaluation summary, written from the same ``EvaluationFigures`` the
PDF prints (``reports.figures.evaluation``), after the same small-group rule
(``reports.builders.documents``), so that the two never disagree.

The files are data for a spreadsheet (``scheme.spreadsheet``: UTF-8 with a byte-order mark,
semicolons, decimal commas): numbers without thousands separators, yes/no in the reader's
language, "fewer than 3" where the summary says it. Organisations appear only by their
anonymous label (``reports.figures.anonymous``) and free text only scrubbed
(``courses.anonymise.Scrubber``), as in the summary. The headers and the names of the files are
in the language of the one who ordered it (the job is built in it); the ZIP's own name is put in
the reader's language when downloaded (``reports.services.FILE_WORDS``).
"""

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from mentoring.progress import Health
from organisations.models import ApplicationOutcome
from reports.builders import Builder, ReportError, register
from reports.builders.documents import (
    evaluation_allowed,
    load_scheme,
    period_in,
    shown_to_evaluators,
)
from reports.figures.definitions import DEFINITIONS
from reports.figures.evaluation import evaluation_figures, scheme_period
from scheme.file_names import file_stem
from scheme.formatting import format_day
from scheme.spreadsheet import csv_bytes


@dataclass
class Table:
    """One CSV file: its name (in the reader's language, without the suffix) and its rows."""

    name: str
    header: list
    rows: list


def _data(value):
    """A value as data: a ratio or average with a decimal comma (``scheme.spreadsheet.cell``
    writes decimals so), a translated text as text; counts and amounts as they are."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, (bool, int, Decimal)) or value is None or hasattr(value, "isoformat"):
        return value
    return str(value)


def summary(figures, feedback) -> list[Table]:
    """The key figures and every other single-number figure of the summary."""
    rows = [
        (_("Participating organisations"), figures.organisations),
        (_("Organisations awarded"), figures.organisations_awarded),
        (_("Awarded"), figures.awarded),
        (_("Grant reports sent"), figures.reports_sent),
        (_("Grant reports that describe the activities held"), figures.reports_with_activities),
        (_("People reached, as reported"), figures.people_reached),
        (_("Recurring activities on the organisations' profiles"),
         figures.activities_on_profiles),
        (_("Collaborations recorded"), figures.collaborations),
        (_("Organisations with collaborations"), figures.organisations_with_collaborations),
        (_("Collaborations with public partners"), figures.public_collaborations),
        (_("Organisations with public partners"), figures.organisations_with_public_partners),
        (_("Organisations that have recorded grant applications elsewhere"),
         figures.organisations_applying_elsewhere),
        (_("Local branches"), figures.branches),
        (_("Organisations with branches"), figures.organisations_with_branches),
        (_("Municipalities with branches"), figures.branch_municipalities),
        (_("Mentor pairings"), figures.pairings),
        (_("Pairings with several participants (group mentoring)"), figures.group_pairings),
        (_("Pairings replaced by another mentor"), figures.replaced),
        (_("Mentor meetings"), figures.meetings),
        (_("Flags raised"), figures.flags_raised),
        (_("Flags followed up"), figures.flags_resolved),
        (_("Courses, gatherings and joint meetings held"), figures.events_held),
        (_("Answers to feedback forms"), sum(form["responses"] for form in feedback)),
    ]  # fmt: skip
    return [Table(pgettext("file name", "key figures"), [_("Figure"), _("Number")], rows)]


def years(figures, feedback) -> list[Table]:
    """The "Year by year" table: a column per year, the whole period and its total rule."""
    header = [_("Figure"), *(row.year for row in figures.years), _("Whole period"),
              _("How the whole period is counted")]  # fmt: skip
    rows = [(line.label, *line.values, line.total, line.rule_text) for line in figures.year_table]
    return [Table(pgettext("file name", "year by year"), header, rows)]


def goals(figures, feedback) -> list[Table]:
    header = [_("Goal"), _("Text"), _("Grant reports that describe a result toward the goal")]
    rows = [(goal.number, goal.text, goal.reports_with_result) for goal in figures.goals]
    return [Table(pgettext("file name", "goals"), header, rows)]


def competence(figures, feedback) -> list[Table]:
    header = [_("Competence area"), _("Asked for"), _("Events"), _("Attended"),
              _("Mentor meetings")]  # fmt: skip
    rows = [(r.area, r.needed, r.events, r.attended, r.meetings) for r in figures.competence]
    return [Table(pgettext("file name", "competence areas"), header, rows)]


def collaborations(figures, feedback) -> list[Table]:
    kinds = [(_("Kind of partner"), kind, n) for kind, n in figures.collaborations_by_kind.items()]
    kinds += [(_("Status"), status, n) for status, n in figures.collaborations_by_status.items()]
    public = [(_("Kind of partner"), kind, n) for kind, n in figures.public_by_kind.items()]
    counted = [_("Counted by"), _("Value"), _("Number")]
    growth = [_("Year"), _("New"), _("Total")]
    return [
        Table(pgettext("file name", "collaborations"), counted, kinds),
        Table(pgettext("file name", "collaborations per year"), growth,
              figures.collaborations_growth),
        Table(pgettext("file name", "public partners"), counted, public),
        Table(pgettext("file name", "public partners per year"), growth, figures.public_growth),
    ]  # fmt: skip


def reach_and_funding(figures, feedback) -> list[Table]:
    frequency = [(label, n) for label, n in figures.activities_by_frequency.items()]
    outcomes = [str(label) for label in ApplicationOutcome.labels]
    elsewhere = [
        (year, *(counts[o] for o in ApplicationOutcome.values), granted)
        for year, counts, granted in figures.previous_applications
    ]
    return [
        Table(pgettext("file name", "activities"), [_("How often"), _("Activities")], frequency),
        Table(pgettext("file name", "applications elsewhere"),
              [_("Year"), *outcomes, _("Amount granted")], elsewhere),
        Table(pgettext("file name", "branches per year"), [_("Year"), _("Branches started")],
              figures.branches_by_year),
    ]  # fmt: skip


def mentoring(figures, feedback) -> list[Table]:
    """The mentoring pattern: the pairings' health and status, the meetings' modes, check-ins."""
    health = _("Health on %(date)s") % {"date": format_day(figures.period.last_day)}
    pattern = [(health, label, figures.health.get(value, 0)) for value, label in Health.choices]
    pattern += [(_("Status"), status, n) for status, n in figures.pairings_by_status.items()]
    pattern += [(_("How"), mode, n) for mode, n in figures.meetings_by_mode.items()]
    check_ins = [
        (r.kind, r.side, r.answers, r.good_fit, r.poor_fit, r.usefulness, r.cooperation,
         r.progress)
        for r in figures.check_ins
    ]  # fmt: skip
    return [
        Table(pgettext("file name", "pairings"), [_("Counted by"), _("Value"), _("Pairings")],
              pattern),
        Table(pgettext("file name", "check-ins"),
              [_("Check-in"), _("Side"), _("Answers"), _("Good fit"), _("Poor fit"),
               _("Useful"), _("Cooperation"), _("Progress")], check_ins),
        Table(pgettext("file name", "check-in comments"), [_("Comment")],
              [(text,) for text in figures.check_in_comments]),
    ]  # fmt: skip


def mentoring_process(figures, feedback) -> list[Table]:
    process = [(r.year, r.held, r.postponed, r.cancelled, r.by_participants, r.by_mentors)
               for r in figures.meeting_process]  # fmt: skip
    initiative = [(r.label, r.meetings, r.share) for r in figures.initiative]
    clarity = [(r.kind_label, r.side_label, r.answers_shown, r.average_shown)
               for r in figures.clarity]  # fmt: skip
    health = [(r.year, r.day, *r.counts) for r in figures.year_end_health]
    return [
        Table(pgettext("file name", "meetings held postponed cancelled"),
              [_("Year"), _("Held"), _("Postponed"), _("Cancelled"),
               _("Called off by the participant side"), _("Called off by the mentor side")],
              process),
        Table(pgettext("file name", "initiative"), [_("Initiative"), _("Meetings"), _("Per cent")],
              initiative),
        Table(pgettext("file name", "clarity of expectations"),
              [_("Check-in"), _("Side"), _("Answers"), _("Average (1–5)")], clarity),
        Table(pgettext("file name", "health at the end of each year"),
              [_("Year"), _("Read on"), *figures.health_labels], health),
    ]  # fmt: skip


def feedback_forms(figures, feedback) -> list[Table]:
    """Each form's answers under the small-group rule, as the summary shows them: a form
    answered by fewer than the smallest group only says so."""
    counts, texts = [], []
    for form in feedback:
        answers = _("fewer than %(n)d") % {"n": figures.scheme.smallest_group}
        if form["hidden"]:
            counts.append((form["title"], answers, "", "", "", ""))
        for result in form["questions"]:
            question = result.question.text
            for label, n in result.counts:
                average = result.average if result.question.is_rating else None
                counts.append((form["title"], form["responses"], question, label, n, average))
            texts += [(form["title"], question, text) for text in result.texts]
    header = [_("Form"), _("Answers to the form"), _("Question"), _("Answer"), _("Chosen by"),
              _("Average (1–5)")]  # fmt: skip
    return [
        Table(pgettext("file name", "feedback forms"), header, counts),
        Table(pgettext("file name", "feedback texts"), [_("Form"), _("Question"), _("Answer")],
              texts),
    ]  # fmt: skip


def events(figures, feedback) -> list[Table]:
    """Each event as one line (a postponed one too), and the plan against what was held."""
    found = figures.events
    plan = [(r.year, r.planned, r.planned_held, r.held, r.outside_plan, r.postponed,
             r.cancelled, r.attended) for r in found.years]  # fmt: skip
    lines = [
        (e.year, e.kind, e.title, e.provider, e.is_digital, e.venue,
         date_format(e.starts_at, "l"), e.starts_at.date(), e.starts_at.strftime("%H:%M"),
         e.planned_month, e.first_planned, e.postponed, e.held, e.cancelled,
         e.organisations_came, e.brought_two, e.tasks, e.organisations_tasked, e.handed_in)
        for e in found.events
    ]  # fmt: skip
    return [
        Table(pgettext("file name", "events plan against held"),
              [_("Year"), _("Planned items"), _("Planned and held"), _("Events held"),
               _("Held outside the plan"), _("Postponed"), _("Cancelled"),
               _("People attended")], plan),
        Table(pgettext("file name", "events"),
              [_("Year"), _("Kind"), _("Event"), _("Given by"), _("Digital"), _("Where"),
               _("Weekday"), _("Date"), _("Time"), _("Planned for the month"),
               _("First planned for"), _("Postponed"), _("Held"), _("Cancelled"),
               _("Organisations that came"), _("Organisations that brought two"),
               _("Practical tasks"), _("Organisations given a task"),
               _("Organisations that handed in")], lines),
    ]  # fmt: skip


def money(figures, feedback) -> list[Table]:
    """Spending by category per anonymous organisation, amounts against the audit threshold,
    applicants and the selection, and the cost per organisation."""
    found = figures.money
    spending = [*found.spending.rows, found.spending.all] if found.spending.rows else []
    per_organisation = [(r.organisation, r.salary, r.activities, r.other, r.total,
                         r.salary_share) for r in spending]  # fmt: skip
    selection = found.selection
    chosen = [(_("Organisations"), _("Invited to a closed call"), selection.invited, "", ""),
              (_("Organisations"), _("Applied"), selection.applied, "", ""),
              (_("Organisations"), _("Awarded"), selection.awarded, "", "")]  # fmt: skip
    for _caption, column, rows in selection.tables:
        chosen += [(column, r.label, r.applied_shown, r.awarded_shown, r.share) for r in rows]
    bins = [(b.label, not b.under_threshold, b.applied_shown, b.awarded_shown)
            for b in found.threshold.bins]  # fmt: skip
    cost_header = [_("Figure"), *(row.year or _("Whole period") for row in found.cost)]
    return [
        Table(pgettext("file name", "spending per organisation"),
              [_("Organisation"), _("Salary and fees"), _("Activities"),
               _("Rent, travel, equipment and other"), _("Total"),
               _("Share on salary and fees (per cent)")], per_organisation),
        Table(pgettext("file name", "spending by category"),
              [_("Category"), _("Amount"), _("Share (per cent)")],
              found.spending.by_category if found.spending.rows else []),
        Table(pgettext("file name", "amounts against the audit threshold"),
              [_("Amount (NOK)"), _("Auditor needed"), _("Applications"), _("Grants")], bins),
        Table(pgettext("file name", "applicants and selection"),
              [_("Counted by"), _("Value"), _("Applied"), _("Awarded"),
               _("Share awarded (per cent)")], chosen),
        Table(pgettext("file name", "cost per organisation"), cost_header,
              [(label, *values) for label, values in found.cost_lines]),
    ]  # fmt: skip


def network(figures, feedback) -> list[Table]:
    """New ties per year, ties by kind, and who works with whom (by anonymous labels)."""
    found = figures.network
    first = figures.period.calendar_years[0]
    years = [(_("Before %(year)s") % {"year": first}, found.started_before,
              found.started_before)] if found.started_before else []  # fmt: skip
    years += found.new_by_year
    return [
        Table(pgettext("file name", "new ties per year"),
              [_("Year"), _("New ties"), _("Total so far")], years),
        Table(pgettext("file name", "ties by kind"), [_("Kind of partner"), _("Ties")],
              found.by_kind),
        Table(pgettext("file name", "ties"), [_("Participant"), _("Partner"), _("Started")],
              [(tie.participant, tie.partner, tie.year) for tie in found.ties]),
    ]  # fmt: skip


def outcomes(figures, feedback) -> list[Table]:
    """Grants from others after the scheme, per anonymous participant, and their total."""
    found = figures.outcomes
    rows = [(r.organisation, r.answered, r.applications, r.granted, r.amount)
            for r in found.rows] if found.years_after else []  # fmt: skip
    if rows:
        total = found.total
        rows.append((_("Total"), "", total.applications, total.granted, total.amount))
    return [
        Table(pgettext("file name", "grants after the scheme"),
              [_("Organisation"), _("Follow-up answered"), _("Applied for"), _("Granted"),
               _("Amount granted")], rows),
    ]  # fmt: skip


def about(figures, feedback) -> list[Table]:
    """The period and the definitions every figure follows."""
    period = figures.period
    rows = [
        (_("Period"), f"{format_day(period.start)}–{format_day(period.end)}"),
        (_("Figures as of"), format_day(period.as_of)),
        (_("Small groups"),
         _('A group of fewer than %(n)s organisations or people is shown as "fewer than '
           '%(n)s"; the averages of such a group, and the results of a form answered by '
           "fewer, are left out.") % {"n": figures.scheme.smallest_group}),  # the PDF's words
        *((term, text) for term, text in DEFINITIONS),
    ]  # fmt: skip
    return [Table(pgettext("file name", "about the figures"), [_("Term"), _("Definition")], rows)]


# The tables in the order the summary shows them; each takes the figures and the feedback
# forms as the summary shows them (``documents.shown_to_evaluators``).
TABLES = [summary, years, goals, competence, collaborations, reach_and_funding, mentoring,
          mentoring_process, feedback_forms, events, money, network, outcomes, about]  # fmt: skip


def tables_of(figures, feedback) -> list[Table]:
    return [table for write in TABLES for table in write(figures, feedback)]


def figures_for(scheme, parameters, progress):
    """The summary's figures for the job's period, with the summary's small-group rule applied:
    (figures, feedback forms)."""
    figures = evaluation_figures(scheme, period_in(parameters, scheme_period(scheme)), progress)
    return figures, shown_to_evaluators(figures, scheme.smallest_group)


def build_evaluation_csv(scheme, parameters, progress):
    if scheme is None:
        raise ReportError(_("The scheme no longer exists."))
    figures, feedback = figures_for(scheme, parameters, progress)
    progress(90, _("Writing the CSV files"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for number, table in enumerate(tables_of(figures, feedback), start=1):
            rows = [[_data(value) for value in row] for row in table.rows]
            content = csv_bytes([str(cell) for cell in table.header], rows)
            package.writestr(f"{number:02d}-{file_stem(table.name)}.csv", content)
    return buffer.getvalue(), f"evaluation-figures-{file_stem(scheme.slug)}.zip"


def evaluation_csv_title(scheme) -> str:
    return str(gettext_lazy("Evaluation figures (CSV): %(scheme)s") % {"scheme": scheme.name})


register(
    Builder(
        "evaluation_csv",
        load=load_scheme,
        title=evaluation_csv_title,
        allowed=evaluation_allowed,
        build=build_evaluation_csv,
    )
)
