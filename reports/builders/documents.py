"""The PDF reports: figures from reports/figures/, rendered by reports/pdf.py."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.models import BudgetCategory
from reports.builders import Builder, ReportError, register
from reports.charts import Bar, bar_chart, stacked_bars
from reports.figures.annual import annual_figures
from reports.pdf import render_pdf
from scheme.models import SchemeYear
from scheme.roles import access_for


def _scheme_year(parameters) -> SchemeYear:
    try:
        return SchemeYear.objects.select_related("scheme__administrator").get(
            pk=parameters["scheme_year"]
        )
    except (KeyError, SchemeYear.DoesNotExist):
        raise ReportError(_("The scheme year no longer exists.")) from None


def _percent(share: float) -> str:
    return f"{round(share * 100)}\xa0%"


def annual_title(parameters) -> str:
    year = SchemeYear.objects.filter(pk=parameters.get("scheme_year")).first()
    return str(gettext_lazy("Annual grant report %(year)s") % {"year": year.year if year else ""})


def annual_allowed(user, parameters) -> bool:
    year = SchemeYear.objects.filter(pk=parameters.get("scheme_year")).select_related("scheme")
    year = year.first()
    return year is not None and access_for(user).administers(year.scheme)


def build_annual(parameters, progress):
    scheme_year = _scheme_year(parameters)
    today = timezone.localdate()
    figures = annual_figures(scheme_year, today, progress)
    progress(85, _("Drawing the charts"))
    labels = dict(BudgetCategory.choices)
    categories = [(labels[c], amount) for c, amount in figures.spent_by_category.items()]
    spending_chart = stacked_bars(
        [(row.organisation, [row.spent.get(c, 0) for c in BudgetCategory.values])
         for row in figures.awards if row.spent_total],
        [str(labels[c]) for c in BudgetCategory.values],
        title=_("Spending by category per organisation"),
    )  # fmt: skip
    meetings_chart = bar_chart(
        [Bar(f"{row.mentor} – {row.participants}", row.meetings) for row in figures.pairings],
        title=_("Mentor meetings per pairing"),
    )
    progress(90, _("Writing the PDF"))
    title = _("Annual grant report %(year)s") % {"year": scheme_year.year}
    content = render_pdf(
        "reports/pdf/annual.html",
        {
            "title": title,
            "header_left": title,
            "header_right": scheme_year.scheme.administrator.name,
            "figures": figures,
            "today": today,
            "states": figures.report_states,
            "categories": categories,
            "salary_share": _percent(figures.share_of_spending(BudgetCategory.SALARY)),
            "activities_share": _percent(figures.share_of_spending(BudgetCategory.ACTIVITIES)),
            "spending_chart": spending_chart,
            "meetings_chart": meetings_chart,
        },
    )
    return content, f"annual-report-{scheme_year.year}.pdf"


register(Builder("annual", title=annual_title, allowed=annual_allowed, build=build_annual))
