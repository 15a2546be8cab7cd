"""Errors under /api/ are JSON in the API's one shape (see docs/api.md), never a page: for
errors raised before the API's own code runs (an unknown host, a body over the limit) or
outside it. The error pages themselves are the portal's (portal/views/errors.py)."""

from django.conf import settings
from django.http import JsonResponse

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


def api_error_for(status: int, exception) -> JsonResponse:
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
