from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from scheme.admin import ReadOnlyAdmin, service_action
from scheme.conversations import services
from scheme.conversations.models import (
    Message,
    MessageAttachment,
    ReadState,
    ReplyTemplate,
    Thread,
)


def withdraw(actor, message):
    return services.withdraw_message(actor, message.pk)


withdraw.__name__ = "withdraw_message"


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "kind", "organisation", "last_message_at", "waiting_since"]
    list_filter = ["kind"]
    search_fields = ["title", "organisation__name"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["thread", "author", "author_organisation", "created_at", "withdrawn_at"]
    search_fields = ["thread__title", "author__email"]
    date_hierarchy = "created_at"
    actions = [service_action(withdraw, _("Withdraw the message"), _("withdrawn"))]


@admin.register(MessageAttachment)
class MessageAttachmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["original_name", "message", "size"]
    search_fields = ["original_name"]


@admin.register(ReadState)
class ReadStateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["thread", "user", "read_at"]
    search_fields = ["user__email", "thread__title"]


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["title", "scheme", "updated_at"]
    list_filter = ["scheme"]
    search_fields = ["title"]
