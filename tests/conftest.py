"""Shared fixtures. Tests create state through the services, as users do."""

import os

import pytest
from django.db import connection

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(available: bool, what: str):
    """Skip when a service is missing, or fail when the run requires every service."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not available")


@pytest.fixture
def postgres(db):
    need_service(connection.vendor == "postgresql", "PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Celery tasks enqueued by services run at once in the test process.

    The tests that need a real worker (tests/scheme/test_celery_worker.py) start one.
    """
    from scheme.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def caseworker(db):
    return factories.caseworker()


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def participant(db):
    return factories.OrganisationFactory(kind="participant")


@pytest.fixture
def member(participant):
    return factories.member_of(participant)


@pytest.fixture
def other_participant(db):
    return factories.OrganisationFactory(kind="participant")


@pytest.fixture
def other_member(other_participant):
    return factories.member_of(other_participant)


@pytest.fixture
def mentor(db):
    return factories.member_of(factories.OrganisationFactory(kind="mentor"))


@pytest.fixture
def evaluator(db):
    return factories.member_of(factories.OrganisationFactory(kind="evaluator"))


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory()
