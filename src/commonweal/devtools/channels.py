"""A message channel for the benches only (registered from this app's `ready()`)."""

from commonweal.messaging.channels import Sent


class SinkChannel:
    """Takes messages and keeps nothing: what the benchmark measures against."""

    name = "sink"
    kinds = ("email", "sms", "letter", "portal", "phone")

    def send(self, message, *, idempotency_key: str) -> Sent:
        return Sent(provider_reference=idempotency_key, delivered=True)

    def check_status(self, message):
        return None
