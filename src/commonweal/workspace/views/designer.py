"""The service designer, for service owners and administrators: the services they may
design with their versions, a new draft from any version, a draft's overview, and the
service-wide parts (its texts, time limits, automation policy, and the rules and
eligibility as YAML). Pages and questions are in designer_pages.py, eligibility questions,
stages and reasons in designer_parts.py. Every edit goes through the catalogue's services,
which check the whole definition as the YAML import does."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.organisations import selectors as organisations

from . import designer_forms as forms
from .common import staff_page, staff_required


def may_design(context) -> bool:
    """Service owners and administrators design services (as they try rules)."""
    return bool(context.organisation_wide_ids)


def designer_required(view):
    return staff_required(
        view,
        allowed=lambda context: may_design(context),
        refused="Only service owners and administrators can design services",
    )


def _service_ids(request) -> set[int] | None:
    """The services this person may design: those their organisations' teams handle (all,
    for a superuser)."""
    if request.user.is_superuser:
        return None
    return organisations.service_ids_handled_by(
        organisation_ids=request.staff.organisation_wide_ids
    )


def version_or_404(request, slug: str, number: int):
    """The version, with its parsed definition, if this person may design its service."""
    version = catalogue.version_for_designer(slug=slug, number=number)
    allowed = _service_ids(request)
    if version is None or (allowed is not None and version.service_id not in allowed):
        raise Http404("No such version")
    return version, catalogue.definition_for(version)


def draft_or_refuse(version) -> None:
    if version.status != version.Status.DRAFT:
        raise PermissionDenied("Only a draft can be changed")


def version_url(version, part: str = "") -> str:
    url = reverse("workspace:designer-version", args=[version.service.slug, version.number])
    return url + part


def designer_page(request, template: str, *, version=None, status: int = 200, **context):
    if version is not None:
        context.setdefault("version", version)
        context.setdefault("overview_url", version_url(version))
        context.setdefault("editable", version.status == version.Status.DRAFT)
    context.setdefault("language", get_language())
    return staff_page(request, template, nav="designer", status=status, **context)


def saved(request, version, message: str, part: str = "") -> HttpResponseRedirect:
    messages.success(request, message)
    return redirect(version_url(version, part))


@require_http_methods(["GET", "HEAD"])
@designer_required
def service_list(request):
    return designer_page(
        request,
        "workspace/designer/service_list.html",
        services=catalogue.services_for_designer(
            service_ids=_service_ids(request), language=get_language()
        ),
        page_title=_("Design a service"),
    )


@require_POST
@designer_required
def new_draft(request, slug, number):
    version, _definition = version_or_404(request, slug, number)
    draft = catalogue_services.service_version_draft_from(version=version, by=request.user)
    messages.success(
        request,
        _("Version %(number)s is a new draft, copied from version %(source)s.")
        % {"number": draft.number, "source": version.number},
    )
    return redirect(version_url(draft))


@require_http_methods(["GET", "HEAD"])
@designer_required
def overview(request, slug, number):
    version, definition = version_or_404(request, slug, number)
    return designer_page(
        request,
        "workspace/designer/overview.html",
        version=version,
        definition=definition,
        changes=catalogue.version_changes(version=version),
        page_title=_("Version %(number)s of %(service)s")
        % {"number": version.number, "service": definition.title.text(get_language())},
        back_url=reverse("workspace:designer"),
    )


# The service's texts ("templates" of what the person reads outside the pages).


def _text_fields():
    return [
        ("title", _("Title (the start page's heading)"), False),
        ("name", _("Plain name, as it reads in a sentence"), False),
        ("summary", _("Summary (one sentence for the list of services)"), True),
        ("description", _("Description (the start page)"), True),
        ("before_you_start", _("Before you start (optional)"), True),
        ("declaration", _("Declaration"), True),
        ("what_happens_next", _("What happens next (after sending)"), True),
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def texts(request, slug, number):
    version, definition = version_or_404(request, slug, number)
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        form = forms.Form(request.POST)
        values = {
            name: form.pair(name, label, required=name not in ("before_you_start",))
            for name, label, _long in _text_fields()
        }
        field_errors = form.errors
        errors = forms.error_list(field_errors)
        if not errors:
            try:
                catalogue_services.draft_texts_save(version=version, by=request.user, texts=values)
            except catalogue_services.DefinitionError as error:
                errors = forms.refusal_list(error)
            else:
                return saved(request, version, _("The service's texts are saved."))
    return designer_page(
        request,
        "workspace/designer/texts.html",
        version=version,
        definition=definition,
        fields=_text_fields(),
        errors=errors,
        field_errors=field_errors,
        posted=request.POST if request.method == "POST" else None,
        page_title=_("The service's texts"),
        back_url=version_url(version),
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def automation(request, slug, number):
    version, definition = version_or_404(request, slug, number)
    errors: list = []
    if request.method == "POST":
        draft_or_refuse(version)
        mode = request.POST.get("mode", "")
        if mode not in ("off", "one_click", "automatic"):
            errors = [{"text": _("Choose how cases are approved"), "href": "#mode"}]
        else:
            try:
                catalogue_services.draft_automation_save(
                    version=version,
                    by=request.user,
                    mode=mode,
                    approve_reason=request.POST.get("approve_reason", "").strip() or None,
                )
            except catalogue_services.DefinitionError as error:
                errors = forms.refusal_list(error, "#mode")
            else:
                return saved(request, version, _("The automation policy is saved."))
    return designer_page(
        request,
        "workspace/designer/automation.html",
        version=version,
        definition=definition,
        errors=errors,
        posted=request.POST if request.method == "POST" else None,
        page_title=_("Automation policy"),
        back_url=version_url(version),
        status=400 if errors else 200,
    )


SECTION_TITLES = {
    "rules": (
        gettext_lazy("Rules and decision tables"),
        gettext_lazy(
            "Constants, decision tables, the entitlement and the eligibility rules, in YAML with "
            "expressions in the rule language (docs/rules.md)."
        ),
    ),
    "eligibility": (
        gettext_lazy("Eligibility as YAML"),
        gettext_lazy(
            "The whole of 'Check if you can apply': its questions and the outcomes for "
            "people who cannot apply."
        ),
    ),
}


def _section_title(section: str) -> tuple[str, str]:
    title, hint = SECTION_TITLES[section]
    return str(title), str(hint)


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def section(request, slug, number, section):
    """A part of the definition edited as YAML, with its problems named by line."""
    version, definition = version_or_404(request, slug, number)
    text = catalogue_services.section_yaml(version, section)
    errors: list = []
    if request.method == "POST":
        draft_or_refuse(version)
        text = request.POST.get("yaml", "").replace("\r\n", "\n")
        if len(text) > 200_000:
            errors = [{"text": _("The text is too long"), "href": "#yaml"}]
        else:
            try:
                catalogue_services.draft_section_save(
                    version=version, by=request.user, section=section, yaml_text=text
                )
            except catalogue_services.DefinitionError as error:
                errors = forms.refusal_list(error, "#yaml")
            else:
                return saved(request, version, _("Saved."), f"{section}/")
    title, hint = _section_title(section)
    return designer_page(
        request,
        "workspace/designer/section.html",
        version=version,
        definition=definition,
        section=section,
        text=text,
        errors=errors,
        title=title,
        hint=hint,
        page_title=title,
        back_url=version_url(version),
        status=400 if errors else 200,
    )
