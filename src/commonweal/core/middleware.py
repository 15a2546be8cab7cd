"""Requests whose text cannot be stored are refused with a clear 400, before any view."""

import logging

from django.utils.translation import gettext as _

from .text import text_problem

logger = logging.getLogger("commonweal.requests")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unreadable_field(request) -> str | None:
    """ "path", or the first query or form field whose name or value holds a NUL or a lone
    surrogate. Paths, form posts and query strings are decoded with replacement characters,
    so only a NUL (%00) can arrive that way; JSON bodies are checked where they are read."""
    if text_problem(request.path_info):
        return "path"
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for data in sources:
        for name, values in data.lists():
            if text_problem(name) or any(text_problem(value) for value in values):
                return name
    return None


class UnreadableInputMiddleware:
    """A NUL in a form field or the query string would be refused by PostgreSQL, and a lone
    surrogate cannot be written anywhere: both are answered 400 (the GOV.UK error page, or
    the API's JSON error shape under /api/) instead of failing half-way with a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _unreadable_field(request)
        if field is not None:
            return self._refuse(request, field)
        return self.get_response(request)

    def process_exception(self, request, exception):
        # The last line of defence: text with a lone surrogate that reached an encoder
        # anyway (a database driver, a template) came from the request, not from us.
        if isinstance(exception, UnicodeEncodeError) and exception.reason == (
            "surrogates not allowed"
        ):
            logger.warning("Refused a request holding a lone surrogate: %s", request.path)
            return self._refuse(request, "")
        return None

    @staticmethod
    def _refuse(request, field: str):
        from django.urls import get_resolver

        from . import errors

        if errors.is_api_request(request):
            return errors.api_error(
                400,
                field,
                "invalid_text",
                "Contains a character that cannot be stored (a NUL or a lone surrogate)",
            )
        # The site's 400 page (handler400 in the root URLconf).
        return get_resolver().resolve_error_handler(400)(
            request,
            explanation=_(
                "What you sent has a character in it that we cannot store, such as a null "
                "character. Go back, take it out and try again."
            ),
        )
