"""Machine translation of message templates: the providers, in the `translation-providers`
registry, and the one that comes with the platform, LibreTranslate.

A provider turns plain text from one language into another; `services.template_translate`
uses it to make a draft translation of a template, marked machine translated until a person
approves it. `COMMONWEAL_TRANSLATION_PROVIDER` names the provider to use (empty: none, and
templates are translated by hand only); a deployment adds its own by registering a class
from its app's `ready()`:

    TRANSLATION_PROVIDERS.register("my-provider", MyProvider)

LibreTranslate (https://libretranslate.com, self-hostable) is asked at
`COMMONWEAL_LIBRETRANSLATE_URL` with `COMMONWEAL_LIBRETRANSLATE_API_KEY` (optional): its
documented `POST /translate` JSON API, `{"q", "source", "target", "format": "text",
"api_key"}` answered by `{"translatedText": ...}`, or an error status with `{"error": ...}`.
"""

from __future__ import annotations

from typing import Protocol

import httpx
from django.conf import settings

from commonweal.core.registry import Registry

REQUEST_TIMEOUT = 20.0


class TranslationFailed(Exception):
    """The provider could not translate: why, in words for the member of staff."""


class TranslationProvider(Protocol):
    name: str

    def translate(self, text: str, *, source: str, target: str) -> str:
        """`text` in the language `target` (ISO 639-1 codes); TranslationFailed if not."""
        ...


TRANSLATION_PROVIDERS: Registry[type[TranslationProvider]] = Registry(
    "translation-providers",
    "Machine translation of message templates; COMMONWEAL_TRANSLATION_PROVIDER picks one",
)


class LibreTranslate:
    """LibreTranslate's `/translate` API (https://libretranslate.com/docs)."""

    name = "libretranslate"

    def __init__(self) -> None:
        self.url = (settings.COMMONWEAL_LIBRETRANSLATE_URL or "").rstrip("/")
        self.api_key = settings.COMMONWEAL_LIBRETRANSLATE_API_KEY or ""
        self.timeout = REQUEST_TIMEOUT

    def translate(self, text: str, *, source: str, target: str) -> str:
        if not self.url:
            raise TranslationFailed(
                "LibreTranslate's address is not set (COMMONWEAL_LIBRETRANSLATE_URL)"
            )
        payload = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        try:
            response = httpx.post(
                f"{self.url}/translate",
                json=payload,
                timeout=self.timeout,
                follow_redirects=False,
                headers={"User-Agent": "Commonweal-Translation/1"},
            )
        except httpx.TimeoutException:
            raise TranslationFailed(
                f"LibreTranslate did not answer within {self.timeout:g} seconds"
            ) from None
        except httpx.HTTPError as error:
            raise TranslationFailed(f"Could not reach LibreTranslate: {error}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code != 200:
            reason = answer.get("error") if isinstance(answer, dict) else None
            raise TranslationFailed(
                f"LibreTranslate answered {response.status_code}"
                + (f": {reason}" if reason else "")
            )
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise TranslationFailed("LibreTranslate's answer had no translated text")
        return translated


def providers_register_builtin() -> None:
    TRANSLATION_PROVIDERS.register(LibreTranslate.name, LibreTranslate)


def provider_configured() -> str:
    """The name of the provider to use, or "" when none is set."""
    return settings.COMMONWEAL_TRANSLATION_PROVIDER or ""


def provider(name: str = "") -> TranslationProvider:
    """The provider registered as `name` (the configured one by default); TranslationFailed
    when none is configured, UnknownName (a LookupError) when nothing has that name."""
    name = name or provider_configured()
    if not name:
        raise TranslationFailed(
            "No machine translation provider is set up (COMMONWEAL_TRANSLATION_PROVIDER)"
        )
    return TRANSLATION_PROVIDERS.get(name)()
