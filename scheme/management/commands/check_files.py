"""``manage.py check_files``: every stored file the database names is in its storage.

Run after restoring a backup (docs/backup.md): the database and the object store are backed up
apart, so a restore can bring back rows whose files were not in the store's copy.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models


def file_fields():
    """(model, field) for every FileField of every installed model."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def stored_names(model, field):
    """(pk, file name) of every row that has a file in ``field``, in one query."""
    return (
        model._base_manager.exclude(**{f"{field.attname}__isnull": True})
        .exclude(**{field.attname: ""})
        .order_by("pk")
        .values_list("pk", field.attname)
        .iterator()
    )


class Command(BaseCommand):
    help = (
        "List the rows whose file is missing from storage (the object store or the media "
        "folder). Exit status 1 when a file is missing."
    )

    def handle(self, *args, **options):
        checked = missing = 0
        for model, field in file_fields():
            label = f"{model._meta.label}.{field.name}"
            found = gone = 0
            for pk, name in stored_names(model, field):
                if field.storage.exists(name):
                    found += 1
                else:
                    gone += 1
                    self.stdout.write(f"MISSING {label} pk={pk}: {name}")
            self.stdout.write(f"{label}: {found + gone} files, {gone} missing")
            checked, missing = checked + found + gone, missing + gone
        if missing:
            raise CommandError(f"{missing} of {checked} files are missing from storage.")
        self.stdout.write(self.style.SUCCESS(f"All {checked} files are in storage."))
