"""Demo data for mentoring: what the ten mentor organisations offer, the nine pairings of the
pilot (one mentor replaced in May 2023, so ten mentors for nine pairs), the agreements,
meetings with topics, notes and tasks, check-ins, one flag and the mentor compensation.

Everything is made through ``mentoring/services.py`` with the demo logins as actors: the
caseworker ``saksbehandler@imdi.example``, ``mentor@<name>.example`` and
``leder@<name>.example``. The services stamp "now" on what they record, so afterwards the
loader moves those stamps (and the timeline events and notifications) back to the day each
step happened in the story; demo notifications are not e-mailed.

The pilot's mentoring follows the evaluation report (2025, ``../shared/seed/``; the README's
"Evaluation report facts" table lists what the outputs show for this data):

- The pairs start in early 2023: "Vinteren 2023 hadde vi oppstartsintervju med alle
  deltakerorganisasjonene før den første fellessamlingen ... mentorparene var ikke matchet"
  (chapter 3, "Intervjuer"), and by "våren og sommeren 2023 ... hadde alle kommet i gang med
  samarbeidet med mentororganisasjonen sin". So seven pairings start on ``START`` (after the
  first gathering, January 2023) and two are matched later (``MATCHED_LATER``); none in 2022.
- Ten mentor organisations for nine participants, "fordi en mentororganisasjon ble byttet ut
  med en annen i løpet av ordningen" (chapter 2, "Utvelgelse av mentororganisasjoner"): Norsk
  Folkehjelp is replaced by MiR (``REPLACES_ON``; the report names neither which mentor nor
  when, so the demo chooses a poor fit found in the first check-in).
- At least six meetings a calendar year: "mentorparet i løpet av et kalenderår skulle møtes
  seks ganger eller mer" (chapter 2, "Deltakernes og mentorenes gjensidige forpliktelser");
  the gatherings count as meetings when a pair set time aside there (same place).
- "tre av mentorparene hadde noen utfordringer som påvirket fremdriften" (chapter 5,
  "Erfaringer med mentoring"): the replaced pair, Innvandrerforum i Østfold with LNU and
  Wadajir with KIA. These three are the pairings below the minimum in 2023 (the others meet
  it); in 2024 only Wadajir's is.
- Each mentor organisation receives 40 000 kroner (chapter 2); the demo pays it for 2023 and
  2024, split between the replaced mentor and the one that took over in 2023.

The pilot ran 2022–2024, and its nine pairings ended with it (31 December 2024): no meeting
of the pilot lies after 2024. To show the portal at work today, five pairs went on in the scheme
that followed the pilot (``scheme.demo.SUCCESSOR``, from ``GOING_ON``), with meetings up to a
few days before the day the demo is loaded: three are on track, one is behind and one is at
risk (few meetings, a long silence and an open flag). These meetings are placed relative to
today, so the mix of health holds whenever the demo is loaded.

In that scheme Røde Kors mentors two of the organisations whose pairings ended as a group
(``GROUP``): some meetings with both, some with one of them. The notes of a meeting with one
organisation are read by the mentor and that organisation only; the other sees that the
meeting was held, its summary and its tasks.

How the meetings came about follows the evaluation report of the pilot (2025, in
``../shared/seed/``), chapter on the mentoring: "Hvordan ble mentoringen gjennomført?" and
"Fremdrift og kapasitet" say that the mentors mostly took the initiative, above all in the
pairs that struggled ("Det er jeg som må dra det"), that meetings were postponed ("utsatt møter
med meg over en måned"), often because the participant's leader had no time beside a job or
had not done the task for the meeting, sometimes because the mentor had a deadline, and that
one organisation misunderstood when a meeting was; "Rammer, forventninger og behov" that the
expectations were unclear at the start and clearer later. So each plan has who took the
initiative (``initiative``), its postponed and cancelled meetings (``called_off``: ten, eight
of them called off by the participant side) and its answers to "How clear were the
expectations between you?" half-way and at the end (``clarity``: lower half-way, higher at the
end; lowest for the two pairs that struggled).

Running the loader again deletes the mentoring rows of the demo organisations (pairings and
everything in them, compensation and payments, their timeline events and notifications) and
builds them again; the offers are updated in place.
"""

import bisect
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.models import (
    Agreement,
    AgreementAcceptance,
    CalledOffMeeting,
    CallOff,
    CheckIn,
    CheckInKind,
    Compensation,
    CompensationPayment,
    Flag,
    Initiative,
    Meeting,
    MeetingMode,
    NoteVisibility,
    Pairing,
    PairingMember,
    PairingStatus,
    Side,
    Task,
)
from organisations.models import CompetenceArea, Language, Organisation, TargetGroup
from scheme.demo import SCHEME, SUCCESSOR, RowsWritten
from scheme.models import Event, Notification, Scheme, SchemeYear
from scheme.roles import OrganisationKind

SCHEME_SLUG = SCHEME["slug"]
CASEWORKER = "saksbehandler@imdi.example"
PILOT_END = datetime.date(2024, 12, 31)
LATER_FROM = datetime.date(2025, 1, 10)  # meetings after the pilot start from here
GOING_ON = datetime.date(2025, 1, 6)  # the pairings that went on start again in SUCCESSOR
UNREAD_DAYS = 14  # demo notifications older than this are marked read

# What each mentor organisation offers: competence areas, regions, languages, target groups
# it knows, target groups it wishes for, other wishes, capacity, digital meetings.
OFFERS = {
    "minotenk": (
        ["strategy", "communication", "applications"],
        ["east"],
        ["no", "en", "ur", "ar"],
        ["all-immigrants", "highly-qualified", "youth"],
        ["highly-qualified"],
        "Vi vil gjerne mentorere en organisasjon som arbeider med politisk deltakelse.",
        1,
    ),
    "nfs": (
        ["volunteers", "board-work", "reporting", "applications"],
        ["east", "south", "west", "mid", "north"],
        ["no", "en"],
        ["all-immigrants", "elderly", "families", "balkan"],
        [],
        "Vi kan koble organisasjonen til frivilligsentralen i sin kommune.",
        2,
    ),
    "lnu": (
        ["applications", "reporting", "board-work", "communication"],
        ["east", "south", "west", "mid", "north"],
        ["no", "en"],
        ["youth"],
        ["youth"],
        "Helst en organisasjon med ungdom som målgruppe.",
        1,
    ),
    "caritas": (
        ["accounts", "applications", "volunteers"],
        ["east", "mid"],
        ["no", "en", "pl", "uk", "ru"],
        ["all-immigrants", "polish", "ukrainian-refugees", "russian-speaking"],
        ["ukrainian-refugees"],
        "Vi har erfaring med matutdeling og deler gjerne rutinene våre.",
        1,
    ),
    "kia": (
        ["volunteers", "communication", "applications", "accounts"],
        ["east", "south", "west"],
        ["no", "en", "ar", "ti", "so"],
        ["all-immigrants", "minority-women", "youth"],
        ["all-immigrants"],
        "Vi har språkkafeer og lokaler i mange byer, også i Telemark.",
        1,
    ),
    "folkehjelp": (
        ["volunteers", "board-work", "accounts"],
        ["east", "west", "mid", "north"],
        ["no", "en", "ar"],
        ["all-immigrants", "ukrainian-refugees"],
        [],
        "",
        1,
    ),
    "mir": (
        ["strategy", "privacy", "communication", "accounts"],
        ["east", "west"],
        ["no", "en", "ar", "so"],
        ["all-immigrants", "families", "minority-women"],
        ["families"],
        "Vi vil gjerne støtte organisasjoner som bygger bro til offentlige tjenester.",
        1,
    ),
    "sanitet": (
        ["volunteers", "board-work", "accounts"],
        ["east", "south", "west", "mid", "north"],
        ["no", "en", "ar"],
        ["minority-women", "families", "elderly"],
        ["minority-women"],
        "Vi har lokalforeninger over hele landet, også på Helgeland.",
        1,
    ),
    "reddbarna": (
        ["board-work", "applications", "accounts", "privacy"],
        ["east"],
        ["no", "en", "ar", "so"],
        ["families", "youth"],
        ["families"],
        "Gjerne en organisasjon med barn og familier som målgruppe.",
        2,
    ),
    "rodekors": (
        ["reporting", "board-work", "strategy", "volunteers"],
        ["east", "south", "west"],
        ["no", "en", "uk", "pl", "ar"],
        ["ukrainian-refugees", "all-immigrants", "polish"],
        ["ukrainian-refugees"],
        "Lokalforeningen vår i Bergen kan være med.",
        2,
    ),
}

# Joint gatherings in Oslo where time was set aside for each pair (they count as meetings), on
# the Saturdays of the courses demo's gatherings.
GATHERINGS = [
    (
        datetime.date(2023, 1, 28),
        "Fellessamling i Oslo (organisasjonsutvikling med Minotenk, rapportering og søknader "
        "med IMDi). Paret satte av en time til egen samtale.",
    ),
    (
        datetime.date(2023, 9, 23),
        "Fellessamling i Oslo (søknadsskriving med LNU, regnskap med IMDi). Paret gikk "
        "gjennom høstens planer.",
    ),
    (
        datetime.date(2024, 10, 19),
        "Avslutningssamling i Oslo (evaluering, trygt frivillig arbeid med Redd Barna, "
        "heispitch med Frivillighet Norge). Paret snakket om veien videre.",
    ),
]

SUMMARIES = {
    "accounts": [
        "Gikk gjennom regnskapet for første halvår og satte opp en enkel budsjettmal.",
        "Så på bilagsrutiner og hvordan styret kan følge med på økonomien hver måned.",
        "Forberedte regnskapsrapporten og snakket om når det trengs revisor.",
    ],
    "applications": [
        "Leste utkastet til søknad sammen og skjerpet mål og målgruppe.",
        "Kartla tilskuddsordninger i kommunen og fylket som passer aktivitetene.",
        "Gikk gjennom et avslag og hva som kan gjøres bedre neste gang.",
    ],
    "reporting": [
        "Satte opp en mal for å telle deltakere på aktivitetene gjennom året.",
        "Gikk gjennom kravene til tilskuddsrapporten som skal leveres 23. januar.",
        "Snakket om hvordan resultater kan vises med tall og korte historier.",
    ],
    "board-work": [
        "Snakket om styrets roller og laget en årsplan for styremøtene.",
        "Forberedte årsmøtet: innkalling, saksliste og valg.",
        "Gikk gjennom vedtektene og hvem som kan signere for organisasjonen.",
    ],
    "strategy": [
        "Jobbet med en treårsplan: hva organisasjonen skal være kjent for.",
        "Prioriterte aktivitetene ut fra kapasiteten – én ildsjel kan ikke gjøre alt.",
        "Kartla mulige samarbeidspartnere i kommunen og blant andre organisasjoner.",
    ],
    "communication": [
        "Laget en enkel plan for nettside og sosiale medier.",
        "Øvde på å presentere organisasjonen kort for kommunen og mulige partnere.",
        "Skrev et nyhetsbrev til medlemmene sammen.",
    ],
    "volunteers": [
        "Snakket om hvordan nye frivillige kan rekrutteres og tas godt imot.",
        "Laget en oversikt over oppgaver frivillige kan ta på seg.",
        "Gikk gjennom politiattest og taushetserklæring for frivillige.",
    ],
    "privacy": [
        "Gikk gjennom hvilke personopplysninger organisasjonen lagrer, og hvorfor.",
        "Laget en enkel personvernerklæring og en rutine for samtykke til bilder.",
        "Snakket om trygg lagring av deltakerlister.",
    ],
}

# The task agreed on a topic: (for the participant, for the mentor).
TASKS = {
    "accounts": ("Sette opp budsjett for neste halvår", "Sende eksempel på budsjettmal"),
    "applications": (
        "Skrive første utkast til søknad",
        "Sende liste over aktuelle tilskuddsordninger",
    ),
    "reporting": (
        "Telle deltakere på aktivitetene denne måneden",
        "Sende eksempel på en god tilskuddsrapport",
    ),
    "board-work": ("Sende forslag til årsplan for styret", "Dele mal for innkalling til årsmøte"),
    "strategy": ("Skrive ned tre mål for neste år", "Sette organisasjonen i kontakt med kommunen"),
    "communication": (
        "Oppdatere nettsiden med aktivitetene",
        "Gi tilbakemelding på presentasjonen",
    ),
    "volunteers": ("Lage oppgaveliste for frivillige", "Sende eksempel på taushetserklæring"),
    "privacy": (
        "Lage oversikt over hvilke opplysninger som lagres",
        "Sende mal for samtykkeskjema",
    ),
}

NOTES = [
    "Lederen bærer det meste alene; vi snakket om å fordele oppgaver i styret.",
    "Uenighet i styret om bruken av tilskuddet – tas opp igjen neste gang.",
    "Organisasjonen vurderer å ansette en koordinator i deltidsstilling.",
    "Kommunen har antydet at organisasjonen kan låne lokaler gratis fra høsten.",
    "Vi avtalte å spørre IMDi om utsatt frist dersom rapporten blir forsinket.",
]

ENDED = "Prøveperioden ble avsluttet 31. desember 2024."
REPLACED = (
    "Brobyggertjenesten trenger en mentor som kjenner brobyggerarbeid, personvern og "
    "mangfoldsfeltet. Norsk Folkehjelp er enig i byttet, og MiR har ledig kapasitet."
)
POOR_FIT = (
    "Mentoren jobber mest med beredskap og kjenner lite til brobyggerarbeid og barnevernet. "
    "Vi trenger hjelp med personvern og strategi."
)
FLAG = (
    "Vi har ikke hatt møte siden i vår. Kontaktpersonen hos mentoren har byttet stilling, og "
    "vi vet ikke hvem vi skal kontakte nå. Kan IMDi hjelpe oss med å komme i gang igjen?"
)


@dataclass(frozen=True)
class Plan:
    """One pairing's story."""

    mentor: str
    participant: str
    starts_on: datetime.date
    months: dict  # year -> months with a meeting (besides the gatherings)
    # ratings (usefulness, cooperation, progress) and comment: mentor then participant
    midpoint: tuple = ()
    end: tuple = ()
    later: tuple | None = None  # after the pilot: (days between meetings, days since the last)
    skip_gatherings: tuple = ()
    physical_every: int = 2  # every n-th meeting in person
    unconfirmed: tuple = ()  # (year, month) or "last": left for the other side to confirm
    overdue_task: str = ""  # "mentor" or "participant": leave its latest task that is due open
    replaced_by: str | None = None  # the mentor that takes over, with REPLACES_ON
    poor_fit: bool = False
    flag: bool = False
    extra: dict = field(default_factory=dict)
    # Who took the initiative to the pair's own meetings, in turn: m(entor), p(articipant),
    # b(oth or agreed in advance). The joint gatherings were agreed in advance.
    initiative: str = "mmpm"
    # "How clear were the expectations between you?" (1-5): (mentor, participant) half-way,
    # then at the end.
    clarity: tuple = ((3, 3), (4, 4))
    # Planned meetings that did not happen on the day: (planned on, "postponed" or
    # "cancelled", the side that called it off, why). A postponed one moved to the pair's next
    # meeting day.
    called_off: tuple = ()


REPLACES_ON = datetime.date(2023, 5, 8)
INITIATIVES = {"m": Initiative.MENTOR, "p": Initiative.PARTICIPANT, "b": Initiative.BOTH}
# The pairs were matched after the first gathering (January 2023); two later still.
START = datetime.date(2023, 2, 6)
MATCHED_LATER = (datetime.date(2023, 2, 20), datetime.date(2023, 3, 13))

PLANS = [
    Plan(
        "caritas",
        "aktivno",
        START,
        {2023: [2, 3, 5, 6, 10, 11], 2024: [2, 3, 4, 6, 9, 11]},
        midpoint=(
            (4, 5, 4, "Godt samarbeid. Bilag og budsjett er i orden; nå er det søknader."),
            (5, 5, 4, "Mentoren kjenner matutdeling fra egen drift, og det hjelper oss mye."),
        ),
        end=(
            (5, 5, 5, "AktivNo søker nå selv om prosjektmidler og har frivillige i faste roller."),
            (5, 5, 4, "Vi vil fortsette. Vi har lært regnskap og søknader på en praktisk måte."),
        ),
        later=(49, 9),
        physical_every=4,
        initiative="pmmb",
        clarity=((4, 4), (5, 5)),
    ),
    Plan(
        "rodekors",
        "beatuscras",
        START,
        {2023: [2, 4, 5, 8, 11], 2024: [1, 3, 5, 6, 9, 11]},
        midpoint=(
            (4, 4, 3, "Mange aktiviteter og lite tid; vi prioriterer rapporteringen."),
            (4, 4, 3, "Nyttig, men vi skulle ønske møtene var mer praktiske."),
        ),
        end=(
            (4, 4, 4, "Styret har fått en tydeligere rolle, og rapporten for 2023 kom i tide."),
            (4, 5, 4, "Vi har fått et nettverk i Røde Kors i Bergen som vi bruker videre."),
        ),
        physical_every=3,
        unconfirmed=((2024, 6),),
        clarity=((3, 3), (4, 4)),
        called_off=(
            (
                datetime.date(2023, 6, 13),
                "postponed",
                "mentor",
                "Rapporteringsfrist hos mentoren samme uke; vi flyttet møtet til etter sommeren.",
            ),
        ),
    ),
    Plan(
        "reddbarna",
        "gronland",
        MATCHED_LATER[0],
        {2023: [3, 5, 6, 10, 12], 2024: [2, 4, 5, 8, 11]},
        midpoint=(
            (4, 5, 4, "Gruppa er aktiv og motivert; vi jobber med styre og søknader."),
            (5, 5, 4, "Det er trygt å spørre om alt. Vi har fått hjelp med første søknad."),
        ),
        end=(
            (5, 5, 4, "Gruppa har fått en styreinstruks og har søkt bydelen om midler."),
            (5, 5, 5, "Vi fikk midler fra bydelen til barneklubben. Takk!"),
        ),
        later=(52, 4),
        unconfirmed=("last",),
        initiative="mmpb",
        clarity=((4, 4), (5, 5)),
    ),
    Plan(
        "lnu",
        "ifo",
        START,
        {2023: [4, 6, 11], 2024: [2, 4, 6, 9, 11]},
        midpoint=(
            (3, 3, 2, "Det er vanskelig å finne tid; lederen har full jobb ved siden av."),
            (4, 3, 3, "Gode råd om søknader, men vi rekker ikke alltid å følge opp."),
        ),
        end=(
            (3, 4, 3, "Det gikk bedre i 2024 med faste møtetider på kveldstid."),
            (4, 4, 3, "Vi har levert to søknader med hjelp fra LNU og vil gjerne fortsette."),
        ),
        later=(96, 38),
        physical_every=3,
        initiative="mmmb",
        clarity=((2, 3), (3, 4)),
        called_off=(
            (
                datetime.date(2023, 2, 14),
                "postponed",
                "participant",
                "Lederen har full jobb og fikk ikke tid; møtet ble flyttet over en måned.",
            ),
            (
                datetime.date(2023, 9, 12),
                "cancelled",
                "participant",
                "Organisasjonen misforsto når møtet var, og ingen møtte.",
            ),
        ),
    ),
    Plan(
        "minotenk",
        "internationals",
        START,
        {2023: [3, 4, 6, 9, 11], 2024: [1, 3, 5, 6, 9, 12]},
        midpoint=(
            (4, 4, 4, "Sterke fagfolk; vi jobber med strategi og synlighet."),
            (4, 5, 4, "Mentoren forstår policyarbeid og har åpnet dører for oss."),
        ),
        end=(
            (4, 4, 4, "En tydelig strategi er på plass; kommunikasjonen kan bli enda bedre."),
            (5, 4, 4, "Gode innspill til Policy Shaper Programme og nye partnere."),
        ),
        later=(50, 12),
        overdue_task="participant",
        clarity=((3, 4), (4, 4)),
        called_off=(
            (
                datetime.date(2024, 10, 8),
                "postponed",
                "participant",
                "Vi hadde ikke rukket å skrive utkastet vi skulle ha med til møtet.",
            ),
        ),
    ),
    Plan(
        "sanitet",
        "noorhald",
        START,
        {2023: [2, 3, 4, 6, 10], 2024: [2, 4, 8, 9, 11]},
        midpoint=(
            (3, 4, 3, "Vi møtes mest digitalt på grunn av avstanden; det fungerer."),
            (4, 4, 3, "Sanitetskvinnene lokalt har hjulpet oss med frivillige."),
        ),
        end=(
            (4, 4, 4, "Noor Hald har et styre som fungerer og nye frivillige i Dønna."),
            (4, 4, 4, "Vi ønsket flere fysiske møter, men samarbeidet har vært nyttig."),
        ),
        physical_every=5,
        initiative="mmbp",
        clarity=((3, 3), (4, 3)),
        called_off=(
            (
                datetime.date(2023, 8, 22),
                "cancelled",
                "participant",
                "Lite kapasitet i sommer og lang reisevei; vi tar det opp igjen i høst.",
            ),
            (datetime.date(2024, 6, 11), "postponed", "participant", "Lederen var bortreist."),
        ),
    ),
    Plan(
        "nfs",
        "svetisava",
        START,
        {2023: [2, 3, 5, 6, 11], 2024: [2, 3, 5, 8, 11]},
        midpoint=(
            (4, 4, 4, "Færder frivilligsentral er koblet på, og foreningen bruker lokalene der."),
            (5, 4, 4, "Vi har lært hvordan kommunen fungerer og hvem vi kan spørre."),
        ),
        end=(
            (4, 5, 4, "Foreningen rapporterer nå selv og har fått driftstilskudd fra kommunen."),
            (5, 5, 4, "Veldig nyttig å ha en mentor som kjenner kommunen vår."),
        ),
        clarity=((4, 4), (4, 5)),
    ),
    Plan(
        "folkehjelp",
        "brobygger",
        START,
        {2023: [2, 3, 4]},
        physical_every=4,
        replaced_by="mir",
        poor_fit=True,
        initiative="mmm",
    ),
    Plan(
        "mir",
        "brobygger",
        REPLACES_ON,
        {2023: [5, 6, 8, 10, 11], 2024: [1, 3, 4, 6, 9, 11]},
        midpoint=(
            (4, 4, 3, "Sen start etter byttet; nå jobber vi godt med personvern."),
            (4, 5, 3, "Den nye mentoren kjenner brobyggerarbeid og forstår hva vi trenger."),
        ),
        end=(
            (4, 5, 4, "Rutiner for personvern og en plan for de neste årene er på plass."),
            (5, 5, 4, "Byttet av mentor var riktig. Vi fikk hjelp med det vi faktisk trengte."),
        ),
        physical_every=4,
        initiative="mpmm",
        clarity=((3, 3), (4, 5)),
    ),
    Plan(
        "kia",
        "wadajir",
        MATCHED_LATER[1],
        {2023: [3, 6, 11], 2024: [3, 5, 9, 11]},
        midpoint=(
            (3, 3, 2, "Vi har hatt færre møter enn avtalt; begge sider har hatt lite kapasitet."),
            (3, 3, 2, "Vi ønsker mer hjelp med søknader og regnskap, og oftere."),
        ),
        end=(
            (3, 3, 3, "Wadajir leverte rapporten i tide, men vi nådde ikke seks møter i 2023."),
            (3, 4, 3, "Samarbeidet er bedre nå. Vi vil fortsette, men trenger faste møtetider."),
        ),
        later=(90, 125),
        skip_gatherings=(GATHERINGS[1][0],),
        physical_every=3,
        overdue_task="mentor",
        flag=True,
        initiative="mmmb",
        clarity=((2, 2), (3, 3)),
        called_off=(
            (
                datetime.date(2023, 4, 18),
                "cancelled",
                "participant",
                "Sykdom, og ingen andre i styret kunne møte.",
            ),
            (
                datetime.date(2023, 5, 9),
                "postponed",
                "mentor",
                "Mentoren hadde søknadsfrist samme uke.",
            ),
            (
                datetime.date(2023, 9, 19),
                "cancelled",
                "participant",
                "Lederen hadde for mange andre aktiviteter denne måneden.",
            ),
            (
                datetime.date(2024, 1, 23),
                "postponed",
                "participant",
                "Vi hadde ikke rukket oppgaven vi skulle gjøre til møtet.",
            ),
        ),
    ),
]

# Compensation per mentor and year when it is not the scheme year's default (the mentor that
# was replaced in May 2023, and the one that took over).
COMPENSATION = {("folkehjelp", 2023): Decimal("15000"), ("mir", 2023): Decimal("25000")}
# The second half of these is not paid yet.
UNPAID_REST = {("kia", 2024)}


@dataclass(frozen=True)
class GroupPlan:
    """Group mentoring after the pilot: every ``every`` days up to ``since`` days before the
    demo is loaded, a meeting with the whole group, then one with each participant alone."""

    mentor: str
    participants: tuple
    starts_on: datetime.date
    every: int
    since: int
    # Notes only the mentor and that participant read (from meetings with it alone).
    notes: dict


GROUP = GroupPlan(
    "rodekors",
    ("beatuscras", "svetisava"),
    datetime.date(2025, 2, 3),
    every=30,
    since=5,
    notes={
        "beatuscras": [
            "Styrelederen vurderer å gå av etter årsmøtet; vi snakket om hvem som kan ta over.",
            "Organisasjonen har et udekket underskudd fra i fjor som styret ikke har fortalt "
            "medlemmene om ennå.",
        ],
        "svetisava": [
            "Kommunen har varslet at foreningen kan miste lokalene; de vil ikke at det skal "
            "være kjent før avtalen er avklart.",
            "En konflikt mellom to frivillige tar mye tid; lederen ønsker råd om hvordan den "
            "kan løses.",
        ],
    },
)
GROUP_SUMMARIES = [
    "Felles gruppemøte: hver organisasjon fortalte om sine planer for halvåret, og vi delte "
    "erfaringer med å rekruttere frivillige.",
    "Felles gruppemøte om søknader: vi gikk gjennom utlysningene i kommunene og fylket og "
    "hvem som søker hva.",
    "Felles gruppemøte om rapportering: hvordan telle deltakere og vise resultater.",
]
ALONE_SUMMARY = "Oppfølging av {organisation} alene: styrearbeid og planene videre."


class _Clock:
    """Moves what the services stamped "now" back to the day it happened in the story.

    Before each service call it notes the real time and the story's moment; at the end
    ``apply`` dates every timeline event and notification made since by the call that made it
    (one bulk update each), and sets the models' own timestamps the same way.
    """

    def __init__(self, written: RowsWritten):
        self.written = written  # the rows the demo wrote: only they are dated
        self.started = timezone.now()
        self.today = timezone.localdate()
        self.calls = []  # (real time before the call, the story's moment, leave unread)
        self.stamps = {}  # (model, field names) -> {pk: values}

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
        return min(moment, self.started - datetime.timedelta(minutes=1))

    def before_call(self, moment: datetime.datetime, unread: bool):
        self.calls.append((timezone.now(), moment, unread))

    def set(self, model, pk, **values):
        self.stamps.setdefault((model, tuple(sorted(values))), {})[pk] = values

    def _call_of(self, created_at, starts):
        """The call during which a row stamped ``created_at`` was made."""
        return self.calls[max(bisect.bisect_right(starts, created_at) - 1, 0)]

    def _stamped_since_start(self, model):
        return model.objects.filter(pk__in=self.written.pks(model), created_at__gte=self.started)

    def apply(self):
        """Only the notifications about what is still to be done stay unread; none is
        e-mailed."""
        starts = [call[0] for call in self.calls]
        events = list(self._stamped_since_start(Event).only("created_at"))
        for event in events:
            event.created_at = self._call_of(event.created_at, starts)[1]
        Event.objects.bulk_update(events, ["created_at"], batch_size=500)
        notifications = list(self._stamped_since_start(Notification).only("created_at"))
        for notification in notifications:
            _real, moment, unread = self._call_of(notification.created_at, starts)
            notification.created_at = moment
            notification.email_to = ""
            notification.read_at = (
                None if unread else min(moment + datetime.timedelta(hours=20), self.started)
            )
        Notification.objects.bulk_update(
            notifications, ["created_at", "email_to", "read_at"], batch_size=500
        )
        for (model, names), rows in self.stamps.items():
            objects = [model(pk=pk, **values) for pk, values in rows.items()]
            model.objects.bulk_update(objects, names, batch_size=500)


def _demo_organisations():
    return Organisation.objects.filter(
        is_demo=True, kind__in=[OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT]
    )


def _reset():
    """Delete the mentoring rows of the demo organisations (not the offers)."""
    demo = _demo_organisations()
    ids = list(
        Pairing.objects.filter(Q(mentor__in=demo) | Q(members__organisation__in=demo))
        .values_list("pk", flat=True)
        .distinct()
    )
    Notification.objects.filter(
        url__in=[reverse("mentoring:pairing", args=[pk]) for pk in ids]
    ).delete()
    Event.objects.filter(
        target_type=ContentType.objects.get_for_model(Pairing), target_id__in=ids
    ).delete()
    Event.objects.filter(
        target_type=ContentType.objects.get_for_model(Flag),
        target_id__in=list(Flag.objects.filter(pairing_id__in=ids).values_list("pk", flat=True)),
    ).delete()
    Event.objects.filter(
        target_type=ContentType.objects.get_for_model(Compensation),
        target_id__in=list(
            Compensation.objects.filter(mentor__in=demo).values_list("pk", flat=True)
        ),
    ).delete()
    Event.objects.filter(
        target_type=ContentType.objects.get_for_model(Organisation),
        target_id__in=list(demo.values_list("pk", flat=True)),
        verb__startswith="mentoring.",
    ).delete()
    pairings = Pairing.objects.filter(pk__in=ids)
    pairings.update(replaces=None)
    pairings.delete()
    CompensationPayment.objects.filter(compensation__mentor__in=demo).delete()
    Compensation.objects.filter(mentor__in=demo).delete()


def _meeting_days(plan: Plan, ends_on, today):
    """The pairing's meeting days: (day, gathering summary or None), in order."""
    index = PLANS.index(plan)
    days = []
    for year, months in plan.months.items():
        for i, month in enumerate(months):
            day = datetime.date(year, month, 4 + (index * 5 + i * 9) % 22)
            if day <= plan.starts_on:
                day = plan.starts_on + datetime.timedelta(days=7)
            days.append((day, None))
    for day, summary in GATHERINGS:
        if plan.starts_on < day < (ends_on or PILOT_END) and day not in plan.skip_gatherings:
            days.append((day, summary))
    if plan.later:
        every, since = plan.later
        day = today - datetime.timedelta(days=since)
        while day >= LATER_FROM:
            days.append((day, None))
            day -= datetime.timedelta(days=every)
    return sorted(days)


class _Builder:
    def __init__(self, log, written):
        self.log = log
        self.clock = _Clock(written)
        self.scheme = Scheme.objects.get(slug=SCHEME_SLUG)
        self.successor = Scheme.objects.get(slug=SUCCESSOR["slug"])
        users = get_user_model().objects.filter(email__endswith=".example")
        users = users.filter(Q(email=CASEWORKER) | Q(email__startswith="leder@")
                             | Q(email__startswith="mentor@"))  # fmt: skip
        self.users = {user.email: user for user in users}
        self.caseworker = self.users[CASEWORKER]
        # The pilot's organisations by the slug of their demo login: leder@<slug>.example
        # leads a participant, mentor@<slug>.example is a mentor's contact person.
        prefix = {OrganisationKind.PARTICIPANT: "leder@", OrganisationKind.MENTOR: "mentor@"}
        self.organisations = {}
        for organisation in _demo_organisations().prefetch_related("memberships__user"):
            for membership in organisation.memberships.all():
                email = membership.user.email
                if email in self.users and email.startswith(prefix[organisation.kind]):
                    self.organisations[email.split("@")[1].removesuffix(".example")] = organisation
        self.areas = {area.code: area for area in CompetenceArea.objects.all()}
        self.pairings = {}

    def user(self, organisation):
        slug = self.slug(organisation)
        prefix = "mentor" if organisation.kind == OrganisationKind.MENTOR else "leder"
        return self.users[f"{prefix}@{slug}.example"]

    def slug(self, organisation):
        return next(s for s, o in self.organisations.items() if o.pk == organisation.pk)

    def do(self, day, service, *args, hour=10, unread=False, **kwargs):
        """Call a service, noting the day it happens in the story; returns (result, moment)."""
        moment = self.clock.at(day, hour)
        self.clock.before_call(moment, unread)
        return service(*args, **kwargs), moment

    # --- offers --------------------------------------------------------------------------

    def offers(self):
        groups = {group.code: group for group in TargetGroup.objects.all()}
        languages = {language.code: language for language in Language.objects.all()}
        for slug, (areas, regions, langs, known, wished, wishes, capacity) in OFFERS.items():
            organisation = self.organisations[slug]
            self.do(
                datetime.date(2022, 8, 25),
                services.save_offer,
                self.user(organisation),
                organisation,
                competence_areas=[self.areas[code] for code in areas],
                regions=regions,
                languages=[languages[code] for code in langs],
                target_groups=[groups[code] for code in known],
                wished_target_groups=[groups[code] for code in wished],
                wishes=wishes,
                capacity=capacity,
                digital_ok=True,
            )

    # --- pairings --------------------------------------------------------------------------

    def pairing(self, plan: Plan, replaces=None, scheme=None, starts_on=None):
        mentor = self.organisations[plan.mentor]
        participant = self.organisations[plan.participant]
        starts_on = starts_on or plan.starts_on
        made_on = starts_on - datetime.timedelta(days=7)
        if replaces is None:
            pairing, moment = self.do(
                made_on,
                services.create_pairing,
                self.caseworker,
                scheme or self.scheme,
                mentor,
                [participant],
                starts_on=starts_on,
                mentor_contact=self.user(mentor),
            )
        else:
            made_on = plan.starts_on - datetime.timedelta(days=2)
            pairing, moment = self.do(
                made_on,
                services.replace_mentor,
                self.caseworker,
                replaces,
                mentor,
                reason=REPLACED,
                starts_on=plan.starts_on,
                mentor_contact=self.user(mentor),
            )
        self.clock.set(Pairing, pairing.pk, created_at=moment)
        self.clock.set(Agreement, pairing.agreement.pk, created_at=moment)
        # create_pairing has no way to name the participant's contact person yet.
        PairingMember.objects.filter(pairing=pairing).update(contact=self.user(participant))
        for days, side in ((2, mentor), (5, participant)):
            acceptance, moment = self.do(
                starts_on + datetime.timedelta(days=days),
                services.accept_agreement,
                self.user(side),
                pairing,
            )
            self.clock.set(AgreementAcceptance, acceptance.pk, accepted_at=moment)
        self.pairings[(plan.mentor, plan.participant, pairing.scheme_id)] = pairing
        return pairing

    def meetings(self, plan: Plan, pairing, days, first=0, last=None):
        """The meetings on ``days`` (counted from ``first`` in the plan's meetings, whose last
        day is ``last``), their tasks and confirmations."""
        today = self.clock.today
        yesterday = today - datetime.timedelta(days=1)
        mentor = self.organisations[plan.mentor]
        participant = self.organisations[plan.participant]
        sides = {mentor.pk: self.user(mentor), participant.pk: self.user(participant)}
        needs = [area.code for area in participant.competence_needs.all()] or ["strategy"]
        attendees = f"{self.user(mentor).full_name}, {self.user(participant).full_name}"
        for i, (day, gathering) in enumerate(days, start=first):
            topic = needs[i % len(needs)]
            topics = [topic] if i % 4 else [topic, needs[(i + 1) % len(needs)]]
            later = day > PILOT_END
            side = participant if i % 3 == 2 and not gathering else mentor
            agreed = []
            if not gathering and (later or i % 2 == 0):
                owner = participant if i % 2 == 0 else mentor
                title = TASKS[topic][0 if owner == participant else 1]
                agreed = [(title, owner, day + datetime.timedelta(days=21))]
            notes = NOTES[(PLANS.index(plan) + i) % len(NOTES)] if i % 3 == 1 else ""
            unconfirmed = ((day.year, day.month) in plan.unconfirmed and not gathering) or (
                "last" in plan.unconfirmed and day == last
            )
            meeting, logged = self.do(
                day,
                services.log_meeting,
                sides[side.pk],
                pairing,
                hour=15,
                unread=unconfirmed and day >= today - datetime.timedelta(days=UNREAD_DAYS),
                held_on=day,
                mode=MeetingMode.PHYSICAL
                if gathering or i % plan.physical_every == 0
                else MeetingMode.DIGITAL,
                initiative=Initiative.BOTH
                if gathering
                else INITIATIVES[plan.initiative[i % len(plan.initiative)]],
                duration_minutes=60 if gathering else (60, 90, 60, 120)[i % 4],
                attendees=attendees,
                summary=gathering or SUMMARIES[topic][(i // len(needs)) % 3],
                topics=[self.areas[code] for code in topics],
                notes=notes,
                notes_visibility=NoteVisibility.PAIR_AND_CASEWORKER
                if i % 2
                else NoteVisibility.PAIR,
                tasks=agreed,
            )
            if unconfirmed:
                self.clock.set(Meeting, meeting.pk, logged_at=logged)
            else:
                other = mentor if side == participant else participant
                _, confirmed = self.do(
                    min(day + datetime.timedelta(days=2), yesterday),
                    services.confirm_meeting,
                    sides[other.pk],
                    meeting,
                )
                self.clock.set(Meeting, meeting.pk, logged_at=logged, confirmed_at=confirmed)
        live = days[-1][0] == last  # the pairing that holds the plan's latest meeting
        owner = {"mentor": mentor, "participant": participant}.get(plan.overdue_task)
        self.finish_tasks(pairing, sides, keep_open_for=owner if live else None)

    def finish_tasks(self, pairing, sides, keep_open_for=None):
        """Tick off the tasks that are due by today, a little before their date; the latest
        one of ``keep_open_for`` is left overdue."""
        today = self.clock.today
        tasks = Task.objects.filter(pairing=pairing).order_by("due_on", "id")
        due = [task for task in tasks if task.due_on < today]
        owner_pk = getattr(keep_open_for, "pk", 0)
        keep_open = next((t for t in reversed(due) if t.owner_id == owner_pk), None)
        for task in due:
            if task == keep_open:
                continue
            _, done = self.do(
                min(task.due_on - datetime.timedelta(days=2), today - datetime.timedelta(days=1)),
                services.complete_task,
                sides[task.owner_id],
                task,
            )
            self.clock.set(Task, task.pk, done_at=done)

    def group(self, plan: GroupPlan):
        """The group pairing after the pilot, its meetings (with the whole group or with one
        participant alone, notes for those who took part) and the first check-ins."""
        mentor = self.organisations[plan.mentor]
        participants = [self.organisations[slug] for slug in plan.participants]
        sides = {o.pk: self.user(o) for o in [mentor, *participants]}
        pairing, moment = self.do(
            plan.starts_on - datetime.timedelta(days=7),
            services.create_pairing,
            self.caseworker,
            self.successor,
            mentor,
            participants,
            starts_on=plan.starts_on,
            mentor_contact=self.user(mentor),
            contacts={o.pk: self.user(o) for o in participants},
        )
        self.clock.set(Pairing, pairing.pk, created_at=moment)
        self.clock.set(Agreement, pairing.agreement.pk, created_at=moment)
        for days, organisation in enumerate([mentor, *participants], start=2):
            acceptance, moment = self.do(
                plan.starts_on + datetime.timedelta(days=days),
                services.accept_agreement,
                self.user(organisation),
                pairing,
            )
            self.clock.set(AgreementAcceptance, acceptance.pk, accepted_at=moment)
        day = self.clock.today - datetime.timedelta(days=plan.since)
        days = []
        while day >= plan.starts_on + datetime.timedelta(days=7):
            days.insert(0, day)
            day -= datetime.timedelta(days=plan.every)
        for i, day in enumerate(days):
            took_part = participants if i % 3 == 0 else [participants[i % 3 - 1]]
            self.group_meeting(pairing, mentor, took_part, day, i, sides)
        self.finish_tasks(pairing, sides)
        for offset, organisation in enumerate([mentor, *participants]):
            self.check_in(
                pairing, organisation, CheckInKind.FIRST,
                days[0] + datetime.timedelta(days=1 + offset), good_fit=True,
            )  # fmt: skip
        self.pairings[(plan.mentor, plan.participants, pairing.scheme_id)] = pairing
        return pairing

    def group_meeting(self, pairing, mentor, took_part, day, i, sides):
        """One meeting of the group: with everyone, or with one participant and its notes."""
        alone = len(took_part) == 1
        # A participant logs some of the meetings it had alone with the mentor.
        logger = took_part[0] if alone and i % 2 else mentor
        needs = [area.code for area in took_part[0].competence_needs.all()] or ["strategy"]
        topic = needs[i % len(needs)]
        notes = GROUP.notes[self.slug(took_part[0])][i // 3 % 2] if alone else ""
        meeting, logged = self.do(
            day,
            services.log_meeting,
            sides[logger.pk],
            pairing,
            hour=18,
            held_on=day,
            mode=MeetingMode.DIGITAL,
            # The mentor calls the group together; a participant alone often asks for a meeting.
            initiative=Initiative.PARTICIPANT if alone and i % 2 else Initiative.MENTOR,
            duration_minutes=90 if alone else 120,
            attendees=", ".join(sides[o.pk].full_name for o in [mentor, *took_part]),
            summary=ALONE_SUMMARY.format(organisation=took_part[0].name)
            if alone
            else GROUP_SUMMARIES[i // 3 % len(GROUP_SUMMARIES)],
            topics=[self.areas[topic]],
            notes=notes,
            notes_visibility=NoteVisibility.PAIR_AND_CASEWORKER
            if i % 4 == 1
            else NoteVisibility.PAIR,
            participants=took_part,
            tasks=[(TASKS[topic][0], o, day + datetime.timedelta(days=21)) for o in took_part],
        )
        confirmer = mentor if logger != mentor else took_part[0]
        _, confirmed = self.do(
            min(day + datetime.timedelta(days=1), self.clock.today - datetime.timedelta(days=1)),
            services.confirm_meeting,
            sides[confirmer.pk],
            meeting,
        )
        self.clock.set(Meeting, meeting.pk, logged_at=logged, confirmed_at=confirmed)

    def check_in(self, pairing, organisation, kind, day, **answers):
        check_in, moment = self.do(
            day, services.answer_check_in, self.user(organisation), pairing, kind, **answers
        )
        self.clock.set(CheckIn, check_in.pk, answered_at=moment)
        return check_in

    def check_ins(self, plan: Plan, pairing, first_meeting):
        mentor = self.organisations[plan.mentor]
        participant = self.organisations[plan.participant]
        day = first_meeting + datetime.timedelta(days=1)
        self.check_in(pairing, mentor, CheckInKind.FIRST, day, good_fit=True)
        check_in = self.check_in(
            pairing,
            participant,
            CheckInKind.FIRST,
            day + datetime.timedelta(days=1),
            good_fit=not plan.poor_fit,
            comment=POOR_FIT if plan.poor_fit else "",
        )
        if plan.poor_fit:
            _, moment = self.do(
                day + datetime.timedelta(days=8),
                services.follow_up_check_in,
                self.caseworker,
                check_in,
            )
            self.clock.set(CheckIn, check_in.pk, followed_up_at=moment)
        index = PLANS.index(plan)
        for kind, answers, clarity, day in (
            (
                CheckInKind.MIDPOINT,
                plan.midpoint,
                plan.clarity[0],
                datetime.date(2023, 10, 9 + index),
            ),
            (
                CheckInKind.END,
                plan.end,
                plan.clarity[1],
                datetime.date(2024, 11, 25) + datetime.timedelta(days=index),
            ),
        ):
            if not answers:
                continue
            for organisation, (usefulness, cooperation, progress, comment), clear in zip(
                (mentor, participant), answers, clarity, strict=True
            ):
                self.check_in(
                    pairing,
                    organisation,
                    kind,
                    day,
                    usefulness=usefulness,
                    cooperation=cooperation,
                    progress=progress,
                    clarity=clear,
                    comment=comment,
                )
                day += datetime.timedelta(days=2)

    def called_off(self, plan: Plan, pairing, days):
        """The planned meetings that were postponed (to the pair's next meeting day) or
        cancelled, each recorded the day before by the side that called it off."""
        sides = {Side.MENTOR: plan.mentor, Side.PARTICIPANT: plan.participant}
        held = [day for day, _gathering in days]
        for planned_on, outcome, side, reason in plan.called_off:
            new_date = None
            if outcome == CallOff.POSTPONED:
                new_date = held[bisect.bisect_right(held, planned_on)]
            called_off, moment = self.do(
                planned_on - datetime.timedelta(days=1),
                services.call_off_meeting,
                self.user(self.organisations[sides[side]]),
                pairing,
                planned_on=planned_on,
                outcome=outcome,
                by_side=side,
                new_date=new_date,
                reason=reason,
            )
            self.clock.set(CalledOffMeeting, called_off.pk, recorded_at=moment)

    def story(self, plan: Plan, replaces=None):
        """The pairing in the pilot, ended with it (or when its mentor was replaced); a pair
        that went on after the pilot starts again in the scheme that followed."""
        pairing = self.pairing(plan, replaces)
        days = _meeting_days(plan, REPLACES_ON if plan.replaced_by else None, self.clock.today)
        last = days[-1][0]
        pilot = [(day, gathering) for day, gathering in days if day <= PILOT_END]
        self.meetings(plan, pairing, pilot, last=last)
        self.called_off(plan, pairing, pilot)
        self.check_ins(plan, pairing, pilot[0][0])
        if not plan.replaced_by:
            self.end_with_the_pilot(pairing)
        if plan.later:
            self.going_on(plan, days[len(pilot) :], len(pilot), last)
        return pairing

    def end_with_the_pilot(self, pairing):
        self.do(
            GOING_ON - datetime.timedelta(days=3),
            services.set_status,
            self.caseworker,
            pairing,
            PairingStatus.ENDED,
            reason=ENDED,
        )
        # set_status ends a pairing today; the pilot ended on 31 December 2024.
        Pairing.objects.filter(pk=pairing.pk).update(ends_on=PILOT_END)

    def going_on(self, plan: Plan, days, first, last):
        """The pair after the pilot, in the scheme that followed: its meetings up to a few days
        ago, its first check-ins and, for a pair in trouble, a flag."""
        pairing = self.pairing(plan, scheme=self.successor, starts_on=GOING_ON)
        self.meetings(plan, pairing, days, first, last)
        for offset, slug in enumerate((plan.mentor, plan.participant)):
            self.check_in(
                pairing, self.organisations[slug], CheckInKind.FIRST,
                days[0][0] + datetime.timedelta(days=1 + offset), good_fit=True,
            )  # fmt: skip
        if plan.flag:
            day = max(self.clock.today - datetime.timedelta(days=12), last)
            flag, moment = self.do(
                day, services.raise_flag, self.user(self.organisations[plan.participant]),
                pairing, FLAG, hour=11, unread=True,
            )  # fmt: skip
            self.clock.set(Flag, flag.pk, raised_at=moment)

    # --- compensation ----------------------------------------------------------------------

    def compensation(self):
        years = {year.year: year for year in SchemeYear.objects.filter(scheme=self.scheme)}
        payments = 0
        for year in (2023, 2024):
            for plan in PLANS:
                if plan.starts_on.year > year or (plan.replaced_by and year > 2023):
                    continue
                mentor = self.organisations[plan.mentor]
                compensation, _ = self.do(
                    datetime.date(year, 2, 1),
                    services.set_compensation,
                    self.caseworker,
                    mentor,
                    years[year],
                    COMPENSATION.get((plan.mentor, year)),
                )
                half = compensation.amount / 2
                instalments = [datetime.date(year, 3, 15), datetime.date(year + 1, 2, 10)]
                if (plan.mentor, year) in UNPAID_REST:
                    instalments = instalments[:1]
                for paid_on in instalments:
                    self.do(
                        paid_on,
                        services.record_compensation_payment,
                        self.caseworker,
                        compensation,
                        amount=half,
                        paid_on=paid_on,
                    )
                    payments += 1
        return payments

    def build(self):
        self.offers()
        for plan in PLANS:
            if plan.starts_on == REPLACES_ON:
                continue  # built when the mentor it follows is replaced
            pairing = self.story(plan)
            if plan.replaced_by:
                follower = next(
                    p for p in PLANS if p.mentor == plan.replaced_by and p.starts_on == REPLACES_ON
                )
                self.story(follower, replaces=pairing)
        self.group(GROUP)
        payments = self.compensation()
        self.clock.apply()
        pairings = Pairing.objects.filter(pk__in=[p.pk for p in self.pairings.values()])
        statuses = {status: pairings.filter(status=status).count() for status in PairingStatus}
        meetings = Meeting.objects.filter(pairing__in=pairings)
        called_off = CalledOffMeeting.objects.filter(pairing__in=pairings)
        tasks = Task.objects.filter(pairing__in=pairings)
        self.log(
            f"Mentoring: {len(OFFERS)} offers, {pairings.count()} pairings "
            f"({statuses[PairingStatus.ACTIVE]} active, {statuses[PairingStatus.ENDED]} ended, "
            f"{statuses[PairingStatus.REPLACED]} replaced), {meetings.count()} meetings "
            f"({meetings.filter(confirmed_at__isnull=True).count()} unconfirmed; "
            f"{called_off.filter(outcome=CallOff.POSTPONED).count()} postponed and "
            f"{called_off.filter(outcome=CallOff.CANCELLED).count()} cancelled), "
            f"{tasks.count()} tasks ({tasks.filter(done_at__isnull=True).count()} open), "
            f"{CheckIn.objects.filter(pairing__in=pairings).count()} check-ins, "
            f"{Flag.objects.filter(pairing__in=pairings).count()} flag, "
            f"{Compensation.objects.filter(mentor__in=_demo_organisations()).count()} "
            f"compensations with {payments} payments."
        )


def load(log):
    if not Scheme.objects.filter(slug=SCHEME_SLUG).exists():
        log("Mentoring: the demo scheme is missing; load the organisations demo first.")
        return
    # The field-by-field history (django-auditlog) would date every demo row today; the
    # services' timeline events are kept and dated. It also makes the loader about twice as fast.
    with disable_auditlog():
        _reset()
        with RowsWritten() as written:
            _Builder(log, written).build()
