"""Writing and delivering notices and messages: the messaging app's public services.

A notice (something a person must be told) is written in the caller's transaction with its
first message: an outbox (`notices`). The worker delivers it, retrying and moving on to the
person's next channel (`delivery`). Templates hold the words (`templates`); cases have a
thread of secure messages (`threads`); letters go to the print house in batches
(`letters`); the team can message everyone with a matching case (`bulk`).

Callers import this package (`from commonweal.messaging import services`); each public
function is re-exported here from the module of its area.
"""

from ..contact_changes import CodeNotSent, contact_change_tell, contact_code_send
from .bulk import BULK_CHUNK, BulkSendRefused, bulk_send_run, bulk_send_start
from .delivery import (
    BATCH_SIZE,
    RETRY_DELAYS,
    SENDING_TIMEOUT,
    NotifyReceiptRefused,
    message_content_expire,
    message_status_from_notify,
    message_status_from_provider,
    message_status_update,
    messages_deliver,
    messages_dispatch,
    messages_poll_status,
    messages_sweep,
    phone_call_outcome,
    portal_messages_read,
    portal_unread_expire,
)
from .letters import letter_organisation_id, letter_returned, print_batch_build, print_batch_for
from .notices import (
    FORMATS_FOR_THE_TEAM,
    application_received_data,
    notice_data,
    notice_send,
    notices_send_many,
    plan_channels,
)
from .templates import (
    DEFAULT_TEMPLATES,
    LONG_CHANNELS,
    SHORT_CHANNELS,
    Rendered,
    TemplateRefused,
    template_check,
    template_draft_create,
    template_draft_edit,
    template_new_version,
    template_publish,
    templates_cache_clear,
    templates_load,
)
from .threads import (
    ATTACHMENT_KIND,
    MAX_ATTACHMENTS,
    REPEAT_WINDOW,
    ThreadMessageRefused,
    attachment_infected,
    saved_reply_ensure,
    thread_mark_read,
    thread_message_post,
    thread_messages_post_many,
)
from .translations import template_translate, template_translation_approve

__all__ = [
    "ATTACHMENT_KIND",
    "BATCH_SIZE",
    "BULK_CHUNK",
    "DEFAULT_TEMPLATES",
    "FORMATS_FOR_THE_TEAM",
    "LONG_CHANNELS",
    "MAX_ATTACHMENTS",
    "REPEAT_WINDOW",
    "RETRY_DELAYS",
    "SENDING_TIMEOUT",
    "SHORT_CHANNELS",
    "BulkSendRefused",
    "CodeNotSent",
    "NotifyReceiptRefused",
    "Rendered",
    "TemplateRefused",
    "ThreadMessageRefused",
    "application_received_data",
    "attachment_infected",
    "bulk_send_run",
    "bulk_send_start",
    "contact_change_tell",
    "contact_code_send",
    "letter_organisation_id",
    "letter_returned",
    "message_content_expire",
    "message_status_from_notify",
    "message_status_from_provider",
    "message_status_update",
    "messages_deliver",
    "messages_dispatch",
    "messages_poll_status",
    "messages_sweep",
    "notice_data",
    "notice_send",
    "notices_send_many",
    "phone_call_outcome",
    "plan_channels",
    "portal_messages_read",
    "portal_unread_expire",
    "print_batch_build",
    "print_batch_for",
    "saved_reply_ensure",
    "template_check",
    "template_draft_create",
    "template_draft_edit",
    "template_new_version",
    "template_publish",
    "template_translate",
    "template_translation_approve",
    "templates_cache_clear",
    "templates_load",
    "thread_mark_read",
    "thread_message_post",
    "thread_messages_post_many",
]
