"""The pilot scheme as the evaluation report describes it (Rundskriv 10-2022), as demo data."""

import datetime
import threading
from collections import defaultdict
from decimal import Decimal

from django.db.models.signals import post_save

from scheme.models import AwardCondition, Goal, Scheme, SchemeYear, User

SCHEME = {
    "slug": "proveordning-sma-organisasjoner",
    "name": "Prøveordning for små og nystartede organisasjoner på integreringsfeltet",
    "short_name": "Prøveordningen",
    "legal_basis": "Rundskriv nr. 10-2022",
    "purpose": (
        "Styrke små og nystartede organisasjoners kompetanse og utviklingsmuligheter på "
        "integreringsfeltet, gjennom frie driftsmidler, mentor fra en etablert organisasjon og "
        "kompetanseheving."
    ),
}

GOALS = [
    (
        "Styrke sin rolle som organisasjoner ved at de får økt kompetanse om håndtering av "
        "regnskap, drift, prosjektsøknader og rapportering.",
        "Strengthen their role as organisations through competence in accounts, operations, "
        "project applications and reporting.",
    ),
    (
        "Få større nettverk og kjennskap til flere mulige samarbeidspartnere blant etablerte og "
        "små og nystartede organisasjoner.",
        "Widen their network and knowledge of possible partners among established and small, "
        "new organisations.",
    ),
    (
        "Gjøre seg nyttige erfaringer om samhandling med kommuner, fylkeskommuner og "
        "innvandrerråd i integreringsarbeid, som har overføringsverdi til andre.",
        "Gain useful experience of working with municipalities, county authorities and "
        "immigrant councils, with value to others.",
    ),
    (
        "Få erfaring med å gjennomføre tiltak, aktiviteter og prosjekter på integreringsfeltet.",
        "Gain experience of running measures, activities and projects in the integration field.",
    ),
    (
        "Bidra til økt aktivitet på integreringsfeltet, og i økt grad kvalifisere for "
        "prosjektstøtte etter endt tilskuddsperiode.",
        "Increase activity in the integration field and qualify for project funding after the "
        "grant period.",
    ),
    (
        "Igangsette tiltak som på sikt kan ha nasjonal overføringsverdi.",
        "Start measures that may, over time, have national transfer value.",
    ),
]

CONDITIONS = [
    (
        "intended-use",
        "Midlene skal brukes til drift av organisasjonen som tiltenkt.",
        "The money is used for the organisation's operation as intended.",
    ),
    (
        "purpose",
        "Organisasjonen skal aktivt bidra til å nå formålet med ordningen.",
        "The organisation actively works toward the purpose of the scheme.",
    ),
    (
        "effective-use",
        "Tilskuddet skal benyttes effektivt i tråd med målet for tilskuddsordningen.",
        "The grant is used effectively, in line with the goal of the scheme.",
    ),
    (
        "financial-management",
        "Virksomheten skal drives innenfor de økonomiske rammene som er til rådighet, med god "
        "økonomistyring.",
        "The organisation is run within the available financial frame, with sound financial "
        "management.",
    ),
    (
        "norwegian-law",
        "Organisasjonen skal arbeide innenfor norsk lov, herunder arbeidsmiljøloven og "
        "personopplysningsloven.",
        "The organisation complies with Norwegian law, including the Working Environment Act and "
        "the Personal Data Act.",
    ),
    (
        "notify-changes",
        "Tilskuddsmottaker plikter å melde fra dersom grunnlaget for tilskuddet blir endret eller "
        "faller bort.",
        "The recipient must notify IMDi if the basis for the grant changes or lapses.",
    ),
    (
        "clawback",
        "IMDi kan kreve tilbake tilskuddsmidler som er brukt i strid med vilkårene.",
        "IMDi may claw back grant money used against the conditions.",
    ),
    (
        "participation",
        "Organisasjonen skal delta på aktiviteter og kompetansehevingstiltak gjennom ordningen.",
        "The organisation takes part in the scheme's activities and competence building.",
    ),
    (
        "commitment",
        "Organisasjonen forplikter seg til å delta på ordningen ut 2024.",
        "The organisation commits to the scheme until the end of 2024.",
    ),
    (
        "evaluation",
        "Organisasjonen skal være tilgjengelig for evaluering og kontroll av ordningen.",
        "The organisation is available for evaluation and control of the scheme.",
    ),
]

YEARS = (2022, 2023, 2024)

# The pilot ended with 2024 (the evaluation report: "Organisasjonen forplikter seg til å delta
# på ordningen ut 2024"; no third year of grants). What the demo shows of today, the open call
# and the mentoring that went on after the pilot, belongs to the scheme that followed it, so
# that nothing of the pilot lies after 2024. Its years run from 2025 to this one (the later
# ones opened with the rules of the year before, as a caseworker would).
SUCCESSOR = {
    "slug": "sma-organisasjoner-integrering",
    "name": "Tilskudd til små og nystartede organisasjoner på integreringsfeltet",
    "short_name": "Småorganisasjonsordningen",
    "legal_basis": "Regelverk for tilskudd til små og nystartede organisasjoner (demo)",
    "purpose": SCHEME["purpose"],
}
SUCCESSOR_FROM = 2025
RULES = {
    "max_grant": Decimal("110000"),
    "audit_threshold": Decimal("100000"),
    "mentor_compensation": Decimal("40000"),
    "budget_frame": Decimal("1000000"),
    "min_mentor_meetings": 6,
    "max_attendees_per_organisation": 2,
    "max_organisation_age_years": 5,
    "previous_application_years": 2,
}

# Every person the demo makes has an address here; the domain is reserved (RFC 2606), so no
# real person has one.
DEMO_EMAIL_DOMAIN = ".example"


def foreign_data() -> list[str]:
    """The people in the database the demo did not make (``load_demo`` refuses them)."""
    others = User.objects.exclude(email__endswith=DEMO_EMAIL_DOMAIN).count()
    return [f"people with an address outside {DEMO_EMAIL_DOMAIN}: {others}"] if others else []


def load_scheme(administrator) -> Scheme:
    """Create or update the pilot scheme, its goals, conditions and the years 2022–2024."""
    return _load(SCHEME, administrator, CONDITIONS, YEARS)


def load_successor(administrator) -> Scheme:
    """Create or update the scheme after the pilot, with the pilot's goals and conditions (but
    the commitment to 2024) and its first year."""
    conditions = [condition for condition in CONDITIONS if condition[0] != "commitment"]
    return _load(SUCCESSOR, administrator, conditions, (SUCCESSOR_FROM,))


def _load(fields, administrator, conditions, years) -> Scheme:
    scheme, _ = Scheme.objects.update_or_create(
        slug=fields["slug"], defaults={**fields, "administrator": administrator}
    )
    for number, (text_nb, text_en) in enumerate(GOALS, start=1):
        Goal.objects.update_or_create(
            scheme=scheme, number=number, defaults={"text_nb": text_nb, "text_en": text_en}
        )
    for position, (code, text_nb, text_en) in enumerate(conditions, start=1):
        AwardCondition.objects.update_or_create(
            scheme=scheme,
            code=code,
            defaults={"position": position, "text_nb": text_nb, "text_en": text_en},
        )
    for year in years:
        SchemeYear.objects.update_or_create(
            scheme=scheme,
            year=year,
            defaults={**RULES, "report_due_date": datetime.date(year + 1, 1, 23)},
        )
    return scheme


class RowsWritten:
    """The rows this thread saves while the block runs, by model: the demo's own rows.

    The demo moves the timestamps the services set to "now" back to the day of the story; it
    may move only these, chosen by primary key, never "everything written since the load
    began", which on a shared database would include other people's audit trail. Rows written
    with ``bulk_create`` (no signal) are added with ``add``.
    """

    def __init__(self):
        self._pks = defaultdict(set)
        self._thread = threading.get_ident()

    def __enter__(self):
        post_save.connect(self._saw, weak=False, dispatch_uid=self._uid())
        return self

    def __exit__(self, *exc_info):
        post_save.disconnect(dispatch_uid=self._uid())

    def _uid(self):
        return ("demo-rows-written", id(self))

    def _saw(self, sender, instance, **kwargs):
        if threading.get_ident() == self._thread:
            self._pks[sender].add(instance.pk)

    def add(self, model, pks):
        self._pks[model].update(pks)

    def pks(self, model) -> list:
        return sorted(self._pks.get(model, ()))

    def __contains__(self, model) -> bool:
        return bool(self._pks.get(model))
