"""The apps register what they add to the scheme (scheme/registry.py) when they are loaded;
loading them again (as a test that changes INSTALLED_APPS does) must not register it twice,
or a year's awards would count twice against its frame and each order button show twice."""

import pytest
from django.apps import apps

from scheme import registry

pytestmark = pytest.mark.django_db


def test_loading_the_apps_again_registers_nothing_twice(awarded, caseworker, scheme_year):
    for config in apps.get_app_configs():
        config.ready()
    assert registry.frame_committed(scheme_year) == awarded.amount
    actions = registry.order_actions_for(caseworker, "grants.award")
    assert [action.kind for action in actions] == ["award_letter"]
