"""Application references: short, unambiguous when read aloud or written, hard to guess.

A reference is the service's prefix and eight characters from an alphabet without 0, O, 1,
I and L (so nobody confuses them), grouped in fours: BL-7KQ4-M2XD. Eight characters from 31
give about 8.5 x 10^11 possibilities per service, drawn with the `secrets` module.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REFERENCE = re.compile(rf"^([A-Z]{{2,3}})([{ALPHABET}]{{8}})$")


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def normalise_reference(value: str) -> str | None:
    """' bl 7kq4m2xd' -> 'BL-7KQ4-M2XD'; None when it cannot be a reference."""
    compact = re.sub(r"[\s\-]+", "", value or "").upper()
    match = _REFERENCE.match(compact)
    if not match:
        return None
    prefix, body = match.groups()
    return f"{prefix}-{body[:4]}-{body[4:]}"
