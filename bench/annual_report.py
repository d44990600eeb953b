"""Annual report benchmark: the annual grant report, ordered and built end to end, for schemes
of N participant organisations with a full year of data.

Run from the project root:

    .venv/bin/python bench/annual_report.py [--sizes 9,100,1000] [--repeat 2]

It uses its own PostgreSQL database (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/portal_bench_reports``), creates it when missing, migrates
it and builds one scheme per size with a year of grants, reports and accounts, mentoring and
courses, in bulk. A scheme already in the database is reused; ``--rebuild`` empties the
database and builds them all again.

Each size is measured in a fresh process (so its peak memory is its own): the report is
ordered through ``reports.services.order_report`` as a caseworker, and the task builds it in
the same process (Celery eager: no broker, no worker), from the order to the stored PDF. The
first build is cold (fonts and templates loaded); the fastest of the ``--repeat`` builds is
reported as the best. A last build runs under tracemalloc for the peak of Python's memory.
See bench/README.md.
"""

import argparse
import datetime
import io
import itertools
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pages import COUNTIES, NAME_FIRST, NAME_SECOND, ensure_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_reports"
PROTECTED_DATABASES = {"portal", "postgres", "template0", "template1", "portal_bench"}
DEFAULT_SIZES = (9, 100, 1000)
SEED = 2023
ORGNR_FIRST_STEM = 40_000_000
CASEWORKER_EMAIL = "saksbehandler@bench-reports.invalid"
ADMINISTRATOR_NAME = "Integrerings- og mangfoldsdirektoratet (benk for rapporter)"
TARGET_SECONDS = 60


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def scheme_slug(n) -> str:
    return f"bench-annual-{n}"


def report_year() -> int:
    """The last full year: its grant reports were due on 23 January of this year."""
    return datetime.date.today().year - 1


# --- the database ------------------------------------------------------------------------------


def database_config(url):
    import environ

    config = environ.Env.db_url_config(url)
    name = config.get("NAME") or ""
    if config.get("ENGINE") != "django.db.backends.postgresql":
        fail(f"DATABASE_URL must name a PostgreSQL database, not {config.get('ENGINE')}.")
    if name in PROTECTED_DATABASES or name.startswith("test"):
        fail(
            f"refusing the database {name!r}; the benchmark may empty its database. "
            f"Give it a dedicated one, such as {DEFAULT_DATABASE_URL}."
        )
    return config


def setup_django(database_url, media_root=None):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    os.environ["DJANGO_MEDIA_ROOT"] = media_root or tempfile.mkdtemp(prefix="bench-reports-")
    import django

    django.setup()


# --- the data -----------------------------------------------------------------------------------


class Data:
    """Everything one scheme's year holds, made in memory and saved with bulk_create."""

    def __init__(self, n, rng, caseworker, administrator, areas):
        self.n, self.rng = n, rng
        self.caseworker, self.administrator, self.areas = caseworker, administrator, areas
        self.year = report_year()
        self.due = datetime.date(self.year + 1, 1, 23)

    def day(self, start, end) -> datetime.date:
        """A random day from ``start`` to ``end``."""
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def moment(self, day, hour=12) -> datetime.datetime:
        from django.utils import timezone

        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _next_stem() -> int:
    from organisations.models import Organisation

    numbers = Organisation.objects.filter(org_number__startswith="4").order_by("-org_number")
    last = numbers.values_list("org_number", flat=True).first()
    return int(last[:8]) + 2 if last else ORGNR_FIRST_STEM


def _organisations(data, count, kind, stem):
    from organisations.models import Organisation
    from organisations.orgnr import fictional_orgnr

    rng, made = data.rng, []
    for i in range(count):
        county = rng.choices(list(COUNTIES), weights=[w for w, _ in COUNTIES.values()])[0]
        municipality, number = rng.choice(COUNTIES[county][1])
        name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)} {municipality}".strip()
        made.append(
            Organisation(
                kind=kind,
                name=f"{name} {data.n}-{kind[0]}{i + 1}",
                org_number=fictional_orgnr(stem + 2 * i),
                in_voluntary_register=True,
                voluntary_register_since=datetime.date(data.year - 3, 5, 1),
                founded=datetime.date(data.year - rng.randint(1, 4), rng.randint(1, 12), 1),
                municipality=municipality,
                municipality_number=number,
                county=county,
                email=f"post@{kind}{i}.n{data.n}.bench.invalid",
                member_based=True,
                members_count=rng.randint(10, 800),
                description="Leksehjelp, språkkafé og aktiviteter for nyankomne familier.",
            )
        )
    return Organisation.objects.bulk_create(made, batch_size=2000)


def _people(organisations, role, prefix, n):
    from organisations.models import Membership
    from scheme.models import User

    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{o.pk}.n{n}@bench-reports.invalid",
                full_name=f"{prefix.capitalize()} {o.name.split()[0]} {i}",
                password="!",
            )
            for i, o in enumerate(organisations)
        ],
        batch_size=2000,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, organisation=o, role=role)
            for user, o in zip(users, organisations, strict=True)
        ],
        batch_size=2000,
    )
    return dict(zip([o.pk for o in organisations], users, strict=True))


def build_scheme(n, caseworker, administrator, areas):
    """A scheme with one year (the last full one) for ``n`` awarded organisations, and half as
    many refused; their grants, reports and accounts, mentoring and courses."""
    from grants import models as g
    from scheme.models import AwardCondition, Goal, Scheme, SchemeYear
    from scheme.roles import MemberRole, OrganisationKind

    rng = random.Random(SEED + n)
    data = Data(n, rng, caseworker, administrator, areas)
    year = data.year
    scheme = Scheme.objects.create(
        slug=scheme_slug(n),
        name=f"Prøveordning for små og nystartede organisasjoner (benk, {n})",
        short_name=f"Benk {n}",
        administrator=administrator,
        legal_basis="Rundskriv nr. 10-2022",
        purpose="Styrke små og nystartede organisasjoner på integreringsfeltet.",
    )
    goals = Goal.objects.bulk_create(
        [Goal(scheme=scheme, number=i, text_nb=f"Mål {i}.") for i in range(1, 7)]
    )
    conditions = AwardCondition.objects.bulk_create(
        [
            AwardCondition(scheme=scheme, position=i, code=f"c{i}", text_nb=f"Vilkår {i}.")
            for i in range(1, 6)
        ]
    )
    scheme_year = SchemeYear.objects.create(
        scheme=scheme,
        year=year,
        budget_frame=max(Decimal("1000000"), Decimal("110000") * n),
        report_due_date=data.due,
    )

    stem = _next_stem()
    refused = n // 2
    participants = _organisations(data, n + refused, OrganisationKind.PARTICIPANT, stem)
    awarded_orgs = participants[:n]
    leaders = _people(participants, MemberRole.LEADER, "leder", n)

    # The call, applications, decisions and awards.
    round_ = g.Round.objects.create(
        scheme_year=scheme_year,
        title=f"Søknadsrunde {year}",
        kind=g.RoundKind.CLOSED,
        opens_on=datetime.date(year, 2, 1),
        closes_on=datetime.date(year, 4, 1),
        guidance="Søk om driftsmidler.",
    )
    g.Invitation.objects.bulk_create(
        [g.Invitation(round=round_, organisation=o) for o in participants], batch_size=2000
    )
    applications = g.Application.objects.bulk_create(
        [
            g.Application(
                round=round_,
                organisation=o,
                status=g.ApplicationStatus.AWARDED if i < n else g.ApplicationStatus.REJECTED,
                amount=Decimal(rng.randrange(89_000, 111_000, 1_000)),
                planned_activities="Leksehjelp og språkkafé hver uke.",
                reach="Barn og foreldre i bydelen.",
                people_reached=rng.randint(20, 400),
                eligibility=g.Eligibility.PASS,
                caseworker=caseworker,
                submitted_at=data.moment(data.day(datetime.date(year, 2, 5), round_.closes_on)),
            )
            for i, o in enumerate(participants)
        ],
        batch_size=2000,
    )
    g.BudgetLine.objects.bulk_create(
        [
            line
            for a in applications
            for line in (
                g.BudgetLine(application=a, category="salary", description="Koordinator",
                             amount=a.amount - Decimal(15_000)),
                g.BudgetLine(application=a, category="activities", description="Aktiviteter",
                             amount=Decimal(15_000)),
            )
        ],
        batch_size=5000,
    )  # fmt: skip
    decided = data.moment(datetime.date(year, 5, 15))
    decisions = g.Decision.objects.bulk_create(
        [
            g.Decision(
                application=a,
                kind=g.DecisionKind.AWARD if i < n else g.DecisionKind.REJECTION,
                reasons="Søknaden er vurdert etter kriteriene i rundskrivet.",
                decided_by=caseworker,
                decided_at=decided,
                appeal_deadline=datetime.date(year, 6, 5),
            )
            for i, a in enumerate(applications)
        ],
        batch_size=2000,
    )
    terms = [{"code": c.code, "text_nb": c.text_nb, "text_en": c.text_en} for c in conditions]
    awards = g.Award.objects.bulk_create(
        [
            g.Award(
                application=a,
                decision=d,
                amount=a.amount,
                conditions=terms,
                accepted_at=data.moment(datetime.date(year, 5, 20)),
                accepted_by=leaders[a.organisation_id],
            )
            for a, d in zip(applications[:n], decisions[:n], strict=True)
        ],
        batch_size=2000,
    )

    # Payments, grant reports and accounts.
    instalments = g.Instalment.objects.bulk_create(
        [
            instalment
            for award in awards
            for instalment in (
                g.Instalment(award=award, number=1, amount=(award.amount * Decimal("0.7")),
                             due_on=datetime.date(year, 6, 1)),
                g.Instalment(award=award, number=2, amount=(award.amount * Decimal("0.3")),
                             due_on=datetime.date(year + 1, 2, 15), after_report_approved=True),
            )
        ],
        batch_size=5000,
    )  # fmt: skip
    states = rng.choices(
        ["approved", "submitted", "late", "missing", "returned"],
        weights=[60, 10, 15, 10, 5],
        k=n,
    )
    reports = []
    for award, state in zip(awards, states, strict=True):
        on_time = data.day(datetime.date(year + 1, 1, 2), data.due)
        late = data.day(data.due + datetime.timedelta(days=1), datetime.date(year + 1, 3, 20))
        sent = {"approved": on_time, "submitted": on_time, "late": late, "returned": on_time}
        audited = award.amount > scheme_year.audit_threshold and rng.random() < 0.85
        reports.append(
            g.GrantReport(
                award=award,
                due_on=data.due,
                status={
                    "approved": g.ReportStatus.APPROVED,
                    "submitted": g.ReportStatus.SUBMITTED,
                    "late": g.ReportStatus.APPROVED,
                    "missing": g.ReportStatus.DRAFT,
                    "returned": g.ReportStatus.RETURNED,
                }[state],
                activities_held="Leksehjelp 40 ganger, språkkafé hver uke.",
                people_reached=rng.randint(20, 500),
                money_used_for="Lønn til koordinator og aktiviteter.",
                auditor_name="Revisjon AS" if audited else "",
                auditor_number="123456" if audited else "",
                auditor_statement=f"audits/{year + 1}/bench-{award.pk}.pdf" if audited else "",
                submitted_at=data.moment(sent[state]) if state in sent else None,
                approved_at=(
                    data.moment(sent[state] + datetime.timedelta(days=10))
                    if state in ("approved", "late")
                    else None
                ),
            )
        )
    reports = g.GrantReport.objects.bulk_create(reports, batch_size=2000)
    approved = {r.award_id for r in reports if r.status == g.ReportStatus.APPROVED}
    disbursements = []
    for instalment in instalments:
        if instalment.number == 1 or instalment.award_id in approved:
            disbursements.append(
                g.Disbursement(
                    award_id=instalment.award_id,
                    instalment=instalment,
                    paid_on=instalment.due_on + datetime.timedelta(days=rng.randint(1, 20)),
                    amount=instalment.amount,
                    recorded_by=caseworker,
                )
            )
    g.Disbursement.objects.bulk_create(disbursements, batch_size=5000)
    g.GoalResult.objects.bulk_create(
        [
            g.GoalResult(report=report, goal=goal, text="Vi lærte å føre regnskap og søke.")
            for report in reports
            if report.submitted_at is not None
            for goal in goals
        ],
        batch_size=5000,
    )
    lines = []
    for report, award in zip(reports, awards, strict=True):
        if report.submitted_at is None and rng.random() < 0.5:
            continue  # a draft not begun
        lines.append(
            g.AccountLine(report=report, kind=g.LineKind.INCOME, category="other",
                          description="Tilskudd fra ordningen", amount=award.amount)
        )  # fmt: skip
        if rng.random() < 0.4:
            lines.append(
                g.AccountLine(report=report, kind=g.LineKind.INCOME, category="other",
                              description="Kommunalt tilskudd", amount=Decimal(10_000))
            )  # fmt: skip
        spend = award.amount * Decimal(rng.randint(85, 100)) / 100
        mostly_salary = rng.random() < 0.8  # as in the pilot: most paid one person
        shares = (
            {"salary": 70, "activities": 15, "rent": 6, "travel": 4, "equipment": 3, "other": 2}
            if mostly_salary
            else {"salary": 10, "activities": 65, "rent": 10, "travel": 8, "equipment": 5,
                  "other": 2}
        )  # fmt: skip
        for category, share in shares.items():
            lines.append(
                g.AccountLine(
                    report=report,
                    kind=g.LineKind.EXPENSE,
                    category=category,
                    description=f"{category.capitalize()} {year}",
                    amount=(spend * share / 100).quantize(Decimal("1")),
                )
            )
    g.AccountLine.objects.bulk_create(lines, batch_size=5000)

    # Clawbacks on about 3 % of the awards, with repayments where settled.
    clawed = rng.sample(awards, max(1, n * 3 // 100))
    claw_decisions = g.Decision.objects.bulk_create(
        [
            g.Decision(
                application_id=award.application_id,
                kind=g.DecisionKind.CLAWBACK,
                reasons="Midler brukt i strid med vilkårene.",
                decided_by=caseworker,
                decided_at=data.moment(datetime.date(year + 1, 4, 2)),
                appeal_deadline=datetime.date(year + 1, 4, 23),
            )
            for award in clawed
        ]
    )
    clawbacks = g.Clawback.objects.bulk_create(
        [
            g.Clawback(
                award=award,
                decision=decision,
                amount=Decimal(rng.randrange(5_000, 30_000, 500)),
                due_on=datetime.date(year + 1, 6, 1),
                status=rng.choice(list(g.ClawbackStatus.values)),
            )
            for award, decision in zip(clawed, claw_decisions, strict=True)
        ]
    )
    g.Repayment.objects.bulk_create(
        [
            g.Repayment(
                clawback=c,
                paid_on=datetime.date(year + 1, 5, 20),
                amount=c.amount,
                recorded_by=caseworker,
            )
            for c in clawbacks
            if c.status == g.ClawbackStatus.SETTLED
        ]
    )

    mentoring = _mentoring(
        data, scheme, scheme_year, awarded_orgs, leaders, stem + 2 * len(participants)
    )
    events, registrations = _courses(
        data, scheme_year, participants, leaders, mentoring["mentors"], mentoring["contacts"]
    )
    return {
        "awards": len(awards),
        "account lines": len(lines),
        "pairings": mentoring["pairings"],
        "meetings": mentoring["meetings"],
        "events": events,
        "registrations": registrations,
    }


def _mentoring(data, scheme, scheme_year, participants, leaders, stem):
    """Pairings for every awarded organisation: most one to one, some groups of three, about
    one in twenty replaced in the middle of the year; agreements, meetings, flags and the
    mentors' compensation."""
    from mentoring import models as m
    from mentoring.progress import store_meeting_figures
    from scheme.roles import MemberRole, OrganisationKind

    rng, year, n = data.rng, data.year, data.n
    groups, queue = [], list(participants)
    rng.shuffle(queue)
    while queue:
        size = 3 if len(queue) >= 3 and rng.random() < 0.15 else 1
        groups.append(queue[:size])
        del queue[:size]
    replaced = set(rng.sample(range(len(groups)), max(1, len(groups) // 20)))
    mentors = _organisations(data, len(groups) + len(replaced), OrganisationKind.MENTOR, stem)
    contacts = _people(mentors, MemberRole.CONTACT, "mentor", n)
    spare = iter(mentors[len(groups) :])

    first_day = datetime.date(year, 3, 1)
    switch = datetime.date(year, 7, 1)
    last_day = datetime.date(year, 12, 15)
    pairings, members, periods = [], [], []
    for index, group in enumerate(groups):
        mentor = mentors[index]
        if index in replaced:
            old = m.Pairing(scheme=scheme, mentor=mentor, mentor_contact=contacts[mentor.pk],
                            starts_on=first_day, ends_on=switch - datetime.timedelta(days=1),
                            status=m.PairingStatus.REPLACED, end_reason="Passet ikke sammen.",
                            created_by=data.caseworker)  # fmt: skip
            pairings.append(old)
            periods.append((first_day, switch - datetime.timedelta(days=1), group))
            mentor = next(spare)
            starts = switch
        else:
            starts = first_day
        pairings.append(
            m.Pairing(scheme=scheme, mentor=mentor, mentor_contact=contacts[mentor.pk],
                      starts_on=starts, status=m.PairingStatus.ACTIVE,
                      created_by=data.caseworker)
        )  # fmt: skip
        periods.append((starts, last_day, group))
    pairings = m.Pairing.objects.bulk_create(pairings, batch_size=2000)
    # The replacements point to the pairing they replace (the one just before them).
    for before, after in itertools.pairwise(pairings):
        if before.status == m.PairingStatus.REPLACED:
            after.replaces = before
    m.Pairing.objects.bulk_update(
        [p for p in pairings if p.replaces_id], ["replaces"], batch_size=2000
    )
    for pairing, (_starts, _ends, group) in zip(pairings, periods, strict=True):
        members += [m.PairingMember(pairing=pairing, organisation=o, contact=leaders[o.pk])
                    for o in group]  # fmt: skip
    m.PairingMember.objects.bulk_create(members, batch_size=5000)
    agreements = m.Agreement.objects.bulk_create(
        [
            m.Agreement(pairing=p, text="Samarbeidsavtale: minst seks møter i året.",
                        min_meetings=6)
            for p in pairings
        ],
        batch_size=2000,
    )  # fmt: skip
    m.AgreementAcceptance.objects.bulk_create(
        [
            m.AgreementAcceptance(agreement=agreement, organisation=o,
                                  accepted_by=leaders[o.pk], accepted_at=data.moment(starts))
            for agreement, (starts, _ends, group) in zip(agreements, periods, strict=True)
            for o in group
        ],
        batch_size=5000,
    )  # fmt: skip

    meetings = []
    for pairing, (starts, ends, group) in zip(pairings, periods, strict=True):
        share = (ends - starts).days / (last_day - first_day).days
        count = round(rng.choice([2, 3, 4, 5, 6, 6, 7, 8, 9, 10]) * share)
        for _ in range(count):
            held_on = data.day(starts, ends)
            meetings.append(
                m.Meeting(
                    pairing=pairing,
                    held_on=held_on,
                    mode=rng.choice(list(m.MeetingMode.values)),
                    duration_minutes=rng.choice([45, 60, 90, 120]),
                    attendees="Kari (mentor) og Ola (leder)",
                    summary="Vi gikk gjennom regnskapet og neste søknad.",
                    notes="Interne notater." if rng.random() < 0.3 else "",
                    logged_by=pairing.mentor_contact,
                    logged_for_id=pairing.mentor_id,
                    logged_at=data.moment(held_on, 20),
                    confirmed_by=leaders[group[0].pk],
                    confirmed_at=data.moment(held_on + datetime.timedelta(days=2)),
                )
            )
    meetings = m.Meeting.objects.bulk_create(meetings, batch_size=5000)
    # Written as the meeting service keeps them, which these rows bypass.
    store_meeting_figures(m.Pairing.objects.all())
    m.Meeting.topics.through.objects.bulk_create(
        [
            m.Meeting.topics.through(meeting_id=meeting.pk, competencearea_id=area.pk)
            for meeting in meetings
            for area in rng.sample(data.areas, rng.randint(1, 2))
        ],
        batch_size=5000,
    )
    m.Flag.objects.bulk_create(
        [
            m.Flag(
                pairing=pairing,
                raised_for=group[0],
                raised_by=leaders[group[0].pk],
                raised_at=data.moment(data.day(starts, ends)),
                message="Vi får ikke til å møtes.",
                status=rng.choice(list(m.FlagStatus.values)),
            )
            for pairing, (starts, ends, group) in zip(pairings, periods, strict=True)
            if rng.random() < 0.1
        ]
    )
    paid = {}
    for pairing in pairings:
        paid[pairing.mentor_id] = Decimal(
            20_000 if pairing.status == m.PairingStatus.REPLACED or pairing.replaces_id else 40_000
        )
    m.Compensation.objects.bulk_create(
        [m.Compensation(mentor_id=mentor, scheme_year=scheme_year, amount=amount)
         for mentor, amount in paid.items()],
        batch_size=2000,
    )  # fmt: skip
    return {
        "pairings": len(pairings),
        "meetings": len(meetings),
        "mentors": mentors,
        "contacts": contacts,
    }


def _courses(data, scheme_year, participants, leaders, mentors, contacts):
    """The annual plan (nine items as in the pilot, and one more course per hundred
    organisations), the events that fulfilled most of it, two outside it and one cancelled,
    and registrations with attendance."""
    from courses import models as c

    rng, year = data.rng, data.year
    plan = c.AnnualPlan.objects.create(
        scheme_year=scheme_year,
        introduction="Årsplan for kompetanseheving.",
        shared_at=data.moment(datetime.date(year, 2, 1)),
    )
    wanted = [
        (c.ItemKind.GATHERING, 3, "Organisasjonsutvikling"),
        (c.ItemKind.GATHERING, 9, "Søknadsskriving og regnskap"),
        (c.ItemKind.MENTOR_MEETING, 2, "Oppstart for mentorer"),
        (c.ItemKind.MENTOR_MEETING, 6, "Erfaringsdeling"),
        (c.ItemKind.MENTOR_MEETING, 11, "Avslutning"),
        (c.ItemKind.PARTICIPANT_MEETING, 4, "Deltakermøte"),
        (c.ItemKind.PARTICIPANT_MEETING, 10, "Deltakermøte"),
        (c.ItemKind.COURSE, 5, "Styrearbeid"),
        (c.ItemKind.COURSE, 10, "Prosjektutvikling"),
    ] + [(c.ItemKind.COURSE, 1 + i % 11, f"Kurs {i + 1}") for i in range(data.n // 100)]
    items = c.PlannedItem.objects.bulk_create(
        [c.PlannedItem(plan=plan, kind=kind, month=month, topic=topic)
         for kind, month, topic in wanted]
    )  # fmt: skip
    event_kind = {
        c.ItemKind.GATHERING: (c.EventKind.GATHERING, c.Audience.PARTICIPANTS, 7),
        c.ItemKind.COURSE: (c.EventKind.COURSE, c.Audience.BOTH, 3),
        c.ItemKind.MENTOR_MEETING: (c.EventKind.JOINT_MEETING, c.Audience.MENTORS, 2),
        c.ItemKind.PARTICIPANT_MEETING: (c.EventKind.JOINT_MEETING, c.Audience.PARTICIPANTS, 2),
    }
    planned = [(item, item.kind, item.month, item.topic) for item in items if rng.random() < 0.85]
    planned += [
        (None, c.ItemKind.COURSE, 8, "Personvern"),
        (None, c.ItemKind.PARTICIPANT_MEETING, 12, "Juleavslutning"),
    ]
    events = []
    for index, (item, kind, month, topic) in enumerate(planned):
        event, audience, hours = event_kind[kind]
        day = datetime.date(year, month, rng.randint(1, 28))
        starts = data.moment(day, 9 if hours == 7 else 18)
        events.append(
            c.Event(
                scheme_year=scheme_year,
                planned_item=item,
                kind=event,
                audience=audience,
                title=topic,
                provider_name="IMDi",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=hours),
                is_digital=event != c.EventKind.GATHERING,
                place="Oslo" if event == c.EventKind.GATHERING else "",
                registration_deadline=day - datetime.timedelta(days=7),
                cost=Decimal(rng.randrange(60_000, 150_000, 1_000))
                if event == c.EventKind.GATHERING
                else Decimal(rng.randrange(5_000, 30_000, 1_000)),
                cancelled_at=data.moment(day - datetime.timedelta(days=3)) if index == 3 else None,
            )
        )
    events = c.Event.objects.bulk_create(events)
    c.Event.competence_areas.through.objects.bulk_create(
        [
            c.Event.competence_areas.through(event_id=event.pk, competencearea_id=area.pk)
            for event in events
            for area in rng.sample(data.areas, 2)
        ]
    )
    share = {c.EventKind.GATHERING: 0.6, c.EventKind.COURSE: 0.3, c.EventKind.JOINT_MEETING: 0.5}
    registrations = []
    for event in events:
        organisations = {
            c.Audience.PARTICIPANTS: participants,
            c.Audience.MENTORS: mentors,
            c.Audience.BOTH: participants + mentors,
        }[event.audience]
        for organisation in organisations:
            if rng.random() >= share[event.kind]:
                continue
            people = rng.randint(1, 2) if event.kind == c.EventKind.GATHERING else 1
            person = leaders.get(organisation.pk) or contacts[organisation.pk]
            for number in range(people):
                cancelled = rng.random() < 0.05
                registrations.append(
                    c.Registration(
                        event=event,
                        organisation=organisation,
                        person_name=f"{person.full_name} {number + 1}",
                        person=person if number == 0 else None,
                        registered_by=person,
                        registered_at=event.starts_at - datetime.timedelta(days=10),
                        cancelled_at=event.starts_at - datetime.timedelta(days=2)
                        if cancelled
                        else None,
                        attended=None if cancelled or event.cancelled_at else rng.random() < 0.85,
                    )
                )
    c.Registration.objects.bulk_create(registrations, batch_size=5000)
    return len(events), len(registrations)


def prepare_data(sizes, rebuild, log) -> dict:
    """Build the schemes that are missing (or all, after emptying the database)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from organisations.models import CompetenceArea, Organisation
    from organisations.orgnr import fictional_orgnr
    from scheme.models import Scheme, User
    from scheme.roles import MemberRole, OrganisationKind

    call_command("migrate", interactive=False, verbosity=0)
    if rebuild:
        log(f"Emptying {connection.settings_dict['NAME']} ...")
        call_command("flush", interactive=False, verbosity=0)
    built = {}
    for n in sizes:
        if Scheme.objects.filter(slug=scheme_slug(n)).exists():
            built[n] = "reused"
            continue
        started = time.perf_counter()
        log(f"Building a scheme of {n:,} organisations with a year of data ...")
        with transaction.atomic():
            administrator = Organisation.objects.filter(name=ADMINISTRATOR_NAME).first()
            if administrator is None:
                administrator = Organisation.objects.create(
                    kind=OrganisationKind.ADMINISTRATOR,
                    name=ADMINISTRATOR_NAME,
                    org_number=fictional_orgnr(30_000_000),
                )
            caseworker = User.objects.filter(email=CASEWORKER_EMAIL).first()
            if caseworker is None:
                caseworker = User.objects.create_user(
                    CASEWORKER_EMAIL, "bench-only-password", full_name="Kari Saksbehandler"
                )
                caseworker.memberships.create(organisation=administrator, role=MemberRole.MEMBER)
            areas = list(CompetenceArea.objects.all()) or CompetenceArea.objects.bulk_create(
                [
                    CompetenceArea(code=code, name_nb=name)
                    for code, name in (
                        ("accounts", "Regnskap"),
                        ("board-work", "Styrearbeid"),
                        ("applications", "Søknadsskriving"),
                        ("reporting", "Rapportering"),
                    )
                ]
            )
            counts = build_scheme(n, caseworker, administrator, areas)
        built[n] = f"built in {time.perf_counter() - started:.1f} s: " + ", ".join(
            f"{value:,} {name}" for name, value in counts.items()
        )
        log(f"  {built[n]}")
    if any(state != "reused" for state in built.values()):
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return built


# --- the measurement (one process per size) ---------------------------------------------------


class Timer:
    """Adds up the seconds spent in the functions it wraps."""

    def __init__(self):
        self.seconds = {}

    def wrap(self, module, name, label):
        original = getattr(module, name, None)
        if original is None:
            return

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + (time.perf_counter() - started)

        setattr(module, name, timed)

    def reset(self):
        self.seconds = {}


def measure(n, repeat, use_tracemalloc, profile) -> dict:
    """Order and build the annual report of the scheme of ``n`` organisations."""
    import tracemalloc

    import weasyprint
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import reports.builders.documents as documents
    import reports.pdf as pdf
    from grants.models import Award
    from mentoring.models import Meeting, Pairing
    from reports import services
    from reports.models import JobStatus, ReportJob
    from scheme.celery import app
    from scheme.models import SchemeYear, User

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    caseworker = User.objects.get(email=CASEWORKER_EMAIL)
    scheme_year = SchemeYear.objects.get(scheme__slug=scheme_slug(n))

    timer = Timer()
    timer.wrap(documents, "annual_figures", "figures")
    timer.wrap(pdf, "render_to_string", "html")

    class TimedHTML(weasyprint.HTML):
        def write_pdf(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return super().write_pdf(*args, **kwargs)
            finally:
                timer.seconds["weasyprint"] = timer.seconds.get("weasyprint", 0.0) + (
                    time.perf_counter() - started
                )

    pdf.HTML = TimedHTML

    def build_once():
        ReportJob.objects.filter(kind="annual").delete()
        timer.reset()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            job = services.order_report(caseworker, "annual", scheme_year=scheme_year.pk)
        took = time.perf_counter() - started
        job.refresh_from_db()
        if job.status != JobStatus.DONE:
            fail(f"the report was not built: {job.status} {job.error}")
        return took, job, len(queries.captured_queries), dict(timer.seconds)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = [build_once() for _ in range(repeat)]
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best = min(runs, key=lambda run: run[0])
    _took, job, query_count, phases = best
    content = job.file.read()
    pages = None
    try:
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(content)).pages)
    except ImportError:
        pass

    python_peak = None
    if use_tracemalloc:
        tracemalloc.start()
        build_once()
        python_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        build_once()
        profiler.disable()
        path = Path(profile) / f"annual-{n}.prof"
        profiler.dump_stats(path)
        with open(Path(profile) / f"annual-{n}.txt", "w") as out:
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)

    return {
        "n": n,
        "awards": Award.objects.in_year(scheme_year).count(),
        "pairings": Pairing.objects.filter(scheme=scheme_year.scheme).count(),
        "meetings": Meeting.objects.filter(pairing__scheme=scheme_year.scheme).count(),
        "cold": runs[0][0],
        "best": best[0],
        "queries": query_count,
        "phases": phases,
        "pages": pages,
        "pdf_bytes": len(content),
        "rss_before": rss_before * 1024,
        "rss_peak": rss_after * 1024,
        "python_peak": python_peak,
    }


# --- the run ------------------------------------------------------------------------------


def run_measurement(n, args, database_url) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(n)]
    command += ["--repeat", str(args.repeat)]
    if not args.tracemalloc:
        command.append("--no-tracemalloc")
    if args.profile:
        command += ["--profile", args.profile]
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        fail(f"measuring {n} organisations failed (exit status {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def megabytes(value) -> str:
    return "–" if value is None else f"{value / 1024 / 1024:.0f}"


def print_table(results):
    headers = (
        "organisations", "pairings", "queries", "cold s", "best s", "figures s", "html s",
        "pdf s", "pages", "PDF KB", "RSS MB", "Python MB",
    )  # fmt: skip
    rows = []
    for r in results:
        phases = r["phases"]
        rows.append(
            (
                f"{r['n']:,}",
                f"{r['pairings']:,}",
                str(r["queries"]),
                f"{r['cold']:.1f}",
                f"{r['best']:.1f}",
                f"{phases.get('figures', 0):.2f}",
                f"{phases.get('html', 0):.2f}",
                f"{phases.get('weasyprint', 0):.1f}",
                str(r["pages"] or "–"),
                f"{r['pdf_bytes'] / 1024:.0f}",
                megabytes(r["rss_peak"]),
                megabytes(r["python_peak"]),
            )
        )
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in DEFAULT_SIZES),
        help="organisation counts, comma-separated (default 9,100,1000)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="builds per size (default 2)")
    parser.add_argument("--rebuild", action="store_true", help="empty the database and build")
    parser.add_argument(
        "--no-tracemalloc",
        dest="tracemalloc",
        action="store_false",
        help="skip the extra build under tracemalloc",
    )
    parser.add_argument("--profile", metavar="DIR", help="cProfile one more build into DIR")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        sizes = [int(size) for size in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas")
    if min(sizes) < 3 or args.repeat < 1:
        parser.error("every size must be at least 3, and --repeat at least 1")

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    config = database_config(database_url)
    if args.measure is not None:
        media = tempfile.mkdtemp(prefix="bench-reports-")
        try:
            setup_django(database_url, media)
            result = measure(args.measure, args.repeat, args.tracemalloc, args.profile)
        finally:
            shutil.rmtree(media, ignore_errors=True)
        print(json.dumps(result))
        return 0

    ensure_database(config)
    setup_django(database_url)
    import django

    from bench.pages import describe_database

    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    built = prepare_data(sizes, args.rebuild, log=print)
    load_before = os.getloadavg()[0]
    results = [run_measurement(n, args, database_url) for n in sizes]

    print()
    print(f"Annual report benchmark: {', '.join(f'{n:,}' for n in sizes)} organisations, "
          f"{args.repeat} builds each (cold = the first; best = the fastest)")  # fmt: skip
    print(f"Database: {describe_database()}")
    print("Data: " + "; ".join(f"{n:,}: {state.split(':')[0]}" for n, state in built.items()))
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, WeasyPrint "
        f"{__import__('weasyprint').__version__}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other work on the machine slows the builds)"
    )
    print()
    print_table(results)
    print()
    largest = max(results, key=lambda r: r["n"])
    by_size = sorted(results, key=lambda r: r["n"])
    for small, big in itertools.pairwise(by_size):
        growth = big["best"] / small["best"]
        print(
            f"{small['n']:,} -> {big['n']:,} organisations (×{big['n'] / small['n']:.0f}): "
            f"time ×{growth:.1f}"
        )
    verdict = "OK" if largest["best"] < TARGET_SECONDS else "SLOW"
    print(
        f"{verdict}: {largest['n']:,} organisations in {largest['best']:.1f} s at best "
        f"({largest['cold']:.1f} s cold); the target is under {TARGET_SECONDS} s."
    )
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
