"""Demo data: a few threads per participant organisation of the pilot in 2023 and 2024, made
through the services and dated to the story. Each organisation asks the caseworker about its
2023 award (answered from a reply template), talks with its mentor about the next meeting,
and in the general thread asks about a gathering; the last question of some is still waiting
for the caseworker, so the caseworker's dashboard lists organisations waiting for an answer.
Imported only by ``load_demo``; running it again deletes the demo's threads and templates and
makes them again."""

import datetime

from django.apps import apps
from django.utils import timezone

from scheme.conversations import services
from scheme.conversations.models import Message, ReadState, ReplyTemplate, Thread
from scheme.demo import RowsWritten
from scheme.models import Event as TimelineEvent
from scheme.models import Notification, Scheme, User
from scheme.records.models import RegistryEntry

SCHEME_SLUG = "proveordning-sma-organisasjoner"
CASEWORKER = "saksbehandler@imdi.example"
VERBS = [
    services.POSTED,
    services.EDITED,
    services.WITHDRAWN,
    services.CASEWORKERS_INVITED,
    services.TEMPLATE_SAVED,
]

TEMPLATES = [
    (
        "Utbetaling i rater",
        "Tilskuddet utbetales i to rater. Andre rate kommer når tilskuddsrapporten er godkjent.",
        "The grant is paid in two instalments. The second is paid when the grant report is "
        "approved.",
    ),
    (
        "Endringer i aktivitetene",
        "Takk for at dere sier fra. Send en melding om endring fra tilskuddssiden, så ser vi på "
        "den.",
        "Thank you for telling us. Send a change notice from the award's page and we will look "
        "at it.",
    ),
]

# (thread, month and day, who writes: org/caseworker/mentor, text). Thread "award" is the
# organisation's 2023 award, "pairing" its first pairing, "organisation" the general thread.
STORY = [
    ("award", (2023, 2, 6), "org", "Hei! Når kommer første utbetaling av tilskuddet?"),
    ("award", (2023, 2, 7), "caseworker", TEMPLATES[0][1]),
    ("pairing", (2023, 3, 20), "mentor", "Passer det å møtes tirsdag 28. mars kl. 18?"),
    ("pairing", (2023, 3, 21), "org", "Det passer fint. Vi tar med regnskapet fra i fjor."),
    ("organisation", (2023, 8, 21), "org", "Kan vi ta med en frivillig til samlingen i september?"),
    ("organisation", (2023, 8, 22), "caseworker", "Ja, så lenge dere holder dere innenfor to "
     "plasser. Se https://www.imdi.no for programmet."),
    ("award", (2024, 1, 15), "org", "Vi har flyttet et arrangement fra mai til juni. Må vi "
     "melde fra om det?"),
]  # fmt: skip
# The last line waits for an answer for every other organisation.


def _reset(scheme) -> None:
    demo_threads = Thread.objects.filter(organisation__is_demo=True)
    TimelineEvent.objects.filter(verb__in=VERBS, actor__email__endswith=".example").delete()
    demo_threads.delete()
    ReplyTemplate.objects.filter(scheme=scheme, title__in=[t[0] for t in TEMPLATES]).delete()


def _first_person(organisation):
    return User.objects.filter(memberships__organisation=organisation).order_by("pk").first()


def _cases(organisation):
    """The organisation's 2023 award and its first pairing (either may be missing)."""
    award = apps.get_model("grants", "Award")  # scheme names no app above it
    pairing = apps.get_model("mentoring", "Pairing")
    return {
        "award": award.objects.filter(
            application__organisation=organisation, application__round__scheme_year__year=2023
        ).first(),
        "pairing": pairing.objects.filter(members__organisation=organisation)
        .order_by("starts_on", "pk")
        .first(),
        "organisation": organisation,
    }


def _write(story, organisation, caseworker, cases, number) -> Message | None:
    """Post one line of the story, dated to its day with what the service wrote for it (the
    timeline line, the notifications: read the next day)."""
    thread_kind, day, who, text = story
    obj = cases[thread_kind]
    if obj is None:
        return None
    if who == "mentor":
        author = _first_person(obj.mentor)
    else:
        author = caseworker if who == "caseworker" else _first_person(organisation)
    if author is None:
        return None
    moment = timezone.make_aware(datetime.datetime(*day, 9 + number % 8, 15))
    with RowsWritten() as written:
        message = services.post_message(author, thread_kind, obj.pk, text)
    Message.objects.filter(pk=message.pk).update(created_at=moment)
    TimelineEvent.objects.filter(pk__in=written.pks(TimelineEvent)).update(created_at=moment)
    RegistryEntry.objects.filter(pk__in=written.pks(RegistryEntry)).update(
        registered_at=moment, document_date=moment.date()
    )
    Notification.objects.filter(pk__in=written.pks(Notification)).update(
        created_at=moment, read_at=moment + datetime.timedelta(days=1)
    )
    return message


def _date_threads(threads) -> None:
    """Threads and read states as the dated messages leave them."""
    for thread in threads:
        messages = list(thread.messages.order_by("pk"))
        last = messages[-1]
        waiting = last.created_at
        for message in reversed(messages):
            if message.author_organisation_id != last.author_organisation_id:
                break
            waiting = message.created_at
        Thread.objects.filter(pk=thread.pk).update(
            created_at=messages[0].created_at, last_message_at=last.created_at,
            waiting_since=waiting,
        )  # fmt: skip
        ReadState.objects.filter(thread=thread).update(read_at=last.created_at)


def load(log):
    scheme = Scheme.objects.filter(slug=SCHEME_SLUG).first()
    caseworker = User.objects.filter(email=CASEWORKER).first()
    if scheme is None or caseworker is None:
        log("Messages: the demo scheme is missing; load the organisations demo first.")
        return
    _reset(scheme)
    organisation = apps.get_model("organisations", "Organisation")
    pilot = list(
        organisation.objects.filter(
            is_demo=True, kind="participant", applications__award__isnull=False
        )
        .distinct()
        .order_by("name")
    )
    written = []
    for title, nb, en in TEMPLATES:
        services.save_reply_template(
            caseworker, ReplyTemplate(scheme=scheme, title=title, body_nb=nb, body_en=en)
        )
    for number, participant in enumerate(pilot):
        cases = _cases(participant)
        story = STORY if number % 2 else STORY[:-1]  # every other one still waits
        written += [_write(line, participant, caseworker, cases, number) for line in story]
    threads = list(Thread.objects.filter(organisation__in=pilot))
    # Those who wrote in a thread have read it, but for a question still waiting for the
    # caseworker: that is new to them.
    for thread in threads:
        for person in User.objects.filter(pk__in=thread.messages.values("author_id")):
            if person != caseworker or thread.last_side_id == scheme.administrator_id:
                services.mark_read(person, thread)
    _date_threads(threads)
    count = len([message for message in written if message is not None])
    log(f"Messages: {count} in {len(threads)} threads of {len(pilot)} organisations.")
