"""The channels that need no outside provider: the development log, SMTP email, the
portal, phone calls made by the team, and printed letters."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from . import PermanentFailure, Sent, TemporaryFailure

logger = logging.getLogger("commonweal.messaging.channels")


class LogChannel:
    """Writes the message to the log: for the embedded default and development."""

    name = "log"
    kinds = ("email", "sms", "letter", "portal", "phone")

    def send(self, message, *, idempotency_key: str) -> Sent:
        logger.info(
            "%s to %s (%s): %s\n%s",
            message.kind,
            message.to_address.replace("\n", ", "),
            idempotency_key,
            message.subject,
            message.body,
        )
        return Sent(provider_reference=f"log:{idempotency_key}", delivered=True)

    def check_status(self, message):
        return None


class SmtpChannel:
    """Email over SMTP (Django's email settings). The message id is sent as the
    Message-ID's local part, so a receiving system can drop a repeat. An SMTP server's
    acceptance is the last news SMTP gives: bounces arrive later by email, if at all."""

    name = "smtp"
    kinds = ("email",)
    receipts = False

    def send(self, message, *, idempotency_key: str) -> Sent:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "localhost"
        message_id = f"<{idempotency_key}@{domain}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
            headers={"Message-ID": message_id, "X-Commonweal-Message": idempotency_key},
            connection=get_connection(fail_silently=False),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"the mail server refused the address: {codes}") from error
            raise TemporaryFailure(repr(error)) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(repr(error)) from error
        return Sent(provider_reference=message_id, delivered=False)

    def check_status(self, message):
        return None


class PortalChannel:
    """A message in the person's account. It counts as delivered when they read it; unread
    past COMMONWEAL_PORTAL_UNREAD_HOURS, the notice moves to their next channel."""

    name = "portal"
    kinds = ("portal",)

    def send(self, message, *, idempotency_key: str) -> Sent:
        return Sent(provider_reference=f"portal:{idempotency_key}", delivered=False)

    def check_status(self, message):
        return None


class PhoneTaskChannel:
    """A phone call: a task for the case team with the words to read out. Completing the
    task records whether the person was reached."""

    name = "task"
    kinds = ("phone",)

    def send(self, message, *, idempotency_key: str) -> Sent:
        from commonweal.cases import services as cases_services

        if message.provider_reference:
            return Sent(provider_reference=message.provider_reference)
        if not message.case_id:
            raise PermanentFailure("a phone call needs a case to put the task on")
        task = cases_services.task_for_message(
            case_id=message.case_id,
            title=f"Phone {message.to_address} and read them the message",
            message_id=message.pk,
            script=message.body,
        )
        return Sent(provider_reference=f"task:{task.pk}")

    def check_status(self, message):
        return None


class PrintChannel:
    """Letters: a PDF made with WeasyPrint, in its organisation's print batch of the day."""

    name = "print"
    kinds = ("letter",)
    receipts = False

    def send(self, message, *, idempotency_key: str) -> Sent:
        from commonweal.messaging import letters
        from commonweal.messaging import services as messaging

        # The letter is the post of the organisation whose team holds its case now.
        organisation_id = messaging.letter_organisation_id(message_id=message.pk)
        if organisation_id is None:
            raise PermanentFailure(
                "the letter's case is in no team's queue, so no organisation can print it",
                address_failed=False,
            )
        if not message.letter_pdf:
            # The file is stored here; the delivery service records its name on the row.
            pdf = letters.render_letter_pdf(letters_content_for(message))
            message.letter_pdf.save(f"{idempotency_key}.pdf", ContentFile(pdf), save=False)
        batch = messaging.print_batch_for(day=timezone.localdate(), organisation_id=organisation_id)
        return Sent(
            provider_reference=f"print:{batch.day:%Y-%m-%d}",
            letter_pdf=message.letter_pdf.name,
            print_batch_id=batch.pk,
        )

    def check_status(self, message):
        return None


def letters_content_for(message):
    """What the letter renderer needs, from a message row (its words already rendered)."""
    from commonweal.messaging import letters

    languages = ["cy", "en"] if message.language == "both" else [message.language or "en"]
    subjects = message.subject.split(" / ")
    bodies = message.body.split("\n\n---\n\n")
    return letters.LetterContent(
        address_lines=message.to_address.split("\n"),
        date=timezone.localdate(),
        reference=message.case.reference if message.case_id else "",
        subject={lang: subjects[min(i, len(subjects) - 1)] for i, lang in enumerate(languages)},
        body={lang: bodies[min(i, len(bodies) - 1)] for i, lang in enumerate(languages)},
        languages=languages,
        large_print=message.large_print,
        organisation={
            "name": settings.COMMONWEAL_ORGANISATION_NAME,
            "name_cy": settings.COMMONWEAL_ORGANISATION_NAME_CY,
            "address_lines": list(settings.COMMONWEAL_ORGANISATION_ADDRESS),
            "phone": settings.COMMONWEAL_CONTACT_PHONE,
            "email": settings.COMMONWEAL_CONTACT_EMAIL,
            "website": settings.COMMONWEAL_BASE_URL,
        },
    )
