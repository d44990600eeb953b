"""Load the demo data of every app.

Demo data is not production code: the apps' ``demo`` modules are imported here and nowhere
else. Each installed app may have one; its ``load(log)`` creates or updates the app's demo
data (safe to run twice), an optional ``after_load(log)`` prints something once every app has
loaded (the demo logins), and an optional ``foreign_data()`` names what the database holds that
the demo did not make. Apps load in the order of ``INSTALLED_APPS``.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule


def demo_modules() -> list:
    """The installed apps' ``demo`` modules, in the order of ``INSTALLED_APPS``."""
    return [
        import_module(f"{config.name}.demo")
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, "demo")
    ]


def hooks(modules, name: str) -> list:
    return [getattr(module, name) for module in modules if hasattr(module, name)]


class Command(BaseCommand):
    help = (
        "Load the demo data of every app (safe to run again: it updates, never duplicates). "
        "Refuses a database that holds data the demo did not make."
    )

    def handle(self, *args, **options):
        modules = demo_modules()
        with transaction.atomic():
            self.refuse_foreign_data(modules)
            for load in hooks(modules, "load"):
                load(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for after_load in hooks(modules, "after_load"):
            after_load(self.stdout.write)

    def refuse_foreign_data(self, modules):
        """The demo shares one published password: never load it beside real people's data."""
        found = [line for foreign_data in hooks(modules, "foreign_data") for line in foreign_data()]
        if found:
            raise CommandError(
                "This database holds data the demo did not make: "
                + "; ".join(found)
                + ". The demo loads only into an empty database or one it was loaded into "
                "before (its people have addresses in the reserved .example domain and its "
                "organisations are marked as demo). Use a fresh database for the demo."
            )
