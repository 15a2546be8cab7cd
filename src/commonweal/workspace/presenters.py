"""Turning selector results into what the workspace templates show: labels in the page's
language, GOV.UK component parameters, and plain-English timeline lines."""

import datetime
from collections.abc import Collection

from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commonweal.catalogue import selectors as catalogue
from commonweal.core.jinja import date_long, local_name
from commonweal.people import selectors as people_selectors

DUE_STATE_LABELS = {
    "on_track": (gettext_lazy("On track"), "govuk-tag--green"),
    "at_risk": (gettext_lazy("At risk"), "govuk-tag--yellow"),
    "overdue": (gettext_lazy("Overdue"), "govuk-tag--red"),
    "paused": (gettext_lazy("Waiting for the person"), "govuk-tag--grey"),
    "closed": (gettext_lazy("Closed"), "govuk-tag--grey"),
}
FLAG_LABELS = {
    "urgent": gettext_lazy("Urgent"),
    "vulnerable": gettext_lazy("Vulnerable person"),
    "complaint": gettext_lazy("Complaint"),
    "safeguarding": gettext_lazy("Safeguarding concern"),
    "unanswered": gettext_lazy("Unanswered message"),
    "red_check": gettext_lazy("Red check"),
    "reconsideration": gettext_lazy("Reconsideration"),
}
MANUAL_FLAGS = ("urgent", "vulnerable", "complaint", "safeguarding")
OUTCOME_LABELS = {
    "approved": gettext_lazy("Approved"),
    "refused": gettext_lazy("Refused"),
    "withdrawn": gettext_lazy("Withdrawn"),
}
CHANNEL_LABELS = {
    "online": gettext_lazy("Online"),
    "phone": gettext_lazy("By phone"),
    "in_person": gettext_lazy("In person"),
    "paper": gettext_lazy("Paper form"),
}
# Each kind of timeline event, in the reader's language (a kind added later without a title
# here shows its model label).
EVENT_TITLES = {
    "submitted": gettext_lazy("Application submitted"),
    "stage_changed": gettext_lazy("Stage changed"),
    "message_sent": gettext_lazy("Message sent"),
    "note": gettext_lazy("Internal note"),
    "update": gettext_lazy("Update for the person"),
    "assigned": gettext_lazy("Assigned"),
    "transferred": gettext_lazy("Moved to another team"),
    "referred": gettext_lazy("Referred"),
    "referral_ended": gettext_lazy("Referral ended"),
    "decided": gettext_lazy("Decision made"),
    "reconsideration": gettext_lazy("Asked to look at the decision again"),
    "task_added": gettext_lazy("Task added"),
    "task_done": gettext_lazy("Task done"),
    "flagged": gettext_lazy("Flag added"),
    "unflagged": gettext_lazy("Flag removed"),
    "thread_message": gettext_lazy("Secure message"),
    "clock_stopped": gettext_lazy("Time limit paused"),
    "clock_restarted": gettext_lazy("Time limit restarted"),
    "check_overridden": gettext_lazy("Red check overridden"),
    # Automated checks record their own kind of event (docs/checks.md).
    "checks_run": gettext_lazy("Automated checks run"),
    "message_failed": gettext_lazy("Message not delivered"),
    "payment_instructed": gettext_lazy("Payment instructed"),
    "payment_cancelled": gettext_lazy("Payment cancelled"),
    "payment_paid": gettext_lazy("Payment made"),
    "payment_failed": gettext_lazy("Payment failed"),
    "information_requested": gettext_lazy("More information asked for"),
    "information_received": gettext_lazy("More information received"),
    "expected_date_set": gettext_lazy("New expected date"),
}
# How staff checked who a person is when they took an application (phone, in person,
# paper): stored as a code, "document:<kind>" for a document seen.
IDENTITY_CHECK_WORDS = {
    "knowledge": gettext_lazy("they answered questions only they would know"),
    "not_checked": gettext_lazy("not checked yet"),
    "document": gettext_lazy("an identity document seen"),
}
IDENTITY_DOCUMENT_WORDS = {
    "passport": gettext_lazy("passport seen"),
    "driving_licence": gettext_lazy("driving licence seen"),
    "benefit_letter": gettext_lazy("benefit award letter seen"),
    "other": gettext_lazy("another identity document seen"),
}
LANGUAGE_WORDS = {
    "en": gettext_lazy("English"),
    "cy": gettext_lazy("Welsh"),
    "both": gettext_lazy("English and Welsh (Welsh first)"),
}


def language_words(code: str, reader: str) -> str:
    """A person's language as the reader reads it: English, Welsh, or any other by name."""
    from commonweal.core import languages

    if not code:
        return ""
    if code in LANGUAGE_WORDS:
        return str(LANGUAGE_WORDS[code])
    return languages.language_name(code, reader)


def person_speaks(person, reader: str) -> dict:
    """What the case header says about how to talk with the person: the language they want
    messages in (when it is not English) and the interpreter they need, if any."""
    language = person.language or ""
    speaks = (
        _("Speaks %(language)s") % {"language": language_words(language, reader)}
        if language not in ("", "en")
        else ""
    )
    interpreter = ""
    if person.interpreter_needed:
        interpreter = _("Interpreter needed (%(language)s)") % {
            "language": language_words(person.interpreter_language, reader)
            or _("language not given")
        }
    return {"speaks": speaks, "interpreter": interpreter}


CHECK_STATUS_WORDS = {
    "red": gettext_lazy("red"),
    "amber": gettext_lazy("amber"),
    "green": gettext_lazy("green"),
    "not_run": gettext_lazy("not run"),
    "error": gettext_lazy("could not run"),
}


def identity_check_words(code: str) -> str:
    """How a person's identity was checked, in words ("document:passport": passport seen)."""
    kind, _colon, document = (code or "").partition(":")
    if kind == "document" and document:
        return str(IDENTITY_DOCUMENT_WORDS.get(document, IDENTITY_CHECK_WORDS["document"]))
    return str(IDENTITY_CHECK_WORDS.get(kind, code))


def checks_label(name: str) -> str:
    from commonweal.checks import selectors as checks_selectors

    return checks_selectors.check_label(name)


SCOPE_LABELS = {
    "person": gettext_lazy("Name and contact details"),
    "answers": gettext_lazy("Answers to the application"),
    "evidence": gettext_lazy("Evidence files"),
    "timeline": gettext_lazy("Timeline, notes and tasks"),
    "messages": gettext_lazy("Secure messages"),
}


def flash(request, text: str) -> None:
    messages.success(request, text)


def flashes(request) -> list[dict]:
    """The notes staff actions left for this page (`workspace/_flashes.html` shows them)."""
    return [flash_of(message) for message in messages.get_messages(request)]


def flash_of(message) -> dict:
    return {"text": str(message), "success": message.level == messages.SUCCESS}


def message_text(*, typed: str, saved_replies, reply_id: str, language: str) -> str:
    """What the case page's message box starts with: what was typed (shown again after a
    refused send), else the saved reply chosen by `?reply=N`, when it is one of those this
    page offers (the case's service's, to someone who may write on the case), in the
    person's language when it has that wording (Welsh first for someone who wants both)."""
    if typed:
        return typed
    for saved in saved_replies:
        if str(saved.pk) != reply_id:
            continue
        if saved.body_cy and language == "cy":
            return saved.body_cy
        if saved.body_cy and language == "both":
            return f"{saved.body_cy}\n\n{saved.body_en}"
        return saved.body_en
    return ""


def answer_rows(definition, application, language: str) -> list[dict]:
    rows = []
    for page in definition.visible_pages(application.answers):
        for question in page.questions:
            value = application.answers.get(question.id)
            lines = catalogue.answer_type(question).display(question, value, language)
            rows.append(
                {
                    "key": {"text": (question.summary_label or question.label).text(language)},
                    "value": {"lines": lines or [_("Not given")]},
                }
            )
    return rows


def _who(event) -> str:
    if event.actor_id is None:
        return _("The system")
    return str(event.actor)


CHECK_TAGS = {
    "red": "govuk-tag--red",
    "amber": "govuk-tag--yellow",
    "green": "govuk-tag--green",
    # Nothing was checked: never green; amber's colour says a person must look.
    "not_run": "govuk-tag--orange",
    "error": "govuk-tag--grey",
}
EVIDENCE_LABELS = {
    "cases": gettext_lazy("Other cases"),
    "open_cases": gettext_lazy("Other open cases"),
    "other_people": gettext_lazy("Other people"),
    "applications": gettext_lazy("Applications"),
    "limit": gettext_lazy("Limit"),
    "window_hours": gettext_lazy("Within (hours)"),
    "window_days": gettext_lazy("Within (days)"),
    "accounts": gettext_lazy("Accounts"),
    "error": gettext_lazy("Error"),
    "not_run": gettext_lazy("Not run"),
    "sort_code": gettext_lazy("Sort code"),
    "account_ends": gettext_lazy("Account number ends"),
    "modulus": gettext_lazy("Modulus check"),
    "name_on_account": gettext_lazy("Name on the account"),
    "matches": gettext_lazy("Matches"),
    "applicant": gettext_lazy("Applicant"),
    "representative": gettext_lazy("Acting for them"),
    "representatives": gettext_lazy("Appointees and attorneys"),
    "relationship": gettext_lazy("Relationship"),
    "evaluation": gettext_lazy("Evaluation"),
    "outcome": gettext_lazy("Outcome"),
    "entitlement_pence": gettext_lazy("Entitlement (pence)"),
    "ruleset_hash": gettext_lazy("Rules fingerprint"),
    "service_version": gettext_lazy("Service version"),
    "run": gettext_lazy("Linkage run"),
    "candidates": gettext_lazy("Candidates"),
    "person_id": gettext_lazy("Index person"),
    "applicant_person_id": gettext_lazy("The applicant's index person"),
    "match_probability": gettext_lazy("Match probability"),
    "records": gettext_lazy("Records"),
    "source": gettext_lazy("Source"),
    "source_id": gettext_lazy("Source id"),
    "ni_number_held_by": gettext_lazy("NI number held by"),
    "people_matched": gettext_lazy("People matched"),
    "company_number": gettext_lazy("Company number"),
    "company_name": gettext_lazy("Company name"),
    "company_status": gettext_lazy("Company status"),
    "charity_number": gettext_lazy("Charity number"),
    "charity_name": gettext_lazy("Charity name"),
    "reg_status": gettext_lazy("Registration status"),
    "date_of_creation": gettext_lazy("Incorporated on"),
    "date_of_cessation": gettext_lazy("Closed on"),
    "date_of_registration": gettext_lazy("Registered on"),
    "date_of_removal": gettext_lazy("Removed on"),
    "found": gettext_lazy("Found"),
}
# Words the checks write in their evidence, in the reader's language.
EVIDENCE_VALUES = {
    "not configured": gettext_lazy("not set up"),
    "pass": gettext_lazy("passes"),
    "fail": gettext_lazy("fails"),
    "sort code not in table": gettext_lazy("sort code not in the table"),
    "applicant": gettext_lazy("the applicant"),
    "representative": gettext_lazy("someone acting for them"),
    "nobody": gettext_lazy("nobody known"),
    "eligible": gettext_lazy("eligible"),
    "ineligible": gettext_lazy("not eligible"),
    "refer": gettext_lazy("a person must decide"),
    "no_api_key": gettext_lazy("no API key"),
    "nothing_given": gettext_lazy("nothing given"),
}


def _evidence_label(key: str) -> str:
    return str(EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize()))


def _evidence_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(_evidence_text(item) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(
            f"{_evidence_label(key)}: {_evidence_text(item)}" for key, item in value.items()
        )
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and value in EVIDENCE_VALUES:
        return str(EVIDENCE_VALUES[value])
    return "–" if value in (None, "") else str(value)


def _evidence(evidence: dict) -> list[dict]:
    """Evidence as label and text; other cases named in it link to their pages (which
    answer 404 to anyone who may not see them)."""
    items = []
    for key, value in (evidence or {}).items():
        label = _evidence_label(key)
        links = []
        if key == "cases" and isinstance(value, list):
            for entry in value:
                reference = str(entry).split(" ")[0]
                links.append((str(entry), reverse("workspace:case", args=[reference])))
        items.append({"label": label, "text": _evidence_text(value), "links": links})
    return items


def check_rows(results) -> list[dict]:
    """The newest result of each check, in words: label, status, reasons and evidence."""
    from commonweal.checks import selectors as checks_selectors

    return [
        {
            "name": result.check_name,
            "label": checks_selectors.check_label(result.check_name),
            "status": result.status,
            "status_label": str(result.get_status_display()),
            "tag": CHECK_TAGS.get(result.status, "govuk-tag--grey"),
            "reasons": checks_selectors.result_reasons_shown(result),
            "evidence": _evidence(result.evidence),
            "at": result.created_at,
        }
        for result in results
    ]


def _submitted_text(data: dict) -> str:
    """How the application arrived, and how the member of staff who took it checked who the
    person is (what the person's record was then raised by)."""
    channel = CHANNEL_LABELS.get(data.get("channel"), data.get("channel", ""))
    check = data.get("identity_check", "")
    if not check:
        return _("Application received (%(channel)s)") % {"channel": channel}
    return _("Application received (%(channel)s; identity: %(how)s)") % {
        "channel": channel,
        "how": identity_check_words(check),
    }


def _note_text(data: dict) -> str:
    """A note's words; a note the system wrote (the automation policy) keeps its words as
    messages too, shown in the reader's language."""
    from commonweal.checks.selectors import reason_shown

    words = data.get("words")
    if not words:
        return data.get("text", "")
    return " ".join(
        reason_shown("", part) if isinstance(part, dict) else reason_shown(str(part))
        for part in words
    )


def _decision_event_text(data: dict) -> str:
    outcome = OUTCOME_LABELS.get(data.get("outcome"), data.get("outcome", ""))
    text = _("Decision: %(outcome)s") % {"outcome": outcome}
    if data.get("amount_pence"):
        text += ", " + _money(data["amount_pence"])
    if data.get("reconsiders"):
        text += " – " + (
            _("changed on reconsideration")
            if data.get("changed")
            else _("unchanged on reconsideration")
        )
    return text


def _update_event_text(kind: str, data: dict) -> str:
    """More information asked for (what), or a new expected date (and whether told)."""
    if kind == "information_requested":
        return "; ".join(item.get("text", "") for item in data.get("items", []))
    text = (
        _("The person now expects a decision by %(date)s; told")
        if data.get("told")
        else _("The person now expects a decision by %(date)s; not told again this week")
    ) % {"date": date_long(data.get("date"))}
    return f"{text}: {data['reason']}" if data.get("reason") else text


def _event_text(kind: str, data: dict, stage_title: str) -> str:
    """An event in words for staff; only the kind's own words are worked out (each
    kind keeps different things in its data)."""
    if kind in ("information_requested", "expected_date_set"):
        return _update_event_text(kind, data)
    texts = {
        "submitted": lambda: _submitted_text(data),
        "stage_changed": lambda: _("Stage: %(stage)s") % {"stage": stage_title},
        "message_sent": lambda: (
            _("Message sent by %(channel)s") % {"channel": data.get("channel", "")}
        ),
        "note": lambda: _note_text(data),
        "update": lambda: data.get("text", ""),
        "assigned": lambda: _("Assigned"),
        "transferred": lambda: (
            _("Moved to another team: %(reason)s") % {"reason": data.get("reason", "")}
        ),
        "referred": lambda: (
            _("Referred to %(organisation)s: %(reason)s")
            % {
                "organisation": data.get("organisation_name", ""),
                "reason": data.get("reason", ""),
            }
        ),
        "referral_ended": lambda: (
            _("Referral to %(organisation)s ended")
            % {"organisation": data.get("organisation_name", "")}
        ),
        "decided": lambda: _decision_event_text(data),
        "decision_corrected": lambda: (
            _("Corrected to: %(decision)s. Why: %(reason)s")
            % {"decision": _decision_event_text(data), "reason": data.get("reason", "")}
        ),
        "reconsideration": lambda: (
            _("Asked to look at the decision again: %(reason)s")
            % {"reason": data.get("reason", "")}
        ),
        "task_added": lambda: _("Task added: %(title)s") % {"title": data.get("title", "")},
        "task_done": lambda: _("Task done: %(title)s") % {"title": data.get("title", "")},
        "flagged": lambda: (
            _("Flag added: %(flag)s") % {"flag": FLAG_LABELS.get(data.get("flag"), "")}
        ),
        "unflagged": lambda: (
            _("Flag removed: %(flag)s") % {"flag": FLAG_LABELS.get(data.get("flag"), "")}
        ),
        "thread_message": lambda: (
            _("Secure message from the team")
            if data.get("from_staff")
            else _("Secure message from the person")
        ),
        "clock_stopped": lambda: _("Time limit paused while waiting for the person"),
        "clock_restarted": lambda: (
            _("Time limit restarted; due date now %(date)s") % {"date": data.get("due_date", "")}
        ),
        "message_failed": lambda: (
            _("Not delivered by %(channel)s: %(reason)s")
            % {"channel": data.get("channel", ""), "reason": data.get("reason", "")}
        ),
        "check_overridden": lambda: (
            _("Red check overridden: %(reason)s") % {"reason": data.get("reason", "")}
        ),
        "payment_instructed": lambda: (
            _("Payment of %(amount)s instructed") % {"amount": data.get("amount", "")}
        ),
        "payment_cancelled": lambda: (
            _("Payment cancelled: %(reason)s") % {"reason": data.get("reason", "")}
        ),
        "payment_paid": lambda: (
            _("Payment of %(amount)s made") % {"amount": data.get("amount", "")}
        ),
        "payment_failed": lambda: (
            _("Payment of %(amount)s failed: %(reason)s")
            % {"amount": data.get("amount", ""), "reason": data.get("reason", "")}
        ),
        "payment_held": lambda: (
            _("Payment of %(amount)s held: %(reason)s")
            % {"amount": data.get("amount", ""), "reason": data.get("reason", "")}
        ),
        "payment_released": lambda: (
            _("Payment of %(amount)s released: %(reason)s")
            % {"amount": data.get("amount", ""), "reason": data.get("reason", "")}
        ),
        "offer_made": lambda: (
            _("Offer of %(amount)s made; last day to answer %(date)s")
            % {"amount": data.get("amount", ""), "date": date_long(data.get("accept_by"))}
        ),
        "offer_accepted": lambda: _offer_answer_text(data, accepted=True),
        "offer_declined": lambda: _offer_answer_text(data, accepted=False),
        "offer_expired": lambda: (
            _("Offer ended unanswered after %(date)s") % {"date": date_long(data.get("accept_by"))}
        ),
        "offer_withdrawn": lambda: _("Offer withdrawn: the decision is being looked at again"),
        "checks_run": lambda: ", ".join(
            f"{checks_label(name)}: {CHECK_STATUS_WORDS.get(status, status)}"
            for name, status in data.get("results", {}).items()
        ),
    }
    text = texts.get(kind)
    return text() if text else ""


def timeline(page, language: str) -> list[dict]:
    """Every event, newest first, in words; whether the person sees it is shown too."""
    definition = page.definition
    entries = []
    for event in page.events:
        data = event.data
        stage = definition.stage(data.get("stage", "")) if "stage" in data else None
        stage_title = stage.title.text(language) if stage else data.get("stage", "")
        entries.append(
            {
                "kind": event.kind,
                "title": EVENT_TITLES.get(event.kind) or event.get_kind_display(),
                "text": _event_text(event.kind, data, stage_title),
                "who": _who(event),
                "for_whom": event.on_behalf_of.full_name if event.on_behalf_of_id else "",
                "when": event.created_at,
                "visible": event.visible_to_person,
                "internal": event.kind == "note",
            }
        )
    return entries


HOW_LABELS = {
    "online": gettext_lazy("online"),
    "phone": gettext_lazy("by phone"),
    "in_person": gettext_lazy("in person"),
    "letter": gettext_lazy("by letter"),
}


def _offer_answer_text(data: dict, *, accepted: bool) -> str:
    """ "Accepted by phone, told by Sam Evans: 'Yes please'"."""
    how = HOW_LABELS.get(data.get("how", ""), "")
    text = (_("Accepted %(how)s") if accepted else _("Declined %(how)s")) % {"how": how}
    if data.get("told_by"):
        text += ", " + _("told by %(name)s") % {"name": data["told_by"]}
    if data.get("words"):
        text += ": “" + data["words"] + "”"
    return text


def decision_outcomes(definition, language: str) -> list[dict]:
    return [
        {
            "value": outcome,
            "label": label,
            "reasons": [
                {"value": reason.id, "text": reason.text.text(language)}
                for reason in definition.reasons_for(outcome)
            ],
        }
        for outcome, label in OUTCOME_LABELS.items()
    ]


def _money(pence: int | None) -> str:
    from decimal import Decimal

    from commonweal.core.jinja import money

    return money(Decimal(pence) / 100) if pence is not None else ""


def decision_summary(page, language: str) -> dict | None:
    """The decision in force on the case, as staff read it (with what it replaced)."""
    if not page.decisions:
        return None
    return _decision_item(page.decisions[0], page.definition, language, page.decisions)


def _decision_item(decision, definition, language: str, decisions: list) -> dict:
    by_id = {other.pk: other for other in decisions}
    earlier = by_id.get(decision.supersedes_id) or by_id.get(decision.reconsiders_id)
    if decision.supersedes_id:
        kind_code, kind = "correction", _("Corrected decision")
    elif decision.reconsiders_id:
        kind_code, kind = "reconsideration", _("Decision after reconsideration")
    else:
        kind_code, kind = "decision", _("Decision")
    return {
        "id": decision.pk,
        "kind": kind,
        "kind_code": kind_code,
        "outcome": OUTCOME_LABELS.get(decision.outcome, decision.outcome),
        "reasons": [
            definition.decision_reason(reason).text.text(language)
            if definition.decision_reason(reason)
            else reason
            for reason in decision.reasons
        ],
        "explanation": decision.explanation,
        "override_reason": decision.override_reason,
        "amount": _money(decision.amount_pence),
        "entitlement": _money(decision.entitlement_pence),
        "amount_reason": decision.amount_reason,
        "correction_reason": decision.correction_reason,
        "earlier_at": earlier.decided_at if earlier else None,
        "changed": earlier is not None
        and (earlier.outcome, earlier.amount_pence) != (decision.outcome, decision.amount_pence),
        "superseded": any(other.supersedes_id == decision.pk for other in decisions),
        "by": str(decision.decided_by),
        "at": decision.decided_at,
    }


def decision_history(page, language: str) -> list[dict]:
    """Every decision on the case, newest first: the one in force, then the ones it
    replaced or that were looked at again."""
    return [
        _decision_item(decision, page.definition, language, page.decisions)
        for decision in page.decisions
    ]


def decision_staff_rows(decision, definition) -> list[dict]:
    """What the preview shows staff beyond the person's words: the amount against the rules,
    a red check's override, why a decision is corrected."""
    rows = []
    if decision.amount_pence is not None:
        if decision.entitlement_pence is None:
            rules = _("The rules did not work out an amount")
        else:
            rules = _money(decision.entitlement_pence)
        rows.append({"key": {"text": _("The rules worked out")}, "value": {"text": rules}})
        if decision.amount_reason:
            rows.append(
                {
                    "key": {"text": _("Why the amount is different")},
                    "value": {"text": decision.amount_reason},
                }
            )
    if decision.override_reason:
        rows.append(
            {
                "key": {"text": _("Red check overridden because")},
                "value": {"text": decision.override_reason},
            }
        )
    if decision.supersedes_id:
        rows.append(
            {
                "key": {"text": _("Replaces the decision of")},
                "value": {"text": date_long(decision.supersedes.decided_at)},
            }
        )
    return rows


NOTICE_CHANNEL_LABELS = {
    "email": gettext_lazy("Email"),
    "sms": gettext_lazy("Text message"),
    "letter": gettext_lazy("Letter"),
    "portal": gettext_lazy("Message in their online account"),
    "phone": gettext_lazy("Phone call by the team"),
}


def notice_preview(case, event: str, definition, extra_for=None) -> dict:
    """The message that will tell the person, as it will be sent (`extra_for(language)`,
    the notice's own placeholders)."""
    from commonweal.core.uk import format_phone
    from commonweal.messaging import selectors as messaging_selectors

    found = messaging_selectors.notice_preview(
        event=event, person=case.person, case=case, definition=definition, extra_for=extra_for
    )
    channel = found.get("channel")
    address = found.get("address", "")
    if channel in ("sms", "phone") and address:
        address = format_phone(address)
    return {
        **found,
        "channel_label": NOTICE_CHANNEL_LABELS.get(channel, "") if channel else "",
        "address": address,
    }


def due_days(case, due_state: str, today: datetime.date | None = None) -> str:
    """How far the case is from its due date, in days: "3 days left", "2 days overdue",
    "Due today" (nothing once it is closed, or while the time limit is paused)."""
    if due_state in ("closed", "paused"):
        return ""
    days = (case.due_date - (today or timezone.localdate())).days
    if days > 0:
        return ngettext("%(num)s day left", "%(num)s days left", days) % {"num": days}
    if days < 0:
        return ngettext("%(num)s day overdue", "%(num)s days overdue", -days) % {"num": -days}
    return _("Due today")


def case_view(page, context, language: str, wants: Collection[str] | None = None) -> dict:
    """What the case page shows beyond the raw case: labels, rows and choices. `wants`
    names the parts a section of the page shows ("answers", "timeline", "members",
    "teams", "organisations"): the others, which cost queries, are left out; None is all."""
    from commonweal.organisations import selectors as organisations

    def wanted(part: str) -> bool:
        return wants is None or part in wants

    case = page.case
    definition = page.definition
    stage = definition.stage(case.stage)
    label, tag = DUE_STATE_LABELS[page.due_state]
    decision = page.decisions[0] if page.decisions else None
    view = {
        "service": capfirst(definition.name.text(language)),
        "stage": stage.title.text(language) if stage else case.stage,
        "due_label": label,
        "due_tag": tag,
        "channel": CHANNEL_LABELS.get(case.channel, case.channel),
        # From the person's record: the summary and the Person panel say the same.
        "identity": people_selectors.identity_described(
            level=case.person.identity_level, source=case.person.identity_source
        ),
        "team": local_name(case.team) if case.team_id else "",
        "person_language": language_words(case.person.language, language),
        "person_speaks": person_speaks(case.person, language),
        "flags": [FLAG_LABELS.get(flag, flag) for flag in page.flags],
        "manual_flags": [(code, FLAG_LABELS[code], code in page.flags) for code in MANUAL_FLAGS],
        "next_stages": [(s.id, s.title.text(language)) for s in definition.next_stages(case.stage)],
        "answers": answer_rows(definition, case.application, language)
        if page.sees("answers") and wanted("answers")
        else [],
        "timeline": timeline(page, language),
        "scope_labels": SCOPE_LABELS,
        "scope_text": ", ".join(
            str(SCOPE_LABELS[part]) for part in SCOPE_LABELS if page.scope and part in page.scope
        ),
        "decision": None,
        "open_tasks": [task for task in page.tasks if task.completed_at is None],
        "done_tasks": [task for task in page.tasks if task.completed_at is not None],
        "active_referrals": [r for r in page.referrals if r.ended_at is None],
        "red_checks": [r for r in page.check_results if r.status == "red"],
    }
    if decision:
        view["decision"] = decision_summary(page, language)
        view["earlier_decisions"] = decision_history(page, language)[1:]
    if page.can_act and wanted("members"):
        view["members"] = [
            (m.user_id, str(m.user))
            for m in organisations.team_members(team_ids=[case.team_id] if case.team_id else [])
        ]
    if page.can_act and wanted("teams"):
        view["teams"] = [
            (team.pk, f"{local_name(team)} ({local_name(team.organisation)})")
            for team in organisations.teams_for_transfer(organisation_ids=context.organisation_ids)
            if team.pk != case.team_id
        ]
    if page.can_act and wanted("organisations"):
        view["organisations"] = [
            (o.pk, local_name(o))
            for o in organisations.organisations_for_referral(exclude_ids=context.organisation_ids)
        ]
    return view


# The lists of cases (queue, my work, search, workload) are shaped in lists.py.
from .lists import CASE_LIST_SESSION_KEY as CASE_LIST_SESSION_KEY  # noqa: E402
from .lists import SORTABLE_COLUMNS as SORTABLE_COLUMNS  # noqa: E402
from .lists import case_pager as case_pager  # noqa: E402
from .lists import case_rows as case_rows  # noqa: E402
from .lists import days_left_label as days_left_label  # noqa: E402
from .lists import pagination as pagination  # noqa: E402
from .lists import queue_choices as queue_choices  # noqa: E402
from .lists import queue_filter_selects as queue_filter_selects  # noqa: E402
from .lists import queue_per_page as queue_per_page  # noqa: E402
from .lists import queue_sorting as queue_sorting  # noqa: E402
from .lists import remember_case_list as remember_case_list  # noqa: E402
from .lists import saved_filter_links as saved_filter_links  # noqa: E402
