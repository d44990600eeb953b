"""What may be uploaded (scheme/storage.validate_upload), and where uploads are kept."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from grants import services
from grants.models import AttachmentKind
from scheme.storage import MAX_UPLOAD_BYTES, ORPHAN_AFTER, PrivatePath, validate_upload
from scheme.tasks import remove_orphaned_uploads
from tests.grants.conftest import PDF, fill_report, pdf

ZIP = b"PK\x03\x04" + b"\x00" * 30
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 30
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 30
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 30
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 30
HTML = b"<!doctype html><script>alert(1)</script>"

ALLOWED = [
    ("vedtekter.pdf", PDF),
    ("Årsrapport 2023.PDF", PDF),  # the suffix in capitals, a name with spaces and æøå
    ("budsjett.docx", ZIP),
    ("regnskap.xlsx", ZIP),
    ("referat.odt", ZIP),
    ("regnskap.ods", ZIP),
    ("gammel.doc", OLE),
    ("gammel.xls", OLE),
    ("skann.jpg", JPEG),
    ("skann.jpeg", JPEG),
    ("skjermbilde.png", PNG),
]


def upload(name, content):
    return SimpleUploadedFile(name, content)


def refusal(name, content, size=None):
    file = upload(name, content)
    if size is not None:
        file.size = size
    with translation.override("en"), pytest.raises(ValidationError) as info:
        validate_upload(file)
    with translation.override("en"):
        return info.value.code, " ".join(info.value.messages)


@pytest.mark.parametrize(("name", "content"), ALLOWED)
def test_documents_and_scans_people_have_are_allowed(name, content):
    file = upload(name, content)
    validate_upload(file)
    assert file.tell() == 0  # left ready to be stored from the start


@pytest.mark.parametrize(
    "name", ["program.exe", "side.html", "skript.js", "bilde.svg", "arkiv.zip", "a.pdf.exe"]
)
def test_other_kinds_are_refused_by_name(name):
    code, message = refusal(name, PDF)
    assert code == "type"
    assert "cannot be uploaded" in message and "pdf" in message and "docx" in message


@pytest.mark.parametrize("name", ["vedtekter", "README", "vedtekter."])
def test_a_name_without_a_suffix_is_refused(name):
    code, message = refusal(name, PDF)
    assert code == "type"
    assert "cannot be uploaded" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("vedtekter.pdf", EXE),  # a program renamed to .pdf
        ("vedtekter.pdf", HTML),
        ("vedtekter.pdf", b""),
        ("bilde.png", PDF),
        ("bilde.jpg", PNG),
        ("budsjett.docx", OLE),
        ("gammel.doc", ZIP),
    ],
)
def test_the_content_must_match_the_name(name, content):
    code, message = refusal(name, content)
    assert code == "content"
    suffix = name.rsplit(".", 1)[-1]
    assert f"does not look like a .{suffix} file" in message


def test_the_size_limit():
    validate_upload(upload("stor.pdf", PDF + b"\x00" * 100))
    at_limit = upload("stor.pdf", PDF)
    at_limit.size = MAX_UPLOAD_BYTES
    validate_upload(at_limit)
    code, message = refusal("stor.pdf", PDF, size=MAX_UPLOAD_BYTES + 1)
    assert code == "too_big"
    assert "at most 10.0" in message and "MB" in message


def test_a_real_file_over_the_limit_is_refused():
    code, _message = refusal("stor.pdf", PDF + b"\x00" * MAX_UPLOAD_BYTES)
    assert code == "too_big"


# --- where uploads are kept --------------------------------------------------------------------

RANDOM_NAME = re.compile(r"^(applications|audits)/\d{4}/[0-9a-f]{32}\.[a-z]+$")


@pytest.fixture
def draft(member, call, participant):
    return services.start_application(member, call, participant)


def test_an_attachment_is_stored_under_media_root_with_a_random_name(member, draft):
    attachment = services.add_attachment(
        member, draft, AttachmentKind.STATUTES, pdf("Våre vedtekter.pdf")
    )
    assert RANDOM_NAME.match(attachment.file.name), attachment.file.name
    assert "vedtekter" not in attachment.file.name.lower()
    assert attachment.original_name == "Våre vedtekter.pdf"
    assert attachment.size == len(PDF)
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    for folder in getattr(settings, "STATICFILES_DIRS", []):
        assert not path.is_relative_to(Path(folder).resolve())
    assert path.read_bytes() == PDF
    assert not settings.MEDIA_URL.startswith(settings.STATIC_URL)


def test_the_same_name_twice_gives_two_files(member, draft):
    first = services.add_attachment(member, draft, AttachmentKind.STATUTES, pdf("a.pdf"))
    second = services.add_attachment(member, draft, AttachmentKind.ACCOUNTS, pdf("a.pdf"))
    assert first.file.name != second.file.name
    assert Path(first.file.path).exists() and Path(second.file.path).exists()


def test_a_name_that_climbs_out_of_the_folder_stays_inside(member, draft):
    attachment = services.add_attachment(
        member, draft, AttachmentKind.OTHER, pdf("../../../etc/passwd.pdf")
    )
    assert RANDOM_NAME.match(attachment.file.name)
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_the_auditors_certification_is_stored_the_same_way(member, awarded):
    services.accept_award(member, awarded)
    report = fill_report(member, awarded.report, auditor_statement=pdf("revisjon.pdf"))
    report.refresh_from_db()
    assert RANDOM_NAME.match(report.auditor_statement.name)
    assert report.auditor_statement.name.startswith("audits/")
    assert (
        Path(report.auditor_statement.path)
        .resolve()
        .is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    )


def test_a_file_left_by_a_rolled_back_change_is_removed_a_day_later(member, draft):
    with pytest.raises(RuntimeError), transaction.atomic():
        left = services.add_attachment(member, draft, AttachmentKind.STATUTES, pdf("a.pdf"))
        raise RuntimeError("the change fails after the file was saved")
    left_behind = Path(settings.MEDIA_ROOT) / left.file.name
    kept = services.add_attachment(member, draft, AttachmentKind.STATUTES, pdf("b.pdf"))
    assert left_behind.exists()

    assert remove_orphaned_uploads() == 0  # too young: its change may still be running
    a_day_later = timezone.now() + ORPHAN_AFTER + datetime.timedelta(minutes=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: a_day_later)
        assert remove_orphaned_uploads() == 1
    assert not left_behind.exists()
    assert Path(kept.file.path).exists()


def test_the_random_name_keeps_only_the_suffix():
    path = PrivatePath("applications")
    assert re.match(r"^applications/\d{4}/[0-9a-f]{32}\.pdf$", path(None, "Søknad.PDF"))
    assert path(None, "uten-endelse").endswith(".bin")
    assert path(None, "a.pdf") != path(None, "a.pdf")
