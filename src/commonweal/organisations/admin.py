from django.contrib import admin

from commonweal.core.admin_site import OrganisationScoped, ScopedInline

from .models import Membership, Organisation, Team


class TeamInline(ScopedInline, admin.TabularInline):
    model = Team
    fields = ["slug", "name", "name_cy"]
    extra = 0
    show_change_link = True
    administrator_may = frozenset({"view", "add", "change"})


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScoped, admin.ModelAdmin):
    """A superuser adds organisations; an organisation's administrators keep its names and
    teams."""

    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TeamInline]
    organisation_path = "pk"
    administrator_may = frozenset({"view", "change"})

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # What it is and how addresses name it are the system's, not the organisation's.
        return ["slug", "kind"]

    def get_prepopulated_fields(self, request, obj=None):
        return super().get_prepopulated_fields(request, obj) if request.user.is_superuser else {}


class MembershipInline(ScopedInline, admin.TabularInline):
    """Who is in the team, as what. An administrator chooses among the staff of their own
    organisations; a superuser places someone in their first organisation."""

    model = Membership
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0
    administrator_may = frozenset({"view", "add", "change", "delete"})


@admin.register(Team)
class TeamAdmin(OrganisationScoped, admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "organisation__name"]
    filter_horizontal = ["services"]
    inlines = [MembershipInline]
    administrator_may = frozenset({"view", "add", "change"})

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # New applications for a service go to the first team that handles it, in any
        # organisation: which services a team handles is the system's routing, for superusers.
        return ["services"]
