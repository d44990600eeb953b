"""Archive packages: case files and their documents as a ZIP for the archive.

- ``archive_case``: one case file;
- ``archive_period``: every case file closed in a period (local dates, both days included) of
  the administering bodies the user works for (admins: every body), named in the job's
  parameters ``start``, ``end`` (ISO dates) and ``bodies`` (ids).

The package holds each document's file and one XML file of metadata, ``arkivstruktur.xml``,
in the element names of the Noark 5 archive structure: ``arkiv`` > ``arkivdel`` > one
``klassifikasjonssystem`` per body > one ``klasse`` per archive code (its ``klasseID``, the
*ordningsverdi*) > ``mappe xsi:type="saksmappe"`` per case > ``registrering
xsi:type="journalpost"`` per registered document > ``dokumentbeskrivelse`` > ``dokumentobjekt``
naming the file in the ZIP, its SHA-256 checksum and size. The portal registers one document
per document number, so each journal entry has one main document (``dokumentnummer`` 1); the
document number ``2022/1234-3`` is the entry's ``registreringsID`` and its last part the
``journalpostnummer``. Names of private persons are kept: this is the archive, not the public
journal.

The files: a document the portal draws up itself (letters, receipts, messages) is drawn up
anew as PDF/A-2b by its renderer (``scheme.registry.document_renderer``). An uploaded document
is kept as received, byte for byte, and its format recorded as it is: a PDF is PDF/A only
when its XMP metadata says so (declared by the file, not validated here), otherwise the PDF
version of its header; other files by their type. Formats are PRONOM codes where the type
pins one down, otherwise the file's media type; ``variantformat`` is *Arkivformat* for
PDF/A and *Produksjonsformat* for the rest, which is not converted.

The values of Noark's code lists (``Inngående dokument``, ``Avsluttet``, ...) are the
standard's Norwegian words, and the other texts are written in the portal's language.
"""

import datetime
import functools
import hashlib
import io
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Organisation
from reports.builders import Builder, ReportError, id_in, register
from reports.pdf import ARCHIVE
from scheme import registry
from scheme.file_names import file_stem
from scheme.formatting import format_day
from scheme.records.models import CaseFile, Direction, RegistryEntry
from scheme.roles import OrganisationKind, access_for

ARKIVSTRUKTUR = "http://www.arkivverket.no/standarder/noark5/arkivstruktur"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
METADATA_FILE = "arkivstruktur.xml"
DOCUMENTS_FOLDER = "dokumenter"

# Stable systemIDs: the same case file or document has the same id in every package.
SYSTEM_IDS = uuid.UUID("6f1c2f0e-4d1b-5b8e-9a57-3c2d0a7e4b11")

# Noark 5 code lists (the standard's own words).
JOURNALPOSTTYPE = {
    Direction.INCOMING: "Inngående dokument",
    Direction.OUTGOING: "Utgående dokument",
    Direction.INTERNAL: "Organinternt dokument for oppfølging",
}
KORRESPONDANSEPARTTYPE = {
    Direction.INCOMING: "Avsender",
    Direction.OUTGOING: "Mottaker",
    Direction.INTERNAL: "Intern mottaker",
}
SAKSSTATUS_CLOSED, SAKSSTATUS_OPEN = "Avsluttet", "Under behandling"
JOURNALSTATUS_ARCHIVED, JOURNALSTATUS_JOURNALED = "Arkivert", "Journalført"
DOKUMENTSTATUS = "Dokumentet er ferdigstilt"
HOVEDDOKUMENT = "Hoveddokument"
ARKIVFORMAT, PRODUKSJONSFORMAT = "Arkivformat", "Produksjonsformat"
CHECKSUM_ALGORITHM = "SHA256"

# PRONOM codes (the National Archives' format registry), as Noark 5 asks for in ``format``.
PDF_A = {
    ("1", "A"): "fmt/95",
    ("1", "B"): "fmt/354",
    ("2", "A"): "fmt/476",
    ("2", "B"): "fmt/477",
    ("2", "U"): "fmt/478",
    ("3", "A"): "fmt/479",
    ("3", "B"): "fmt/480",
    ("3", "U"): "fmt/481",
}
PDF_VERSIONS = {
    "1.0": "fmt/14",
    "1.1": "fmt/15",
    "1.2": "fmt/16",
    "1.3": "fmt/17",
    "1.4": "fmt/18",
    "1.5": "fmt/19",
    "1.6": "fmt/20",
    "1.7": "fmt/276",
    "2.0": "fmt/1129",
}
# suffix -> (PRONOM code or "" when the suffix does not pin the version down, media type)
OOXML = "application/vnd.openxmlformats-officedocument"
OTHER_FORMATS = {
    "docx": ("fmt/412", f"{OOXML}.wordprocessingml.document"),
    "xlsx": ("fmt/214", f"{OOXML}.spreadsheetml.sheet"),
    "pptx": ("fmt/215", f"{OOXML}.presentationml.presentation"),
    "doc": ("fmt/40", "application/msword"),
    "xls": ("fmt/61", "application/vnd.ms-excel"),
    "ppt": ("fmt/126", "application/vnd.ms-powerpoint"),
    "odt": ("", "application/vnd.oasis.opendocument.text"),
    "ods": ("", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("", "application/vnd.oasis.opendocument.presentation"),
    "jpg": ("", "image/jpeg"),
    "jpeg": ("", "image/jpeg"),
    "png": ("", "image/png"),
}  # fmt: skip


# --- what the package is about ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The cases closed from ``start`` to ``end`` (both included) of ``bodies``."""

    start: datetime.date
    end: datetime.date
    bodies: tuple

    @property
    def body_ids(self) -> list[int]:
        return [body.pk for body in self.bodies]


def _day(parameters, name):
    try:
        return datetime.date.fromisoformat(parameters[name])
    except (KeyError, TypeError, ValueError):
        return None


def load_case(user, parameters):
    """The case file, if it is kept by a body the user works for."""
    pk = id_in(parameters, "case_file")
    if pk is None:
        return None
    return CaseFile.objects.kept_by(user).select_related("body").filter(pk=pk).first()


def case_allowed(user, case_file, parameters) -> bool:
    return access_for(user).may_order_archive([case_file.body_id])


def case_title(case_file) -> str:
    return str(gettext_lazy("Archive package of case %(number)s") % {"number": case_file.number})


def bodies_of(user) -> list[int]:
    """The administering bodies the user works for (admins: every body): whose closed cases
    a period's package holds."""
    bodies = Organisation.objects.filter(kind=OrganisationKind.ADMINISTRATOR)
    if not access_for(user).is_admin:
        bodies = bodies.filter(pk__in=access_for(user).administering_ids)
    return sorted(bodies.values_list("pk", flat=True))


def period_parameters(user, start, end) -> dict:
    """What the order form sends: the period and the bodies the user works for."""
    return {"start": start.isoformat(), "end": end.isoformat(), "bodies": bodies_of(user)}


def load_period(user, parameters):
    """The period and its bodies, when the parameters name a period and existing bodies."""
    start, end = _day(parameters, "start"), _day(parameters, "end")
    ids = parameters.get("bodies")
    if start is None or end is None or end < start:
        return None
    if not isinstance(ids, list) or not all(isinstance(pk, int) for pk in ids):
        return None
    bodies = tuple(
        Organisation.objects.filter(pk__in=ids, kind=OrganisationKind.ADMINISTRATOR).order_by(
            "name", "pk"
        )
    )
    if not bodies or len(bodies) != len(set(ids)):
        return None
    return Period(start, end, bodies)


def period_allowed(user, period, parameters) -> bool:
    return access_for(user).may_order_archive(period.body_ids)


def period_title(period) -> str:
    return str(
        gettext_lazy("Archive package of the cases closed %(start)s–%(end)s")
        % {"start": format_day(period.start), "end": format_day(period.end)}
    )


# --- building ------------------------------------------------------------------------------------


def build_case(case_file, parameters, progress):
    if case_file is None:
        raise ReportError(_("The case no longer exists, or you no longer work for its body."))
    content = write_package(CaseFile.objects.filter(pk=case_file.pk), progress)
    return content, f"archive-{case_file.year}-{case_file.sequence}.zip"


def build_period(period, parameters, progress):
    if period is None:
        raise ReportError(_("The period or the bodies of this package are no longer valid."))
    cases = closed_in(period)
    if not cases.exists():
        raise ReportError(_("No case was closed in the period."))
    content = write_package(cases, progress, period=period)
    return content, f"archive-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.zip"


def closed_in(period):
    """The case files of the period's bodies closed on its days (local time)."""
    tz = timezone.get_current_timezone()
    starts = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz)
    ends = datetime.datetime.combine(
        period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return CaseFile.objects.filter(
        body__in=period.body_ids, closed_at__gte=starts, closed_at__lt=ends
    )


def write_package(cases, progress, period=None) -> bytes:
    """The ZIP of ``cases`` (a CaseFile queryset): every document's file and the metadata."""
    progress(1, _("Gathering the cases"))
    cases = list(
        cases.select_related("body", "party", "caseworker", "closed_by")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=RegistryEntry.objects.select_related("caseworker", "approver").order_by(
                    "number"
                ),
            )
        )
        .order_by("body__name", "body_id", "year", "sequence")
    )
    total = sum(len(case.entries.all()) for case in cases)
    now = timezone.now()
    journal = JournalNumbers()
    in_portal_language = functools.partial(translation.override, settings.LANGUAGE_CODE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        with in_portal_language():
            writer = MetadataWriter(now=now, period=period)
        done = 0
        for case in cases:
            with in_portal_language():
                folder = writer.add_case(case)
            for entry in case.entries.all():
                done += 1
                progress(
                    2 + 93 * (done - 1) // total,
                    _("Document %(number)s (%(done)d of %(total)d)")
                    % {"number": entry.number_label, "done": done, "total": total},
                )
                if not entry.file and registry.document_renderer(entry.source_kind) is None:
                    raise ReportError(
                        _("Document %(number)s has no file, and the portal cannot draw it up.")
                        % {"number": entry.number_label}
                    )
                with in_portal_language():  # as the documents are drawn up when registered
                    document = document_for(entry, now)
                path = f"{_case_folder(case)}/{_file_stem(entry)}.{document.suffix}"
                package.writestr(path, document.content)
                with in_portal_language():
                    writer.add_entry(folder, case, entry, document, path, journal.number_of(entry))
            with in_portal_language():
                writer.finish_case(folder, case)
        progress(96, _("Writing the metadata"))
        package.writestr(METADATA_FILE, writer.xml())
    return buffer.getvalue()


def _case_folder(case) -> str:
    """Case numbers are per body: the body is part of the folder."""
    body = f"{case.body_id}-{file_stem(case.body.name)[:40] or 'body'}"
    return f"{DOCUMENTS_FOLDER}/{body}/{case.year}-{case.sequence}"


def _file_stem(entry) -> str:
    return f"{entry.case_file.year}-{entry.case_file.sequence}-{entry.number}"


class JournalNumbers:
    """Each entry's place in its body's journal for the year (``journalsekvensnummer``).

    The portal keeps no journal series of its own, so the number is derived: the entries of
    the body registered in the year, by time of registration (then id). It is the same in
    every package as long as no document is registered afterwards with an earlier time."""

    def __init__(self):
        self.numbers: dict[tuple, dict[int, int]] = {}

    def number_of(self, entry) -> tuple[int, int]:
        """(journalaar, journalsekvensnummer) of ``entry`` (its case file loaded)."""
        year = timezone.localtime(entry.registered_at).year
        key = (entry.case_file.body_id, year)
        if key not in self.numbers:
            tz = timezone.get_current_timezone()
            starts = datetime.datetime(year, 1, 1, tzinfo=tz)
            ends = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
            ids = (
                RegistryEntry.objects.filter(
                    case_file__body_id=key[0], registered_at__gte=starts, registered_at__lt=ends
                )
                .order_by("registered_at", "pk")
                .values_list("pk", flat=True)
            )
            self.numbers[key] = {pk: place for place, pk in enumerate(ids, start=1)}
        return year, self.numbers[key][entry.pk]


# --- the documents' files ------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFile:
    content: bytes
    suffix: str
    format: str  # PRONOM code, or the media type where the suffix pins no code down
    variant: str  # variantformat
    media_type: str
    created: datetime.datetime
    drawn_up: bool  # by the portal for this package (else stored as received)
    pdfa: tuple | None = None  # ("2", "B") when the PDF declares PDF/A
    pdf_version: str = ""

    def details(self) -> str:
        """``formatDetaljer``, in the active language (the metadata's)."""
        how = _("drawn up by the portal") if self.drawn_up else _("as received")
        if self.pdfa is not None:
            part, level = self.pdfa
            return f"PDF/A-{part}{level.lower()}, {how}"
        if self.pdf_version:
            return _("PDF %(version)s, not PDF/A, %(how)s") % {
                "version": self.pdf_version,
                "how": how,
            }
        return _("Not converted, %(how)s (.%(suffix)s)") % {"how": how, "suffix": self.suffix}


def document_for(entry, now) -> DocumentFile:
    """The file of a registered document for the archive: drawn up anew as PDF/A-2b when the
    portal draws such documents up, otherwise the stored file as received."""
    render = registry.document_renderer(entry.source_kind)
    if render is not None:
        content = render(entry, variant=ARCHIVE)
        return described(content, "pdf", now, drawn_up=True)
    with entry.file.open("rb") as stored:
        content = stored.read()
    name = entry.file_name or entry.file.name
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return described(content, suffix, entry.registered_at, drawn_up=False)


def described(content, suffix, created, *, drawn_up) -> DocumentFile:
    """The file with its format as it is, read from its bytes (PDF) or its type."""
    if content.startswith(b"%PDF-"):
        conformance = pdfa_conformance(content)
        code = PDF_A.get(conformance) if conformance else None
        if code is not None:
            return DocumentFile(
                content, "pdf", code, ARKIVFORMAT, "application/pdf", created, drawn_up,
                pdfa=conformance,
            )  # fmt: skip
        version = content[5:8].decode("ascii", "replace")
        return DocumentFile(
            content, "pdf", PDF_VERSIONS.get(version, "application/pdf"), PRODUKSJONSFORMAT,
            "application/pdf", created, drawn_up, pdf_version=version,
        )  # fmt: skip
    code, media_type = OTHER_FORMATS.get(suffix, ("", "application/octet-stream"))
    return DocumentFile(
        content, suffix, code or media_type, PRODUKSJONSFORMAT, media_type, created, drawn_up
    )


_METADATA_STREAM = re.compile(rb"/Type\s*/Metadata\b")
_PDFAID = re.compile(
    rb"pdfaid:(part|conformance)(?:\s*=\s*[\"']([^\"']*)[\"']|\s*>\s*([^<\s]*)\s*<)"
)


def pdfa_conformance(content: bytes) -> tuple[str, str] | None:
    """The PDF/A part and conformance level a PDF declares in its XMP metadata (``("2",
    "B")``), or None. The metadata stream is read whether compressed or not."""
    for match in _METADATA_STREAM.finditer(content):
        begins = content.find(b"stream", match.end())
        if begins < 0:
            continue
        dictionary = content[max(0, content.rfind(b"obj", 0, match.start())) : begins]
        data_starts = begins + len(b"stream")
        data_starts += 2 if content[data_starts : data_starts + 2] == b"\r\n" else 1
        ends = content.find(b"endstream", data_starts)
        data = content[data_starts : ends if ends > 0 else None]
        if b"/FlateDecode" in dictionary:
            try:
                data = zlib.decompressobj().decompress(data)
            except zlib.error:
                continue
        found = {}
        for name, attribute, element in _PDFAID.findall(data):
            found.setdefault(name.decode(), (attribute or element).decode("ascii", "replace"))
        if "part" in found and "conformance" in found:
            return found["part"].strip(), found["conformance"].strip().upper()
    return None


# --- the metadata --------------------------------------------------------------------------------


def _dt(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _person(user, fallback="") -> str:
    return str(user) if user is not None else fallback


def system_id(kind: str, pk) -> str:
    return str(uuid.uuid5(SYSTEM_IDS, f"{kind}:{pk}"))


def _add(parent, name, text=None, **attributes):
    element = ET.SubElement(parent, f"{{{ARKIVSTRUKTUR}}}{name}", attributes)
    if text is not None:
        element.text = str(text)
    return element


class MetadataWriter:
    """Builds ``arkivstruktur.xml``: each body's classification system and classes made as
    its first case in them comes."""

    def __init__(self, *, now, period=None):
        self.now = now
        self.portal = _("Grant portal")
        self.root = ET.Element(f"{{{ARKIVSTRUKTUR}}}arkiv")
        _add(self.root, "systemID", uuid.uuid4())
        _add(self.root, "tittel", _("Archive package from the grant portal"))
        _add(self.root, "opprettetDato", _dt(now))
        _add(self.root, "opprettetAv", self.portal)
        self.part = ET.Element(f"{{{ARKIVSTRUKTUR}}}arkivdel")
        _add(self.part, "systemID", uuid.uuid4())
        if period is not None:
            title = _("Cases closed %(start)s–%(end)s") % {
                "start": format_day(period.start),
                "end": format_day(period.end),
            }
        else:
            title = _("Case files")
        _add(self.part, "tittel", title)
        _add(self.part, "arkivdelstatus", "Avsluttet periode" if period else "Aktiv periode")
        _add(self.part, "dokumentmedium", "Elektronisk arkiv")
        _add(self.part, "opprettetDato", _dt(now))
        _add(self.part, "opprettetAv", self.portal)
        if period is not None:
            _add(self.part, "arkivperiodeStartDato", period.start.isoformat())
            _add(self.part, "arkivperiodeSluttDato", period.end.isoformat())
        self.systems = {}  # body id -> klassifikasjonssystem
        self.classes = {}  # (body id, code) -> klasse

    def _klasse(self, case):
        body = case.body
        if body.pk not in self.systems:
            creator = _add(self.root, "arkivskaper")
            _add(creator, "arkivskaperID", body.org_number or body.pk)
            _add(creator, "arkivskaperNavn", body.name)
            system = _add(self.part, "klassifikasjonssystem")
            _add(system, "systemID", system_id("klassifikasjonssystem", body.pk))
            _add(system, "tittel", _("Archive codes of %(body)s") % {"body": body.name})
            _add(system, "opprettetDato", _dt(self.now))
            _add(system, "opprettetAv", self.portal)
            self.systems[body.pk] = system
        key = (body.pk, case.classification)
        if key not in self.classes:
            klasse = _add(self.systems[body.pk], "klasse")
            _add(klasse, "systemID", system_id("klasse", f"{body.pk}:{case.classification}"))
            _add(klasse, "klasseID", case.classification)
            _add(klasse, "tittel", case.classification or _("No archive code"))
            _add(klasse, "opprettetDato", _dt(self.now))
            _add(klasse, "opprettetAv", self.portal)
            self.classes[key] = klasse
        return self.classes[key]

    def add_case(self, case):
        """The case's ``mappe``; its entries go in it, and the saksmappe's own elements after
        them (the order of the schema's type extension)."""
        mappe = _add(self._klasse(case), "mappe", **{f"{{{XSI}}}type": "saksmappe"})
        _add(mappe, "systemID", system_id("mappe", case.pk))
        _add(mappe, "mappeID", case.number)
        _add(mappe, "tittel", case.title)
        _add(mappe, "opprettetDato", _dt(case.opened_at))
        _add(mappe, "opprettetAv", _person(case.caseworker, self.portal))
        if case.closed_at is not None:
            _add(mappe, "avsluttetDato", _dt(case.closed_at))
            _add(mappe, "avsluttetAv", _person(case.closed_by, self.portal))
        if case.party is not None:
            part = _add(mappe, "part")
            _add(part, "partNavn", case.party.name)
            _add(part, "partRolle", capfirst(_("party")))
            if case.party.org_number:
                _add(part, "organisasjonsID", case.party.org_number)
        return mappe

    def finish_case(self, mappe, case):
        _add(mappe, "saksaar", case.year)
        _add(mappe, "sakssekvensnummer", case.sequence)
        _add(mappe, "saksdato", timezone.localtime(case.opened_at).date().isoformat())
        _add(mappe, "administrativEnhet", case.body.name)
        _add(mappe, "saksansvarlig", _person(case.caseworker))
        _add(mappe, "saksstatus", SAKSSTATUS_CLOSED if case.is_closed else SAKSSTATUS_OPEN)

    def add_entry(self, mappe, case, entry, document, path, journal_number):
        created_by = _person(entry.caseworker, self.portal)
        post = _add(mappe, "registrering", **{f"{{{XSI}}}type": "journalpost"})
        _add(post, "systemID", system_id("registrering", entry.pk))
        _add(post, "opprettetDato", _dt(entry.registered_at))
        _add(post, "opprettetAv", created_by)
        _add(post, "arkivertDato", _dt(entry.registered_at))
        _add(post, "arkivertAv", created_by)
        self._describe(post, entry, document, path, created_by)
        _add(post, "registreringsID", entry.number_label)
        _add(post, "tittel", entry.title)
        if entry.direction != Direction.INCOMING:  # our letters name both who wrote them
            for author in (entry.caseworker, entry.approver):
                if author is not None:
                    _add(post, "forfatter", str(author))
        year, sequence = journal_number
        _add(post, "journalaar", year)
        _add(post, "journalsekvensnummer", sequence)
        _add(post, "journalpostnummer", entry.number)
        _add(post, "journalposttype", JOURNALPOSTTYPE[entry.direction])
        _add(
            post,
            "journalstatus",
            JOURNALSTATUS_ARCHIVED if case.is_closed else JOURNALSTATUS_JOURNALED,
        )
        _add(post, "journaldato", timezone.localtime(entry.registered_at).date().isoformat())
        _add(post, "dokumentetsDato", entry.document_date.isoformat())
        if entry.direction == Direction.INCOMING:
            _add(post, "mottattDato", _dt(entry.registered_at))
        elif entry.direction == Direction.OUTGOING:
            _add(post, "sendtDato", _dt(entry.registered_at))
        party = _add(post, "korrespondansepart")
        _add(party, "korrespondanseparttype", KORRESPONDANSEPARTTYPE[entry.direction])
        _add(party, "korrespondansepartNavn", entry.party_name)
        _add(party, "administrativEnhet", case.body.name)
        _add(party, "saksbehandler", _person(entry.caseworker))

    def _describe(self, post, entry, document, path, created_by):
        description = _add(post, "dokumentbeskrivelse")
        _add(description, "systemID", system_id("dokumentbeskrivelse", entry.pk))
        _add(description, "dokumenttype", capfirst(entry.get_document_type_display()))
        _add(description, "dokumentstatus", DOKUMENTSTATUS)
        _add(description, "tittel", entry.title)
        _add(description, "opprettetDato", _dt(entry.registered_at))
        _add(description, "opprettetAv", created_by)
        _add(description, "tilknyttetRegistreringSom", HOVEDDOKUMENT)
        _add(description, "dokumentnummer", 1)
        _add(description, "tilknyttetDato", _dt(entry.registered_at))
        _add(description, "tilknyttetAv", created_by)
        item = _add(description, "dokumentobjekt")
        _add(item, "systemID", system_id("dokumentobjekt", f"{entry.pk}:{document.format}"))
        _add(item, "versjonsnummer", 1)
        _add(item, "variantformat", document.variant)
        _add(item, "format", document.format)
        _add(item, "formatDetaljer", document.details())
        _add(item, "opprettetDato", _dt(document.created))
        _add(item, "opprettetAv", self.portal if document.drawn_up else created_by)
        _add(item, "referanseDokumentfil", path)
        _add(item, "sjekksum", hashlib.sha256(document.content).hexdigest())
        _add(item, "sjekksumAlgoritme", CHECKSUM_ALGORITHM)
        _add(item, "filstoerrelse", len(document.content))
        _add(item, "mimeType", document.media_type)

    def xml(self) -> bytes:
        self.root.append(self.part)
        tree = ET.ElementTree(self.root)
        ET.indent(tree)
        out = io.BytesIO()
        tree.write(out, encoding="utf-8", xml_declaration=True)
        return out.getvalue()


ET.register_namespace("", ARKIVSTRUKTUR)
ET.register_namespace("xsi", XSI)


register(
    Builder(
        "archive_case",
        load=load_case,
        title=case_title,
        allowed=case_allowed,
        build=build_case,
    )
)
register(
    Builder(
        "archive_period",
        load=load_period,
        title=period_title,
        allowed=period_allowed,
        build=build_period,
    )
)
