"""Private files in an S3-compatible object store (a real S3 API server on loopback, see
conftest.py): uploads become private objects, downloads still ask who may see them, and the
orphan cleanup and the retention rules delete objects as they deleted files."""

import datetime
import json
import time
import zipfile

import pytest
import requests
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Attachment, AttachmentKind
from reports import services as reports_services
from reports.builders.documents import organisation_parameters
from reports.models import JobStatus, ReportJob, ReportKind
from scheme import health, personal_data
from scheme.retention import apply_rules
from scheme.storage import ORPHAN_AFTER, PrivatePath, private_storage, remove_orphaned_files
from tests.grants.conftest import PDF, pdf
from tests.storage.conftest import free_port, hidden_value, settings_made_from

EVERYONE = "http://acs.amazonaws.com/groups/global/AllUsers"


def test_without_a_bucket_files_stay_on_disk_and_with_one_they_are_private_objects():
    assert settings_made_from({"S3_BUCKET": ""})["PRIVATE_STORAGE"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    made = settings_made_from({"S3_BUCKET": "tilskudd", "S3_REGION": "eu-north-1"})
    options = made["PRIVATE_STORAGE"]["OPTIONS"]
    assert made["PRIVATE_STORAGE"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["region_name"]) == ("tilskudd", "eu-north-1")
    assert options["default_acl"] == "private"
    assert (options["querystring_auth"], options["querystring_expire"]) == (True, 60)
    assert made["PRIVATE_DOWNLOAD_REDIRECT"] is False  # streamed unless asked for
    assert made["STORAGES"]["private"] is made["PRIVATE_STORAGE"]


def test_every_file_field_stores_privately_under_random_names():
    """What the orphan cleanup, the downloads and the object store rely on."""
    astray = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
        and (field.storage is not private_storage() or not isinstance(field.upload_to, PrivatePath))
    ]
    assert astray == []


def upload_statutes(client, member, call, participant, name="vedtekter.pdf") -> Attachment:
    """The member attaches the statutes through the application's documents step."""
    draft = services.start_application(member, call, participant)
    client.force_login(member)
    url = reverse("grants:application_edit", args=[draft.pk, "documents"])
    token = hidden_value(client.get(url).content.decode(), "form_token")
    response = client.post(
        url, {"kind": AttachmentKind.STATUTES, "file": pdf(name), "form_token": token}
    )
    assert response.status_code == 302
    return Attachment.objects.get(application=draft)


def test_an_upload_is_a_private_object_that_only_its_organisation_downloads(
    client, object_store, member, other_member, call, participant
):
    attachment = upload_statutes(client, member, call, participant)
    assert object_store.keys() == [attachment.file.name]
    assert attachment.file.name.startswith(f"applications/{timezone.now():%Y}/")
    assert object_store.read(attachment.file.name) == PDF
    assert not any(
        grant["Grantee"].get("URI") == EVERYONE
        for grant in object_store.acl_grants(attachment.file.name)
    )

    url = reverse("grants:attachment", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="vedtekter.pdf"'

    client.force_login(other_member)
    assert client.get(url).status_code == 404


def test_an_object_that_is_gone_answers_not_found(client, object_store, member, call, participant):
    attachment = upload_statutes(client, member, call, participant)
    object_store.client.delete_object(Bucket=object_store.bucket, Key=attachment.file.name)
    assert client.get(reverse("grants:attachment", args=[attachment.pk])).status_code == 404


def test_downloads_can_be_a_redirect_to_a_signed_url_that_expires_in_a_minute(
    client, settings, object_store, member, other_member, call, participant
):
    settings.PRIVATE_DOWNLOAD_REDIRECT = True
    attachment = upload_statutes(client, member, call, participant, name="årsmøte.pdf")
    url = reverse("grants:attachment", args=[attachment.pk])

    response = client.get(url)
    assert response.status_code == 302
    signed = response["Location"]
    assert signed.startswith(f"{object_store.env['S3_ENDPOINT_URL']}/{object_store.bucket}/")
    assert "X-Amz-Expires=60&" in signed and "X-Amz-Signature=" in signed
    assert "no-store" in response["Cache-Control"]
    fetched = requests.get(signed, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["Content-Disposition"] == (
        "attachment; filename*=utf-8''%C3%A5rsm%C3%B8te.pdf"
    )

    client.force_login(other_member)
    assert client.get(url).status_code == 404


def wait_past(moment: datetime.datetime) -> None:
    """Sleep until the clock (and the store's whole-second times) have passed ``moment``."""
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.1)


def test_the_orphan_cleanup_removes_old_orphaned_objects_only(
    client, object_store, member, call, participant
):
    referenced = upload_statutes(client, member, call, participant)
    storage = private_storage()
    old = storage.save("applications/2024/gammel.pdf", ContentFile(PDF))
    left_at = storage.get_modified_time(old)
    wait_past(left_at + datetime.timedelta(seconds=2))
    young = storage.save("applications/2024/ny.pdf", ContentFile(PDF))

    # A day after a moment between the two: the first orphan is old, the second still young.
    now = left_at + datetime.timedelta(seconds=1) + ORPHAN_AFTER
    assert remove_orphaned_files(now=now) == 1
    assert object_store.keys() == sorted([referenced.file.name, young])


@pytest.fixture
def built_report(object_store, member, participant, django_capture_on_commit_callbacks):
    """The member's organisation report, built at once (tasks run in the test process)."""
    with django_capture_on_commit_callbacks(execute=True):
        job = reports_services.order_report(
            member, ReportKind.ORGANISATION, **organisation_parameters(member, participant)
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    return job


def test_a_report_is_an_object_downloaded_by_whoever_may_read_it(
    client, object_store, built_report, member, other_member
):
    assert object_store.keys("reports/") == [built_report.file.name]
    client.force_login(member)
    response = client.get(reverse("reports:download", args=[built_report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(other_member)
    assert client.get(reverse("reports:download", args=[built_report.pk])).status_code == 404


def test_retention_deletes_a_report_object_after_thirty_days(object_store, built_report):
    assert apply_rules(now=timezone.now() + datetime.timedelta(days=29))["report_files"] == 0
    assert object_store.keys("reports/") == [built_report.file.name]

    done = apply_rules(now=timezone.now() + datetime.timedelta(days=31))
    assert done["report_files"] == 1
    assert object_store.keys("reports/") == []
    assert ReportJob.objects.get(pk=built_report.pk).file == ""


def test_readiness_writes_reads_and_deletes_an_object_in_the_bucket(db, client, object_store):
    health.record_worker_heartbeat.delay()  # what the worker does every minute
    response = client.get(reverse("health_ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["Storage(alias='private')"] == "OK"
    assert object_store.keys() == []  # the probe's object is gone again


def test_readiness_fails_when_the_object_store_is_away(db, client, settings, object_store):
    health.record_worker_heartbeat.delay()
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.STORAGES = {
        **settings.STORAGES,
        "private": object_store.private_storage_settings(S3_ENDPOINT_URL=unreachable),
    }
    response = client.get(reverse("health_ready"), HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    failing = {name for name, state in response.json().items() if state != "OK"}
    assert failing == {"Storage(alias='private')"}


def test_a_persons_data_export_holds_their_uploads_read_from_the_bucket(
    client, object_store, member, call, participant
):
    attachment = upload_statutes(client, member, call, participant)
    with zipfile.ZipFile(personal_data.export_person(member)) as archive:
        [stored] = [name for name in archive.namelist() if name.startswith("files/grants/")]
        assert archive.read(stored) == PDF
        assert json.loads(archive.read("data.json"))["missing_files"] == []

    object_store.client.delete_object(Bucket=object_store.bucket, Key=attachment.file.name)
    with zipfile.ZipFile(personal_data.export_person(member)) as archive:
        assert json.loads(archive.read("data.json"))["missing_files"] == [stored]
