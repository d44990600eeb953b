"""Private files (uploads and generated reports): where they are stored, what may be uploaded
and how they are sent back.

Every private FileField stores through ``private_storage``: the "private" entry of STORAGES,
folders under MEDIA_ROOT by default or an S3-compatible object store (scheme/settings.py).
Nothing opens a path, so any web process or worker reads what another wrote. Names are random,
and files are only sent back by ``download``, from views that have checked the user may see
the object they belong to. An upload's type is judged by its first bytes as well as its name,
so a renamed program is refused.
"""

import datetime
import logging
import uuid

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.deconstruct import deconstructible
from django.utils.functional import LazyObject, empty
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A file saved by a change that has not committed yet is younger than this; older ones that no
# row points to were left by a change that rolled back.
ORPHAN_AFTER = datetime.timedelta(days=1)

log = logging.getLogger(__name__)

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Word, Excel and PowerPoint
SIGNATURES = {
    "pdf": [b"%PDF-"],
    "docx": [ZIP],
    "xlsx": [ZIP],
    "pptx": [ZIP],
    "odt": [ZIP],
    "ods": [ZIP],
    "odp": [ZIP],
    "doc": [OLE],
    "xls": [OLE],
    "ppt": [OLE],
    "jpg": [b"\xff\xd8\xff"],
    "jpeg": [b"\xff\xd8\xff"],
    "png": [b"\x89PNG\r\n\x1a\n"],
}
ALLOWED = ", ".join(sorted(SIGNATURES))


class _PrivateStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages["private"]


_private = _PrivateStorage()


def private_storage():
    """The ``storage=`` of every private FileField. A callable, so that migrations name it
    rather than the backend the environment chose."""
    return _private


@receiver(setting_changed)
def _forget_private_storage(*, setting, **kwargs):
    """Django forgets its storages when STORAGES changes (tests point it at an object
    store); the fields' storage follows."""
    if setting == "STORAGES":
        _private._wrapped = empty


@deconstructible
class PrivatePath:
    """``upload_to`` for private files: <folder>/<year>/<random>.<suffix> in the storage."""

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        return f"{self.folder}/{timezone.now():%Y}/{uuid.uuid4().hex}.{suffix}"

    def __eq__(self, other):
        return isinstance(other, PrivatePath) and other.folder == self.folder


def validate_upload(upload) -> None:
    """Raise a ValidationError in plain words unless the file is an allowed kind and size."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s; files can be at most %(max)s.")
            % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_UPLOAD_BYTES)},
            code="too_big",
        )
    suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if suffix not in SIGNATURES:
        raise ValidationError(
            _("Files of this kind cannot be uploaded. Use one of: %(allowed)s.")
            % {"allowed": ALLOWED},
            code="type",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in SIGNATURES[suffix]):
        raise ValidationError(
            _("The file does not look like a .%(suffix)s file. Save it again and upload it.")
            % {"suffix": suffix},
            code="content",
        )


def download(field_file, filename: str):
    """Send a stored file, named ``filename``, to a user the view has let see it.

    Streamed from the storage; or, with PRIVATE_DOWNLOAD_REDIRECT, a redirect to a signed URL
    that expires in a minute and names the file. A file that is gone (a restore without the
    files) answers 404.
    """
    if not field_file:
        raise Http404
    storage, name = field_file.storage, field_file.name
    if settings.PRIVATE_DOWNLOAD_REDIRECT:
        if not storage.exists(name):
            raise Http404
        disposition = content_disposition_header(as_attachment=True, filename=filename)
        response = HttpResponseRedirect(
            storage.url(name, parameters={"ResponseContentDisposition": disposition})
        )
        add_never_cache_headers(response)
        return response
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=filename)


def _private_file_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and isinstance(field.upload_to, PrivatePath):
                yield model, field


def _stored_names(storage, folder):
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_names(storage, f"{folder}/{sub}")


def remove_orphaned_files(now=None) -> int:
    """Delete private files that no row points to and that are older than ORPHAN_AFTER.

    A service saves an upload before its transaction commits; when the transaction rolls back
    the row is gone but the file stays. Uploads are personal data, so they must not linger.
    """
    cutoff = (now or timezone.now()) - ORPHAN_AFTER
    removed = 0
    for model, field in _private_file_fields():
        kept = set(
            model._base_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
        )
        for name in _stored_names(field.storage, field.upload_to.folder):
            if name not in kept and field.storage.get_modified_time(name) < cutoff:
                field.storage.delete(name)
                removed += 1
    if removed:
        log.info("Removed %d orphaned private files", removed)
    return removed
