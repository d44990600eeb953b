"""The PDF reports: figures from reports/figures/, rendered by reports/pdf.py.

Each kind registers a Builder: how it fetches the object the report is about, its title, who
may order it (the kind's rule in ``scheme.roles``) and the function that gathers the figures,
draws the charts and writes the PDF:

- ``annual``: the annual grant report for a scheme year;
- ``evaluation``: the evaluation summary for a whole scheme, anonymised;
- ``organisation``: one participant organisation's record (whole, or in some schemes);
- ``award_letter``: the award letter on the administering body's letterhead.

The first three cover a period read as of a date (``reports.figures.definitions``), taken from
the job's parameters ``start``, ``end`` and ``as_of`` (ISO dates). Without them: the annual
report its scheme year, the evaluation summary the scheme's years, the organisation report
the years of every scheme; as of the period's end. The as-of date is never after today, and
the annual report's period is always its scheme year.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.anonymise import at_least, small_group_results
from grants.models import Award, BudgetCategory
from mentoring.progress import Health
from organisations.models import ApplicationOutcome, Organisation
from reports.builders import (
    Builder,
    ReportError,
    administered_scheme_ids,
    id_in,
    register,
    schemes_in,
)
from reports.charts import Bar, bar_chart, column_chart, grouped_bars, stacked_bars
from reports.figures.annual import annual_figures
from reports.figures.award_letter import letter_figures, load_award
from reports.figures.definitions import DEFINITIONS, Period
from reports.figures.evaluation import evaluation_figures, scheme_period
from reports.figures.organisation import organisation_figures, portal_period
from reports.pdf import render_pdf
from scheme.file_names import file_stem
from scheme.formatting import format_day
from scheme.models import Scheme, SchemeYear, administered_schemes
from scheme.roles import access_for


def css_string(text) -> str:
    """``text`` as a quoted CSS string, for the page boxes (header and footer) of base.html."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '\\"<>&\n\r' or ord(char) < 32 else char
        for char in str(text)
    )
    return f'"{escaped}"'


def render(template_name: str, context: dict) -> bytes:
    """Render a report template (extending reports/pdf/base.html) to PDF bytes."""
    context = {
        **context,
        "css_header_left": css_string(context.get("header_left", context["title"])),
        "css_header_right": css_string(context.get("header_right", "")),
        "css_page": css_string(_("Page")),
        "css_of": css_string(_("of")),
    }
    return render_pdf(template_name, context)


# A chart with one bar per organisation or pairing up to this many; beyond it (it would not fit
# on a page) a chart of the distribution instead.
CHART_ROWS = 30


def _percent(share: float) -> str:
    return f"{round(share * 100)}\xa0%"


def _date(parameters, name):
    try:
        return datetime.date.fromisoformat(parameters[name])
    except KeyError:
        return None
    except (TypeError, ValueError):
        raise ReportError(_("The period's dates are not valid dates.")) from None


def period_in(parameters, default: Period) -> Period:
    """The period the job's parameters give (``start``, ``end``, ``as_of``), else ``default``'s
    days; as of the period's end by default, never after today."""
    start = _date(parameters, "start") or default.start
    end = _date(parameters, "end") or default.end
    if end < start:
        raise ReportError(_("The period ends before it starts."))
    return Period(start, end, min(_date(parameters, "as_of") or end, timezone.localdate()))


def _about(period) -> dict:
    """What every report with figures prints: its period and the definitions."""
    return {"period": period, "definitions": DEFINITIONS}


def _health_rows(health) -> list[tuple]:
    return [(label, health.get(value, 0)) for value, label in Health.choices]


# --- the annual grant report ---------------------------------------------------------------------


def load_scheme_year(user, parameters):
    return (
        SchemeYear.objects.select_related("scheme__administrator")
        .filter(pk=id_in(parameters, "scheme_year"))
        .first()
    )


def annual_title(scheme_year) -> str:
    return str(gettext_lazy("Annual grant report %(year)s") % {"year": scheme_year.year})


def annual_allowed(user, scheme_year, parameters) -> bool:
    return access_for(user).may_order_annual_report(scheme_year)


def build_annual(scheme_year, parameters, progress):
    if scheme_year is None:
        raise ReportError(_("The scheme year no longer exists."))
    today = timezone.localdate()
    as_of = period_in(parameters, Period.year(scheme_year.year)).as_of
    figures = annual_figures(scheme_year, as_of, progress)
    progress(85, _("Drawing the charts"))
    labels = dict(BudgetCategory.choices)
    categories = [
        (labels[c], amount, _percent(figures.share_of_spending(c)))
        for c, amount in figures.spent_by_category.items()
    ]
    if len(figures.awards) <= CHART_ROWS:
        spending_chart = stacked_bars(
            [(row.organisation, [row.spent.get(c, 0) for c in BudgetCategory.values])
             for row in figures.awards if row.spent_total],
            [str(labels[c]) for c in BudgetCategory.values],
            title=_("Spending by category per organisation"),
            unit=_("share of what each organisation spent"),
        )  # fmt: skip
    else:  # too many for one bar each: how many spent what share on salary
        spending_chart = column_chart(
            [Bar(label, n) for label, n in figures.salary_share_bands()],
            title=_("Organisations by the share of their spending that went to salary and fees"),
            unit=_("organisations"),
        )
    if len(figures.pairings) <= CHART_ROWS:
        meetings_chart = bar_chart(
            [Bar(f"{row.mentor} – {row.participants}", row.meetings) for row in figures.pairings],
            title=_("Mentor meetings per pairing"),
            unit=_("meetings held"),
        )
    else:
        meetings_chart = column_chart(
            [Bar(label, n) for label, n in figures.meetings_distribution()],
            title=_("Pairings by the number of meetings held"),
            unit=_("pairings"),
        )
    progress(90, _("Writing the PDF"))
    title = annual_title(scheme_year)
    content = render(
        "reports/pdf/annual.html",
        {
            "title": title,
            "header_left": title,
            "header_right": scheme_year.scheme.administrator.name,
            "author": scheme_year.scheme.administrator.name,
            "figures": figures,
            "today": today,
            **_about(figures.period),
            "health_rows": _health_rows(figures.health),
            "states": figures.report_states,
            "categories": categories,
            "salary_share": _percent(figures.share_of_spending(BudgetCategory.SALARY)),
            "activities_share": _percent(figures.share_of_spending(BudgetCategory.ACTIVITIES)),
            "mainly_salary": figures.organisations_mainly_on(BudgetCategory.SALARY),
            "mainly_activities": figures.organisations_mainly_on(BudgetCategory.ACTIVITIES),
            "spending_chart": spending_chart,
            "meetings_chart": meetings_chart,
        },
    )
    return content, f"annual-report-{file_stem(scheme_year.scheme.slug)}-{scheme_year.year}.pdf"


# --- the evaluation summary ----------------------------------------------------------------------


def load_scheme(user, parameters):
    return Scheme.objects.filter(pk=id_in(parameters, "scheme")).first()


def evaluation_title(scheme) -> str:
    return str(gettext_lazy("Evaluation summary: %(scheme)s") % {"scheme": scheme.name})


def evaluation_allowed(user, scheme, parameters) -> bool:
    return access_for(user).may_order_evaluation(scheme)


def _evaluation_charts(figures) -> dict:
    return {
        "competence": grouped_bars(
            [(row.area, [row.needed, row.events, row.meetings]) for row in figures.competence],
            [_("asked for"), _("events"), _("mentor meetings")],
            title=_("Competence areas: asked for, covered by events and by mentor meetings"),
            unit=_("organisations, events and meetings"),
        ),
        "growth": column_chart(
            [Bar(str(year), total) for year, _new, total in figures.collaborations_growth],
            title=_("Collaborations recorded, total by year"),
            unit=_("collaborations"),
        ),
        "reach": column_chart(
            [Bar(str(row.year), row.people_reached) for row in figures.years],
            title=_("People reached, as reported, by year"),
            unit=_("people"),
        ),
        "funding": grouped_bars(
            [
                (str(year), [outcomes[o] for o in ApplicationOutcome.values])
                for year, outcomes, _granted in figures.previous_applications
            ],
            [str(label) for label in ApplicationOutcome.labels],
            title=_("Grant applications elsewhere by year and outcome"),
            unit=_("applications"),
        ),
        "health": bar_chart(
            [Bar(str(label), figures.health.get(value, 0)) for value, label in Health.choices],
            title=_("How the pairings were doing on %(date)s")
            % {"date": format_day(figures.period.last_day)},
            unit=_("pairings"),
        ),
        # Money (issue 14): a range with fewer applications than the smallest group is not
        # drawn, only marked "< n" (reports.figures.money.AmountBin).
        "spending": [
            stacked_bars(
                group,
                figures.money.spending.categories,
                title=_("Spending by category, per organisation"),
                unit=_("per cent of the organisation's spending"),
            )
            for group in figures.money.spending.chart_groups
        ],
        "threshold": column_chart(
            [
                Bar(label, b.drawn, b.note)
                for label, b in zip(
                    figures.money.threshold.chart_labels, figures.money.threshold.bins, strict=True
                )
            ],
            title=_("Amounts applied for, against the audit threshold"),
            unit=_("applications, by amount applied for, in per cent of the audit threshold"),
        ),
        "cost": column_chart(
            [
                Bar(str(row.year), row.per_organisation_shown)
                for row in figures.money.cost
                if row.year and row.per_organisation_shown is not None
            ],
            title=_("Cost per organisation awarded a grant, by year"),
            unit=_("NOK per organisation"),
        ),
    }


def _feedback(figures, smallest) -> list[dict]:
    """Each form's results for the PDF under the small-group rule the evaluators' results page
    follows (``courses.anonymise.small_group_results``): a form answered by fewer than
    ``smallest`` shows none, a smaller count reads "fewer than", and no chart is drawn."""
    return [
        {
            "title": form.title,
            "responses": form.responses,
            "hidden": form.responses < smallest,
            "questions": small_group_results(form.questions, form.responses, smallest),
        }
        for form in figures.feedback
    ]


def _small_groups(figures, smallest):
    """Show groups smaller than ``smallest`` as "fewer than": check-in answers (with their
    averages left out) and the competence areas asked for and attended."""
    for row in figures.check_ins:
        if row.answers < smallest:
            row.usefulness = row.cooperation = row.progress = None
        row.answers, row.good_fit, row.poor_fit = (
            at_least(n, smallest) for n in (row.answers, row.good_fit, row.poor_fit)
        )
    for row in figures.competence:
        row.needed, row.attended = at_least(row.needed, smallest), at_least(row.attended, smallest)


def shown_to_evaluators(figures, smallest) -> list[dict]:
    """Apply the small-group rule to ``figures`` (in place: counts become "fewer than") and
    give the feedback forms' results as shown: what the PDF (after its charts, drawn from the
    exact counts) and the CSVs give evaluators."""
    feedback = _feedback(figures, smallest)
    _small_groups(figures, smallest)
    return feedback


def build_evaluation(scheme, parameters, progress):
    if scheme is None:
        raise ReportError(_("The scheme no longer exists."))
    today = timezone.localdate()
    figures = evaluation_figures(scheme, period_in(parameters, scheme_period(scheme)), progress)
    progress(85, _("Drawing the charts"))
    charts = _evaluation_charts(figures)
    feedback = shown_to_evaluators(figures, scheme.smallest_group)
    progress(90, _("Writing the PDF"))
    title = evaluation_title(scheme)
    content = render(
        "reports/pdf/evaluation.html",
        {
            "title": title,
            "header_left": _("Evaluation summary"),
            "header_right": scheme.short_name or scheme.name,
            "figures": figures,
            "today": today,
            "charts": charts,
            "smallest": scheme.smallest_group,
            "feedback": feedback,
            "feedback_responses": sum(form.responses for form in figures.feedback),
            "health_rows": _health_rows(figures.health),
            **_about(figures.period),
            "outcome_labels": ApplicationOutcome.labels,
        },
    )
    return content, f"evaluation-summary-{file_stem(scheme.slug)}.pdf"


# --- the organisation report --------------------------------------------------------------------


def load_organisation(user, parameters):
    """Any kind of organisation: whether it is one a report may be about is the rule's to say."""
    return (
        Organisation.objects.visible_to(user).filter(pk=id_in(parameters, "organisation")).first()
    )


def organisation_title(organisation) -> str:
    return str(
        gettext_lazy("Organisation report: %(organisation)s") % {"organisation": organisation.name}
    )


def organisation_allowed(user, organisation, parameters) -> bool:
    """About its whole record, or its part in the schemes ``parameters["schemes"]``."""
    return access_for(user).may_order_organisation_report(organisation, schemes_in(parameters))


def organisation_parameters(user, organisation) -> dict:
    """What the user's organisation report covers: its own people get the whole record, a
    caseworker the schemes their body runs."""
    parameters = {"organisation": organisation.pk}
    if not access_for(user).is_member_of(organisation.pk):
        parameters["schemes"] = administered_scheme_ids(user)
    return parameters


def may_order_organisation(user, organisation) -> bool:
    """``organisation_allowed`` for the parameters ``organisation_parameters`` gives, with the
    schemes read once (the profile page's order button)."""
    access = access_for(user)
    schemes = None
    if not access.is_member_of(organisation.pk):
        schemes = list(administered_schemes(user))
    return access.may_order_organisation_report(organisation, schemes)


def build_organisation(organisation, parameters, progress):
    if organisation is None:
        raise ReportError(_("The organisation no longer exists."))
    today = timezone.localdate()
    period = period_in(parameters, portal_period())
    figures = organisation_figures(organisation, period, progress, parameters.get("schemes"))
    progress(90, _("Writing the PDF"))
    title = organisation_title(organisation)
    content = render(
        "reports/pdf/organisation.html",
        {
            "title": title,
            "header_left": title,
            "header_right": organisation.org_number_display,
            "figures": figures,
            "today": today,
            **_about(figures.period),
        },
    )
    return content, f"organisation-report-{file_stem(organisation.name) or organisation.pk}.pdf"


# --- the award letter ---------------------------------------------------------------------------


def award_letter_title(award) -> str:
    return str(
        gettext_lazy("Award letter for %(organisation)s, %(year)s")
        % {
            "organisation": award.application.organisation.name,
            "year": award.application.round.scheme_year.year,
        }
    )


def find_award(user, parameters):
    """The award as the user sees it, with what its title needs (``load_award`` reads all
    that the letter needs)."""
    return (
        Award.objects.visible_to(user)
        .select_related("application__organisation", "application__round__scheme_year")
        .filter(pk=id_in(parameters, "award"))
        .first()
    )


def award_letter_allowed(user, award, parameters) -> bool:
    """Whoever sees the award (``load`` found it through ``Award.objects.visible_to``)."""
    return access_for(user).may_order_award_letter()


def build_award_letter(award, parameters, progress):
    if award is None:
        raise ReportError(_("The award no longer exists."))
    letter = letter_figures(award)
    progress(50, _("Writing the PDF"))
    title = award_letter_title(award)
    content = render(
        "reports/pdf/award_letter.html",
        {
            "title": title,
            "heading": _("Award letter: grant for %(year)s") % {"year": letter.scheme_year.year},
            "header_left": title,
            "header_right": letter.body.name,
            "author": letter.body.name,
            "letter": letter,
            "today": timezone.localdate(),
        },
    )
    name = file_stem(letter.organisation.name) or letter.organisation.pk
    return content, f"award-letter-{name}-{letter.scheme_year.year}.pdf"


register(
    Builder(
        "annual",
        load=load_scheme_year,
        title=annual_title,
        allowed=annual_allowed,
        build=build_annual,
    )
)
register(
    Builder(
        "evaluation",
        load=load_scheme,
        title=evaluation_title,
        allowed=evaluation_allowed,
        build=build_evaluation,
    )
)
register(
    Builder(
        "organisation",
        load=load_organisation,
        title=organisation_title,
        allowed=organisation_allowed,
        build=build_organisation,
    )
)
register(
    Builder(
        "award_letter",
        load=lambda user, parameters: load_award(
            id_in(parameters, "award"), Award.objects.visible_to(user)
        ),
        find=find_award,
        title=award_letter_title,
        allowed=award_letter_allowed,
        build=build_award_letter,
    )
)
