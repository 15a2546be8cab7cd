from django.contrib import admin

from .models import ContactPoint, Person, PersonChange


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    readonly_fields = ["created_at"]


class PersonChangeInline(admin.TabularInline):
    model = PersonChange
    extra = 0
    can_delete = False
    fields = ["created_at", "fields", "changed_by", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "date_of_birth", "address_postcode", "created_at"]
    search_fields = ["family_name", "given_name", "ni_number", "address_postcode"]
    inlines = [ContactPointInline, PersonChangeInline]
    # Changes to a person go through the journey or (later) the staff workspace, which
    # record who and why; the admin only reads.
    readonly_fields = [f.name for f in Person._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
