"""The demo's threads: a few per pilot organisation in 2023 and 2024, dated to the story,
some still waiting for the caseworker; loading again makes the same and no more."""

import io

from django.core.management import call_command

from scheme.conversations.models import Message, ReplyTemplate, Thread
from scheme.conversations.services import unread_threads, waiting_for_caseworkers
from scheme.models import User


def load_demo():
    call_command("load_demo", stdout=io.StringIO())


def test_the_demo_has_threads_from_the_pilot_and_loads_twice(db):
    load_demo()
    first = (Thread.objects.count(), Message.objects.count(), ReplyTemplate.objects.count())
    load_demo()
    assert (Thread.objects.count(), Message.objects.count(), ReplyTemplate.objects.count()) == first
    assert Thread.objects.count() >= 9 * 2
    years = {m.created_at.year for m in Message.objects.all()}
    assert years == {2023, 2024}
    kinds = set(Thread.objects.values_list("kind", flat=True))
    assert kinds == {"award", "pairing", "organisation"}
    caseworker = User.objects.get(email="saksbehandler@imdi.example")
    waiting = list(waiting_for_caseworkers(caseworker))
    assert waiting and all(t.waiting_since.year == 2024 for t in waiting)
    # New to the caseworker: the questions waiting, and a pairing's talk since its flag.
    assert {(t.kind, t.object_id) for t in waiting} <= unread_threads(caseworker)
    leader = User.objects.get(email="leder@aktivno.example")
    assert Thread.objects.visible_to(leader).exists()
