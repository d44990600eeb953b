"""``manage.py check_files``, the restore drill's last step (docs/backup.md): it names every row
whose file is not in storage, and fails only then."""

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from courses import services as courses
from tests import factories

PDF = b"%PDF-1.4\n%handout\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def materials(db):
    """Two course materials uploaded through the service."""
    scheme_year = factories.SchemeYearFactory(year=timezone.localdate().year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    starts = timezone.now() + datetime.timedelta(days=21)
    event = courses.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="gathering",
        audience="participants",
        title="Fellessamling",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        place="Oslo",
        registration_deadline=timezone.localdate() + datetime.timedelta(days=14),
    )
    return [
        courses.add_material(
            caseworker,
            event,
            title=name,
            upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
        )
        for name in ("program.pdf", "lysark.pdf")
    ]


def check_files():
    out = StringIO()
    call_command("check_files", stdout=out)
    return out.getvalue()


def test_every_file_in_storage_passes(materials, django_assert_max_num_queries):
    # One query per file field, whatever the number of rows.
    with django_assert_max_num_queries(10):
        out = check_files()
    assert "courses.Material.file: 2 files, 0 missing" in out
    assert "MISSING" not in out
    assert "All 2 files are in storage." in out


def test_a_missing_file_is_named_and_fails_the_check(materials):
    lost, kept = materials
    lost.file.storage.delete(lost.file.name)
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 files are missing from storage"):
        call_command("check_files", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"MISSING courses.Material.file pk={lost.pk}: {lost.file.name}" in lines
    assert not any(str(kept.file.name) in line for line in lines)
    assert "courses.Material.file: 2 files, 1 missing" in lines


def test_rows_without_a_file_are_not_checked(db):
    assert "All 0 files are in storage." in check_files()
