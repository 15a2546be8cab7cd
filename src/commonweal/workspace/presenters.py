"""Turning selector results into what the workspace templates show: labels in the page's
language, GOV.UK component parameters, and plain-English timeline lines."""

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commonweal.catalogue import selectors as catalogue
from commonweal.core.jinja import date_long, localised

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
# Automated checks record their own kind of event (docs/checks.md).
EXTRA_EVENT_TITLES = {"checks_run": gettext_lazy("Automated checks run")}
CHECK_STATUS_WORDS = {
    "red": gettext_lazy("red"),
    "amber": gettext_lazy("amber"),
    "green": gettext_lazy("green"),
    "error": gettext_lazy("could not run"),
}


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


def flashes(request) -> list[str]:
    return [str(message) for message in messages.get_messages(request)]


def case_rows(rows) -> list[dict]:
    language = None
    shaped = []
    for row in rows:
        case = row.case
        label, tag = DUE_STATE_LABELS[row.due_state]
        shaped.append(
            {
                "id": case.pk,
                "reference": case.reference,
                "href": reverse("workspace:case", args=[case.reference]),
                "name": case.person.full_name or _("Name not given"),
                "date_of_birth": date_long(case.person.date_of_birth)
                if case.person.date_of_birth
                else "",
                "postcode": case.person.address_postcode,
                "service": localised(row.service_title, language),
                "stage": localised(row.stage_title, language) if row.stage_title else case.stage,
                "due_date": date_long(case.due_date),
                "due_label": label,
                "due_tag": tag,
                "assigned": str(case.assigned_to) if case.assigned_to_id else "",
                "flags": [FLAG_LABELS.get(flag, flag) for flag in row.flags],
            }
        )
    return shaped


def queue_filter_selects(context, filters, members) -> list[dict]:
    """The queue's filters as GOV.UK selects, with the current choice selected."""
    choices = queue_choices(context, filters)
    assigned = [("me", _("To me")), ("nobody", _("To nobody")), ("anyone", _("To anyone"))]
    assigned += [(str(m.user_id), str(m.user)) for m in members]
    fields = [
        ("team", _("Team"), choices["teams"], filters.team or "", _("All your teams")),
        ("service", _("Service"), choices["services"], filters.service, _("All services")),
        ("stage", _("Stage"), choices["stages"], filters.stage, _("All stages")),
        ("due", _("Time limit"), choices["due"], filters.due, _("Any")),
        ("assigned", _("Assigned"), assigned, filters.assigned, _("Any")),
        ("flag", _("Flag"), choices["flags"], filters.flag, _("Any")),
        ("sort", _("Sort by"), choices["sorts"], filters.sort, None),
    ]
    selects = []
    for name, label, pairs, selected, any_text in fields:
        items = [{"value": "", "text": any_text}] if any_text else []
        items += [
            {"value": str(value), "text": str(text), "selected": str(value) == str(selected)}
            for value, text in pairs
        ]
        selects.append(
            {"id": f"filter-{name}", "name": name, "label": {"text": label}, "items": items}
        )
    return selects


def queue_choices(context, filters) -> dict:
    """The options of the queue's filters: teams, services and stages of those services."""
    from commonweal.catalogue import selectors as catalogue_selectors

    teams = [team for team in context.teams if team.pk in context.work_team_ids]
    services = catalogue_selectors.published_services()
    stages = []
    seen = set()
    for published in services:
        if filters.service and published.service.slug != filters.service:
            continue
        for stage in published.definition.stages:
            if stage.id not in seen and not stage.final:
                seen.add(stage.id)
                stages.append((stage.id, localised(stage.title, None)))
    return {
        "teams": [(team.pk, team.name) for team in teams],
        "services": [(p.service.slug, localised(p.definition.title, None)) for p in services],
        "stages": stages,
        "due": [(key, label) for key, (label, _tag) in DUE_STATE_LABELS.items() if key != "closed"],
        "flags": list(FLAG_LABELS.items()),
        "sorts": [
            ("due", _("Due soonest")),
            ("-due", _("Due latest")),
            ("opened", _("Oldest first")),
            ("-opened", _("Newest first")),
            ("reference", _("Reference")),
        ],
    }


def pagination(request, page) -> dict | None:
    if page.pages <= 1:
        return None

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    result = {"items": []}
    if page.page > 1:
        result["previous"] = {"href": link(page.page - 1)}
    if page.page < page.pages:
        result["next"] = {"href": link(page.page + 1)}
    for number in sorted({1, page.page - 1, page.page, page.page + 1, page.pages}):
        if 1 <= number <= page.pages:
            result["items"].append(
                {"number": number, "href": link(number), "current": number == page.page}
            )
    return result


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
}


def _evidence_text(value) -> str:
    if isinstance(value, list):
        return ", ".join(_evidence_text(item) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(
            f"{key.replace('_', ' ')}: {_evidence_text(item)}" for key, item in value.items()
        )
    return "–" if value in (None, "") else str(value)


def _evidence(evidence: dict) -> list[dict]:
    """Evidence as label and text; other cases named in it link to their pages (which
    answer 404 to anyone who may not see them)."""
    items = []
    for key, value in (evidence or {}).items():
        label = str(EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize()))
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
            "status_label": result.get_status_display()
            if result.status != "error"
            else _("Could not run"),
            "tag": CHECK_TAGS.get(result.status, "govuk-tag--grey"),
            "reasons": result.reasons,
            "evidence": _evidence(result.evidence),
            "at": result.created_at,
        }
        for result in results
    ]


def timeline(page, language: str) -> list[dict]:
    """Every event, newest first, in words; whether the person sees it is shown too."""
    definition = page.definition
    entries = []
    for event in page.events:
        data = event.data
        stage = definition.stage(data.get("stage", "")) if "stage" in data else None
        stage_title = stage.title.text(language) if stage else data.get("stage", "")
        texts = {
            "submitted": _("Application received (%(channel)s)")
            % {"channel": CHANNEL_LABELS.get(data.get("channel"), data.get("channel", ""))},
            "stage_changed": _("Stage: %(stage)s") % {"stage": stage_title},
            "message_sent": _("Message sent by %(channel)s") % {"channel": data.get("channel", "")},
            "note": data.get("text", ""),
            "update": data.get("text", ""),
            "assigned": _("Assigned"),
            "transferred": _("Moved to another team: %(reason)s")
            % {"reason": data.get("reason", "")},
            "referred": _("Referred to %(organisation)s: %(reason)s")
            % {"organisation": data.get("organisation_name", ""), "reason": data.get("reason", "")},
            "referral_ended": _("Referral to %(organisation)s ended")
            % {"organisation": data.get("organisation_name", "")},
            "decided": _("Decision: %(outcome)s")
            % {"outcome": OUTCOME_LABELS.get(data.get("outcome"), data.get("outcome", ""))},
            "reconsideration": _("Asked to look at the decision again: %(reason)s")
            % {"reason": data.get("reason", "")},
            "task_added": _("Task added: %(title)s") % {"title": data.get("title", "")},
            "task_done": _("Task done: %(title)s") % {"title": data.get("title", "")},
            "flagged": _("Flag added: %(flag)s") % {"flag": FLAG_LABELS.get(data.get("flag"), "")},
            "unflagged": _("Flag removed: %(flag)s")
            % {"flag": FLAG_LABELS.get(data.get("flag"), "")},
            "thread_message": _("Secure message from the team")
            if data.get("from_staff")
            else _("Secure message from the person"),
            "clock_stopped": _("Time limit paused while waiting for the person"),
            "clock_restarted": _("Time limit restarted; due date now %(date)s")
            % {"date": data.get("due_date", "")},
            "message_failed": _("Not delivered by %(channel)s: %(reason)s")
            % {"channel": data.get("channel", ""), "reason": data.get("reason", "")},
            "check_overridden": _("Red check overridden: %(reason)s")
            % {"reason": data.get("reason", "")},
            "payment_instructed": _("Payment of %(amount)s instructed")
            % {"amount": data.get("amount", "")},
            "payment_cancelled": _("Payment cancelled: %(reason)s")
            % {"reason": data.get("reason", "")},
            "payment_paid": _("Payment of %(amount)s made") % {"amount": data.get("amount", "")},
            "payment_failed": _("Payment of %(amount)s failed: %(reason)s")
            % {"amount": data.get("amount", ""), "reason": data.get("reason", "")},
            "payment_held": _("Payment of %(amount)s held: %(reason)s")
            % {"amount": data.get("amount", ""), "reason": data.get("reason", "")},
            "payment_released": _("Payment of %(amount)s released: %(reason)s")
            % {"amount": data.get("amount", ""), "reason": data.get("reason", "")},
            "offer_made": _("Offer of %(amount)s made; last day to answer %(date)s")
            % {"amount": data.get("amount", ""), "date": date_long(data.get("accept_by"))},
            "offer_accepted": _offer_answer_text(data, accepted=True),
            "offer_declined": _offer_answer_text(data, accepted=False),
            "offer_expired": _("Offer ended unanswered after %(date)s")
            % {"date": date_long(data.get("accept_by"))},
            "offer_withdrawn": _("Offer withdrawn: the decision is being looked at again"),
            "checks_run": ", ".join(
                f"{checks_label(name)}: {CHECK_STATUS_WORDS.get(status, status)}"
                for name, status in data.get("results", {}).items()
            ),
        }
        entries.append(
            {
                "kind": event.kind,
                "title": EXTRA_EVENT_TITLES.get(event.kind) or event.get_kind_display(),
                "text": texts.get(event.kind, ""),
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


def case_view(page, context, language: str) -> dict:
    """What the case page shows beyond the raw case: labels, rows and choices."""
    from commonweal.organisations import selectors as organisations

    case = page.case
    definition = page.definition
    stage = definition.stage(case.stage)
    label, tag = DUE_STATE_LABELS[page.due_state]
    decision = page.decisions[0] if page.decisions else None
    view = {
        "service": definition.title.text(language),
        "stage": stage.title.text(language) if stage else case.stage,
        "due_label": label,
        "due_tag": tag,
        "channel": CHANNEL_LABELS.get(case.channel, case.channel),
        "flags": [FLAG_LABELS.get(flag, flag) for flag in page.flags],
        "manual_flags": [(code, FLAG_LABELS[code], code in page.flags) for code in MANUAL_FLAGS],
        "next_stages": [(s.id, s.title.text(language)) for s in definition.next_stages(case.stage)],
        "answers": answer_rows(definition, case.application, language)
        if page.sees("answers")
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
        view["decision"] = {
            "outcome": OUTCOME_LABELS.get(decision.outcome, decision.outcome),
            "reasons": [
                definition.decision_reason(reason).text.text(language)
                if definition.decision_reason(reason)
                else reason
                for reason in decision.reasons
            ],
            "explanation": decision.explanation,
            "override_reason": decision.override_reason,
            "by": str(decision.decided_by),
            "at": decision.decided_at,
        }
    if page.can_act:
        view["members"] = [
            (m.user_id, str(m.user))
            for m in organisations.team_members(team_ids=[case.team_id] if case.team_id else [])
        ]
        view["teams"] = [
            (team.pk, f"{team.name} ({team.organisation.name})")
            for team in organisations.teams_for_transfer(organisation_ids=context.organisation_ids)
            if team.pk != case.team_id
        ]
        view["organisations"] = [
            (o.pk, o.name)
            for o in organisations.organisations_for_referral(exclude_ids=context.organisation_ids)
        ]
    return view
