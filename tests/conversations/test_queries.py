"""The thread page, My messages and the dashboard take as many queries with 1 000 messages as
with 10 (tests/querycount.py lists the queries when they do not)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scheme.conversations.models import Message
from tests import factories
from tests.querycount import assert_same_query_count, count_queries


def grow(world, post, count):
    """``count`` more messages from both sides. Through the service for the first few (files,
    withdrawals, edits and notifications included); the bulk is written in one insert, as the
    service would leave it, so that the test takes seconds."""
    thread = post(world.member, "application", world.application, "Start").thread
    post(
        world.member, "application", world.application, "Med fil",
        [SimpleUploadedFile("a.pdf", b"%PDF-1.4 a")],
    )  # fmt: skip
    post(world.caseworker, "application", world.application, "Svar")
    Message.objects.bulk_create(
        Message(
            thread=thread,
            author=world.member if n % 2 else world.caseworker,
            author_organisation=world.organisation if n % 2 else world.body,
            body=f"Melding {n} https://imdi.no",
        )
        for n in range(count - 3)
    )
    last = Message.objects.latest("id")
    thread.last_message_id, thread.last_message_at = last.pk, last.created_at
    thread.save()


def test_the_thread_page_does_not_grow_with_its_messages(world, client, post):
    url = reverse("conversations:thread", args=["application", world.application.pk])
    grow(world, post, 10)
    for user in (world.member, world.caseworker):
        client.force_login(user)
        client.get(url)  # the first visit marks the thread read and fills the caches
    small = {
        u: count_queries(lambda u=u: (client.force_login(u), client.get(url)))
        for u in (world.member, world.caseworker)
    }
    grow(world, post, 990)
    for user in (world.member, world.caseworker):
        client.force_login(user)
        client.get(url)
    for user in (world.member, world.caseworker):
        large = count_queries(lambda u=user: (client.force_login(u), client.get(url)))
        assert_same_query_count(small[user], large)


def test_my_messages_and_the_dashboard_do_not_grow_with_threads(world, client, post):
    def pages(user):
        client.force_login(user)
        for name in ("conversations:mine", "dashboard"):
            client.get(reverse(name))

    def more_threads(count):
        for _n in range(count):
            organisation = factories.OrganisationFactory()
            factories.awarded(world.scheme_year, organisation)
            member = factories.member_of(organisation)
            post(member, "organisation", organisation, "Hei")
            post(world.caseworker, "organisation", organisation, "Hei tilbake")
            post(member, "organisation", organisation, "Et spørsmål til")  # waits for an answer

    more_threads(2)
    pages(world.caseworker)
    small = count_queries(lambda: pages(world.caseworker))
    more_threads(8)
    pages(world.caseworker)
    large = count_queries(lambda: pages(world.caseworker))
    assert_same_query_count(small, large)
