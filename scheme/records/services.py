"""Opening case files, registering documents in them and closing them.

Numbers are taken under row locks in the caller's transaction: a case number from the body's
series for the year, a document number from the case file. When the transaction rolls back
the number is given back, so the series have no gaps; two caseworkers at once wait for each
other and never get the same number.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from scheme import audit, registry
from scheme.compiled import first_row, kept
from scheme.records.models import CaseFile, CaseSequence, Direction, DocumentType, RegistryEntry
from scheme.records.tasks import draw_up_document
from scheme.roles import require_administers_body
from scheme.verbs import event_verb

CASE_OPENED = event_verb("case_opened", _("opened the case"))
CASE_CLOSED = event_verb("case_closed", _("closed the case"))

MESSAGE_TITLE = _("Message: %(title)s")


def _next_case_number(body_id, year) -> int:
    CaseSequence.objects.get_or_create(body_id=body_id, year=year)
    series = CaseSequence.objects.select_for_update().get(body_id=body_id, year=year)
    series.last += 1
    series.save(update_fields=["last"])
    return series.last


def case_of(obj) -> CaseFile | None:
    """The case file ``obj`` opened, if any."""
    return first_row(_case_files(_kind_code(obj), object_id=obj.pk))


@kept(params=["object_id"])
def _case_files(kind, object_id):
    return CaseFile.objects.filter(kind=kind, object_id=object_id).order_by("pk")[:1]


def _kind_code(obj) -> str:
    label = obj._meta.label_lower
    kind = next((k for k in registry.case_kinds() if k.model == label), None)
    if kind is None:
        raise LookupError(f"{label} opens no case file")
    return kind.code


@transaction.atomic
def open_case(obj, *, body, title, party=None, caseworker=None, classification=""):
    """The case file of ``obj``, opened now with the next number of ``body``'s series for the
    year if it has none yet."""
    existing = case_of(obj)
    if existing is not None:
        return existing
    opened_at = timezone.now()
    year = timezone.localtime(opened_at).year
    case_file = CaseFile.objects.create(
        body=body,
        year=year,
        sequence=_next_case_number(body.pk, year),
        kind=_kind_code(obj),
        object_id=obj.pk,
        title=title[:255],
        classification=classification,
        party=party,
        caseworker=caseworker,
        opened_at=opened_at,
    )
    audit.record(caseworker, CASE_OPENED, case_file, case_file.number)
    return case_file


def refuse_if_closed(case_file) -> None:
    """A closed case is read-only: every service that changes a case object asks here."""
    if case_file is not None and case_file.is_closed:
        raise ValidationError(
            _("Case %(number)s is closed and can no longer be changed.")
            % {"number": case_file.number},
            code="invalid_state",
        )


@transaction.atomic
def register_document(
    case_file,
    source,
    *,
    document_type,
    direction,
    title,
    party_name="",
    party_is_person=False,
    their_reference="",
    caseworker=None,
    approver=None,
    content=None,
    file_name="",
    when=None,
) -> RegistryEntry:
    """Register the document made from ``source`` in ``case_file`` with the next document
    number. Call it in the transaction of the act the document records (sending, deciding,
    paying), so each act registers its document once.

    ``content`` (bytes) is the document as received; without it the document is drawn up by
    the renderer registered for its source (``scheme.registry``) by a task once the
    transaction commits, or when it is first read.
    """
    source_kind = source._meta.label_lower
    case_file = CaseFile.objects.select_for_update().get(pk=case_file.pk)
    refuse_if_closed(case_file)
    case_file.last_document += 1
    case_file.save(update_fields=["last_document"])
    when = when or timezone.now()
    entry = RegistryEntry(
        case_file=case_file,
        number=case_file.last_document,
        direction=direction,
        document_type=document_type,
        title=str(title)[:255],
        registered_at=when,
        document_date=timezone.localtime(when).date(),
        party_name=party_name[:200],
        party_is_person=party_is_person,
        their_reference=their_reference[:100],
        caseworker=caseworker,
        approver=approver,
        source_kind=source_kind,
        source_id=source.pk,
        file_name=file_name[:200],
    )
    if content is not None:
        entry.file.save(file_name or "document.pdf", ContentFile(content), save=False)
    entry.save()
    if content is None:
        transaction.on_commit(lambda: draw_up_document.delay(entry.pk))
    return entry


@transaction.atomic
def close_case(actor, case_file) -> CaseFile:
    """Close the case once its kind says nothing is left to do; a closed case is read-only."""
    case_file = CaseFile.objects.select_for_update().get(pk=case_file.pk)
    require_administers_body(actor, case_file.body_id)
    refuse_if_closed(case_file)
    kind = registry.case_kind(case_file.kind)
    obj = kind.readable(actor).get(pk=case_file.object_id)
    problem = kind.closing_problem(obj)
    if problem:
        raise ValidationError(problem, code="invalid_state")
    case_file.closed_at = timezone.now()
    case_file.closed_by = actor
    case_file.save(update_fields=["closed_at", "closed_by"])
    audit.record(actor, CASE_CLOSED, case_file, case_file.number)
    return case_file


def register_message(case_object, message, *, incoming: bool, actor) -> RegistryEntry | None:
    """Register a message written on the thread of ``case_object`` in its case (None when the
    object has opened no case yet, e.g. an application not yet sent): incoming when the
    organisation wrote it, outgoing when the body's caseworker did. The party is the
    organisation; the document is drawn up from the message by its registered renderer. Call
    it in the transaction that posts the message; a closed case refuses it."""
    case_file = case_of(case_object)
    if case_file is None:
        return None
    # The record is kept in the body's language, whoever writes.
    with translation.override(settings.LANGUAGE_CODE):
        title = str(MESSAGE_TITLE % {"title": message.thread.title})
    return register_document(
        case_file,
        message,
        document_type=DocumentType.MESSAGE,
        direction=Direction.INCOMING if incoming else Direction.OUTGOING,
        title=title,
        party_name=case_file.party.name if case_file.party_id else "",
        party_is_person=False,
        caseworker=case_file.caseworker if incoming else actor,
        when=message.created_at,
    )
