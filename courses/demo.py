"""Demo data for competence building: the annual plans for 2023 and 2024 and what was really
held (DOMAIN.md, "What happened"), with registrations, attendance, materials, a practical task
for two organisations, comments on the plans and the closing evaluation form with answers.

Planned: 2023 (shared in February) two gatherings, three joint meetings for mentors, two for
participants and two courses (board work, project development); 2024 two gatherings, two and
two joint meetings and two courses (one on privacy). Held: three digital courses (board work
and communication by Frivillighet Norge, mentoring by Likestillingssenteret in November 2023
for participants and mentors), three gatherings in IMDi's own premises in Oslo, on Saturdays,
with a full-day programme (January 2023, September 2023 and the closing one in October 2024; at
the closing one Aktivno's two places were taken and a third person stayed on the waiting list),
three digital joint meetings for mentors and two for participants. The second gathering was
planned for June 2023 and postponed to September (through ``services.postpone_event``: the
same event, its registrations kept). Most participant organisations brought two people to the
gatherings, the most allowed. Each held event is linked to the planned item it fulfils; the
mentoring course was held outside the plan.

Sources (the evaluation report, /work/shared/seed/000_94c58eddaf096e82.txt): "Hva ble
gjennomført?" (the plan for 2023 and 2024, the three digital courses on Teams in the evening
by Frivillighet Norge and Likestillingssenteret, the three gatherings and their programmes,
the joint meetings); "Fellessamlingene" (three physical gatherings, all in IMDi's premises in
Oslo, a full day each; participants "måtte ofre en helg"; most organisations came with two
people, the maximum; tasks at the courses, and the wish for tasks two and two); on IMDi's
follow-up ("de legger samlingene til helg"; "samling to utsatt i noen måneder").

Everything is made through ``courses/services.py`` with the demo logins as actors: the
caseworker ``saksbehandler@imdi.example``, ``leder@<name>.example`` and
``mentor@<name>.example``. The services work "now", so:

* registration needs the event open: while an event's people are registered its deadline is
  set to today, and then put back to the real one (a queryset update, not a service call);
* the same for the practical task's due date while it is handed in, and for the evaluation
  form's opening hours while it is answered;
* afterwards every timestamp the services wrote (on the courses rows, the timeline and the
  notifications) is moved back to the day it happened in the story; demo notifications are
  marked read and not e-mailed.

Running the loader again deletes the courses rows of the demo scheme (plans, events with
everything in them, forms and answers, their files, timeline lines and notifications) and
builds them again.
"""

import bisect
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import (
    AnnualPlan,
    Audience,
    Event,
    EventKind,
    FeedbackForm,
    HandIn,
    ItemKind,
    Material,
    PlanComment,
    PracticalTask,
    Registration,
    Response,
)
from organisations.models import CompetenceArea, Organisation
from scheme.demo import RowsWritten
from scheme.formatting import format_day
from scheme.models import Event as TimelineEvent
from scheme.models import Notification, Scheme, SchemeYear
from scheme.roles import OrganisationKind

SCHEME_SLUG = "proveordning-sma-organisasjoner"
CASEWORKER = "saksbehandler@imdi.example"
IMDI = "imdi"  # the administering body, as a presenter and provider
FRIVILLIGHET_NORGE = "Frivillighet Norge"
LIKESTILLINGSSENTERET = "Likestillingssenteret"

PARTICIPANTS = [
    "aktivno", "beatuscras", "gronland", "ifo", "internationals",
    "noorhald", "svetisava", "brobygger", "wadajir",
]  # fmt: skip
# The second person an organisation sometimes brings (no login in the portal).
COLLEAGUES = {
    "aktivno": "Irina Volkova",
    "beatuscras": "Katarzyna Nowak",
    "gronland": "Amina Hassan",
    "ifo": "Yusuf Ali",
    "internationals": "Priya Sharma",
    "noorhald": "Selam Tesfaye",
    "svetisava": "Milan Petrović",
    "brobygger": "Hodan Warsame",
    "wadajir": "Abdi Mohamed",
    "reddbarna": "Jonas Berg",
    "rodekors": "Ingrid Solheim",
}
# The mentor organisations at work in January 2023 (Norsk Folkehjelp was replaced by MiR in
# March 2023).
MENTORS_EARLY_2023 = [
    "caritas", "rodekors", "reddbarna", "lnu", "minotenk", "sanitet", "nfs", "folkehjelp", "kia",
]  # fmt: skip

# year: (drafted, shared with the organisations, introduction, items: (kind, month, topic,
# competence areas)); the 2023 plan was drafted in December and shared in February.
PLANS = {
    2023: (
        datetime.date(2022, 12, 1),
        datetime.date(2023, 2, 8),
        "Årsplanen for kompetanseheving i 2023: to fellessamlinger i Oslo, kurs på kveldstid "
        "på Teams og faste fellesmøter for mentorene og for deltakerne. Si gjerne fra hva dere "
        "ønsker mer eller mindre av.",
        [
            (ItemKind.GATHERING, 1, "Organisasjonsutvikling, rapportering og søknader",
             ["strategy", "reporting", "applications"]),
            (ItemKind.MENTOR_MEETING, 3, "Erfaringer fra oppstarten av mentorparene", []),
            (ItemKind.COURSE, 4, "Styrearbeid", ["board-work"]),
            (ItemKind.PARTICIPANT_MEETING, 6, "Halvveis i året: hva fungerer?", []),
            (ItemKind.GATHERING, 6, "Søknadsskriving og regnskap", ["applications", "accounts"]),
            (ItemKind.COURSE, 10, "Prosjektutvikling", ["applications", "strategy"]),
            (ItemKind.MENTOR_MEETING, 10, "Mentorrollen: hvem tar initiativet?", []),
            (ItemKind.PARTICIPANT_MEETING, 11, "Nettverk og samarbeid med kommunen", ["strategy"]),
            (ItemKind.MENTOR_MEETING, 12, "Oppsummering av året", []),
        ],
    ),
    2024: (
        datetime.date(2023, 12, 4),
        datetime.date(2024, 2, 5),
        "Årsplanen for 2024, det siste året i prøveordningen. Vi avslutter med en samling i "
        "oktober, der også evalueringen blir presentert.",
        [
            (ItemKind.COURSE, 3, "Kommunikasjon og synlighet", ["communication"]),
            (ItemKind.PARTICIPANT_MEETING, 4, "Rapportering og veien videre", ["reporting"]),
            (ItemKind.GATHERING, 5, "Frivillige: rekruttering og oppfølging", ["volunteers"]),
            (ItemKind.MENTOR_MEETING, 5, "Erfaringsdeling mellom mentorene", []),
            (ItemKind.COURSE, 9, "Personvern for små organisasjoner", ["privacy"]),
            (ItemKind.PARTICIPANT_MEETING, 9, "Søknader etter prøveperioden", ["applications"]),
            (ItemKind.MENTOR_MEETING, 10, "Avslutning av mentorparene", []),
            (ItemKind.GATHERING, 10, "Avslutningssamling", ["volunteers", "communication"]),
        ],
    ),
}  # fmt: skip

# year: [(organisation slug, days after sharing, comment)]
PLAN_COMMENTS = {
    2023: [
        ("aktivno", 2, "Kurs på kveldstid passer best for oss – alle har jobb ved siden av."),
        ("wadajir", 5, "Vi ønsker mer praktiske oppgaver og mindre foredrag på samlingene."),
        ("beatuscras", 9, "Kan noe fra samlingene strømmes for oss som bor langt fra Oslo?"),
        ("rodekors", 12, "Mentorene ønsker et fellesmøte tidlig i året for å dele erfaringer."),
    ],
    2024: [
        ("noorhald", 3, "Personvern er viktig for oss. Vi håper kurset blir noe av i år."),
        ("internationals", 8, "Gjerne øving i å presentere organisasjonen kort – en heispitch."),
    ],
}


@dataclass(frozen=True)
class Held:
    """One event as it was held, and who came."""

    year: int  # the scheme year and its plan
    item: int | None  # the index of the planned item it fulfils in PLANS[year], or None
    kind: str
    audience: str
    title: str
    day: datetime.date
    hours: tuple  # (from, to) as (hour, minute)
    cost: Decimal
    description: str
    areas: list = field(default_factory=list)
    provider: str = IMDI  # a demo slug, or a name of an organisation not in the portal
    programme: list = field(default_factory=list)  # (time, title, presenter slug or name)
    participants: list = field(default_factory=list)  # slugs; a "+" suffix brings a colleague
    mentors: list = field(default_factory=list)
    cancelled: list = field(default_factory=list)  # registrations cancelled: (slug, colleague)
    absent: list = field(default_factory=list)  # (slug, colleague) registered who did not come
    waiting: list = field(default_factory=list)  # (slug, name) on the full organisation's list
    first_planned: datetime.date | None = None  # the day first planned, when it was postponed

    @property
    def digital(self) -> bool:
        return self.kind != EventKind.GATHERING


# The gatherings were held in the administering body's own premises in Oslo, on Saturdays.
IMDI_PREMISES = "IMDi, Tollbugata 20, 0152 Oslo"
# The second gathering, planned for June 2023, was postponed to September.
POSTPONED_ON = datetime.date(2023, 5, 8)
POSTPONE_REASON = (
    "Flere organisasjoner kan ikke komme i juni. Vi flytter samlingen til lørdag 23. september; "
    "påmeldingene gjelder fortsatt."
)

HELD = [
    Held(
        2023, 0, EventKind.GATHERING, Audience.BOTH,
        "Fellessamling i Oslo: organisasjonsutvikling, rapportering og søknader",
        datetime.date(2023, 1, 28), ((9, 30), (16, 0)), Decimal("78000"),
        "Den første fellessamlingen for deltakerne og mentorene. Minotenk om "
        "organisasjonsutvikling, IMDi om rapportering og søknader, og tid til mentorparene.",
        ["strategy", "reporting", "applications"],
        programme=[
            ((9, 30), "Velkommen og bli kjent", IMDI),
            ((10, 0), "Organisasjonsutvikling: fra ildsjel til organisasjon", "minotenk"),
            ((12, 0), "Lunsj", ""),
            ((13, 0), "Rapportering og søknader: slik leser IMDi dem", IMDI),
            ((14, 45), "Mentorparene møtes", ""),
            ((15, 45), "Oppsummering", IMDI),
        ],
        participants=["aktivno+", "beatuscras", "gronland+", "ifo", "internationals+",
                      "noorhald", "svetisava+", "brobygger", "wadajir+"],
        mentors=MENTORS_EARLY_2023,
        absent=[("ifo", False), ("folkehjelp", False)],
    ),
    Held(
        2023, 1, EventKind.JOINT_MEETING, Audience.MENTORS,
        "Fellesmøte for mentorene: erfaringer fra oppstarten",
        datetime.date(2023, 3, 14), ((14, 0), (15, 30)), Decimal("0"),
        "Hvordan har de første møtene i parene gått? Vi deler erfaringer og tips.",
        mentors=["caritas", "rodekors", "reddbarna", "lnu", "minotenk", "sanitet", "nfs", "mir"],
        absent=[("sanitet", False)],
    ),
    Held(
        2023, 2, EventKind.COURSE, Audience.PARTICIPANTS, "Kurs i styrearbeid",
        datetime.date(2023, 4, 18), ((18, 0), (20, 0)), Decimal("18000"),
        "Digitalt kveldskurs med Frivillighet Norge: styrets oppgaver, årsmøtet og vedtektene.",
        ["board-work"], provider=FRIVILLIGHET_NORGE,
        participants=["aktivno+", "beatuscras+", "gronland", "noorhald+", "svetisava",
                      "brobygger", "wadajir"],
        absent=[("wadajir", False)],
    ),
    Held(
        2023, 3, EventKind.JOINT_MEETING, Audience.PARTICIPANTS,
        "Fellesmøte for deltakerne: halvveis i året",
        datetime.date(2023, 6, 7), ((18, 0), (19, 30)), Decimal("0"),
        "Hva fungerer, og hva trenger dere mer av? Et kort digitalt møte på Teams.",
        participants=["aktivno", "beatuscras", "gronland", "internationals", "noorhald",
                      "svetisava", "brobygger"],
        absent=[("beatuscras", False)],
    ),
    Held(
        2023, 4, EventKind.GATHERING, Audience.BOTH,
        "Fellessamling i Oslo: søknadsskriving og regnskap",
        datetime.date(2023, 9, 23), ((9, 30), (16, 0)), Decimal("84000"),
        "LNU lærer bort søknadsskriving med øvelser, og IMDi går gjennom regnskap og "
        "regnskapsrapporten. To og to organisasjoner får en felles oppgave.",
        ["applications", "accounts"],
        programme=[
            ((9, 30), "Velkommen", IMDI),
            ((9, 45), "Søknadsskriving: fra idé til søknad, med øvelser", "lnu"),
            ((12, 0), "Lunsj", ""),
            ((12, 45), "Regnskap og regnskapsrapporten – når trengs revisor?", IMDI),
            ((14, 30), "Felles oppgave to og to", ""),
            ((15, 30), "Mentorparene møtes", ""),
        ],
        participants=["aktivno+", "beatuscras+", "gronland+", "ifo+", "internationals+",
                      "noorhald", "svetisava+", "brobygger+"],
        mentors=["caritas", "rodekors", "reddbarna+", "lnu", "minotenk", "sanitet", "nfs", "mir"],
        cancelled=[("beatuscras", True)],
        absent=[("noorhald", False), ("brobygger", True)],
        first_planned=datetime.date(2023, 6, 10),
    ),
    Held(
        2023, 6, EventKind.JOINT_MEETING, Audience.MENTORS,
        "Fellesmøte for mentorene: hvem tar initiativet?",
        datetime.date(2023, 10, 24), ((14, 0), (15, 30)), Decimal("0"),
        "Når møtene glipper: hvordan holder vi kontakten, og når sier vi fra til IMDi?",
        mentors=["caritas", "rodekors", "reddbarna", "lnu", "minotenk", "nfs", "mir", "kia"],
        absent=[("kia", False)],
    ),
    Held(
        2023, None, EventKind.COURSE, Audience.BOTH,
        "Kurs i mentoring for deltakere og mentorer",
        datetime.date(2023, 11, 15), ((18, 0), (20, 30)), Decimal("22000"),
        "Likestillingssenteret om mentorrollen: forventninger, grenser og hvordan paret "
        "får mest ut av møtene. For både deltakerne og mentorene.",
        ["strategy", "volunteers"], provider=LIKESTILLINGSSENTERET,
        participants=["aktivno", "gronland", "ifo", "internationals", "noorhald", "brobygger"],
        mentors=["caritas", "reddbarna", "lnu", "minotenk", "sanitet", "mir", "kia"],
        absent=[("ifo", False), ("sanitet", False)],
    ),
    Held(
        2024, 0, EventKind.COURSE, Audience.PARTICIPANTS, "Kurs i kommunikasjon",
        datetime.date(2024, 3, 12), ((18, 0), (20, 0)), Decimal("16000"),
        "Frivillighet Norge om nettside, sosiale medier og nyhetsbrev for små organisasjoner.",
        ["communication"], provider=FRIVILLIGHET_NORGE,
        participants=["aktivno", "beatuscras+", "ifo", "internationals+", "noorhald",
                      "svetisava", "brobygger", "wadajir"],
        absent=[("svetisava", False)],
    ),
    Held(
        2024, 1, EventKind.JOINT_MEETING, Audience.PARTICIPANTS,
        "Fellesmøte for deltakerne: rapportering og veien videre",
        datetime.date(2024, 4, 16), ((18, 0), (19, 30)), Decimal("0"),
        "Hva skal til for å søke prosjektmidler etter prøveperioden?",
        ["reporting"],
        participants=["aktivno", "gronland", "ifo", "internationals", "svetisava", "wadajir"],
    ),
    Held(
        2024, 3, EventKind.JOINT_MEETING, Audience.MENTORS,
        "Fellesmøte for mentorene: erfaringsdeling",
        datetime.date(2024, 5, 22), ((14, 0), (15, 30)), Decimal("0"),
        "Hva har mentorene lært, og hva bør en ny ordning gjøre annerledes?",
        mentors=["caritas", "rodekors", "reddbarna", "minotenk", "nfs", "mir"],
    ),
    Held(
        2024, 7, EventKind.GATHERING, Audience.BOTH,
        "Avslutningssamling i Oslo",
        datetime.date(2024, 10, 19), ((9, 30), (16, 0)), Decimal("89000"),
        "Avslutningen av prøveordningen: evalueringsskjema, trygg frivillighet med Redd Barna "
        "og verksted i heispitch med Frivillighet Norge.",
        ["volunteers", "communication"],
        programme=[
            ((9, 30), "Velkommen og evalueringsskjema", IMDI),
            ((10, 15), "Trygg frivillighet: politiattest, taushetsplikt og gode rutiner",
             "reddbarna"),
            ((12, 0), "Lunsj", ""),
            ((12, 45), "Verksted: heispitch – presenter organisasjonen på to minutter",
             FRIVILLIGHET_NORGE),
            ((14, 45), "Mentorparene snakker om veien videre", ""),
            ((15, 30), "Avslutning", IMDI),
        ],
        participants=["aktivno+", "beatuscras+", "gronland+", "ifo", "internationals+",
                      "noorhald+", "svetisava", "brobygger+", "wadajir"],
        mentors=["caritas", "rodekors+", "reddbarna", "lnu", "minotenk", "sanitet", "nfs", "mir",
                 "kia"],
        absent=[("svetisava", False), ("gronland", True)],
        waiting=[("aktivno", "Oksana Melnyk")],  # Aktivno's two places were taken
    ),
]  # fmt: skip

MATERIALS = {
    0: [
        ("Lysark: Organisasjonsutvikling (Minotenk)", "organisasjonsutvikling.pdf"),
        ("Lysark: Rapportering og søknader (IMDi)", "rapportering-og-soknader.pdf"),
    ],
    2: [("Lysark: Styrearbeid (Frivillighet Norge)", "styrearbeid.pdf")],
    4: [
        ("Lysark: Søknadsskriving (LNU)", "soknadsskriving.pdf"),
        ("Sjekkliste: regnskapsrapporten (IMDi)", "regnskapsrapporten.pdf"),
    ],
    6: [("Lysark: Mentorrollen (Likestillingssenteret)", "mentorrollen.pdf")],
    7: [("Lysark: Kommunikasjon (Frivillighet Norge)", "kommunikasjon.pdf")],
    10: [
        ("Lysark: Trygg frivillighet (Redd Barna)", "trygg-frivillighet.pdf"),
        ("Mal: heispitch på to minutter", "heispitch.pdf"),
    ],
}

TASK = {
    "event": 4,
    "title": "Felles søknadsskisse",
    "description": (
        "Skriv sammen en skisse på én side til en søknad om et felles arrangement i Oslo: mål, "
        "målgruppe, aktiviteter og et enkelt budsjett. Bruk malen fra LNU."
    ),
    "organisations": ["gronland", "internationals"],
    "due_on": datetime.date(2023, 10, 20),
    "hand_ins": [
        ("gronland", datetime.date(2023, 10, 12), "Vi foreslår en familiedag på Tøyen med "
         "karriereveiledning for foreldrene. Skissen ligger vedlagt.", True),
        ("internationals", datetime.date(2023, 10, 19), "Skissen er skrevet sammen med Grønland "
         "foreldre og barn gruppe. Vi tar ansvar for karriereverkstedet og budsjettet.", False),
    ],
}  # fmt: skip

FORM_TITLE = "Avslutningsskjema for prøveordningen"
FORM_INTRODUCTION = (
    "Takk for at dere var med i prøveordningen! Svarene er anonyme: IMDi og følgeevaluatorene "
    "ser bare samlede tall og tekster uten navn."
)
CONTINUE = ["Ja", "Kanskje", "Nei"]
USEFUL = ["Tilskuddet", "Mentoren", "Kursene", "Fellessamlingene", "Nettverket"]
FORM_QUESTIONS = [
    ("rating", "Hvor nyttig har prøveordningen vært for organisasjonen deres?", [], True),
    ("rating", "Hvor nyttige var kursene og samlingene?", [], True),
    ("single", "Vil dere være med i en lignende ordning?", CONTINUE, True),
    ("multiple", "Hva har vært mest nyttig?", USEFUL, True),
    ("text", "Hva bør IMDi gjøre annerledes?", [], False),
]
FORM_OPENS = (datetime.date(2024, 10, 19), 9)
FORM_CLOSES = (datetime.date(2024, 11, 15), 23)
# slug: (days after the gathering, usefulness, courses, continue, most useful, free text);
# Serbisk forening Sveti Sava did not answer, nor did Norsk Folkehjelp (replaced in 2023).
FORM_ANSWERS = {
    "aktivno": (0, 5, 4, "Ja", ["Tilskuddet", "Mentoren", "Kursene"],
                "Mer praktiske oppgaver og færre foredrag."),
    "beatuscras": (1, 4, 3, "Ja", ["Tilskuddet", "Nettverket"],
                   "Samlingene kunne vært strømmet for dem som bor langt unna."),
    "gronland": (0, 5, 5, "Ja", ["Mentoren", "Fellessamlingene", "Nettverket"], ""),
    "ifo": (6, 4, 3, "Kanskje", ["Tilskuddet", "Kursene"],
            "Kortere og enklere informasjon, og oftere."),
    "internationals": (2, 4, 4, "Ja", ["Nettverket", "Fellessamlingene"],
                       "Gruppementoring kan nå flere organisasjoner."),
    "noorhald": (3, 4, 4, "Ja", ["Tilskuddet", "Mentoren"], ""),
    "brobygger": (4, 4, 5, "Ja", ["Mentoren", "Kursene"],
                  "Bytt mentor tidligere når det ikke fungerer."),
    "wadajir": (9, 3, 3, "Kanskje", ["Tilskuddet"],
                "Vi trengte hjelp oftere med søknader og regnskap."),
    "caritas": (1, 5, 4, "Ja", ["Mentoren", "Nettverket"], ""),
    "rodekors": (2, 4, 4, "Ja", ["Mentoren", "Fellessamlingene"],
                 "Gi mentorene en profil av organisasjonen fra starten, ikke bare et navn."),
    "reddbarna": (0, 5, 4, "Ja", ["Mentoren", "Tilskuddet"], ""),
    "lnu": (5, 3, 4, "Kanskje", ["Kursene", "Fellessamlingene"],
            "Faste møtetider fra starten hadde hjulpet."),
    "minotenk": (3, 4, 4, "Ja", ["Nettverket", "Mentoren"], ""),
    "sanitet": (7, 4, 3, "Ja", ["Mentoren"], "Flere fysiske møter når avstanden er stor."),
    "mir": (2, 4, 4, "Ja", ["Mentoren", "Kursene"], ""),
    "nfs": (8, 4, 4, "Ja", ["Tilskuddet", "Mentoren", "Nettverket"], ""),
    "kia": (12, 3, 3, "Kanskje", ["Tilskuddet", "Fellessamlingene"], ""),
}  # fmt: skip


def _pdf(title: str, lines) -> bytes:
    """A small, valid one-page PDF with a title and a few lines of text."""

    def text(value):
        raw = value.encode("cp1252", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    content = b"BT /F1 18 Tf 72 770 Td (" + text(title) + b") Tj /F1 11 Tf"
    for line in lines:
        content += b" 0 -24 Td (" + text(line) + b") Tj"
    content += b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class _Clock:
    """Moves what the services stamped "now" back to the moment it happened in the story."""

    def __init__(self, written: RowsWritten):
        self.written = written  # the rows the demo wrote: only they are dated
        self.started = timezone.now()
        self.calls = []  # (real time before the call, the story's moment)
        self.stamps = {}  # (model, field names) -> {pk: values}

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(moment, self.started - datetime.timedelta(minutes=1))

    def do(self, moment, service, *args, **kwargs):
        self.calls.append((timezone.now(), moment))
        return service(*args, **kwargs)

    def set(self, model, pk, **values):
        self.stamps.setdefault((model, tuple(sorted(values))), {})[pk] = values

    def _stamped_since_start(self, model):
        return model.objects.filter(pk__in=self.written.pks(model), created_at__gte=self.started)

    def apply(self):
        """Date the timeline lines and notifications made since the start by the call that
        made them (read the next morning, never e-mailed), and the rows' own stamps."""
        starts = [real for real, _moment in self.calls]

        def moment_of(created_at):
            return self.calls[max(bisect.bisect_right(starts, created_at) - 1, 0)][1]

        events = list(self._stamped_since_start(TimelineEvent))
        for event in events:
            event.created_at = moment_of(event.created_at)
        TimelineEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
        notifications = list(self._stamped_since_start(Notification))
        for notification in notifications:
            notification.created_at = moment_of(notification.created_at)
            notification.read_at = notification.created_at + datetime.timedelta(hours=20)
            notification.email_to = ""
        Notification.objects.bulk_update(
            notifications, ["created_at", "read_at", "email_to"], batch_size=500
        )
        for (model, names), rows in self.stamps.items():
            objects = [model(pk=pk, **values) for pk, values in rows.items()]
            model.objects.bulk_update(objects, names, batch_size=500)


def _reset(scheme):
    """Delete the courses rows of the demo scheme, their files, timeline lines and
    notifications."""
    events = Event.objects.filter(scheme_year__scheme=scheme)
    plans = AnnualPlan.objects.filter(scheme_year__scheme=scheme)
    forms = FeedbackForm.objects.filter(scheme=scheme)
    tasks = PracticalTask.objects.filter(event__in=events)
    urls = [reverse("courses:event", args=[pk]) for pk in events.values_list("pk", flat=True)]
    urls += [reverse("courses:task", args=[pk]) for pk in tasks.values_list("pk", flat=True)]
    urls += [
        reverse("courses:plan", args=[year])
        for year in plans.values_list("scheme_year__year", flat=True)
    ]
    Notification.objects.filter(url__in=urls).delete()
    for model, queryset in ((Event, events), (AnnualPlan, plans), (FeedbackForm, forms)):
        TimelineEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(model),
            target_id__in=list(queryset.values_list("pk", flat=True)),
        ).delete()
    files = [m.file for m in Material.objects.filter(event__in=events)]
    files += [h.file for h in HandIn.objects.filter(task__in=tasks).exclude(file="")]
    forms.delete()
    Registration.objects.filter(event__in=events).delete()
    events.delete()
    plans.delete()
    for stored in files:
        stored.storage.delete(stored.name)


class _Builder:
    def __init__(self, log, scheme, written):
        self.log = log
        self.scheme = scheme
        self.clock = _Clock(written)
        self.today = timezone.localdate()
        self.years = {year.year: year for year in SchemeYear.objects.filter(scheme=scheme)}
        users = get_user_model().objects.filter(
            Q(email=CASEWORKER) | Q(email__startswith="leder@") | Q(email__startswith="mentor@"),
            email__endswith=".example",
        )
        self.users = {user.email: user for user in users}
        self.caseworker = self.users[CASEWORKER]
        self.organisations = {IMDI: scheme.administrator}
        prefix = {OrganisationKind.PARTICIPANT: "leder@", OrganisationKind.MENTOR: "mentor@"}
        demo = Organisation.objects.filter(is_demo=True, kind__in=list(prefix)).prefetch_related(
            "memberships__user"
        )
        for organisation in demo:
            for membership in organisation.memberships.all():
                email = membership.user.email
                if email in self.users and email.startswith(prefix[organisation.kind]):
                    self.organisations[email.split("@")[1].removesuffix(".example")] = organisation
        self.areas = {area.code: area for area in CompetenceArea.objects.all()}
        self.plans = {}
        self.items = {}
        self.events = []

    def user(self, slug):
        organisation = self.organisations[slug]
        prefix = "mentor" if organisation.kind == OrganisationKind.MENTOR else "leder"
        return self.users[f"{prefix}@{slug}.example"]

    def codes(self, codes):
        return [self.areas[code] for code in codes]

    # --- the plans ----------------------------------------------------------------------------

    def plan(self, year):
        saved, shared, introduction, items = PLANS[year]
        at = self.clock.at
        plan = self.clock.do(
            at(saved, 9), services.save_plan, self.caseworker, self.years[year],
            introduction=introduction,
        )  # fmt: skip
        self.items[year] = [
            self.clock.do(
                at(saved, 9, 10 + index),
                services.save_planned_item,
                self.caseworker,
                plan,
                kind=kind,
                month=month,
                topic=topic,
                competence_areas=self.codes(areas),
            )
            for index, (kind, month, topic, areas) in enumerate(items)
        ]
        plan = self.clock.do(at(shared, 10), services.share_plan, self.caseworker, plan)
        for slug, days, text in PLAN_COMMENTS[year]:
            comment = self.clock.do(
                at(shared + datetime.timedelta(days=days), 20),
                services.comment_on_plan,
                self.user(slug),
                plan,
                self.organisations[slug],
                text,
            )
            self.clock.set(
                PlanComment,
                comment.pk,
                created_at=at(shared + datetime.timedelta(days=days), 20),
            )
        self.clock.set(AnnualPlan, plan.pk, shared_at=at(shared, 10), updated_at=at(shared, 10))
        self.plans[year] = plan

    # --- the events ---------------------------------------------------------------------------

    def moment(self, day, hour_minute):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(*hour_minute)))

    def event(self, index, held: Held):
        at = self.clock.at
        gathering = held.kind == EventKind.GATHERING
        planned_day = held.first_planned or held.day
        created = planned_day - datetime.timedelta(days=42 if gathering else 28)
        deadline = planned_day - datetime.timedelta(days=7 if gathering else 2)
        provider = self.organisations.get(held.provider)
        link = f"https://teams.example/imdi-kompetanse-{held.day:%Y%m%d}" if held.digital else ""
        event = self.clock.do(
            at(created, 11),
            services.save_event,
            self.caseworker,
            scheme_year=self.years[held.year],
            planned_item=None if held.item is None else self.items[held.year][held.item],
            kind=held.kind,
            audience=held.audience,
            title=held.title,
            description=held.description,
            provider=provider,
            provider_name="" if provider else held.provider,
            starts_at=self.moment(planned_day, held.hours[0]),
            ends_at=self.moment(planned_day, held.hours[1]),
            is_digital=held.digital,
            place="" if held.digital else IMDI_PREMISES,
            at_administrator=not held.digital,
            meeting_link=link,
            registration_deadline=deadline,
            cost=held.cost,
            competence_areas=self.codes(held.areas),
        )
        if held.programme:
            items = []
            for time, title, presenter in held.programme:
                organisation = self.organisations.get(presenter)
                name = "" if organisation or not presenter else presenter
                items.append((datetime.time(*time), title, organisation, name))
            self.clock.do(
                at(created, 11, 30), services.save_programme, self.caseworker, event, items
            )
        registrations = self.register(event, held, created, deadline)
        if held.first_planned:
            self.postpone(event, held)
        self.attendance(event, held, registrations)
        for number, (title, filename) in enumerate(MATERIALS.get(index, [])):
            upload = SimpleUploadedFile(
                filename,
                _pdf(title, [held.title, f"{held.day:%d.%m.%Y}", "Demodata."]),
                content_type="application/pdf",
            )
            moment = at(held.day + datetime.timedelta(days=1), 12, number)
            material = self.clock.do(
                moment, services.add_material, self.caseworker, event, title=title, upload=upload
            )
            self.clock.set(Material, material.pk, uploaded_at=moment)
        self.events.append(event)
        return event

    def register(self, event, held: Held, created, deadline):
        """Register who came (and who cancelled, and who was left on a waiting list) while
        registration was open."""
        people = []  # (slug, colleague)
        for entry in held.participants + held.mentors:
            slug = entry.rstrip("+")
            people.append((slug, False))
            if entry.endswith("+"):
                people.append((slug, True))
        span = max((deadline - created).days - 2, 1)
        Event.objects.filter(pk=event.pk).update(registration_deadline=self.today)
        registrations = {}
        for number, (slug, colleague) in enumerate(people):
            leader = self.user(slug)
            day = created + datetime.timedelta(days=2 + (number * 5) % span)
            moment = self.clock.at(day, 9 + number % 10, (number * 7) % 60)
            registration = self.clock.do(
                moment,
                services.register,
                leader,
                event,
                self.organisations[slug],
                person_name=COLLEAGUES[slug] if colleague else leader.full_name,
                person=None if colleague else leader,
            )
            self.clock.set(Registration, registration.pk, registered_at=moment)
            registrations[(slug, colleague)] = registration
        for number, (slug, name) in enumerate(held.waiting):
            moment = self.clock.at(deadline - datetime.timedelta(days=2), 11, number)
            entry = self.clock.do(
                moment,
                services.join_waiting_list,
                self.user(slug),
                event,
                self.organisations[slug],
                person_name=name,
            )
            self.clock.set(Registration, entry.pk, registered_at=moment)
        for slug, colleague in held.cancelled:
            moment = self.clock.at(deadline - datetime.timedelta(days=1), 15)
            registration = registrations[(slug, colleague)]
            self.clock.do(moment, services.cancel_registration, self.user(slug), registration)
            self.clock.set(Registration, registration.pk, cancelled_at=moment)
        Event.objects.filter(pk=event.pk).update(registration_deadline=deadline)
        return registrations

    def postpone(self, event, held: Held):
        """Postpone the event from its first planned day to the day it was held, through the
        service. The service postpones only what has not started, to a later start, so the
        two days are moved to the days after today while it runs, and back afterwards (with
        the dates in its message and timeline line)."""
        shift = (self.today - held.first_planned).days + 1
        first, then = (held.first_planned, held.day)
        deadline = then - datetime.timedelta(days=7)

        def ahead(day, hour_minute):
            return self.moment(day + datetime.timedelta(days=shift), hour_minute)

        Event.objects.filter(pk=event.pk).update(
            starts_at=ahead(first, held.hours[0]), ends_at=ahead(first, held.hours[1])
        )
        event.refresh_from_db()
        moment = self.clock.at(POSTPONED_ON, 10)
        self.clock.do(
            moment,
            services.postpone_event,
            self.caseworker,
            event,
            starts_at=ahead(then, held.hours[0]),
            ends_at=ahead(then, held.hours[1]),
            registration_deadline=deadline + datetime.timedelta(days=shift),
            reason=POSTPONE_REASON,
        )
        Event.objects.filter(pk=event.pk).update(
            first_starts_at=self.moment(first, held.hours[0]),
            starts_at=self.moment(then, held.hours[0]),
            ends_at=self.moment(then, held.hours[1]),
            registration_deadline=deadline,
            postponed_at=moment,
        )
        event.refresh_from_db()
        days = {
            format_day(day + datetime.timedelta(days=shift)): format_day(day)
            for day in (first, then)
        }
        self._tell_the_story_dates(event, days)

    def _tell_the_story_dates(self, event, days):
        """Put the story's days into the postponement's notifications and timeline line."""
        url = reverse("courses:event", args=[event.pk])
        for model, fields, rows in (
            (Notification, ("subject", "body"), Notification.objects.filter(url=url)),
            (
                TimelineEvent,
                ("detail",),
                TimelineEvent.objects.filter(verb=services.EVENT_POSTPONED, target_id=event.pk),
            ),
        ):
            changed = []
            for row in rows:
                for name in fields:
                    text = getattr(row, name)
                    for moved, real in days.items():
                        text = text.replace(moved, real)
                    setattr(row, name, text)
                changed.append(row)
            model.objects.bulk_update(changed, list(fields))

    def attendance(self, event, held: Held, registrations):
        came = [
            registration.pk
            for key, registration in registrations.items()
            if key not in held.absent and key not in held.cancelled
        ]
        self.clock.do(
            self.clock.at(held.day + datetime.timedelta(days=1), 10),
            services.mark_attendance,
            self.caseworker,
            event,
            came,
        )

    # --- the practical task ---------------------------------------------------------------------

    def task(self):
        event = self.events[TASK["event"]]
        held = HELD[TASK["event"]]
        organisations = [self.organisations[slug] for slug in TASK["organisations"]]
        task = self.clock.do(
            self.clock.at(held.day, 14, 30),
            services.give_task,
            self.caseworker,
            event,
            title=TASK["title"],
            description=TASK["description"],
            organisations=organisations,
            due_on=TASK["due_on"],
        )
        PracticalTask.objects.filter(pk=task.pk).update(due_on=self.today)
        task.due_on = self.today
        hand_ins = 0
        for slug, day, text, with_file in TASK["hand_ins"]:
            upload = None
            if with_file:
                upload = SimpleUploadedFile(
                    "soknadsskisse.pdf",
                    _pdf(TASK["title"], [text[:80], self.organisations[slug].name]),
                    content_type="application/pdf",
                )
            moment = self.clock.at(day, 21)
            hand_in = self.clock.do(
                moment,
                services.hand_in,
                self.user(slug),
                task,
                self.organisations[slug],
                text=text,
                upload=upload,
            )
            self.clock.set(HandIn, hand_in.pk, submitted_at=moment)
            hand_ins += 1
        PracticalTask.objects.filter(pk=task.pk).update(due_on=TASK["due_on"])
        return hand_ins

    # --- the closing evaluation form ------------------------------------------------------------

    def evaluation(self):
        closing = HELD[-1].day
        form = self.clock.do(
            self.clock.at(closing - datetime.timedelta(days=7), 13),
            services.save_form,
            self.caseworker,
            self.scheme,
            title=FORM_TITLE,
            introduction=FORM_INTRODUCTION,
            questions=FORM_QUESTIONS,
        )
        questions = list(form.questions.all())
        for number, (slug, (days, useful, courses, again, chosen, text)) in enumerate(
            FORM_ANSWERS.items()
        ):
            values = [useful, courses, again, chosen, text]
            moment = self.clock.at(closing + datetime.timedelta(days=days), 11 + number % 9)
            response = self.clock.do(
                moment,
                services.answer_form,
                self.user(slug),
                form,
                self.organisations[slug],
                {question.pk: value for question, value in zip(questions, values, strict=True)},
            )
            self.clock.set(Response, response.pk, submitted_at=moment)
        FeedbackForm.objects.filter(pk=form.pk).update(
            opens_at=self.clock.at(*FORM_OPENS), closes_at=self.clock.at(*FORM_CLOSES, 59)
        )
        return form

    def build(self):
        for year in PLANS:
            self.plan(year)
        for index, held in enumerate(HELD):
            self.event(index, held)
        hand_ins = self.task()
        form = self.evaluation()
        self.clock.apply()
        registrations = Registration.objects.filter(event__in=self.events)
        kinds = [held.kind for held in HELD]
        self.log(
            f"Courses: {len(self.plans)} annual plans with "
            f"{sum(len(items) for items in self.items.values())} planned items and "
            f"{PlanComment.objects.filter(plan__in=self.plans.values()).count()} comments; "
            f"{len(self.events)} events held ({kinds.count(EventKind.COURSE)} courses, "
            f"{kinds.count(EventKind.GATHERING)} gatherings, "
            f"{kinds.count(EventKind.JOINT_MEETING)} joint meetings), "
            f"{registrations.count()} registrations "
            f"({registrations.filter(cancelled_at__isnull=False).count()} cancelled, "
            f"{registrations.waiting().count()} on a waiting list; "
            f"{registrations.filter(attended=True).count()} of "
            f"{registrations.active().count()} came), "
            f"{Material.objects.filter(event__in=self.events).count()} materials, "
            f"1 practical task with {hand_ins} hand-ins, "
            f"the closing evaluation form with {form.responses.count()} answers."
        )


def load(log):
    scheme = Scheme.objects.filter(slug=SCHEME_SLUG).first()
    if scheme is None:
        log("Courses: the demo scheme is missing; load the organisations demo first.")
        return
    # The field-by-field history (django-auditlog) would date every demo row today; the
    # services' timeline lines are kept and dated.
    with disable_auditlog():
        _reset(scheme)
        with RowsWritten() as written:
            _Builder(log, scheme, written).build()
