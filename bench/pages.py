"""Page benchmark: SQL queries and response times of the portal's main pages at scale.

Run from the project root:

    .venv/bin/python bench/pages.py [--organisations 10000] [--repeat 30]

It uses its own PostgreSQL database (``DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/portal_bench``), creates it when missing, migrates it
and fills it with ``--organisations`` organisations. The data is wipe-and-rebuild: when the
database does not already hold a complete data set of that size (or ``--rebuild`` is given),
it is emptied with ``flush`` and built again; otherwise it is reused as it is.

Each page is requested through Django's test client, logged in with ``force_login``: three
warm-up requests, one request under ``CaptureQueriesContext`` to count the queries, then
``--repeat`` timed requests. The baseline is a bare view doing one query, served through the
same middleware stack (``bench/urls.py``). The exit status is 1 when a page needs more than
``--max-queries`` queries. See bench/README.md.
"""

import argparse
import datetime
import math
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
# The benchmark empties its database: never these (nor any name starting with "test").
PROTECTED_DATABASES = {"portal", "postgres", "template0", "template1"}

WARMUP = 3
SEED = 2024
ORGNR_FIRST_STEM = 70_000_000  # stems two apart give distinct valid numbers
PASSWORD = "bench-only-password"
CASEWORKER_EMAIL = "saksbehandler@bench.invalid"
MEMBER_EMAIL = "deltaker@bench.invalid"
SCHEME_SLUG = "bench-ordning"
SEARCH_TERM = "kvinne"
FILTERED_QUERY = "county=50&order=-founded"

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


@dataclass
class Page:
    label: str
    client: object
    url: str
    expect: str = ""


@dataclass
class Result:
    label: str
    url: str
    queries: int
    median_ms: float
    p95_ms: float
    captured: list


def fail(message):
    """Stop without measuring: exit status 2 (1 is reserved for pages over the query budget)."""
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


# --- the database ------------------------------------------------------------------------


def database_config(url):
    import environ

    config = environ.Env.db_url_config(url)
    name = config.get("NAME") or ""
    if config.get("ENGINE") != "django.db.backends.postgresql":
        fail(f"DATABASE_URL must name a PostgreSQL database, not {config.get('ENGINE')}.")
    if name in PROTECTED_DATABASES or name.startswith("test"):
        fail(
            f"refusing the database {name!r}; the benchmark empties its database. "
            f"Give it a dedicated one, such as {DEFAULT_DATABASE_URL}."
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


# --- the data ------------------------------------------------------------------------------


def data_is_complete(n) -> bool:
    from organisations.models import Organisation
    from scheme.models import Scheme, User

    return (
        Organisation.objects.count() == n
        and User.objects.filter(email__in=[CASEWORKER_EMAIL, MEMBER_EMAIL]).count() == 2
        and Scheme.objects.filter(slug=SCHEME_SLUG).exists()
    )


def prepare_data(n, rebuild, log) -> str:
    """Make the database hold the benchmark's data set of ``n`` organisations."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
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
    """``n`` organisations with target groups, languages, activities, collaborations, earlier
    applications, branches, timeline events and members; a caseworker, a participant member
    with two organisations, their notifications, and a scheme with four years of rules."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from organisations import models as org
    from scheme.models import AwardCondition, Event, Goal, Notification, Scheme, SchemeYear, User
    from scheme.roles import MemberRole, OrganisationKind

    rng = random.Random(SEED)
    today = datetime.date.today()
    now = timezone.now()
    with transaction.atomic():
        groups = org.TargetGroup.objects.bulk_create(
            [org.TargetGroup(code=c, name_nb=nb, name_en=en) for c, nb, en in TARGET_GROUPS]
        )
        languages = org.Language.objects.bulk_create(
            [org.Language(code=c, name_nb=nb, name_en=en) for c, nb, en in LANGUAGES]
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
        org.Organisation.objects.bulk_create(organisations, batch_size=2000)
        special = {complete.pk}

        through_groups = org.Organisation.target_groups.through
        through_languages = org.Organisation.languages.through
        group_rows, language_rows = [], []
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
        member = User.objects.create_user(MEMBER_EMAIL, PASSWORD, full_name="Deltaker Leder")
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
            org.Membership(user=member, organisation=complete, role=MemberRole.LEADER),
            org.Membership(user=member, organisation=gappy, role=MemberRole.CONTACT),
        ]
        memberships += [
            org.Membership(user=person, organisation=organisations[i], role=MemberRole.LEADER)
            for person, i in zip(people, range(0, n, 5), strict=True)
        ]
        org.Membership.objects.bulk_create(memberships, batch_size=5000)

        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    subject=f"Melding {number}",
                    body="Innhold.",
                    created_at=now - datetime.timedelta(days=number),
                    read_at=now if number > 5 else None,
                )
                for user in (caseworker, member)
                for number in range(1, 9)
            ]
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
        SchemeYear.objects.bulk_create(
            [
                SchemeYear(
                    scheme=scheme,
                    year=year,
                    report_due_date=datetime.date(year + 1, 1, 23),
                )
                for year in range(today.year - 3, today.year + 1)
            ]
        )


# --- the measurement -----------------------------------------------------------------------


def logged_in(email, second_factor=False):
    """A test client logged in as ``email``; with ``second_factor``, also verified with a
    confirmed TOTP device, as a caseworker is in production (django-otp keeps it in the
    session and loads the device on every request)."""
    from django.test import Client

    from scheme.models import User

    user = User.objects.get(email=email)
    client = Client()
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


def pages(second_factor):
    from django.db.models import Count
    from django.urls import reverse

    from organisations.models import Organisation
    from scheme.models import Scheme
    from scheme.web import PAGE_SIZE

    caseworker = logged_in(CASEWORKER_EMAIL, second_factor)
    member = logged_in(MEMBER_EMAIL)
    # The member's complete organisation: the one with the most on its profile.
    profile = (
        Organisation.objects.filter(memberships__user__email=MEMBER_EMAIL)
        .annotate(n=Count("activities"))
        .order_by("-n", "pk")
        .first()
    )
    last_page = max(1, math.ceil(Organisation.objects.count() / PAGE_SIZE))
    scheme = Scheme.objects.get(slug=SCHEME_SLUG)
    organisations = reverse("organisations:list")
    return [
        Page("baseline (one query)", caseworker, reverse("bench_baseline")),
        Page("organisation list", caseworker, organisations, "<table"),
        Page("list filtered + sorted", caseworker, f"{organisations}?{FILTERED_QUERY}", "<table"),
        Page("list search", caseworker, f"{organisations}?q={SEARCH_TERM}", "<table"),
        Page("list last page", caseworker, f"{organisations}?page={last_page}", "<table"),
        Page(
            "organisation profile",
            caseworker,
            reverse("organisations:detail", args=[profile.pk]),
            'id="eligibility-heading"',
        ),
        Page(
            "dashboard (caseworker)", caseworker, reverse("dashboard"), 'id="panel-organisations"'
        ),
        Page("dashboard (member)", member, reverse("dashboard"), f'id="org-{profile.pk}"'),
        Page("scheme page", caseworker, reverse("scheme_detail", args=[scheme.slug]), "<table"),
    ]


def _get(page) -> float:
    """Request the page once; the milliseconds the request took. Stops on a wrong answer."""
    started = time.perf_counter()
    response = page.client.get(page.url)
    took = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        where = response.get("Location", "")
        fail(f"{page.url} answered {response.status_code} {where}".rstrip())
    if page.expect and page.expect not in response.content.decode():
        fail(f"{page.url} does not contain {page.expect!r}")
    return took


def measure(pages, repeat) -> list[Result]:
    """Warm up and count each page's queries, then time the pages round-robin, so that a
    passing disturbance on the machine spreads over all pages instead of hitting one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    captured = {}
    for page in pages:
        for _ in range(WARMUP):
            _get(page)
        with CaptureQueriesContext(connection) as context:
            _get(page)
        # Copied now: the context reads connection.queries lazily, and requests reset it.
        captured[page.label] = list(context.captured_queries)
    times = {page.label: [] for page in pages}
    for _ in range(repeat):
        for page in pages:
            times[page.label].append(_get(page))
    results = []
    for page in pages:
        timed = sorted(times[page.label])
        p95 = timed[max(0, math.ceil(0.95 * len(timed)) - 1)]
        queries = captured[page.label]
        results.append(
            Result(page.label, page.url, len(queries), statistics.median(timed), p95, queries)
        )
    return results


def explain(result, threshold_ms):
    """EXPLAIN ANALYZE every SELECT of the page that took at least ``threshold_ms``."""
    from django.db import connection

    for query in result.captured:
        sql, took = query["sql"], float(query["time"]) * 1000
        if took < threshold_ms or not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"\n-- {result.label}: {took:.1f} ms\n{sql}\n{plan}")


def print_table(results):
    baseline = results[0].median_ms
    headers = ("page", "queries", "median ms", "p95 ms", "× baseline", "url")
    rows = [
        (
            r.label,
            str(r.queries),
            f"{r.median_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.median_ms / baseline:.1f}",
            r.url,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:5], widths[1:5], strict=True)]
        cells.append(row[5])
        print("  ".join(cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=10_000, metavar="N")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument(
        "--max-queries", type=int, default=12, help="fail when a page needs more (default 12)"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if present")
    parser.add_argument("--queries", action="store_true", help="print every page's SQL")
    parser.add_argument(
        "--explain",
        type=float,
        metavar="MS",
        help="EXPLAIN ANALYZE each page's SELECTs that took at least MS milliseconds",
    )
    args = parser.parse_args(argv)
    if args.organisations < 3 or args.repeat < 1:
        parser.error("--organisations must be at least 3 and --repeat at least 1")

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(database_config(database_url))
    setup_django(database_url)

    import django
    from django.conf import settings
    from django.test import override_settings

    data = prepare_data(args.organisations, args.rebuild, log=print)
    # As in production: caseworkers must have confirmed their login with a one-time code
    # (tests.settings turns the requirement off).
    second_factor = "django_otp" in settings.INSTALLED_APPS
    overrides = {
        "ROOT_URLCONF": "bench.urls",
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
    }
    if hasattr(settings, "TWO_FACTOR_REQUIRED"):
        overrides["TWO_FACTOR_REQUIRED"] = second_factor
    with override_settings(**overrides):
        results = measure(pages(second_factor), args.repeat)

    print(
        f"Page benchmark: {args.organisations:,} organisations, {args.repeat} timed requests "
        f"per page after {WARMUP} warm-ups"
    )
    print(f"Database: {describe_database()}, data {data}")
    print(
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    if second_factor:
        print("Caseworker verified with a TOTP device (two-factor required, as in production)")
    print()
    print_table(results)
    if args.queries or args.explain is not None:
        for result in results:
            if args.queries:
                print(f"\n== {result.label} ({result.queries} queries)")
                for query in result.captured:
                    print(f"  [{float(query['time']) * 1000:.1f} ms] {query['sql']}")
            if args.explain is not None:
                explain(result, args.explain)

    too_many = [r for r in results if r.queries > args.max_queries]
    print()
    if too_many:
        for r in too_many:
            print(f"FAIL {r.label}: {r.queries} queries (more than {args.max_queries})")
        return 1
    print(f"OK: every page needs at most {args.max_queries} queries.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
