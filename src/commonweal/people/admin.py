from django.contrib import admin
from django.db.models import Q

from commonweal.core.admin_site import PersonalData, ScopedInline

from .models import ContactPoint, Person, PersonChange, Representative


class ContactPointInline(ScopedInline, admin.TabularInline):
    model = ContactPoint
    extra = 0
    readonly_fields = ["created_at"]


class PersonChangeInline(ScopedInline, admin.TabularInline):
    model = PersonChange
    extra = 0
    can_delete = False
    fields = ["created_at", "fields", "changed_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class RepresentativeInline(ScopedInline, admin.TabularInline):
    """Who may act for the person. Added by the person or in the workspace, which record
    the change in the person's history; read here."""

    model = Representative
    extra = 0
    can_delete = False
    fields = ["name", "email", "relationship", "scope", "ends_on", "legal_authority", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(PersonalData, admin.ModelAdmin):
    list_display = ["__str__", "date_of_birth", "address_postcode", "created_at"]
    search_fields = ["family_name", "given_name", "ni_number", "address_postcode"]
    inlines = [ContactPointInline, RepresentativeInline, PersonChangeInline]
    # Changes to a person go through the journey or (later) the staff workspace, which
    # record who and why; the admin only reads.
    readonly_fields = [f.name for f in Person._meta.fields]
    page_shows = ("person", "contact_preferences")
    list_shows = ("person",)

    def rows_in_scope(self, scope):
        # Someone with a case the administrator may see.
        return Q(pk__in=scope.cases.values("person_id"))

    def person_id_of(self, obj):
        return obj.pk

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
