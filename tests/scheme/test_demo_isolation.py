"""Demo data is not production code: only ``load_demo`` imports the demo modules, it refuses a
database that holds data the demo did not make, and it backdates only the rows it wrote."""

import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone

from courses import services as courses_services
from grants import services as grants_services
from mentoring import services as mentoring_services
from organisations.models import Organisation
from scheme.management.commands.load_demo import demo_modules
from scheme.models import Event, Notification, Scheme, User
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

DEMO_MODULES_AFTER_SETUP = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as the first request imports them
print(json.dumps(sorted(name for name in sys.modules if name.rsplit(".", 1)[-1] == "demo")))
"""


def test_no_demo_module_is_imported_when_the_portal_starts():
    """In a fresh interpreter: the tests in this one import demo modules themselves."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-c", DEMO_MODULES_AFTER_SETUP],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_the_command_takes_the_apps_demo_modules_in_the_order_of_installed_apps():
    names = [module.__name__ for module in demo_modules()]
    assert names == [
        "scheme.demo",
        "organisations.demo",
        "grants.demo",
        "mentoring.demo",
        "courses.demo",
        "scheme.announcements.demo",
        "scheme.conversations.demo",
    ]


# --- the database it loads into -------------------------------------------------------------


def load_demo():
    call_command("load_demo", stdout=io.StringIO())


def test_a_person_the_demo_did_not_make_stops_the_load(db):
    factories.UserFactory(email="kari@nordmann.no")
    with pytest.raises(CommandError, match=r"people with an address outside \.example: 1"):
        load_demo()
    assert not Scheme.objects.exists()
    assert not Organisation.objects.exists()


def test_an_organisation_the_demo_did_not_make_stops_the_load(db):
    factories.OrganisationFactory(is_demo=False)
    with pytest.raises(CommandError, match="organisations not marked as demo: 1"):
        load_demo()
    assert not Scheme.objects.exists()


def test_an_empty_database_and_one_with_the_demo_are_accepted(db):
    load_demo()
    people = User.objects.count()
    load_demo()
    assert User.objects.count() == people


# --- backdating: only the demo's own rows -----------------------------------------------------


def another_writer():
    """Rows someone else writes while the demo loads: a timeline line, an audit entry and a
    notification. ``bulk_create`` sends no signal, as another process's writes send none to
    this one."""
    person = User.objects.order_by("pk").first()
    target = {"target_type": ContentType.objects.get_for_model(User), "target_id": person.pk}
    Event.objects.bulk_create([Event(verb="someone.else", detail="written meanwhile", **target)])
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=target["target_type"],
                object_pk=str(person.pk),
                object_repr="written meanwhile",
                action=LogEntry.Action.UPDATE,
                changes={"full_name": ["A", "B"]},
            )
        ]
    )
    Notification.objects.bulk_create(
        [Notification(recipient=person, subject="written meanwhile", body="", email_to="x")]
    )


def writing_meanwhile(service):
    """``service``, with another writer at work each time the demo calls it."""

    def call(*args, **kwargs):
        result = service(*args, **kwargs)
        another_writer()
        return result

    return call


def load_up_to(app: str):
    """Load the demo of the apps before ``app``; return ``app``'s demo module."""
    modules = {module.__name__: module for module in demo_modules()}
    for name, module in modules.items():
        if name == f"{app}.demo":
            return module
        if hasattr(module, "load"):
            module.load(lambda line: None)
    raise LookupError(app)


@pytest.mark.parametrize(
    ("app", "services", "service"),
    [
        ("grants", grants_services, "submit_application"),
        ("mentoring", mentoring_services, "log_meeting"),
        ("courses", courses_services, "register"),
    ],
)
def test_rows_written_by_others_during_the_load_keep_their_time(db, app, services, service):
    demo = load_up_to(app)
    begun = timezone.now()
    with mock.patch.object(services, service, writing_meanwhile(getattr(services, service))):
        demo.load(lambda line: None)
    written = [
        *Event.objects.filter(verb="someone.else").values_list("created_at", flat=True),
        *LogEntry.objects.filter(object_repr="written meanwhile").values_list(
            "timestamp", flat=True
        ),
        *Notification.objects.filter(subject="written meanwhile").values_list(
            "created_at", flat=True
        ),
    ]
    assert len(written) >= 3
    assert all(moment >= begun for moment in written), min(written)
    # the demo's own rows were dated into its story
    assert (
        Event.objects.exclude(verb="someone.else")
        .filter(created_at__lt=begun - datetime.timedelta(days=30))
        .exists()
    )
