"""Pages every installation has: health, language, help pages, errors."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods

from . import selectors


@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """The database and the task worker, as JSON. 503 when the database cannot be used."""
    database = selectors.database_health()
    worker = selectors.worker_health() if database["ok"] else {"ok": False}
    body = {"database": database, "worker": worker}
    if database["ok"] and settings.COMMONWEAL_FILE_SCANNER:
        # Files held because the virus scanner cannot be reached: nobody can open them.
        from commonweal.intake import selectors as intake_selectors

        body["file_scanner"] = intake_selectors.file_scan_health()
    healthy = all(part["ok"] for part in body.values())
    status = "ok" if healthy else ("degraded" if database["ok"] else "down")
    return JsonResponse(
        {"status": status, **body},
        status=200 if database["ok"] else 503,
    )


@require_http_methods(["GET", "HEAD"])
def language(request, code):
    """Switch language by a plain link, so it works without JavaScript."""
    if code not in dict(settings.LANGUAGES):
        raise Http404("No such language")
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


@cache_control(public=True, max_age=3600)
@require_http_methods(["GET", "HEAD"])
def brand_css(request):
    """The organisation's colour, applied through GOV.UK Frontend's custom property."""
    colour = settings.COMMONWEAL_BRAND_COLOUR
    return HttpResponse(f":root{{--govuk-brand-colour:{colour}}}\n", content_type="text/css")


def _page(template: str, title):
    @require_http_methods(["GET", "HEAD"])
    def view(request):
        return render(
            request,
            template,
            {
                "page_title": title(),
                "draft_retention_days": settings.COMMONWEAL_DRAFT_RETENTION_DAYS,
            },
        )

    return view


accessibility = _page("core/accessibility.html", lambda: _("Accessibility statement"))
privacy = _page("core/privacy.html", lambda: _("Privacy notice"))
cookies = _page("core/cookies.html", lambda: _("Cookies"))
contact = _page("core/contact.html", lambda: _("Contact us"))


# The REST API's addresses: errors there are JSON in the API's one shape, never a page.
API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, field: str, code: str, message: str) -> JsonResponse:
    """The API's error shape (see docs/api.md), for errors raised before the API's own code
    runs (an unknown host, a body over the limit) or outside it."""
    return JsonResponse(
        {"errors": [{"field": field, "code": code, "message": message}]}, status=status
    )


def _api_error_for(status: int, exception) -> JsonResponse:
    from django.core.exceptions import DisallowedHost, RequestDataTooBig

    if isinstance(exception, DisallowedHost):
        return api_error(400, "Host", "unknown_host", "This host name is not served here")
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return api_error(400, "body", "too_large", f"The body must be at most {limit:,} bytes")
    return api_error(
        status,
        "",
        {400: "bad_request", 403: "forbidden", 404: "not_found"}.get(status, "server_error"),
        {
            400: "The request could not be read",
            403: "Not allowed",
            404: "No such address in the API",
        }.get(status, "Something went wrong on our side: try again later"),
    )


def _error(template: str, status: int, title):
    def view(request, exception=None, explanation=None):
        if is_api_request(request):
            return _api_error_for(status, exception)
        # No account links on the 500 page (it must render even when the database is down),
        # nor when the request was refused before the sign-in middleware ran (an unknown
        # host): there is no account to show.
        hide_account_links = status == 500 or not hasattr(request, "user")
        context = {
            "page_title": title(),
            "hide_account_links": hide_account_links,
            "explanation": explanation,
        }
        return render(request, template, context, status=status)

    return view


bad_request = _error(
    "core/400.html", 400, lambda: _("Sorry, there is a problem with the page you asked for")
)
permission_denied = _error("core/403.html", 403, lambda: _("You cannot see this page"))
page_not_found = _error("core/404.html", 404, lambda: _("Page not found"))
server_error = _error("core/500.html", 500, lambda: _("Sorry, there is a problem with the service"))


def csrf_failure(request, reason=""):
    return render(
        request,
        "core/csrf_failure.html",
        {"page_title": _("Your session has expired")},
        status=403,
    )
