"""The PDF reports: figures from reports/figures/, rendered by reports/pdf.py.

Each kind registers a Builder: its title, who may order it, and the function that gathers the
figures, draws the charts and writes the PDF:

- ``annual``: the annual grant report for a scheme year (caseworkers of the scheme's body);
- ``evaluation``: the evaluation summary for a whole scheme, anonymised (caseworkers of the
  scheme's body, and evaluators);
- ``organisation``: one participant organisation's whole record (caseworkers, and the
  organisation's own people);
- ``award_letter``: the award letter on the administering body's letterhead (caseworkers of the
  scheme's body, and the awarded organisation's people).
"""

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.models import BudgetCategory
from mentoring.progress import Health
from organisations.models import ApplicationOutcome, Organisation
from reports.builders import Builder, ReportError, register
from reports.charts import Bar, bar_chart, column_chart, grouped_bars, stacked_bars
from reports.figures.annual import annual_figures
from reports.figures.award_letter import letter_figures, load_award
from reports.figures.evaluation import evaluation_figures
from reports.figures.organisation import organisation_figures
from reports.pdf import render_pdf
from scheme.models import Scheme, SchemeYear
from scheme.roles import OrganisationKind, Role, access_for


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
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})


def file_stem(text) -> str:
    """A file name part from a name: ``Bærum språkkafé`` -> ``baerum-sprakkafe``."""
    return slugify(str(text).translate(NORWEGIAN_LETTERS))


def _percent(share: float) -> str:
    return f"{round(share * 100)}\xa0%"


def _id(parameters, name):
    try:
        return int(parameters[name])
    except (KeyError, TypeError, ValueError):
        return None


# --- the annual grant report ---------------------------------------------------------------------


def _scheme_year(parameters) -> SchemeYear:
    year = (
        SchemeYear.objects.select_related("scheme__administrator")
        .filter(pk=_id(parameters, "scheme_year"))
        .first()
    )
    if year is None:
        raise ReportError(_("The scheme year no longer exists."))
    return year


def annual_title(parameters) -> str:
    year = SchemeYear.objects.filter(pk=_id(parameters, "scheme_year")).first()
    return str(gettext_lazy("Annual grant report %(year)s") % {"year": year.year if year else ""})


def annual_allowed(user, parameters) -> bool:
    year = SchemeYear.objects.filter(pk=_id(parameters, "scheme_year")).select_related("scheme")
    year = year.first()
    return year is not None and access_for(user).administers(year.scheme)


def build_annual(parameters, progress):
    scheme_year = _scheme_year(parameters)
    today = timezone.localdate()
    figures = annual_figures(scheme_year, today, progress)
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
        )  # fmt: skip
    else:  # too many for one bar each: how many spent what share on salary
        spending_chart = column_chart(
            [Bar(label, n) for label, n in figures.salary_share_bands()],
            title=_("Organisations by the share of their spending that went to salary and fees"),
        )
    if len(figures.pairings) <= CHART_ROWS:
        meetings_chart = bar_chart(
            [Bar(f"{row.mentor} – {row.participants}", row.meetings) for row in figures.pairings],
            title=_("Mentor meetings per pairing"),
        )
    else:
        meetings_chart = column_chart(
            [Bar(label, n) for label, n in figures.meetings_distribution()],
            title=_("Pairings by the number of meetings held"),
        )
    progress(90, _("Writing the PDF"))
    title = _("Annual grant report %(year)s") % {"year": scheme_year.year}
    content = render(
        "reports/pdf/annual.html",
        {
            "title": title,
            "header_left": title,
            "header_right": scheme_year.scheme.administrator.name,
            "author": scheme_year.scheme.administrator.name,
            "figures": figures,
            "today": today,
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


def _scheme(parameters):
    return Scheme.objects.filter(pk=_id(parameters, "scheme")).first()


def evaluation_title(parameters) -> str:
    scheme = _scheme(parameters)
    return str(
        gettext_lazy("Evaluation summary: %(scheme)s") % {"scheme": scheme.name if scheme else ""}
    )


def evaluation_allowed(user, parameters) -> bool:
    """Caseworkers of the scheme's administering body, and evaluators (who see aggregates)."""
    scheme = _scheme(parameters)
    if scheme is None:
        return False
    access = access_for(user)
    return access.administers(scheme) or access.has(Role.EVALUATOR)


def _evaluation_charts(figures) -> dict:
    return {
        "competence": grouped_bars(
            [(row.area, [row.needed, row.events, row.meetings]) for row in figures.competence],
            [_("asked for"), _("events"), _("mentor meetings")],
            title=_("Competence areas: asked for, covered by events and by mentor meetings"),
        ),
        "growth": column_chart(
            [Bar(str(year), total) for year, _new, total in figures.collaborations_growth],
            title=_("Collaborations recorded, total by year"),
        ),
        "reach": column_chart(
            [Bar(str(row.year), row.people_reached) for row in figures.years],
            title=_("People reached, as reported, by year"),
        ),
        "funding": grouped_bars(
            [
                (str(year), [outcomes[o] for o in ApplicationOutcome.values])
                for year, outcomes, _granted in figures.previous_applications
            ],
            [str(label) for label in ApplicationOutcome.labels],
            title=_("Grant applications elsewhere by year and outcome"),
        ),
        "health": bar_chart(
            [Bar(str(label), figures.health.get(value, 0)) for value, label in Health.choices],
            title=_("How the pairings are doing"),
        ),
    }


def build_evaluation(parameters, progress):
    scheme = _scheme(parameters)
    if scheme is None:
        raise ReportError(_("The scheme no longer exists."))
    today = timezone.localdate()
    figures = evaluation_figures(scheme, today, progress)
    progress(85, _("Drawing the charts"))
    feedback = [
        {
            "title": form.title,
            "responses": form.responses,
            "questions": [
                (
                    result,
                    column_chart(
                        [Bar(label, n) for label, n in result.counts],
                        title=result.question.text,
                        width=300,
                        height=110,
                    )
                    if result.question.kind == "rating"
                    else "",
                )
                for result in form.questions
            ],
        }
        for form in figures.feedback
    ]
    progress(90, _("Writing the PDF"))
    title = _("Evaluation summary: %(scheme)s") % {"scheme": scheme.name}
    content = render(
        "reports/pdf/evaluation.html",
        {
            "title": title,
            "header_left": _("Evaluation summary"),
            "header_right": scheme.short_name or scheme.name,
            "figures": figures,
            "today": today,
            "charts": _evaluation_charts(figures),
            "feedback": feedback,
            "feedback_responses": sum(form.responses for form in figures.feedback),
            "health_rows": [
                (label, figures.health.get(value, 0)) for value, label in Health.choices
            ],
            "outcome_labels": ApplicationOutcome.labels,
        },
    )
    return content, f"evaluation-summary-{file_stem(scheme.slug)}.pdf"


# --- the organisation report --------------------------------------------------------------------


def _organisation(parameters):
    return (
        Organisation.objects.participants()
        .prefetch_related("target_groups", "languages", "competence_needs")
        .filter(pk=_id(parameters, "organisation"))
        .first()
    )


def organisation_title(parameters) -> str:
    organisation = Organisation.objects.filter(pk=_id(parameters, "organisation")).first()
    return str(
        gettext_lazy("Organisation report: %(organisation)s")
        % {"organisation": organisation.name if organisation else ""}
    )


def organisation_allowed(user, parameters) -> bool:
    """The organisation's own people (its whole record), and caseworkers for the schemes their
    body runs (``parameters["schemes"]``)."""
    organisation = Organisation.objects.filter(
        pk=_id(parameters, "organisation"), kind=OrganisationKind.PARTICIPANT
    ).first()
    if organisation is None:
        return False
    access = access_for(user)
    schemes = parameters.get("schemes")
    if schemes is None:
        return access.is_member_of(organisation.pk)
    return access.is_caseworker and all(
        access.administers(scheme) for scheme in Scheme.objects.filter(pk__in=schemes)
    )


def build_organisation(parameters, progress):
    organisation = _organisation(parameters)
    if organisation is None:
        raise ReportError(_("The organisation no longer exists."))
    today = timezone.localdate()
    figures = organisation_figures(organisation, today, progress, parameters.get("schemes"))
    progress(90, _("Writing the PDF"))
    title = _("Organisation report: %(organisation)s") % {"organisation": organisation.name}
    content = render(
        "reports/pdf/organisation.html",
        {
            "title": title,
            "header_left": title,
            "header_right": organisation.org_number_display,
            "figures": figures,
            "today": today,
        },
    )
    return content, f"organisation-report-{file_stem(organisation.name) or organisation.pk}.pdf"


# --- the award letter ---------------------------------------------------------------------------


def award_letter_title(parameters) -> str:
    award = load_award(_id(parameters, "award"))
    if award is None:
        return str(gettext_lazy("Award letter"))
    return str(
        gettext_lazy("Award letter for %(organisation)s, %(year)s")
        % {
            "organisation": award.application.organisation.name,
            "year": award.application.round.scheme_year.year,
        }
    )


def award_letter_allowed(user, parameters) -> bool:
    """Caseworkers of the scheme's administering body, and the awarded organisation's people."""
    award = load_award(_id(parameters, "award"))
    if award is None:
        return False
    access = access_for(user)
    return access.administers(award.application.round.scheme_year.scheme) or access.is_member_of(
        award.application.organisation_id
    )


def build_award_letter(parameters, progress):
    award = load_award(_id(parameters, "award"))
    if award is None:
        raise ReportError(_("The award no longer exists."))
    letter = letter_figures(award)
    progress(50, _("Writing the PDF"))
    title = award_letter_title(parameters)
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


register(Builder("annual", title=annual_title, allowed=annual_allowed, build=build_annual))
register(
    Builder(
        "evaluation", title=evaluation_title, allowed=evaluation_allowed, build=build_evaluation
    )
)
register(
    Builder(
        "organisation",
        title=organisation_title,
        allowed=organisation_allowed,
        build=build_organisation,
    )
)
register(
    Builder(
        "award_letter",
        title=award_letter_title,
        allowed=award_letter_allowed,
        build=build_award_letter,
    )
)
