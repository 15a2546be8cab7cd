"""Pages every installation has: health, language, the brand colour, and the help pages
(accessibility, privacy, cookies, contact)."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods

from commonweal.core import quarantine
from commonweal.core import selectors as core_selectors


@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """The database and the task worker, as JSON. 503 when the database cannot be used."""
    database = core_selectors.database_health()
    worker = core_selectors.worker_health() if database["ok"] else {"ok": False}
    body = {"database": database, "worker": worker}
    if database["ok"] and settings.COMMONWEAL_FILE_SCANNER:
        # Files held because the virus scanner cannot be reached: nobody can open them.
        body["file_scanner"] = quarantine.file_scan_health()
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


accessibility = _page("portal/pages/accessibility.html", lambda: _("Accessibility statement"))
privacy = _page("portal/pages/privacy.html", lambda: _("Privacy notice"))
cookies = _page("portal/pages/cookies.html", lambda: _("Cookies"))
contact = _page("portal/pages/contact.html", lambda: _("Contact us"))
