import logging

from celery import shared_task

from scheme.records.documents import document_file
from scheme.records.models import RegistryEntry

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def draw_up_document(entry_id: int) -> None:
    """Draw up and store a registered document's PDF soon after it is registered, so the
    record holds the document as it was when the act took place."""
    entry = RegistryEntry.objects.select_related("case_file").filter(pk=entry_id).first()
    if entry is None:
        return
    try:
        document_file(entry)
    except LookupError:
        # No renderer for this source yet: the document is drawn up when it is first read.
        logger.warning("No renderer for %s; document %s not drawn up", entry.source_kind, entry.pk)
