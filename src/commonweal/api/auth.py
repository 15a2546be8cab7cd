"""How integrations authenticate: a bearer API key, counted against its rate limit."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from . import services


class RateLimited(Exception):
    """The key has used its calls for this minute (answered 429 with Retry-After)."""


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        key = services.api_key_authenticate(token=token)
        if key is not None:
            if not services.api_key_within_rate(key=key):
                raise RateLimited()
            request.api_key = key
        return key
