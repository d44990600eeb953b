"""A known data set for the report tests, made through the services as users make it.

One scheme with two years (last year empty, this year in full), three participant
organisations, three mentor organisations, a caseworker and the data below. Every figure the
tests assert follows from it:

- awards 95 000 (Grønland), 105 000 (Bærum, above the audit threshold) and 60 000 (Ørsta):
  260 000 awarded; paid out 95 000 + 55 000 + 50 000 + 30 000 = 230 000;
- Grønland's report is sent on time and approved: salary 70 000, activities 20 000 (income
  5 000), 130 people; Bærum's is sent five days late with the auditor's certification: salary
  60 000, activities 30 000, rent 10 000, 200 people; Ørsta's never comes (missing once the due
  date has passed). Spent 190 000: salary 130 000 (68 %), activities 50 000 (26 %), rent 10 000;
  unspent 5 000 + 5 000;
- a clawback of 5 000 from Grønland, 2 000 of it repaid;
- Grønland is paired with mentor 1 from 1 January: four meetings and a flag; Bærum was paired
  with mentor 2, who was replaced today by mentor 3, with whom it has met six times today;
  compensation 40 000 (mentor 1) + 20 000 (mentor 3);
- the annual plan has three items; the gathering (15 000) and the course (5 000) are held, the
  joint meeting outside the plan too (no cost), a cancelled gathering (9 999) is not; the
  attendance: Grønland 3 registered, 2 came; Bærum 1 and 1;
- the total cost is 260 000 + 60 000 + 20 000 = 340 000, or 113 333 per organisation.
"""

import contextlib
import datetime
from decimal import Decimal
from types import SimpleNamespace
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courses import services as courses
from grants import services as grants
from grants.models import AttachmentKind
from mentoring import services as mentoring
from organisations import services as organisations
from organisations.forms import PART_FORMSETS
from organisations.models import CompetenceArea
from scheme.models import AwardCondition, Goal
from scheme.roles import OrganisationKind
from tests import factories

PDF = b"%PDF-1.4\n%test document\n"
GOALS = [
    "Styrke organisasjonene gjennom kompetanse i regnskap, drift, søknader og rapportering.",
    "Utvide nettverket og kjennskapen til mulige samarbeidspartnere.",
    "Gi erfaring med å samarbeide med kommuner, fylkeskommuner og innvandrerråd.",
    "Gi erfaring med å drive tiltak, aktiviteter og prosjekter.",
    "Øke aktiviteten på integreringsfeltet og kvalifisere for prosjektmidler.",
    "Starte tiltak som over tid kan ha nasjonal overføringsverdi.",
]


def upload(name="dokument.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@contextlib.contextmanager
def at(moment: datetime.datetime):
    """Let the services believe it is ``moment`` (timezone.now and localdate)."""
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


def areas(*codes):
    return list(CompetenceArea.objects.filter(code__in=codes))


def save_parts(actor, organisation, name, rows):
    """Add rows to a list on the profile through its formset, as the profile page does."""
    formset_class = PART_FORMSETS[name]
    data = {f"{name}-TOTAL_FORMS": str(len(rows)), f"{name}-INITIAL_FORMS": "0"}
    for number, row in enumerate(rows):
        data.update({f"{name}-{number}-{key}": value for key, value in row.items()})
    formset = formset_class(data, instance=organisation, prefix=name)
    assert formset.is_valid(), formset.errors
    organisations.save_parts(actor, organisation, formset)


def participant(name, municipality):
    today = timezone.localdate()
    organisation = factories.OrganisationFactory(
        name=name,
        municipality=municipality,
        founded=today - datetime.timedelta(days=2 * 365),
        in_voluntary_register=True,
        street_address="Storgata 1",
        postal_code="0155",
        postal_place=municipality,
    )
    return organisation, factories.member_of(organisation, language="nb")


def apply(member, call, organisation, amount, needs=()):
    application = grants.start_application(member, call, organisation)
    grants.save_application(
        member,
        application,
        amount=amount,
        planned_activities="Leksehjelp og språkkafé hver uke.",
        reach="Barn og foreldre i bydelen.",
        people_reached=100,
        target_groups=[factories.TargetGroupFactory(code="families")],
        competence_needs=areas(*needs),
    )
    grants.save_budget(member, application, [("salary", "Koordinator", amount)])
    grants.add_attachment(member, application, AttachmentKind.STATUTES, upload("vedtekter.pdf"))
    grants.add_attachment(member, application, AttachmentKind.ACCOUNTS, upload("regnskap.pdf"))
    return grants.submit_application(member, application)


def award(caseworker, application, amount, instalments=None):
    grants.declare_impartiality(caseworker, application, has_conflict=False)
    return grants.award_grant(
        caseworker,
        application,
        amount=amount,
        reasons="Søknaden viser en tydelig plan for aktivitetene.",
        instalments=instalments,
    )


def scheme_with_year(name="Prøveordning for små organisasjoner", slug="proveordning"):
    today = timezone.localdate()
    body = factories.OrganisationFactory(
        kind=OrganisationKind.ADMINISTRATOR,
        name="Integrerings- og mangfoldsdirektoratet",
        street_address="Tollbugata 20",
        postal_code="0152",
        postal_place="Oslo",
    )
    scheme = factories.SchemeFactory(
        name=name, short_name="Prøveordningen", slug=slug, administrator=body
    )
    factories.SchemeYearFactory(scheme=scheme, year=today.year - 1)
    scheme_year = factories.SchemeYearFactory(scheme=scheme, year=today.year)
    for number, text in enumerate(GOALS, start=1):
        Goal.objects.create(scheme=scheme, number=number, text_nb=text)
    AwardCondition.objects.create(
        scheme=scheme,
        position=1,
        code="purpose",
        text_nb="Midlene skal brukes til organisasjonens drift, slik det er søkt om.",
        text_en="The money is used for the organisation's operation, as applied for.",
    )
    AwardCondition.objects.create(
        scheme=scheme,
        position=2,
        code="notify",
        text_nb="Organisasjonen melder fra til IMDi om endringer i grunnlaget for tilskuddet.",
    )
    caseworker = factories.caseworker(body)
    caseworker.full_name = "Kari Nordmann"
    caseworker.language = "nb"  # the reports it orders are written in Norwegian
    caseworker.save(update_fields=["full_name", "language"])
    return scheme, scheme_year, caseworker


def open_call(caseworker, scheme_year, invited):
    today = timezone.localdate()
    call = grants.save_round(
        caseworker,
        scheme_year=scheme_year,
        title=f"Søknadsrunde {scheme_year.year}",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        # within this year, so that last year's applications count (the call's rules)
        closes_on=min(today + datetime.timedelta(days=20), datetime.date(today.year, 12, 31)),
        guidance="Søk om driftsmidler.",
    )
    grants.invite(caseworker, call, invited)
    return call


def build():
    """The whole data set; returns a namespace with its objects."""
    today = timezone.localdate()
    year = today.year
    scheme, scheme_year, caseworker = scheme_with_year()
    data = SimpleNamespace(today=today, scheme=scheme, scheme_year=scheme_year)
    data.caseworker = caseworker
    data.a, data.member_a = participant("Grønland foreldregruppe", "Oslo")
    data.b, data.member_b = participant("Bærum språkkafé", "Bærum")
    data.c, data.member_c = participant("Ørsta innvandrerforum", "Ørsta")
    data.participants = [data.a, data.b, data.c]

    # The profiles: grants applied for elsewhere, collaborations, a branch, activities.
    save_parts(data.member_a, data.a, "previous-applications", [
        {"year": year - 1, "grantor": "municipality", "grantor_name": "Oslo kommune",
         "amount": "20000", "outcome": "granted"},
    ])  # fmt: skip
    save_parts(data.member_b, data.b, "previous-applications", [
        {"year": year - 1, "grantor": "imdi", "amount": "50000", "outcome": "rejected"},
        {"year": year, "grantor": "other", "grantor_name": "Sparebankstiftelsen",
         "amount": "15000", "outcome": "granted"},
    ])  # fmt: skip
    save_parts(data.member_a, data.a, "collaborations", [
        {"partner_kind": "municipality", "partner_name": "Bydel Gamle Oslo",
         "since": f"{year - 1}-03-01", "status": "active"},
        {"partner_kind": "organisation", "partner_name": "Naboforeningen",
         "since": f"{year}-05-01", "status": "active"},
    ])  # fmt: skip
    save_parts(data.member_b, data.b, "collaborations", [
        {"partner_kind": "immigrant_council", "partner_name": "Innvandrerrådet",
         "status": "planned"},
    ])  # fmt: skip
    save_parts(data.member_a, data.a, "branches", [
        {"name": "Avdeling Drammen", "municipality": "Drammen", "founded": f"{year - 1}-06-01"},
    ])  # fmt: skip
    save_parts(data.member_a, data.a, "activities", [
        {"name": "Leksehjelp", "frequency": "weekly", "typical_participants": "20"},
    ])  # fmt: skip
    save_parts(data.member_b, data.b, "activities", [
        {"name": "Språkkafé", "frequency": "weekly", "typical_participants": "15"},
    ])  # fmt: skip

    # Grants: applications, awards, payments.
    call = open_call(caseworker, scheme_year, data.participants)
    application_a = apply(
        data.member_a, call, data.a, Decimal("99000"), ["accounts", "applications"]
    )
    application_b = apply(data.member_b, call, data.b, Decimal("110000"), ["accounts"])
    application_c = apply(data.member_c, call, data.c, Decimal("60000"), ["reporting"])
    data.award_a = award(caseworker, application_a, Decimal("95000"))
    data.award_b = award(
        caseworker,
        application_b,
        Decimal("105000"),
        instalments=[(Decimal("55000"), today, False), (Decimal("50000"), today, False)],
    )
    data.award_c = award(caseworker, application_c, Decimal("60000"))
    for member, awarded in ((data.member_a, data.award_a), (data.member_b, data.award_b),
                            (data.member_c, data.award_c)):  # fmt: skip
        grants.accept_award(member, awarded)
        organisation = awarded.application.organisation  # payments go to a confirmed account
        account = grants.give_payout_account(member, organisation, "1234 56 78903")
        grants.confirm_payout_account(caseworker, account)
    # Payments: attested by the caseworker, approved for payment by the body's approver.
    data.approver = factories.approver(scheme.administrator)

    def pay(awarded, amount, instalment=None):
        factories.pay(awarded, amount, today, instalment=instalment, attester=caseworker,
                      approver_user=data.approver)  # fmt: skip

    pay(data.award_a, Decimal("95000"))
    for instalment in data.award_b.instalments.order_by("number"):
        pay(data.award_b, instalment.amount, instalment)
    pay(data.award_c, Decimal("30000"))

    # Reports: Grønland on time (approved), Bærum five days late with the auditor.
    goals = {goal.number: goal for goal in scheme.goals.all()}
    report_a = data.award_a.report
    grants.save_report(
        data.member_a,
        report_a,
        goal_results={goals[1].pk: "Vi lærte å føre regnskap.", goals[4].pk: "Leksehjelp."},
        activities_held="Leksehjelp 40 ganger.",
        people_reached=130,
        money_used_for="Lønn til koordinator.",
    )
    grants.save_accounts(data.member_a, report_a, [
        ("expense", "salary", "Lønn", Decimal("70000")),
        ("expense", "activities", "Kafé", Decimal("20000")),
        ("income", "own_income", "Egenandeler", Decimal("5000")),
    ])  # fmt: skip
    grants.submit_report(data.member_a, report_a)
    grants.approve_report(caseworker, report_a)
    report_b = data.award_b.report
    grants.save_report(
        data.member_b,
        report_b,
        goal_results={goals[1].pk: "Kurs i regnskap.", goals[2].pk: "Nye partnere."},
        activities_held="Språkkafé hver uke.",
        people_reached=200,
        money_used_for="Lønn og husleie.",
        auditor_name="Revisjon AS",
        auditor_number="12345",
        auditor_statement=upload("revisjon.pdf"),
    )
    grants.save_accounts(data.member_b, report_b, [
        ("expense", "salary", "Lønn", Decimal("60000")),
        ("expense", "activities", "Kafé", Decimal("30000")),
        ("expense", "rent", "Lokaler", Decimal("10000")),
    ])  # fmt: skip
    data.due = report_b.due_on
    late = timezone.make_aware(datetime.datetime.combine(data.due, datetime.time(12)))
    with at(late + datetime.timedelta(days=5)):
        grants.submit_report(data.member_b, report_b)
    data.clawback = grants.open_clawback(
        caseworker,
        data.award_a,
        amount=Decimal("5000"),
        reasons="Ubrukte midler betales tilbake.",
        due_on=today + datetime.timedelta(days=30),
    )
    grants.record_repayment(caseworker, data.clawback, amount=Decimal("2000"), paid_on=today)

    # Mentoring.
    data.mentor_1_org = factories.OrganisationFactory(kind="mentor", name="Mentorforeningen Tråd")
    data.mentor_2_org = factories.OrganisationFactory(kind="mentor", name="Frivillig Hjelp Norge")
    data.mentor_3_org = factories.OrganisationFactory(kind="mentor", name="Støtte og Samhold")
    data.mentor_1 = factories.member_of(data.mentor_1_org, role="contact", language="nb")
    data.mentor_3 = factories.member_of(data.mentor_3_org, role="contact", language="nb")
    for mentor_org in (data.mentor_1_org, data.mentor_2_org, data.mentor_3_org):
        mentoring.save_offer(caseworker, mentor_org, capacity=2)
    start = datetime.date(year, 1, 1)
    data.pairing_1 = mentoring.create_pairing(
        caseworker, scheme, data.mentor_1_org, [data.a], starts_on=start
    )
    topics = [areas("accounts"), areas("accounts", "applications"), areas("board-work"), []]
    for weeks, meeting_topics in enumerate(topics, start=1):
        mentoring.log_meeting(
            data.member_a,
            data.pairing_1,
            held_on=max(start, today - datetime.timedelta(weeks=weeks)),
            mode="digital",
            duration_minutes=60,
            attendees="Aisha og Per",
            summary="Vi gikk gjennom regnskapet.",
            notes="Hemmelig notat om styret.",
            topics=meeting_topics,
        )
    mentoring.raise_flag(data.member_a, data.pairing_1, "Vi får ikke tak i mentoren.")
    mentoring.answer_check_in(data.member_a, data.pairing_1, "first", good_fit=True)
    mentoring.answer_check_in(
        data.mentor_1,
        data.pairing_1,
        "first",
        good_fit=False,
        comment="Grønland foreldregruppe møter sjelden. Ring Kari Nordmann på 22 33 44 55.",
    )
    mentoring.answer_check_in(
        data.member_a,
        data.pairing_1,
        "midpoint",
        usefulness=4,
        cooperation=3,
        progress=2,
        comment="Nyttig, men lite tid.",
    )
    pairing_2 = mentoring.create_pairing(
        caseworker, scheme, data.mentor_2_org, [data.b], starts_on=start
    )
    data.pairing_3 = mentoring.replace_mentor(
        caseworker, pairing_2, data.mentor_3_org, reason="Mentoren trakk seg."
    )
    for number in range(6):
        mentoring.log_meeting(
            data.mentor_3,
            data.pairing_3,
            held_on=today,
            mode="digital",
            duration_minutes=45,
            attendees="Bjørn og Siri",
            summary="Oppstart.",
            topics=areas("reporting") if number == 0 else [],
        )
    mentoring.set_compensation(caseworker, data.mentor_1_org, scheme_year)
    mentoring.set_compensation(caseworker, data.mentor_3_org, scheme_year, Decimal("20000"))

    # Competence building: the plan, three events held and one cancelled, attendance.
    plan = courses.save_plan(caseworker, scheme_year)
    item_gathering = courses.save_planned_item(
        caseworker, plan, kind="gathering", month=1, topic="Organisasjonsutvikling"
    )
    item_course = courses.save_planned_item(
        caseworker, plan, kind="course", month=3, topic="Regnskap"
    )
    courses.save_planned_item(
        caseworker, plan, kind="participant_meeting", month=5, topic="Erfaringsdeling"
    )
    now = timezone.now()

    def event(title, kind, audience, hours_ago, cost=None, planned=None, competence=()):
        starts = now - datetime.timedelta(hours=hours_ago)
        return courses.save_event(
            caseworker,
            scheme_year=scheme_year,
            planned_item=planned,
            kind=kind,
            audience=audience,
            title=title,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=30),
            place="Oslo",
            registration_deadline=today,
            cost=cost,
            competence_areas=areas(*competence),
        )

    gathering = event("Fellessamling i Oslo", "gathering", "participants", 3,
                      Decimal("15000"), item_gathering, ["accounts", "strategy"])  # fmt: skip
    course = event("Kurs i regnskap", "course", "both", 2, Decimal("5000"), item_course,
                   ["accounts", "board-work"])  # fmt: skip
    event("Fellesmøte for deltakere", "joint_meeting", "participants", 1)
    cancelled = event("Avlyst samling", "gathering", "participants", -24 * 30, Decimal("9999"))
    courses.cancel_event(caseworker, cancelled, "For få påmeldte.")
    aisha = courses.register(data.member_a, gathering, data.a, person_name="Aisha Ali")
    courses.register(data.member_a, gathering, data.a, person_name="Ola Hansen")
    bjorn = courses.register(data.member_b, gathering, data.b, person_name="Bjørn Berg")
    courses.mark_attendance(caseworker, gathering, [aisha.pk, bjorn.pk])
    aisha_course = courses.register(data.member_a, course, data.a, person_name="Aisha Ali")
    courses.mark_attendance(caseworker, course, [aisha_course.pk])

    # The closing feedback form.
    form = courses.save_form(
        caseworker,
        scheme,
        title="Avslutningsskjema",
        questions=[
            ("rating", "Hvor nyttig var ordningen?", [], True),
            ("multiple", "Hva var nyttig?", ["Kurs", "Mentor", "Samling"], True),
            ("text", "Hva vil du si?", [], False),
        ],
    )
    rating, multiple, text = form.questions.all()
    courses.answer_form(data.member_a, form, data.a, {
        rating.pk: "5", multiple.pk: ["Kurs", "Mentor"],
        text.pk: "Takk til Bærum språkkafé for samarbeidet!",
    })  # fmt: skip
    courses.answer_form(data.member_b, form, data.b, {rating.pk: "3", multiple.pk: ["Kurs"]})
    return data
