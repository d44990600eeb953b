"""An index only PostgreSQL can have (SQLite, the demo's database, cannot sort NULLS LAST in
an index and needs none): ``application_newest_sent``, the caseworker's list of applications
newest sent first with unsent drafts last (``submitted_at DESC NULLS LAST, id DESC``). A page
is read off the index instead of sorting every application of the body's calls.
"""

from django.db import migrations

NAME = "application_newest_sent"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} "
            "ON grants_application (submitted_at DESC NULLS LAST, id DESC)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("grants", "0005_case_records_and_two_people")]

    operations = [migrations.RunPython(create, drop)]
