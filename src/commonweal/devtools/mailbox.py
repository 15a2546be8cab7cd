"""The development mailbox: an email backend that keeps messages for /dev/mailbox/.

Used by the demo so a person can sign in without a real mailbox. It also prints each
message to the console, where `commonweal demo` shows sign-in codes.
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend

from .services import dev_mail_store

logger = logging.getLogger("commonweal.mailbox")


class DevMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            dev_mail_store(to=list(message.to), subject=message.subject, body=message.body)
            logger.info("Mail to %s: %s", ", ".join(message.to), message.subject)
        return len(email_messages)
