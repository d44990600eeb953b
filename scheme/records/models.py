"""Case records: case files with case numbers, and the documents registered in them.

A case file (Noark 5 *saksmappe*) is opened for one case object of a registered kind
(``scheme.registry.CaseKind``), e.g. a grant application, and numbered in the administering
body's series ``year/sequence`` (``2022/1234``), gap-free: the sequence is taken under a lock
in the transaction that opens the case. Each document in it (*registreringsoppføring* /
*journalpost*) is numbered ``2022/1234-3``. Who may read a case is the kind's rule; the
journal is the administering body's.
"""

import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from scheme import registry
from scheme.roles import access_for
from scheme.storage import PrivatePath, private_storage

ONE_DAY = datetime.timedelta(days=1)
# A case number as typed in a search: ``2026/12``, ``12``, or a document number ``2026/12-3``.
CASE_NUMBER = re.compile(r"(?:(?P<year>\d{4})/)?(?P<sequence>\d{1,9})(?:-(?P<document>\d{1,9}))?")


class CaseSequence(models.Model):
    """The last case number an administering body gave in a year."""

    body = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("case number series")
        verbose_name_plural = _("case number series")
        constraints = [
            models.UniqueConstraint(fields=["body", "year"], name="one_series_per_body_and_year")
        ]

    def __str__(self):
        return f"{self.body_id}/{self.year}: {self.last}"


class CaseFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The case files of the case objects the user may see (the kinds' rules)."""
        conditions = [
            Q(kind=kind.code, object_id__in=kind.readable(user).values("pk"))
            for kind in registry.case_kinds()
        ]
        return self.filter(registry.any_of(conditions))

    def kept_by(self, user):
        """The case files of the administering bodies the user works for (admins: all)."""
        return access_for(user).administered(self, path="body_id")


class CaseFile(models.Model):
    body = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="case_files",
        verbose_name=_("administering body"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence number"))
    kind = models.CharField(_("kind"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=255)
    classification = models.CharField(
        _("archive code"),
        max_length=50,
        blank=True,
        help_text=_("Where the case is filed in the body's classification scheme."),
    )
    party = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("party"),
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caseworker"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    last_document = models.PositiveIntegerField(_("last document number"), default=0)

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "sequence"], name="one_case_number_per_body"
            ),
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_case_per_object"),
        ]
        indexes = [models.Index(fields=["body", "closed_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The case number, ``2022/1234``."""
        return f"{self.year}/{self.sequence}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def case_kind(self):
        """The registered kind of the case object (``scheme.registry.CaseKind``)."""
        return registry.case_kind(self.kind)


class Direction(models.TextChoices):
    """Noark 5's *journalposttype*."""

    INCOMING = "I", _("incoming")
    OUTGOING = "U", _("outgoing")
    INTERNAL = "N", _("internal note")


class DocumentType(models.TextChoices):
    APPLICATION = "application", _("application")
    ATTACHMENT = "attachment", _("attachment")
    DECISION = "decision", _("decision letter")
    REPORT = "report", _("grant report and accounts")
    PAYMENT = "payment", _("payment letter")
    CLAWBACK = "clawback", _("clawback decision")
    APPEAL = "appeal", _("appeal")
    MESSAGE = "message", _("message")


# What the public journal shows in place of a private person's name.
PRIVATE_PERSON = _("private person")


class RegistryEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The documents of the cases the user may see: every one for the caseworkers of the
        case's body (and admins); the incoming and outgoing ones for the others who see the
        case object (the organisation), never the body's internal notes."""
        access = access_for(user)
        entries = self.filter(case_file__in=CaseFile.objects.visible_to(user))
        if access.is_admin:
            return entries
        return entries.filter(
            Q(case_file__body_id__in=access.administering_ids) | ~Q(direction=Direction.INTERNAL)
        )

    def in_journal_of(self, user):
        """The documents in the journals of the bodies the user works for (admins: all)."""
        return access_for(user).administered(self, path="case_file__body_id")

    def journalled(self):
        """The incoming and outgoing documents: what the journal lists (internal notes are
        not journalled)."""
        return self.filter(direction__in=[Direction.INCOMING, Direction.OUTGOING])

    def registered_on(self, day):
        """The documents registered on ``day`` (a date in the portal's time zone)."""
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.filter(registered_at__gte=start, registered_at__lt=start + ONE_DAY)

    def with_case_number(self, text: str):
        """The documents of the cases whose number is ``text`` (``2026/12``), or whose
        sequence number is ``text`` (``12``, any year); ``2026/12-3`` finds that document."""
        match = CASE_NUMBER.fullmatch(text.strip().replace(" ", ""))
        if match is None:
            return self.none()
        year, sequence, document = match.group("year", "sequence", "document")
        entries = self.filter(case_file__sequence=int(sequence))
        if year:
            entries = entries.filter(case_file__year=int(year))
        if document:
            entries = entries.filter(number=int(document))
        return entries


class RegistryEntry(models.Model):
    """A document in a case file, with its document number."""

    case_file = models.ForeignKey(
        CaseFile, on_delete=models.PROTECT, related_name="entries", verbose_name=_("case")
    )
    number = models.PositiveIntegerField(_("document number"))
    direction = models.CharField(_("direction"), max_length=1, choices=Direction.choices)
    document_type = models.CharField(
        _("document type"), max_length=20, choices=DocumentType.choices
    )
    title = models.CharField(_("title"), max_length=255)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    document_date = models.DateField(_("document date"), default=timezone.localdate)
    # The sender of an incoming document, the recipient of an outgoing one.
    party_name = models.CharField(_("sender or recipient"), max_length=200, blank=True)
    party_is_person = models.BooleanField(
        _("sender or recipient is a private person"),
        default=False,
        help_text=_("The name is left out of the public journal."),
    )
    their_reference = models.CharField(_("their reference"), max_length=100, blank=True)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caseworker"),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # What the document was made from: a registered source kind ("grants.attachment") and id.
    source_kind = models.CharField(_("made from"), max_length=40)
    source_id = models.PositiveBigIntegerField(_("made from id"))
    file = models.FileField(
        _("file"), upload_to=PrivatePath("records"), storage=private_storage, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)

    objects = RegistryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("registered document")
        verbose_name_plural = _("registered documents")
        ordering = ["case_file", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_file", "number"], name="one_document_number_per_case"
            ),
        ]
        indexes = [
            models.Index(fields=["registered_at"]),
            models.Index(fields=["source_kind", "source_id"]),
        ]

    def __str__(self):
        return f"{self.number_label} {self.title}"

    @property
    def number_label(self) -> str:
        """The document number, ``2022/1234-3`` (the case file must be loaded with it)."""
        return f"{self.case_file.number}-{self.number}"

    @property
    def is_journalled(self) -> bool:
        return self.direction != Direction.INTERNAL

    @property
    def public_party_name(self) -> str:
        """The sender or recipient as the public journal shows them: a private person's name
        is left out."""
        return capfirst(str(PRIVATE_PERSON)) if self.party_is_person else self.party_name
