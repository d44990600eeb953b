import pytest
from django.contrib import admin
from django.urls import reverse

from organisations.models import Organisation
from tests import factories

PROJECT_APPS = {"scheme", "organisations", "grants", "mentoring", "courses", "reports"}
PROJECT_MODELS = [model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS]


def test_every_project_model_is_in_the_admin():
    from django.apps import apps

    models = {
        model
        for config in apps.get_app_configs()
        if config.label in PROJECT_APPS
        for model in config.get_models()
    }
    assert models <= set(admin.site._registry)


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m._meta.label)
def test_admin_lists_and_searches_work(client, admin_user, model):
    factories.member_of(factories.OrganisationFactory())
    client.force_login(admin_user)
    info = (model._meta.app_label, model._meta.model_name)
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    assert client.get(changelist).status_code == 200
    if admin.site._registry[model].search_fields:
        assert client.get(changelist, {"q": "a"}).status_code == 200


def test_the_organisation_admin_opens_an_organisation(client, admin_user):
    organisation = factories.OrganisationFactory()
    client.force_login(admin_user)
    url = reverse("admin:organisations_organisation_change", args=[organisation.pk])
    assert client.get(url).status_code == 200
    assert Organisation.objects.count() == 1
