"""Webhooks in the admin: an organisation's administrators manage its subscriptions and see
their delivery history (core/admin_site.py keeps everyone else out). Superusers see every
organisation's."""

import json

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from commonweal.core.admin_site import OrganisationScoped

from . import services
from .models import EVENT_TYPES, Subscription, WebhookDelivery


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 80}),
    )
    event_types = forms.MultipleChoiceField(
        choices=list(EVENT_TYPES.items()), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Subscription
        fields = ["organisation", "url", "event_types", "active"]

    def _checked(self, name: str, check) -> None:
        if name in self.cleaned_data:
            try:
                self.cleaned_data[name] = check(**{name: self.cleaned_data[name]})
            except services.SubscriptionRefused as refused:
                self.add_error(refused.field, refused.message)

    def clean(self):
        cleaned = super().clean()
        self._checked("url", services.subscription_url_check)
        self._checked("event_types", services.subscription_event_types_check)
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(OrganisationScoped, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "organisation", "event_types", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = ["organisation"]
    search_fields = ["url"]
    readonly_fields = ["secret", "signing", "created_at", "created_by", "history"]
    actions = ["rotate_secret"]
    # The organisation's choices are the ones they administer (core/admin_site.py).
    administrator_may = frozenset({"view", "add", "change"})

    def get_fields(self, request, obj=None):
        fields = ["organisation", "url", "event_types", "active"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        # Switch a subscription off instead: its delivery history stays.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.subscription_update(
                subscription=obj,
                url=data["url"],
                event_types=data["event_types"],
                active=data["active"],
                by=request.user,
            )
        else:
            made = services.subscription_create(
                organisation=data["organisation"],
                url=data["url"],
                event_types=data["event_types"],
                by=request.user,
            )
            if not data["active"]:
                services.subscription_update(
                    subscription=made,
                    url=made.url,
                    event_types=made.event_types,
                    active=False,
                    by=request.user,
                )
            obj.pk, obj.secret, obj.created_at = made.pk, made.secret, made.created_at

    @admin.display(description="How deliveries are signed")
    def signing(self, obj):
        return (
            "Each POST has the headers Webhook-Id, Webhook-Timestamp (Unix seconds) and "
            "Webhook-Signature: v1=<hex HMAC-SHA256 of '{id}.{timestamp}.{raw body}' with the "
            "secret>. Refuse timestamps over 5 minutes old; drop Webhook-Ids already seen."
        )

    @admin.display(description="Deliveries")
    def history(self, obj):
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html('<a href="{}?subscription__id__exact={}">History</a>', url, obj.pk)

    @admin.action(
        description="Give the selected subscriptions a new secret", permissions=["change"]
    )
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            services.subscription_secret_rotate(subscription=subscription, by=request.user)
        self.message_user(request, f"{queryset.count()} secrets changed.")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OrganisationScoped, admin.ModelAdmin):
    """The history: read only. Failed deliveries can be sent once more."""

    organisation_path = "subscription__organisation_id"
    list_display = [
        "created_at",
        "event_type",
        "subject",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "short_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "created_at"]
    list_select_related = ["subscription"]
    search_fields = ["=id"]
    fields = [
        "id",
        "subscription",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sending_started_at",
        "delivered_at",
        "failed_at",
        "event",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description="Subject")
    def subject(self, obj):
        return (obj.payload or {}).get("subject", "")

    @admin.display(description="Last error")
    def short_error(self, obj):
        return obj.last_error[:80] + ("…" if len(obj.last_error) > 80 else "")

    @admin.display(description="CloudEvent sent")
    def event(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))

    @admin.action(description="Send the selected failed deliveries again", permissions=["retry"])
    def send_again(self, request, queryset):
        count = services.deliveries_retry(
            delivery_ids=queryset.values_list("pk", flat=True), by=request.user
        )
        self.message_user(request, f"{count} deliveries will be sent again.")
