"""Message templates: checking, publishing and new versions of the words of each notice,
the defaults loaded at install, and the published ones rendered for a message."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commonweal.accounts.selectors import User

from .. import templating
from ..events import EVENTS, LANGUAGE_HELP
from ..models import MessageTemplate

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "default_templates.yaml"
LONG_CHANNELS = ("email", "letter", "portal")
SHORT_CHANNELS = ("sms", "phone")


class TemplateRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def template_check(*, event: str, channel: str, subject: str, body: str) -> None:
    """Refuse a template that uses a placeholder its event does not have, or bad syntax."""
    if event not in EVENTS:
        raise TemplateRefused([f"Unknown event {event!r}"])
    allowed = EVENTS[event].placeholders
    problems = []
    for text in (subject, body):
        try:
            templating.check(text or "", allowed)
        except templating.TemplateError as error:
            problems.extend(error.problems)
    if channel == "email" and event != LANGUAGE_HELP and not (subject or "").strip():
        problems.append("An email needs a subject")
    if problems:
        raise TemplateRefused(problems)


def template_publish(*, template: MessageTemplate, by: User | None = None) -> MessageTemplate:
    """Make a draft the version in use. Where Welsh is required, the English template of an
    event and channel can only be published when a Welsh one exists (and the other way)."""
    template_check(
        event=template.event, channel=template.channel, subject=template.subject, body=template.body
    )
    if template.machine_translated:
        raise TemplateRefused(
            [
                "This version was machine translated: a person must check and approve it "
                "before it is published"
            ]
        )
    if settings.COMMONWEAL_WELSH_REQUIRED and template.language in ("en", "cy"):
        other = "cy" if template.language == "en" else "en"
        if (
            not MessageTemplate.objects.filter(
                event=template.event, channel=template.channel, language=other
            )
            .exclude(status=MessageTemplate.Status.RETIRED)
            .exists()
        ):
            raise TemplateRefused(
                [
                    f"There is no {'Welsh' if other == 'cy' else 'English'} version of this "
                    "template: write it before publishing (Welsh is required here)"
                ]
            )
    with transaction.atomic():
        MessageTemplate.objects.filter(
            event=template.event,
            channel=template.channel,
            language=template.language,
            status=MessageTemplate.Status.PUBLISHED,
        ).exclude(pk=template.pk).update(status=MessageTemplate.Status.RETIRED)
        template.status = MessageTemplate.Status.PUBLISHED
        template.published_at = timezone.now()
        template.save(update_fields=["status", "published_at"])
    _templates.clear()
    return template


def template_new_version(
    *, template: MessageTemplate, subject: str, body: str, by: User
) -> MessageTemplate:
    """A new draft version of a template, checked."""
    template_check(event=template.event, channel=template.channel, subject=subject, body=body)
    latest = (
        MessageTemplate.objects.filter(
            event=template.event, channel=template.channel, language=template.language
        )
        .order_by("-version")
        .first()
    )
    assert latest is not None  # the template itself is one of them  # nosec B101
    return MessageTemplate.objects.create(
        event=template.event,
        channel=template.channel,
        language=template.language,
        version=latest.version + 1,
        subject=subject,
        body=body,
        created_by=by,
    )


def template_draft_create(*, template: MessageTemplate, by: User) -> MessageTemplate:
    """A template made in the admin: version 1, a draft (its form checked the text)."""
    template.version = 1
    template.status = MessageTemplate.Status.DRAFT
    template.created_by = by
    template.save()
    return template


def template_draft_edit(*, template: MessageTemplate, subject: str, body: str) -> MessageTemplate:
    """A draft's words changed (a published version is never edited: see
    `template_new_version`)."""
    if template.status != MessageTemplate.Status.DRAFT:
        raise TemplateRefused(["a published version cannot be edited; save a new version"])
    template.subject, template.body = subject, body
    template.save(update_fields=["subject", "body"])
    return template


def templates_load(*, path: Path = DEFAULT_TEMPLATES) -> int:
    """Create version 1 of every default template that is missing, published. Returns how
    many were made."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    made = 0
    with transaction.atomic():
        for event, languages in data.items():
            for language, texts in languages.items():
                for channel in (*LONG_CHANNELS, *SHORT_CHANNELS):
                    if MessageTemplate.objects.filter(
                        event=event, channel=channel, language=language
                    ).exists():
                        continue
                    long = channel in LONG_CHANNELS
                    subject = texts["subject"] if long else ""
                    body = texts["long"] if long else texts["short"]
                    template_check(event=event, channel=channel, subject=subject, body=body)
                    MessageTemplate.objects.create(
                        event=event,
                        channel=channel,
                        language=language,
                        version=1,
                        status=MessageTemplate.Status.PUBLISHED,
                        subject=subject,
                        body=body,
                        published_at=timezone.now(),
                    )
                    made += 1
    _templates.clear()
    return made


# Published templates by (event, channel, language), read once per process and refreshed
# when one is published here; other processes see a new version within a minute.
_templates: dict = {}
_TEMPLATE_CACHE_SECONDS = 60


def templates_cache_clear() -> None:
    _templates.clear()


def _template(event: str, channel: str, language: str) -> MessageTemplate | None:
    now = timezone.now()
    loaded_at = _templates.get("__loaded_at")
    if loaded_at is None or (now - loaded_at).total_seconds() > _TEMPLATE_CACHE_SECONDS:
        _templates.clear()
        # A machine translation no person has approved is never sent, even if published
        # some other way than `template_publish`.
        unapproved = ~Q(machine_translated_by="") & Q(approved_at__isnull=True)
        for template in MessageTemplate.objects.filter(
            status=MessageTemplate.Status.PUBLISHED
        ).exclude(unapproved):
            _templates[(template.event, template.channel, template.language)] = template
        _templates["__loaded_at"] = now
    return _templates.get((event, channel, language))


class Rendered(NamedTuple):
    """A message's words, the template they came from and the language they are in (the
    person's, or English when the notice has no template in theirs)."""

    subject: str
    body: str
    template_id: int | None
    language: str


def render_message(event: str, channel: str, language: str, data: dict[str, Any]) -> Rendered:
    """The subject and body for a channel in the person's language (both languages, Welsh
    first, for "both"). In another language with no published template for the notice,
    the English one, with the help line in their language (the `language_help` template)
    after it when there is one. Raises MissingData or LookupError; never returns a
    placeholder."""
    if language not in ("en", "cy", "both") and _template(event, channel, language) is None:
        english = render_message(event, channel, "en", data)
        help_line = _template(LANGUAGE_HELP, channel, language)
        if help_line is None:
            return english
        separator = "\n\n" if channel in LONG_CHANNELS else "\n"
        line = templating.render(help_line.body, _help_data(data))
        return english._replace(body=f"{english.body}{separator}{line}")
    languages = ["cy", "en"] if language == "both" else [language]
    subjects, bodies, template_id = [], [], None
    for lang in languages:
        template = _template(event, channel, lang)
        if template is None:
            raise LookupError(f"no published {lang} template for {event} by {channel}")
        subjects.append(templating.render(template.subject, data) if template.subject else "")
        bodies.append(templating.render(template.body, data))
        template_id = template_id or template.pk
    separator = "\n\n---\n\n" if channel in LONG_CHANNELS else "\n"
    return Rendered(
        " / ".join(filter(None, subjects))[:300], separator.join(bodies), template_id, language
    )


def _help_data(data: dict[str, Any]) -> dict[str, Any]:
    """The help line's placeholders: the organisation and the number to phone."""
    return {
        "organisation": data.get("organisation") or settings.COMMONWEAL_ORGANISATION_NAME,
        "contact_phone": settings.COMMONWEAL_CONTACT_PHONE,
    }
