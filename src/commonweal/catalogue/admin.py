from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html_join

from commonweal.core.admin_site import PlatformSettings, ScopedInline

from . import services
from .models import Service, ServiceVersion
from .yaml_io import DefinitionError, parse_definition


class ServiceVersionForm(forms.ModelForm):
    """Edit a definition as YAML; every problem is reported with its line and reason."""

    source_yaml = forms.CharField(
        label="Definition (YAML)",
        widget=forms.Textarea(attrs={"rows": 40, "cols": 120, "spellcheck": "false"}),
        help_text="See docs/services.md for the fields. Published versions cannot be edited.",
    )

    class Meta:
        model = ServiceVersion
        fields = ["source_yaml"]

    def clean_source_yaml(self):
        text = self.cleaned_data["source_yaml"]
        try:
            self.parsed, self.parsed_data = parse_definition(text)
        except DefinitionError as error:
            raise forms.ValidationError([str(problem) for problem in error.problems]) from error
        return text


@admin.register(ServiceVersion)
class ServiceVersionAdmin(PlatformSettings, admin.ModelAdmin):
    form = ServiceVersionForm
    list_display = ["service", "number", "status", "published_at", "created_at"]
    list_filter = ["status", "service"]
    actions = ["publish", "new_draft"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ServiceVersion.Status.DRAFT:
            return ["source_yaml", "status", "published_at"]
        return ["status", "published_at"]

    def save_model(self, request, obj, form, change):
        if change:
            services.service_version_update_draft(
                version=obj, yaml_text=form.cleaned_data["source_yaml"], by=request.user
            )
        else:
            version = services.service_import(
                yaml_text=form.cleaned_data["source_yaml"], by=request.user, publish=False
            )
            obj.pk = version.pk
            obj.service = version.service

    @admin.action(description="Publish the selected draft (retires the version in use)")
    def publish(self, request, queryset):
        for version in queryset.filter(status=ServiceVersion.Status.DRAFT):
            services.service_version_publish(version=version, by=request.user)
            self.message_user(request, f"Published {version}", messages.SUCCESS)

    @admin.action(description="Make a new draft from the selected version")
    def new_draft(self, request, queryset):
        for version in queryset:
            draft = services.service_version_draft_from(version=version, by=request.user)
            self.message_user(request, f"Made {draft}", messages.SUCCESS)


class VersionInline(ScopedInline, admin.TabularInline):
    model = ServiceVersion
    fields = ["number", "status", "published_at", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(PlatformSettings, admin.ModelAdmin):
    list_display = ["slug", "reference_prefix", "versions_summary"]
    inlines = [VersionInline]
    readonly_fields = ["slug", "reference_prefix"]

    def has_add_permission(self, request):
        # A service is made by importing or adding its first version.
        return False

    @admin.display(description="Versions")
    def versions_summary(self, obj):
        return format_html_join(", ", "v{} {}", ((v.number, v.status) for v in obj.versions.all()))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("versions")
