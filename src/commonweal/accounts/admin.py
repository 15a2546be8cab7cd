from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse

from . import services
from .models import SignInUnlock, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
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
class SignInUnlockAdmin(admin.ModelAdmin):
    """Who unlocked whose sign-in, and why: read only (the table is append-only)."""

    list_display = ["user", "by", "created_at", "failures_cleared", "reason"]
    search_fields = ["user__email", "by__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
