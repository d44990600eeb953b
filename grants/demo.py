"""Demo data for grants: the pilot's two grant years, 2023 and 2024, with their calls,
applications, decisions, payments, reports and accounts, as the evaluation report tells it
(DOMAIN.md, "What happened"; the README's "Evaluation report facts" table).

The intake, the closed call of spring 2022, decided that year, for the grants of 2023: 56
invited applicants, the nine real participants and 47 fictional ones (marked as demo),
assessed, ranked and decided: nine awards within the NOK 1 000 000 frame, 47 rejections with
their reasons, and one appeal (the decision upheld); the grants paid in January 2023. For 2024
a call for the nine in November 2023. No third year: the grant reports for 2023 and 2024 are
due 23 January 2024 and 2025, in different states, with a change notice and a clawback; the
rest of three 2024 grants held for the report is paid when the report is approved (March
2025), the last money of the pilot. Each of the nine gave a bank account for payouts before
its first payment, confirmed by the caseworker.

What lies after the pilot is of the day the demo is loaded, so that the portal has work to
show today: Wadajir has given a new account that waits for the caseworker to confirm it, and
an open call this year, open now, takes applications from every eligible organisation. The
call belongs to the scheme that followed the pilot (``scheme.demo.SUCCESSOR``, its years
opened up to this one), so nothing of the pilot lies after 2024.

The money tells the evaluation report's story (/work/shared/seed/000_94c58eddaf096e82.txt; the
text has no page numbers, so by section):

* "Utvelgelse av deltakerorganisasjoner og mentorer": IMDi received 56 applications and chose 9
  within a frame of 1 million kroner, with up to 110 000 kroner each, weighing geography,
  target groups and type of organisation;
* "Betydningen av tilskuddsmidler": most spent the most on salary or fees; two spent nothing on
  salary, most of the grant on activities and events (here Grønland and Sveti Sava, NO_SALARY);
  they applied for and got about 100 000 kroner each, several 89 000-99 000 to avoid the
  auditor's fee above the 100 000 kroner audit threshold (the REAL amounts; many of the
  fictional applicants ask for 89 000-100 000 too: 27 of the 65 applications lie within 10 %
  under the threshold);
* the closing chapter on the use of resources: the grants, 40 000 kroner a year to each mentor
  organisation and IMDi's gatherings and courses, for nine organisations. It calls IMDi's close
  follow-up demanding but gives no figure for its staff time, so the demo records no staff
  cost for the years (``SchemeYear.staff_cost`` stays empty).

Everything happens through ``grants.services``, as the people involved would have done it.
The services work "today" (a call must be open to apply, an appeal deadline must not have
passed), so the history is written as a list of dated steps run in date order:

* while its applications are written, a call's dates are set to today and then put back, and
  the messages that named today's date as the deadline are mended;
* after each step, every timestamp the services just wrote (on the grant rows, the timeline,
  the audit log and the notifications) is moved back to the step's date; notifications are
  marked as read and e-mailed then, so no old mail goes out;
* appeal deadlines and a clawback's repayment date, which the services compute from today,
  are set from the decision's date.

The pilot's call checked the rules only in the assessment, so the applicants it screened out
on them start their applications before the fact that fails them is on their profile.

Running the loader again updates the fictional organisations and leaves the grant history as
it is once the intake call exists (``load_demo`` is one transaction, so it is never half made);
the bank accounts, the waiting account change and the open call are made once, when missing.
"""

import copy
import datetime
import random
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import groupby
from operator import itemgetter
from unittest import mock

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F, Sum, Value
from django.db.models.functions import Replace
from django.utils import timezone, translation
from django.utils.text import slugify

from grants import services
from grants.account_numbers import fictional_account_number
from grants.models import (
    APPEAL_PERIOD,
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Assessment,
    Attachment,
    AttachmentKind,
    Award,
    ChangeNotice,
    Clawback,
    Decision,
    DecisionKind,
    DecisionProposal,
    Disbursement,
    GrantReport,
    ImpartialityDeclaration,
    Invitation,
    PaymentAttestation,
    PayoutAccount,
    ReportReminder,
    Round,
    RoundKind,
)
from organisations.demo import DEMO_PASSWORD, PARTICIPANTS
from organisations.models import (
    Activity,
    ApplicationOutcome,
    CompetenceArea,
    Grantor,
    Language,
    Membership,
    Organisation,
    PreviousApplication,
    TargetGroup,
)
from organisations.orgnr import fictional_orgnr
from scheme import services as scheme_services
from scheme.demo import SCHEME, SUCCESSOR, RowsWritten
from scheme.formatting import format_day
from scheme.models import Event, Notification, Scheme
from scheme.records.models import CaseFile, CaseSequence, RegistryEntry
from scheme.roles import MemberRole, OrganisationKind

CASEWORKER_EMAIL = "saksbehandler@imdi.example"
# The second person on decisions and payments: an approver in the same body, who approves
# what the caseworker proposes and attests (issue 13).
APPROVER = ("godkjenner@imdi.example", "Gunnar Godkjenner")
K = Decimal(1000)

# --- the calls ---------------------------------------------------------------------------------

ROUND_TITLE = "Prøveordning for små og nystartede organisasjoner {year}"

GUIDANCE_INTAKE = """\
Prøveordningen er for små og nystartede organisasjoner som arbeider med integrering. \
Organisasjonene som blir tatt inn, får frie driftsmidler på opptil 110 000 kroner i året \
fra 2023, en mentororganisasjon og kurs og samlinger gjennom ordningen ut 2024.

Dere kan søke hvis organisasjonen er invitert og
- er registrert i Frivillighetsregisteret,
- ble stiftet for mindre enn fem år siden,
- har søkt tilskudd fra IMDi eller en kommune i 2021 eller 2022, og
- arbeider for at innvandrere og barna deres deltar i arbeids- og samfunnsliv.

Fortell kort hva dere gjør i dag, hva dere vil bruke pengene til og hva dere vil lære. \
Legg ved vedtektene og siste årsmelding eller regnskap.

Søker dere om mer enn 100 000 kroner, må regnskapet for tilskuddet attesteres av en \
registrert eller statsautorisert revisor.

Søknadsfristen er 20. april 2022. Vi ringer noen av søkerne i mai og sender svar i juni. \
Rammen er 1 000 000 kroner, så vi kan ta inn rundt ni organisasjoner."""

GUIDANCE_FOLLOW_UP = """\
Denne utlysningen er bare for de ni organisasjonene som er med i prøveordningen. \
Søk om tilskudd for {year}: opptil 110 000 kroner i frie driftsmidler.

Fortell kort hva dere vil gjøre i {year}, og legg ved oppdaterte vedtekter og siste \
årsmelding eller regnskap. Søker dere om mer enn 100 000 kroner, må regnskapet attesteres \
av revisor.

Fristen er {deadline}. Svaret kommer i februar, og tilskuddsrapporten for {year} skal \
sendes innen 23. januar {next_year}."""

# The pilot gave grants for two years, 2023 and 2024, and no third (the evaluation report's
# summary; "Ordningens lengde og plassering hos IMDi"). The grants for 2023 came from the
# pilot's intake: the closed call of spring 2022, decided that year ("Utvelgelse av
# deltakerorganisasjoner og mentorer": deadline in April 2022, the choice delayed by the work
# with refugees from Ukraine), paid at the start of 2023; the grants for 2024 from a call for
# the nine in November 2023. The first grant reports were due 23 January 2024 ("Mål og
# rammer").
GRANT_YEARS = (2023, 2024)
INTAKE = GRANT_YEARS[0]  # the grant year of the intake call of 2022

# grant year: (call saved, opens, closes, assessed from/to, proposals, decisions, payment)
CALLS = {
    INTAKE: (
        (2022, 2, 24),
        datetime.date(2022, 3, 1),
        datetime.date(2022, 4, 20),
        ((2022, 4, 25), (2022, 5, 13)),
        (2022, 5, 30),
        (2022, 6, 10),
        datetime.date(2023, 1, 16),
    ),
    2024: (
        (2023, 11, 6),
        datetime.date(2023, 11, 13),
        datetime.date(2023, 12, 8),
        ((2024, 1, 8), (2024, 1, 19)),
        (2024, 1, 26),
        (2024, 2, 2),
        datetime.date(2024, 2, 20),
    ),
}

# --- the nine participants (organisations.demo.PARTICIPANTS, by slug) ----------------------------

# amounts: (applied, awarded) for 2023 and 2024; most of them just under the audit
# threshold of 100 000. spending: what most of the money went to; paid: that line of the
# accounts. Most paid a coordinator or leader; two spent nothing on salary or fees, only on
# activities (NO_SALARY).
NO_SALARY = "activities only"
REAL = {
    "aktivno": {
        "amounts": ((110000, 105000), (110000, 110000)),
        "spending": "salary",
        "paid": "Lønn til koordinator for matutdelingen (40 % stilling)",
        "reach": "Russisktalende innvandrere og ukrainske flyktninger i Trondheim, fra barn til "
        "pensjonister. Matutdelingen alene når over 100 familier i uka.",
        "people": (1150, 1300),
        "plan": "en fast koordinator for matutdelingen og de frivillige, slik at lederen får tid "
        "til norskkurs, ungdomsklubb og pensjonistklubb",
        "partners": "Matsentralen Trøndelag, Caritas og flyktningtjenesten i Trondheim kommune.",
        "phone": "Leder bekreftet stor pågang fra ukrainske flyktninger. Vil ha en fast "
        "koordinator og lære mer om regnskap og frivilligledelse.",
        "merit": "stor og jevn aktivitet og et tydelig behov for å bygge en fast organisasjon",
        "learned": "Vi har fått faste rutiner for regnskap og oppfølging av 40 frivillige, og "
        "styret har tatt styrekurset.",
        "network": "Avtalen med Matsentralen er formalisert, og vi møter flyktningtjenesten i "
        "kommunen hver måned.",
        "started": "Samarbeid med Trondheim kommune om informasjonsmøter for ukrainske familier.",
    },
    "beatuscras": {
        "amounts": ((110000, 110000), (105000, 105000)),
        "spending": "salary",
        "paid": "Lønn til daglig leder (30 % stilling)",
        "reach": "Polske og ukrainske innvandrere i Bergen og på Sørlandet, og naboene deres. "
        "Familiefestivalen samler over 3000 deltakere.",
        "people": (3400, 3600),
        "plan": "en daglig leder i deltidsstilling som holder i Kafe Samhold, støttetelefonen og "
        "språkkursene, og som følger opp avdelingene",
        "partners": "Bergen, Alver og Øygarden kommuner.",
        "phone": "Styreleder beskrev rask vekst og behov for en daglig leder. Ønsker mentor med "
        "erfaring fra større organisasjoner.",
        "merit": "mange deltakere, flere avdelinger og tydelige planer for vekst",
        "learned": "Vi har laget en strategi for 2023–2025 og fått bedre rapportering fra "
        "avdelingene.",
        "network": "Vi har fått avtaler med tre kommuner og kontakt med Norsk Folkehjelp.",
        "started": "Ny avdeling i Oslo og samarbeid med Øygarden kommune om språkkafé.",
    },
    "gronland": {
        "amounts": ((95000, 95000), (95000, 95000)),
        "spending": NO_SALARY,
        "paid": "Barneklubben, Kvinne Kaffe og nabolagsfestene: mat, materiell og utflukter",
        "reach": "Barnefamilier på Grønland og Tøyen, mange med kort botid. Rundt 120 deltakere "
        "hver helg.",
        "people": (500, 520),
        "plan": "barneklubben hver helg, Kvinne Kaffe og fester for hele nabolaget",
        "partners": "Bydel Gamle Oslo og biblioteket på Tøyen.",
        "phone": "Gruppen drives av én ildsjel med god hjelp fra foreldre. Trenger særlig hjelp "
        "med regnskap og styrearbeid.",
        "merit": "høy aktivitet i et område med mange barnefamilier og lite ressurser",
        "learned": "Vi har fått et styre med fem personer og fører regnskap i et eget program.",
        "network": "Vi samarbeider nå med biblioteket og helsestasjonen på Tøyen.",
        "started": "Samarbeid med helsestasjonen om foreldremøter.",
    },
    "ifo": {
        "amounts": ((89000, 89000), (95000, 95000)),
        "spending": "salary",
        "paid": "Honorar til ungdomskoordinator",
        "reach": "Ungdom med innvandrerbakgrunn i Fredrikstad og Sarpsborg, 13–25 år.",
        "people": (340, 380),
        "plan": "en ungdomskoordinator som driver friluftsliv, idrett og motivasjonsseminarer",
        "partners": "Fredrikstad og Sarpsborg kommuner og Østfold idrettskrets.",
        "phone": "Søkte bevisst under revisorgrensen. Motivert for kurs i søknadsskriving.",
        "merit": "forebyggende ungdomsarbeid i Østfold, som ellers ikke er med i porteføljen",
        "learned": "Vi har skrevet tre søknader selv og fått to av dem innvilget.",
        "network": "Vi har fått kontakt med innvandrerrådet i Fredrikstad.",
        "started": "Samarbeid med Sarpsborg kommune om sommeraktiviteter.",
    },
    "internationals": {
        "amounts": ((99000, 99000), (99000, 99000)),
        "spending": "salary",
        "paid": "Honorar til prosjektleder for karriereverkstedene",
        "reach": "Høyt kvalifiserte innvandrere i Oslo-området som vil bruke utdanningen sin i "
        "arbeidslivet.",
        "people": (450, 500),
        "plan": "en prosjektleder for karriereverkstedene, gruppementoring og Policy Shaper "
        "Programme",
        "partners": "AOF og flere arbeidsgivere i Oslo.",
        "phone": "Ingen medlemskontingent, drives av frivillige med jobb ved siden av. Ønsker å "
        "profesjonalisere driften.",
        "merit": "en målgruppe ingen andre søkere når, og et godt gjennomarbeidet opplegg",
        "learned": "Vi har fått et styre med klar arbeidsdeling og en plan for inntekter.",
        "network": "Vi samarbeider med AOF om kurs og har fått kontakt med NAV Grünerløkka.",
        "started": "Samarbeid med AOF om et kurs i norsk arbeidslivskultur.",
    },
    "noorhald": {
        "amounts": ((90000, 90000), (95000, 95000)),
        "spending": "salary",
        "paid": "Honorar til koordinator (20 % stilling)",
        "reach": "Innvandrer- og minoritetskvinner i Herøy, Alstahaug, Leirfjord og Dønna.",
        "people": (140, 150),
        "plan": "en koordinator for språkkafé, Multikor og Mat og prat i fire kommuner",
        "partners": "Biblioteket i Alstahaug og frivilligsentralen.",
        "phone": "Eneste søker fra Helgeland. Lang reisevei til fellessamlinger, men svært "
        "motivert.",
        "merit": "et nettverk for kvinner i distriktet, i en del av landet porteføljen ellers "
        "ikke når",
        "learned": "Vi har lært å lage budsjett og årsregnskap og har holdt vårt første årsmøte "
        "med valg.",
        "network": "Vi har fått kontakt med Kvinnenettverket Noor i Bodø og med kommunene.",
        "started": "Ny avdeling på Dønna og samarbeid med frivilligsentralen.",
    },
    "svetisava": {
        "amounts": ((95000, 95000), (98000, 98000)),
        "spending": NO_SALARY,
        "paid": "Serbisk skole, fotball og språkkafé: bøker, materiell og baneleie",
        "reach": "Familier fra Serbia og Bosnia-Hercegovina i Vestfold, og andre som kommer på "
        "språkkafé.",
        "people": (230, 250),
        "plan": "serbisk skole hver lørdag, fotball, språkkafé og hjelp med CV og jobbsøking",
        "partners": "Færder kommune og biblioteket på Nøtterøy.",
        "phone": "Leder forklarte at midlene går til aktiviteter for barn og familier.",
        "merit": "godt etablerte aktiviteter for barn og en målgruppe fra Balkan",
        "learned": "Vi har fått bedre oversikt over økonomien og lagt budsjett for hver aktivitet.",
        "network": "Vi har fått kontakt med Færder kommune og to andre foreninger i Vestfold.",
        "started": "Samarbeid med Færder kommune om språkkafé på biblioteket.",
    },
    "brobygger": {
        "amounts": ((99000, 99000), (99000, 99000)),
        "spending": "salary",
        "paid": "Honorar til brobyggere",
        "reach": "Nyankomne familier i Bergen som møter barnevern, skole og helsetjenester.",
        "people": (400, 420),
        "plan": "honorar til brobyggere som holder dialogsamlinger og åpent kontor",
        "partners": "Bergen kommune og Vestland fylkeskommune.",
        "phone": "Ikke medlemsbasert. Vil bygge en mer varig organisasjon rundt brobyggerne.",
        "merit": "et tiltak med mulig overføringsverdi til andre kommuner",
        "learned": "Vi har skrevet rutiner for personvern og taushetsplikt for brobyggerne.",
        "network": "Vi samarbeider med Bergen kommune og har fått kontakt med fylkeskommunen.",
        "started": "Dialogsamlinger på to nye skoler i Bergen.",
    },
    "wadajir": {
        "amounts": ((96000, 96000), (99000, 99000)),
        "spending": "salary",
        "paid": "Lønn til daglig leder (20 % stilling)",
        "reach": "Innvandrere i Skien og Grenland, særlig ungdom og foreldre.",
        "people": (300, 330),
        "plan": "en daglig leder i deltid som driver temakvelder, karriereveiledning og "
        "fotballtreninger",
        "partners": "Skien kommune og Iqra Læringssenter.",
        "phone": "Nystartet i 2021 med mange aktive medlemmer. Vil lære søknadsskriving og "
        "regnskap.",
        "merit": "en ung forening med høy aktivitet i Telemark",
        "learned": "Vi har laget årshjul for styret og fått regnskapet godkjent uten merknader.",
        "network": "Vi har fått samarbeid med Iqra Læringssenter og Telemark Islamske Trossamfunn.",
        "started": "Samarbeid med Skien kommune om temakvelder om psykisk helse.",
    },
}

# The 2023 and 2024 story: which reports end where, who gets a second instalment held back,
# the change notice and the clawback.
REPORT_2023 = {
    "ifo": "draft",  # overdue
    "internationals": "submitted",
    "brobygger": "returned",
}
REPORT_2024 = {"gronland": "draft", "wadajir": "submitted"}
HELD_2024 = ("gronland", "brobygger", "wadajir")  # a second instalment after the report
UNSPENT_2023 = {"noorhald": Decimal(6500)}  # clawed back, partly repaid
CHANGE_NOTICE = "internationals"
# Its second 2024 instalment waits for the report, and the new account for the caseworker.
NEW_ACCOUNT = "wadajir"
ACCOUNTS_GIVEN = (2022, 6, 20)  # after the nine accepted, before the first payment
ACCOUNTS_CONFIRMED = (2022, 6, 22)

# --- the open call this year ------------------------------------------------------------------

OPEN_TITLE = "Åpen utlysning {year}: små og nystartede organisasjoner på integreringsfeltet"

OPEN_GUIDANCE = """\
Etter prøveordningen åpner IMDi en ny ordning for flere. Alle små og nystartede \
organisasjoner som arbeider med integrering, kan søke om opptil 110 000 kroner i frie \
driftsmidler for {year}, og får en mentororganisasjon og kurs og samlinger gjennom ordningen.

Dere kan søke hvis organisasjonen
- er registrert i Frivillighetsregisteret,
- ble stiftet for mindre enn fem år siden,
- har søkt tilskudd fra IMDi eller en kommune i {first} eller {last}, og
- arbeider for at innvandrere og barna deres deltar i arbeids- og samfunnsliv.

Portalen sjekker vilkårene mot profilen deres før dere starter søknaden, og sier hva dere \
kan gjøre med det som mangler. Registrer organisasjonen i portalen først hvis den ikke er \
der.

Søknadsfristen er {deadline}."""
OPEN_FOR = datetime.timedelta(weeks=6)  # from the day the demo is loaded

RETURN_COMMENT = (
    "Takk for rapporten. Regnskapet viser 99 000 kroner i honorarer, men vi mangler en "
    "oversikt over hvem som har fått honorar, hvor mange timer og hvilken sats. Legg også inn "
    "tilskuddet fra Bergen kommune som inntekt. Send rapporten på nytt når dette er på plass."
)

# --- the 47 fictional applicants in 2022 -------------------------------------------------------

# Why an application was not granted (the caseworker's main reason).
SPREAD, RANKING, ACTIVITY, AGE, REGISTER, APPLIED, PURPOSE = (
    "spread",
    "ranking",
    "activity",
    "age",
    "register",
    "applied",
    "purpose",
)
NOT_ELIGIBLE = (AGE, REGISTER, APPLIED)  # screened out on the rules, not scored

# name, municipality, number, postal code, postal place, founded, target groups, languages,
# members, reason, amount, activity (name, frequency, participants), description, note
FICTIONAL = [
    ("Somalisk Kvinneforening i Drammen", "Drammen", "3301", "3015", "", (2019, 5, 12),
     ["minority-women", "families"], ["so", "no"], 85, RANKING, 100000,
     ("Kvinnekafé", "weekly", 20),
     "Møteplass for somaliske kvinner i Drammen: kvinnekafé, norsktrening og informasjon om "
     "skole og helse.",
     "Søknaden har en god plan, men får færre poeng på eksisterende aktivitet enn de som fikk "
     "plass."),
    ("Eritreisk Ungdomsforum Stavanger", "Stavanger", "1103", "4006", "", (2020, 9, 1),
     ["youth"], ["ti", "no"], 60, RANKING, 95000, ("Leksehjelp og fotball", "weekly", 25),
     "Ungdomsforum for unge med eritreisk bakgrunn: leksehjelp, fotball og eldre ungdom som "
     "mentorer.",
     "Ungdomsarbeidet er godt, men vi har prioritert én organisasjon for ungdom i porteføljen."),
    ("Afghansk Kulturforening Kristiansand", "Kristiansand", "4204", "4611", "", (2018, 11, 20),
     ["all-immigrants", "families"], ["no", "en"], 140, ACTIVITY, 80000,
     ("Kulturkveld", "quarterly", 40),
     "Kulturkvelder og høytidsfeiringer for afghanere i Agder.",
     "Foreningen holder kulturkvelder noen ganger i året, men har ingen faste ukentlige "
     "aktiviteter."),
    ("Syrisk Familienettverk Lillestrøm", "Lillestrøm", "3205", "2000", "", (2019, 3, 3),
     ["families", "all-immigrants"], ["ar", "no"], 110, SPREAD, 99000,
     ("Familiekafé", "fortnightly", 35),
     "Nettverk for syriske familier på Romerike: familiekafé, foreldreveiledning og hjelp i "
     "møte med NAV og skole.",
     "Porteføljen har allerede to organisasjoner for barnefamilier på Østlandet."),
    ("Polonia Rogaland", "Stavanger", "1103", "4010", "", (2018, 6, 15),
     ["polish", "families"], ["pl", "no"], 230, SPREAD, 110000,
     ("Polsk lørdagsskole", "weekly", 45),
     "Forening for polske familier i Rogaland: lørdagsskole, juridisk veiledning og "
     "familiedager.",
     "Polske innvandrere er allerede en målgruppe i porteføljen, gjennom en større forening."),
    ("Ukrainsk Fellesskap i Tromsø", "Tromsø", "5501", "9008", "", (2022, 3, 10),
     ["ukrainian-refugees"], ["uk", "ru", "no"], 35, ACTIVITY, 70000,
     ("Språkkafé", "weekly", 15),
     "Startet våren 2022 av ukrainere i Tromsø for å hjelpe nyankomne med språk, bolig og jobb.",
     "Foreningen ble stiftet for en måned siden og har så langt én aktivitet."),
    ("Kurdisk Kvinnesenter Oslo", "Oslo", "0301", "0560", "", (2019, 10, 1),
     ["minority-women"], ["ar", "no"], 70, SPREAD, 99000, ("Kvinnegruppe", "weekly", 18),
     "Kvinnesenter med samtalegrupper, norsktrening og kurs i digitale tjenester.",
     "Oslo og minoritetskvinner er allerede godt dekket av organisasjonene som fikk plass."),
    ("Filippinsk Forening i Ålesund", "Ålesund", "1508", "6002", "", (2020, 1, 25),
     ["all-immigrants", "families"], ["en", "no"], 95, RANKING, 60000,
     ("Kulturkveld og basketball", "monthly", 30),
     "Samlingssted for filippinere på Sunnmøre, med kulturkvelder og basketball.",
     "Søknaden er kortfattet, og planene for hva midlene skal brukes til er lite konkrete."),
    ("Litauisk Forening i Kristiansund", "Kristiansund", "1505", "6509", "", (2019, 8, 8),
     ["all-immigrants", "families"], ["en", "no"], 50, ACTIVITY, 50000,
     ("Lørdagsskole", "monthly", 12),
     "Litauisk lørdagsskole og sosiale treff for familier på Nordmøre.",
     "Aktiviteten er en lørdagsskole én gang i måneden med rundt tolv barn."),
    ("Etiopisk Fellesskap i Bodø", "Bodø", "1804", "8006", "", (2020, 5, 17),
     ["all-immigrants"], ["en", "no"], 45, RANKING, 85000,
     ("Kaffeseremoni og nettverkstreff", "monthly", 25),
     "Nettverkstreff for etiopiere i Bodø, med kaffeseremoni og hjelp til jobbsøking.",
     "Nord-Norge er representert i porteføljen, og søknaden kom lavere ut på behov for mentor."),
    ("Sudansk Ungdomsnettverk Sarpsborg", "Sarpsborg", "3105", "1706", "", (2021, 2, 14),
     ["youth"], ["ar", "no"], 40, SPREAD, 95000, ("Ungdomskveld", "weekly", 20),
     "Ungdomskvelder, leksehjelp og turer for unge med sudansk bakgrunn i Østfold.",
     "Porteføljen har allerede en organisasjon for ungdom i Østfold."),
    ("Arabisk Kvinneforum Hamar", "Hamar", "3403", "2317", "", (2019, 4, 4),
     ["minority-women", "families"], ["ar", "no"], 65, RANKING, 90000,
     ("Sy- og språkgruppe", "weekly", 15),
     "Sy- og språkgruppe for arabisktalende kvinner i Hamar.",
     "Søknaden er god, men ble rangert lavere på eksisterende aktivitet og ressurser."),
    ("Chilensk-norsk Kulturforening", "Porsgrunn", "4001", "3921", "", (2009, 9, 18),
     ["all-immigrants"], ["en", "no"], 120, AGE, 75000, ("Kulturarrangement", "quarterly", 60),
     "Kulturarrangementer og latinamerikansk musikk i Grenland.",
     ""),
    ("Pakistansk Kvinnenettverk Lørenskog", "Lørenskog", "3222", "1470", "", (2020, 11, 11),
     ["minority-women"], ["ur", "no"], 55, SPREAD, 99000,
     ("Helsekafé for kvinner", "fortnightly", 20),
     "Helsekafé og kurs om kosthold og fysisk aktivitet for kvinner med pakistansk bakgrunn.",
     "Minoritetskvinner på Østlandet er allerede godt dekket i porteføljen."),
    ("Bosnisk-hercegovinsk Forening Molde", "Molde", "1506", "6413", "", (2013, 5, 1),
     ["balkan"], ["sr", "no"], 90, AGE, 60000, ("Folkedans", "weekly", 25),
     "Folkedans, språkkurs og kulturkvelder for bosniere i Romsdal.",
     ""),
    ("Afrikansk Ressurssenter Trondheim", "Trondheim", "5001", "7013", "", (2019, 2, 2),
     ["all-immigrants", "youth"], ["en", "so", "no"], 150, SPREAD, 105000,
     ("Jobbverksted", "monthly", 30),
     "Ressurssenter med jobbverksted, leksehjelp og rådgivning for afrikanske innvandrere i "
     "Trøndelag.",
     "Fra Trondheim er det allerede tatt inn en organisasjon, og vi har lagt vekt på spredning "
     "mellom landsdelene."),
    ("Nyankomne Ungdom Sandnes", "Sandnes", "1108", "4306", "", (2021, 8, 30),
     ["youth"], ["ar", "ti", "no"], None, ACTIVITY, 65000, ("Fritidsklubb", "fortnightly", 12),
     "Fritidsklubb for nyankomne ungdommer i Sandnes.",
     "Klubben har vært åpen annenhver uke siden høsten 2021, med rundt tolv deltakere."),
    ("Irakisk Foreldreforening Skien", "Skien", "4003", "3717", "", (2020, 3, 12),
     ["families"], ["ar", "no"], 75, SPREAD, 92000, ("Foreldremøter", "monthly", 25),
     "Foreldremøter og veiledning om skole og barnehage for irakiske familier i Grenland.",
     "Fra Skien er det allerede tatt inn en organisasjon med bred målgruppe."),
    ("Ukrainsk Hjelpesenter Bergen", "Bergen", "4601", "5014", "", (2022, 3, 1),
     ["ukrainian-refugees"], ["uk", "ru", "no"], None, SPREAD, 110000,
     ("Mottak og veiledning", "weekly", 60),
     "Hjelpesenter for ukrainske flyktninger i Bergen, startet i mars 2022.",
     "To organisasjoner fra Bergen har fått plass, og den ene arbeider allerede med ukrainske "
     "flyktninger."),
    ("Russisktalende Foreldre i Oslo", "Oslo", "0301", "0655", "", (2018, 10, 10),
     ["russian-speaking", "families"], ["ru", "no"], 130, SPREAD, 89000,
     ("Barneteater", "weekly", 20),
     "Barneteater, morsmålsgrupper og foreldretreff for russisktalende familier i Oslo.",
     "Russisktalende innvandrere er allerede en målgruppe i porteføljen."),
    ("Latinamerikansk Kvinnenettverk Oslo", "Oslo", "0301", "0553", "", (2020, 6, 6),
     ["minority-women"], ["en", "no"], 80, RANKING, 99000, ("Karrierenettverk", "monthly", 25),
     "Karrierenettverk og mentorgrupper for latinamerikanske kvinner.",
     "Søknaden ble rangert lavere fordi behovet for mentor og kompetanse var mindre tydelig."),
    ("Thai-norsk Forening Haugesund", "Haugesund", "1106", "5527", "", (2017, 2, 1),
     ["minority-women", "families"], ["en", "no"], 70, AGE, 55000, ("Thai-kafé", "monthly", 20),
     "Thai-kafé og norsktrening for thailandske kvinner på Haugalandet.",
     ""),
    ("Gambisk Forening Larvik", "Larvik", "3909", "3256", "", (2021, 4, 24),
     ["all-immigrants"], ["en", "no"], 35, ACTIVITY, 60000, ("Medlemsmøte", "quarterly", 20),
     "Forening for gambiere i Vestfold, med medlemsmøter og hjelp til nyankomne.",
     "Foreningen har foreløpig bare medlemsmøter noen ganger i året."),
    ("Kongolesisk Fellesskap Kongsberg", "Kongsberg", "3303", "3611", "", (2020, 10, 3),
     ["families", "all-immigrants"], ["en", "no"], 60, APPLIED, 80000,
     ("Kor og søndagstreff", "weekly", 30),
     "Kor, søndagstreff og leksehjelp for kongolesiske familier i Kongsberg.",
     ""),
    ("Rumensk Forening Nord", "Narvik", "1806", "8514", "", (2021, 1, 20),
     ["all-immigrants"], ["en", "no"], 40, REGISTER, 50000,
     ("Rådgivning om arbeidsliv", "monthly", 10),
     "Rådgivning om arbeidsliv og rettigheter for rumenere i Nordland.",
     ""),
    ("Vietnamesisk Ungdomsforening Bærum", "Bærum", "3201", "1337", "Sandvika", (2012, 3, 15),
     ["youth"], ["en", "no"], 100, AGE, 85000, ("Leksehjelp", "weekly", 30),
     "Leksehjelp, dans og idrett for unge med vietnamesisk bakgrunn.",
     ""),
    ("Eritreisk Kvinneforening Gjøvik", "Gjøvik", "3407", "2815", "", (2019, 12, 1),
     ["minority-women", "families"], ["ti", "no"], 45, RANKING, 85000,
     ("Kvinnetreff", "fortnightly", 15),
     "Kvinnetreff og foreldreveiledning for eritreiske kvinner i Gjøvik.",
     "Søknaden ble rangert lavere på eksisterende aktivitet enn de som fikk plass."),
    ("Syrisk-norsk Kultursenter Arendal", "Arendal", "4203", "4836", "", (2018, 8, 20),
     ["all-immigrants", "families"], ["ar", "no"], 95, RANKING, 100000,
     ("Arabiskskole og kulturkveld", "weekly", 40),
     "Morsmålsopplæring, kulturkvelder og leksehjelp for syriske familier i Arendal.",
     "Søknaden er god, men behovet for organisasjonskunnskap ble vurdert som mindre enn hos "
     "dem som fikk plass."),
    ("Innvandrerkvinner i Alta", "Alta", "5601", "9510", "", (2020, 2, 29),
     ["minority-women"], ["en", "no"], 30, ACTIVITY, 55000, ("Strikkekafé", "monthly", 10),
     "Strikkekafé og språktrening for innvandrerkvinner i Alta.",
     "Foreningen har én aktivitet i måneden med rundt ti deltakere."),
    ("Multikulturelt Nettverk Harstad", "Harstad", "5503", "9405", "", (2019, 9, 9),
     ["all-immigrants"], ["en", "ar", "no"], 120, RANKING, 99000,
     ("Internasjonal kafé", "weekly", 30),
     "Internasjonal kafé, språktrening og turer for innvandrere i Harstad.",
     "Søknaden kom godt ut, men like under de ni som fikk plass."),
    ("Somalisk Foreldreforum Hammerfest", "Hammerfest", "5603", "9600", "", (2021, 6, 1),
     ["families"], ["so", "no"], 30, ACTIVITY, 70000, ("Foreldremøte", "quarterly", 15),
     "Foreldreforum for somaliske familier i Hammerfest.",
     "Forumet holder foreldremøter noen ganger i året og har ingen faste aktiviteter ellers."),
    ("Nepalsk Forening Sandefjord", "Sandefjord", "3907", "3210", "", (2018, 4, 14),
     ["all-immigrants"], ["en", "no"], 60, RANKING, 70000, ("Høytidsfeiring", "yearly", 150),
     "Høytidsfeiringer og nettverk for nepalere i Vestfold.",
     "Aktiviteten er i hovedsak én stor feiring i året, og søknaden ble rangert lavere."),
    ("Afghanske Ungdommer i Levanger", "Levanger", "5037", "7600", "", (2021, 3, 21),
     ["youth"], ["no", "en"], None, REGISTER, 60000, ("Fotball", "weekly", 15),
     "Fotball og sosiale treff for unge afghanere i Innherred.",
     ""),
    ("Kvinner i Fokus Moss", "Moss", "3103", "1530", "", (2019, 1, 15),
     ["minority-women"], ["ar", "so", "no"], 90, SPREAD, 95000,
     ("Jobbsøkerkurs for kvinner", "monthly", 20),
     "Jobbsøkerkurs og nettverk for innvandrerkvinner i Moss.",
     "Porteføljen har allerede en organisasjon fra Østfold og flere som når minoritetskvinner."),
    ("Sammen for Integrering Halden", "Halden", "3101", "1776", "", (2020, 7, 1),
     ["all-immigrants"], ["ar", "no"], 50, SPREAD, 90000,
     ("Leksehjelp og språkkafé", "weekly", 25),
     "Leksehjelp og språkkafé for innvandrere i Halden.",
     "Østfold er allerede representert i porteføljen."),
    ("Burundisk Forening Steinkjer", "Steinkjer", "5006", "7713", "", (2020, 12, 12),
     ["families"], ["en", "no"], 25, ACTIVITY, 50000, ("Familiefest", "yearly", 80),
     "Familiefester og nettverk for burundiske familier i Steinkjer.",
     "Foreningen holder én familiefest i året og har ellers lite fast aktivitet."),
    ("Tyrkisk Familieforening Asker", "Asker", "3203", "1384", "", (2010, 10, 10),
     ["families"], ["en", "no"], 140, AGE, 100000, ("Familiesamling", "monthly", 50),
     "Familiesamlinger og leksehjelp for tyrkiske familier i Asker.",
     ""),
    ("Internasjonal Kvinnegruppe Rana", "Rana", "1833", "8622", "Mo i Rana", (2019, 5, 5),
     ["minority-women"], ["en", "ar", "no"], 40, SPREAD, 80000, ("Kvinnegruppe", "weekly", 15),
     "Kvinnegruppe med språktrening og turer i Mo i Rana.",
     "Porteføljen har allerede et kvinnenettverk på Helgeland."),
    ("Ukrainske Kvinner i Sunnfjord", "Sunnfjord", "4647", "6800", "Førde", (2022, 3, 20),
     ["ukrainian-refugees", "minority-women"], ["uk", "no"], None, APPLIED, 75000,
     ("Språktrening", "weekly", 20),
     "Språktrening og nettverk for ukrainske kvinner i Førde.",
     ""),
    ("Syriske Akademikere i Trøndelag", "Trondheim", "5001", "7030", "", (2020, 4, 18),
     ["highly-qualified"], ["ar", "en", "no"], 70, SPREAD, 99000,
     ("Faglige nettverksmøter", "monthly", 25),
     "Faglige nettverksmøter og karriereveiledning for syriske akademikere.",
     "Høyt kvalifiserte innvandrere er en målgruppe i porteføljen, og Trondheim er "
     "representert."),
    ("Marokkansk Kulturforening Elverum", "Elverum", "3420", "2406", "", (2016, 1, 15),
     ["families"], ["ar", "no"], 60, AGE, 70000, ("Arabiskskole", "weekly", 20),
     "Arabiskskole og kulturkvelder for marokkanske familier i Elverum.",
     ""),
    ("Polske Foreldre i Kristiansand", "Kristiansand", "4204", "4614", "", (2020, 9, 15),
     ["polish", "families"], ["pl", "no"], 70, SPREAD, 88000, ("Polsk lørdagsskole", "weekly", 30),
     "Polsk lørdagsskole og foreldretreff i Kristiansand.",
     "Polske familier er en målgruppe i porteføljen, også på Sørlandet gjennom en annen "
     "forenings avdelinger."),
    ("Eritreisk Ortodoks Menighetsråd Oslo", "Oslo", "0301", "0576", "", (2018, 2, 10),
     ["all-immigrants"], ["ti", "no"], 300, PURPOSE, 110000,
     ("Gudstjeneste og søndagsskole", "weekly", 150),
     "Menighetsråd for eritreisk-ortodokse kristne i Oslo.",
     "Hovedaktiviteten er gudstjenester og trosopplæring."),
    ("Afrikansk Dansekompani Bergen", "Bergen", "4601", "5017", "", (2019, 6, 21),
     ["youth"], ["en", "no"], 25, PURPOSE, 100000, ("Danseforestillinger", "monthly", 12),
     "Dansekompani som setter opp forestillinger med afrikansk dans.",
     "Søknaden gjelder i hovedsak produksjon av forestillinger for et publikum."),
    ("Flerkulturelt Idrettslag Sør-Varanger", "Sør-Varanger", "5605", "9900", "Kirkenes",
     (2020, 8, 8), ["youth", "all-immigrants"], ["ru", "no"], 80, RANKING, 90000,
     ("Futsal", "weekly", 30),
     "Futsal og friluftsliv for ungdom med ulik bakgrunn i Kirkenes.",
     "Søknaden ble rangert lavere på behov for mentor, da laget allerede er med i idrettskretsen."),
    ("Nye Naboer Lillehammer", "Lillehammer", "3405", "2609", "", (2021, 5, 10),
     ["all-immigrants", "families"], ["ar", "ti", "no"], None, RANKING, 95000,
     ("Nabolagsmiddag", "monthly", 40),
     "Nabolagsmiddager og turer som bringer nye og gamle innbyggere sammen.",
     "Søknaden er god, men like under de ni som fikk plass."),
    ("Kvinnekraft Notodden", "Notodden", "4005", "3674", "", (2021, 9, 1),
     ["minority-women"], ["so", "ar", "no"], 20, REGISTER, 55000,
     ("Svømmekurs for kvinner", "weekly", 12),
     "Svømmekurs og helsekafé for innvandrerkvinner på Notodden.",
     ""),
]  # fmt: skip

APPEALED = "Afrikansk Ressurssenter Trondheim"
APPEAL_GROUNDS = (
    "Vi er uenige i at geografi skal telle mer enn behovet. Vi er den største organisasjonen "
    "for afrikanske innvandrere i Trøndelag, og ingen av de som fikk plass, når vår målgruppe. "
    "Vi ber om at søknaden blir vurdert på nytt."
)
APPEAL_OUTCOME = (
    "IMDi har vurdert klagen og finner ikke grunn til å endre vedtaket. Alle søknadene er "
    "vurdert etter de samme kriteriene, og spredning i geografi, målgrupper og type "
    "organisasjon er en del av dem, jf. Rundskriv nr. 10-2022. Innenfor en ramme på "
    "1 000 000 kroner var det plass til ni organisasjoner, og Trøndelag er representert. "
    "Klagen er sendt til Arbeids- og inkluderingsdepartementet, som har stadfestet vedtaket."
)

CHANGE_NOTICE_TEXT = (
    "Prosjektlederen vår har fått fast jobb og slutter 1. juni. Styreleder tar over "
    "karriereverkstedene til vi har ansatt en ny i august. Honoraret går til styreleder i "
    "mellomtiden."
)
CHANGE_NOTICE_OUTCOME = (
    "Takk for at dere sier fra. Endringen er innenfor formålet med tilskuddet, og tilskuddet "
    "løper som før. Beskriv overgangen i tilskuddsrapporten for 2023."
)

CLAWBACK_REASONS = (
    "Regnskapet for 2023 viser at {amount} kroner av tilskuddet ikke er brukt. Ubrukte "
    "midler skal betales tilbake, jf. vilkårene i tilsagnsbrevet."
)

COMPETENCE = ["accounts", "applications", "reporting", "board-work", "strategy",
              "communication", "volunteers", "privacy"]  # fmt: skip
SCORED = ("activity", "need", "resources", "goals")
FREQUENCY_NB = {
    "weekly": "hver uke",
    "fortnightly": "annenhver uke",
    "monthly": "hver måned",
    "quarterly": "noen ganger i året",
    "yearly": "én gang i året",
}


def _moment(year, month, day, hour=10, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def _nok(amount) -> str:
    return f"{int(amount):,}".replace(",", " ")


def _lower_first(text):
    return text[:1].lower() + text[1:]


def _kroner(amount) -> Decimal:
    """Whole thousands."""
    return (Decimal(amount) / K).quantize(Decimal(1)) * K


# --- small documents ------------------------------------------------------------------------


def _pdf_bytes(*lines: str) -> bytes:
    """A small, valid one-page PDF with a few lines of text."""

    def literal(text):
        raw = text.encode("cp1252", errors="replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    text = b" T* ".join(b"(" + literal(line) + b") Tj" for line in lines)
    stream = b"BT /F1 12 Tf 16 TL 72 770 Td " + text + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n".encode()
    return bytes(out + b"%%EOF\n")


def _pdf(name: str, *lines: str) -> SimpleUploadedFile:
    content = _pdf_bytes(*lines, "Fiktivt dokument laget for demoen av Tilskuddsportalen.")
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- dated history --------------------------------------------------------------------------

# Timestamps the services set to "now", moved back to the date of the step that set them.
STAMPED = [
    (Event, "created_at"),
    (LogEntry, "timestamp"),
    (Round, "created_at"),
    (Invitation, "invited_at"),
    (Application, "created_at"),
    (Application, "updated_at"),
    (Application, "submitted_at"),
    (Attachment, "uploaded_at"),
    (ImpartialityDeclaration, "declared_at"),
    (Assessment, "updated_at"),
    (Decision, "decided_at"),
    (DecisionProposal, "proposed_at"),
    (DecisionProposal, "handled_at"),
    (PaymentAttestation, "attested_at"),
    (PaymentAttestation, "handled_at"),
    (Award, "accepted_at"),
    (GrantReport, "submitted_at"),
    (GrantReport, "approved_at"),
    (ReportReminder, "sent_at"),
    (Appeal, "lodged_at"),
    (Appeal, "handled_at"),
    (ChangeNotice, "sent_at"),
    (ChangeNotice, "handled_at"),
    (PayoutAccount, "entered_at"),
    (PayoutAccount, "confirmed_at"),
    (PayoutAccount, "superseded_at"),
]


def _backdate(since, moment, written: RowsWritten):
    """Move the stamps set at or after ``since`` on the rows ``written`` to ``moment``."""
    for model, field in STAMPED:
        if model in written:
            stamped = model.objects.filter(pk__in=written.pks(model), **{f"{field}__gte": since})
            stamped.update(**{field: moment})
    if RegistryEntry in written:
        fresh = RegistryEntry.objects.filter(
            pk__in=written.pks(RegistryEntry), registered_at__gte=since
        )
        fresh.update(registered_at=moment, document_date=timezone.localdate(moment))
    if CaseFile in written:
        fresh = CaseFile.objects.filter(pk__in=written.pks(CaseFile), opened_at__gte=since)
        fresh.update(opened_at=moment)
    if Notification in written:
        fresh = Notification.objects.filter(pk__in=written.pks(Notification), created_at__gte=since)
        fresh.exclude(email_to="").update(emailed_at=moment)
        fresh.update(created_at=moment, read_at=moment)


class _Timeline:
    """Steps with their dates, run in date order (and, on the same date, in the order given).

    ``written`` holds the rows the steps of one date wrote (those of the whole run in
    ``written_in_run``): only they are backdated. A step that writes with ``bulk_create``
    (no signal) adds its rows itself.
    """

    def __init__(self):
        self._steps = []
        self.written = self.written_in_run = None

    def at(self, moment, step, *args, **kwargs):
        self._steps.append((moment, len(self._steps), partial(step, *args, **kwargs)))

    def run(self):
        since = timezone.now()
        with RowsWritten() as self.written_in_run:
            for moment, steps in groupby(sorted(self._steps, key=itemgetter(0, 1)), itemgetter(0)):
                with RowsWritten() as self.written:
                    for *_ignored, step in steps:
                        step()
                _backdate(since, moment, self.written)
            _number_cases_in_their_years(self.written_in_run)


def _number_cases_in_their_years(written: RowsWritten):
    """The services number a case in the series of the year it is opened, which in the demo is
    today; once the cases are moved back to the days of the story, give each body's cases the
    numbers of their own years, 1, 2, 3... in the order they were opened (the demo's rows
    only)."""
    cases = list(CaseFile.objects.filter(pk__in=written.pks(CaseFile)).order_by("opened_at", "pk"))
    CaseFile.objects.filter(pk__in=[case.pk for case in cases]).update(
        sequence=F("pk") + 1_000_000_000
    )  # out of the way
    last = Counter()
    for case in cases:
        year = timezone.localtime(case.opened_at).year
        last[case.body_id, year] += 1
        CaseFile.objects.filter(pk=case.pk).update(year=year, sequence=last[case.body_id, year])
    CaseSequence.objects.filter(pk__in=written.pks(CaseSequence)).delete()
    CaseSequence.objects.bulk_create(
        CaseSequence(body_id=body_id, year=year, last=n) for (body_id, year), n in last.items()
    )


@dataclass
class _Case:
    """One organisation's application in one call, as it moves through the services."""

    year: int
    key: str  # the participant's slug (REAL), or the fictional organisation's name
    organisation: Organisation
    person: object  # who acts for the organisation
    amount: Decimal  # applied for
    row: tuple | None = None  # the fictional organisation's row in FICTIONAL
    application: Application | None = None
    award: Award | None = None
    appeal: Appeal | None = None
    notice: ChangeNotice | None = None
    clawback: Clawback | None = None


# --- the fictional organisations ------------------------------------------------------------


def _slug(name):
    return slugify(name.replace("æ", "ae").replace("ø", "o").replace("å", "a"))


def _fictional_organisations(target_groups, languages):
    """The 47 fictional applicants of 2022, each with a contact person who cannot log in."""
    User = get_user_model()
    rows = []
    for index, row in enumerate(FICTIONAL):
        (name, municipality, number, postal, place, founded, groups, langs, members, reason,
         _amount, activity, description, _note) = row  # fmt: skip
        slug = _slug(name)
        founded = datetime.date(*founded)
        registered = reason != REGISTER
        organisation, _created = Organisation.objects.update_or_create(
            org_number=fictional_orgnr(99300000 + 2 * index),
            defaults={
                "kind": OrganisationKind.PARTICIPANT,
                "name": name,
                "is_demo": True,
                "municipality": municipality,
                "municipality_number": number,
                "county": number[:2],
                "postal_code": postal,
                "postal_place": place or municipality,
                "street_address": f"Demogata {index + 1}",
                "email": f"post@{slug}.example",
                "founded": founded,
                "in_voluntary_register": registered,
                "voluntary_register_since": (
                    founded + datetime.timedelta(days=14) if registered else None
                ),
                "member_based": members is not None,
                "members_count": members,
                "paying_members_count": members * 3 // 4 if members else None,
                "description": description,
            },
        )
        organisation.target_groups.set([target_groups[code] for code in groups])
        organisation.languages.set([languages[code] for code in langs])
        activity_name, frequency, participants = activity
        _keep(
            Activity,
            organisation,
            [{"name": activity_name, "frequency": frequency, "typical_participants": participants}],
        )
        _keep(
            PreviousApplication, organisation, _earlier_applications(reason, municipality, founded)
        )
        person, created = User.objects.get_or_create(
            email=f"kontakt@{slug}.example", defaults={"full_name": f"Kontaktperson i {name}"}
        )
        if created:
            person.set_unusable_password()
            person.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=person, organisation=organisation, defaults={"role": MemberRole.CONTACT}
        )
        rows.append((organisation, person, row))
    return rows


def _earlier_applications(reason, municipality, founded):
    if reason == APPLIED:  # only to a foundation: does not count
        return [
            {
                "year": 2022,
                "grantor": Grantor.OTHER,
                "grantor_name": "Stiftelsen Dam",
                "amount": Decimal(40000),
                "outcome": ApplicationOutcome.PENDING,
            }
        ]
    new = founded.year == 2022  # applied to the municipality in the spring, not decided yet
    return [
        {
            "year": max(founded.year, 2021),
            "grantor": Grantor.MUNICIPALITY,
            "grantor_name": f"{municipality} kommune",
            "amount": Decimal(30000),
            "outcome": ApplicationOutcome.PENDING if new else ApplicationOutcome.GRANTED,
        }
    ]


def _keep(model, organisation, rows):
    """Make the organisation's list exactly ``rows``, touching nothing when it already is."""
    fields = sorted(rows[0]) if rows else []
    existing = sorted(
        tuple(values)
        for values in model.objects.filter(organisation=organisation).values_list(*fields)
    )
    wanted = sorted(tuple(row[field] for field in fields) for row in rows)
    if existing != wanted:
        model.objects.filter(organisation=organisation).delete()
        model.objects.bulk_create([model(organisation=organisation, **row) for row in rows])


def _record_the_pilot_grants(participants):
    """The nine applied to IMDi in 2022 and 2023 (this scheme, for the grant years 2023 and
    2024): their profiles say so, which the eligibility check of the second call looks for."""
    for organisation, slug in participants:
        for year_index, year in enumerate((2022, 2023)):
            applied = Decimal(REAL[slug]["amounts"][year_index][0])
            PreviousApplication.objects.update_or_create(
                organisation=organisation,
                year=year,
                grantor=Grantor.IMDI,
                defaults={
                    "grantor_name": SCHEME["short_name"],
                    "amount": applied,
                    "outcome": ApplicationOutcome.GRANTED,
                },
            )


# --- the history ------------------------------------------------------------------------------


class _History:
    """Plans the dated steps of 2022–2025 (the intake call of 2022 to the follow-up of the
    grants for 2024) and runs them through the services."""

    def __init__(self, scheme, caseworker, participants, fictional, approver):
        self.scheme = scheme
        self.caseworker = caseworker
        self.approver = approver  # approves every decision and payment the caseworker makes
        self.participants = participants  # [(organisation, slug, leader)]
        self.fictional = fictional  # [(organisation, contact person, row)]
        self.rng = random.Random(2022)
        self.timeline = _Timeline()
        self.years = {year.year: year for year in scheme.years.all()}
        self.goals = list(scheme.goals.order_by("number"))
        self.areas = {area.code: area for area in CompetenceArea.objects.all()}
        self.rounds = {}
        self.real_dates = {}  # year -> (opens, closes, last notification before opening)
        self.cases = {}  # (year, slug) -> _Case

    # -- time --

    def _when(self, first, last, hour_from=9, hour_to=21) -> datetime.datetime:
        """A time on a day from ``first`` to ``last`` (dates or (year, month, day))."""
        first, last = (
            d if isinstance(d, datetime.date) else datetime.date(*d) for d in (first, last)
        )
        day = first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))
        hour = self.rng.randint(hour_from, hour_to - 1)
        minute = self.rng.choice((0, 10, 15, 25, 30, 40, 45, 55))
        return _moment(day.year, day.month, day.day, hour, minute)

    def plan(self):
        for year in GRANT_YEARS:
            self._plan_call(year)
        self._plan_accounts()
        self._plan_reports()
        self._plan_extras()

    def run(self):
        self.timeline.run()
        _mend_deadlines(self.timeline.written_in_run)

    # -- calls and applications --

    def _plan_call(self, year):
        saved, opens, closes, assessed, proposed, decided, paid = CALLS[year]
        at = self.timeline.at
        at(_moment(*saved, 14, 5), self._save_round, year, opens, closes)
        at(_moment(opens.year, opens.month, opens.day, 9), self._invite, year)
        at(_moment(opens.year, opens.month, opens.day, 9, 1), self._open_for_building, year)
        cases = self._cases(year)
        for case in cases:
            started = self._when(
                opens + datetime.timedelta(days=1), closes - datetime.timedelta(days=7)
            )
            sent = started + datetime.timedelta(days=self.rng.randint(1, 6), hours=1)
            at(started, self._apply, case, started.date())
            at(sent, self._submit, case)
        after = closes + datetime.timedelta(days=1)
        at(_moment(after.year, after.month, after.day, 8), self._close_after_building, year)
        for case in cases:
            if self._phoned(case):  # the assessment is written after the call
                when = self._when((2022, 5, 16), (2022, 5, 20), 13, 16)
                at(when, self._assess, case, when.date())
            else:
                at(self._when(*assessed, 9, 16), self._assess, case)
        at(_moment(*proposed, 11), self._propose, year)
        at(_moment(*decided, 12), self._decide, year)
        for case in cases:
            if case.row is None:
                accepted = _moment(*decided, 12) + datetime.timedelta(
                    days=self.rng.randint(2, 8), hours=self.rng.randint(1, 9)
                )
                at(accepted, self._accept, case)
                at(_moment(paid.year, paid.month, paid.day, 9), self._pay_first, case, paid)

    def _cases(self, year):
        cases = []
        for organisation, slug, leader in self.participants:
            applied, _awarded = REAL[slug]["amounts"][GRANT_YEARS.index(year)]
            case = _Case(year, slug, organisation, leader, Decimal(applied))
            self.cases[(year, slug)] = case
            cases.append(case)
        if year == INTAKE:
            for organisation, person, row in self.fictional:
                case = _Case(year, organisation.name, organisation, person, Decimal(row[10]), row)
                self.cases[(year, case.key)] = case
                cases.append(case)
            self.rng.shuffle(cases)
        return cases

    def _save_round(self, year, opens, closes):
        guidance = GUIDANCE_INTAKE if year == INTAKE else GUIDANCE_FOLLOW_UP.format(
            year=year, next_year=year + 1, deadline=format_day(closes)
        )  # fmt: skip
        self.rounds[year] = services.save_round(
            self.caseworker,
            scheme_year=self.years[year],
            title=ROUND_TITLE.format(year=year),
            kind=RoundKind.CLOSED,
            continuation=year != INTAKE,
            opens_on=opens,
            closes_on=closes,
            guidance=guidance,
        )

    def _invite(self, year):
        organisations = [case.organisation for (y, _key), case in self.cases.items() if y == year]
        services.invite(self.caseworker, self.rounds[year], organisations)
        invited = Invitation.objects.filter(round=self.rounds[year]).values_list("pk", flat=True)
        self.timeline.written.add(Invitation, invited)  # written with bulk_create

    def _open_for_building(self, year):
        """The services take applications only while a call is open: open it today while its
        applications are written. The messages sent meanwhile name today as the deadline."""
        round_ = self.rounds[year]
        last_message = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.real_dates[year] = (round_.opens_on, round_.closes_on, last_message or 0)
        today = timezone.localdate()
        Round.objects.filter(pk=round_.pk).update(opens_on=today, closes_on=today)
        round_.opens_on = round_.closes_on = today

    def _close_after_building(self, year):
        """Put back the call's real dates, mend the messages and judge eligibility on the real
        deadline."""
        round_ = self.rounds[year]
        today = round_.closes_on
        round_.opens_on, round_.closes_on, last_message = self.real_dates[year]
        Round.objects.filter(pk=round_.pk).update(
            opens_on=round_.opens_on, closes_on=round_.closes_on
        )
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                wrong, right = format_day(today), format_day(round_.closes_on)
            sent_meanwhile = Notification.objects.filter(
                pk__in=self.timeline.written_in_run.pks(Notification), pk__gt=last_message
            )
            sent_meanwhile.filter(body__contains=wrong).update(
                body=Replace("body", Value(wrong), Value(right))
            )
        applications = (
            Application.objects.filter(round=round_)
            .select_related("organisation", "round__scheme_year")
            .prefetch_related("organisation__previous_applications")
        )
        outcomes = defaultdict(list)
        for application in applications:
            outcomes[services.eligibility_of(application).outcome].append(application.pk)
        for outcome, pks in outcomes.items():
            Application.objects.filter(pk__in=pks).update(eligibility=outcome)

    def _apply(self, case, day):
        """Start the application as on ``day``: the call's rules are checked against its real
        deadline (while it is open "today" for the steps after)."""
        round_ = copy.copy(self.rounds[case.year])
        round_.opens_on, round_.closes_on, _last_message = self.real_dates[case.year]
        with _today_is(day), _fact_not_yet_on_the_profile(case):
            application = services.start_application(case.person, round_, case.organisation)
        row = case.row
        if row is None:
            fields, budget, needs = self._real_application(case)
        else:
            fields, budget, needs = self._fictional_application(case, row)
        services.save_application(
            case.person,
            application,
            amount=case.amount,
            competence_needs=[self.areas[code] for code in needs if code in self.areas],
            **fields,
        )
        services.save_budget(case.person, application, budget)
        name, last_year = case.organisation.name, day.year - 1
        services.add_attachment(
            case.person,
            application,
            AttachmentKind.STATUTES,
            _pdf("vedtekter.pdf", f"Vedtekter for {name}"),
        )
        services.add_attachment(
            case.person,
            application,
            AttachmentKind.ANNUAL_REPORT,
            _pdf(f"arsmelding-{last_year}.pdf", f"Årsmelding {last_year} for {name}"),
        )
        case.application = application

    def _real_application(self, case):
        slug = case.key
        data = REAL[slug]
        row = next(row for row in PARTICIPANTS if row[1] == slug)
        activities = ", ".join(activity[0] for activity in row[12])
        if case.year == INTAKE:
            intro = f"Vi vil bruke tilskuddet til {data['plan']}."
        else:
            intro = (
                f"I {case.year} vil vi fortsette med {data['plan']}, og bruke det vi har lært "
                "i prøveordningen."
            )
        fields = {
            "planned_activities": f"{intro} Faste aktiviteter: {activities}.",
            "reach": data["reach"],
            "people_reached": data["people"][GRANT_YEARS.index(case.year)],
            "wants_mentor": True,
            "planned_collaborations": data["partners"],
        }
        needs = [area.code for area in case.organisation.competence_needs.all()]
        return fields, _budget(case.amount, data["spending"], data["paid"]), needs

    def _fictional_application(self, case, row):
        municipality, activity, description = row[1], row[11], row[12]
        groups = [_lower_first(group.name_nb) for group in case.organisation.target_groups.all()]
        fields = {
            "planned_activities": (
                f"{description} Med tilskuddet vil vi holde {activity[0].lower()} "
                f"{FREQUENCY_NB.get(activity[1], 'jevnlig')}, og få noen til å holde i "
                "driften."
            ),
            "reach": f"Aktivitetene når {' og '.join(groups)} i {municipality} og omegn.",
            "people_reached": activity[2] * self.rng.choice((2, 3, 4)),
            "wants_mentor": self.rng.random() > 0.15,
            "planned_collaborations": f"{municipality} kommune og frivilligsentralen.",
        }
        spending = "activities" if self.rng.random() < 0.3 else "salary"
        paid = self.rng.choice(
            ("Honorar til koordinator", "Lønn til daglig leder (deltid)", "Honorar til leder")
        )
        needs = self.rng.sample(COMPETENCE, 2)
        return fields, _budget(case.amount, spending, paid), needs

    def _submit(self, case):
        services.submit_application(case.person, case.application)

    # -- assessment and decisions --

    def _phoned(self, case):
        """Before choosing, the caseworker phoned the nine and a few on the reserve list."""
        if case.year != INTAKE:
            return False
        row = case.row
        return row is None or (row[9] == SPREAD and self.rng.random() < 0.4)

    def _assess(self, case, phoned_on=None):
        cw = self.caseworker
        application = case.application
        services.declare_impartiality(cw, application, has_conflict=False)
        row = case.row
        if row is not None and row[9] in NOT_ELIGIBLE:
            return  # screened out on the rules; rejected without scores
        if row is None:
            scores, summary, purpose = self._real_scores(case)
        else:
            scores, summary, purpose = self._fictional_scores(row)
        extra = {}
        if phoned_on:
            note = (
                REAL[case.key]["phone"]
                if row is None
                else "Motivert og godt forberedt. Står på reservelisten."
            )
            extra = {"phoned_at": phoned_on, "phone_note": note}
        services.save_assessment(
            cw, application, scores=scores, purpose_confirmed=purpose, summary=summary, **extra
        )

    def _real_scores(self, case):
        data = REAL[case.key]
        scores = {criterion: (self.rng.choice((4, 5, 5)), "") for criterion in SCORED}
        if case.year == INTAKE:
            summary = (
                f"Oppfyller vilkårene. Organisasjonen har {data['merit']}. Anbefales tatt inn i "
                "prøveordningen."
            )
        else:
            summary = (
                f"Videreføring i prøveordningen for {case.year}. Organisasjonen har fulgt opp "
                "ordningen, deltatt på samlinger og møtt mentoren sin."
            )
            founded = case.organisation.founded
            if founded and founded <= self.rounds[case.year].closes_on.replace(
                year=self.rounds[case.year].closes_on.year - 5
            ):
                summary += (
                    " Organisasjonen er nå eldre enn fem år, men aldersgrensen gjaldt ved opptak "
                    "i 2022, og ordningen varer ut 2024."
                )
        return scores, summary, True

    def _fictional_scores(self, row):
        reason, activity, note = row[9], row[11], row[13]
        pick = self.rng.choice
        if reason == SPREAD:
            scores = {criterion: (pick((3, 4, 4, 5)), "") for criterion in SCORED}
            summary = f"Oppfyller vilkårene og er en god søknad. {note}"
        elif reason == RANKING:
            scores = {criterion: (pick((3, 3, 4)), "") for criterion in SCORED}
            summary = f"Oppfyller vilkårene. {note}"
        elif reason == ACTIVITY:
            frequency = FREQUENCY_NB.get(activity[1], "")
            scores = {
                "activity": (pick((1, 2)), f"{activity[0]} {frequency}, om lag {activity[2]}."),
                "need": (pick((4, 5)), ""),
                "resources": (pick((4, 5)), ""),
                "goals": (3, ""),
            }
            summary = f"Oppfyller vilkårene, men har lite aktivitet. {note}"
        else:  # PURPOSE
            scores = {
                "activity": (pick((3, 4)), ""),
                "need": (2, ""),
                "resources": (2, ""),
                "goals": (1, note),
            }
            summary = f"{note} Faller utenfor formålet med ordningen."
        return scores, summary, reason != PURPOSE

    def _propose(self, year):
        real = [self.cases[(year, slug)] for _org, slug, _leader in self.participants]
        for rank, case in enumerate(real, start=1):
            _applied, awarded = REAL[case.key]["amounts"][GRANT_YEARS.index(year)]
            services.set_proposal(
                self.caseworker,
                case.application,
                proposed=True,
                rank=rank,
                proposed_amount=Decimal(awarded),
            )

    def _decide(self, year):
        paid = CALLS[year][6]
        for (case_year, key), case in self.cases.items():
            if case_year != year:
                continue
            if key in REAL:
                self._award(case, paid)
            else:
                self._decided(
                    case.application, kind=DecisionKind.REJECTION, reasons=_rejection(case.row)
                )

    def _decided(self, application, **proposal) -> Decision:
        """A decision as the portal makes it: proposed by the caseworker, approved by the
        approver."""
        proposed = services.propose_decision(self.caseworker, application, **proposal)
        return services.approve_proposal(self.approver, proposed)

    def _award(self, case, paid):
        slug = case.key
        data = REAL[slug]
        amount = Decimal(data["amounts"][GRANT_YEARS.index(case.year)][1])
        if case.year == INTAKE:
            reasons = (
                f"{case.organisation.name} er tatt inn i prøveordningen, som varer ut 2024, og "
                f"får tilskudd for {case.year}. Vi har lagt vekt på {data['merit']}. Tilskuddet "
                "er frie driftsmidler og betales ut i januar."
            )
        else:
            reasons = (
                f"Videreføring av tilskuddet i prøveordningen for {case.year}. "
                f"{case.organisation.name} har fulgt opp ordningen som forutsatt. Tilskuddet er "
                "frie driftsmidler."
            )
        if case.year == INTAKE and amount < case.amount:
            reasons += (
                f" Dere søkte om {_nok(case.amount)} kroner. For å få plass til ni "
                f"organisasjoner innenfor rammen får dere {_nok(amount)} kroner."
            )
        if amount > self.years[case.year].audit_threshold:
            reasons += " Tilskuddet er over 100 000 kroner, så regnskapet må attesteres av revisor."
        instalments = [(amount, paid, False)]
        if case.year == 2024 and slug in HELD_2024:
            second = _kroner(amount * Decimal("0.2"))
            instalments = [
                (amount - second, paid, False),
                (second, datetime.date(2025, 3, 1), True),
            ]
            reasons += (
                f" Tilskuddet betales i to deler: {_nok(amount - second)} kroner nå og "
                f"{_nok(second)} kroner når tilskuddsrapporten for {case.year} er godkjent."
            )
        decision = self._decided(
            case.application,
            kind=DecisionKind.AWARD,
            amount=amount,
            reasons=reasons,
            instalments=instalments,
        )
        case.award = decision.award

    def _accept(self, case):
        services.accept_award(case.person, case.award)

    # -- the bank accounts for payouts --

    def _plan_accounts(self):
        given = []
        self.timeline.at(_moment(*ACCOUNTS_GIVEN, 10), self._give_accounts, given)
        self.timeline.at(
            _moment(*ACCOUNTS_CONFIRMED, 11), _confirm_accounts, given, self.caseworker
        )

    def _give_accounts(self, given):
        given.extend(_give_accounts(self.participants))

    def _pay_first(self, case, paid):
        first = case.award.instalments.order_by("number").first()
        self._paid(case.award, first, paid)

    def _paid(self, award, instalment, paid):
        """A payment as the portal makes it: attested by the caseworker, approved for payment
        by the approver."""
        attestation = services.attest_payment(
            self.caseworker, award, amount=instalment.amount, pay_on=paid, instalment=instalment
        )
        services.approve_payment(self.approver, attestation, paid_on=paid)

    # -- grant reports --

    def _plan_reports(self):
        at = self.timeline.at
        for year in GRANT_YEARS:
            due = self.years[year].report_due_date
            for days_before in (14, 3, -1):
                day = due - datetime.timedelta(days=days_before)
                at(_moment(day.year, day.month, day.day, 7), services.send_report_reminders, day)
            states = {2023: REPORT_2023, 2024: REPORT_2024}.get(year, {})
            for _organisation, slug, _leader in self.participants:
                case = self.cases[(year, slug)]
                state = states.get(slug, "approved")
                if state == "draft":
                    at(self._when((year + 1, 1, 8), (year + 1, 1, 15)), self._draft_report, case)
                    continue
                sent = self._when((year + 1, 1, 5), (year + 1, 1, 22))
                at(sent - datetime.timedelta(days=2), self._write_report, case)
                at(sent, self._send_report, case)
                if state == "returned":
                    returned = _moment(year + 1, 2, 6, 13)
                    at(returned, self._return_report, case)
                    # the daily reminder run the day after finds it overdue again
                    at(_moment(year + 1, 2, 7, 7), services.send_report_reminders,
                       datetime.date(year + 1, 2, 7))  # fmt: skip
                elif state == "approved":
                    approved = self._when((year + 1, 2, 1), (year + 1, 2, 21), 9, 16)
                    at(approved, self._approve_report, case)
                    if year == 2024 and slug in HELD_2024:
                        at(_moment(2025, 3, 3, 9), self._pay_rest, case, datetime.date(2025, 3, 3))

    def _report_fields(self, case):
        slug = case.key
        data = REAL[slug]
        row = next(row for row in PARTICIPANTS if row[1] == slug)
        activities = "; ".join(
            f"{name} {FREQUENCY_NB[frequency]} (om lag {people} deltakere)"
            for name, frequency, people in row[12]
        )
        return {
            "activities_held": f"I {case.year} holdt vi disse aktivitetene: {activities}.",
            "people_reached": data["people"][GRANT_YEARS.index(case.year)],
            "collaborations_started": data["started"],
            "money_used_for": (
                f"Det meste gikk til {_lower_first(data['paid'])}. Resten gikk til "
                "aktiviteter, materiell og leie av lokaler."
                if data["spending"] == "salary"
                else f"Det meste gikk til aktivitetene: {_lower_first(data['paid'])}. Resten "
                "gikk til utstyr og leie av lokaler. Vi har ikke brukt noe på lønn eller "
                "honorarer."
            ),
        }

    def _goal_results(self, case):
        data = REAL[case.key]
        texts = [
            data["learned"],
            data["network"],
            None,
            f"Vi har gjennomført aktivitetene vi planla for {case.year}, og nådd om lag "
            f"{data['people'][GRANT_YEARS.index(case.year)]} personer.",
        ]
        return {goal.pk: text for goal, text in zip(self.goals, texts, strict=False) if text}

    def _draft_report(self, case):
        """Started, never finished: the activities are there, the accounts are not."""
        report = case.award.report
        fields = self._report_fields(case)
        services.save_report(
            case.person,
            report,
            activities_held=fields["activities_held"],
            people_reached=fields["people_reached"],
        )

    def _write_report(self, case):
        report = case.award.report
        fields = self._report_fields(case)
        audit = {}
        if case.award.needs_audit:
            audit = {
                "auditor_name": "Revisjon Demo AS v/ statsautorisert revisor Ingrid Bakke",
                "auditor_number": "R-100742",
                "auditor_statement": _pdf(
                    f"revisorattestasjon-{case.year}.pdf",
                    f"Revisors attestasjon av prosjektregnskap {case.year}",
                    case.organisation.name,
                ),
            }
        services.save_report(
            case.person, report, goal_results=self._goal_results(case), **fields, **audit
        )
        services.save_accounts(case.person, report, self._accounts(case))

    def _accounts(self, case):
        slug = case.key
        data = REAL[slug]
        award = case.award
        spent = award.amount - UNSPENT_2023.get(slug, 0) if case.year == 2023 else award.amount
        lines = [("income", "scheme_grant", "Tilskudd fra IMDi", award.disbursed())]
        row = next(row for row in PARTICIPANTS if row[1] == slug)
        if row[8]:  # paying members
            lines.append(("income", "own_income", "Medlemskontingent", Decimal(row[8]) * 100))
        for category, description, amount in _budget(spent, data["spending"], data["paid"]):
            lines.append(("expense", category, description, amount))
        return lines

    def _send_report(self, case):
        services.submit_report(case.person, case.award.report)

    def _return_report(self, case):
        services.return_report(self.caseworker, case.award.report, RETURN_COMMENT)

    def _approve_report(self, case):
        services.approve_report(self.caseworker, case.award.report)

    def _pay_rest(self, case, paid):
        second = case.award.instalments.get(number=2)
        self._paid(case.award, second, paid)

    # -- appeal, change notice, clawback --

    def _plan_extras(self):
        at = self.timeline.at
        appellant = next(
            case for (year, key), case in self.cases.items() if year == INTAKE and key == APPEALED
        )
        at(_moment(2022, 6, 27, 20, 15), self._appeal, appellant)
        at(_moment(2022, 8, 12, 13), self._uphold, appellant)
        notifier = self.cases[(2023, CHANGE_NOTICE)]
        at(_moment(2023, 5, 10, 21, 5), self._notify_change, notifier)
        at(_moment(2023, 5, 16, 10, 30), self._handle_change, notifier)
        for slug, amount in UNSPENT_2023.items():
            case = self.cases[(2023, slug)]
            at(_moment(2024, 3, 4, 11), self._claw_back, case, amount)
            at(_moment(2024, 4, 26, 9), self._repay, case, amount / 2 - 250)

    def _appeal(self, case):
        decision = case.application.decisions.get()
        case.appeal = services.lodge_appeal(case.person, decision, APPEAL_GROUNDS)

    def _uphold(self, case):
        services.handle_appeal(
            self.caseworker, case.appeal, status=AppealStatus.UPHELD, outcome=APPEAL_OUTCOME
        )

    def _notify_change(self, case):
        case.notice = services.send_change_notice(case.person, case.award, CHANGE_NOTICE_TEXT)

    def _handle_change(self, case):
        services.handle_change_notice(self.caseworker, case.notice, CHANGE_NOTICE_OUTCOME)

    def _claw_back(self, case, amount):
        """The service wants a repayment date ahead of today; the real one is set after."""
        decision = self._decided(
            case.application,
            kind=DecisionKind.CLAWBACK,
            award=case.award,
            amount=amount,
            reasons=CLAWBACK_REASONS.format(amount=_nok(amount)),
            repay_by=timezone.localdate() + datetime.timedelta(days=30),
        )
        case.clawback = decision.clawback
        Clawback.objects.filter(pk=case.clawback.pk).update(due_on=datetime.date(2024, 4, 30))

    def _repay(self, case, amount):
        services.record_repayment(
            self.caseworker, case.clawback, amount=amount, paid_on=datetime.date(2024, 4, 26)
        )


@contextmanager
def _today_is(day):
    with mock.patch.object(timezone, "localdate", lambda *args, **kwargs: day):
        yield


@contextmanager
def _fact_not_yet_on_the_profile(case):
    """For an applicant the pilot screened out on the rules: the fact that failed it is not on
    its profile while the application is started (the caseworker found it in the registers
    later), then put back. Others start as they are."""
    reason = case.row[9] if case.row is not None else None
    if reason not in NOT_ELIGIBLE:
        yield
        return
    organisation = case.organisation
    fields = {AGE: ["founded"], REGISTER: ["in_voluntary_register", "voluntary_register_since"]}
    kept = {name: getattr(organisation, name) for name in fields.get(reason, [])}
    earlier = list(PreviousApplication.objects.filter(organisation=organisation).values())
    _set_profile(organisation, dict.fromkeys(kept))
    PreviousApplication.objects.filter(organisation=organisation).delete()
    try:
        yield
    finally:
        _set_profile(organisation, kept)
        PreviousApplication.objects.bulk_create(PreviousApplication(**row) for row in earlier)


def _set_profile(organisation, values):
    for name, value in values.items():
        setattr(organisation, name, value)
    Organisation.objects.filter(pk=organisation.pk).update(**values)


def _give_accounts(participants) -> list:
    """Each of the nine without a bank account for payouts gives one (its leader)."""
    have = set(
        PayoutAccount.objects.filter(
            organisation__in=[organisation for organisation, _slug, _leader in participants]
        ).values_list("organisation_id", flat=True)
    )
    return [
        services.give_payout_account(leader, organisation, fictional_account_number(1000 * n))
        for n, (organisation, _slug, leader) in enumerate(participants, start=1)
        if organisation.pk not in have
    ]


def _confirm_accounts(accounts, caseworker):
    for account in accounts:
        services.confirm_payout_account(caseworker, account)


def _change_an_account(participants):
    """After the pilot, Wadajir gives a new account, which waits for the caseworker (once: while
    its first account is its only one)."""
    organisation, leader = next(
        (organisation, leader) for organisation, slug, leader in participants if slug == NEW_ACCOUNT
    )
    if PayoutAccount.objects.filter(organisation=organisation).count() == 1:
        services.give_payout_account(leader, organisation, fictional_account_number(990000))


def _open_call(caseworker):
    """This year's open call, open now, in the scheme after the pilot: made once, in this year's
    scheme year (its years are opened with the rules of the year before)."""
    scheme = Scheme.objects.get(slug=SUCCESSOR["slug"])
    today = timezone.localdate()
    while not scheme.years.filter(year__gte=today.year).exists():
        scheme_services.open_next_year(caseworker, scheme)
    scheme_year = scheme.years.get(year=today.year)
    title = OPEN_TITLE.format(year=today.year)
    if Round.objects.filter(scheme_year=scheme_year, title=title).exists():
        return
    closes = today + OPEN_FOR
    window = scheme_year.previous_application_window(closes)
    services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title=title,
        kind=RoundKind.OPEN,
        opens_on=today - datetime.timedelta(days=7),
        closes_on=closes,
        guidance=OPEN_GUIDANCE.format(
            year=today.year, first=window[0], last=window[-1], deadline=format_day(closes)
        ),
    )


def _mend_deadlines(written: RowsWritten):
    """Appeal deadlines run from the decision's date (the service counted from today)."""
    today = timezone.localdate()
    decisions = list(
        Decision.objects.filter(pk__in=written.pks(Decision), appeal_deadline__gte=today)
    )
    for decision in decisions:
        decision.appeal_deadline = timezone.localdate(decision.decided_at) + APPEAL_PERIOD
    Decision.objects.bulk_update(decisions, ["appeal_deadline"])


def _budget(amount, spending, paid):
    """Budget or accounts lines that add up to ``amount``: mostly pay, mostly activities, or
    (NO_SALARY) activities with nothing for salary or fees, ``paid`` naming them."""
    amount = Decimal(amount)
    if spending == NO_SALARY:
        main = _kroner(amount * Decimal("0.8"))
        equipment = _kroner(amount * Decimal("0.08"))
        return [
            ("activities", paid, main),
            ("equipment", "Utstyr", equipment),
            ("rent", "Leie av lokaler", amount - main - equipment),
        ]
    if spending == "salary":
        main = _kroner(amount * Decimal("0.72"))
        activities = _kroner(amount * Decimal("0.16"))
        lines = [
            ("salary", paid, main),
            ("activities", "Aktiviteter og materiell", activities),
            ("rent", "Leie av lokaler", amount - main - activities),
        ]
    else:
        main = _kroner(amount * Decimal("0.62"))
        pay = _kroner(amount * Decimal("0.14"))
        equipment = _kroner(amount * Decimal("0.08"))
        lines = [
            ("activities", "Aktiviteter, mat og materiell", main),
            ("salary", paid, pay),
            ("equipment", "Utstyr", equipment),
            ("rent", "Leie av lokaler", amount - main - pay - equipment),
        ]
    return [line for line in lines if line[2] > 0]


def _rejection(row) -> str:
    (name, municipality, _number, _postal, _place, founded, _groups, _langs, _members, reason,
     _amount, _activity, _description, note) = row  # fmt: skip
    intro = (
        "IMDi fikk 56 søknader til prøveordningen. Rammen på 1 000 000 kroner gir plass til ni "
        "organisasjoner, så vi har måttet prioritere strengt."
    )
    if reason == AGE:
        founded = datetime.date(*founded)
        return (
            f"{name} ble stiftet {format_day(founded)} og var eldre enn fem år ved "
            "søknadsfristen 20.04.2022. Prøveordningen er for nystartede organisasjoner, "
            "stiftet for mindre enn fem år siden (Rundskriv nr. 10-2022). Søknaden oppfyller "
            "derfor ikke vilkårene."
        )
    if reason == REGISTER:
        return (
            f"{name} var ikke registrert i Frivillighetsregisteret ved søknadsfristen. "
            "Registrering er et vilkår for tilskudd (Rundskriv nr. 10-2022). Dere kan "
            "registrere organisasjonen i Brønnøysundregistrene og søke igjen ved en senere "
            "utlysning."
        )
    if reason == APPLIED:
        return (
            f"{name} har ikke søkt tilskudd fra IMDi eller en kommune i 2021 eller 2022. Det er "
            "et vilkår i ordningen (Rundskriv nr. 10-2022), så søknaden oppfyller ikke "
            "vilkårene."
        )
    if reason == PURPOSE:
        return (
            f"{note} Ordningen skal styrke organisasjoner som arbeider for at innvandrere og "
            "barna deres deltar i arbeids- og samfunnslivet. Søknaden faller utenfor dette "
            "formålet."
        )
    if reason == ACTIVITY:
        return (
            f"{intro} Vi har lagt vekt på organisasjonenes aktivitet i dag. {note} Vi oppfordrer "
            f"dere til å søke igjen når aktiviteten i {municipality} er bygget opp."
        )
    if reason == SPREAD:
        return (
            f"{intro} Søknaden er god og oppfyller vilkårene. I utvalget har vi lagt vekt på "
            f"spredning i geografi, målgrupper og type organisasjon. {note}"
        )
    return f"{intro} Søknaden oppfyller vilkårene. {note}"


# --- the loader ---------------------------------------------------------------------------------


def load(log):
    scheme = Scheme.objects.filter(slug=SCHEME["slug"]).select_related("administrator").first()
    User = get_user_model()
    caseworker = User.objects.filter(email=CASEWORKER_EMAIL).first()
    if scheme is None or caseworker is None:
        log("Grants: the scheme or the demo caseworker is missing; load organisations first.")
        return
    approver = _approver(scheme.administrator)
    participants = []
    for index, row in enumerate(PARTICIPANTS):
        organisation = Organisation.objects.get(org_number=fictional_orgnr(99100000 + 2 * index))
        leader = User.objects.get(email=f"leder@{row[1]}.example")
        participants.append((organisation, row[1], leader))
    _record_the_pilot_grants([(organisation, slug) for organisation, slug, _ in participants])
    target_groups = {group.code: group for group in TargetGroup.objects.all()}
    languages = {language.code: language for language in Language.objects.all()}
    fictional = _fictional_organisations(target_groups, languages)
    first_call = Round.objects.filter(
        scheme_year__scheme=scheme, title=ROUND_TITLE.format(year=INTAKE)
    )
    if first_call.exists():
        # A history loaded before the portal kept bank accounts gets them now.
        _confirm_accounts(_give_accounts(participants), caseworker)
        _after_the_pilot(caseworker, participants)
        log(f"Grants: the history is already there, left as it is. {summary(scheme)}")
        return
    history = _History(scheme, caseworker, participants, fictional, approver)
    history.plan()
    history.run()
    _after_the_pilot(caseworker, participants)
    log(f"Grants: {summary(scheme)}")


def _approver(body):
    """The demo's approver in the administering body (made once)."""
    email, full_name = APPROVER
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"full_name": full_name}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(
        user=user, organisation=body, defaults={"role": MemberRole.APPROVER}
    )
    return user


def _after_the_pilot(caseworker, participants):
    _change_an_account(participants)
    _open_call(caseworker)


def summary(scheme) -> str:
    applications = Application.objects.filter(round__scheme_year__scheme=scheme)
    statuses = Counter(applications.values_list("status", flat=True))
    awards = Award.objects.filter(application__in=applications)
    reports = Counter(
        GrantReport.objects.filter(award__in=awards, due_on=datetime.date(2024, 1, 23)).values_list(
            "status", flat=True
        )
    )
    awarded = awards.aggregate(total=Sum("amount"))["total"] or 0
    paid = Disbursement.objects.filter(award__in=awards).aggregate(total=Sum("amount"))["total"]
    states = ", ".join(f"{count} {status}" for status, count in sorted(reports.items()))
    return (
        f"{Round.objects.filter(scheme_year__scheme=scheme).count()} calls, "
        f"{sum(statuses.values())} applications ({statuses[ApplicationStatus.AWARDED]} awarded, "
        f"{statuses[ApplicationStatus.REJECTED]} rejected), NOK {_nok(awarded)} awarded, "
        f"NOK {_nok(paid or 0)} paid; 2023 reports: {states}."
    )
