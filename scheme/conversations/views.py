"""The thread pages, "My messages" and the caseworkers' reply templates. Views read through
``visible_to`` and the kinds' ``readable``; every change goes through the services."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from scheme.compiled import kept
from scheme.conversations import services
from scheme.conversations.forms import InsertTemplateForm, MessageForm, ReplyTemplateForm
from scheme.conversations.models import Message, MessageAttachment, ReplyTemplate, Thread
from scheme.formatting import format_moment
from scheme.models import Scheme
from scheme.roles import access_for, require
from scheme.storage import download
from scheme.web import add_service_errors, get_visible_or_404, paginate_counted

SHOWN_MESSAGES = 50
# What "My messages" shows of a thread: only these are read (not two whole organisations).
MY_THREADS_COLUMNS = (
    "kind",
    "object_id",
    "title",
    "last_message_id",
    "last_message_at",
    "organisation__name",
    "last_side__name",
)


@never_cache
def my_threads(request):
    """The threads the person can read, those with unread messages first."""
    threads = (
        Thread.objects.visible_to(request.user)
        .filter(last_message_id__isnull=False)
        .with_unread(request.user)
        .select_related("organisation", "last_side")
        .only(*MY_THREADS_COLUMNS)
        .order_by("-unread", "-last_message_at", "-id")
    )
    page = paginate_counted(request, threads)
    context = {"page": page, "table_rows": _thread_rows(page.object_list)}
    return render(request, "conversations/my_threads.html", context)


def _thread_rows(threads) -> str:
    """The list's table rows, written here rather than by a template loop (a row's link and
    texts cost the template language several times as much); escaped as the template did."""
    words = {True: escape(_("new")), False: escape(_("read"))}
    return mark_safe("".join(_thread_row(thread, words) for thread in threads))


def _thread_row(thread, words) -> str:
    about = f"{escape(thread.kind_label)}: {escape(thread.title)}"
    if thread.unread:
        about = f"<strong>{about}</strong>"
    url = services.thread_url(thread.kind, thread.object_id)
    last = format_moment(thread.last_message_at)
    if thread.last_side:
        last = f"{last} ({escape(thread.last_side.name)})"
    return (
        "\n        <tr>\n"
        f'          <td><a href="{url}">{about}</a></td>\n'
        f"          <td>{escape(thread.organisation.name)}</td>\n"
        f"          <td>{last}</td>\n"
        f"          <td>{words[thread.unread]}</td>\n"
        "        </tr>\n      "
    )


def _shown_messages(thread, before):
    """The newest SHOWN_MESSAGES messages (before message ``before``), oldest first, and
    whether earlier ones exist."""
    if thread is None:
        return [], False
    newest = list(_newest_messages(bool(before), thread_id=thread.pk, before=before or 0))
    return list(reversed(newest[:SHOWN_MESSAGES])), len(newest) > SHOWN_MESSAGES


@kept(params=["thread_id", "before"])
def _newest_messages(earlier_only, thread_id, before):
    """The thread's newest SHOWN_MESSAGES + 1 messages (only those before message ``before``
    when ``earlier_only``), newest first."""
    messages = Message.objects.filter(thread_id=thread_id)
    if earlier_only:
        messages = messages.filter(pk__lt=before)
    messages = messages.select_related("author", "author_organisation", "withdrawn_by")
    return messages.prefetch_related("attachments").order_by("-id")[: SHOWN_MESSAGES + 1]


def _mark_editable(user, messages, read_by_others: int) -> None:
    """Set ``editable`` and ``withdrawable`` on each message; ``read_by_others``: how far
    anyone but the user has read the thread."""
    for message in messages:
        message.editable = services.may_edit(user, message, read=message.pk <= read_by_others)
        message.withdrawable = services.may_withdraw(user, message)


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@never_cache
def thread(request, kind, object_id):
    """The thread on a case object: its messages, and the reply form."""
    thread_kind, obj = services.case_object(request.user, kind, object_id)
    templates = services.templates_for(request.user, thread_kind.scheme(obj))
    form = MessageForm()
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if _send(request, form, kind, object_id, templates):
            return redirect("conversations:thread", kind=kind, object_id=object_id)
    current = services.thread_of(kind, object_id, reader=request.user)
    before = _before(request)
    shown, earlier = _shown_messages(current, before)
    others = current.read_by_others if current is not None else None
    _mark_editable(request.user, shown, read_by_others=others or 0)
    if current is not None and before is None:
        services.mark_read(request.user, current, read_up_to=current.last_read_id or 0)
    context = {
        "kind": thread_kind,
        "object": obj,
        "object_url": thread_kind.url(obj, request.user),
        "title": current.title if current else thread_kind.title(obj),
        "thread": current,
        "shown": shown,
        "earlier": earlier,
        "form": form,
        "insert_form": InsertTemplateForm(templates=templates) if templates else None,
        "may_invite": _may_invite(request.user, thread_kind, obj, current),
    }
    return render(request, "conversations/thread.html", context)


def _send(request, form, kind, object_id, templates) -> bool:
    """Post the message, or put the chosen template into the form; True when posted."""
    if "insert" in request.POST:
        chooser = InsertTemplateForm(request.POST, templates=templates)
        chooser.is_valid()
        typed = request.POST.get("body", "").rstrip()
        form.data = form.data.copy()
        form.data["body"] = "\n\n".join(part for part in (typed, chooser.chosen_text()) if part)
        form.errors.clear()
        return False
    if not form.is_valid():
        return False
    try:
        services.post_message(
            request.user, kind, object_id, form.cleaned_data["body"], form.cleaned_data["files"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    flash.success(request, _("Your message is sent."))
    return True


def _may_invite(user, thread_kind, obj, current) -> bool:
    if not thread_kind.caseworkers_invited:
        return False
    if current is not None and current.caseworkers_invited_at is not None:
        return False
    side = services.side_of(user, thread_kind, obj)
    return side is not None and not services.is_body(side)


@require_POST
def invite(request, kind, object_id):
    services.invite_caseworkers(request.user, kind, object_id)
    flash.success(request, _("The caseworkers are asked to join the conversation."))
    return redirect("conversations:thread", kind=kind, object_id=object_id)


def _own_message(request, pk) -> Message:
    message = get_visible_or_404(Message.objects.select_related("thread"), request.user, pk=pk)
    require(message.author_id == request.user.pk or request.user.is_superuser)
    return message


@never_cache
def edit(request, pk):
    """Change a message nobody else has read yet."""
    message = _own_message(request, pk)
    require(message.author_id == request.user.pk)
    form = MessageForm(initial={"body": message.body})
    del form.fields["files"]
    if request.method == "POST":
        form = MessageForm(request.POST)
        del form.fields["files"]
        if form.is_valid():
            try:
                services.edit_message(request.user, message.pk, form.cleaned_data["body"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                flash.success(request, _("The message is changed."))
                return redirect(
                    "conversations:thread",
                    kind=message.thread.kind,
                    object_id=message.thread.object_id,
                )
    return render(request, "conversations/edit.html", {"message": message, "form": form})


@require_POST
def withdraw(request, pk):
    message = _own_message(request, pk)
    try:
        services.withdraw_message(request.user, message.pk)
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(request, _("The message is withdrawn."))
    return redirect(
        "conversations:thread", kind=message.thread.kind, object_id=message.thread.object_id
    )


def attachment(request, pk):
    """A file on a message, for those who may read the thread (none once it is withdrawn)."""
    file = get_visible_or_404(MessageAttachment, request.user, pk=pk)
    return download(file.file, file.original_name)


# --- reply templates ----------------------------------------------------------------------------


def _administered_schemes(user):
    access = access_for(user)
    require(access.is_caseworker)
    return access.administered(Scheme.objects.all(), "administrator_id")


@never_cache
def templates(request):
    _administered_schemes(request.user)
    rows = ReplyTemplate.objects.visible_to(request.user).select_related("scheme")
    return render(request, "conversations/templates.html", {"templates": rows})


@never_cache
def template_edit(request, pk=None):
    schemes = _administered_schemes(request.user)
    instance = get_visible_or_404(ReplyTemplate, request.user, pk=pk) if pk else None
    form = ReplyTemplateForm(request.POST or None, instance=instance, schemes=schemes)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_reply_template(request.user, form.save(commit=False))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            flash.success(request, _("The reply template is saved."))
            return redirect("conversations:templates")
    return render(request, "conversations/template_edit.html", {"form": form, "template": instance})


@require_POST
def template_delete(request, pk):
    _administered_schemes(request.user)
    services.delete_reply_template(request.user, pk)
    flash.success(request, _("The reply template is deleted."))
    return redirect("conversations:templates")
