"""The form for how a person hears from us: shown to the person on their account and to
staff on the case (who also give a reason). One handler, so both record changes the same
way through `services.contact_preferences_update`."""

import datetime

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from commonweal.core import languages, uk

from . import selectors as people_selectors
from . import services as people_services

# The order of the channels on the form, and of the ones after the first choice.
CONTACT_CHANNEL_ORDER = ("email", "sms", "portal", "phone", "letter")
DEFAULT_QUIET_HOURS = (datetime.time(21, 0), datetime.time(8, 0))
# The optional updates a person may choose not to get, in the form's order.
UPDATE_KINDS = ("stage_changed", "delay")
# Where each refused field's error leads (the id of its first input).
_PREFERENCE_FIELD_IDS = {
    "channels": "channels",
    "language": "language",
    "interpreter_language": "interpreter-language",
    "accessible_format": "format",
    "do_not_contact": "do-not-contact",
    "quiet_hours": "quiet-hours",
    "email": "email",
    "phone": "phone",
    "reason": "reason",
    "updates": "updates",
}


def _clock(value: datetime.time) -> str:
    """21:00 -> '9pm', 08:30 -> '8:30am', as GOV.UK writes times."""
    if value.hour == 0 and value.minute == 0:
        return _("midnight")
    if value.hour == 12 and value.minute == 0:
        return _("midday")
    hour = value.hour % 12 or 12
    time = f"{hour}:{value.minute:02d}" if value.minute else str(hour)
    if value.hour < 12:
        return translation.pgettext("a time before midday, like 8am", "%(time)sam") % {"time": time}
    return translation.pgettext("a time after midday, like 9pm", "%(time)spm") % {"time": time}


def _preference_labels(staff: bool) -> dict[str, dict[str, str]]:
    return {
        "channels": {
            "email": _("Email"),
            "sms": _("Text message"),
            "portal": _("Message in their online account")
            if staff
            else _("Message in your online account"),
            "phone": _("Phone call"),
            "letter": _("Letter by post"),
        },
        "languages": {
            "en": _("English"),
            "cy": _("Cymraeg"),
            "both": _("Both English and Welsh (Welsh first)"),
            "other": _("Another language"),
        },
        "updates": {
            "stage_changed": _("When the application moves to a new stage")
            if staff
            else _("When your application moves to a new stage"),
            "delay": _("When a decision will take longer than we said"),
        },
        "formats": {
            "standard": _("Standard"),
            "large_print": _("Large print"),
            "braille": _("Braille"),
            "easy_read": _("Easy read"),
            "audio": _("Audio"),
        },
    }


def _given_contacts(values: dict, current: dict, errors: list) -> dict:
    """A new email address or phone number typed by a member of staff, as a change to
    check ({field: [old, new]}); a badly formed one is an error on the form."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    given = {}
    email = values["email"]
    if email and email.lower() != (current["email"] or "").lower():
        try:
            validate_email(email)
            given["email"] = [current["email"] or "", email]
        except ValidationError:
            errors.append(
                {
                    "text": _(
                        "Enter an email address in the correct format, like name@example.com"
                    ),
                    "href": "#email",
                }
            )
    phone = uk.normalise_uk_phone(values["phone"]) if values["phone"] else ""
    if values["phone"] and phone is None:
        errors.append(
            {
                "text": _(
                    "Enter a telephone number, like 01632 960 001, 07700 900 982 "
                    "or +44 808 157 0192"
                ),
                "href": "#phone",
            }
        )
    elif phone and phone != (current["phone"] or ""):
        given["phone"] = [current["phone"] or "", phone]
    return given


def _values_posted(post) -> dict:
    """The form's values as posted: the channels in the form's order (the first choice
    among them), and the text fields trimmed to their limits."""
    first = post.get("first", "")
    ticked = set(post.getlist("channels"))
    if first in CONTACT_CHANNEL_ORDER:
        ticked.add(first)  # the first choice is one of them, ticked or not
    else:
        first = ""
    refused = set(post.getlist("do_not_contact"))
    return {
        "channels": [channel for channel in CONTACT_CHANNEL_ORDER if channel in ticked],
        "first": first,
        "email": post.get("email", "").strip()[:254],
        "phone": post.get("phone", "").strip()[:30],
        "language": post.get("language", ""),
        "other_language": post.get("other_language", "").strip()[:100],
        "interpreter": post.get("interpreter", ""),
        "interpreter_language": post.get("interpreter_language", "").strip()[:100],
        "format": post.get("format", ""),
        "quiet": post.get("quiet") == "yes",
        "do_not_contact": [c for c in CONTACT_CHANNEL_ORDER if c in refused],
        "reason": post.get("reason", "").strip()[:500],
        # The optional updates ticked; None when the form did not show them (kept as is).
        "updates": [kind for kind in UPDATE_KINDS if kind in set(post.getlist("updates"))]
        if post.get("updates_shown") == "yes"
        else None,
    }


def _code_of(text: str, interpreter: bool = False) -> str | None:
    """The language someone typed, as a code (None when it is not one we know)."""
    return languages.language_from_text(text, interpreter=interpreter)


def _language_values(current: dict) -> dict:
    """The language questions' values from the record: a language other than English or
    Welsh as its name in the reader's language."""
    reader = translation.get_language() or "en"
    language = current["language"]
    other = language and language not in ("en", "cy", "both")
    return {
        "language": "other" if other else language,
        "other_language": languages.language_name(language, reader) if other else "",
        "interpreter": "yes" if current["interpreter_needed"] else "no",
        "interpreter_language": languages.language_name(current["interpreter_language"], reader)
        if current["interpreter_language"]
        else "",
    }


def _values_problems(values: dict, labels: dict, *, reason_asked: bool) -> list[dict]:
    """The form's own errors (a choice missing, the reason when it is asked for), for the
    error summary."""
    errors: list[dict] = []
    if not values["channels"]:
        errors.append({"text": _("Select at least one way to contact you"), "href": "#channels"})
    if values["language"] not in labels["languages"]:
        errors.append({"text": _("Select the language we should use"), "href": "#language"})
    elif values["language"] == "other" and _code_of(values["other_language"]) is None:
        errors.append(
            {
                "text": _("Enter a language, like Polish or Arabic")
                if not values["other_language"]
                else _("Enter a language we know, like Polish or Arabic, or its two-letter code"),
                "href": "#other-language",
            }
        )
    if values["interpreter"] == "yes" and _code_of(values["interpreter_language"], True) is None:
        errors.append(
            {
                "text": _("Enter the language the interpreter should speak, like Polish or BSL"),
                "href": "#interpreter-language",
            }
        )
    if values["format"] not in labels["formats"]:
        errors.append(
            {
                "text": _("Select the format you want letters and documents in"),
                "href": "#format",
            }
        )
    if reason_asked and not values["reason"]:
        errors.append({"text": _("Enter why you are changing this"), "href": "#reason"})
    return errors


def contact_preferences_form(
    request, person, *, by, reason: str | None = None, case_reference: str = ""
):
    """Show or save the contact preferences form for `person`. Returns (saved, form): saved
    is True when the change was made; otherwise `form` shows the form again (its "errors"
    for the error summary). `reason` None asks for one on the form (staff); else it is the
    reason recorded.

    A new email address or phone number typed by staff does not replace the record's: it
    waits for a check (`services.contact_change_request`, for the case `case_reference`),
    and `form["contact_change"]` is that change; the person's own change is theirs to make."""
    labels = _preference_labels(staff=reason is None)
    current = people_selectors.contact_preferences_of(person=person)
    values = {
        "channels": current["channels"],
        "first": current["channels"][0] if current["channels"] else "",
        "email": current["email"],
        "phone": uk.format_phone(current["phone"]) if current["phone"] else "",
        **_language_values(current),
        "format": current["accessible_format"],
        "quiet": current["quiet_hours"] is not None,
        "do_not_contact": current["do_not_contact"],
        "reason": "",
        "updates": [kind for kind in UPDATE_KINDS if kind not in current["updates_declined"]],
    }
    errors: list[dict] = []
    saved = False
    contact_change = None
    if request.method == "POST":
        values = _values_posted(request.POST)
        errors = _values_problems(values, labels, reason_asked=reason is None)
        given = _given_contacts(values, current, errors) if reason is None else {}
        if not errors:
            first = values["first"] or values["channels"][0]
            try:
                with transaction.atomic():
                    people_services.contact_preferences_update(
                        person=person,
                        channels=[first, *(c for c in values["channels"] if c != first)],
                        language=_code_of(values["other_language"]) or ""
                        if values["language"] == "other"
                        else values["language"],
                        interpreter=(
                            values["interpreter"] == "yes",
                            _code_of(values["interpreter_language"], True) or "",
                        )
                        if values["interpreter"] in ("yes", "no")
                        else None,
                        accessible_format=values["format"],
                        # Their own quiet hours if they have some; else 9pm to 8am.
                        quiet_hours=(current["quiet_hours"] or DEFAULT_QUIET_HOURS)
                        if values["quiet"]
                        else None,
                        do_not_contact=values["do_not_contact"],
                        updates_declined=None
                        if values["updates"] is None
                        else [kind for kind in UPDATE_KINDS if kind not in values["updates"]],
                        # Staff: the record's own until the new ones are checked.
                        email=None if reason is None else values["email"] or None,
                        phone=None if reason is None else values["phone"] or None,
                        by=by,
                        reason=values["reason"] if reason is None else reason,
                    )
                    contact_change = people_services.contact_change_request(
                        person=person,
                        changes=given,
                        reason=f"Given to staff: {values['reason']}",
                        case_reference=case_reference,
                        by=by,
                    )
            except people_services.ContactPreferencesRefused as refused_change:
                field = _PREFERENCE_FIELD_IDS.get(refused_change.field, "channels")
                message = refused_change.message
                if refused_change.field in given:
                    message = _(
                        "We use a new email address or phone number only once it is checked. "
                        "Choose another way for now, and change it after the check."
                    )
                errors.append({"text": message, "href": f"#{field}"})
            else:
                saved = True
    if values["updates"] is None:  # shown again: as they are now
        values["updates"] = [k for k in UPDATE_KINDS if k not in current["updates_declined"]]
    start, end = current["quiet_hours"] or DEFAULT_QUIET_HOURS
    return saved, {
        "contact_change": contact_change,
        "values": values,
        "errors": errors,
        "error_for": {error["href"][1:]: error["text"] for error in reversed(errors)},
        "quiet_from": _clock(start),
        "quiet_until": _clock(end),
        "has_address": current["has_address"],
        "has_account": current["has_account"],
        **labels,
    }
