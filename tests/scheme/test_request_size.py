"""A request body larger than one upload and its form is refused before it is read."""

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scheme.storage import MAX_UPLOAD_BYTES

LOGIN = reverse("login")
MAX_BODY = MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_body_over_the_limit_is_refused_unread(client, db):
    # The body is one byte; were the portal to read the length it claims, the test client
    # would fail ("Cannot read more than the available bytes").
    response = client.generic(
        "POST",
        LOGIN,
        b"x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(MAX_BODY + 1),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "For stor forsendelse" in page and "at most 10 MB" in page
    assert "camera=()" in response["Permissions-Policy"]


def test_an_upload_at_the_limit_gets_through_and_one_over_it_is_refused(client, member):
    client.force_login(member)
    form = {"full_name": "Kari Nordmann", "phone": "", "language": "nb", "notify_by": "weekly"}
    at_limit = SimpleUploadedFile("stor.pdf", b"%PDF-" + b"\0" * (MAX_UPLOAD_BYTES - 5))
    assert client.post(reverse("account"), {**form, "file": at_limit}).status_code == 302
    too_big = SimpleUploadedFile("stor.pdf", b"%PDF-" + b"\0" * MAX_BODY)
    assert client.post(reverse("account"), {**form, "file": too_big}).status_code == 413
