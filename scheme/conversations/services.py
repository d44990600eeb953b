"""Every change to threads and reply templates: one transaction each, with the audit trail.

Who may read and write a thread is the registered kind's rule (``ThreadKind.readable``): a
person who cannot see the case object gets the same 404 as for the object itself.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme import audit, registry
from scheme.compiled import first_row, kept_per_access
from scheme.conversations.models import (
    MAX_MESSAGE_ATTACHMENTS,
    Message,
    MessageAttachment,
    ReadState,
    ReplyTemplate,
    Thread,
)
from scheme.models import User
from scheme.notifications import notify
from scheme.records import services as records
from scheme.roles import OrganisationKind, access_for, require
from scheme.storage import validate_upload
from scheme.verbs import event_verb

POSTED = event_verb("message_posted", _("wrote a message"))
EDITED = event_verb("message_edited", _("changed a message"))
WITHDRAWN = event_verb("message_withdrawn", _("withdrew a message"))
CASEWORKERS_INVITED = event_verb("caseworkers_invited", _("asked the caseworkers in"))
TEMPLATE_SAVED = event_verb("reply_template_saved", _("saved a reply template"))

NEW_MESSAGE_SUBJECT = _("New message: {title}")
NEW_MESSAGE_BODY = _("{author} ({organisation}) wrote:\n\n{first_lines}")
INVITED_SUBJECT = _("You are asked to join the conversation: {title}")
INVITED_BODY = _("{author} asked the caseworkers to read and answer the messages.")

UNREAD_SECONDS = 300


# --- finding the thread of an object ---------------------------------------------------------


def _kind(code: str):
    kind = registry.thread_kind(code)
    if kind is None:
        raise Http404
    return kind


def case_object(user, code: str, object_id: int):
    """The case object of kind ``code`` whose thread the user may read, else 404 (missing
    and hidden alike)."""
    kind = _kind(code)
    obj = first_row(_readable_object(user, code, object_id=object_id))
    if obj is None:
        raise Http404
    return kind, obj


@kept_per_access(params=["object_id"])
def _readable_object(user, code, object_id):
    return _kind(code).readable(user).filter(pk=object_id)


def thread_of(code: str, object_id: int, reader=None) -> Thread | None:
    """The object's thread, if it has one; with ``reader``, with how far they and the others
    have read it (``Thread.with_read_marks``)."""
    if reader is not None:
        return first_row(_thread_read_by(reader, code, object_id=object_id))
    return Thread.objects.filter(kind=code, object_id=object_id).first()


@kept_per_access(params=["object_id"])
def _thread_read_by(user, code, object_id):
    return Thread.objects.filter(kind=code, object_id=object_id).with_read_marks(user)


def thread_url(code: str, object_id: int) -> str:
    return reverse("conversations:thread", args=[code, object_id])


def _thread_for_update(kind, obj) -> Thread:
    """The object's thread, made when the first message is written; locked for the change."""
    thread, _created = Thread.objects.get_or_create(
        kind=kind.code,
        object_id=obj.pk,
        defaults={"title": str(kind.title(obj))[:200], "organisation": kind.organisation(obj)},
    )
    return Thread.objects.select_for_update().get(pk=thread.pk)


# --- the case record a thread belongs to ------------------------------------------------------


def case_record_object(kind, obj):
    """The object whose case file the thread's messages belong to (``ThreadKind.case_object``),
    or None for kinds outside the case records."""
    return kind.case_object(obj) if kind.case_object is not None else None


def refuse_if_case_closed(kind, obj) -> None:
    """A closed case is read-only: nothing more is written in its threads."""
    case_obj = case_record_object(kind, obj)
    if case_obj is not None:
        records.refuse_if_closed(records.case_of(case_obj))


# --- who is on which side ----------------------------------------------------------------------


def side_of(user, kind, obj):
    """The organisation on whose behalf ``user`` writes in the object's thread (None: an
    admin who is in none of them)."""
    access = access_for(user)
    return next((org for org in kind.sides(obj) if access.is_member_of(org.pk)), None)


def is_body(organisation) -> bool:
    return organisation.kind == OrganisationKind.ADMINISTRATOR


def _people_of(organisations):
    ids = [organisation.pk for organisation in organisations]
    return User.objects.filter(memberships__organisation_id__in=ids, is_active=True).distinct()


def _forget_unread(user_ids) -> None:
    keys = [_unread_key(pk) for pk in user_ids]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))


# --- messages ------------------------------------------------------------------------------------


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    return body


def _check_files(uploads) -> list:
    uploads = list(uploads or [])
    if len(uploads) > MAX_MESSAGE_ATTACHMENTS:
        raise ValidationError(
            {
                "files": _("A message can have at most %(max)d files.")
                % {"max": MAX_MESSAGE_ATTACHMENTS}
            }
        )
    for upload in uploads:
        try:
            validate_upload(upload)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from error
    return uploads


@transaction.atomic
def post_message(actor, code: str, object_id: int, body: str, files=()) -> Message:
    """Write in the object's thread (made with the first message) and tell the other side."""
    kind, obj = case_object(actor, code, object_id)
    refuse_if_case_closed(kind, obj)
    body, uploads = _check_body(body), _check_files(files)
    thread = _thread_for_update(kind, obj)
    organisation = side_of(actor, kind, obj)
    message = Message(thread=thread, author=actor, author_organisation=organisation, body=body)
    message.full_clean(exclude=["thread", "author", "author_organisation"])
    message.save()
    for upload in uploads:
        attachment = MessageAttachment(message=message, original_name=upload.name[:200])
        attachment.size = upload.size
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    _note_last(thread, message)
    _mark_read(actor, thread, message.pk)
    _register_in_case(actor, kind, obj, message)
    audit.record(actor, POSTED, obj, _side_name(message))
    _tell_other_sides(actor, kind, obj, thread, message)
    return message


def _register_in_case(actor, kind, obj, message: Message) -> None:
    """A message on a case object's thread is a document of its case: incoming when the
    organisation wrote it, outgoing when the body's caseworkers (or an admin) did."""
    case_obj = case_record_object(kind, obj)
    if case_obj is None:
        return
    side = message.author_organisation
    records.register_message(
        case_obj, message, incoming=side is not None and not is_body(side), actor=actor
    )


def _note_last(thread: Thread, message: Message) -> None:
    side = message.author_organisation
    if thread.last_side_id != (side.pk if side else None) or thread.waiting_since is None:
        thread.waiting_since = message.created_at
    thread.last_side = side
    thread.last_message_id = message.pk
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_side", "last_message_id", "last_message_at", "waiting_since"])


def _tell_other_sides(actor, kind, obj, thread, message) -> None:
    sides = kind.sides(obj)
    own = message.author_organisation
    others = [org for org in sides if own is None or org.pk != own.pk]
    recipients = list(_people_of(others).exclude(pk=actor.pk))
    _forget_unread([person.pk for person in _people_of(sides)] + [actor.pk])
    notify(
        recipients,
        NEW_MESSAGE_SUBJECT,
        NEW_MESSAGE_BODY,
        url=thread_url(thread.kind, thread.object_id),
        digestible=True,
        title=thread.title,
        author=actor.full_name,
        organisation=own.name if own else actor.full_name,
        first_lines=message.first_lines,
    )


def _message_for_update(actor, message_id: int) -> Message:
    message = (
        Message.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("thread")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise Http404
    return message


def _open_case_of(actor, thread: Thread):
    """The case object the thread is about (its timeline has the thread's changes); refused
    when its case is closed."""
    kind, obj = case_object(actor, thread.kind, thread.object_id)
    refuse_if_case_closed(kind, obj)
    return obj


def _side_name(message: Message) -> str:
    organisation = message.author_organisation
    return organisation.name if organisation else ""


def read_by_others(message: Message) -> bool:
    """Someone besides the author has read the message (or a later one)."""
    return (
        ReadState.objects.filter(thread_id=message.thread_id, last_read_id__gte=message.pk)
        .exclude(user_id=message.author_id)
        .exists()
    )


def may_edit(user, message: Message, read: bool) -> bool:
    """The author, until someone else has read it (``read``: ``read_by_others``)."""
    return message.author_id == user.pk and not message.is_withdrawn and not read


def may_withdraw(user, message: Message) -> bool:
    """The author, or an admin."""
    return not message.is_withdrawn and (message.author_id == user.pk or user.is_superuser)


@transaction.atomic
def edit_message(actor, message_id: int, body: str) -> Message:
    message = _message_for_update(actor, message_id)
    require(message.author_id == actor.pk)
    case = _open_case_of(actor, message.thread)
    if not may_edit(actor, message, read_by_others(message)):
        raise ValidationError(_("Someone has read this message, so it can no longer be changed."))
    message.body = _check_body(body)
    message.edited_at = timezone.now()
    message.full_clean(exclude=["thread", "author", "author_organisation"])
    message.save(update_fields=["body", "edited_at"])
    audit.record(actor, EDITED, case, _side_name(message))
    return message


@transaction.atomic
def withdraw_message(actor, message_id: int) -> Message:
    """Take a wrong message off the page; its text stays in the row for the record."""
    message = _message_for_update(actor, message_id)
    require(message.author_id == actor.pk or actor.is_superuser)
    if message.is_withdrawn:
        raise ValidationError(_("This message is already withdrawn."))
    case = _open_case_of(actor, message.thread)
    message.withdrawn_at = timezone.now()
    message.withdrawn_by = actor
    message.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(actor, WITHDRAWN, case, _side_name(message))
    return message


@transaction.atomic
def invite_caseworkers(actor, code: str, object_id: int) -> Thread:
    """The pair asks the scheme's caseworkers into their thread (kinds that allow it)."""
    kind, obj = case_object(actor, code, object_id)
    side = side_of(actor, kind, obj)
    require(kind.caseworkers_invited and side is not None and not is_body(side))
    thread = _thread_for_update(kind, obj)
    if thread.caseworkers_invited_at is None:
        before = {org.pk for org in kind.sides(obj)}
        thread.caseworkers_invited_at = timezone.now()
        thread.save(update_fields=["caseworkers_invited_at"])
        audit.record(actor, CASEWORKERS_INVITED, obj)
        newcomers = [org for org in kind.sides(obj) if org.pk not in before]
        _tell_newcomers(actor, newcomers, thread)
    return thread


def _tell_newcomers(actor, newcomers, thread) -> None:
    """Tell the sides that joined with the invitation (the caseworkers)."""
    _forget_unread(person.pk for person in _people_of(newcomers))
    notify(
        _people_of(newcomers),
        INVITED_SUBJECT,
        INVITED_BODY,
        url=thread_url(thread.kind, thread.object_id),
        digestible=True,
        title=thread.title,
        author=actor.full_name,
    )


# --- reading ----------------------------------------------------------------------------------


def _mark_read(user, thread: Thread, message_id: int | None) -> None:
    if message_id is None:
        return
    ReadState.objects.update_or_create(
        user=user,
        thread=thread,
        defaults={"last_read_id": message_id, "read_at": timezone.now()},
    )
    _forget_unread([user.pk])


def mark_read(user, thread: Thread, read_up_to: int | None = None) -> None:
    """The user has read every message in the thread (the thread page calls it when shown);
    ``read_up_to``: how far they had read (0: not at all), where the caller knows it
    (``thread_of`` with the reader).

    No audit line: reading changes nothing in the case."""
    if read_up_to is None:
        current = ReadState.objects.filter(user=user, thread=thread).values_list(
            "last_read_id", flat=True
        )
        read_up_to = current[0] if current else 0
    last = thread.last_message_id
    if last is not None and read_up_to < last:
        _mark_read(user, thread, last)


def unread_threads(user) -> frozenset:
    """The threads with messages the user has not read, as (kind, object id) pairs; cached
    (every page header counts them and case pages mark theirs) and one query when not."""
    return cache.get_or_set(
        _unread_key(user.pk),
        lambda: frozenset(
            Thread.objects.visible_to(user).unread_by(user).values_list("kind", "object_id")
        ),
        UNREAD_SECONDS,
    )


def unread_thread_count(user) -> int:
    return len(unread_threads(user))


def _unread_key(user_id) -> str:
    return f"conversations:unread:{user_id}"


# --- reply templates ------------------------------------------------------------------------


@transaction.atomic
def save_reply_template(actor, template: ReplyTemplate) -> ReplyTemplate:
    """Save a new or changed template; only the caseworkers of the scheme's body."""
    require(access_for(actor).administers(template.scheme))
    if template.pk:
        require(ReplyTemplate.objects.visible_to(actor).filter(pk=template.pk).exists())
    template.full_clean()
    template.save()
    audit.record(actor, TEMPLATE_SAVED, template.scheme, template.title)
    return template


@transaction.atomic
def delete_reply_template(actor, template_id: int) -> None:
    template = ReplyTemplate.objects.visible_to(actor).filter(pk=template_id).first()
    if template is None:
        raise Http404
    template.delete()


def templates_for(user, scheme) -> list[ReplyTemplate]:
    """The templates a caseworker may insert in a thread about ``scheme`` (None: every
    scheme their body runs)."""
    access = access_for(user)
    if not access.is_caseworker:
        return []
    return list(_templates(user, scheme is not None, scheme_id=getattr(scheme, "pk", None)))


@kept_per_access(params=["scheme_id"])
def _templates(user, of_one_scheme, scheme_id):
    templates = ReplyTemplate.objects.visible_to(user).select_related("scheme")
    return templates.filter(scheme_id=scheme_id) if of_one_scheme else templates


def waiting_for_caseworkers(user):
    """Threads where an organisation waits for the caseworkers to answer, oldest first."""
    codes = [kind.code for kind in registry.thread_kinds() if kind.answered_by_caseworkers]
    return (
        Thread.objects.visible_to(user)
        .filter(kind__in=codes, last_side__isnull=False)
        .exclude(last_side__kind=OrganisationKind.ADMINISTRATOR)
        .select_related("organisation")
        .order_by("waiting_since", "id")
    )
