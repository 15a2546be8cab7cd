from django.contrib import admin
from django.db.models import Q

from commonweal.core.admin_site import OrganisationScoped, PersonalData, SuperusersOnly

from . import services
from .models import AccessHold, AccessRecord, OrganisationPolicy, Seal


@admin.register(OrganisationPolicy)
class OrganisationPolicyAdmin(OrganisationScoped, admin.ModelAdmin):
    list_display = ["organisation", "show_staff_as"]
    administrator_may = frozenset({"view", "add", "change"})


class ReadOnly(admin.ModelAdmin):
    """The log and its seals are append-only: seen here, never changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(PersonalData, ReadOnly):
    """An organisation's administrators see the reads their own staff made (the list shows
    people by number, a record's page names them: both are recorded)."""

    list_display = ["accessed_at", "person_id", "actor_name", "role", "purpose", "via", "flagged"]
    list_filter = ["purpose", "via", "flagged"]
    date_hierarchy = "accessed_at"
    list_shows = ("person",)

    def rows_in_scope(self, scope):
        return Q(organisation_id__in=scope.organisation_ids)


@admin.register(Seal)
class SealAdmin(SuperusersOnly, ReadOnly):
    list_display = ["number", "first_record_id", "last_record_id", "record_count", "sealed_at"]
    exclude = ["digests"]


@admin.register(AccessHold)
class AccessHoldAdmin(PersonalData, admin.ModelAdmin):
    """Holds are placed and lifted through the services, so each is recorded with who did
    it; here they can be placed and lifted too. An organisation's administrators see, place
    and lift their own organisation's holds on people with its cases."""

    list_display = ["person", "held_from", "held_until", "placed_by", "placed_at", "lifted_at"]
    list_select_related = ["person", "placed_by"]
    raw_id_fields = ["person"]
    fields = ["person", "held_from", "held_until", "reason", "lift_reason"]
    actions = ["lift"]
    administrator_may = frozenset({"view", "add", "change"})
    list_shows = ("person",)

    def rows_in_scope(self, scope):
        return Q(person__in=scope.cases.values("person_id"), placed_by__in=scope.staff_ids)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["person", "held_from", "held_until", "reason"] if obj else []

    def save_model(self, request, obj, form, change):
        from commonweal.organisations import selectors as organisations

        context = organisations.staff_context(user=request.user)
        if change:
            services.hold_lift(
                hold_id=obj.pk, by=request.user, context=context, reason=obj.lift_reason
            )
            return
        hold = services.hold_place(
            person_id=obj.person_id,
            reason=obj.reason,
            by=request.user,
            context=context,
            held_from=obj.held_from,
            held_until=obj.held_until,
        )
        obj.pk = hold.pk

    @admin.action(description="Lift the chosen holds", permissions=["change"])
    def lift(self, request, queryset):
        from commonweal.organisations import selectors as organisations

        context = organisations.staff_context(user=request.user)
        for hold in queryset:
            services.hold_lift(hold_id=hold.pk, by=request.user, context=context)
