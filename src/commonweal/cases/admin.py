from django.contrib import admin

from .models import Case, CaseEvent, Decision


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "visible_to_person", "data"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = ["decided_at", "outcome", "reasons", "explanation", "override_reason", "decided_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "service", "stage", "team", "assigned_to", "due_date", "outcome"]
    list_filter = ["service", "stage", "team", "outcome"]
    search_fields = ["reference", "person__family_name"]
    list_select_related = ["service", "person", "team", "assigned_to"]
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseEventInline, DecisionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
