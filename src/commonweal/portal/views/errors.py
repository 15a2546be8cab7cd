"""The error pages (400, 403, 404, 500, and an expired form), as pages, or under /api/ in
the API's JSON error shape."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from commonweal.core.errors import api_error_for, is_api_request


def _error(template: str, status: int, title):
    def view(request, exception=None, explanation=None):
        if is_api_request(request):
            return api_error_for(status, exception)
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
    "portal/errors/400.html",
    400,
    lambda: _("Sorry, there is a problem with the page you asked for"),
)
permission_denied = _error("portal/errors/403.html", 403, lambda: _("You cannot see this page"))
page_not_found = _error("portal/errors/404.html", 404, lambda: _("Page not found"))
server_error = _error(
    "portal/errors/500.html", 500, lambda: _("Sorry, there is a problem with the service")
)


def csrf_failure(request, reason=""):
    return render(
        request,
        "portal/errors/csrf_failure.html",
        {"page_title": _("Your session has expired")},
        status=403,
    )
