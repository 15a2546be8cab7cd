"""The service designer's pages and questions: adding, changing, moving and removing a page,
its condition, each of its questions (of every answer type), and the preview of a page as
the person sees it."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.people.selectors import PERSON_FIELDS

from . import designer_forms as forms
from .designer import (
    designer_page,
    designer_required,
    draft_or_refuse,
    saved,
    version_or_404,
    version_url,
)


def _page_or_404(definition, page_id: str):
    page = definition.page(page_id)
    if page is None:
        raise Http404("No such page")
    return page


def _question_context(question: dict | None, posted, field_errors) -> dict:
    return {
        "question": question or {},
        "question_types": forms.QUESTION_TYPES,
        "person_fields": sorted(PERSON_FIELDS),
        "option_rows": forms.option_rows((question or {}).get("options")),
        "posted": posted,
        "field_errors": field_errors,
    }


def _question_data(definition_data: dict, page_id: str, question_id: str) -> dict | None:
    for page in definition_data["pages"]:
        if page["id"] == page_id:
            for question in page["questions"]:
                if question["id"] == question_id:
                    return question
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def page_add(request, slug, number):
    """A new page with its first question, after the page named in ?after= (else last)."""
    version, definition = version_or_404(request, slug, number)
    after = request.GET.get("after") or request.POST.get("after") or None
    if after is not None and definition.page(after) is None:
        after = None
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        form = forms.Form(request.POST)
        page_id = form.identifier("page_id", _("page id"))
        title = form.pair("title", _("the page title"), required=False)
        question, question_errors = forms.question_from_post(request.POST, None)
        field_errors = {**form.errors, **question_errors}
        errors = forms.error_list(field_errors)
        if not errors:
            page = {"id": page_id, **({"title": title} if title else {}), "questions": [question]}
            try:
                catalogue_services.draft_page_add(
                    version=version, by=request.user, page=page, after=after
                )
            except catalogue_services.DefinitionError as error:
                errors = forms.refusal_list(error)
            else:
                return saved(request, version, _("The page is added."), f"pages/{page_id}/")
    return designer_page(
        request,
        "workspace/designer/page_add.html",
        version=version,
        definition=definition,
        after=after,
        errors=errors,
        page_title=_("Add a page"),
        back_url=version_url(version),
        status=400 if errors else 200,
        **_question_context(None, request.POST if request.method == "POST" else None, field_errors),
    )


def _page_action(request, version, page_id: str):
    """Move or remove a page (the buttons on its page); a redirect, or the refusal."""
    action = request.POST.get("action")
    try:
        if action in ("up", "down"):
            catalogue_services.draft_page_move(
                version=version, by=request.user, page_id=page_id, step=-1 if action == "up" else 1
            )
            return None, saved(request, version, _("The page is moved."))
        if action == "remove":
            catalogue_services.draft_page_remove(version=version, by=request.user, page_id=page_id)
            return None, saved(request, version, _("The page is removed."))
    except catalogue_services.DefinitionError as error:
        return forms.refusal_list(error), None
    return None, None


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def page_edit(request, slug, number, page_id):
    version, definition = version_or_404(request, slug, number)
    page = _page_or_404(definition, page_id)
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        errors, done = _page_action(request, version, page_id)
        if done is not None:
            return done
        if errors is None and request.POST.get("action") == "save":
            form = forms.Form(request.POST)
            new_id = form.identifier("page_id", _("page id"))
            title = form.pair("title", _("the page title"), required=False)
            field_errors = form.errors
            errors = forms.error_list(field_errors)
            if not errors:
                try:
                    catalogue_services.draft_page_save(
                        version=version,
                        by=request.user,
                        page_id=page_id,
                        new_id=new_id,
                        title=title,
                    )
                except catalogue_services.DefinitionError as error:
                    errors = forms.refusal_list(error)
                else:
                    return saved(request, version, _("The page is saved."), f"pages/{new_id}/")
        errors = errors or []
    return designer_page(
        request,
        "workspace/designer/page.html",
        version=version,
        definition=definition,
        page=page,
        condition=catalogue_services.condition_yaml(page.show_if),
        errors=errors,
        field_errors=field_errors,
        posted=request.POST if request.method == "POST" else None,
        page_title=_("Page %(page)s") % {"page": page.id},
        back_url=version_url(version),
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def condition(request, slug, number, page_id):
    """When the page is shown: one test of an earlier answer from a simple form, or any
    condition as YAML (empty: always)."""
    version, definition = version_or_404(request, slug, number)
    page = _page_or_404(definition, page_id)
    text = catalogue_services.condition_yaml(page.show_if)
    earlier = []
    for other in definition.pages:
        if other.id == page_id:
            break
        earlier += other.questions
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        if request.POST.get("action") == "simple":
            built, field_errors = forms.condition_from_post(
                request.POST, {question.id: question.type for question in earlier}
            )
            errors = forms.error_list(field_errors)
            text = text if errors else built
        else:
            text = request.POST.get("condition", "").replace("\r\n", "\n")
        if not errors:
            try:
                catalogue_services.draft_condition_save(
                    version=version, by=request.user, page_id=page_id, condition_yaml=text[:20_000]
                )
            except catalogue_services.DefinitionError as error:
                errors = forms.refusal_list(error, "#condition")
            else:
                return saved(request, version, _("The condition is saved."), f"pages/{page_id}/")
    return designer_page(
        request,
        "workspace/designer/condition.html",
        version=version,
        definition=definition,
        page=page,
        text=text,
        earlier=earlier,
        tests=forms.CONDITION_TESTS,
        errors=errors,
        field_errors=field_errors,
        posted=request.POST if request.method == "POST" else None,
        page_title=_("When page %(page)s is shown") % {"page": page.id},
        back_url=version_url(version, f"pages/{page_id}/"),
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@designer_required
def question_edit(request, slug, number, page_id, question_id=None):
    """Change a question (or, without question_id, add one to the page); remove it."""
    version, definition = version_or_404(request, slug, number)
    page = _page_or_404(definition, page_id)
    existing = None
    if question_id is not None:
        existing = _question_data(version.definition, page_id, question_id)
        if existing is None:
            raise Http404("No such question")
    errors: list = []
    field_errors: dict[str, str] = {}
    if request.method == "POST":
        draft_or_refuse(version)
        try:
            if request.POST.get("action") == "remove" and question_id is not None:
                catalogue_services.draft_question_remove(
                    version=version, by=request.user, page_id=page_id, question_id=question_id
                )
                return saved(request, version, _("The question is removed."), f"pages/{page_id}/")
            question, field_errors = forms.question_from_post(request.POST, existing)
            errors = forms.error_list(field_errors)
            if not errors:
                catalogue_services.draft_question_save(
                    version=version,
                    by=request.user,
                    page_id=page_id,
                    question_id=question_id,
                    question=question,
                )
                return saved(request, version, _("The question is saved."), f"pages/{page_id}/")
        except catalogue_services.DefinitionError as error:
            errors = forms.refusal_list(error)
    return designer_page(
        request,
        "workspace/designer/question.html",
        version=version,
        definition=definition,
        page=page,
        adding=question_id is None,
        errors=errors,
        page_title=_("Add a question")
        if question_id is None
        else _("Question %(question)s") % {"question": question_id},
        back_url=version_url(version, f"pages/{page_id}/"),
        status=400 if errors else 200,
        **_question_context(
            existing, request.POST if request.method == "POST" else None, field_errors
        ),
    )


def preview_html(definition, page, language: str) -> str:
    """The page's heading and questions as the person sees them, in `language`, with no
    answers (the journey's own template, so the preview is the page)."""
    fields = [
        (question, catalogue.answer_type(question).raw_from_value(question, None), [])
        for question in page.questions
    ]
    with translation.override(language):
        return render_to_string(
            "workspace/designer/_preview.html",
            {
                "page": page,
                "fields": fields,
                "service_name": definition.title.text(language),
                "upload_limit_mb": settings.COMMONWEAL_UPLOAD_MAX_BYTES // (1024 * 1024),
                "preview_language": language,
                "lookup": page.lookup_question is not None,
            },
        )


# Previews already rendered, by version, edit, page and language: a page's preview changes
# only when its version is edited (which changes `updated_at`).
_previews: dict[tuple[int, str, str, str], str] = {}


def cached_preview(version, definition, page, language: str) -> str:
    key = (version.pk, version.updated_at.isoformat(), page.id, language)
    found = _previews.get(key)
    if found is None:
        found = preview_html(definition, page, language)
        if len(_previews) > 256:
            _previews.clear()
        _previews[key] = found
    return found


@require_http_methods(["GET", "HEAD"])
@designer_required
def preview(request, slug, number, page_id):
    version, definition = version_or_404(request, slug, number)
    page = _page_or_404(definition, page_id)
    language = "cy" if request.GET.get("lang") == "cy" else "en"
    return designer_page(
        request,
        "workspace/designer/preview.html",
        version=version,
        definition=definition,
        page=page,
        preview_language=language,
        preview=mark_safe(cached_preview(version, definition, page, language)),  # noqa: S308  # nosec B308 B703 (rendered by our autoescaping template)
        page_title=_("Preview of page %(page)s") % {"page": page.id},
        back_url=version_url(version, f"pages/{page_id}/"),
    )
