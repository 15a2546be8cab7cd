from django.conf import settings

from commonweal.core.clients import development_pages_allowed


def dev_mailbox(request) -> dict:
    """Whether the layout links to the development mailbox (never in production, where
    this app and its context processor are not installed)."""
    return {"dev_mailbox": settings.DEV_MAILBOX and development_pages_allowed()}
