"""An order sent without its choice says so at the field, in the order form it came from,
not only in a banner; and a report with only one choice has it chosen already."""

from django.urls import reverse

from reports.models import ReportJob, ReportKind


def test_an_empty_order_shows_its_problem_at_the_field(
    client, caseworker, scheme_year, every_kind_registered
):
    client.force_login(caseworker)
    response = client.post(reverse("reports:order", args=[ReportKind.ANNUAL]), {})

    assert response.status_code == 200
    page = response.content.decode()
    field_id = f"id_{ReportKind.ANNUAL}-scheme_year"
    assert f'href="#{field_id}"' in page  # the summary in the order form links to it
    assert not list(response.context["messages"])  # no banner
    form = next(f for f in response.context["forms"] if f.kind == ReportKind.ANNUAL)
    assert form.errors == {"scheme_year": ["Velg et svar."]}
    assert not ReportJob.objects.exists()


def test_the_only_choice_is_chosen_already(client, evaluator, scheme_year, every_kind_registered):
    client.force_login(evaluator)
    response = client.get(reverse("reports:list"))
    forms = response.context["forms"]
    assert {form.kind for form in forms} == {ReportKind.EVALUATION, ReportKind.EVALUATION_CSV}
    for form in forms:  # the summary and its figures as CSVs: one scheme to choose in each
        assert form["scheme"].value() == scheme_year.scheme.pk
