from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.urls import reverse

from commonweal.core.admin_site import OrganisationScoped

from . import services
from .models import User


@admin.register(User)
class UserAdmin(OrganisationScoped, BaseUserAdmin):
    """Accounts. A superuser sees and changes them all; an organisation's administrator
    sees the staff of their organisations (to put them in teams, and to reset a lost
    authenticator app) and changes none. A citizen's account is their data: its page, and
    its row in a list, are recorded in their access log."""

    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_select_related = ["person"]
    search_fields = ["email", "display_name"]
    page_shows = ("person",)
    list_shows = ("person",)
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Details", {"fields": ["display_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    actions = ["reset_authenticator_app"]

    def rows_in_scope(self, scope):
        # Colleagues, never a superuser (whose account is the system's administrators').
        return Q(pk__in=scope.staff_ids, is_superuser=False)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete", current_app=self.admin_site.name):
            # Choosing a team's member: staff accounts only, never a citizen's.
            queryset = queryset.filter(is_staff=True)
        return queryset, may_have_duplicates

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return super().get_list_filter(request)
        return ["is_active"]

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return [(None, {"fields": ["email", "display_name", "is_active", "last_login"]})]

    def person_id_of(self, obj):
        person = getattr(obj, "person", None)
        return person.pk if person is not None else None

    @admin.action(description="Reset the authenticator app (they set it up again at sign-in)")
    def reset_authenticator_app(self, request, queryset):
        for user in queryset:
            services.totp_reset(user=user)
        self.message_user(request, f"Reset for {queryset.count()} account(s).")
