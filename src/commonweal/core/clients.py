"""Who is asking, for rate limits, without keeping anyone's IP address.

Behind proxies, `COMMONWEAL_CLIENT_IP_HEADER` names the header they write (for example
`HTTP_X_FORWARDED_FOR`) and `COMMONWEAL_TRUSTED_PROXIES` how many of them there are. Each
proxy appends the address it was connected from, so only the right-most entries were
written by proxies we run; anything to their left came from the client and can say
anything. The client is the entry the outermost trusted proxy added: the Nth from the
right. See docs/security.md."""

import hashlib
import hmac
import ipaddress

from django.conf import settings


def _address(entry: str) -> str | None:
    """An IP address from one header entry (a port some proxies add is dropped), or None."""
    entry = entry.strip()
    if entry.startswith("["):
        # [2001:db8::1]:443
        entry = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:
        # 203.0.113.9:51234
        entry = entry.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's address: the one the trusted proxies saw when a proxy header is
    configured and well formed, else the connection's own (REMOTE_ADDR). Never the
    left-most entry of a list, which whoever sends the request writes."""
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.COMMONWEAL_CLIENT_IP_HEADER
    if not header:
        return remote
    trusted = max(1, settings.COMMONWEAL_TRUSTED_PROXIES)
    entries = request.META.get(header, "").split(",")
    if len(entries) < trusted:
        # Fewer entries than proxies: not a header our proxies wrote.
        return remote
    return _address(entries[-trusted]) or remote


def client_key(request) -> str:
    """A keyed hash of the client's address: enough to count attempts, useless to a reader."""
    address = client_address(request).encode()
    return hmac.new(settings.SECRET_KEY.encode(), address, hashlib.sha256).hexdigest()[:32]


def development_pages_allowed() -> bool:
    """Whether pages only for a developer's own machine (the mailbox, the bench's floors)
    may be served at all: never in production, and never behind a proxy, where the
    connection's address is the proxy's and cannot say who is asking."""
    return not settings.PRODUCTION and not settings.COMMONWEAL_CLIENT_IP_HEADER
