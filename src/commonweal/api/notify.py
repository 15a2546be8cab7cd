"""Delivery receipts from GOV.UK Notify: a plain Django view beside the REST API, since Notify
posts its own JSON with its own bearer token (not an API key)."""

import hmac
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from commonweal.messaging import services as messaging


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
    except ValueError as error:
        return _not_a_receipt(error)
    try:
        messaging.message_status_from_notify(payload=payload)
    except messaging.NotifyReceiptRefused as error:
        return _not_a_receipt(error)
    # Acknowledged whether or not the message is ours, so Notify does not retry forever.
    return HttpResponse(status=204)


def _not_a_receipt(error: Exception) -> JsonResponse:
    return JsonResponse({"error": f"not a Notify delivery receipt: {error}"}, status=400)
