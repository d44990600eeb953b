"""Demo data: the administering body, the evaluator, the nine participant and ten mentor
organisations of the pilot (DOMAIN.md), one login for each role, and the scheme itself.

Names, places, target groups and activities follow the evaluation report; organisation
numbers, founding dates, addresses and people are fictional and marked as demo. Running the
loader again updates the same rows.

Collaborations (the network) follow the report's portraits of the nine: AktivNo works with
Matsentralen Trøndelag and Caritas ("samarbeider med Matsentralen Trøndelag og Caritas"; Caritas
Norge is a mentor in the register), Beatus Cras with the municipalities of Bergen, Alver and
Øygarden, IFO with Fredrikstad and Sarpsborg, Noor Hald with Kvinnenettverket Noor in Bodø,
Wadajir with Iqra Læringssenter and Telemark Islamske Trossamfunn. Partners in the register
are named from it (Caritas Norge, Bergen, Fredrikstad, Oslo, Færder, Vestland); the rest in
words. The report tells, without naming it, of one participant that by the end "hadde etablert
samarbeid eller planlagt fremtidig samarbeid med flere av de andre": here Inter-Nationals (one
tie with Grønland, named from both sides, and two planned), which is fictional, as is
Wadajir's continued collaboration with its mentor KIA ("flere av de som fikk særlig god kontakt
planla å [...] utvikle samarbeidet videre"). No immigrant council: the report says such
collaborations "ble i mindre grad sentralt i ordningen".

Branches: "To av dem lyktes i å etablere lokallag andre steder i løpet av
prøveordningsperioden": AktivNo and Beatus Cras, both in Oslo in 2024 (Beatus Cras's branches
in Grimstad and Arendal are older). Noor Hald covers four municipalities from Sandnessjøen, one
organisation rather than branches.

The follow-up a year after the pilot: see ``FOLLOW_UPS``.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from organisations import services
from organisations.forms import register_municipalities
from organisations.geography import County
from organisations.models import (
    Activity,
    ApplicationOutcome,
    Branch,
    Collaboration,
    CollaborationStatus,
    CompetenceArea,
    FollowUp,
    Frequency,
    Grantor,
    JoinRequest,
    Language,
    Membership,
    Organisation,
    PartnerKind,
    PreviousApplication,
    RegistrationRequest,
    TargetGroup,
)
from organisations.orgnr import fictional_orgnr
from scheme import audit
from scheme.demo import load_scheme, load_successor
from scheme.roles import MemberRole, OrganisationKind

DEMO_PASSWORD = "demo-portal-2024"

TARGET_GROUPS = [
    ("all-immigrants", "Alle innvandrere", "All immigrants"),
    ("russian-speaking", "Russisktalende innvandrere", "Russian-speaking immigrants"),
    ("polish", "Polske innvandrere", "Polish immigrants"),
    ("ukrainian-refugees", "Ukrainske flyktninger", "Ukrainian refugees"),
    ("families", "Barnefamilier", "Families with children"),
    ("youth", "Ungdom med innvandrerbakgrunn", "Youth with immigrant background"),
    ("highly-qualified", "Høyt kvalifiserte innvandrere", "Highly qualified immigrants"),
    ("minority-women", "Minoritetskvinner", "Minority women"),
    ("balkan", "Innvandrere fra Serbia og Bosnia-Hercegovina", "From Serbia and Bosnia"),
    ("elderly", "Eldre innvandrere", "Elderly immigrants"),
]

LANGUAGES = [
    ("no", "Norsk", "Norwegian"),
    ("en", "Engelsk", "English"),
    ("ru", "Russisk", "Russian"),
    ("uk", "Ukrainsk", "Ukrainian"),
    ("pl", "Polsk", "Polish"),
    ("so", "Somali", "Somali"),
    ("ar", "Arabisk", "Arabic"),
    ("sr", "Serbisk", "Serbian"),
    ("ur", "Urdu", "Urdu"),
    ("ti", "Tigrinja", "Tigrinya"),
]

MUN, ORG, CTY = PartnerKind.MUNICIPALITY, PartnerKind.ORGANISATION, PartnerKind.COUNTY
PAR, MEN = PartnerKind.PARTICIPANT, PartnerKind.MENTOR
PLANNED = CollaborationStatus.PLANNED

# name, slug, municipality, municipality number, postal code, founded, member-based,
# members, paying members, target groups, languages, description,
# activities (name, frequency, participants), branches (name, municipality, county, year),
# collaborations (partner kind, partner, since year[, status]): "@slug" names a participant or
# mentor of the demo from the register; a municipality or county in the register is found by
# its name (``_from_register``).
PARTICIPANTS = [
    (
        "AktivNo",
        "aktivno",
        "Trondheim",
        "5001",
        "7011",
        datetime.date(2019, 3, 14),
        True,
        1000,
        None,
        ["russian-speaking", "ukrainian-refugees", "elderly"],
        ["ru", "uk", "no"],
        "Russisktalende innvandrere som har bodd lenge i Norge hjelper nyankomne med å forstå "
        "hvordan Norge fungerer. Matutdeling til over 100 familier hver uke, norskkurs, "
        "ungdomsklubb og pensjonistklubb.",
        [
            ("Matutdeling", "weekly", 100),
            ("Ungdomsklubben", "weekly", 25),
            ("Pensjonistklubben", "fortnightly", 20),
            ("Norskkurs (100 skoletimer)", "weekly", 30),
        ],
        [("AktivNo Oslo", "Oslo", "03", 2024)],
        [(ORG, "Matsentralen Trøndelag", 2021), (MEN, "@caritas", 2022)],
    ),
    (
        "Beatus Cras",
        "beatuscras",
        "Bergen",
        "4601",
        "5003",
        datetime.date(2018, 9, 1),
        True,
        450,
        400,
        ["polish", "ukrainian-refugees", "families"],
        ["pl", "uk", "no"],
        "Møteplasser for polske og ukrainske innvandrere og majoritetsbefolkningen: språkkurs, "
        "familiefestival, Kafe Samhold, støttetelefon og matutdeling (over 50 tonn i året).",
        [
            ("Kafe Samhold", "weekly", 40),
            ("Støttetelefon", "weekly", 30),
            ("Språkkurs med frivillige", "weekly", 20),
            ("Familiefestival", "yearly", 3000),
        ],
        [
            ("Beatus Cras Grimstad", "Grimstad", "42", 2020),
            ("Beatus Cras Arendal", "Arendal", "42", 2021),
            ("Beatus Cras Oslo", "Oslo", "03", 2024),
        ],
        [
            (MUN, "Bergen kommune", 2020),
            (MUN, "Alver kommune", 2022),
            (MUN, "Øygarden kommune", 2022),
        ],
    ),
    (
        "Grønland foreldre og barn gruppe",
        "gronland",
        "Oslo",
        "0301",
        "0188",
        datetime.date(2020, 2, 10),
        False,
        None,
        None,
        ["families", "minority-women", "youth"],
        ["ar", "so", "ur", "no"],
        "Sosial møteplass for barnefamilier på Grønland og Tøyen: barneklubb hver uke med rundt "
        "120 deltakere hver helg, Kvinne Kaffe, Eid-fest, 17. mai-fest og informasjonsmøter.",
        [
            ("Grønland barneklubb", "weekly", 120),
            ("Kvinne Kaffe på Tøyen", "weekly", 15),
            ("Olafiagangen Barnas dager", "yearly", 300),
        ],
        [],
        [(MUN, "Oslo kommune, bydel Gamle Oslo", 2021), (PAR, "@internationals", 2024)],
    ),
    (
        "Innvandrerforum i Østfold",
        "ifo",
        "Fredrikstad",
        "3107",
        "1606",
        datetime.date(2018, 5, 20),
        True,
        120,
        80,
        ["youth"],
        ["ar", "so", "no"],
        "Trygg ungdom med både norsk og minoritetsidentitet: friluftsliv og idrett, "
        "motivasjonsseminarer, språktrening og forebyggende arbeid mot utenforskap.",
        [
            ("Frilufts- og idrettsaktiviteter", "monthly", 30),
            ("Utdannings- og motivasjonsseminar", "quarterly", 50),
        ],
        [],
        [(MUN, "Fredrikstad kommune", 2019), (MUN, "Sarpsborg kommune", 2021)],
    ),
    (
        "Inter-Nationals",
        "internationals",
        "Oslo",
        "0301",
        "0159",
        datetime.date(2019, 11, 5),
        True,
        300,
        0,
        ["highly-qualified", "all-immigrants"],
        ["en", "no"],
        "Støtter innvandrere til å trives i Norge, ikke bare overleve: karriereverksteder og "
        "gruppementoring, Policy Shaper Programme og podkasten Every Krone Matters.",
        [
            ("Career workshop and mentorship", "monthly", 40),
            ("Policy Shaper Programme", "quarterly", 25),
        ],
        [],
        [
            (ORG, "AOF", 2023),
            (PAR, "@gronland", 2024),
            (PAR, "@beatuscras", 2024, PLANNED),
            (PAR, "@aktivno", 2024, PLANNED),
        ],
    ),
    (
        "Kvinnenettverket Noor Hald",
        "noorhald",
        "Alstahaug",
        "1820",
        "8800",
        datetime.date(2020, 8, 18),
        True,
        90,
        60,
        ["minority-women", "families"],
        ["ar", "ti", "no"],
        "Nettverk for innvandrer- og minoritetskvinner i Herøy, Alstahaug, Leirfjord og Dønna: "
        "språkkafé, Mat og prat, kvinnekvelder og koret Multikor.",
        [
            ("Språkkafé på biblioteket", "fortnightly", 15),
            ("Multikor", "weekly", 20),
            ("Mat og prat", "monthly", 20),
        ],
        [],
        [(ORG, "Kvinnenettverket Noor Bodø", 2021)],
    ),
    (
        "Serbisk forening Sveti Sava",
        "svetisava",
        "Færder",
        "3911",
        "3140",
        datetime.date(2018, 1, 27),
        True,
        150,
        120,
        ["balkan", "families"],
        ["sr", "no"],
        "Samlingspunkt for serbere i Vestfold og omegn: språkkafé med norsklærere, hjelp med CV "
        "og jobbsøking, serbisk skole hver lørdag og fotball hver fredag.",
        [
            ("Serbisk skole", "weekly", 25),
            ("Fotball", "weekly", 20),
            ("Språkkafé", "monthly", 20),
        ],
        [],
        [(MUN, "Færder kommune", 2022)],
    ),
    (
        "Vestland Krysskulturell Brobyggertjeneste",
        "brobygger",
        "Bergen",
        "4601",
        "5015",
        datetime.date(2019, 6, 3),
        False,
        None,
        None,
        ["all-immigrants", "families"],
        ["ar", "so", "ti", "no"],
        "Brobyggere mellom nyankomne og det offentlige: dialogsamlinger om barnevernet på skoler "
        "og helsestasjoner, åpent kontor for veiledning og rådgivning.",
        [
            ("Dialogsamlinger om barnevernet", "monthly", 30),
            ("Åpent kontor", "weekly", 10),
        ],
        [],
        [(MUN, "Bergen kommune", 2020), (CTY, "Vestland fylkeskommune", 2023)],
    ),
    (
        "Wadajir forening",
        "wadajir",
        "Skien",
        "4003",
        "3724",
        datetime.date(2021, 1, 12),
        True,
        200,
        150,
        ["all-immigrants", "youth"],
        ["so", "ar", "no"],
        "Dialogkvelder om barnevern og psykisk helse, karriereveiledning, lavterskel "
        "fotballtreninger og temakvelder om utenforskap.",
        [
            ("Temakvelder", "monthly", 40),
            ("Lavterskel fotballtrening", "weekly", 25),
        ],
        [],
        [
            (ORG, "Iqra Læringssenter", 2023),
            (ORG, "Telemark Islamske Trossamfunn", 2023),
            (MEN, "@kia", 2024),
        ],
    ),
]

# What each participant wants to learn (codes of the seeded competence areas).
# The follow-up a year after the pilot (2022–2024): "I etterkant av prøveordningen har flere av
# organisasjonene lykkes med søknader om midler" (the report's summary of the courses). Which
# organisations, the grantors and the amounts are fictional; Noor Hald answered that it applied
# for none. The others have not answered yet (their leaders see the task).
FOLLOW_UPS = {
    "aktivno": [
        (2025, Grantor.MUNICIPALITY, "Trondheim kommune", 120000, ApplicationOutcome.GRANTED),
    ],
    "beatuscras": [
        (2025, Grantor.OTHER, "Sparebankstiftelsen DNB", 200000, ApplicationOutcome.GRANTED),
        (2025, Grantor.MUNICIPALITY, "Bergen kommune", 80000, ApplicationOutcome.REJECTED),
    ],
    "wadajir": [
        (
            2025,
            Grantor.IMDI,
            "IMDi: tilskudd til integreringsarbeid i regi av sivilsamfunn",
            150000,
            ApplicationOutcome.GRANTED,
        ),
    ],
    "noorhald": [],
}
FOLLOW_UPS_ANSWERED = datetime.datetime(2026, 2, 16, 10, 0, tzinfo=datetime.UTC)

COMPETENCE_NEEDS = {
    "aktivno": ["accounts", "applications", "volunteers"],
    "beatuscras": ["reporting", "board-work", "strategy"],
    "gronland": ["accounts", "applications", "board-work"],
    "ifo": ["applications", "communication"],
    "internationals": ["strategy", "communication"],
    "noorhald": ["accounts", "board-work", "volunteers"],
    "svetisava": ["applications", "reporting"],
    "brobygger": ["strategy", "privacy", "accounts"],
    "wadajir": ["applications", "accounts", "communication"],
}

# name, slug, municipality, municipality number, founded, description
MENTORS = [
    (
        "Minotenk",
        "minotenk",
        "Oslo",
        "0301",
        datetime.date(2009, 1, 1),
        "Minoritetspolitisk tankesmie.",
    ),
    (
        "Norges Frivilligsentraler",
        "nfs",
        "Oslo",
        "0301",
        datetime.date(2004, 1, 1),
        "Interesseorganisasjon for frivilligsentralene i Norge.",
    ),
    (
        "Landsrådet for Norges barne- og ungdomsorganisasjoner (LNU)",
        "lnu",
        "Oslo",
        "0301",
        datetime.date(1980, 1, 1),
        "Paraply for barne- og ungdomsorganisasjoner; forvalter flere tilskuddsordninger.",
    ),
    (
        "Caritas Norge",
        "caritas",
        "Oslo",
        "0301",
        datetime.date(1952, 1, 1),
        "Katolsk hjelpeorganisasjon.",
    ),
    (
        "Kristent Interkulturelt Arbeid (KIA)",
        "kia",
        "Oslo",
        "0301",
        datetime.date(1974, 1, 1),
        "Interkulturelt arbeid med språkkafeer og aktiviteter over hele landet.",
    ),
    (
        "Norsk Folkehjelp",
        "folkehjelp",
        "Oslo",
        "0301",
        datetime.date(1939, 1, 1),
        "Arbeiderbevegelsens humanitære organisasjon.",
    ),
    (
        "Mangfold Inkludering Respekt (MiR)",
        "mir",
        "Oslo",
        "0301",
        datetime.date(2011, 1, 1),
        "Ressurssenter for mangfold og inkludering.",
    ),
    (
        "Norske Kvinners Sanitetsforening",
        "sanitet",
        "Oslo",
        "0301",
        datetime.date(1896, 1, 1),
        "Kvinneorganisasjon for helse og inkludering.",
    ),
    (
        "Redd Barna",
        "reddbarna",
        "Oslo",
        "0301",
        datetime.date(1946, 1, 1),
        "Barnerettighetsorganisasjon.",
    ),
    (
        "Norges Røde Kors",
        "rodekors",
        "Oslo",
        "0301",
        datetime.date(1865, 1, 1),
        "Humanitær organisasjon.",
    ),
]


def _choices(model, rows):
    return {
        code: model.objects.update_or_create(
            code=code, defaults={"name_nb": name_nb, "name_en": name_en}
        )[0]
        for code, name_nb, name_en in rows
    }


def _organisation(stem, kind, name, **fields):
    organisation, _ = Organisation.objects.update_or_create(
        org_number=fictional_orgnr(stem),
        defaults={"kind": kind, "name": name, "is_demo": True, **fields},
    )
    return organisation


def _login(email, full_name, organisation=None, role=MemberRole.LEADER, **flags):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, **flags}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if organisation is not None:
        Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
    return user


def _replace(model, organisation, rows):
    """Replace an organisation's demo list so a second run leaves the same rows."""
    model.objects.filter(organisation=organisation).delete()
    model.objects.bulk_create([model(organisation=organisation, **row) for row in rows])


def _participant(index, row, target_groups, languages):
    (
        name,
        slug,
        municipality,
        number,
        postal,
        founded,
        member_based,
        members,
        paying,
        groups,
        langs,
        description,
        activities,
        branches,
        _partners,  # made by _collaborations once every organisation exists
    ) = row
    organisation = _organisation(
        99100000 + 2 * index,
        OrganisationKind.PARTICIPANT,
        name,
        municipality=municipality,
        municipality_number=number,
        county=number[:2],
        postal_code=postal,
        postal_place=municipality,
        street_address=f"Demoveien {index + 1}",
        email=f"post@{slug}.example",
        website=f"https://{slug}.example",
        founded=founded,
        in_voluntary_register=True,
        voluntary_register_since=founded + datetime.timedelta(days=60),
        member_based=member_based,
        members_count=members,
        paying_members_count=paying,
        description=description,
    )
    organisation.target_groups.set([target_groups[code] for code in groups])
    organisation.languages.set([languages[code] for code in langs])
    organisation.competence_needs.set(
        CompetenceArea.objects.filter(code__in=COMPETENCE_NEEDS[slug])
    )
    _replace(
        Activity,
        organisation,
        [
            {"name": act, "frequency": freq, "typical_participants": n}
            for act, freq, n in activities
        ],
    )
    _replace(
        Branch,
        organisation,
        [
            {"name": b, "municipality": m, "county": c, "founded": datetime.date(y, 1, 1)}
            for b, m, c, y in branches
        ],
    )
    grantor = Grantor.IMDI if index % 2 == 0 else Grantor.MUNICIPALITY
    _replace(
        PreviousApplication,
        organisation,
        [
            {
                "year": 2021,
                "grantor": grantor,
                "grantor_name": "IMDi" if grantor == Grantor.IMDI else f"{municipality} kommune",
                "amount": 50000,
                "outcome": ApplicationOutcome.GRANTED,
            },
            *(
                {"year": y, "grantor": g, "grantor_name": n, "amount": a, "outcome": o}
                for y, g, n, a, o in FOLLOW_UPS.get(slug, [])
            ),
        ],
    )
    _login(f"leder@{slug}.example", f"Leder i {name}", organisation)
    return organisation


def load(log):
    target_groups = _choices(TargetGroup, TARGET_GROUPS)
    languages = _choices(Language, LANGUAGES)
    imdi = _organisation(
        99000000,
        OrganisationKind.ADMINISTRATOR,
        "Integrerings- og mangfoldsdirektoratet (IMDi)",
        municipality="Oslo",
        municipality_number="0301",
        county="03",
        website="https://imdi.example",
        description="Forvalter tilskuddsordningen og prøveordningen.",
    )
    evaluator = _organisation(
        99000010,
        OrganisationKind.EVALUATOR,
        "NTNU Samfunnsforskning",
        municipality="Trondheim",
        municipality_number="5001",
        county="50",
        description="Følgeevaluering av prøveordningen 2022–2024.",
    )
    scheme = load_scheme(imdi)
    load_successor(imdi)
    participants = [
        _participant(index, row, target_groups, languages) for index, row in enumerate(PARTICIPANTS)
    ]
    in_register = {row[1]: o for row, o in zip(PARTICIPANTS, participants, strict=True)}
    for index, (name, slug, municipality, number, founded, description) in enumerate(MENTORS):
        mentor = _organisation(
            99200000 + 2 * index,
            OrganisationKind.MENTOR,
            name,
            municipality=municipality,
            municipality_number=number,
            county=number[:2],
            founded=founded,
            in_voluntary_register=True,
            member_based=True,
            description=description,
        )
        mentor.languages.set([languages["no"], languages["en"]])
        in_register[slug] = mentor
        _login(f"mentor@{slug}.example", f"Mentorkontakt i {name}", mentor, MemberRole.CONTACT)
    _login("admin@imdi.example", "Admin Adminsen", is_staff=True, is_superuser=True)
    _login("saksbehandler@imdi.example", "Sara Saksbehandler", imdi, MemberRole.MEMBER)
    _login("evaluator@ntnu.example", "Eva Evaluator", evaluator, MemberRole.MEMBER)
    _collaborations(in_register)
    _follow_ups(scheme, in_register)
    log(f"{len(participants)} participant and {len(MENTORS)} mentor organisations loaded.")
    aktivno = next(o for o in participants if o.name == "AktivNo")
    _waiting_at_the_front_door(target_groups, aktivno)


def _from_register(kind, partner, in_register) -> dict:
    """A demo collaboration's partner, named from the register where it is there: "@slug" a
    demo organisation; a municipality or a county authority by the name it starts with."""
    if partner.startswith("@"):
        organisation = in_register[partner[1:]]
        return {"partner": organisation, "partner_name": organisation.name}
    named = {"partner_name": partner}
    if kind == MUN:
        for number, name in register_municipalities():
            if partner.startswith(f"{name} kommune"):
                return named | {"partner_municipality_number": number}
    if kind == CTY:
        for county in County:
            if partner.startswith(f"{county.label} fylkeskommune"):
                return named | {"partner_county": county.value}
    return named


def _collaborations(in_register) -> None:
    """Every participant's collaborations, once all the demo's organisations exist."""
    for row in PARTICIPANTS:
        organisation = in_register[row[1]]
        rows = []
        for kind, partner, year, *status in row[-1]:
            rows.append(
                {
                    "partner_kind": kind,
                    "since": datetime.date(year, 3, 1),
                    "status": status[0] if status else CollaborationStatus.ACTIVE,
                    **_from_register(kind, partner, in_register),
                }
            )
        _replace(Collaboration, organisation, rows)
        for collaboration in organisation.collaborations.all():
            collaboration.full_clean()  # the demo keeps the rules the form keeps


def _follow_ups(scheme, in_register) -> None:
    """The follow-ups answered a year after the pilot (the grants are on the profiles)."""
    answered = min(timezone.now(), FOLLOW_UPS_ANSWERED)
    for slug in FOLLOW_UPS:
        organisation = in_register[slug]
        FollowUp.objects.update_or_create(
            organisation=organisation,
            scheme=scheme,
            defaults={
                "answered_at": answered,
                "answered_by": _login(f"leder@{slug}.example", f"Leder i {organisation.name}"),
            },
        )


# A fictional organisation whose registration waits for the caseworker, and a person who asks
# to join AktivNo; both people are in no organisation yet.
APPLICANT = ("leder@sagenesprakvenner.example", "Amina Hassan")
JOINER = ("frida@frivillig.example", "Frida Frivillig")
REGISTRATION = {
    "kind": OrganisationKind.PARTICIPANT,
    "org_number": fictional_orgnr(99400000),  # grants/demo.py numbers from 99300000
    "name": "Sagene språkvenner",
    "founded": datetime.date(2023, 9, 1),
    "in_voluntary_register": True,
    "street_address": "Demoveien 40",
    "postal_code": "0473",
    "postal_place": "Oslo",
    "municipality": "Oslo",
    "municipality_number": "0301",
    "county": "03",
    "email": "post@sagenesprakvenner.example",
    "phone": "400 00 000",
    "description": "Kvinner med minoritetsbakgrunn møtes til språkkafé og leksehjelp for barna. "
    "Frivillige med norsk som morsmål øver samtale med deltakerne.",
    "activity_name": "Språkkafé",
    "activity_frequency": Frequency.WEEKLY,
    "activity_participants": 15,
}


def _register_data(fields) -> dict:
    """What Enhetsregisteret would have said about the demo organisation."""
    keys = (*RegistrationRequest.REGISTER_FIELDS, "org_number", "municipality_number")
    data = {key: fields[key] for key in keys}
    return data | {"name": fields["name"].upper(), "founded": fields["founded"].isoformat()}


def _waiting_at_the_front_door(target_groups, aktivno) -> None:
    """Once: the demo registration (unless it was decided, or the organisation registered)
    and the request to join AktivNo (unless it was answered)."""
    applicant = _login(*APPLICANT)
    number = REGISTRATION["org_number"]
    asked = RegistrationRequest.objects.filter(org_number=number, is_demo=True).exists()
    if not asked and not Organisation.objects.filter(org_number=number).exists():
        registration = RegistrationRequest.objects.create(
            requested_by=applicant,
            is_demo=True,
            register_data=_register_data(REGISTRATION),
            **REGISTRATION,
        )
        registration.target_groups.set([target_groups["minority-women"], target_groups["families"]])
        audit.record(applicant, services.REGISTRATION_REQUESTED, registration, registration.name)
    joiner = _login(*JOINER)
    if not JoinRequest.objects.filter(user=joiner, organisation=aktivno).exists():
        JoinRequest.objects.create(
            user=joiner,
            organisation=aktivno,
            message="Jeg har vært frivillig på matutdelingen i et år og vil gjerne hjelpe til "
            "med søknaden.",
        )
        audit.record(joiner, services.JOIN_REQUESTED, aktivno, str(joiner))


LOGINS = [
    ("admin", "admin@imdi.example"),
    ("caseworker", "saksbehandler@imdi.example"),
    ("approver", "godkjenner@imdi.example"),
    ("evaluator", "evaluator@ntnu.example"),
    ("organisation member", "leder@aktivno.example"),
    ("mentor", "mentor@reddbarna.example"),
    ("new organisation", APPLICANT[0]),
    ("asks to join AktivNo", JOINER[0]),
]


def foreign_data() -> list[str]:
    """The organisations in the database the demo did not make (``load_demo`` refuses them)."""
    others = Organisation.objects.filter(is_demo=False).count()
    return [f"organisations not marked as demo: {others}"] if others else []


def after_load(log):
    """The demo logins, printed once every app has loaded."""
    log(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in LOGINS:
        log(f"  {role:<20} {email}")
    log("  Every participant has leder@<name>.example and every mentor mentor@<name>.example.")
