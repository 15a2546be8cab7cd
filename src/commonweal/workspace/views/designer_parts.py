"""The service designer's lists of parts with ids: eligibility questions, stages (with the
service's time limits) and decision reasons, each added, changed or removed with a form."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import services as catalogue_services

from . import designer_forms as forms
from .designer import (
    designer_page,
    designer_required,
    draft_or_refuse,
    saved,
    version_or_404,
    version_url,
)


def _item(items: list[dict], ident: str | None) -> dict | None:
    if ident is None:
        return None
    found = next((item for item in items if item.get("id") == ident), None)
    if found is None:
        raise Http404("No such part")
    return found


def _posted(request):
    return request.POST if request.method == "POST" else None


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def eligibility_question(request, slug, number, question_id=None):
    version, definition = version_or_404(request, slug, number)
    existing = _item(
        (version.definition.get("eligibility") or {}).get("questions", []), question_id
    )
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        try:
            if request.POST.get("action") == "remove" and question_id is not None:
                catalogue_services.draft_eligibility_question_remove(
                    version=version, by=request.user, question_id=question_id
                )
                return saved(request, version, _("The question is removed."))
            question, field_errors = forms.eligibility_question_from_post(request.POST, existing)
            errors = forms.error_list(field_errors)
            if not errors:
                catalogue_services.draft_eligibility_question_save(
                    version=version, by=request.user, question_id=question_id, question=question
                )
                return saved(request, version, _("The question is saved."))
        except catalogue_services.DefinitionError as error:
            errors = forms.refusal_list(error)
    return designer_page(
        request,
        "workspace/designer/eligibility_question.html",
        version=version,
        definition=definition,
        question=existing or {},
        adding=question_id is None,
        types=forms.ELIGIBILITY_TYPES,
        option_rows=forms.option_rows((existing or {}).get("options")),
        outcomes=definition.eligibility.outcomes if definition.eligibility else [],
        errors=errors,
        field_errors=field_errors,
        posted=_posted(request),
        page_title=_("Eligibility question"),
        back_url=version_url(version),
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def stages(request, slug, number):
    """The stages in order (moved up and down here) and the time limits."""
    version, definition = version_or_404(request, slug, number)
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        action = request.POST.get("action", "")
        try:
            if action.startswith(("up:", "down:")):
                step, stage_id = action.split(":", 1)
                catalogue_services.draft_stage_move(
                    version=version,
                    by=request.user,
                    stage_id=stage_id,
                    step=-1 if step == "up" else 1,
                )
                return saved(request, version, _("The stage is moved."), "stages/")
            form = forms.Form(request.POST)
            days = form.whole_number(
                "target_working_days", _("Working days to decide"), required=True
            )
            reconsider = form.whole_number(
                "reconsideration_days", _("Days to ask for a second look"), required=True
            )
            field_errors = form.errors
            errors = forms.error_list(field_errors)
            if not errors and days is not None and reconsider is not None:
                catalogue_services.draft_time_limits_save(
                    version=version,
                    by=request.user,
                    target_working_days=days,
                    reconsideration_days=reconsider,
                )
                return saved(request, version, _("The time limits are saved."), "stages/")
        except catalogue_services.DefinitionError as error:
            errors = forms.refusal_list(error)
    return designer_page(
        request,
        "workspace/designer/stages.html",
        version=version,
        definition=definition,
        errors=errors,
        field_errors=field_errors,
        posted=_posted(request),
        page_title=_("Stages and time limits"),
        back_url=version_url(version),
        status=400 if errors else 200,
    )


def _list_item_page(
    request,
    version,
    definition,
    *,
    kind: str,
    item_id,
    items: list,
    from_post,
    remove,
    save,
    words: dict[str, str],
):
    """Add, change or remove one item of a list in the definition (a stage, a decision
    reason): the form, its errors, the refusal of a change others depend on."""
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        try:
            if request.POST.get("action") == "remove" and item_id is not None:
                remove(version=version, by=request.user, **{f"{kind}_id": item_id})
                return saved(request, version, words["removed"], f"{kind}s/")
            data, field_errors = from_post(request.POST)
            errors = forms.error_list(field_errors)
            if not errors:
                save(version=version, by=request.user, **{f"{kind}_id": item_id, kind: data})
                return saved(request, version, words["saved"], f"{kind}s/")
        except catalogue_services.DefinitionError as error:
            errors = forms.refusal_list(error)
    return designer_page(
        request,
        f"workspace/designer/{kind}.html",
        version=version,
        definition=definition,
        adding=item_id is None,
        outcomes=forms.OUTCOMES,
        errors=errors,
        field_errors=field_errors,
        posted=_posted(request),
        page_title=words["title"],
        back_url=version_url(version, f"{kind}s/"),
        status=400 if errors else 200,
        **{kind: _item(items, item_id) or {}},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def stage(request, slug, number, stage_id=None):
    version, definition = version_or_404(request, slug, number)
    return _list_item_page(
        request,
        version,
        definition,
        kind="stage",
        item_id=stage_id,
        items=version.definition["stages"],
        from_post=forms.stage_from_post,
        remove=catalogue_services.draft_stage_remove,
        save=catalogue_services.draft_stage_save,
        words={
            "removed": _("The stage is removed."),
            "saved": _("The stage is saved."),
            "title": _("Stage"),
        },
    )


@require_http_methods(["GET", "HEAD"])
@designer_required
def reasons(request, slug, number):
    version, definition = version_or_404(request, slug, number)
    return designer_page(
        request,
        "workspace/designer/reasons.html",
        version=version,
        definition=definition,
        page_title=_("Decision reasons"),
        back_url=version_url(version),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def reason(request, slug, number, reason_id=None):
    version, definition = version_or_404(request, slug, number)
    return _list_item_page(
        request,
        version,
        definition,
        kind="reason",
        item_id=reason_id,
        items=version.definition.get("decision_reasons", []),
        from_post=forms.reason_from_post,
        remove=catalogue_services.draft_reason_remove,
        save=catalogue_services.draft_reason_save,
        words={
            "removed": _("The reason is removed."),
            "saved": _("The reason is saved."),
            "title": _("Decision reason"),
        },
    )
