"""Templates in more languages: a draft translation made by a machine-translation provider,
marked machine translated until a person approves it (and so publishes it). An unapproved
machine translation is never published, and never sent (see `templates._template`)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from commonweal.accounts.selectors import User
from commonweal.core import languages

from .. import translation
from ..models import MessageTemplate
from .templates import TemplateRefused, template_check, template_publish

# A placeholder or an optional block, kept out of the provider's hands as a numbered token.
_PLACEHOLDER = re.compile(r"\(\([^()]*\)\)")


def _protected(text: str) -> tuple[str, list[str]]:
    """The text with each placeholder replaced by a token the provider leaves alone."""
    found: list[str] = []

    def token(match: re.Match[str]) -> str:
        found.append(match.group(0))
        return f"[[{len(found)}]]"

    return _PLACEHOLDER.sub(token, text), found


def _restored(text: str, found: list[str]) -> str:
    """The provider's text with the placeholders put back; refused when a token went
    missing or was repeated (the translation would lose or double a value)."""
    for number, placeholder in enumerate(found, start=1):
        token = f"[[{number}]]"
        if text.count(token) != 1:
            raise translation.TranslationFailed(
                f"The translation lost or repeated the placeholder {placeholder}: nothing was saved"
            )
        text = text.replace(token, placeholder)
    return text


def _translated(
    provider: translation.TranslationProvider, text: str, source: str, target: str
) -> str:
    if not text.strip():
        return text
    protected, found = _protected(text)
    return _restored(provider.translate(protected, source=source, target=target), found)


def template_translate(
    *, template: MessageTemplate, language: str, by: User, provider_name: str = ""
) -> MessageTemplate:
    """A draft of `template`'s event and channel in `language` (ISO 639-1), its words
    translated by the provider (the configured one unless named), marked machine translated.
    The provider is asked before anything is written; a failure (TranslationFailed, with
    why) or a translation that breaks the template (TemplateRefused) writes nothing."""
    if not languages.is_language(language) or language in ("en", template.language):
        raise TemplateRefused([f"{language!r} is not a language to translate this template into"])
    provider = translation.provider(provider_name)
    subject = _translated(provider, template.subject, template.language, language)
    body = _translated(provider, template.body, template.language, language)
    template_check(event=template.event, channel=template.channel, subject=subject, body=body)
    with transaction.atomic():
        latest = (
            MessageTemplate.objects.select_for_update()
            .filter(event=template.event, channel=template.channel, language=language)
            .order_by("-version")
            .first()
        )
        return MessageTemplate.objects.create(
            event=template.event,
            channel=template.channel,
            language=language,
            version=latest.version + 1 if latest else 1,
            subject=subject[:300],
            body=body,
            created_by=by,
            machine_translated_by=provider.name,
            translated_from=template,
        )


def template_translation_approve(*, template: MessageTemplate, by: User) -> MessageTemplate:
    """A person has checked a machine translation: it is approved and published (the
    version in use before it is retired)."""
    if not template.machine_translated_by or template.approved_at is not None:
        raise TemplateRefused([f"{template} is not a machine translation waiting for approval"])
    if template.status != MessageTemplate.Status.DRAFT:
        raise TemplateRefused([f"{template} is not a draft"])
    with transaction.atomic():
        template.approved_by = by
        template.approved_at = timezone.now()
        template.save(update_fields=["approved_by", "approved_at"])
        return template_publish(template=template, by=by)
