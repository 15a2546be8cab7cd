"""Bulk actions on the team queue, as the pages show them: what a member of staff chose
(the ticked cases and the action), the queue's action chooser, and the confirmation page's
list of what will change.

The views are in `views/bulk_actions.py`; the writes are the cases and messaging domains'
bulk services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.core.jinja import local_name, localised
from commonweal.messaging import selectors as messaging_selectors
from commonweal.organisations import selectors as organisations

from . import presenters

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case, QueueFilters
    from commonweal.messaging.selectors import SavedReply
    from commonweal.organisations.selectors import Membership, StaffContext

ACTIONS = ("assign", "move", "message")


@dataclass
class BulkChoice:
    """What the queue's form (or the confirmation page's) posted: the ticked cases, the
    action and its one choice. Anything unrecognised is left out, not an error."""

    case_ids: list[int] = field(default_factory=list)
    action: str = ""
    assignee: str = ""
    stage: str = ""
    reply: str = ""

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> BulkChoice:
        values = data.getlist("cases") if isinstance(data, QueryDict) else []
        action = str(data.get("action", ""))
        return cls(
            case_ids=sorted({int(v) for v in values if v.isdigit() and len(v) < 12}),
            action=action if action in ACTIONS else "",
            assignee=str(data.get("assignee", ""))[:12],
            stage=str(data.get("to_stage", ""))[:60],
            reply=str(data.get("reply", ""))[:12],
        )

    def errors(self) -> list[dict[str, str]]:
        """What is missing, as the error summary lists it (the queue shows it)."""
        errors = []
        if not self.case_ids:
            errors.append({"text": _("Select at least one case"), "href": "#cases"})
        elif len(self.case_ids) > cases_selectors.BULK_MAX_CASES:
            errors.append(
                {
                    "text": _("Select %(count)s cases or fewer")
                    % {"count": cases_selectors.BULK_MAX_CASES},
                    "href": "#cases",
                }
            )
        if not self.action:
            errors.append(
                {"text": _("Choose what to do with the selected cases"), "href": "#bulk-action"}
            )
        elif self.action == "assign" and not self.assignee.isdigit():
            errors.append({"text": _("Choose who to assign the cases to"), "href": "#assignee"})
        elif self.action == "move" and not self.stage:
            errors.append(
                {"text": _("Choose the stage to move the cases to"), "href": "#bulk-stage"}
            )
        elif self.action == "message" and not self.reply.isdigit():
            errors.append({"text": _("Choose the saved message to send"), "href": "#bulk-reply"})
        return errors

    def fields(self) -> list[tuple[str, str]]:
        """The choice as the confirmation form posts it again (hidden fields)."""
        chosen = {"assign": "assignee", "move": "to_stage", "message": "reply"}[self.action]
        value = {"assign": self.assignee, "move": self.stage, "message": self.reply}[self.action]
        return [("action", self.action), (chosen, value)]


def queue_query(params: QueryDict, case_ids: list[int] | None = None) -> str:
    """The queue's filters as a query string ("?..." or ""), with these cases ticked."""
    query = params.copy()
    query.pop("cases", None)
    if case_ids:
        query.setlist("cases", [str(pk) for pk in case_ids])
    return f"?{query.urlencode()}" if query else ""


def queue_url(params: QueryDict, case_ids: list[int] | None = None) -> str:
    """Back to the queue with its filters (and these cases ticked)."""
    return reverse("workspace:queue") + queue_query(params, case_ids)


def _services_shown(filters: QueueFilters) -> list[catalogue.PublishedService]:
    return [
        published
        for published in catalogue.published_services()
        if not filters.service or published.service.slug == filters.service
    ]


def chooser(
    *,
    params: QueryDict,
    filters: QueueFilters,
    members: list[Membership],
    stages: list[tuple[str, str]],
    values: QueryDict,
    errors: list[dict[str, str]],
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """The queue's bulk action chooser (`workspace/_bulk_actions.html`): where its form
    posts, which cases are ticked, the choices with the current ones selected, and each
    field's error. `values` is the posted form after a refusal, else the queue's query (the
    ticks a cancelled confirmation brings back)."""
    choice = BulkChoice.from_data(values)
    services = _services_shown(filters)
    names = {p.service.pk: capfirst(localised(p.definition.name, None)) for p in services}
    replies = messaging_selectors.saved_replies_for_services(service_ids=list(names))
    for error in errors:
        if error["href"] == "#cases" and rows:
            error["href"] = f"#case-{rows[0]['id']}"  # the first box to tick

    def items(pairs: list[tuple[str, str]], selected: str, empty: str) -> list[dict[str, Any]]:
        return [{"value": "", "text": empty}] + [
            {"value": value, "text": text, "selected": value == selected} for value, text in pairs
        ]

    return {
        "action_url": reverse("workspace:queue-confirm") + queue_query(params),
        "ticked": set(choice.case_ids),
        "action": choice.action,
        "assignees": items(
            [(str(m.user_id), f"{m.user} ({local_name(m.team)})") for m in members],
            choice.assignee,
            _("Choose someone"),
        ),
        "stages": items(stages, choice.stage, _("Choose a stage")),
        "replies": items(
            [
                (
                    str(reply.pk),
                    reply.title if len(names) < 2 else f"{reply.title} ({names[reply.service_id]})",
                )
                for reply in replies
            ],
            choice.reply,
            _("Choose a saved message"),
        ),
        "error": {error["href"].lstrip("#"): error["text"] for error in errors},
    }


@dataclass
class Preview:
    """The confirmation page: what the action changes on each case it changes, the cases
    it leaves as they are (with why), and how many ticked cases were refused (not found, not
    open, or not the member of staff's to change: never shown)."""

    choice: BulkChoice
    target: str
    changing: list[dict[str, Any]]
    staying: list[dict[str, Any]]
    refused: int
    reply: SavedReply | None = None

    @property
    def changing_ids(self) -> list[int]:
        return [row["id"] for row in self.changing]

    @property
    def shown_ids(self) -> list[int]:
        return sorted(row["id"] for row in self.changing + self.staying)


def _row(case: Case, **more: Any) -> dict[str, Any]:
    return {
        "id": case.pk,
        "reference": case.reference,
        "href": reverse("workspace:case", args=[case.reference]),
        "name": case.person.full_name or _("Name not given"),
        "person_id": case.person_id,
        **more,
    }


def preview(*, context: StaffContext, choice: BulkChoice) -> Preview | list[dict[str, str]]:
    """What the chosen action will change, case by case, or the errors that stop it (the
    queue shows them). A fixed number of queries, however many cases."""
    errors = choice.errors()
    if errors:
        return errors
    cases = cases_selectors.bulk_cases(context=context, case_ids=choice.case_ids)
    refused = len(choice.case_ids) - len(cases)
    if not cases:
        return [
            {
                "text": _(
                    "None of the selected cases can be changed: they are closed, "
                    "or not in your teams' queues"
                ),
                "href": "#cases",
            }
        ]
    if choice.action == "assign":
        return _assign_preview(choice, cases, refused)
    if choice.action == "move":
        return _move_preview(choice, cases, refused)
    return _message_preview(choice, cases, refused)


def _assign_preview(choice: BulkChoice, cases: list[Case], refused: int) -> Preview | list:
    members = organisations.team_members(team_ids={case.team_id for case in cases if case.team_id})
    assignee_id = int(choice.assignee)
    teams = {m.team_id for m in members if m.user_id == assignee_id}
    name = next((str(m.user) for m in members if m.user_id == assignee_id), None)
    if name is None:  # not in any of these cases' teams: nobody they may give them to
        return [{"text": _("Choose who to assign the cases to"), "href": "#assignee"}]
    changing, staying = [], []
    for case in cases:
        now = str(case.assigned_to) if case.assigned_to_id else _("Nobody")
        if case.assigned_to_id == assignee_id:
            staying.append(_row(case, now=now, why=_("Already assigned to them.")))
        elif case.team_id not in teams:
            staying.append(
                _row(case, now=now, why=_("They are not in the team that holds this case."))
            )
        else:
            changing.append(_row(case, now=now, after=name))
    return Preview(choice, name, changing, staying, refused)


def _move_preview(choice: BulkChoice, cases: list[Case], refused: int) -> Preview | list:
    changing, staying = [], []
    target = ""
    for case in cases:
        definition = catalogue.definition_for(case.version)
        current = definition.stage(case.stage)
        now = localised(current.title) if current else case.stage
        stage = definition.stage(choice.stage)
        target = target or (localised(stage.title) if stage else "")
        why = cases_selectors.stage_move_refusal(case, definition, choice.stage)
        if why is None:
            changing.append(_row(case, now=now, after=target))
        else:
            staying.append(_row(case, now=now, why=why))
    if not target:  # a stage none of these cases' services has
        return [{"text": _("Choose the stage to move the cases to"), "href": "#bulk-stage"}]
    return Preview(choice, target, changing, staying, refused)


def _message_preview(choice: BulkChoice, cases: list[Case], refused: int) -> Preview | list:
    reply = messaging_selectors.saved_reply(reply_id=int(choice.reply))
    if reply is None or reply.service_id not in {case.service_id for case in cases}:
        return [{"text": _("Choose the saved message to send"), "href": "#bulk-reply"}]
    changing, staying = [], []
    for case in cases:
        language = presenters.language_words(
            case.person.language, translation.get_language() or "en"
        ) or str(_("English"))
        if case.service_id == reply.service_id:
            changing.append(_row(case, now=language))
        else:
            staying.append(
                _row(case, now=language, why=_("This saved message is for another service."))
            )
    return Preview(choice, reply.title, changing, staying, refused, reply=reply)
