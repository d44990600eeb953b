"""What the messages hold about a person and an organisation, for the exports of
scheme/personal_data.py: a person's own messages; an organisation's threads with their
messages, as far as the one exporting may read them. Withdrawn messages keep their text here:
the export is the record."""

from scheme import registry
from scheme.conversations.models import Message, Thread

APP = "conversations"


def _message(message, files) -> dict:
    return {
        "id": message.pk,
        "thread_id": message.thread_id,
        "about": message.thread.title,
        "written_by": message.author.full_name,
        "on_behalf_of": message.author_organisation.name if message.author_organisation else "",
        "sent": message.created_at,
        "changed": message.edited_at,
        "withdrawn": message.withdrawn_at,
        "text": message.body,
        "files": [
            files.add("messages", attachment.pk, attachment.original_name, attachment.file)
            for attachment in message.attachments.all()
        ],
    }


def _messages():
    return Message.objects.select_related(
        "thread", "author", "author_organisation"
    ).prefetch_related("attachments")


def person(user) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    messages = [_message(m, files) for m in _messages().filter(author=user)]
    return registry.DataPart(APP, {"messages_written": messages}, tuple(files.entries))


def organisation(organisation, actor) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    threads = Thread.objects.visible_to(actor).filter(organisation=organisation)
    messages = [_message(m, files) for m in _messages().filter(thread__in=threads)]
    return registry.DataPart(APP, {"messages": messages}, tuple(files.entries))


def register():
    registry.register_personal_data(person=person, organisation=organisation)
