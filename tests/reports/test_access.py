"""Who may order and download which PDF report: an organisation its own organisation report
and award letter only; evaluators the (anonymised) evaluation summary only; mentors none of
them; caseworkers the reports of the schemes their body runs. Refused at the service
(PermissionDenied) and at the pages (404, or the order form refusing an object it does not
offer)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from reports import services
from reports.models import JobStatus, ReportJob
from tests import factories
from tests.reports import dataset

PDF_KINDS = ("annual", "evaluation", "organisation", "award_letter")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    """A scheme with two awarded organisations, a mentor, an evaluator and a caseworker of
    another administering body."""
    scheme, scheme_year, caseworker = dataset.scheme_with_year()
    a, member_a = dataset.participant("Grønland foreldregruppe", "Oslo")
    b, member_b = dataset.participant("Bærum språkkafé", "Bærum")
    call = dataset.open_call(caseworker, scheme_year, [a, b])
    award_a = dataset.award(
        caseworker, dataset.apply(member_a, call, a, Decimal("95000")), Decimal("95000")
    )
    award_b = dataset.award(
        caseworker, dataset.apply(member_b, call, b, Decimal("105000")), Decimal("105000")
    )
    mentor_org = factories.OrganisationFactory(kind="mentor", name="Mentorforeningen Tråd")
    return {
        "scheme": scheme,
        "scheme_year": scheme_year,
        "caseworker": caseworker,
        "a": a,
        "b": b,
        "member_a": member_a,
        "member_b": member_b,
        "award_a": award_a,
        "award_b": award_b,
        "mentor_org": mentor_org,
        "mentor": factories.member_of(mentor_org, role="contact"),
        "evaluator": factories.member_of(factories.OrganisationFactory(kind="evaluator")),
        "foreign_caseworker": factories.caseworker(),
    }


def parameters(data, kind, organisation="a"):
    """Valid parameters for ``kind``, about organisation ``a`` or ``b`` where it matters."""
    return {
        "annual": {"scheme_year": data["scheme_year"].pk},
        "evaluation": {"scheme": data["scheme"].pk},
        "organisation": {"organisation": data[organisation].pk},
        "award_letter": {"award": data[f"award_{organisation}"].pk},
    }[kind]


def form_data(data, kind, organisation="a"):
    """The order form's fields (prefixed with the kind) for the same parameters."""
    return {f"{kind}-{name}": pk for name, pk in parameters(data, kind, organisation).items()}


def may_order(user, kind, **parameters) -> bool:
    try:
        services.order_report(user, kind, **parameters)
    except PermissionDenied:
        return False
    return True


# --- at the service ---------------------------------------------------------------------------


def test_an_organisation_orders_only_its_own_organisation_report_and_award_letter(data):
    member = data["member_a"]
    assert may_order(member, "organisation", **parameters(data, "organisation"))
    assert may_order(member, "award_letter", **parameters(data, "award_letter"))
    assert not may_order(member, "organisation", **parameters(data, "organisation", "b"))
    assert not may_order(member, "award_letter", **parameters(data, "award_letter", "b"))
    assert not may_order(member, "annual", **parameters(data, "annual"))
    assert not may_order(member, "evaluation", **parameters(data, "evaluation"))
    assert not may_order(member, "csv_awards")
    assert set(ReportJob.objects.values_list("kind", flat=True)) == {
        "organisation",
        "award_letter",
    }


def test_evaluators_order_only_the_evaluation_summary(data):
    evaluator = data["evaluator"]
    assert may_order(evaluator, "evaluation", **parameters(data, "evaluation"))
    for kind in ("annual", "organisation", "award_letter"):
        assert not may_order(evaluator, kind, **parameters(data, kind)), kind
    assert not may_order(evaluator, "csv_meetings")


def test_mentors_order_none_of_the_reports(data):
    mentor = data["mentor"]
    for kind in PDF_KINDS:
        assert not may_order(mentor, kind, **parameters(data, kind)), kind
    # Not even a report on their own (mentor) organisation.
    assert not may_order(mentor, "organisation", organisation=data["mentor_org"].pk)
    assert not ReportJob.objects.exists()


def test_a_caseworker_of_another_body_cannot_order_this_schemes_reports(data):
    foreign = data["foreign_caseworker"]
    assert not may_order(foreign, "annual", **parameters(data, "annual"))
    assert not may_order(foreign, "evaluation", **parameters(data, "evaluation"))
    assert not may_order(foreign, "award_letter", **parameters(data, "award_letter"))


def test_the_schemes_caseworkers_order_every_pdf_report(data):
    for kind in PDF_KINDS:
        wanted = parameters(data, kind)
        if kind == "organisation":  # a caseworker's report covers the schemes their body runs
            wanted["schemes"] = [data["scheme"].pk]
        assert may_order(data["caseworker"], kind, **wanted), kind


def test_an_organisation_report_of_another_bodys_scheme_is_refused(data):
    """Another body's caseworker cannot read this scheme's cases through the report."""
    wanted = {**parameters(data, "organisation"), "schemes": [data["scheme"].pk]}
    assert not may_order(data["foreign_caseworker"], "organisation", **wanted)


def test_reports_on_objects_that_do_not_exist_are_refused(data):
    caseworker = data["caseworker"]
    for kind, name in [("annual", "scheme_year"), ("evaluation", "scheme"),
                       ("organisation", "organisation"), ("award_letter", "award")]:  # fmt: skip
        assert not may_order(caseworker, kind, **{name: 999999}), kind
        assert not may_order(caseworker, kind), kind  # no parameter at all


# --- at the pages -----------------------------------------------------------------------------


def order(client, user, kind, fields, capture):
    client.force_login(user)
    with capture(execute=True):
        return client.post(reverse("reports:order", args=[kind]), fields)


def test_an_organisation_orders_and_downloads_its_own_reports_only(
    client, data, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for kind in ("organisation", "award_letter"):
        response = order(client, data["member_a"], kind, form_data(data, kind), capture)
        job = ReportJob.objects.get(kind=kind)
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:job", args=[job.pk])
        assert job.status == JobStatus.DONE, job.error
        download = client.get(reverse("reports:download", args=[job.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content).startswith(b"%PDF-")
        # Another organisation's member gets nothing of it.
        client.force_login(data["member_b"])
        for name in ("download", "job", "status"):
            assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404
    # Another organisation's objects are hidden, so not found, and nothing is ordered.
    before = ReportJob.objects.count()
    for kind in ("organisation", "award_letter"):
        response = order(client, data["member_a"], kind, form_data(data, kind, "b"), capture)
        assert response.status_code == 404, kind
    assert ReportJob.objects.count() == before
    # Kinds not offered to an organisation at all: 404.
    for kind in ("annual", "evaluation", "csv_awards"):
        response = order(client, data["member_a"], kind, form_data(data, "annual"), capture)
        assert response.status_code == 404, kind
    assert ReportJob.objects.count() == before


def test_an_evaluator_orders_the_evaluation_summary_only(
    client, data, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    response = order(
        client, data["evaluator"], "evaluation", form_data(data, "evaluation"), capture
    )
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.status == JobStatus.DONE, job.error
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 200
    for kind in ("annual", "organisation", "award_letter"):
        response = order(client, data["evaluator"], kind, form_data(data, kind), capture)
        assert response.status_code == 404, kind
    assert ReportJob.objects.count() == 1


def test_a_mentor_orders_nothing_and_downloads_nothing(
    client, data, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for kind in PDF_KINDS:
        response = order(client, data["mentor"], kind, form_data(data, kind), capture)
        assert response.status_code == 404, kind
    assert not ReportJob.objects.exists()
    job = services.order_report(data["member_a"], "organisation", organisation=data["a"].pk)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404


def test_a_caseworker_of_another_body_is_refused_at_the_pages(
    client, data, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    foreign = data["foreign_caseworker"]
    # The forms offer only the years and schemes their own body runs: another's are not found.
    for kind in ("annual", "evaluation"):
        response = order(client, foreign, kind, form_data(data, kind), capture)
        assert response.status_code == 404, kind
    assert not ReportJob.objects.exists()
    job = services.order_report(data["caseworker"], "annual", **parameters(data, "annual"))
    client.force_login(foreign)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404


def test_a_choice_that_does_not_exist_is_not_found_and_an_empty_one_is_told(
    client, data, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    caseworker = data["caseworker"]
    response = order(client, caseworker, "annual", {"annual-scheme_year": 999999}, capture)
    assert response.status_code == 404
    response = order(client, caseworker, "annual", {"annual-scheme_year": ""}, capture)
    assert response.status_code == 200  # the reports page, the problem at its field
    assert 'href="#id_annual-scheme_year"' in response.content.decode()
    assert not ReportJob.objects.exists()


def test_a_former_member_can_no_longer_download_the_organisation_report(client, data):
    from organisations.models import Membership

    member = data["member_a"]
    job = services.order_report(member, "organisation", **parameters(data, "organisation"))
    Membership.objects.filter(user=member).delete()
    client.force_login(member)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 404
