"""The thread page: the reply form keeps what was typed when it is refused, and the change
and withdraw buttons show only when the services' predicates allow them."""

from django.urls import reverse

from scheme.conversations.models import MESSAGE_LENGTH, Message


def thread_url(world):
    return reverse("conversations:thread", args=["application", world.application.pk])


def test_a_refused_reply_keeps_its_text(world, client):
    client.force_login(world.member)
    too_long = "Lang tekst " + "x" * MESSAGE_LENGTH
    response = client.post(thread_url(world), {"body": too_long})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page and too_long in page
    assert not Message.objects.exists()


def test_change_shows_until_someone_else_reads(world, client, post, read):
    message = post(world.member, "application", world.application, "Første utkast")
    edit = reverse("conversations:edit", args=[message.pk])
    withdraw = reverse("conversations:withdraw", args=[message.pk])
    client.force_login(world.member)
    page = client.get(thread_url(world)).content.decode()
    assert edit in page and withdraw in page
    client.force_login(world.colleague)  # a colleague reading counts as someone else
    page = client.get(thread_url(world)).content.decode()
    assert edit not in page and withdraw not in page
    client.force_login(world.member)
    page = client.get(thread_url(world)).content.decode()
    assert edit not in page and withdraw in page
    assert client.post(edit, {"body": "Nytt"}).status_code == 200  # refused, said on the form
    assert Message.objects.get().body == "Første utkast"


def test_a_withdrawn_message_shows_who_withdrew_it_and_not_its_text(world, client, post):
    message = post(world.member, "application", world.application, "Feil vedlegg")
    client.force_login(world.member)
    client.post(reverse("conversations:withdraw", args=[message.pk]))
    page = client.get(thread_url(world)).content.decode()
    assert "Feil vedlegg" not in page
    assert f"Trukket tilbake av {world.member.full_name}" in page
