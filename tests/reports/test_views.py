"""The reports pages: the list of one's reports and the order forms one may use, ordering, the
progress partial the page polls, the permission-checked download, retry, and the list's
query count."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grants import services as grants
from organisations.models import Grantor, PreviousApplication
from reports import services
from reports.builders import ReportError
from reports.models import JobStatus, ReportJob, ReportKind
from reports.tasks import build_report
from scheme.roles import MemberRole
from tests import factories
from tests.grants.conftest import complete_application
from tests.reports.conftest import SCRIPTED


def eligible_participant(name):
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(
        name=name,
        founded=today - datetime.timedelta(days=2 * 365),
        in_voluntary_register=True,
        description="Leksehjelp og språkkafé.",
    )
    PreviousApplication.objects.create(
        organisation=organisation, year=today.year, grantor=Grantor.MUNICIPALITY
    )
    return organisation


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def colleague(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def foreign_caseworker(db):
    """A caseworker of another administering body."""
    return factories.caseworker()


@pytest.fixture
def participant(db):
    return eligible_participant("Wadajir forening")


@pytest.fixture
def other_participant(db):
    return eligible_participant("Serbisk forening Sveti Sava")


@pytest.fixture
def awards(caseworker, scheme_year, participant, member, other_participant, other_member):
    """An award to each participant, made through the grant services."""
    today = timezone.localdate()
    call = grants.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Søknadsrunde",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler.",
    )
    grants.invite(caseworker, call, [participant, other_participant])
    made = {}
    for organisation, person in ((participant, member), (other_participant, other_member)):
        application = complete_application(person, call, organisation)
        grants.submit_application(person, application)
        grants.declare_impartiality(caseworker, application, has_conflict=False)
        made[organisation] = grants.award_grant(
            caseworker, application, amount=Decimal("90000"), reasons="God plan."
        )
    return made


def logged_in(client, user):
    client.force_login(user)
    return client


def forms_on_page(client):
    response = client.get(reverse("reports:list"))
    assert response.status_code == 200
    return {form.kind: form for form in response.context["forms"]}, response


def choices(form, field):
    return [str(label) for value, label in form.fields[field].choices if value != ""]


# --- the reports page ----------------------------------------------------------------------------


def test_an_organisation_member_may_order_only_its_own_organisation_report_and_award_letter(
    client, member, participant, other_participant, awards, every_kind_registered
):
    forms, response = forms_on_page(logged_in(client, member))
    assert set(forms) == {ReportKind.ORGANISATION, ReportKind.AWARD_LETTER}
    assert choices(forms[ReportKind.ORGANISATION], "organisation") == [participant.name]
    [award] = choices(forms[ReportKind.AWARD_LETTER], "award")
    assert participant.name in award and other_participant.name not in award
    page = response.content.decode()
    assert other_participant.name not in page
    assert reverse("reports:order", args=["organisation"]) in page
    assert reverse("reports:order", args=["annual"]) not in page


def test_an_evaluator_may_order_the_evaluation_summary_and_its_figures_only(
    client, evaluator, scheme_year, every_kind_registered
):
    forms, _ = forms_on_page(logged_in(client, evaluator))
    assert set(forms) == {ReportKind.EVALUATION, ReportKind.EVALUATION_CSV}
    for kind in forms:
        assert scheme_year.scheme.name in choices(forms[kind], "scheme")


def test_a_mentor_may_order_nothing(client, mentor, every_kind_registered):
    forms, response = forms_on_page(logged_in(client, mentor))
    assert forms == {}
    assert 'id="order-heading"' not in response.content.decode()


def test_a_caseworker_may_order_every_kind_for_the_schemes_of_their_body(
    client, caseworker, scheme_year, foreign_caseworker, awards, every_kind_registered
):
    other_year = factories.SchemeYearFactory()  # run by another body
    forms, _ = forms_on_page(logged_in(client, caseworker))
    assert set(forms) == set(ReportKind.values)
    years = choices(forms[ReportKind.ANNUAL], "scheme_year")
    assert str(scheme_year) in years and str(other_year) not in years


def test_a_caseworker_orders_organisation_reports_and_letters_from_their_pages(
    client, caseworker, participant, awards, every_kind_registered
):
    forms, response = forms_on_page(logged_in(client, caseworker))
    page = response.content.decode()
    # No list of every organisation or award in the register to choose from on this page.
    assert participant.name not in page
    assert forms[ReportKind.ORGANISATION].elsewhere[1] == reverse("organisations:list")
    assert 'name="organisation-organisation"' not in page
    assert 'name="award_letter-award"' not in page

    profile = client.get(reverse("organisations:detail", args=[participant.pk])).content.decode()
    assert f'name="organisation-organisation" value="{participant.pk}"' in profile
    response = client.post(
        reverse("reports:order", args=["organisation"]),
        {"organisation-organisation": participant.pk},
    )
    job = ReportJob.objects.get(kind=ReportKind.ORGANISATION)
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.parameters["organisation"] == participant.pk

    award = awards[participant]
    letter_page = client.get(reverse("grants:review_award", args=[award.pk])).content.decode()
    assert f'name="award_letter-award" value="{award.pk}"' in letter_page


def test_a_member_orders_the_award_letter_from_the_award_page(
    client, member, participant, other_participant, awards, every_kind_registered
):
    award = awards[participant]
    logged_in(client, member)
    page = client.get(reverse("grants:award", args=[award.pk])).content.decode()
    assert f'name="award_letter-award" value="{award.pk}"' in page
    client.post(reverse("reports:order", args=["award_letter"]), {"award_letter-award": award.pk})
    assert ReportJob.objects.get().parameters == {"award": award.pk}
    # Another organisation's award, by guessing its id: refused, nothing ordered.
    theirs = awards[other_participant]
    client.post(reverse("reports:order", args=["award_letter"]), {"award_letter-award": theirs.pk})
    assert ReportJob.objects.count() == 1


def test_only_kinds_with_a_builder_are_offered(client, caseworker, monkeypatch):
    from reports import builders, forms

    kinds = builders.registered_kinds() - {"csv_meetings"}
    monkeypatch.setattr(forms, "registered_kinds", lambda: kinds)
    forms, _ = forms_on_page(logged_in(client, caseworker))
    assert "csv_meetings" not in forms
    assert set(forms) == {kind for kind in ReportKind.values if kind in kinds}


def test_the_page_lists_the_users_own_reports(client, member, other_member, script):
    mine = services.order_report(member, SCRIPTED, label="mine")
    build_report(mine.pk)
    waiting = services.order_report(member, SCRIPTED, label="waiting")
    ReportJob.objects.filter(pk=waiting.pk).update(status=JobStatus.QUEUED, title="Venterapport")
    theirs = services.order_report(other_member, SCRIPTED, label="theirs")
    ReportJob.objects.filter(pk=theirs.pk).update(title="Ikke din rapport")
    page = logged_in(client, member).get(reverse("reports:list")).content.decode()
    assert reverse("reports:job", args=[mine.pk]) in page
    assert reverse("reports:download", args=[mine.pk]) in page
    assert "Venterapport" in page
    assert reverse("reports:download", args=[waiting.pk]) not in page
    assert "Ikke din rapport" not in page
    assert reverse("reports:job", args=[theirs.pk]) not in page


def test_a_caseworker_sees_colleagues_reports_but_not_another_bodys(
    client, caseworker, colleague, foreign_caseworker, member, script
):
    ours = services.order_report(colleague, SCRIPTED, label="ours")
    theirs = services.order_report(foreign_caseworker, SCRIPTED, label="theirs")
    members = services.order_report(member, SCRIPTED, label="member")
    ReportJob.objects.filter(pk=ours.pk).update(title="Rapport <A & B>")
    page = logged_in(client, caseworker).get(reverse("reports:list")).content.decode()
    assert reverse("reports:job", args=[ours.pk]) in page
    assert reverse("reports:job", args=[theirs.pk]) not in page
    assert reverse("reports:job", args=[members.pk]) not in page
    # Who ordered it is named when it was not the caseworker; the title is escaped once.
    row = page.split(f'href="{reverse("reports:job", args=[ours.pk])}"', 1)[1].split("</tr>")[0]
    assert ">Rapport &lt;A &amp; B&gt;</a>" in row
    assert f" – {colleague}</td>" in row


def test_someone_without_reports_is_told_so(client, member):
    page = logged_in(client, member).get(reverse("reports:list")).content.decode()
    assert 'id="jobs-heading"' in page and "<table" not in page


def test_the_reports_page_needs_a_login(client):
    response = client.get(reverse("reports:list"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_query_count_of_the_reports_page_does_not_grow_with_jobs(
    client, caseworker, colleague, script, sent
):
    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("reports:list")).status_code == 200
        return len(context.captured_queries)

    logged_in(client, caseworker)
    client.get(reverse("reports:list"))  # the session and the cache warmed up
    for number in range(3):
        services.order_report(caseworker, SCRIPTED, n=number)
    few = queries()
    for number in range(40):
        job = services.order_report(colleague if number % 2 else caseworker, SCRIPTED, n=number)
        if number % 3 == 0:
            build_report(job.pk)
    assert queries() == few
    assert few <= 6


def test_the_caseworker_gets_every_order_form_in_few_queries(
    client, caseworker, awards, every_kind_registered, django_assert_max_num_queries
):
    """Every kind offered at once: the schemes and their years are read once for all the forms
    that offer them, and the lists too long to choose from (the register, the awards, the
    cases) are not read at all."""
    factories.SchemeYearFactory()  # run by another body
    logged_in(client, caseworker)
    client.get(reverse("reports:list"))  # the session warmed up
    with django_assert_max_num_queries(6):
        forms, response = forms_on_page(client)
    assert set(forms) == set(ReportKind.values)
    page = response.content.decode()
    assert page.count('name="annual-scheme_year"') == 1
    assert page.count('name="evaluation-scheme"') == page.count('name="evaluation_csv-scheme"') == 1


def test_a_jobs_page_costs_the_same_whatever_the_report_is_about(
    client, caseworker, scheme_year, awards, sent
):
    """The rule is asked of the subject with only what it reads: an award letter's job page
    reads the award, not all that the letter needs."""
    award = next(iter(awards.values()))
    jobs = [
        services.order_report(caseworker, "annual", scheme_year=scheme_year.pk),
        services.order_report(caseworker, "award_letter", award=award.pk),
        services.order_report(caseworker, "evaluation", scheme=scheme_year.scheme.pk),
    ]
    logged_in(client, caseworker).get(reverse("reports:list"))  # the session warmed up
    counts = set()
    for job in jobs:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("reports:job", args=[job.pk]))
        assert response.status_code == 200 and job.title in response.content.decode()
        counts.add(len(context.captured_queries))
    assert len(counts) == 1 and counts.pop() <= 4


# --- ordering -----------------------------------------------------------------------------------


def test_ordering_redirects_to_the_job_page(client, caseworker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(client, caseworker).post(
            reverse("reports:order", args=["csv_applications"])
        )
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert (job.kind, job.ordered_by) == ("csv_applications", caseworker)
    assert job.status == JobStatus.DONE  # built at once: tasks run in the test process
    page = client.get(response["Location"]).content.decode()
    assert job.title in page
    assert reverse("reports:download", args=[job.pk]) in page
    download = client.get(reverse("reports:download", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(b"\xef\xbb\xbf")  # BOM for Excel


def test_ordering_again_from_unchanged_data_offers_the_same_report(
    client, caseworker, django_capture_on_commit_callbacks
):
    logged_in(client, caseworker)
    url = reverse("reports:order", args=["csv_awards"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
    again = client.post(url, follow=True)
    assert again.redirect_chain[-1][0] == first["Location"]
    assert ReportJob.objects.count() == 1
    messages = [str(m) for m in again.context["messages"]]
    assert len(messages) == 1


def test_a_member_orders_their_own_organisation_report(
    client, member, participant, other_participant, every_kind_registered
):
    logged_in(client, member)
    url = reverse("reports:order", args=["organisation"])
    refused = client.post(url, {"organisation-organisation": other_participant.pk})
    assert refused.status_code == 404  # not offered to them: hidden, so not found
    assert ReportJob.objects.count() == 0

    response = client.post(url, {"organisation-organisation": participant.pk})
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.parameters == {"organisation": participant.pk}


@pytest.mark.parametrize("kind", ["annual", "csv_applications", "evaluation", "no_such_kind"])
def test_a_member_cannot_order_what_is_not_offered_to_them(
    client, member, scheme_year, kind, every_kind_registered
):
    data = {"annual-scheme_year": scheme_year.pk, "evaluation-scheme": scheme_year.scheme.pk}
    response = logged_in(client, member).post(reverse("reports:order", args=[kind]), data)
    assert response.status_code == 404
    assert ReportJob.objects.count() == 0


def test_ordering_needs_a_post(client, caseworker):
    response = logged_in(client, caseworker).get(
        reverse("reports:order", args=["csv_applications"])
    )
    assert response.status_code == 405


# --- the status partial -------------------------------------------------------------------------


def status_of(client, job):
    response = client.get(reverse("reports:status", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_status_partial_polls_while_the_report_is_built(client, caseworker, script, sent):
    job = services.order_report(caseworker, SCRIPTED)
    logged_in(client, caseworker)
    polling = f'hx-get="{reverse("reports:status", args=[job.pk])}"'

    queued = status_of(client, job)
    assert polling in queued and 'hx-trigger="every 2s"' in queued
    assert 'value="0"' in queued

    services.claim(job.pk)
    services.report_progress(job.pk, 45, "Leser tilsagnene")
    running = status_of(client, job)
    assert polling in running
    assert '<progress id="job-progress"' in running and 'value="45"' in running
    assert "Leser tilsagnene" in running
    assert "<html" not in running  # only the partial
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert polling in page and "<html" in page


def test_a_report_still_waiting_after_half_a_minute_says_it_takes_longer(
    client, caseworker, script
):
    job = services.order_report(caseworker, SCRIPTED)
    logged_in(client, caseworker)
    assert 'id="job-slow"' not in status_of(client, job)

    ReportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=31)
    )
    assert 'id="job-slow"' in status_of(client, job)

    build_report(job.pk)
    assert 'id="job-slow"' not in status_of(client, job)


def test_the_status_partial_stops_polling_when_the_report_is_ready(client, caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    done = status_of(logged_in(client, caseworker), job)
    assert "hx-get" not in done and "hx-trigger" not in done
    assert reverse("reports:download", args=[job.pk]) in done
    assert "scripted.txt" in done
    assert "<progress" not in done


def test_a_failed_report_shows_its_message_and_a_retry_button(client, caseworker, script):
    script.effects = [ReportError("Året har ingen tilsagn ennå.")]
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    failed = status_of(logged_in(client, caseworker), job)
    assert "hx-get" not in failed
    assert "Året har ingen tilsagn ennå." in failed
    assert f'action="{reverse("reports:retry", args=[job.pk])}"' in failed
    assert reverse("reports:download", args=[job.pk]) not in failed


def test_another_user_cannot_see_a_jobs_page_or_status(client, member, other_member, script):
    job = services.order_report(member, SCRIPTED)
    logged_in(client, other_member)
    for name in ("job", "status"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404


# --- download --------------------------------------------------------------------------------


def test_the_file_is_served_to_who_may_see_the_job_only(
    client, caseworker, colleague, foreign_caseworker, member, admin_user, script
):
    job = services.order_report(caseworker, SCRIPTED, label="x")
    build_report(job.pk)
    url = reverse("reports:download", args=[job.pk])
    for user in (caseworker, colleague, admin_user):
        response = logged_in(client, user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == b"built 1 {'label': 'x'}"
        assert response["Content-Disposition"] == 'attachment; filename="scripted.txt"'
    for user in (member, foreign_caseworker):
        assert logged_in(client, user).get(url).status_code == 404, user
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_report_not_ready_cannot_be_downloaded(client, caseworker, script, sent):
    job = services.order_report(caseworker, SCRIPTED)
    url = reverse("reports:download", args=[job.pk])
    assert logged_in(client, caseworker).get(url).status_code == 404
    script.effects = [ReportError("Nei.")]
    build_report(job.pk)
    assert client.get(url).status_code == 404


# --- retry ---------------------------------------------------------------------------------------


def test_retry_builds_a_failed_report_again(
    client, member, script, django_capture_on_commit_callbacks
):
    script.effects = [ReportError("Prøv igjen senere.")]
    job = services.order_report(member, SCRIPTED)
    build_report(job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(client, member).post(reverse("reports:retry", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (JobStatus.DONE, "", 2)
    assert client.get(reverse("reports:download", args=[job.pk])).status_code == 200


def test_retry_needs_a_post_and_a_user_who_sees_the_job(client, member, other_member, script):
    script.effects = [ReportError("Nei.")]
    job = services.order_report(member, SCRIPTED)
    build_report(job.pk)
    url = reverse("reports:retry", args=[job.pk])
    assert logged_in(client, member).get(url).status_code == 405
    assert logged_in(client, other_member).post(url).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_a_member_of_the_same_organisation_does_not_see_a_colleagues_report(
    client, participant, member, script
):
    colleague = factories.member_of(participant, role=MemberRole.MEMBER)
    job = services.order_report(member, SCRIPTED)
    build_report(job.pk)
    response = logged_in(client, colleague).get(reverse("reports:download", args=[job.pk]))
    assert response.status_code == 404


def test_a_report_whose_file_is_gone_is_not_found(client, caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    job.refresh_from_db()
    job.file.storage.delete(job.file.name)
    assert (
        logged_in(client, caseworker).get(reverse("reports:download", args=[job.pk])).status_code
        == 404
    )
