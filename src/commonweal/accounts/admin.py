from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse

from commonweal.core.admin_site import OrganisationScoped

from . import services
from .models import SignInUnlock, User


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

    actions = ["reset_authenticator_app", "unlock_sign_in"]

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

    @admin.action(description="Unlock sign-in (clear failed attempts, with a reason)")
    def unlock_sign_in(self, request, queryset):
        """Asks why first; the reason and the administrator are recorded (SignInUnlock)."""
        reason = (request.POST.get("unlock_reason") or "").strip()
        if "unlock_reason" in request.POST and reason:
            for user in queryset:
                services.sign_in_unlock(user=user, by=request.user, reason=reason)
            self.message_user(request, f"Sign-in unlocked for {queryset.count()} account(s).")
            return None
        return TemplateResponse(
            request,
            "admin/accounts/user/unlock_sign_in.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "error": "Say why" if "unlock_reason" in request.POST else "",
            },
        )


@admin.register(SignInUnlock)
class SignInUnlockAdmin(OrganisationScoped, admin.ModelAdmin):
    """Who unlocked whose sign-in, and why: read only (the table is append-only). An
    administrator sees the unlocks of their own colleagues."""

    def rows_in_scope(self, scope):
        return Q(user__in=scope.staff_ids)

    list_display = ["user", "by", "created_at", "failures_cleared", "reason"]
    search_fields = ["user__email", "by__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
