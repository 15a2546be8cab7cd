"""Delivery receipts from GOV.UK Notify."""

import hmac
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .channels import notify


@csrf_exempt  # a server-to-server call, authenticated by its bearer token instead
@require_POST
def notify_callback(request):
    """Notify posts each message's final status here (set the URL and token in Notify)."""
    expected = settings.COMMONWEAL_NOTIFY_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "not authorised"}, status=401)
    try:
        payload = json.loads(request.body)
        notification_id, status = notify.status_from_callback(payload)
    except (ValueError, TypeError) as error:
        return JsonResponse({"error": f"not a Notify delivery receipt: {error}"}, status=400)
    services.message_status_from_provider(
        provider="notify", provider_reference=notification_id, status=status
    )
    # Acknowledged whether or not the message is ours, so Notify does not retry forever.
    return HttpResponse(status=204)
