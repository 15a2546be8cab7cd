"""The staff admin at `/staff/admin/`: who may use it, which rows each of them sees, and the
access record that each read of a person's data writes.

Only superusers (the system's administrators) and members of staff with the administrator
role in some team get in; every other member of staff is refused at the door (403), whatever
model permissions their account holds. A superuser sees every row. An organisation's
administrator sees, in each model, what that model's admin declares by its base class:

- `SuperusersOnly`: nothing;
- `PlatformSettings`: every row, read only: configuration every organisation shares and
  that holds no personal data;
- `OrganisationScoped`: the rows of the organisations they administer;
- `PersonalData`: rows reached through the cases of the organisations they administer
  (`cases.selectors.administered_cases`, the workspace's own rule, asked through
  `ADMIN_SOURCES`).

What they may do with the rows they see is each admin's `administrator_may` (read only
unless it says more); a superuser's rights are Django's.

Lists, searches, change and history pages, related-object choices, autocomplete and raw-id
pop-ups all read through `get_queryset`, so a row outside the scope is never shown: its page
sends the administrator back to the index as if it did not exist. A page (and a list row)
that shows a person's data writes access records (`privacy.services`), for superusers
too: one bulk INSERT per page.

A model registered with an admin that declares none of these is for superusers only
(`CommonwealAdminSite.register`), and `tests/test_admin_scope.py` fails until it declares one.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import cached_property, update_wrapper
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse

from .registry import Registry

# What the admin asks of the domains, registered by each from its `AppConfig.ready()` so the
# ground floor imports none of them: who someone is at work and everyone in some
# organisations (organisations), the cases an administrator may see (cases), and where a
# read of a person's data is recorded (privacy).
ADMIN_SOURCES: Registry[Callable[..., Any]] = Registry(
    "admin-sources",
    "What the staff admin asks the domains: staff contexts, administered cases, read records",
)


class Scope(enum.StrEnum):
    SUPERUSERS = "superusers only"
    PLATFORM = "shared settings"
    ORGANISATION = "their organisations"
    PERSONAL = "personal data of their organisations' cases"


class AdministratorScope:
    """What one member of staff may see in the admin, worked out once per request."""

    def __init__(self, user):
        self.context = ADMIN_SOURCES.get("staff-context")(user=user).administering()

    @property
    def is_administrator(self) -> bool:
        return bool(self.context.roles)

    @cached_property
    def organisation_ids(self) -> set[int]:
        return self.context.administered_organisation_ids

    @cached_property
    def cases(self):
        """The cases they may see, as a queryset to filter other rows by (a subquery)."""
        return ADMIN_SOURCES.get("administered-cases")(context=self.context)

    @cached_property
    def staff_ids(self):
        """Everyone in their organisations' teams, as a subquery."""
        return ADMIN_SOURCES.get("staff-of-organisations")(organisation_ids=self.organisation_ids)


def administrator_scope(request) -> AdministratorScope:
    if not hasattr(request, "_admin_scope"):
        request._admin_scope = AdministratorScope(request.user)
    return request._admin_scope


def _superuser(request) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def _limit_choices(model_admin, db_field, request, kwargs) -> None:
    """A form's choice of a related row offers only rows the administrator may see."""
    if _superuser(request) or "queryset" in kwargs:
        return
    related = model_admin.admin_site._registry.get(db_field.remote_field.model)
    if isinstance(related, ScopedAdmin):
        kwargs["queryset"] = related.get_queryset(request)


class ScopedAdmin:
    """What every admin of ours declares: which rows an organisation's administrator sees
    (`rows_in_scope`), what they may do with them (`administrator_may`), and which parts of
    a person's data its pages show (`page_shows`, `list_shows`: privacy categories; a page
    that shows none writes no access record)."""

    scope: Scope
    scope_declared = True
    administrator_may: frozenset[str] = frozenset({"view"})
    page_shows: tuple[str, ...] = ()
    list_shows: tuple[str, ...] = ()

    def rows_in_scope(self, scope: AdministratorScope) -> Q | None:
        """The rows an administrator sees, as a filter (None: every row)."""
        raise NotImplementedError(f"{type(self).__name__} must say which rows are in scope")

    # Rows

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _superuser(request):
            return queryset
        scope = administrator_scope(request)
        if not scope.is_administrator:
            return queryset.none()
        rows = self.rows_in_scope(scope)
        return queryset if rows is None else queryset.filter(rows)

    def _shows(self, request, obj) -> bool:
        seen = request.__dict__.setdefault("_admin_rows_seen", {})
        key = (self.model._meta.label, obj.pk)
        if key not in seen:
            seen[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return seen[key]

    def administrator_can(self, request, action: str, obj=None) -> bool:
        """Whether an organisation's administrator may do this (to this row)."""
        if action not in self.administrator_may:
            return False
        if not administrator_scope(request).is_administrator:
            return False
        return obj is None or self._shows(request, obj)

    # Permissions: a superuser's are Django's (and the admin's own refusals); anyone else's
    # come from their administrator role alone, never from model permissions.

    def has_module_permission(self, request):
        if _superuser(request):
            return super().has_module_permission(request)
        return self.administrator_can(request, "view")

    def has_view_permission(self, request, obj=None):
        if _superuser(request):
            return super().has_view_permission(request, obj)
        return self.administrator_can(request, "view", obj)

    def has_add_permission(self, request):
        if _superuser(request):
            return super().has_add_permission(request)
        return self.administrator_can(request, "add")

    def has_change_permission(self, request, obj=None):
        if _superuser(request):
            return super().has_change_permission(request, obj)
        return self.administrator_can(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        if _superuser(request):
            return super().has_delete_permission(request, obj)
        return self.administrator_can(request, "delete", obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _limit_choices(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _limit_choices(self, db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Access records

    def person_id_of(self, obj) -> int | None:
        return getattr(obj, "person_id", None)

    def case_id_of(self, obj) -> int | None:
        return getattr(obj, "case_id", None)

    def team_id_of(self, obj) -> int | None:
        return None

    def _record_reads(self, request, rows, categories, team_id=None) -> None:
        people = {}
        for row in rows:
            person_id = self.person_id_of(row)
            if person_id:
                people[person_id] = self.case_id_of(row)
        if not people:
            return
        ADMIN_SOURCES.get("admin-read-record")(
            by=request.user,
            context=administrator_scope(request).context,
            person_ids=list(people),
            case_ids={person: case for person, case in people.items() if case},
            categories=categories,
            team_id=team_id,
        )

    def _record_page(self, request, response, key: str) -> None:
        if not self.page_shows or not isinstance(response, TemplateResponse):
            return
        obj = (response.context_data or {}).get(key)
        if obj is not None:
            self._record_reads(request, [obj], self.page_shows, self.team_id_of(obj))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        self._record_page(request, response, "original")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._record_page(request, response, "object")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if self.list_shows and isinstance(response, TemplateResponse):
            changelist = (response.context_data or {}).get("cl")
            if changelist is not None:
                # The page's rows, read once here and kept for the template.
                self._record_reads(request, changelist.result_list, self.list_shows)
        return response


class SuperusersOnly(ScopedAdmin):
    """Nothing for an organisation's administrator."""

    scope = Scope.SUPERUSERS
    administrator_may = frozenset()

    def rows_in_scope(self, scope):
        return Q(pk__in=[])


class PlatformSettings(ScopedAdmin):
    """Configuration every organisation shares, with no personal data: an administrator
    sees it all and changes none of it (a superuser does)."""

    scope = Scope.PLATFORM

    def rows_in_scope(self, scope):
        return None


class OrganisationScoped(ScopedAdmin):
    """One organisation's own rows: an administrator sees those of the organisations they
    administer."""

    scope = Scope.ORGANISATION
    organisation_path = "organisation_id"

    def rows_in_scope(self, scope):
        return Q(**{f"{self.organisation_path}__in": scope.organisation_ids})


class PersonalData(ScopedAdmin):
    """People's data: an administrator sees the rows reached through the cases of the
    organisations they administer (`rows_in_scope` says how); pages and lists that show a
    person write access records."""

    scope = Scope.PERSONAL
    page_shows = ("person",)


class ScopedInline:
    """An inline on a scoped admin's page: an administrator sees it with the page (whose
    row is already in their scope) and changes it only as `administrator_may` says."""

    administrator_may: frozenset[str] = frozenset({"view"})

    def _administrator_can(self, request, action: str) -> bool:
        return action in self.administrator_may and administrator_scope(request).is_administrator

    def has_view_permission(self, request, obj=None):
        if _superuser(request):
            return super().has_view_permission(request, obj)
        return self._administrator_can(request, "view")

    def has_add_permission(self, request, obj):
        if _superuser(request):
            return super().has_add_permission(request, obj)
        return self._administrator_can(request, "add")

    def has_change_permission(self, request, obj=None):
        if _superuser(request):
            return super().has_change_permission(request, obj)
        return self._administrator_can(request, "change")

    def has_delete_permission(self, request, obj=None):
        if _superuser(request):
            return super().has_delete_permission(request, obj)
        return self._administrator_can(request, "delete")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _limit_choices(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CommonwealAdminSite(admin.AdminSite):
    site_header = "Commonweal administration"
    site_title = "Commonweal"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Models registered by an admin that says nothing about its scope (other packages').
        self.superusers_only_by_default: set[str] = set()

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_superuser or administrator_scope(request).is_administrator

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def door(request, *args, **kwargs):
            # Signed-in staff who are not administrators are told no, not sent to sign in
            # again (the sign-out page still lets them out).
            if (
                request.user.is_authenticated
                and not self.has_permission(request)
                and request.path != reverse("admin:logout", current_app=self.name)
            ):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(door, inner)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return super().login(request, extra_context)

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ScopedAdmin):
            # Nobody said who may see these rows: superusers only, until someone does.
            admin_class = type(
                admin_class.__name__,
                (SuperusersOnly, admin_class),
                {"__module__": admin_class.__module__, "scope_declared": False},
            )
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        )
        super().register(models, admin_class, **options)
        if not admin_class.scope_declared:
            self.superusers_only_by_default.update(
                model._meta.label for model in models if model in self._registry
            )
