from django.contrib import admin
from django.db.models import Q

from commonweal.core.admin_site import PersonalData, ScopedInline

from .models import Case, CaseEvent, Decision


class CaseEventInline(ScopedInline, admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "visible_to_person", "data"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class DecisionInline(ScopedInline, admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = ["decided_at", "outcome", "reasons", "explanation", "override_reason", "decided_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(PersonalData, admin.ModelAdmin):
    list_display = [
        "reference",
        "person",
        "service",
        "stage",
        "team",
        "assigned_to",
        "due_date",
        "outcome",
    ]
    list_filter = ["service", "stage", ("team", admin.RelatedOnlyFieldListFilter), "outcome"]
    search_fields = ["reference", "person__family_name"]
    list_select_related = ["service", "person", "team", "assigned_to"]
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseEventInline, DecisionInline]
    page_shows = ("person", "timeline", "decisions")
    list_shows = ("person",)

    def rows_in_scope(self, scope):
        return Q(pk__in=scope.cases.values("pk"))

    def person_id_of(self, obj):
        return obj.person_id

    def case_id_of(self, obj):
        return obj.pk

    def team_id_of(self, obj):
        return obj.team_id

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
