from django.contrib import admin
from django.db.models import Q

from commonweal.core.admin_site import PersonalData, ScopedInline

from .models import Application, Upload


class UploadInline(ScopedInline, admin.TabularInline):
    model = Upload
    extra = 0
    can_delete = False
    fields = ["original_name", "content_type", "size", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(PersonalData, admin.ModelAdmin):
    list_display = ["__str__", "service", "status", "channel", "submitted_at", "updated_at"]
    list_filter = ["status", "service", "channel"]
    search_fields = ["reference"]
    list_select_related = ["service"]
    readonly_fields = [f.name for f in Application._meta.fields]
    inlines = [UploadInline]
    # The list shows references (each one a person's, so its rows are recorded); a page
    # shows everything.
    page_shows = ("person", "answers", "evidence")
    list_shows = ("person",)

    def rows_in_scope(self, scope):
        # Submitted applications of the cases in scope; nobody's draft.
        return Q(pk__in=scope.cases.values("application_id"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
