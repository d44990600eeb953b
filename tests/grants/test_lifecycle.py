"""The whole life of one grant, through the services."""

import datetime
from decimal import Decimal

from django.utils import timezone

from grants import services
from grants.models import ApplicationStatus, ClawbackStatus, ReportStatus
from scheme.audit import timeline
from tests import factories
from tests.grants.conftest import confirmed_account, pdf


def test_the_whole_life_of_a_grant(member, participant, caseworker, submitted, mailoutbox):
    application = submitted
    assert application.status == ApplicationStatus.SUBMITTED
    services.declare_impartiality(caseworker, application, has_conflict=False)
    services.save_assessment(
        caseworker,
        application,
        scores={"activity": (4, "Jevn aktivitet"), "need": (5, ""), "resources": (4, ""),
                "goals": (5, "")},
        purpose_confirmed=True,
        phoned_at=timezone.localdate(),
        phone_note="Motivert.",
    )  # fmt: skip
    services.set_proposal(
        caseworker, application, proposed=True, rank=1, proposed_amount=Decimal("95000")
    )
    services.request_information(caseworker, application, "Hvem er koordinator?")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INFO_REQUESTED
    services.save_application(member, application, planned_collaborations="Bydelen.")
    services.submit_application(member, application)
    award = services.award_grant(
        caseworker,
        application,
        amount=Decimal("95000"),
        reasons="God plan.",
        instalments=[
            (Decimal("75000"), timezone.localdate(), False),
            (Decimal("20000"), timezone.localdate(), True),
        ],
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED
    assert application.eligibility == "pass"  # the caseworker confirmed the purpose
    services.accept_award(member, award)
    confirmed_account(member, caseworker, participant)
    first, second = award.instalments.all()
    approver = factories.approver(award.application.round.scheme_year.scheme.administrator)
    services.approve_payment(
        approver,
        services.attest_payment(
            caseworker, award, amount=first.amount, pay_on=timezone.localdate(), instalment=first
        ),
    )
    report = award.report
    goal = award.scheme_year.scheme.goals.first()
    services.save_report(
        member,
        report,
        goal_results={goal.pk: "Vi lærte å føre regnskap."},
        activities_held="Leksehjelp 40 ganger.",
        people_reached=130,
        money_used_for="Lønn til koordinator.",
    )
    services.save_accounts(member, report, [("expense", "salary", "Lønn", Decimal("70000"))])
    services.submit_report(member, report)
    services.return_report(caseworker, report, "Legg ved flere detaljer.")
    services.submit_report(member, report)
    services.approve_report(caseworker, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.totals()["unspent"] == Decimal("5000")
    factories.pay(
        award,
        second.amount,
        timezone.localdate(),
        instalment=second,
        attester=caseworker,
        approver_user=approver,
    )
    clawback = services.open_clawback(
        caseworker,
        award,
        amount=Decimal("5000"),
        reasons="Ubrukte midler.",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    services.record_repayment(
        caseworker, clawback, amount=Decimal("5000"), paid_on=timezone.localdate()
    )
    clawback.refresh_from_db()
    assert clawback.status == ClawbackStatus.SETTLED
    verbs = [event.verb for event in timeline(application)]
    assert "application.awarded" in verbs and "award.repaid" in verbs
    assert "award.payment_attested" in verbs and "award.payment_approved" in verbs
    assert len(mailoutbox) == 0  # e-mails go after commit; see the notification tests


def test_attachment_upload_is_checked(member, call, participant):
    application = services.start_application(member, call, participant)
    attachment = services.add_attachment(member, application, "statutes", pdf())
    assert attachment.size > 0
