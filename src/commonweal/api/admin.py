from django.contrib import admin

from commonweal.core.admin_site import OrganisationScoped

from . import services
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(OrganisationScoped, admin.ModelAdmin):
    """Keys are made with `commonweal api key` (the secret is shown once); here they are
    listed and revoked, by a superuser or an administrator of the key's organisation."""

    list_display = ["name", "organisation", "prefix", "scopes", "last_used_at", "revoked_at"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]
    readonly_fields = [f.name for f in ApiKey._meta.fields]
    actions = ["revoke"]
    administrator_may = frozenset({"view", "change"})

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        count = services.api_keys_revoke(
            key_ids=list(queryset.values_list("pk", flat=True)), by=request.user
        )
        self.message_user(request, f"{count} keys revoked.")
