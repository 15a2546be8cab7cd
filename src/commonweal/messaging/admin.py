from django.contrib import admin

from .models import Message, SavedReply


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "notice",
        "to_address",
        "channel",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "notice"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    """Replies staff start secure messages from, per service, in English and Welsh."""

    list_display = ["title", "service"]
    list_filter = ["service"]
    search_fields = ["title", "body_en", "body_cy"]
