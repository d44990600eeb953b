"""The grants demo data: the pilot's two grant years as DOMAIN.md and the evaluation report tell
them, loaded twice."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from stdnum.no import kontonr, orgnr

from grants import services
from grants.demo import GRANT_YEARS, INTAKE, OPEN_TITLE, ROUND_TITLE
from grants.models import (
    APPEAL_PERIOD,
    AccountLine,
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Assessment,
    Attachment,
    Award,
    BudgetLine,
    ChangeNotice,
    ChangeNoticeStatus,
    Clawback,
    ClawbackStatus,
    Decision,
    DecisionKind,
    Disbursement,
    GoalResult,
    GrantReport,
    ImpartialityDeclaration,
    Instalment,
    Invitation,
    PayoutAccount,
    Repayment,
    ReportReminder,
    ReportStatus,
    Round,
    RoundKind,
    Score,
)
from organisations.models import Membership, Organisation, PreviousApplication
from scheme.demo import SCHEME, SUCCESSOR, YEARS
from scheme.models import Event, Notification, SchemeYear, User
from tests import factories

COUNTED = [
    Organisation, User, Membership, PreviousApplication, Round, Invitation, Application,
    BudgetLine, Attachment, ImpartialityDeclaration, Assessment, Score, Decision, Award,
    Instalment, Disbursement, GrantReport, GoalResult, AccountLine, ReportReminder, Clawback,
    Repayment, Appeal, ChangeNotice, PayoutAccount, SchemeYear,
]  # fmt: skip
# The grants history ends with the follow-up of the pilot's last year: its reports, due in
# January, and the rest of the grants held for them, paid on 3 March (grants/demo.py). What
# comes after is of the day the demo is loaded.
THE_PAST = datetime.datetime(YEARS[-1] + 1, 3, 4, tzinfo=datetime.UTC)

# All in one group, so that pytest-django keeps them together under the module's data.
pytestmark = pytest.mark.django_db


def counts() -> dict:
    found = {model.__name__: model.objects.count() for model in COUNTED}
    found["grant events"] = Event.objects.filter(target_type__app_label="grants").count()
    found["grant notifications"] = Notification.objects.filter(url__startswith="/grants/").count()
    return found


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``load_demo`` run twice, once for the whole module; rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        first_run, second_run = io.StringIO(), io.StringIO()
        call_command("load_demo", stdout=first_run)
        first = counts()
        call_command("load_demo", stdout=second_run)
        yield {
            "first": first,
            "second": counts(),
            "output": (first_run.getvalue(), second_run.getvalue()),
            "media": str(media),
        }
        transaction.set_rollback(True)


def call(year):
    return Round.objects.get(title=ROUND_TITLE.format(year=year))


def test_loading_again_changes_nothing(demo):
    assert demo["first"] == demo["second"]
    assert demo["first"]["Application"] == 56 + 9
    first, second = demo["output"]
    assert "Grants: 2 calls, 65 applications (18 awarded, 47 rejected)" in first
    assert "already there" in second


def test_the_intake_call_of_2022_had_56_applicants_and_took_in_nine_for_2023(demo):
    round_ = call(INTAKE)
    assert round_.kind == "closed"
    assert round_.closes_on == datetime.date(2022, 4, 20)
    assert round_.scheme_year.year == 2023
    decided = Decision.objects.filter(application__round=round_, kind=DecisionKind.AWARD)
    assert {decision.decided_at.year for decision in decided} == {2022}
    paid = Disbursement.objects.filter(award__application__round=round_)
    assert {payment.paid_on.year for payment in paid} == {2023}
    assert "Frivillighetsregisteret" in round_.guidance
    applications = Application.objects.filter(round=round_).select_related("organisation")
    assert applications.count() == 56 == round_.invitations.count()
    statuses = [application.status for application in applications]
    assert statuses.count(ApplicationStatus.AWARDED) == 9
    assert statuses.count(ApplicationStatus.REJECTED) == 47
    fictional = [a.organisation for a in applications if a.status == ApplicationStatus.REJECTED]
    assert all(organisation.is_demo for organisation in fictional)
    assert all(orgnr.is_valid(organisation.org_number) for organisation in fictional)
    assert len({organisation.county for organisation in fictional}) >= 12
    for application in applications:
        assert Decimal(50000) <= application.amount <= Decimal(110000)
        assert application.budget_total == application.amount
        assert application.attachments.count() == 2
        assert application.declarations.filter(has_conflict=False).count() == 1
    scored = Assessment.objects.filter(application__round=round_, scores__isnull=False)
    assert scored.distinct().count() >= 40
    rejections = Decision.objects.filter(application__round=round_, kind=DecisionKind.REJECTION)
    assert rejections.count() == 47
    assert len({decision.reasons for decision in rejections}) > 40  # varied reasons
    assert rejections.filter(reasons__contains="stiftet").exists()  # too old
    assert rejections.filter(reasons__contains="spredning").exists()  # the portfolio


def test_grants_for_two_years_and_no_third(demo):
    """The evaluation report: grants for 2023 and 2024; nothing of the pilot after 2024 but the
    follow-up of the 2024 grants (its reports, and the rest held for them)."""
    awarded = Award.objects.values_list("application__round__scheme_year__year", flat=True)
    assert sorted(set(awarded)) == list(GRANT_YEARS) == [2023, 2024]
    last = Disbursement.objects.latest("paid_on")
    assert last.paid_on < THE_PAST.date() and last.instalment.after_report_approved
    assert last.award.application.round == call(2024)


def test_each_year_awards_nine_within_the_frame(demo):
    for year in GRANT_YEARS:
        awards = Award.objects.filter(application__round=call(year)).select_related(
            "application__round__scheme_year"
        )
        assert awards.count() == 9
        frame = awards[0].application.round.scheme_year.budget_frame
        assert awards.aggregate(total=Sum("amount"))["total"] <= frame
        amounts = [award.amount for award in awards]
        assert all(Decimal(89000) <= amount <= Decimal(110000) for amount in amounts)
        assert 1 <= sum(amount > 100000 for amount in amounts) <= 2  # most stay under the audit
        for award in awards:
            assert award.accepted_at is not None
            assert Decimal(0) < award.disbursed() <= award.amount
            if year < 2024:
                assert award.disbursed() == award.amount
    held = Instalment.objects.filter(
        award__application__round=call(2024), after_report_approved=True, disbursement=None
    )
    assert held.count() >= 1
    assert all(instalment.award.report.status != ReportStatus.APPROVED for instalment in held)


def test_the_2023_reports_are_in_different_states(demo, settings):
    settings.MEDIA_ROOT = demo["media"]
    reports = GrantReport.objects.filter(award__application__round=call(2023))
    assert {report.due_on for report in reports} == {datetime.date(2024, 1, 23)}
    statuses = [report.status for report in reports]
    assert len(set(statuses)) >= 3
    assert statuses.count(ReportStatus.RETURNED) == 1
    assert statuses.count(ReportStatus.SUBMITTED) == 1
    assert reports.get(status=ReportStatus.RETURNED).caseworker_comment
    assert reports.get(status=ReportStatus.DRAFT).is_overdue()
    for report in reports.exclude(status=ReportStatus.DRAFT):
        assert report.account_lines.filter(kind="expense").exists()
        if report.award.needs_audit:
            assert report.auditor_statement.name and report.auditor_number
            assert report.auditor_statement.read(5) == b"%PDF-"


def test_most_spend_the_grant_on_pay_and_two_on_activities(demo):
    main_use = {}
    for line in AccountLine.objects.filter(kind="expense").select_related(
        "report__award__application__organisation"
    ):
        report = line.report
        if line.amount > main_use.get(report, (None, 0))[1]:
            main_use[report] = (line.category, line.amount)
    by_organisation = {
        report.award.application.organisation.name: category
        for report, (category, _amount) in main_use.items()
    }
    assert len(by_organisation) == 9
    assert list(by_organisation.values()).count("activities") == 2
    assert list(by_organisation.values()).count("salary") == 7


def test_appeal_change_notice_and_clawback_are_handled(demo):
    appeal = Appeal.objects.get()
    assert appeal.status == AppealStatus.UPHELD
    assert appeal.decision.kind == DecisionKind.REJECTION
    assert appeal.decision.application.round == call(INTAKE)
    assert appeal.lodged_at.date() <= appeal.decision.appeal_deadline
    assert ChangeNotice.objects.get().status == ChangeNoticeStatus.HANDLED
    clawback = Clawback.objects.get()
    assert clawback.status == ClawbackStatus.OPEN
    assert Decimal(0) < clawback.repaid() < clawback.amount


def test_the_history_lies_in_the_past(demo):
    """Only what happens after the pilot is of today: the open call, and Wadajir's new account
    with the messages about it."""
    for decision in Decision.objects.all():
        assert decision.decided_at < THE_PAST
        assert decision.appeal_deadline == decision.decided_at.date() + APPEAL_PERIOD
    recent = Event.objects.filter(target_type__app_label="grants", created_at__gte=THE_PAST)
    assert list(recent.values_list("verb", "target_id")) == [
        (services.ROUND_SAVED, Round.objects.get(kind=RoundKind.OPEN).pk)
    ]
    wadajir = Organisation.objects.get(name="Wadajir forening")
    latest_award = Award.objects.filter(application__organisation=wadajir).latest("pk")
    grant_messages = Notification.objects.filter(url__startswith="/grants/")
    recent = grant_messages.filter(created_at__gte=THE_PAST)
    assert set(recent.values_list("url", flat=True)) == {
        reverse("grants:payout_account", args=[wadajir.pk]),
        reverse("grants:award", args=[latest_award.pk]),
    }
    history = grant_messages.filter(created_at__lt=THE_PAST)
    assert not history.filter(emailed_at=None).exclude(email_to="").exists()
    assert not Application.objects.filter(submitted_at__gte=THE_PAST).exists()
    assert not GrantReport.objects.filter(approved_at__gte=THE_PAST).exists()
    # every reminder the reports should have had was sent at the time
    assert services.send_report_reminders() == 0


# --- after the pilot: bank accounts for payouts and an open call ------------------------------


def test_every_payment_went_to_a_confirmed_account_given_before_it(demo):
    awarded = Organisation.objects.filter(applications__award__isnull=False).distinct()
    assert awarded.count() == 9
    for organisation in awarded:
        first = PayoutAccount.objects.filter(organisation=organisation).earliest("entered_at")
        assert kontonr.is_valid(first.number) and first.number.startswith("9999")  # fictional
        assert first.confirmed_by.email == "saksbehandler@imdi.example"
        assert first.entered_by != first.confirmed_by
        assert first.entered_at < first.confirmed_at < THE_PAST
    for payment in Disbursement.objects.select_related("account", "award__application"):
        account = payment.account
        assert account.organisation_id == payment.award.application.organisation_id
        assert account.is_confirmed and account.confirmed_at.date() <= payment.paid_on


def test_one_organisation_has_a_new_account_waiting_for_the_caseworker(demo):
    waiting = PayoutAccount.objects.current().filter(confirmed_at=None)
    assert [account.organisation.name for account in waiting] == ["Wadajir forening"]
    account = waiting.get()
    assert account.entered_by.email == "leder@wadajir.example"
    assert account.entered_at >= THE_PAST
    assert "waits for a caseworker to confirm it" in services.payout_account_problem(account)
    earlier = PayoutAccount.objects.get(
        organisation=account.organisation, superseded_at__isnull=False
    )
    assert earlier.is_confirmed and earlier.number != account.number
    assert PayoutAccount.objects.current().filter(confirmed_at__isnull=False).count() == 8


def test_an_open_call_this_year_takes_a_new_eligible_organisation(demo):
    today = timezone.localdate()
    open_call = Round.objects.get(title=OPEN_TITLE.format(year=today.year))
    assert open_call.kind == RoundKind.OPEN and not open_call.continuation
    assert open_call.scheme_year.year == today.year
    assert open_call.scheme_year.scheme.slug == SUCCESSOR["slug"]  # not the pilot, which ended
    pilot = SchemeYear.objects.filter(scheme__slug=SCHEME["slug"])
    assert list(pilot.order_by("year").values_list("year", flat=True)) == list(YEARS)
    assert open_call.is_open()
    assert list(SchemeYear.objects.order_by("year").values_list("year", flat=True)) == list(
        range(2022, today.year + 1)
    )
    newcomer = factories.OrganisationFactory(
        founded=today - datetime.timedelta(days=200), in_voluntary_register=True
    )
    leader = factories.member_of(newcomer)
    assert services.admission_check(open_call, newcomer).allowed
    application = services.start_application(leader, open_call, newcomer)
    assert application.status == ApplicationStatus.DRAFT
    aktivno = Organisation.objects.get(name="AktivNo")  # founded 2019: too old for it now
    check = services.admission_check(open_call, aktivno)
    assert [advice.criterion.code for advice in check.blocking] == ["age", "applied"]
