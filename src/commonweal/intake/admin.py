from django.contrib import admin

from .models import Application, Upload


class UploadInline(admin.TabularInline):
    model = Upload
    extra = 0
    can_delete = False
    fields = ["original_name", "content_type", "size", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "service", "status", "channel", "submitted_at", "updated_at"]
    list_filter = ["status", "service", "channel"]
    search_fields = ["reference"]
    list_select_related = ["service"]
    readonly_fields = [f.name for f in Application._meta.fields]
    inlines = [UploadInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
