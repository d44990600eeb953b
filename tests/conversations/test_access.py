"""Who reads and writes which thread, by the pages and by guessing URLs: the thread follows
the case object's ``visible_to`` (404 for the hidden, as for the object), pairings narrow it
to the pair until they ask the caseworkers in or a flag is raised, and changing another's
message is refused (403)."""

import pytest
from django.urls import reverse

from mentoring import services as mentoring
from scheme.conversations import services
from scheme.conversations.models import Message


def thread_url(kind, obj):
    return reverse("conversations:thread", args=[kind, obj.pk])


def status(client, user, url, method="get", **data):
    client.force_login(user)
    return getattr(client, method)(url, data).status_code


def cases(world):
    return {
        "application": world.application,
        "award": world.award,
        "pairing": world.pairing,
        "organisation": world.organisation,
    }


# Who may read (and post in) each kind of thread; everyone else gets 404.
READERS = {
    "application": {"member", "colleague", "caseworker", "admin"},
    "award": {"member", "colleague", "caseworker", "admin"},
    "pairing": {"member", "colleague", "second_member", "mentor"},
    # The general thread: the organisation's people and the caseworkers (who see every
    # organisation today), not the paired mentor who sees its profile.
    "organisation": {"member", "colleague", "caseworker", "other_body_caseworker", "admin"},
}
PEOPLE = [
    "member",
    "colleague",
    "second_member",
    "other_member",
    "mentor",
    "other_mentor",
    "caseworker",
    "other_body_caseworker",
    "evaluator",
    "admin",
]


@pytest.mark.parametrize("kind", list(READERS))
def test_reading_and_posting_follow_the_objects_visibility(world, client, kind):
    obj = cases(world)[kind]
    url = thread_url(kind, obj)
    for name in PEOPLE:
        expected = 200 if name in READERS[kind] else 404
        assert status(client, getattr(world, name), url) == expected, (kind, name)
        posted = status(client, getattr(world, name), url, "post", body=f"Fra {name}")
        assert posted == (302 if expected == 200 else 404), (kind, name)
    authors = set(Message.objects.values_list("body", flat=True))
    assert authors == {f"Fra {name}" for name in READERS[kind]}


def test_unknown_kind_or_object_is_404(world, client):
    client.force_login(world.member)
    assert client.get(reverse("conversations:thread", args=["nothing", 1])).status_code == 404
    assert (
        client.get(reverse("conversations:thread", args=["application", 999999])).status_code == 404
    )


def test_caseworkers_join_a_pairing_when_the_pair_invites_them(world, client, post):
    url = thread_url("pairing", world.pairing)
    post(world.mentor, "pairing", world.pairing, "Kun for paret")
    assert status(client, world.caseworker, url) == 404
    assert status(client, world.member, url, "post") == 200  # empty body: the form again
    assert (
        status(
            client,
            world.member,
            reverse("conversations:invite", args=["pairing", world.pairing.pk]),
            "post",
        )
        == 302
    )
    assert status(client, world.caseworker, url) == 200
    assert status(client, world.other_body_caseworker, url) == 404
    # Only the pair invites.
    assert (
        status(
            client,
            world.caseworker,
            reverse("conversations:invite", args=["pairing", world.pairing.pk]),
            "post",
        )
        == 403
    )


def test_caseworkers_join_a_pairing_when_a_flag_is_raised(world, client):
    url = thread_url("pairing", world.pairing)
    assert status(client, world.caseworker, url) == 404
    mentoring.raise_flag(world.member, world.pairing, "Vi får ikke til møtene.")
    assert status(client, world.caseworker, url) == 200


def test_a_group_pairings_thread_is_shared_by_the_group_only(world, client, post):
    post(world.member, "pairing", world.pairing, "Til hele gruppen")
    client.force_login(world.second_member)
    assert "Til hele gruppen" in client.get(thread_url("pairing", world.pairing)).content.decode()
    # A pairing the second organisation is not in stays hidden from it.
    other = mentoring.create_pairing(
        world.caseworker, world.scheme, world.mentor_org, [world.other_org]
    )
    assert status(client, world.second_member, thread_url("pairing", other)) == 404
    assert status(client, world.other_member, thread_url("pairing", other)) == 200


def test_changing_anothers_message_is_refused(world, client, post):
    message = post(world.member, "application", world.application, "Mitt")
    edit = reverse("conversations:edit", args=[message.pk])
    withdraw = reverse("conversations:withdraw", args=[message.pk])
    assert status(client, world.colleague, edit) == 403
    assert status(client, world.caseworker, withdraw, "post") == 403
    assert status(client, world.other_member, edit) == 404
    assert status(client, world.other_member, withdraw, "post") == 404
    assert Message.objects.get().withdrawn_at is None


def test_attachments_are_served_only_to_readers(world, client, post):
    from django.core.files.uploadedfile import SimpleUploadedFile

    message = post(
        world.member, "application", world.application, "Vedlegg",
        [SimpleUploadedFile("budsjett.pdf", b"%PDF-1.4 x")],
    )  # fmt: skip
    url = reverse("conversations:attachment", args=[message.attachments.get().pk])
    assert status(client, world.caseworker, url) == 200
    assert status(client, world.other_body_caseworker, url) == 404
    assert status(client, world.mentor, url) == 404
    services.withdraw_message(world.member, message.pk)
    assert status(client, world.member, url) == 404


def test_reply_templates_are_for_caseworkers(world, client):
    assert status(client, world.member, reverse("conversations:templates")) == 403
    assert status(client, world.evaluator, reverse("conversations:template_new")) == 403
    assert status(client, world.caseworker, reverse("conversations:templates")) == 200


def test_the_header_shows_unread_threads_and_my_messages_lists_them(
    world, client, post, django_capture_on_commit_callbacks
):
    post(world.member, "application", world.application)
    client.force_login(world.caseworker)
    page = client.get(reverse("conversations:mine")).content.decode()
    assert (
        '<span class="badge text-bg-primary">1<span class="visually-hidden"> uleste meldinger'
        in page
    )
    assert world.application.round.title in page
    with django_capture_on_commit_callbacks(execute=True):
        client.get(thread_url("application", world.application))
    page = client.get(reverse("conversations:mine")).content.decode()
    assert "uleste meldinger" not in page


def test_case_pages_link_to_their_thread(world, client, post):
    post(world.caseworker, "award", world.award, "Husk rapporten")
    client.force_login(world.member)
    page = client.get(reverse("grants:award", args=[world.award.pk])).content.decode()
    assert thread_url("award", world.award) in page
    # The caseworker sees the pairing's page, but not its thread until asked in.
    client.force_login(world.caseworker)
    page = client.get(reverse("mentoring:pairing", args=[world.pairing.pk])).content.decode()
    assert thread_url("pairing", world.pairing) not in page
    client.force_login(world.mentor)
    page = client.get(reverse("mentoring:pairing", args=[world.pairing.pk])).content.decode()
    assert thread_url("pairing", world.pairing) in page


def test_the_admin_reads_threads_and_withdraws_through_the_service(world, client, post):
    message = post(world.member, "application", world.application, "Feil")
    client.force_login(world.admin)
    for model in ("thread", "message", "messageattachment", "readstate", "replytemplate"):
        assert client.get(reverse(f"admin:conversations_{model}_changelist")).status_code == 200
    client.post(
        reverse("admin:conversations_message_changelist"),
        {"action": "withdraw_message", "_selected_action": [message.pk]},
    )
    message.refresh_from_db()
    assert message.withdrawn_by == world.admin and message.body == "Feil"
