"""Load test: simulated caseworkers, members and mentors against gunicorn and PostgreSQL.

Run from the project root (needs the ``bench`` extra: ``pip install -e '.[bench]'``):

    .venv/bin/python bench/load.py [--organisations 10000] [--run-time 5m]

It builds (or reuses) ``bench/pages.py``'s data set in its own database (``DATABASE_URL``,
default ``postgres://postgres@127.0.0.1:5432/portal_load``), gives the simulated people
passwords (and the caseworkers authenticator apps), starts gunicorn on loopback with production
settings and runs Locust headless with ``bench/locustfile.py``. Exit status: 0 when no request
failed and the pages' p95 is under 300 ms, 1 when not, 2 when the test could not run.
See bench/README.md, "Load test".
"""

import argparse
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path: run as a script)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"
# 100 people at once, as the scheme has them at 10 000 organisations: caseworkers work in the
# portal all day, members (82 % of the organisations) after their day jobs, mentors (one for
# every pairing) now and then. See bench/README.md.
PEOPLE = {"caseworker": 15, "member": 65, "mentor": 20}
LOAD_CASEWORKER_EMAIL = "last-saksbehandler{}@bench.invalid"
WORK_DIR = ROOT / "var" / "load"
PASSWORD_STEP = "POST /account/login/"  # checks a PBKDF2 hash: apart from the pages' bar


def log(message):
    print(f"load: {message}", flush=True)


# --- the people ----------------------------------------------------------------------------


def caseworkers(count, password_hash) -> list[dict]:
    """``count`` caseworkers of the bench scheme's administering body, each with a confirmed
    authenticator app whose key the simulated person uses to type the code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from organisations.models import Membership
    from scheme.models import User
    from scheme.roles import MemberRole

    body = Membership.objects.get(user__email=pages.CASEWORKER_EMAIL).organisation
    people = []
    for i in range(count):
        user, _ = User.objects.update_or_create(
            email=LOAD_CASEWORKER_EMAIL.format(i),
            defaults={"full_name": f"Saksbehandler {i}", "password": password_hash},
        )
        Membership.objects.get_or_create(
            user=user, organisation=body, defaults={"role": MemberRole.MEMBER}
        )
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
        people.append({"email": user.email, "totp_key": device.key})
    return people


def members(count) -> list[dict]:
    """The contacts of participant organisations in live pairings, with their own pairing and,
    where their organisation applied in the bench call, their application and award."""
    from grants.models import Application
    from mentoring.models import PairingMember, PairingStatus

    rows = (
        PairingMember.objects.filter(pairing__status=PairingStatus.ACTIVE, contact__isnull=False)
        .order_by("contact_id", "pk")
        .distinct("contact_id")
        .values("contact__email", "organisation_id", "pairing_id")[:count]
    )
    applications = {
        a["organisation_id"]: a
        for a in Application.objects.filter(
            organisation_id__in=[r["organisation_id"] for r in rows],
            round__title=pages.ROUND_TITLE,
        ).values("organisation_id", "pk", "award__pk")
    }
    return [
        {
            "email": r["contact__email"],
            "organisation": r["organisation_id"],
            "pairing": r["pairing_id"],
            "application": applications.get(r["organisation_id"], {}).get("pk"),
            "award": applications.get(r["organisation_id"], {}).get("award__pk"),
        }
        for r in rows
    ]


def mentors(count) -> list[dict]:
    """The mentor contacts of live pairings, each with one of their pairings."""
    from mentoring.models import Pairing, PairingStatus

    rows = (
        Pairing.objects.filter(status=PairingStatus.ACTIVE, mentor_contact__isnull=False)
        .order_by("mentor_contact_id", "pk")
        .distinct("mentor_contact_id")
        .values("mentor_contact__email", "pk")[:count]
    )
    return [{"email": r["mentor_contact__email"], "pairing": r["pk"]} for r in rows]


def shared_pages() -> dict:
    """What caseworkers open at random: organisations, sent applications, awards, pairings,
    events and participant organisations to match."""
    from courses.models import Event as CourseEvent
    from grants.models import Application, ApplicationStatus, Award, Round
    from mentoring.models import Pairing
    from organisations.models import Organisation

    call = Round.objects.get(title=pages.ROUND_TITLE)
    sent = Application.objects.filter(round=call).exclude(status=ApplicationStatus.DRAFT)
    return {
        "organisations": list(Organisation.objects.values_list("pk", flat=True)),
        "participants": list(
            Organisation.objects.filter(kind="participant").values_list("pk", flat=True)[:2000]
        ),
        "applications": list(sent.values_list("pk", flat=True)),
        "awards": list(Award.objects.values_list("pk", flat=True)),
        "pairings": list(Pairing.objects.values_list("pk", flat=True)),
        "events": list(CourseEvent.objects.values_list("pk", flat=True)),
        "call": call.pk,
        "search_terms": [pages.SEARCH_TERM, "Oslo", "forening", "Bergen", "kultur"],
    }


def prepare_people(counts) -> dict:
    """Everyone the simulated people log in as, with the pages that are theirs. Members and
    mentors are the data set's own contacts (given a password); caseworkers are added."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import transaction

    from scheme.models import User

    # Hashed once for all, with production's hasher (tests.settings, which the data is built
    # under, uses a fast one that production does not accept).
    hasher = PBKDF2PasswordHasher()
    password_hash = hasher.encode(pages.PASSWORD, hasher.salt())
    with transaction.atomic():
        plan = {
            "password": pages.PASSWORD,
            "caseworker": caseworkers(counts["caseworker"], password_hash),
            "member": members(counts["member"]),
            "mentor": mentors(counts["mentor"]),
            "shared": shared_pages(),
        }
        emails = [p["email"] for role in counts for p in plan[role]]
        User.objects.filter(email__in=emails).update(password=password_hash, is_active=True)
    for role, count in counts.items():
        if len(plan[role]) < count:
            pages.fail(f"the data set has only {len(plan[role])} {role}s for {count} wanted")
    return plan


def reset_throttling():
    """Forget earlier runs' failed logins (none are expected; a leftover lock would fail
    this run)."""
    from django.core.management import call_command

    call_command("axes_reset", verbosity=0)


# --- the server ----------------------------------------------------------------------------


def server_environment(database_url, redis_url, port) -> dict:
    """Production settings, as in docker-compose.yml, on plain HTTP on loopback: a throwaway
    secret key, no HTTPS redirect and cookies sent over HTTP, two-factor login required."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "CACHE_", "EMAIL_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "scheme.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_STATIC_ROOT": str(WORK_DIR / "static"),
            "DJANGO_MEDIA_ROOT": str(WORK_DIR / "media"),
            "PORTAL_VAR_DIR": str(WORK_DIR),
            "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "CACHE_URL": redis_url,
            # Nothing the simulated people do sends e-mail; a mail server that is not there.
            "EMAIL_URL": "smtp://127.0.0.1:9",
            "TWO_FACTOR_REQUIRED": "1",
            "BRREG_ENABLED": "0",
            "LOG_LEVEL": "WARNING",
            "PROMETHEUS_MULTIPROC_DIR": str(WORK_DIR / "prometheus"),
            "LOAD_CPU_DIR": str(WORK_DIR / "cpu"),
        }
    )
    return env


def collect_static(env):
    """The manifest that production's static storage reads when pages name static files."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(env, port, workers) -> subprocess.Popen:
    """gunicorn as the image runs it (scheme.wsgi, sync workers), on loopback, timing each
    request's CPU (bench/load_gunicorn.py); returns once /health/live answers."""
    for folder in (env["PROMETHEUS_MULTIPROC_DIR"], env["LOAD_CPU_DIR"]):
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "scheme.wsgi:application",
            "--config",
            str(ROOT / "bench" / "load_gunicorn.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--max-requests",
            "1000",
            "--max-requests-jitter",
            "100",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pages.fail(f"gunicorn stopped with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    pages.fail("gunicorn did not answer /health/live within 60 s")
    raise AssertionError  # unreachable: fail() exits


def cpu_table(cpu_dir):
    """Each page's CPU time in its gunicorn worker (bench/load_gunicorn.py), by URL pattern:
    what the requests themselves cost, whatever else held the machine's CPUs."""
    import statistics

    from django.urls import Resolver404, resolve

    times = {}
    for part in Path(cpu_dir).glob("cpu-*.tsv"):
        for line in part.read_text().splitlines():
            method, path, took = line.split("\t")
            try:
                route = "/" + resolve(path).route
            except Resolver404:
                route = path
            times.setdefault(f"{method} {route}", []).append(float(took))
    everything = sorted(t for timed in times.values() for t in timed)
    pages = sorted(t for label, timed in times.items() if label != PASSWORD_STEP for t in timed)
    print(f"\nCPU time in the web server (ms per request; {sum(everything) / 1000:.1f} s in all)")
    print(f"{'request':<56}{'requests':>9}{'median':>9}{'p95':>9}{'max':>9}")
    rows = sorted(times.items(), key=lambda item: -statistics.median(item[1]))
    totals = [("all but the password step", pages), ("all requests", everything)]
    for label, timed in [*rows, *totals]:
        timed = sorted(timed)
        p95 = timed[max(0, math.ceil(0.95 * len(timed)) - 1)]
        cells = (len(timed), f"{statistics.median(timed):.0f}", f"{p95:.0f}", f"{timed[-1]:.0f}")
        print(f"{label[:56]:<56}" + "".join(f"{cell:>9}" for cell in cells))


def run_locust(args, people_file) -> int:
    total = sum(PEOPLE.values())
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{args.port}",
        "--users",
        str(total),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--stop-timeout",
        "30",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "LOAD_PEOPLE": str(people_file)}
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def describe(args, data):
    import platform

    import django

    load = os.getloadavg()
    log(
        f"{args.organisations:,} organisations ({data}); {pages.describe_database()}; "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} before the run"
    )
    log(
        f"gunicorn with {args.workers} sync workers on 127.0.0.1:{args.port}; "
        f"{', '.join(f'{n} {role}s' for role, n in PEOPLE.items())}; spawn rate "
        f"{args.spawn_rate}/s; run time {args.run_time}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=10_000, metavar="N")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data even if present")
    parser.add_argument("--run-time", default="5m", help="Locust's run time (default 5m)")
    parser.add_argument("--spawn-rate", type=float, default=1, help="people started a second")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis", default=DEFAULT_REDIS_URL, help="cache and broker")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    pages.ensure_database(pages.database_config(database_url))
    pages.setup_django(database_url)
    data = pages.prepare_data(args.organisations, args.rebuild, log=log)
    plan = prepare_people(PEOPLE)
    reset_throttling()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    people_file = WORK_DIR / "people.json"
    people_file.write_text(json.dumps(plan))

    env = server_environment(database_url, args.redis, args.port)
    collect_static(env)
    describe(args, data)
    server = start_gunicorn(env, args.port, args.workers)
    try:
        status = run_locust(args, people_file)
    finally:
        server.terminate()
        server.wait(timeout=30)
    cpu_table(env["LOAD_CPU_DIR"])
    log(f"load average {os.getloadavg()[0]:.1f} after the run")
    return status


if __name__ == "__main__":
    sys.exit(main())
