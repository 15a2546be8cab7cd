"""Who is asking, for rate limits, without keeping anyone's IP address."""

import hashlib
import hmac

from django.conf import settings


def client_address(request) -> str:
    header = settings.COMMONWEAL_CLIENT_IP_HEADER
    if header:
        # A trusted proxy appends the real client; the left-most entry is the original.
        forwarded = request.META.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def client_key(request) -> str:
    """A keyed hash of the client's address: enough to count attempts, useless to a reader."""
    address = client_address(request).encode()
    return hmac.new(settings.SECRET_KEY.encode(), address, hashlib.sha256).hexdigest()[:32]
