"""The order forms pass the period and the as-of date on to the report job; left empty, the
job has none and the report takes its defaults (reports/builders/documents.period_in)."""

from django.urls import reverse

from reports.models import ReportJob


def order(client, user, kind, data):
    client.force_login(user)
    return client.post(reverse("reports:order", args=[kind]), data)


def test_the_evaluation_summary_is_ordered_for_a_period(client, evaluator, scheme_year, sent):
    response = order(client, evaluator, "evaluation", {
        "evaluation-scheme": scheme_year.scheme.pk, "evaluation-start": "01.01.2023",
        "evaluation-end": "31.12.2024", "evaluation-as_of": "31.01.2025",
    })  # fmt: skip
    assert response.status_code == 302
    assert ReportJob.objects.get().parameters == {
        "scheme": scheme_year.scheme.pk, "start": "2023-01-01", "end": "2024-12-31",
        "as_of": "2025-01-31",
    }  # fmt: skip


def test_without_dates_the_job_takes_the_defaults(client, evaluator, scheme_year, sent):
    order(client, evaluator, "evaluation", {"evaluation-scheme": scheme_year.scheme.pk})
    assert ReportJob.objects.get().parameters == {"scheme": scheme_year.scheme.pk}


def test_a_period_that_ends_before_it_starts_is_refused(client, evaluator, scheme_year, sent):
    response = order(client, evaluator, "evaluation", {
        "evaluation-scheme": scheme_year.scheme.pk, "evaluation-start": "01.01.2024",
        "evaluation-end": "31.12.2023",
    })  # fmt: skip
    assert not ReportJob.objects.exists()
    assert "Perioden slutter før den begynner." in response.content.decode()
