"""A due item's title says what is due and the dashboard says by when, once: not "Register
for X by 12.02 – by 12.02" (``scheme.formatting.format_deadline`` words the deadline)."""

from django.urls import reverse

from scheme.formatting import format_deadline


def test_the_registration_due_item_names_its_deadline_once(client, gathering, member):
    client.force_login(member)
    response = client.get(reverse("dashboard"))
    [item] = [item for item in response.context["due_items"] if gathering.title in item.title]
    assert str(item.title) == f"Meld dere på {gathering.title}"
    assert format_deadline(gathering.registration_deadline) in response.content.decode()
