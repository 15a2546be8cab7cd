"""What every module of the API shares when it declares its calls: request bodies that
refuse unknown fields, and the Idempotency-Key header of every call that changes something."""

from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# Declared on every call that creates or changes something.
IDEMPOTENCY_KEY = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "schema": {"type": "string", "maxLength": 100},
            "description": "A key of your choosing; the same request (method, path and "
            "body) with the same key again returns the first answer instead of doing it "
            "twice; the key with a different method, path or body is refused (409)",
        }
    ]
}
