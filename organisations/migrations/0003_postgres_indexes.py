"""Two indexes only PostgreSQL can have (SQLite, the demo's database, needs neither).

- ``organisation_newest_first``: the list sorted by founding date, newest first with unknown
  dates last (``founded DESC NULLS LAST, name, id``).
- ``organisation_name_trgm``: search by part of the name. Django's ``icontains`` becomes
  ``UPPER(name) LIKE UPPER('%term%')``, which a B-tree cannot serve; a GIN trigram index can.
"""

from django.db import migrations

INDEXES = {
    "organisation_newest_first": "(founded DESC NULLS LAST, name, id)",
    "organisation_name_trgm": "USING gin (UPPER(name) gin_trgm_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON organisations_organisation {definition}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("organisations", "0002_initial")]

    operations = [migrations.RunPython(create, drop)]
