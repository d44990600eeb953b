"""The competence areas the scheme names (the application form, mentoring topics, courses).

They are reference data every installation needs, so they come with the migrations; a
caseworker can add more in the admin.
"""

from django.db import migrations

AREAS = [
    ("accounts", "Regnskap og økonomi", "Accounts and finances"),
    ("applications", "Søknadsskriving", "Writing applications"),
    ("reporting", "Rapportering", "Reporting"),
    ("board-work", "Styrearbeid", "Board work"),
    ("strategy", "Strategi og organisasjonsutvikling", "Strategy and organisational development"),
    ("communication", "Kommunikasjon", "Communication"),
    ("volunteers", "Rekruttering av frivillige", "Recruiting volunteers"),
    ("privacy", "Personvern", "Privacy"),
]


def seed(apps, schema_editor):
    CompetenceArea = apps.get_model("organisations", "CompetenceArea")
    for code, name_nb, name_en in AREAS:
        CompetenceArea.objects.update_or_create(
            code=code, defaults={"name_nb": name_nb, "name_en": name_en}
        )


def unseed(apps, schema_editor):
    apps.get_model("organisations", "CompetenceArea").objects.filter(
        code__in=[code for code, *_ in AREAS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("organisations", "0004_competence_areas")]

    operations = [migrations.RunPython(seed, unseed)]
