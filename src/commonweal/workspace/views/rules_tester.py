"""Staff pages for rules: trying a version's rules on sample answers (service owners), and
approving a case as the rules suggest (one-click approval)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.core.text import UnreadableText, json_loads_text
from commonweal.rules import selectors, services

from .common import staff_required

# A pasted sample bigger than this is refused rather than parsed.
SAMPLE_LIMIT = 100_000


def _owner_only(request) -> None:
    """Rules are the service owners' to try (and administrators')."""
    if not (request.staff.organisation_wide_ids or request.user.is_superuser):
        raise PermissionDenied("Only service owners and administrators can try rules")


def _page(request, template: str, status: int = 200, **context):
    context.setdefault("workspace", request.staff)
    context.setdefault("flashes", [])
    context.setdefault("service_name", _("Casework"))
    context.setdefault("service_url", reverse("workspace:my-work"))
    context.setdefault("nav", "rules")
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD"])
@staff_required
def tester_list(request):
    _owner_only(request)
    return _page(
        request,
        "workspace/rules/tester_list.html",
        services=selectors.services_for_tester(),
        language=get_language(),
        page_title=_("Try a service's rules"),
    )


def _parse_sample(text: str) -> tuple[dict, dict, str | None]:
    """(answers, eligibility answers, error) from the pasted JSON."""
    if len(text) > SAMPLE_LIMIT:
        return {}, {}, _("The sample answers are too long: paste at most 100,000 characters")
    try:
        data = json_loads_text(text)
    except UnreadableText:
        return (
            {},
            {},
            _(
                "The sample answers have a character that cannot be used (a lone surrogate or a "
                "null character): take it out"
            ),
        )
    except ValueError as error:
        return (
            {},
            {},
            _("The sample answers are not valid JSON (%(reason)s)") % {"reason": str(error)},
        )
    if not isinstance(data, dict):
        return {}, {}, _('The sample answers must be a JSON object, like {"answers": {}}')
    answers, eligibility = data.get("answers", {}), data.get("eligibility", {})
    if not isinstance(answers, dict) or not isinstance(eligibility, dict):
        return {}, {}, _('"answers" and "eligibility" must each be a JSON object')
    unknown = set(data) - {"answers", "eligibility"}
    if unknown:
        message = _('The sample answers can only have "answers" and "eligibility", not %(names)s')
        return {}, {}, message % {"names": ", ".join(sorted(unknown))}
    return answers, eligibility, None


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def tester(request, slug, number):
    """Paste sample answers and see each rule's result and the explanation; nothing is
    stored."""
    _owner_only(request)
    found = selectors.version_for_tester(slug=slug, number=number)
    if found is None:
        raise Http404("No such version")
    version, definition = found
    language = get_language()
    errors, result, lines, plain, status = [], None, [], [], 200
    sample = json.dumps(selectors.sample_answers(definition), indent=2, ensure_ascii=False)
    if request.method == "POST":
        sample = request.POST.get("sample", "")
        answers, eligibility, error = _parse_sample(sample)
        if error:
            errors.append({"text": error, "href": "#sample"})
            status = 400
        else:
            result = selectors.rules_try(
                definition=definition, answers=answers, eligibility_answers=eligibility
            )
            lines = selectors.result_lines(result, language)
            plain = selectors.plain_for_result(
                definition=definition, result=result, language=language
            )
    return _page(
        request,
        "workspace/rules/tester.html",
        status=status,
        errors=errors,
        version=version,
        definition=definition,
        sample=sample,
        result=result,
        lines=lines,
        plain=plain,
        explanation=(result or {})
        .get("explanation", {})
        .get("cy" if language == "cy" else "en", ""),
        page_title=_("Try the rules of %(service)s") % {"service": version},
        back_url=reverse("workspace:rules"),
    )


@require_POST
@staff_required
def approve_as_rules_suggest(request, reference):
    page = cases_selectors.case_for_staff(context=request.staff, reference=reference.upper())
    if page is None:
        raise Http404("No such case")
    if not page.can_act:
        raise PermissionDenied("Referral access is read-only")
    revision = request.POST.get("revision", "")
    try:
        services.automation_one_click_approve(
            case_id=page.case.pk,
            by=request.user,
            context=request.staff,
            revision=int(revision) if revision.isdigit() else -1,
        )
    except cases_services.CaseActionRefused as refused:
        return _page(
            request,
            "workspace/rules/refused.html",
            status=409,
            errors=[{"text": refused.message, "href": "#decide"}],
            case=page.case,
            page_title=_("The case was not approved"),
        )
    messages.success(request, _("Approved as the rules suggest. The person has been told."))
    return redirect("workspace:case", reference=page.case.reference)
