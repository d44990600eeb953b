"""Page benchmark: every page a caseworker, member, mentor and evaluator can reach, at scale.

Run from the project root:

    .venv/bin/python bench/pages.py [--organisations 10000] [--compare 1000] [--role member]

It uses its own PostgreSQL database per size (``DATABASE_URL``, default ``portal_bench`` for
10 000 organisations, ``portal_bench1k`` for 1 000), creates it when missing, migrates it and
fills it with ``--organisations`` organisations. The data is wipe-and-rebuild: when the
database does not already hold a complete data set of that size (or ``--rebuild`` is given),
it is emptied with ``flush`` and built again; otherwise it is reused as it is.

Each role's test client (``force_login``) crawls the portal from the dashboard
(``bench/crawl.py``); one or two pages per URL pattern are then warmed up, their queries
counted under ``CaptureQueriesContext`` and timed round-robin, against a bare one-query view
served through the same middleware (``bench/urls.py``). The exit status is 1 when a page misses
a bar (queries, the same count at the ``--compare`` size, median × the bare view) or a link
leads to an error. See bench/README.md.
"""

import argparse
import datetime
import itertools
import math
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
# The benchmark empties its database: never these (nor any name starting with "test").
PROTECTED_DATABASES = {"portal", "postgres", "template0", "template1"}

WARMUP = 3
SEED = 2024
ORGNR_FIRST_STEM = 70_000_000  # stems two apart give distinct valid numbers
PASSWORD = "bench-only-password"
CASEWORKER_EMAIL = "saksbehandler@bench.invalid"
COLLEAGUE_EMAIL = "kollega@bench.invalid"
MEMBER_EMAIL = "deltaker@bench.invalid"
MENTOR_EMAIL = "mentor@bench.invalid"
EVALUATOR_EMAIL = "evaluator@bench.invalid"
BENCH_USERS = (CASEWORKER_EMAIL, COLLEAGUE_EMAIL, MEMBER_EMAIL, MENTOR_EMAIL, EVALUATOR_EMAIL)
SCHEME_SLUG = "bench-ordning"
SEARCH_TERM = "kvinne"
FILTERED_QUERY = "county=50&order=-founded"
ROUND_TITLE = "Søknadsrunde (benk)"
OPEN_CALL_TITLE = "Løpende søknader (benk)"
REVIEW_QUERY = "status=submitted&county=03&order=-score"
# The applications' states in the call, by weight.
APPLICATION_MIX = {
    "draft": 6,
    "withdrawn": 2,
    "submitted": 30,
    "info_requested": 4,
    "awarded": 36,
    "rejected": 22,
}
# The pairings' states, by weight; a replaced pairing is followed by its successor.
PAIRING_MIX = {"active": 80, "paused": 5, "ended": 8, "replaced": 7}
EVENTS = 50  # events in the year, whatever N
# The stored files the data's rows share (store_files saves them), so downloads answer.
ATTACHMENT_FILE = "applications/bench/vedlegg.pdf"
SLIDES_FILE = "materials/bench/presentasjon.pdf"
REPORT_FILE = "reports/bench/rapport.{}"
RECORD_FILE = "records/bench/dokument.pdf"
PDF_BYTES = b"%PDF-1.4\n%%EOF\n"
EMPTY_ZIP = b"PK\x05\x06" + bytes(18)  # a ZIP file's end record, no files
BUDGET_LINES = {
    "salary": "Honorar til koordinator",
    "rent": "Leie av lokale",
    "activities": "Aktiviteter og materiell",
    "travel": "Reiser",
    "equipment": "Utstyr",
    "other": "Bevertning",
}
TASK_TITLES = [
    "Oppdatere vedtektene",
    "Lage budsjett",
    "Kalle inn til årsmøte",
    "Søke kommunalt tilskudd",
]
PEOPLE_FIRST = ["Amina", "Ola", "Fatima", "Olena", "Ahmed", "Kari", "Piotr", "Sara", "Yonas"]
PEOPLE_LAST = ["Hassan", "Nilsen", "Ali", "Kowalski", "Haile", "Berg", "Shevchenko", "Khan"]

TARGET_GROUPS = [
    ("all-immigrants", "Alle innvandrere", "All immigrants"),
    ("refugees", "Flyktninger", "Refugees"),
    ("families", "Barnefamilier", "Families with children"),
    ("youth", "Ungdom med innvandrerbakgrunn", "Youth with immigrant background"),
    ("women", "Minoritetskvinner", "Minority women"),
    ("elderly", "Eldre innvandrere", "Elderly immigrants"),
    ("highly-qualified", "Høyt kvalifiserte innvandrere", "Highly qualified immigrants"),
    ("newcomers", "Nyankomne", "Newcomers"),
]
LANGUAGES = [
    ("no", "Norsk", "Norwegian"),
    ("en", "Engelsk", "English"),
    ("ar", "Arabisk", "Arabic"),
    ("so", "Somali", "Somali"),
    ("uk", "Ukrainsk", "Ukrainian"),
    ("pl", "Polsk", "Polish"),
    ("ti", "Tigrinja", "Tigrinya"),
    ("ur", "Urdu", "Urdu"),
]
NAME_FIRST = [
    "Flerkulturelt",
    "Internasjonalt",
    "Somalisk",
    "Polsk",
    "Ukrainsk",
    "Eritreisk",
    "Afghansk",
    "Syrisk",
    "Tamilsk",
    "Russisktalende",
    "Afrikansk",
    "Latinamerikansk",
    "Kurdisk",
    "Filippinsk",
    "Arabisk",
]
NAME_SECOND = [
    "kvinnenettverk",
    "ungdomsforum",
    "kulturforening",
    "foreldrenettverk",
    "idrettslag",
    "leksehjelp",
    "seniorforening",
    "velferdsforening",
    "kvinneforening",
    "studentforening",
    "musikkforening",
    "fellesskap",
    "integreringssenter",
    "dialogforum",
    "frivilligsentral",
]
# county number -> its weight in the spread, and a few of its municipalities
COUNTIES = {
    "03": (25, [("Oslo", "0301")]),
    "11": (8, [("Stavanger", "1103"), ("Sandnes", "1108")]),
    "15": (4, [("Ålesund", "1508"), ("Molde", "1506")]),
    "18": (3, [("Bodø", "1804")]),
    "31": (5, [("Sarpsborg", "3105"), ("Fredrikstad", "3107")]),
    "32": (10, [("Bærum", "3201"), ("Lillestrøm", "3205")]),
    "33": (5, [("Drammen", "3301")]),
    "34": (4, [("Hamar", "3403"), ("Lillehammer", "3405")]),
    "39": (4, [("Tønsberg", "3905"), ("Sandefjord", "3907")]),
    "40": (3, [("Porsgrunn", "4001"), ("Skien", "4003")]),
    "42": (5, [("Arendal", "4203"), ("Kristiansand", "4204")]),
    "46": (10, [("Bergen", "4601")]),
    "50": (8, [("Trondheim", "5001")]),
    "55": (3, [("Tromsø", "5501")]),
    "56": (1, [("Alta", "5601")]),
    "": (3, [("", "")]),  # not recorded
}
ACTIVITIES = [
    "Norskkurs",
    "Leksehjelp",
    "Matutdeling",
    "Fotballtrening",
    "Kvinnegruppe",
    "Seniortreff",
    "Foreldrekafé",
    "Jobbsøkerkurs",
]
DESCRIPTION = (
    "Vi samler innvandrere og nordmenn til faste aktiviteter, hjelper nyankomne å finne fram "
    "i det norske samfunnet og samarbeider med kommunen og andre organisasjoner."
)


def fail(message):
    """Stop without measuring: exit status 2 (1 is reserved for pages over the query budget)."""
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- the database ------------------------------------------------------------------------


def database_name(n) -> str:
    """portal_bench for 10 000 organisations, portal_bench1k for 1 000, portal_bench_N else:
    each size keeps its data, so runs at two sizes do not rebuild each other's."""
    if n == 10_000:
        return "portal_bench"
    return f"portal_bench{n // 1000}k" if n % 1000 == 0 else f"portal_bench_{n}"


def database_url(n) -> str:
    return os.environ.get("DATABASE_URL") or f"{DEFAULT_SERVER}/{database_name(n)}"


def database_config(url):
    import environ

    config = environ.Env.db_url_config(url)
    name = config.get("NAME") or ""
    if config.get("ENGINE") != "django.db.backends.postgresql":
        fail(f"DATABASE_URL must name a PostgreSQL database, not {config.get('ENGINE')}.")
    if name in PROTECTED_DATABASES or name.startswith("test"):
        fail(
            f"refusing the database {name!r}; the benchmark empties its database. "
            f"Give it a dedicated one, such as {DEFAULT_SERVER}/portal_bench."
        )
    return config


def ensure_database(config) -> bool:
    """Create the benchmark database when it is missing; True when it was created."""
    import psycopg
    from psycopg import sql

    params = {
        "host": config.get("HOST"),
        "port": config.get("PORT"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
    }
    params = {key: str(value) for key, value in params.items() if value not in (None, "")}
    try:
        connection = psycopg.connect(dbname="postgres", autocommit=True, **params)
    except psycopg.OperationalError as error:
        fail(f"cannot reach PostgreSQL: {error}")
    with connection:
        name = config["NAME"]
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone():
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def describe_database():
    from django.db import connection

    settings_dict = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    host = settings_dict.get("HOST") or "local socket"
    port = settings_dict.get("PORT") or 5432
    return f"{settings_dict['NAME']} on {host}:{port} (PostgreSQL {version})"


def describe_data() -> str:
    """How much the apps' data holds besides the organisations."""
    from courses.models import Event as CourseEvent
    from courses.models import Registration
    from grants.models import Application, Award, BudgetLine, Score
    from mentoring.models import Meeting, MentorOffer, Pairing, Task
    from reports.models import ReportJob
    from scheme.announcements.models import Announcement
    from scheme.conversations.models import Message, Thread
    from scheme.models import Event, Notification, User

    counted = [
        (User, "users"),
        (Application, "applications"),
        (BudgetLine, "budget lines"),
        (Score, "scores"),
        (Award, "awards"),
        (MentorOffer, "mentor offers"),
        (Pairing, "pairings"),
        (Meeting, "meetings"),
        (Task, "tasks"),
        (CourseEvent, "events"),
        (Registration, "registrations"),
        (ReportJob, "report jobs"),
        (Thread, "threads"),
        (Message, "messages"),
        (Announcement, "announcements"),
        (Notification, "notifications"),
        (Event, "timeline events"),
    ]
    return ", ".join(f"{model.objects.count():,} {name}" for model, name in counted)


# --- the data ------------------------------------------------------------------------------


def data_is_complete(n) -> bool:
    """Whether the database holds this script's whole data set of ``n`` organisations: an
    older data set (before the grants, mentoring, courses and reports data) is rebuilt, and so
    is one built in an earlier year (its call is not in this year)."""
    from django.utils import timezone

    from courses.models import Event as CourseEvent
    from grants.models import Attachment, Round
    from mentoring.models import Pairing
    from organisations.models import Organisation
    from reports.models import ReportJob
    from scheme.conversations.models import Thread
    from scheme.models import Scheme, User
    from scheme.records.models import RegistryEntry

    return (
        Organisation.objects.count() == n
        and User.objects.filter(email__in=BENCH_USERS).count() == len(BENCH_USERS)
        and Scheme.objects.filter(slug=SCHEME_SLUG).exists()
        and Round.objects.filter(
            scheme_year__scheme__slug=SCHEME_SLUG,
            scheme_year__year=timezone.localdate().year,
            title=ROUND_TITLE,
        ).exists()
        and Pairing.objects.filter(scheme__slug=SCHEME_SLUG).exists()
        and CourseEvent.objects.filter(scheme_year__scheme__slug=SCHEME_SLUG).exists()
        and ReportJob.objects.filter(ordered_by__email=CASEWORKER_EMAIL).exists()
        and Attachment.objects.filter(file=ATTACHMENT_FILE).exists()
        and ReportJob.objects.filter(parameters__has_key="award").exists()
        and ReportJob.objects.filter(parameters__has_key="case_file").exists()
        and Thread.objects.filter(kind="pairing").exists()
        and RegistryEntry.objects.filter(file=RECORD_FILE).exists()
    )


def store_files():
    """Save the few files the data's rows share when they are missing from storage."""
    from django.core.files.base import ContentFile

    from courses.models import Material
    from grants.models import Attachment
    from reports.models import ReportJob
    from scheme.records.models import RegistryEntry

    for model, name, content in (
        (Attachment, ATTACHMENT_FILE, PDF_BYTES),
        (Material, SLIDES_FILE, PDF_BYTES),
        (ReportJob, REPORT_FILE.format("pdf"), PDF_BYTES),
        (ReportJob, REPORT_FILE.format("csv"), b"organisasjon;belop\nBenk;100000\n"),
        (ReportJob, REPORT_FILE.format("zip"), EMPTY_ZIP),
        (RegistryEntry, RECORD_FILE, PDF_BYTES),
    ):
        storage = model._meta.get_field("file").storage
        if not storage.exists(name):
            storage.save(name, ContentFile(content))


def prepare_data(n, rebuild, log) -> str:
    """Make the database hold the benchmark's data set of ``n`` organisations."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    store_files()
    if not rebuild and data_is_complete(n):
        return "reused"
    started = time.perf_counter()
    log(f"Emptying {connection.settings_dict['NAME']} and building {n:,} organisations ...")
    call_command("flush", interactive=False, verbosity=0)
    build_data(n)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return f"built in {time.perf_counter() - started:.1f} s"


def _organisation(i, rng, today, seen_names):
    from organisations.models import Organisation
    from organisations.orgnr import fictional_orgnr
    from scheme.roles import OrganisationKind

    kind = rng.choices(
        [
            OrganisationKind.PARTICIPANT,
            OrganisationKind.MENTOR,
            OrganisationKind.ADMINISTRATOR,
            OrganisationKind.EVALUATOR,
        ],
        weights=[82, 15, 1.5, 1.5],
    )[0]
    county = rng.choices(list(COUNTIES), weights=[w for w, _ in COUNTIES.values()])[0]
    municipality, municipality_number = rng.choice(COUNTIES[county][1])
    name = f"{rng.choice(NAME_FIRST)} {rng.choice(NAME_SECOND)}"
    if municipality:
        name += f" {municipality}"
    seen_names[name] = seen_names.get(name, 0) + 1
    if seen_names[name] > 1:
        name += f" {seen_names[name]}"
    founded = None
    if rng.random() > 0.04:
        founded = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(35 * 365))
        founded = min(founded, today)
    registered = rng.choices([True, False, None], weights=[60, 15, 25])[0]
    since = None
    if registered and founded:
        since = min(founded + datetime.timedelta(days=rng.randrange(3 * 365)), today)
    member_based = rng.choice([True, False, None])
    members = rng.randint(5, 2000) if member_based else None
    paying = rng.randint(0, members) if members and rng.random() < 0.7 else None
    return Organisation(
        kind=kind,
        name=name,
        org_number=fictional_orgnr(ORGNR_FIRST_STEM + 2 * i),
        in_voluntary_register=registered,
        voluntary_register_since=since,
        founded=founded,
        municipality=municipality,
        municipality_number=municipality_number,
        county=county,
        street_address=f"Storgata {rng.randint(1, 200)}" if rng.random() < 0.7 else "",
        postal_code=f"{rng.randint(1, 9999):04d}",
        postal_place=municipality,
        email=f"post@org{i}.example.org",
        phone=f"+47 {rng.randint(40000000, 99999999)}",
        member_based=member_based,
        members_count=members,
        paying_members_count=paying,
        description=DESCRIPTION if rng.random() < 0.6 else "",
    )


def build_data(n):
    """``n`` organisations with target groups, languages, competence needs, activities,
    collaborations, earlier applications, branches, timeline events and members; a caseworker
    and a colleague, a participant member with two organisations, a mentor, their
    notifications, and a scheme with four years of rules. Then this year's grants, mentoring,
    courses and reports on top (``build_grants`` and the others)."""
    import importlib

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from organisations import models as org
    from scheme.models import AwardCondition, Event, Goal, Notification, Scheme, SchemeYear, User
    from scheme.roles import MemberRole, OrganisationKind

    rng = random.Random(SEED)
    today = timezone.localdate()  # the portal's today (TIME_ZONE), which its pages go by
    now = timezone.now()
    with transaction.atomic():
        groups = org.TargetGroup.objects.bulk_create(
            [org.TargetGroup(code=c, name_nb=nb, name_en=en) for c, nb, en in TARGET_GROUPS]
        )
        languages = org.Language.objects.bulk_create(
            [org.Language(code=c, name_nb=nb, name_en=en) for c, nb, en in LANGUAGES]
        )
        # Reference data from a migration, which flush empties: the same areas again.
        seeded = importlib.import_module("organisations.migrations.0005_seed_competence_areas")
        areas = org.CompetenceArea.objects.bulk_create(
            [org.CompetenceArea(code=c, name_nb=nb, name_en=en) for c, nb, en in seeded.AREAS]
        )
        seen_names = {}
        organisations = [_organisation(i, rng, today, seen_names) for i in range(n)]
        # The caseworker's administering body, and the member's two participant organisations:
        # the first with a complete, eligible profile, the second with gaps.
        organisations[0].kind = OrganisationKind.ADMINISTRATOR
        organisations[0].name = "Integrerings- og mangfoldsdirektoratet (benk)"
        complete, gappy = organisations[1], organisations[2]
        complete.kind = gappy.kind = OrganisationKind.PARTICIPANT
        complete.founded = today.replace(year=today.year - 2, day=1)
        complete.in_voluntary_register = True
        complete.voluntary_register_since = complete.founded
        complete.description = DESCRIPTION
        gappy.description = ""
        gappy.founded = None
        gappy.in_voluntary_register = None
        gappy.voluntary_register_since = None
        # The mentor's organisation: the bench mentor is its contact person.
        organisations[3].kind = OrganisationKind.MENTOR
        # The evaluator's organisation: the bench evaluator is its contact person.
        organisations[4].kind = OrganisationKind.EVALUATOR
        org.Organisation.objects.bulk_create(organisations, batch_size=2000)
        special = {complete.pk}

        through_groups = org.Organisation.target_groups.through
        through_languages = org.Organisation.languages.through
        through_needs = org.Organisation.competence_needs.through
        group_rows, language_rows, need_rows = [], [], []
        activities, collaborations, applications, branches = [], [], [], []
        for organisation in organisations:
            pk, place = organisation.pk, organisation.municipality or "Oslo"
            if pk in special or (pk != gappy.pk and rng.random() < 0.92):
                group_rows += [
                    through_groups(organisation_id=pk, targetgroup_id=group.pk)
                    for group in rng.sample(groups, rng.randint(1, 4))
                ]
            if pk in special or rng.random() < 0.7:
                language_rows += [
                    through_languages(organisation_id=pk, language_id=language.pk)
                    for language in rng.sample(languages, rng.randint(1, 3))
                ]
            if organisation.kind == OrganisationKind.PARTICIPANT and (
                pk in special or rng.random() < 0.5
            ):
                need_rows += [
                    through_needs(organisation_id=pk, competencearea_id=area.pk)
                    for area in rng.sample(areas, 3 if pk in special else rng.randint(1, 3))
                ]
            if pk in special or (pk != gappy.pk and rng.random() < 0.4):
                activities += [
                    org.Activity(
                        organisation_id=pk,
                        name=rng.choice(ACTIVITIES),
                        frequency=rng.choice(org.Frequency.values),
                        typical_participants=rng.randint(5, 80),
                    )
                    for _ in range(rng.randint(1, 3))
                ]
            if pk in special or rng.random() < 0.25:
                collaborations += [
                    org.Collaboration(
                        organisation_id=pk,
                        partner_kind=rng.choice(org.PartnerKind.values),
                        partner_name=f"{place} kommune",
                        since=today - datetime.timedelta(days=rng.randrange(2000)),
                        status=rng.choice(org.CollaborationStatus.values),
                    )
                    for _ in range(rng.randint(1, 2))
                ]
            if pk in special or (pk != gappy.pk and rng.random() < 0.3):
                applications += [
                    org.PreviousApplication(
                        organisation_id=pk,
                        year=rng.randint(today.year - 6, today.year),
                        grantor=rng.choice(org.Grantor.values),
                        grantor_name=f"{place} kommune",
                        amount=Decimal(rng.randrange(10_000, 200_000, 1_000)),
                        outcome=rng.choice(org.ApplicationOutcome.values),
                    )
                    for _ in range(rng.randint(1, 2))
                ]
            if pk in special or rng.random() < 0.1:
                branches.append(
                    org.Branch(
                        organisation_id=pk,
                        name=f"{organisation.name} lokallag",
                        municipality=place,
                        county=organisation.county,
                    )
                )
        applications.append(
            org.PreviousApplication(
                organisation_id=complete.pk,
                year=today.year - 1,
                grantor="imdi",
                grantor_name="IMDi",
                outcome="granted",
            )
        )
        through_groups.objects.bulk_create(group_rows, batch_size=5000)
        through_languages.objects.bulk_create(language_rows, batch_size=5000)
        through_needs.objects.bulk_create(need_rows, batch_size=5000)
        for model, rows in (
            (org.Activity, activities),
            (org.Collaboration, collaborations),
            (org.PreviousApplication, applications),
            (org.Branch, branches),
        ):
            model.objects.bulk_create(rows, batch_size=5000)

        organisation_type = ContentType.objects.get_for_model(org.Organisation)
        Event.objects.bulk_create(
            [
                Event(
                    created_at=now - datetime.timedelta(days=rng.randrange(1000)),
                    verb="organisation.created",
                    target_type=organisation_type,
                    target_id=organisation.pk,
                )
                for organisation in organisations
            ]
            + [
                Event(
                    created_at=now - datetime.timedelta(days=day),
                    verb="organisation.profile_updated",
                    target_type=organisation_type,
                    target_id=complete.pk,
                )
                for day in range(1, 8)
            ],
            batch_size=5000,
        )

        caseworker = User.objects.create_user(CASEWORKER_EMAIL, PASSWORD, full_name="Kari Saks")
        colleague = User.objects.create_user(COLLEAGUE_EMAIL, PASSWORD, full_name="Per Kollega")
        member = User.objects.create_user(MEMBER_EMAIL, PASSWORD, full_name="Deltaker Leder")
        mentor = User.objects.create_user(MENTOR_EMAIL, PASSWORD, full_name="Mona Mentor")
        evaluator = User.objects.create_user(EVALUATOR_EMAIL, PASSWORD, full_name="Eva Evaluator")
        # One leader for every fifth organisation, so memberships and users have some size.
        people = User.objects.bulk_create(
            [
                User(email=f"leder{i}@bench.invalid", full_name=f"Leder {i}", password="!")
                for i in range(0, n, 5)
            ],
            batch_size=5000,
        )
        memberships = [
            org.Membership(user=caseworker, organisation=organisations[0], role=MemberRole.MEMBER),
            org.Membership(user=colleague, organisation=organisations[0], role=MemberRole.MEMBER),
            org.Membership(user=member, organisation=complete, role=MemberRole.LEADER),
            org.Membership(user=member, organisation=gappy, role=MemberRole.CONTACT),
            org.Membership(user=mentor, organisation=organisations[3], role=MemberRole.CONTACT),
            org.Membership(user=evaluator, organisation=organisations[4], role=MemberRole.CONTACT),
        ]
        memberships += [
            org.Membership(user=person, organisation=organisations[i], role=MemberRole.LEADER)
            for person, i in zip(people, range(0, n, 5), strict=True)
        ]
        org.Membership.objects.bulk_create(memberships, batch_size=5000)

        # Eight each; the caseworker, told of every application and flag, N/20.
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    subject=f"Melding {number}",
                    body="Innhold.",
                    url="/dashboard/",
                    created_at=now - datetime.timedelta(hours=7 * number),
                    read_at=now if number > 5 else None,
                )
                for user, count in ((caseworker, max(8, n // 20)), (member, 8))
                for number in range(1, count + 1)
            ],
            batch_size=5000,
        )

        scheme = Scheme.objects.create(
            slug=SCHEME_SLUG,
            name="Prøveordning for små og nystartede organisasjoner (benk)",
            short_name="Prøveordningen",
            administrator=organisations[0],
            legal_basis="Rundskriv nr. 10-2022",
            purpose="Styrke små og nystartede organisasjoner på integreringsfeltet.",
        )
        Goal.objects.bulk_create(
            [Goal(scheme=scheme, number=i, text_nb=f"Mål {i}.") for i in range(1, 7)]
        )
        AwardCondition.objects.bulk_create(
            [
                AwardCondition(scheme=scheme, position=i, code=f"c{i}", text_nb=f"Vilkår {i}.")
                for i in range(1, 6)
            ]
        )
        years = SchemeYear.objects.bulk_create(
            [
                SchemeYear(
                    scheme=scheme,
                    year=year,
                    # This year's frame holds the awards of a call of N/4 applications.
                    budget_frame=Decimal(110_000) * max(10, n // 8)
                    if year == today.year
                    else Decimal(1_000_000),
                    report_due_date=datetime.date(year + 1, 1, 23),
                )
                for year in range(today.year - 3, today.year + 1)
            ]
        )

        acting = {
            organisations[i].pk: person for person, i in zip(people, range(0, n, 5), strict=True)
        }
        acting.update({complete.pk: member, gappy.pk: member, organisations[3].pk: mentor})
        world = World(
            rng=rng,
            today=today,
            organisations=organisations,
            complete=complete,
            gappy=gappy,
            mentor_organisation=organisations[3],
            caseworker=caseworker,
            colleague=colleague,
            member=member,
            mentor=mentor,
            evaluator=evaluator,
            scheme=scheme,
            years={year.year: year for year in years},
            groups=groups,
            languages=languages,
            areas=areas,
            people=acting,
        )
        build_grants(world, n)
        build_records(world)
        build_mentoring(world, n)
        build_courses(world, n)
        build_reports(world, n)
        build_conversations(world, n)
        world.save_timeline()


@dataclass
class World:
    """What the foundation built, for the apps' data on top of it."""

    rng: random.Random
    today: datetime.date
    organisations: list
    complete: object  # the member's complete participant organisation
    gappy: object  # the member's participant organisation with profile gaps
    mentor_organisation: object  # the bench mentor's organisation
    caseworker: object
    colleague: object
    member: object
    mentor: object
    evaluator: object
    scheme: object
    years: dict  # year -> SchemeYear
    groups: list
    languages: list
    areas: list
    people: dict  # organisation pk -> the user who acts for it
    timeline: list = field(default_factory=list)  # (model, pk, verb, actor, when)
    # Organisations taking part in this year (an award or a pairing in it): only they see
    # and join the year's events.
    taking_part: set = field(default_factory=set)

    @property
    def participants(self) -> list:
        return [o for o in self.organisations if o.kind == "participant"]

    @property
    def mentors(self) -> list:
        return [o for o in self.organisations if o.kind == "mentor"]

    def day(self, start, end) -> datetime.date:
        """A random day from ``start`` to ``end``."""
        return start + datetime.timedelta(days=self.rng.randrange(max(0, (end - start).days) + 1))

    def moment(self, day, hour=12) -> datetime.datetime:
        from django.utils import timezone

        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def ensure_people(self, organisations):
        """A contact person (user and membership) for each organisation that has nobody yet:
        whoever applies, mentors or registers logs in as someone."""
        from organisations.models import Membership
        from scheme.models import User
        from scheme.roles import MemberRole

        missing = list({o.pk: o for o in organisations if o.pk not in self.people}.values())
        users = User.objects.bulk_create(
            [
                User(
                    email=f"kontakt{o.pk}@bench.invalid",
                    full_name=f"{self.rng.choice(PEOPLE_FIRST)} {self.rng.choice(PEOPLE_LAST)}",
                    password="!",
                )
                for o in missing
            ],
            batch_size=5000,
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, organisation=o, role=MemberRole.CONTACT)
                for user, o in zip(users, missing, strict=True)
            ],
            batch_size=5000,
        )
        self.people.update({o.pk: user for o, user in zip(missing, users, strict=True)})

    def record(self, target, verb, actor, when):
        self.timeline.append((type(target), target.pk, verb, actor, when))

    def save_timeline(self):
        from django.contrib.contenttypes.models import ContentType

        from scheme.models import Event

        types = {}
        rows = []
        for model, pk, verb, actor, when in self.timeline:
            if model not in types:
                types[model] = ContentType.objects.get_for_model(model)
            rows.append(
                Event(created_at=when, actor=actor, verb=verb, target_type=types[model],
                      target_id=pk)
            )  # fmt: skip
        Event.objects.bulk_create(rows, batch_size=5000)


def _split(rng, amount, parts) -> list[Decimal]:
    """``amount`` in ``parts`` whole-krone pieces that add up to it."""
    weights = [rng.randint(1, 5) for _ in range(parts)]
    pieces = [(amount * w / sum(weights)).quantize(Decimal("1")) for w in weights[:-1]]
    return [*pieces, amount - sum(pieces, Decimal(0))]


def build_grants(w, n):
    """A closed call this year with applications from about N/4 participants in every state
    (budgets, attachments, declarations, assessments with scores, proposals, decisions,
    awards with instalments, payments and reports, appeals, change notices, clawbacks), and an
    open call with the member's draft."""
    from grants import models as g

    rng, today, caseworker = w.rng, w.today, w.caseworker
    scheme_year = w.years[today.year]
    closes = today - datetime.timedelta(days=60)
    call = g.Round.objects.create(
        scheme_year=scheme_year,
        title=ROUND_TITLE,
        kind=g.RoundKind.CLOSED,
        opens_on=closes - datetime.timedelta(days=60),
        closes_on=closes,
        guidance="Søk om driftsmidler til aktiviteter for og med innvandrere.",
    )
    open_call = g.Round.objects.create(
        scheme_year=scheme_year,
        title=OPEN_CALL_TITLE,
        kind=g.RoundKind.OPEN,
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=30),
        guidance="Søk om mindre beløp når som helst i perioden.",
    )
    others = [o for o in w.participants if o.pk not in (w.complete.pk, w.gappy.pk)]
    count = min(len(others) + 1, max(2, n // 4))
    chosen = rng.sample(others, min(len(others), count + count // 5))
    applicants = [w.complete, *chosen[: count - 1]]
    g.Invitation.objects.bulk_create(
        [
            g.Invitation(round=call, organisation=o, invited_at=w.moment(call.opens_on, 9))
            for o in [*applicants, *chosen[count - 1 :]]
        ],
        batch_size=5000,
    )
    w.ensure_people(applicants)
    statuses = rng.choices(list(APPLICATION_MIX), weights=list(APPLICATION_MIX.values()), k=count)
    # The member's application is awarded; the next is the open case the caseworker works on.
    statuses[0], statuses[1] = g.ApplicationStatus.AWARDED, g.ApplicationStatus.SUBMITTED
    applications = []
    for o, status in zip(applicants, statuses, strict=True):
        sent = status != g.ApplicationStatus.DRAFT
        filled = sent or rng.random() < 0.6
        applications.append(
            g.Application(
                round=call,
                organisation=o,
                status=status,
                amount=Decimal(rng.randrange(40_000, 110_001, 1_000)) if filled else None,
                planned_activities="Leksehjelp og språkkafé hver uke." if filled else "",
                reach="Barn og foreldre i bydelen." if filled else "",
                people_reached=rng.randint(15, 400) if filled else None,
                wants_mentor=rng.random() < 0.7,
                planned_collaborations="Med biblioteket og kommunen." if filled else "",
                eligibility=rng.choices(list(g.Eligibility.values), weights=[85, 5, 10])[0]
                if sent
                else g.Eligibility.UNKNOWN,
                info_request="Kan dere sende et oppdatert budsjett?"
                if status == g.ApplicationStatus.INFO_REQUESTED
                else "",
                caseworker=caseworker
                if status in ("awarded", "rejected", "info_requested")
                else None,
                submitted_at=w.moment(w.day(call.opens_on, closes), rng.randint(8, 22))
                if sent
                else None,
            )
        )
    applications.append(g.Application(round=open_call, organisation=w.gappy))  # a draft
    applications = g.Application.objects.bulk_create(applications, batch_size=2000)
    applications, draft = applications[:-1], applications[-1]
    w.record(draft, "application.started", w.member, w.moment(today))

    lines, groups, needs, attachments = [], [], [], []
    for a in applications:
        if a.amount is not None:
            categories = rng.sample(list(g.BudgetCategory.values), rng.randint(2, 4))
            lines += [
                g.BudgetLine(application=a, category=category, description=BUDGET_LINES[category],
                             amount=amount)
                for category, amount in zip(
                    categories, _split(rng, a.amount, len(categories)), strict=True
                )
            ]  # fmt: skip
            groups += [
                g.Application.target_groups.through(application_id=a.pk, targetgroup_id=t.pk)
                for t in rng.sample(w.groups, rng.randint(1, 3))
            ]
            needs += [
                g.Application.competence_needs.through(application_id=a.pk, competencearea_id=c.pk)
                for c in rng.sample(w.areas, rng.randint(0, 3))
            ]
        if a.submitted_at is not None:
            attachments += [
                g.Attachment(
                    application=a,
                    kind=kind,
                    file=ATTACHMENT_FILE,
                    original_name=f"{name} {a.organisation.name}.pdf",
                    size=rng.randint(40_000, 900_000),
                    uploaded_by=w.people[a.organisation_id],
                    uploaded_at=a.submitted_at - datetime.timedelta(hours=1),
                )
                for kind, name in (("statutes", "Vedtekter"), ("accounts", "Regnskap"))
            ]
            w.record(a, "application.submitted", w.people[a.organisation_id], a.submitted_at)
    g.BudgetLine.objects.bulk_create(lines, batch_size=5000)
    g.Application.target_groups.through.objects.bulk_create(groups, batch_size=5000)
    g.Application.competence_needs.through.objects.bulk_create(needs, batch_size=5000)
    g.Attachment.objects.bulk_create(attachments, batch_size=5000)

    # Declarations, assessments with scores and the portfolio's proposals.
    declarations, assessments, rank = [], [], 0
    for index, a in enumerate(applications):
        decided = a.status in (g.ApplicationStatus.AWARDED, g.ApplicationStatus.REJECTED)
        assessed = decided or (a.status == "submitted" and (index == 1 or rng.random() < 0.6))
        if not (assessed or a.status == g.ApplicationStatus.INFO_REQUESTED):
            continue
        declared_at = w.moment(closes + datetime.timedelta(days=rng.randint(1, 5)), 9)
        declarations.append(
            g.ImpartialityDeclaration(application=a, caseworker=caseworker, has_conflict=False,
                                      declared_at=declared_at)
        )  # fmt: skip
        w.record(a, "application.impartiality", caseworker, declared_at)
        if not assessed:
            continue
        proposed = a.status == g.ApplicationStatus.AWARDED or (
            a.status == g.ApplicationStatus.SUBMITTED and rng.random() < 0.5
        )
        rank += proposed
        assessments.append(
            g.Assessment(
                application=a,
                assessed_by=caseworker,
                purpose_confirmed=rng.random() < 0.95,
                phoned_at=closes + datetime.timedelta(days=rng.randint(3, 10)),
                phone_note="Leder bekreftet motivasjonen.",
                summary="Aktiv organisasjon med tydelig behov for organisasjonskunnskap.",
                proposed=proposed,
                rank=rank if proposed else None,
                proposed_amount=a.amount if proposed else None,
            )
        )
        w.record(a, "application.assessed", caseworker, declared_at + datetime.timedelta(days=2))
    g.ImpartialityDeclaration.objects.bulk_create(declarations, batch_size=5000)
    assessments = g.Assessment.objects.bulk_create(assessments, batch_size=5000)
    g.Score.objects.bulk_create(
        [
            g.Score(assessment=assessment, criterion=criterion, score=rng.randint(1, 5),
                    note="Godt begrunnet." if rng.random() < 0.2 else "")
            for assessment in assessments
            for criterion in g.Criterion.values
        ],
        batch_size=5000,
    )  # fmt: skip

    # Decisions, awards, payments, reports; appeals, change notices and clawbacks.
    decided = [a for a in applications if a.status in ("awarded", "rejected")]
    days = [closes + datetime.timedelta(days=rng.randint(20, 40)) for _ in decided]
    decisions = g.Decision.objects.bulk_create(
        [
            g.Decision(
                application=a,
                kind=g.DecisionKind.AWARD if a.status == "awarded" else g.DecisionKind.REJECTION,
                reasons="Søknaden er vurdert etter kriteriene i rundskrivet.",
                decided_by=caseworker,
                decided_at=w.moment(day, 14),
                appeal_deadline=day + datetime.timedelta(weeks=3),
            )
            for a, day in zip(decided, days, strict=True)
        ],
        batch_size=5000,
    )
    terms = [
        {"code": c.code, "text_nb": c.text_nb, "text_en": c.text_en}
        for c in w.scheme.conditions.all()
    ]
    awards, appeals = [], []
    for a, decision, day in zip(decided, decisions, days, strict=True):
        person = w.people[a.organisation_id]
        if a.status == g.ApplicationStatus.REJECTED:
            w.record(a, "application.rejected", caseworker, decision.decided_at)
            if rng.random() < 0.05:
                upheld = rng.random() < 0.4
                appeals.append(
                    g.Appeal(
                        decision=decision,
                        grounds="Vi mener søknaden oppfyller kriteriene.",
                        lodged_by=person,
                        lodged_at=w.moment(day + datetime.timedelta(days=7)),
                        status=g.AppealStatus.UPHELD if upheld else g.AppealStatus.LODGED,
                        outcome="Vedtaket står ved lag." if upheld else "",
                        handled_by=caseworker if upheld else None,
                        handled_at=w.moment(day + datetime.timedelta(days=14)) if upheld else None,
                    )
                )
            continue
        w.record(a, "application.awarded", caseworker, decision.decided_at)
        accepted = a.organisation_id == w.complete.pk or rng.random() < 0.85
        amount = (
            a.amount if rng.random() < 0.7 else (a.amount * Decimal("0.8")).quantize(Decimal("1"))
        )
        awards.append(
            g.Award(
                application=a,
                decision=decision,
                amount=amount,
                conditions=terms,
                accepted_at=w.moment(day + datetime.timedelta(days=3)) if accepted else None,
                accepted_by=person if accepted else None,
            )
        )
    g.Appeal.objects.bulk_create(appeals)
    awards = g.Award.objects.bulk_create(awards, batch_size=5000)
    w.taking_part.update(award.application.organisation_id for award in awards)
    instalments = []
    for award in awards:
        first = (award.amount * Decimal("0.7")).quantize(Decimal("1"))
        paid_from = award.decision.decided_at.date() + datetime.timedelta(days=14)
        instalments += [
            g.Instalment(award=award, number=1, amount=first, due_on=paid_from),
            g.Instalment(award=award, number=2, amount=award.amount - first,
                         due_on=scheme_year.report_due_date + datetime.timedelta(days=30),
                         after_report_approved=True),
        ]  # fmt: skip
    instalments = g.Instalment.objects.bulk_create(instalments, batch_size=5000)
    disbursements = []
    for award, first in zip(awards, instalments[::2], strict=True):
        if award.accepted_at is not None:
            w.record(award, "award.accepted", award.accepted_by, award.accepted_at)
            if award.application.organisation_id == w.complete.pk or rng.random() < 0.9:
                paid_on = min(today, first.due_on + datetime.timedelta(days=rng.randint(0, 7)))
                disbursements.append(
                    g.Disbursement(award=award, instalment=first, paid_on=paid_on,
                                   amount=first.amount, recorded_by=caseworker)
                )  # fmt: skip
                w.record(award, "award.disbursed", caseworker, w.moment(paid_on, 10))
    g.Disbursement.objects.bulk_create(disbursements, batch_size=5000)
    g.GrantReport.objects.bulk_create(
        [
            g.GrantReport(
                award=award,
                due_on=scheme_year.report_due_date,
                activities_held="Leksehjelp hver tirsdag." if rng.random() < 0.1 else "",
            )
            for award in awards
        ],
        batch_size=5000,
    )
    noticed = [a for a in awards if a.application.organisation_id == w.complete.pk]
    noticed += [a for a in awards if a not in noticed and rng.random() < 0.03]
    notices = []
    for index, award in enumerate(noticed):
        handled = index > 0 and rng.random() < 0.5  # the member's is open
        notices.append(
            g.ChangeNotice(
                award=award,
                description="Vi har fått ny leder og flytter aktivitetene til et nytt lokale.",
                sent_by=w.people[award.application.organisation_id],
                sent_at=w.moment(today - datetime.timedelta(days=rng.randint(2, 15))),
                status=g.ChangeNoticeStatus.HANDLED if handled else g.ChangeNoticeStatus.OPEN,
                outcome="Endringen påvirker ikke tilskuddet." if handled else "",
                handled_by=caseworker if handled else None,
                handled_at=w.moment(today - datetime.timedelta(days=1)) if handled else None,
            )
        )
    g.ChangeNotice.objects.bulk_create(notices)
    paid = {d.award_id: d for d in disbursements}
    clawed = [a for a in awards if a.pk in paid and rng.random() < 0.01]
    claw_decisions = g.Decision.objects.bulk_create(
        [
            g.Decision(application_id=award.application_id, kind=g.DecisionKind.CLAWBACK,
                       reasons="Midlene er brukt i strid med vilkårene.", decided_by=caseworker,
                       decided_at=w.moment(today - datetime.timedelta(days=5)),
                       appeal_deadline=today + datetime.timedelta(days=16))
            for award in clawed
        ]
    )  # fmt: skip
    g.Clawback.objects.bulk_create(
        [
            g.Clawback(award=award, decision=decision, due_on=today + datetime.timedelta(days=30),
                       amount=min(paid[award.pk].amount, Decimal(rng.randrange(5_000, 20_001))))
            for award, decision in zip(clawed, claw_decisions, strict=True)
        ]
    )  # fmt: skip


def build_records(w):
    """A case file for every sent application, numbered in the body's series for the year
    it was sent, with the documents the grant services register in it: the application and
    its two attachments (incoming), the decision letters and the payments (outgoing). Every
    document shares one stored file, so its download answers as in production."""
    from django.utils import timezone

    from grants import models as g
    from grants.records import CASE_KIND, CLASSIFICATION
    from scheme.records.models import (
        CaseFile,
        CaseSequence,
        Direction,
        DocumentType,
        RegistryEntry,
    )

    body = w.scheme.administrator
    sent = list(
        g.Application.objects.filter(
            round__scheme_year__scheme=w.scheme, submitted_at__isnull=False
        )
        .select_related("round", "organisation")
        .order_by("submitted_at", "pk")
    )
    documents = {a.pk: [] for a in sent}  # application pk -> (when, direction, type, title, source)
    for a in sent:
        documents[a.pk].append(
            (a.submitted_at, Direction.INCOMING, DocumentType.APPLICATION,
             f"Søknad: {a.round.title}", a)
        )  # fmt: skip
    for attachment in g.Attachment.objects.filter(application_id__in=documents).order_by("pk"):
        documents[attachment.application_id].append(
            (attachment.uploaded_at + datetime.timedelta(hours=1), Direction.INCOMING,
             DocumentType.ATTACHMENT, f"Vedlegg: {attachment.original_name}", attachment)
        )  # fmt: skip
    for decision in g.Decision.objects.filter(application_id__in=documents):
        clawback = decision.kind == g.DecisionKind.CLAWBACK
        kind = DocumentType.CLAWBACK if clawback else DocumentType.DECISION
        documents[decision.application_id].append(
            (decision.decided_at, Direction.OUTGOING, kind, "Vedtak om tilskudd", decision)
        )
    for paid in g.Disbursement.objects.select_related("award"):
        documents[paid.award.application_id].append(
            (w.moment(paid.paid_on, 10), Direction.OUTGOING, DocumentType.PAYMENT,
             "Utbetaling av tilskudd", paid)
        )  # fmt: skip
    last, cases = {}, []
    for a in sent:
        year = timezone.localtime(a.submitted_at).year
        last[year] = last.get(year, 0) + 1
        cases.append(
            CaseFile(body=body, year=year, sequence=last[year], kind=CASE_KIND, object_id=a.pk,
                     title=f"{a.round.title} – {a.organisation.name}"[:255],
                     classification=CLASSIFICATION, party=a.organisation,
                     caseworker=a.caseworker, opened_at=a.submitted_at,
                     last_document=len(documents[a.pk]))
        )  # fmt: skip
    CaseSequence.objects.bulk_create(
        [CaseSequence(body=body, year=year, last=n) for year, n in last.items()]
    )
    cases = CaseFile.objects.bulk_create(cases, batch_size=5000)
    entries = []
    for a, case in zip(sent, cases, strict=True):
        ordered = sorted(documents[a.pk], key=lambda document: document[0])
        for number, (when, direction, kind, title, source) in enumerate(ordered, start=1):
            incoming = direction == Direction.INCOMING
            entries.append(
                RegistryEntry(
                    case_file=case, number=number, direction=direction, document_type=kind,
                    title=title, registered_at=when, document_date=timezone.localtime(when).date(),
                    party_name=a.organisation.name,
                    caseworker=a.caseworker or (None if incoming else w.caseworker),
                    source_kind=source._meta.label_lower, source_id=source.pk,
                    file=RECORD_FILE,
                )
            )  # fmt: skip
    RegistryEntry.objects.bulk_create(entries, batch_size=5000)


def build_mentoring(w, n):
    """Offers from every mentor organisation; about N/20 pairings (most one to one, some
    groups; some paused, ended or replaced) with agreements, meetings and their topics, tasks,
    check-ins, flags, and the year's compensation with payments. The member's organisation has
    the richest pairing, with the bench mentor, after a replaced one."""
    from mentoring import models as m
    from mentoring.progress import store_meeting_figures
    from organisations.geography import Region

    rng, today, caseworker = w.rng, w.today, w.caseworker
    mentors = w.mentors
    offers = m.MentorOffer.objects.bulk_create(
        [
            m.MentorOffer(
                organisation=o,
                regions=rng.sample(list(Region.values), rng.randint(1, 3)),
                wishes="Gjerne nystartede organisasjoner." if rng.random() < 0.3 else "",
                capacity=rng.randint(1, 3),
                digital_ok=rng.random() < 0.8,
            )
            for o in mentors
        ],
        batch_size=5000,
    )
    # What each offer covers: (choices, fewest, most, the through table's column).
    covered = {
        "competence_areas": (w.areas, 1, 4, "competencearea_id"),
        "languages": (w.languages, 1, 3, "language_id"),
        "target_groups": (w.groups, 1, 3, "targetgroup_id"),
        "wished_target_groups": (w.groups, 0, 2, "targetgroup_id"),
    }
    rows = {name: [] for name in covered}
    for offer in offers:
        for name, (choices, fewest, most, column) in covered.items():
            through = getattr(m.MentorOffer, name).through
            rows[name] += [
                through(mentoroffer_id=offer.pk, **{column: choice.pk})
                for choice in rng.sample(choices, rng.randint(fewest, most))
            ]
    for name, made in rows.items():
        getattr(m.MentorOffer, name).through.objects.bulk_create(made, batch_size=5000)

    # The pairings: (pairing, participants), a replaced one right before its successor.
    target = max(4, n // 20)
    queue = [o for o in w.participants if o.pk not in (w.complete.pk, w.gappy.pk)]
    queue = [w.complete, *rng.sample(queue, min(len(queue), 2 * target))]
    specs = []
    while len(specs) < target and queue:
        first = not specs
        size = 1 if first or rng.random() < 0.85 else rng.randint(2, 3)
        group, queue = queue[:size], queue[size:]
        status = (
            "replaced" if first else rng.choices(list(PAIRING_MIX), list(PAIRING_MIX.values()))[0]
        )
        starts = today - datetime.timedelta(days=420 if first else rng.randint(60, 540))
        mentor = rng.choice(mentors)
        if status == "replaced":
            switch = min(starts + datetime.timedelta(days=rng.randint(60, 180)),
                         today - datetime.timedelta(days=300 if first else 30))  # fmt: skip
            old = m.Pairing(scheme=w.scheme, mentor=mentor, starts_on=starts,
                            ends_on=switch - datetime.timedelta(days=1),
                            status=m.PairingStatus.REPLACED, end_reason="Passet ikke sammen.",
                            created_by=caseworker)  # fmt: skip
            specs.append((old, group))
            mentor = w.mentor_organisation if first else rng.choice(mentors)
            starts, status = switch, "active"
        ends = None
        if status == "ended":
            ends = min(today - datetime.timedelta(days=1),
                       starts + datetime.timedelta(days=rng.randint(90, 300)))  # fmt: skip
        specs.append(
            (
                m.Pairing(scheme=w.scheme, mentor=mentor, starts_on=starts, ends_on=ends,
                          status=status, created_by=caseworker,
                          end_reason="Perioden er over." if ends else ""),
                group,
            )
        )  # fmt: skip
    w.ensure_people([o for pairing, group in specs for o in (pairing.mentor, *group)])
    for pairing, _group in specs:
        pairing.mentor_contact = w.people[pairing.mentor_id]
    pairings = m.Pairing.objects.bulk_create([p for p, _group in specs], batch_size=2000)
    for (before, _b), (after, _a) in itertools.pairwise(specs):
        if before.status == m.PairingStatus.REPLACED:
            after.replaces = before
    m.Pairing.objects.bulk_update([p for p in pairings if p.replaces_id], ["replaces"])
    starred = specs[1][0]  # the member's pairing with the bench mentor
    m.PairingMember.objects.bulk_create(
        [
            m.PairingMember(pairing=p, organisation=o, contact=w.people[o.pk])
            for p, group in specs
            for o in group
        ],
        batch_size=5000,
    )
    agreements = m.Agreement.objects.bulk_create(
        [
            m.Agreement(pairing=p, text="Samarbeidsavtale: minst seks møter i året.",
                        min_meetings=6)
            for p, _group in specs
        ],
        batch_size=5000,
    )  # fmt: skip
    m.AgreementAcceptance.objects.bulk_create(
        [
            m.AgreementAcceptance(agreement=agreement, organisation=o, accepted_by=w.people[o.pk],
                                  accepted_at=w.moment(p.starts_on + datetime.timedelta(days=3)))
            for agreement, (p, group) in zip(agreements, specs, strict=True)
            for o in (p.mentor, *group)
            if p is starred or rng.random() < 0.92
        ],
        batch_size=5000,
    )  # fmt: skip

    meetings, tasks, check_ins, flags = [], [], [], []
    for p, group in specs:
        last = p.ends_on or today
        rich = p is starred
        count = 12 if rich else round((last - p.starts_on).days / 60 * rng.uniform(0.4, 1.3))
        sides = [p.mentor, *group]
        held = sorted(w.day(p.starts_on, last) for _ in range(count))
        w.record(p, "mentoring.paired", caseworker, w.moment(p.starts_on, 9))
        for index, held_on in enumerate(held):
            by = p.mentor if rng.random() < 0.7 else group[0]
            other = group[0] if by is p.mentor else p.mentor
            confirmed = index < len(held) - 1 or rng.random() < 0.6
            meetings.append(
                m.Meeting(
                    pairing=p,
                    held_on=held_on,
                    mode=rng.choice(list(m.MeetingMode.values)),
                    duration_minutes=rng.choice([45, 60, 90, 120]),
                    attendees="Mentor og leder, av og til kassereren.",
                    summary="Vi gikk gjennom regnskapet og neste søknad.",
                    notes="Interne notater om styret." if rng.random() < 0.3 else "",
                    notes_visibility=rng.choice(list(m.NoteVisibility.values)),
                    logged_by=w.people[by.pk],
                    logged_for=by,
                    logged_at=w.moment(held_on, 20),
                    confirmed_by=w.people[other.pk] if confirmed else None,
                    confirmed_at=w.moment(held_on + datetime.timedelta(days=2))
                    if confirmed
                    else None,
                )
            )
            if rich:
                w.record(p, "mentoring.meeting_logged", w.people[by.pk], w.moment(held_on, 20))
        for _ in range(6 if rich else rng.randint(0, 4)):
            due_on = w.day(p.starts_on, last) + datetime.timedelta(days=21)
            done = (due_on < today and rng.random() < 0.7) or rng.random() < 0.2
            owner = rng.choice(sides)
            tasks.append(
                m.Task(pairing=p, title=rng.choice(TASK_TITLES), owner=owner, due_on=due_on,
                       done_at=w.moment(min(due_on, today)) if done else None,
                       done_by=w.people[owner.pk] if done else None)
            )  # fmt: skip
        if held and (rich or rng.random() < 0.6):
            check_ins.append(
                m.CheckIn(pairing=p, organisation=group[0], kind=m.CheckInKind.FIRST,
                          good_fit=rng.random() > 0.05, answered_by=w.people[group[0].pk],
                          answered_at=w.moment(held[0] + datetime.timedelta(days=3)))
            )  # fmt: skip
        if held and (rich or rng.random() < 0.3):
            check_ins.append(
                m.CheckIn(pairing=p, organisation=p.mentor, kind=m.CheckInKind.MIDPOINT,
                          usefulness=rng.randint(2, 5), cooperation=rng.randint(2, 5),
                          progress=rng.randint(1, 5), comment="Det går framover.",
                          answered_by=w.people[p.mentor_id], answered_at=w.moment(held[-1]))
            )  # fmt: skip
        if p.status in m.LIVE_STATUSES and (rich or rng.random() < 0.04):
            open_flag = rich or rng.random() < 0.6
            flags.append(
                m.Flag(pairing=p, raised_for=group[0], raised_by=w.people[group[0].pk],
                       raised_at=w.moment(today - datetime.timedelta(days=rng.randint(1, 40))),
                       message="Vi får ikke til å møtes.",
                       status=m.FlagStatus.OPEN if open_flag else m.FlagStatus.RESOLVED,
                       outcome="" if open_flag else "Ringt begge; nytt møte avtalt.",
                       handled_by=None if open_flag else caseworker,
                       handled_at=None if open_flag else w.moment(today))
            )  # fmt: skip
    meetings = m.Meeting.objects.bulk_create(meetings, batch_size=5000)
    # Written as the meeting service keeps them, which these rows bypass.
    store_meeting_figures(m.Pairing.objects.all())
    m.Meeting.topics.through.objects.bulk_create(
        [
            m.Meeting.topics.through(meeting_id=meeting.pk, competencearea_id=area.pk)
            for meeting in meetings
            for area in rng.sample(w.areas, rng.randint(1, 2))
        ],
        batch_size=5000,
    )
    m.Task.objects.bulk_create(tasks, batch_size=5000)
    m.CheckIn.objects.bulk_create(check_ins, batch_size=5000)
    m.Flag.objects.bulk_create(flags)

    # This year's compensation for every mentor paired in it; half paid so far.
    year = w.years[today.year]
    first_day = datetime.date(today.year, 1, 1)
    amounts = {}
    for p, group in specs:
        if p.ends_on is None or p.ends_on >= first_day:
            w.taking_part.update(o.pk for o in (p.mentor, *group))
            half = p.status == m.PairingStatus.REPLACED or p.replaces_id is not None
            amounts[p.mentor_id] = Decimal(20_000 if half else 40_000)
    compensations = m.Compensation.objects.bulk_create(
        [m.Compensation(mentor_id=mentor, scheme_year=year, amount=amount)
         for mentor, amount in amounts.items()],
        batch_size=5000,
    )  # fmt: skip
    m.CompensationPayment.objects.bulk_create(
        [
            m.CompensationPayment(compensation=c, amount=c.amount / 2, recorded_by=caseworker,
                                  paid_on=min(today, datetime.date(today.year, 6, 30)))
            for c in compensations
            if rng.random() < 0.5
        ],
        batch_size=5000,
    )  # fmt: skip


def build_courses(w, n):
    """This year's annual plan, EVENTS events (most of them fulfilling its items; past and
    upcoming; two cancelled) with programmes and materials, registrations with attendance,
    and the last gathering held with N/25 organisations, a practical task and a feedback form.
    The member is registered for some events, upcoming and past."""
    from courses import models as c

    rng, today, caseworker = w.rng, w.today, w.caseworker
    now = w.moment(today, 12)
    year = w.years[today.year]
    plan = c.AnnualPlan.objects.create(
        scheme_year=year,
        introduction="Årets samlinger, kurs og fellesmøter.",
        shared_at=w.moment(min(today, datetime.date(today.year, 1, 15))),
    )
    wanted = [
        (c.ItemKind.GATHERING, 3, "Organisasjonsutvikling"),
        (c.ItemKind.GATHERING, 6, "Frivillige og rekruttering"),
        (c.ItemKind.GATHERING, 9, "Søknadsskriving og regnskap"),
        (c.ItemKind.MENTOR_MEETING, 2, "Oppstart for mentorer"),
        (c.ItemKind.MENTOR_MEETING, 11, "Erfaringsdeling"),
        (c.ItemKind.PARTICIPANT_MEETING, 4, "Deltakermøte"),
        (c.ItemKind.PARTICIPANT_MEETING, 10, "Deltakermøte"),
    ] + [(c.ItemKind.COURSE, 1 + i % 12, f"Kurs {i + 1}") for i in range(5 + n // 1000)]
    items = c.PlannedItem.objects.bulk_create(
        [c.PlannedItem(plan=plan, kind=kind, month=month, topic=topic)
         for kind, month, topic in wanted]
    )  # fmt: skip
    c.PlannedItem.competence_areas.through.objects.bulk_create(
        [
            c.PlannedItem.competence_areas.through(planneditem_id=item.pk, competencearea_id=a.pk)
            for item in items
            for a in rng.sample(w.areas, 2)
        ]
    )
    kinds = {
        c.ItemKind.GATHERING: (c.EventKind.GATHERING, c.Audience.PARTICIPANTS, 7),
        c.ItemKind.COURSE: (c.EventKind.COURSE, c.Audience.BOTH, 3),
        c.ItemKind.MENTOR_MEETING: (c.EventKind.JOINT_MEETING, c.Audience.MENTORS, 2),
        c.ItemKind.PARTICIPANT_MEETING: (c.EventKind.JOINT_MEETING, c.Audience.PARTICIPANTS, 2),
    }
    events = []
    for index in range(EVENTS):
        # The first is the last gathering held; about 70 % are past, the rest upcoming.
        item = items[0] if index == 0 else (rng.choice(items) if rng.random() < 0.8 else None)
        kind, audience, hours = kinds[item.kind if item else rng.choice(list(kinds))]
        if index == 0:
            day = today - datetime.timedelta(days=10)
        elif rng.random() < 0.7:
            day = today - datetime.timedelta(days=rng.randint(12, 320))
        else:
            day = today + datetime.timedelta(days=rng.randint(3, 60))
        starts = w.moment(day, 9 if hours == 7 else 18)
        events.append(
            c.Event(
                scheme_year=year,
                planned_item=item,
                kind=kind,
                audience=audience,
                title=item.topic if item else "Temakveld",
                description="Program, foredrag og erfaringsdeling.",
                provider_name="IMDi",
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=hours),
                is_digital=kind != c.EventKind.GATHERING,
                place="Oslo" if kind == c.EventKind.GATHERING else "",
                meeting_link="" if kind == c.EventKind.GATHERING else "https://meet.example.org/b",
                registration_deadline=day - datetime.timedelta(days=7),
                cost=Decimal(rng.randrange(5_000, 150_000, 1_000)),
                cancelled_at=now - datetime.timedelta(days=20) if index in (5, 6) else None,
            )
        )
    events = c.Event.objects.bulk_create(events)
    gathering = events[0]
    c.Event.competence_areas.through.objects.bulk_create(
        [
            c.Event.competence_areas.through(event_id=event.pk, competencearea_id=a.pk)
            for event in events
            for a in rng.sample(w.areas, 2)
        ]
    )
    c.ProgrammeItem.objects.bulk_create(
        [
            c.ProgrammeItem(event=event, starts_at=datetime.time(9 + 2 * i), title=title,
                            presenter_name="IMDi")
            for event in events
            for i, title in enumerate(["Velkommen", "Foredrag", "Gruppearbeid"])
        ]
    )  # fmt: skip
    c.Material.objects.bulk_create(
        [
            c.Material(event=event, title="Presentasjon", file=SLIDES_FILE,
                       original_name="presentasjon.pdf", uploaded_by=caseworker,
                       uploaded_at=event.ends_at)
            for event in events
            if event.starts_at < now
        ]
    )  # fmt: skip

    # Registrations, from the organisations taking part in the year: N/25 organisations at
    # the last gathering, 5 to N/100 at the others.
    participants = [o for o in w.participants if o.pk in w.taking_part]
    mentors = [o for o in w.mentors if o.pk in w.taking_part]
    chosen, upcoming_for_member = {}, 0
    for event in events:
        pool = {
            c.Audience.PARTICIPANTS: participants,
            c.Audience.MENTORS: mentors,
            c.Audience.BOTH: participants + mentors,
        }[event.audience]
        size = n // 25 if event is gathering else rng.randint(5, max(10, n // 100))
        chosen[event.pk] = rng.sample(pool, min(len(pool), size))
        upcoming = event.starts_at > now and event.cancelled_at is None
        if event.audience != c.Audience.MENTORS and (
            event is gathering or (upcoming and (upcoming_for_member < 3 or rng.random() < 0.3))
        ):
            chosen[event.pk] = [w.complete, *(o for o in chosen[event.pk] if o is not w.complete)]
            upcoming_for_member += upcoming
    w.ensure_people([o for organisations in chosen.values() for o in organisations])
    registrations = []
    for event in events:
        held = event.starts_at < now and event.cancelled_at is None
        for o in chosen[event.pk]:
            person = w.people[o.pk]
            gathering_kind = event.kind == c.EventKind.GATHERING
            for number in range(rng.randint(1, 2) if gathering_kind else 1):
                cancelled = rng.random() < 0.05
                registrations.append(
                    c.Registration(
                        event=event,
                        organisation=o,
                        person_name=person.full_name if number == 0 else f"Frivillig {o.pk}",
                        person=person if number == 0 else None,
                        registered_by=person,
                        registered_at=event.starts_at - datetime.timedelta(days=14),
                        cancelled_at=event.starts_at - datetime.timedelta(days=2)
                        if cancelled
                        else None,
                        attended=rng.random() < 0.85 if held and not cancelled else None,
                    )
                )
    c.Registration.objects.bulk_create(registrations, batch_size=5000)
    for verb, when in (("courses.event_saved", 60), ("courses.attendance", -1)):
        w.record(gathering, verb, caseworker, gathering.starts_at - datetime.timedelta(days=when))

    task = c.PracticalTask.objects.create(
        event=gathering,
        title="Lag en årsplan for organisasjonen",
        description="Bruk malen fra samlingen.",
        due_on=today + datetime.timedelta(days=20),
        created_by=caseworker,
    )
    pair = chosen[gathering.pk][:2]
    task.organisations.set(pair)
    c.HandIn.objects.create(
        task=task, organisation=pair[0], text="Vedlagt.", submitted_by=w.people[pair[0].pk]
    )
    form = c.FeedbackForm.objects.create(
        scheme=w.scheme,
        event=gathering,
        title="Hva syntes du om samlingen?",
        created_by=caseworker,
    )
    c.Question.objects.bulk_create(
        [
            c.Question(form=form, position=1, kind=c.QuestionKind.RATING, text="Alt i alt?"),
            c.Question(form=form, position=2, kind=c.QuestionKind.SINGLE, text="Nyttig?",
                       choices=["Ja", "Delvis", "Nei"]),
            c.Question(form=form, position=3, kind=c.QuestionKind.TEXT, text="Hva mer?",
                       required=False),
        ]
    )  # fmt: skip


# Report kinds delivered as a ZIP of files.
PACKAGES = ("evaluation_csv", "archive_case", "archive_period")


def build_reports(w, n):
    """N/30 report jobs (at least 30), each with the parameters its order form gives: most by
    the caseworker, some by the colleague at the same body (the caseworker sees them too), by
    the member (their organisation's report and award letter) and by the evaluator (the
    evaluation summary); most done, some failed, a few waiting or running. Every kind gets the
    parameters of its order form, so every job in the lists opens (a job whose subject the
    reader may not see answers 404)."""
    from django.utils import timezone

    from grants.models import Award
    from reports.models import JobStatus, ReportJob, ReportKind
    from scheme.records.models import CaseFile

    rng, today = w.rng, w.today
    now = timezone.now()
    year = w.years[today.year]
    awards = list(Award.objects.values_list("pk", flat=True))
    own_award = Award.objects.get(application__organisation=w.complete).pk
    case_files = list(CaseFile.objects.values_list("pk", flat=True)[:500])
    body = w.scheme.administrator_id
    staff_parameters = {
        ReportKind.ANNUAL: lambda: {"scheme_year": year.pk},
        ReportKind.EVALUATION: lambda: {"scheme": w.scheme.pk},
        ReportKind.EVALUATION_CSV: lambda: {"scheme": w.scheme.pk},
        ReportKind.ARCHIVE_CASE: lambda: {"case_file": rng.choice(case_files)},
        ReportKind.ARCHIVE_PERIOD: lambda: {
            "start": today.replace(month=1, day=1).isoformat(),
            "end": today.isoformat(),
            "bodies": [body],
        },
        ReportKind.ORGANISATION: lambda: {
            "organisation": rng.choice(w.participants).pk,
            "schemes": [w.scheme.pk],
        },
        ReportKind.AWARD_LETTER: lambda: {"award": rng.choice(awards)},
    }
    member_parameters = {
        ReportKind.ORGANISATION: {"organisation": w.complete.pk},
        ReportKind.AWARD_LETTER: {"award": own_award},
    }
    jobs = []
    for index in range(max(30, n // 30)):
        by = rng.choices([w.caseworker, w.colleague, w.member, w.evaluator], [65, 20, 10, 5])[0]
        if by == w.member:
            kind = rng.choice(list(member_parameters))
            parameters = member_parameters[kind]
        elif by == w.evaluator:
            kind, parameters = ReportKind.EVALUATION, {"scheme": w.scheme.pk}
        else:
            kind = rng.choice(list(ReportKind.values))
            make = staff_parameters.get(kind)
            parameters = make() if make else {"schemes": [w.scheme.pk]}
        if 3 <= index < 3 + len(PACKAGES):  # one of each package, whatever the draw
            by, kind = w.caseworker, PACKAGES[index - 3]
            parameters = staff_parameters[kind]()
        status = rng.choices(list(JobStatus.values), weights=[1, 1, 88, 10])[0]
        if index < 3:
            status = [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED][index]
        created = now - datetime.timedelta(minutes=5 + index * 37 + rng.randint(0, 30))
        done = status in (JobStatus.DONE, JobStatus.FAILED)
        started = created + datetime.timedelta(seconds=2) if status != JobStatus.QUEUED else None
        extension = "csv" if kind.startswith("csv") else "zip" if kind in PACKAGES else "pdf"
        jobs.append(
            ReportJob(
                kind=kind,
                parameters=parameters,
                ordered_by=by,
                title=f"{ReportKind(kind).label} {today.year}",
                status=status,
                progress=100 if status == JobStatus.DONE else rng.randint(0, 90),
                step="Ferdig" if status == JobStatus.DONE else "Henter tall",
                file=REPORT_FILE.format(extension) if status == JobStatus.DONE else "",
                file_name=f"rapport-{index}.{extension}" if status == JobStatus.DONE else "",
                error="Byggingen stoppet: tidsavbrudd." if status == JobStatus.FAILED else "",
                data_version=f"v{index}",
                attempts=1 if started else 0,
                created_at=created,
                enqueued_at=created,
                started_at=started,
                heartbeat_at=started,
                finished_at=created + datetime.timedelta(seconds=40) if done else None,
            )
        )
    ReportJob.objects.bulk_create(jobs, batch_size=5000)


def build_conversations(w, n):
    """Threads (scheme/conversations): on N/50 sent applications (at least ten) and on the
    member's award, pairing and organisation, 2–4 messages each between the organisation and
    the caseworker (the mentor, in the pairing's). Announcements (scheme/announcements) this
    year to every audience: one pinned, one to the gathering's organisations, one scheduled
    and one withdrawn."""
    from django.utils import timezone

    from courses.models import Event as CourseEvent
    from grants.models import Application, ApplicationStatus, Award
    from mentoring.models import Pairing, PairingStatus
    from scheme.announcements.models import Announcement, AudienceKind
    from scheme.conversations.models import Message, Thread

    rng, now, body = w.rng, timezone.now(), w.organisations[0]
    sent = list(
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .exclude(organisation=w.complete)
        .select_related("organisation", "round")
        .order_by("pk")
    )
    award = Award.objects.select_related("application__organisation", "application__round").get(
        application__organisation=w.complete
    )
    pairing = Pairing.objects.get(members__organisation=w.complete, status=PairingStatus.ACTIVE)
    member_side = (w.member, w.complete)
    cases = [
        ("application", a.pk, str(a), a.organisation, (w.people[a.organisation_id], a.organisation))
        for a in rng.sample(sent, min(len(sent), max(10, n // 50)))
    ]
    cases += [
        ("award", award.pk, str(award), w.complete, member_side),
        ("organisation", w.complete.pk, w.complete.name, w.complete, member_side),
    ]
    threads = Thread.objects.bulk_create(
        [
            Thread(kind=kind, object_id=pk, title=title, organisation=organisation)
            for kind, pk, title, organisation, _ in cases
        ]
        + [
            Thread(
                kind="pairing",
                object_id=pairing.pk,
                title=str(pairing.pk),
                organisation=w.complete,
            )
        ]
    )
    sides = [(side, (w.caseworker, body)) for *_, side in cases]
    sides.append((member_side, (w.mentor, w.mentor_organisation)))
    messages = []
    for thread, pair in zip(threads, sides, strict=True):
        start = now - datetime.timedelta(days=rng.randint(1, 60))
        messages += [
            Message(
                thread=thread,
                author=pair[turn % 2][0],
                author_organisation=pair[turn % 2][1],
                body=f"Melding {turn + 1}: spørsmål og svar om saken.",
                created_at=start + datetime.timedelta(hours=20 * turn),
            )
            for turn in range(rng.randint(2, 4))
        ]
    Message.objects.bulk_create(messages, batch_size=5000)
    for thread in threads:
        last = max((m for m in messages if m.thread is thread), key=lambda m: m.created_at)
        thread.last_message_id, thread.last_message_at = last.pk, last.created_at
        thread.last_side, thread.waiting_since = last.author_organisation, last.created_at
    Thread.objects.bulk_update(
        threads, ["last_message_id", "last_message_at", "last_side", "waiting_since"]
    )

    gathering = CourseEvent.objects.get(scheme_year__scheme=w.scheme, feedback_forms__isnull=False)
    year = w.years[w.today.year]
    day = datetime.timedelta(days=1)
    Announcement.objects.bulk_create(
        [
            Announcement(
                scheme_year=year,
                audience=audience,
                group_id=gathering.pk if audience == AudienceKind.EVENT else None,
                title_nb=title,
                body_nb="Noen linjer fra saksbehandlerne om det som skjer i ordningen.",
                publish_at=publish_at,
                pinned=pinned,
                author=w.caseworker,
                created_at=min(publish_at, now),
                announced_at=publish_at if publish_at <= now else None,
                withdrawn_at=now - day if withdrawn else None,
                withdrawn_by=w.caseworker if withdrawn else None,
            )
            for audience, title, publish_at, pinned, withdrawn in (
                (AudienceKind.EVERYONE, "Velkommen til et nytt år", now - 60 * day, True, False),
                (AudienceKind.PARTICIPANTS, "Husk rapporten", now - 20 * day, False, False),
                (AudienceKind.MENTORS, "Nytt om honorar", now - 10 * day, False, False),
                (AudienceKind.EVENT, "Praktisk om samlingen", now - 12 * day, False, False),
                (AudienceKind.EVERYONE, "Feil dato", now - 30 * day, False, True),
                (AudienceKind.EVERYONE, "Kommer snart", now + 7 * day, False, False),
            )
        ]
    )


# --- the measurement -----------------------------------------------------------------------

ROLES = {
    "caseworker": CASEWORKER_EMAIL,
    "member": MEMBER_EMAIL,
    "mentor": MENTOR_EMAIL,
    "evaluator": EVALUATOR_EMAIL,
}
START_PAGES = ("/dashboard/", "/")
# A page's median may be less than this many times its role's bare one-query view.
BARS = {"list": 5, "detail": 3, "form": 3}
BARE, LAYOUT = "bare", "layout"  # the reference views of bench/urls.py
MIN_TIMED = 3  # timed requests a page gets however slow it is
SLOW_MS = 1000  # a warm-up this slow is the last one


@dataclass
class Page:
    """What is measured: a pattern's crawled representative for a role, or a reference view."""

    role: str
    pattern: str
    url: str
    kind: str  # list, detail or form; bare or layout for the reference views
    sample: str = ""  # first or big: which of the pattern's crawled pages
    captured: list = field(default_factory=list)
    times: list = field(default_factory=list)
    bare_ms: float = 0.0
    other_queries: int | None = None  # the pattern's queries at the --compare size

    @property
    def queries(self) -> int:
        return len(self.captured)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times)

    @property
    def ratio(self) -> float:
        return self.median_ms / self.bare_ms

    @property
    def bar(self) -> int | None:
        return BARS.get(self.kind)

    def problems(self, max_queries, pattern_queries) -> list[str]:
        """Why the page misses the bars; ``pattern_queries`` is its pattern's most at this
        size, which the --compare size must equal."""
        if self.bar is None:
            return []
        found = []
        if self.queries > max_queries:
            found.append(f"{self.queries} queries (more than {max_queries})")
        if self.times and self.ratio >= self.bar:
            found.append(f"{self.ratio:.1f}× the bare view (bar {self.bar}×)")
        if self.other_queries is not None and self.other_queries != pattern_queries:
            found.append(
                f"{pattern_queries} queries here, {self.other_queries} at the --compare size"
            )
        return found


def logged_in(email, second_factor=False):
    """A test client logged in as ``email``; with ``second_factor``, also verified with a
    confirmed TOTP device, as a caseworker is in production (django-otp keeps it in the
    session and loads the device on every request). A view's exception is answered with 500,
    as in production, so that the crawl records it."""
    from django.test import Client

    from scheme.models import User

    user = User.objects.get(email=email)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    if second_factor:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def seeds() -> dict[str, list[str]]:
    """Per role, the data set's biggest cases: the crawl fetches them whatever their
    pattern's count, so that each is its pattern's "big" sample (the crawl finds the rest)."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from courses.models import Event as CourseEvent
    from grants.models import Application, ApplicationStatus, Round
    from mentoring.models import Pairing, PairingStatus
    from organisations.models import Organisation
    from scheme.records.models import CaseFile, RegistryEntry
    from scheme.web import PAGE_SIZE

    # The member's complete organisation: the one with the most on its profile.
    profile = (
        Organisation.objects.filter(memberships__user__email=MEMBER_EMAIL)
        .annotate(n=Count("activities"))
        .order_by("-n", "pk")
        .first()
    )
    call = Round.objects.get(scheme_year__scheme__slug=SCHEME_SLUG, title=ROUND_TITLE)
    sent = Application.objects.filter(round__scheme_year__scheme__slug=SCHEME_SLUG).exclude(
        status=ApplicationStatus.DRAFT
    )
    # The open case: submitted, declared on and assessed, so every form of the page shows.
    case = (
        Application.objects.filter(
            round=call,
            status=ApplicationStatus.SUBMITTED,
            assessment__isnull=False,
            declarations__caseworker__email=CASEWORKER_EMAIL,
        )
        .order_by("pk")
        .first()
    )
    own = Application.objects.select_related("award").get(round=call, organisation=profile)
    pairing = reverse(
        "mentoring:pairing",
        args=[Pairing.objects.get(members__organisation=profile, status=PairingStatus.ACTIVE).pk],
    )
    # The last gathering held, hundreds registered: the one event with a feedback form.
    gathering = CourseEvent.objects.get(
        scheme_year__scheme__slug=SCHEME_SLUG, feedback_forms__isnull=False
    ).pk
    # The journal's busiest day and the case with the most documents.
    busiest = (
        RegistryEntry.objects.values("document_date")
        .annotate(n=Count("pk"))
        .order_by("-n", "document_date")
        .first()
    )
    biggest_case = CaseFile.objects.order_by("-last_document", "pk").first()
    organisations, review = reverse("organisations:list"), reverse("grants:review")
    last_page = max(1, math.ceil(Organisation.objects.count() / PAGE_SIZE))
    return {
        "caseworker": [
            f"{organisations}?page={last_page}",
            f"{organisations}?q={SEARCH_TERM}",
            f"{organisations}?{FILTERED_QUERY}",
            reverse("organisations:detail", args=[profile.pk]),
            f"{review}?{REVIEW_QUERY}",
            f"{review}?page={max(1, math.ceil(sent.count() / PAGE_SIZE))}",
            reverse("grants:portfolio", args=[call.pk]),
            reverse("grants:review_application", args=[case.pk]),
            reverse("grants:review_award", args=[own.award.pk]),
            pairing,
            reverse("mentoring:match", args=[profile.pk]),
            reverse("courses:event", args=[gathering]),
            reverse("courses:attendance", args=[gathering]),
            reverse("courses:programme", args=[gathering]),
            reverse("courses:event_edit", args=[gathering]),
            reverse("courses:plan_against_held", args=[timezone.localdate().year]),
            f"{reverse('records:journal')}?day={busiest['document_date'].isoformat()}",
            reverse("records:case", args=[biggest_case.pk]),
        ],
        "member": [
            reverse("grants:application", args=[own.pk]),
            reverse("grants:award", args=[own.award.pk]),
            pairing,
            reverse("courses:event", args=[gathering]),
        ],
        "mentor": [pairing],
        "evaluator": [],
    }


def find_pages(roles, clients, samples, log) -> tuple[list[Page], dict]:
    """Crawl as each role; the pages to measure (the references first) and every visit."""
    from django.urls import reverse

    from bench import crawl

    found, visits = [], {}
    started = seeds()
    for role in roles:
        began = time.perf_counter()
        visits[role] = crawl.crawl(clients[role], START_PAGES, started[role], samples)
        found += [
            Page(role, "(bare one-query view)", reverse("bench_baseline"), BARE),
            Page(role, "(one query in the portal's layout)", reverse("bench_layout"), LAYOUT),
        ]
        found += [
            Page(role, visit.pattern, visit.url, visit.kind, sample)
            for sample, visit in crawl.representatives(visits[role])
        ]
        done = visits[role]
        patterns = len({visit.pattern for visit in done})
        redirects = sum(1 for visit in done if visit.location)
        files = sum(1 for visit in done if visit.status == 200 and not visit.kind)
        log(
            f"Crawled as {role}: {len(done)} requests, {patterns} patterns ({redirects} "
            f"redirects, {files} downloads), {time.perf_counter() - began:.0f} s"
        )
    return found, visits


def _get(client, url) -> float:
    """Request the page once; the milliseconds it took. Stops when it no longer answers 200."""
    started = time.perf_counter()
    response = client.get(url)
    took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        fail(f"{url} answered {response.status_code} in the crawl's place")
    return took


def count_queries(pages, clients):
    """Warm each page up, then count its queries in one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = clients[page.role]
        for _ in range(WARMUP):
            if _get(client, page.url) > SLOW_MS:
                break
        with CaptureQueriesContext(connection) as context:
            _get(client, page.url)
        # Copied now: the context reads connection.queries lazily, and requests reset it.
        page.captured = list(context.captured_queries)


def time_pages(pages, clients, repeat, budget_s):
    """Time the pages round-robin, so that a passing disturbance on the machine spreads over
    all of them; a page stops once it had ``budget_s`` seconds and ``MIN_TIMED`` requests."""
    for _ in range(repeat):
        for page in pages:
            if len(page.times) >= MIN_TIMED and sum(page.times) >= budget_s * 1000:
                continue
            page.times.append(_get(clients[page.role], page.url))
    bare = {page.role: page.median_ms for page in pages if page.kind == BARE}
    for page in pages:
        page.bare_ms = bare[page.role]


def most_queries(pages) -> dict[str, int]:
    """Per role and pattern, the most queries among its measured pages."""
    counts = {}
    for page in pages:
        counts[_key(page)] = max(counts.get(_key(page), 0), page.queries)
    return counts


def compare_with(n, args, log) -> dict[str, int]:
    """Crawl and count at ``n`` organisations in a separate process (its own database)."""
    import json
    import subprocess
    import tempfile
    from urllib.parse import urlsplit

    from django.db import connection

    main = database_url(args.organisations)
    other = urlsplit(main)._replace(path=f"/{database_name(n)}").geturl()
    log(f"Counting queries at {n:,} organisations (database {database_name(n)}) ...")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, __file__, "--organisations", str(n), "--counts-json", out.name]
        command += [f"--role={role}" for role in args.role or ()]
        command += ["--samples", str(args.samples)]
        done = subprocess.run(
            command,
            env={**os.environ, "DATABASE_URL": other},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            fail(f"the run at {n:,} organisations stopped:\n{done.stderr[-3000:]}")
        connection.close()  # the other process may have taken long; start afresh
        return json.loads(Path(out.name).read_text())


def print_table(pages, max_queries, counts):
    headers = ("role", "kind", "queries", "median ms", "× bare", "bar", "", "pattern", "url")
    rows = []
    for page in pages:
        problems = page.problems(max_queries, counts[_key(page)])
        pattern = page.pattern + (f" ({page.sample})" if page.sample == "big" else "")
        rows.append(
            (
                page.role,
                page.kind,
                str(page.queries),
                f"{page.median_ms:.1f}",
                f"{page.ratio:.1f}",
                f"{page.bar}" if page.bar else "",
                "FAIL" if problems else ("ok" if page.bar else ""),
                pattern,
                page.url,
            )
        )
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    right = {2, 3, 4, 5}
    for row in [headers, *rows]:
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def print_markdown(pages, max_queries, counts, compare, limit):
    """README's tables: per role, how many URL patterns are within the bars; then the patterns
    that are not, furthest over first (``limit`` rows, 0 for all), with the figure they miss
    in bold. A pattern's queries are its most; its time, its slower sample's."""
    patterns = {}
    for page in pages:
        if page.bar:
            patterns.setdefault(_key(page), []).append(page)
    worst = {key: max(own, key=lambda p: p.ratio / p.bar) for key, own in patterns.items()}
    missed = {
        key: any(p.problems(max_queries, counts[key]) for p in own) for key, own in patterns.items()
    }
    print("| role | URL patterns | within the bars | over 12 queries | over the time bar |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for role in dict.fromkeys(page.role for page in worst.values()):
        keys = [key for key, page in worst.items() if page.role == role]
        over_queries = sum(counts[k] > max_queries or _differs(worst[k], counts) for k in keys)
        over_time = sum(worst[k].ratio >= worst[k].bar for k in keys)
        within = sum(not missed[k] for k in keys)
        print(f"| {role} | {len(keys)} | {within} | {over_queries} | {over_time} |")
    other = f" | queries at {compare:,}" if compare else ""
    print()
    print(f"| role | page | kind | queries{other} | median ms | × bare | bar |")
    print("| --- | --- | --- | ---: |" + (" ---: |" if compare else "") + " ---: | ---: | ---: |")
    ranked = sorted((k for k in worst if missed[k]), key=lambda k: -worst[k].ratio / worst[k].bar)
    for key in ranked[:limit] if limit else ranked:
        page = worst[key]
        over_queries = counts[key] > max_queries or _differs(page, counts)
        queries = f"**{counts[key]}**" if over_queries else str(counts[key])
        ratio = f"**{page.ratio:.1f}**" if page.ratio >= page.bar else f"{page.ratio:.1f}"
        at_other = ""
        if compare:
            at_other = f" | {'–' if page.other_queries is None else page.other_queries}"
        print(
            f"| {page.role} | `{page.pattern}` | {page.kind} | {queries}{at_other} | "
            f"{page.median_ms:.1f} | {ratio} | {page.bar}× |"
        )


def _key(page) -> str:
    return f"{page.role} {page.pattern}"


def _differs(page, counts) -> bool:
    return page.other_queries is not None and page.other_queries != counts[_key(page)]


def print_failures(visits) -> int:
    """The links that lead to an error (or to the login page); how many."""
    failed = [(role, v) for role, found in visits.items() for v in found if v.failed]
    if failed:
        print("\nLinks that lead to an error:")
    for role, visit in failed:
        answer = f"{visit.status} {visit.location}".rstrip()
        print(f"FAIL {role}: {visit.url} answers {answer} (linked from {visit.via or 'start'})")
        if visit.error:
            print(f"     {visit.error}")
    return len(failed)


def print_sql(pages, text, explain_ms):
    from django.db import connection

    for page in pages:
        if text not in page.pattern and text not in page.url:
            continue
        print(f"\n== {page.role} {page.url} ({page.queries} queries)")
        for query in page.captured:
            sql, took = query["sql"], float(query["time"]) * 1000
            print(f"  [{took:.1f} ms] {sql}")
            if explain_ms is None or took < explain_ms or not sql.lstrip().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                print("\n".join(f"    {row[0]}" for row in cursor.fetchall()))


def quiet_logs():
    """The portal logs every request to the console: keep the cost, drop the output."""
    import logging

    sink = open(os.devnull, "w")  # noqa: SIM115 (open for the whole run)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=10_000, metavar="N")
    parser.add_argument("--role", action="append", choices=list(ROLES), help="only this role")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page")
    parser.add_argument(
        "--budget", type=float, default=2.0, metavar="S", help="timed seconds per page at most"
    )
    parser.add_argument("--samples", type=int, default=3, help="pages crawled per pattern")
    parser.add_argument(
        "--max-queries", type=int, default=12, help="fail when a page needs more (default 12)"
    )
    parser.add_argument(
        "--compare", type=int, metavar="M", help="fail when a pattern's queries differ at M"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if present")
    parser.add_argument("--sql", metavar="TEXT", help="print the SQL of pages whose URL has TEXT")
    parser.add_argument(
        "--explain", type=float, metavar="MS", help="with --sql: EXPLAIN ANALYZE SELECTs >= MS ms"
    )
    parser.add_argument(
        "--markdown",
        type=int,
        nargs="?",
        const=0,
        metavar="ROWS",
        help="also print README's tables (at most ROWS pages over a bar; all by default)",
    )
    parser.add_argument("--counts-json", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.organisations < 100 or args.repeat < 1 or args.samples < 1:
        parser.error("--organisations must be at least 100, --repeat and --samples at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    roles = args.role or list(ROLES)
    url = database_url(args.organisations)
    ensure_database(database_config(url))
    setup_django(url)
    quiet_logs()

    import json

    import django
    from django.conf import settings
    from django.test import override_settings

    log = print if not args.counts_json else lambda message: None
    data = prepare_data(args.organisations, args.rebuild, log=log)
    # As in production: caseworkers must have confirmed their login with a one-time code
    # (tests.settings turns the requirement off).
    second_factor = "django_otp" in settings.INSTALLED_APPS
    overrides = {
        "ROOT_URLCONF": "bench.urls",
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
    }
    if hasattr(settings, "TWO_FACTOR_REQUIRED"):
        overrides["TWO_FACTOR_REQUIRED"] = second_factor
    other = compare_with(args.compare, args, log) if args.compare else None
    with override_settings(**overrides):
        clients = {
            role: logged_in(ROLES[role], second_factor and role == "caseworker") for role in roles
        }
        pages, visits = find_pages(roles, clients, args.samples, log)
        count_queries(pages, clients)
        counts = most_queries(pages)
        if args.counts_json:
            Path(args.counts_json).write_text(json.dumps(counts))
            return 0
        time_pages(pages, clients, args.repeat, args.budget)
    for page in pages:
        if other is not None:
            page.other_queries = other.get(_key(page))

    print(
        f"\nPage benchmark: {args.organisations:,} organisations, roles {', '.join(roles)}; "
        f"up to {args.repeat} timed requests a page ({args.budget:g} s at most, at least "
        f"{MIN_TIMED}) after up to {WARMUP} warm-ups"
    )
    print(f"Database: {describe_database()}, data {data}")
    print(f"Data: {describe_data()}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    if second_factor and "caseworker" in roles:
        print("Caseworker verified with a TOTP device (two-factor required, as in production)")
    measured = [page for page in pages if page.bar]
    print(
        f"{len(measured)} pages of {len({(p.role, p.pattern) for p in measured})} patterns; "
        f"bars: at most {args.max_queries} queries, median under "
        + ", ".join(f"{bar}× the bare view for {kind}s" for kind, bar in BARS.items())
    )
    print()
    print_table(pages, args.max_queries, counts)
    if args.markdown is not None:
        print()
        print_markdown(pages, args.max_queries, counts, args.compare, args.markdown)
    if args.sql is not None:
        print_sql(pages, args.sql, args.explain)
    failed_links = print_failures(visits)
    missing = [p for p in measured if p.problems(args.max_queries, counts[_key(p)])]
    print()
    for page in missing:
        problems = "; ".join(page.problems(args.max_queries, counts[_key(page)]))
        print(f"FAIL {page.role} {page.pattern} ({page.kind}, {page.url}): {problems}")
    if missing or failed_links:
        print(f"\n{len(missing)} pages over the bars, {failed_links} links to an error.")
        return 1
    print(f"OK: all {len(measured)} pages within the bars, no link leads to an error.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
