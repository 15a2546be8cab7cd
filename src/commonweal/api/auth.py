"""How integrations authenticate: a bearer API key, counted against its rate limit."""

from django.http import HttpRequest
from ninja.security import HttpBearer

from . import services


class RateLimited(Exception):
    """The key has used its calls for this minute (answered 429 with Retry-After)."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        key = services.api_key_authenticate(token=token)
        if key is not None:
            wait = services.api_key_call_count(key=key)
            if wait is not None:
                raise RateLimited(wait)
            request.api_key = key
        return key
