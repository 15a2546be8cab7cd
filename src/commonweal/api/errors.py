"""The one error shape of the API: `{"errors": [{"field", "code", "message"}]}`."""

from ninja import Schema


class Problem(Schema):
    field: str
    code: str
    message: str


class Errors(Schema):
    errors: list[Problem]


def problems(*items: tuple[str, str, str]) -> dict:
    """The error body for (field, code, message) triples."""
    return {"errors": [{"field": f, "code": c, "message": m} for f, c, m in items]}
