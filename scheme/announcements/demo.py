"""Demo data: the announcements IMDi would have sent in 2023 and 2024 (gathering dates, the
grant report deadline, course invitations, practical notes to those registered for a
gathering), made through the services by the demo caseworker and dated to the story. About
half of each audience has read each one, so the caseworker's list shows read counts and some
demo logins still find unread ones on their dashboard. Imported only by ``load_demo``; running
it again deletes the demo scheme's announcements and makes them again."""

import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from scheme.demo import RowsWritten
from scheme.models import Event as TimelineEvent
from scheme.models import Scheme, User

from . import services
from .audience import people_in
from .models import Announcement, AnnouncementRead, AudienceKind

SCHEME_SLUG = "proveordning-sma-organisasjoner"
CASEWORKER = "saksbehandler@imdi.example"

# (year, published, audience, the n-th gathering of the year for an event audience, title nb,
# title en, text nb, text en, pinned)
STORY = [
    (2023, (2023, 1, 3), AudienceKind.EVERYONE, None,
     "Velkommen til prøveordningen 2023",
     "Welcome to the 2023 pilot",
     "Her i portalen finner dere tilskudd, mentorpar og kurs. Vi sender korte kunngjøringer "
     "når noe nytt skjer.",
     "Here in the portal you find grants, pairings and courses. We send short announcements "
     "when something new happens.", False),
    (2023, (2023, 1, 16), AudienceKind.EVENT, 0,
     "Praktisk om fellessamlingen",
     "Practical notes on the gathering",
     "Vi starter kl. 10 og serverer lunsj. Gi beskjed om allergier når dere melder dere på.",
     "We start at 10 and serve lunch. Tell us about allergies when you register.", False),
    (2023, (2023, 2, 20), AudienceKind.PARTICIPANTS, None,
     "Invitasjon: kurs i styrearbeid",
     "Invitation: course in board work",
     "Frivillighet Norge holder et digitalt kurs i styrearbeid. Meld dere på under Kurs.",
     "Frivillighet Norge holds a digital course in board work. Register under Courses.", False),
    (2023, (2023, 3, 6), AudienceKind.MENTORS, None,
     "Felles møte for mentorer",
     "Joint meeting for mentors",
     "Vi samler mentorene digitalt for å dele erfaringer fra de første møtene.",
     "We gather the mentors online to share what the first meetings taught them.", False),
    (2023, (2023, 8, 14), AudienceKind.EVERYONE, None,
     "Fellessamling i Oslo i september",
     "Gathering in Oslo in September",
     "Høstens samling handler om søknadsskriving og regnskap. Hver organisasjon har to plasser.",
     "The autumn gathering is on writing applications and accounts. Each organisation has two "
     "places.", False),
    (2024, (2024, 1, 8), AudienceKind.PARTICIPANTS, None,
     "Frist for tilskuddsrapporten 23. januar",
     "Grant report due 23 January",
     "Husk å sende tilskuddsrapport og regnskap for 2023 innen 23. januar. Spør oss gjerne.",
     "Remember to send the grant report and accounts for 2023 by 23 January. Do ask us.", True),
    (2024, (2024, 2, 12), AudienceKind.PARTICIPANTS, None,
     "Invitasjon: kurs i kommunikasjon",
     "Invitation: course in communication",
     "Et digitalt kurs om hvordan dere når ut til flere. Påmelding under Kurs.",
     "A digital course on reaching more people. Register under Courses.", False),
    (2024, (2024, 9, 2), AudienceKind.EVERYONE, None,
     "Avslutningssamling i oktober",
     "Closing gathering in October",
     "Pilotens siste samling handler om frivillige og kommunikasjon. Meld dere på i tide.",
     "The pilot's last gathering is on volunteers and communication. Register in time.", False),
    (2024, (2024, 10, 7), AudienceKind.EVENT, 0,
     "Praktisk om avslutningssamlingen",
     "Practical notes on the closing gathering",
     "Vi møtes kl. 10. Ta med en kollega som ikke har vært med før, om dere har plass.",
     "We meet at 10. Bring a colleague who has not come before, if you have room.", False),
    (2024, (2024, 12, 2), AudienceKind.PARTICIPANTS, None,
     "Tilskuddsrapporten for 2024",
     "The grant report for 2024",
     "Rapporten for 2024 skal sendes innen 23. januar 2025. Skjemaet ligger under Tilskudd.",
     "The report for 2024 is due 23 January 2025. The form is under Grants.", False),
]  # fmt: skip


def _reset(scheme) -> None:
    announcements = Announcement.objects.filter(scheme_year__scheme=scheme)
    TimelineEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Announcement),
        target_id__in=list(announcements.values_list("pk", flat=True)),
    ).delete()
    announcements.delete()


def _gathering(scheme_year, number):
    event = apps.get_model("courses", "Event")  # scheme names no app above it
    gatherings = event.objects.filter(scheme_year=scheme_year, kind="gathering")
    return gatherings.order_by("starts_at", "pk")[number]


def _publish(caseworker, scheme, story):
    year, day, audience, gathering, title_nb, title_en, body_nb, body_en, pinned = story
    scheme_year = scheme.years.get(year=year)
    moment = timezone.make_aware(datetime.datetime(*day, 9, 0))
    group_id = _gathering(scheme_year, gathering).pk if audience == AudienceKind.EVENT else None
    announcement = services.publish(
        caseworker,
        scheme_year,
        audience=audience,
        group_id=group_id,
        title_nb=title_nb,
        title_en=title_en,
        body_nb=body_nb,
        body_en=body_en,
        publish_at=moment,
        pinned=pinned,
    )
    Announcement.objects.filter(pk=announcement.pk).update(created_at=moment, announced_at=moment)
    readers = list(User.objects.filter(people_in(announcement)).order_by("pk")[::2])
    for reader in readers:
        services.mark_read(reader, announcement)
    AnnouncementRead.objects.filter(announcement=announcement).update(
        read_at=moment + datetime.timedelta(days=1)
    )
    return announcement, moment


def load(log):
    scheme = Scheme.objects.filter(slug=SCHEME_SLUG).first()
    caseworker = User.objects.filter(email=CASEWORKER).first()
    if scheme is None or caseworker is None:
        log("Announcements: the demo scheme is missing; load the organisations demo first.")
        return
    _reset(scheme)
    with RowsWritten() as written:
        dated = [_publish(caseworker, scheme, story) for story in STORY]
    moments = {a.pk: moment for a, moment in dated}
    lines = TimelineEvent.objects.filter(
        pk__in=written.pks(TimelineEvent),
        target_type=ContentType.objects.get_for_model(Announcement),
    )
    for line in lines:
        TimelineEvent.objects.filter(pk=line.pk).update(created_at=moments[line.target_id])
    log(f"Announcements: {len(dated)} from 2023 and 2024, each read by about half its audience.")
