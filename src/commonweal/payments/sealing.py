"""Sealing account numbers at rest (Fernet: AES-128-CBC with HMAC-SHA256, from
`cryptography`).

An account number is read only to write the payment file; pages show the last four
digits. Keys come from `COMMONWEAL_PAYMENTS_KEYS` (comma-separated Fernet keys, newest
first, so an old key can still open what it sealed while the new one seals); without it,
one key is derived from `SECRET_KEY`, which is fine for a laptop but ties the sealed numbers
to that secret.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SealBroken(Exception):
    """A sealed value that no configured key opens (a lost or rotated-away key)."""


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"commonweal-payments-seal"
        ).derive(secret_key.encode())
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.COMMONWEAL_PAYMENTS_KEYS), settings.SECRET_KEY)


def seal(text: str) -> str:
    return _current().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SealBroken("No configured key opens this account number") from None
