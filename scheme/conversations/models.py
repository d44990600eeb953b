"""Threads on case objects, their messages and attachments, who has read what, and the
caseworkers' reply templates.

A thread belongs to one case object, named by its registered kind (``scheme.registry``
``ThreadKind``) and id; who may read and write it is the kind's rule, never stored here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme import registry
from scheme.compiled import per_access
from scheme.models import Scheme, free_text
from scheme.roles import access_for
from scheme.storage import PrivatePath, private_storage

MESSAGE_LENGTH = 4_000
MAX_MESSAGE_ATTACHMENTS = 5  # files on one message


@per_access
def _visible_thread_ids(user):
    """The ids of the threads the user may read: one SELECT per kind, joined by UNION ALL.

    Each can match its kind's threads to the kind's readable objects through an index, where
    one WHERE of OR'ed kinds made PostgreSQL hash every readable object first (for a
    caseworker: every organisation). Compiled once per access: building the four kinds' rules
    cost every page with a conversations panel more than running them.
    """
    per_kind = [
        Thread.objects.filter(kind=kind.code, object_id__in=kind.readable(user).values("pk"))
        .order_by()
        .values("pk")
        for kind in registry.thread_kinds()
    ]
    return per_kind[0].union(*per_kind[1:], all=True) if per_kind else None


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The threads on the case objects whose thread the user may read (one query)."""
        ids = self.visible_ids(user)
        return self.none() if ids is None else self.filter(pk__in=ids)

    def visible_ids(self, user):
        """``visible_to``'s ids, as a subquery (None: no kind is registered)."""
        return _visible_thread_ids(user)

    def with_read_state(self, user):
        """Each thread with ``last_read_id``: the newest message the user has read in it."""
        read = ReadState.objects.filter(thread=models.OuterRef("pk"), user=user)
        return self.annotate(last_read_id=models.Subquery(read.values("last_read_id")[:1]))

    def with_read_marks(self, user):
        """Each thread with ``last_read_id`` (``with_read_state``) and ``read_by_others``: the
        newest message anyone else has read in it (None: nobody)."""
        others = (
            ReadState.objects.filter(thread=models.OuterRef("pk"))
            .exclude(user=user)
            .order_by("-last_read_id")
        )
        return self.with_read_state(user).annotate(
            read_by_others=models.Subquery(others.values("last_read_id")[:1])
        )

    def with_unread(self, user):
        """Each thread with ``unread``: it has a message the user has not read (their own
        messages count as read)."""
        unread = Q(last_message_id__isnull=False) & (
            Q(last_read_id__isnull=True) | Q(last_message_id__gt=models.F("last_read_id"))
        )
        return self.with_read_state(user).annotate(
            unread=models.Case(
                models.When(unread, then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def unread_by(self, user):
        return self.with_unread(user).filter(unread=True)

    def waiting_for(self, organisation_ids):
        """Threads whose last message came from another organisation than these."""
        return self.filter(last_side__isnull=False).exclude(last_side_id__in=organisation_ids)


class Thread(models.Model):
    """The messages about one case object, shared by everyone who may see the object."""

    kind = models.CharField(_("kind"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("object id"))
    title = models.CharField(_("about"), max_length=200)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="threads",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    # Pairings: the pair may ask the caseworkers in (mentoring decides what that lets them see).
    caseworkers_invited_at = models.DateTimeField(_("caseworkers invited"), null=True, blank=True)
    # Kept up to date by the services, so lists need no look at the messages.
    last_message_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    last_side = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last written by"),
    )
    waiting_since = models.DateTimeField(
        _("waiting for an answer since"),
        null=True,
        blank=True,
        help_text=_("The first message from the last writer's side since the other side wrote."),
    )

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="thread_once_per_object")
        ]
        indexes = [models.Index(fields=["organisation", "-last_message_at"])]

    def __str__(self):
        return self.title

    @property
    def thread_kind(self):
        return registry.thread_kind(self.kind)

    @property
    def kind_label(self):
        return self.thread_kind.label


class MessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The messages in the threads the user may read (``Thread.visible_to``'s ids)."""
        ids = Thread.objects.visible_ids(user)
        return self.none() if ids is None else self.filter(thread_id__in=ids)


class Message(models.Model):
    """One message. It can be changed until someone else has read it; a wrong one is
    withdrawn: its text leaves the pages but stays in the row, for the record."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="messages", verbose_name=_("thread")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    author_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    body = free_text(_("message"), MESSAGE_LENGTH)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    edited_at = models.DateTimeField(_("changed"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.author}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def first_lines(self) -> str:
        """The start of the message, for notifications and lists."""
        lines = [line for line in self.body.splitlines() if line.strip()][:3]
        text = "\n".join(lines)
        return text if len(text) <= 300 else text[:299] + "…"


class MessageAttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The files of messages the user may read, while the message is not withdrawn."""
        return self.filter(
            message__in=Message.objects.visible_to(user), message__withdrawn_at__isnull=True
        )


class MessageAttachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), upload_to=PrivatePath("messages"), storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))

    objects = MessageAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class ReadState(models.Model):
    """How far one person has read one thread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_id = models.PositiveBigIntegerField(_("last message read"))
    read_at = models.DateTimeField(_("read"), default=timezone.now)

    class Meta:
        verbose_name = _("read state")
        verbose_name_plural = _("read states")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="read_state_once")]

    def __str__(self):
        return f"{self.user} – {self.thread}"


class ReplyTemplateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The caseworkers of the scheme's body (admins: all)."""
        return access_for(user).administered(self)


class ReplyTemplate(models.Model):
    """A caseworker's saved answer to a common question, in Norwegian and English."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="reply_templates", verbose_name=_("scheme")
    )
    title = models.CharField(_("title"), max_length=100)
    body_nb = free_text(_("text (Norwegian)"), MESSAGE_LENGTH)
    body_en = free_text(_("text (English)"), MESSAGE_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ReplyTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["scheme", "title"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "title"], name="reply_template_title_once")
        ]

    def __str__(self):
        return self.title

    def body_in(self, language: str) -> str:
        """The text in ``language`` (English when there is one), else the Norwegian."""
        return self.body_en if language.startswith("en") and self.body_en else self.body_nb
