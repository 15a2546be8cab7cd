from django.contrib import admin

from .models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "visible_to_person", "data"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "service", "stage", "person", "opened_at", "due_date"]
    list_filter = ["service", "stage"]
    search_fields = ["reference", "person__family_name"]
    list_select_related = ["service", "person"]
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
