"""Posting, editing, withdrawing and reading messages through the services."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from scheme.conversations import services
from scheme.conversations.models import MESSAGE_LENGTH, Message, Thread
from scheme.models import Event

PDF = b"%PDF-1.4 test"


def test_first_message_makes_the_thread_and_tells_the_other_side(world, post):
    world.caseworker.language = "nb"
    world.caseworker.save()
    mail.outbox.clear()
    message = post(world.member, "application", world.application, "Når kommer pengene?\nMvh")
    thread = message.thread
    assert thread.organisation == world.organisation
    assert message.author_organisation == world.organisation
    assert thread.last_side == world.organisation and thread.waiting_since is not None
    # The caseworker is told, in Norwegian, with the first lines and a link to the thread.
    assert [m.to for m in mail.outbox] == [[world.caseworker.email]]
    sent = mail.outbox[0]
    assert sent.subject.startswith("Ny melding")
    assert "Når kommer pengene?" in sent.body
    assert f"/meldinger/application/{world.application.pk}/" in sent.body
    # The author's colleagues are on the author's side: not told.
    assert world.colleague.email not in [m.to[0] for m in mail.outbox]


def test_a_reply_tells_the_organisation_in_english(world, post):
    post(world.member, "application", world.application)
    mail.outbox.clear()
    post(world.caseworker, "application", world.application, "Svar fra oss")
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world.member.email, world.colleague.email])
    assert mail.outbox[0].subject.startswith("New message")  # factories' users read English


def test_the_message_is_on_the_case_objects_timeline(world, post):
    message = post(world.member, "award", world.award, "Hemmelig")
    services.withdraw_message(world.member, message.pk)
    events = Event.objects.filter(verb__in=[services.POSTED, services.WITHDRAWN])
    assert [e.target for e in events] == [world.award, world.award]
    # The timeline names who wrote for which organisation, never the text.
    assert {e.detail for e in events} == {world.organisation.name}


def test_text_is_required_and_bounded(world, post):
    with pytest.raises(ValidationError):
        post(world.member, "application", world.application, "   ")
    with pytest.raises(ValidationError):
        post(world.member, "application", world.application, "x" * (MESSAGE_LENGTH + 1))
    assert not Message.objects.exists()


def test_attachments_are_checked_and_counted(world, post):
    good = SimpleUploadedFile("vedlegg.pdf", PDF)
    message = post(world.member, "application", world.application, files=[good])
    assert [a.original_name for a in message.attachments.all()] == ["vedlegg.pdf"]
    with pytest.raises(ValidationError):
        post(
            world.member,
            "application",
            world.application,
            files=[SimpleUploadedFile("program.pdf", b"MZ not a pdf")],
        )
    too_many = [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)]
    with pytest.raises(ValidationError):
        post(world.member, "application", world.application, files=too_many)


def test_edit_until_someone_else_has_read(world, post):
    message = post(world.member, "application", world.application, "Skrivefeil")
    services.edit_message(world.member, message.pk, "Rettet")
    message.refresh_from_db()
    assert message.body == "Rettet" and message.edited_at is not None
    services.mark_read(world.caseworker, message.thread)
    with pytest.raises(ValidationError):
        services.edit_message(world.member, message.pk, "For sent")


def test_only_the_author_edits(world, post):
    message = post(world.member, "application", world.application)
    with pytest.raises(PermissionDenied):
        services.edit_message(world.colleague, message.pk, "Ikke min")
    with pytest.raises(Http404):
        services.edit_message(world.other_member, message.pk, "Ikke min")


def test_withdrawn_message_keeps_its_text_for_the_record(world, post):
    message = post(world.member, "application", world.application, "Feil sak")
    with pytest.raises(PermissionDenied):
        services.withdraw_message(world.caseworker, message.pk)
    services.withdraw_message(world.member, message.pk)
    message.refresh_from_db()
    assert message.withdrawn_by == world.member and message.body == "Feil sak"
    with pytest.raises(ValidationError):
        services.withdraw_message(world.member, message.pk)


def test_unread_count_is_cached_and_forgotten_on_post_and_read(
    world, post, read, django_assert_num_queries
):
    with django_assert_num_queries(1):
        assert services.unread_thread_count(world.caseworker) == 0
    with django_assert_num_queries(0):
        assert services.unread_thread_count(world.caseworker) == 0
    message = post(world.member, "application", world.application)
    post(world.member, "organisation", world.organisation)
    assert services.unread_thread_count(world.caseworker) == 2
    assert services.unread_thread_count(world.member) == 0  # their own messages are read
    read(world.caseworker, message.thread)
    assert services.unread_thread_count(world.caseworker) == 1


def test_reply_templates_belong_to_the_schemes_body(world, post):
    from scheme.conversations.models import ReplyTemplate

    template = ReplyTemplate(scheme=world.scheme, title="Utbetaling", body_nb="Pengene kommer.")
    services.save_reply_template(world.caseworker, template)
    assert services.templates_for(world.caseworker, world.scheme) == [template]
    assert services.templates_for(world.member, world.scheme) == []
    assert services.templates_for(world.other_body_caseworker, None) == []
    with pytest.raises(PermissionDenied):
        services.save_reply_template(
            world.other_body_caseworker, ReplyTemplate(scheme=world.scheme, title="X", body_nb="Y")
        )
    with pytest.raises(Http404):
        services.delete_reply_template(world.other_body_caseworker, template.pk)
    services.delete_reply_template(world.caseworker, template.pk)


def test_caseworkers_waiting_list_is_oldest_first(world, post):
    post(world.member, "application", world.application)
    post(world.member, "organisation", world.organisation)
    post(world.second_member, "organisation", world.second)
    waiting = list(services.waiting_for_caseworkers(world.caseworker))
    assert [t.kind for t in waiting] == ["application", "organisation", "organisation"]
    post(world.caseworker, "application", world.application, "Svar")
    assert world.application.pk not in [
        t.object_id
        for t in services.waiting_for_caseworkers(world.caseworker)
        if t.kind == "application"
    ]
    assert Thread.objects.count() == 3


def test_messages_are_in_the_exports_withdrawn_ones_too(world, post):
    from scheme.conversations import personal_data

    kept = post(world.member, "application", world.application, "Spørsmål")
    gone = post(world.member, "organisation", world.organisation, "Feil")
    services.withdraw_message(world.member, gone.pk)
    post(world.caseworker, "application", world.application, "Svar")
    mine = personal_data.person(world.member).records["messages_written"]
    assert {m["text"] for m in mine} == {"Spørsmål", "Feil"}
    # The organisation's export, as its leader sees it: both its threads, not the pairing's
    # messages of another organisation's thread.
    theirs = personal_data.organisation(world.organisation, world.member).records["messages"]
    assert [m["text"] for m in theirs] == ["Spørsmål", "Feil", "Svar"]
    assert theirs[1]["withdrawn"] is not None
    assert personal_data.organisation(world.organisation, world.other_member).records == {
        "messages": []
    }
    assert kept.thread.kind == "application"


def test_the_weekly_digest_lists_unread_threads_of_the_week(world, post):
    import datetime

    from django.utils import timezone

    from scheme.announcements.digest import digest_text

    post(world.member, "application", world.application, "Et spørsmål")
    week_ago = timezone.now() - datetime.timedelta(days=7)
    text = digest_text(world.caseworker, week_ago)
    assert "Nye meldinger: Søknad, Aktiv Ungdom" in text  # tests run in Norwegian
    assert f"/meldinger/application/{world.application.pk}/" in text
    assert "Nye meldinger" not in digest_text(world.member, week_ago)  # their own is read
