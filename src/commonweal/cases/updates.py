"""Updates the person is sent about their case beyond the receipt and the decision: asking
them for more information (the clock stops until they respond) and telling them of a delay
(a new expected date, at most once a week). Part of the cases services' interface
(re-exported by `services`)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commonweal.catalogue import selectors as catalogue
from commonweal.core.events import publish
from commonweal.core.working_days import add_working_days

from .events import ManyToBeTold
from .models import Case, CaseEvent, InformationRequest, Task

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.people.selectors import Person

# How many things one request may ask for, and how long each may be.
MAX_ITEMS = 10
MAX_ITEM_LENGTH = 500
# At most one delay notice a week per case.
DELAY_NOTICE_GAP = datetime.timedelta(days=7)
# A case found past its date with no new date set: the date we now give the person.
DELAY_WORKING_DAYS = 10
# A new expected date a member of staff sets: not past this far ahead.
MAX_EXPECTED_DAYS = 366
# The same request from the same person this soon after is a double click.
REPEAT_WINDOW = datetime.timedelta(seconds=30)


def _refused(message: str, field: str | None = None) -> Exception:
    from .services import CaseActionRefused

    return CaseActionRefused(message, field=field)


def information_items_checked(items: list[dict[str, str]]) -> list[dict[str, str]]:
    """The items of a request, trimmed, the blank ones left out; refused when nothing is
    asked, an item's kind is unknown, or there are too many or too long."""
    checked = []
    for item in items:
        text = (item.get("text") or "").strip()
        if not text:
            continue
        if item.get("kind") not in InformationRequest.ITEM_KINDS:
            raise _refused(
                _("Select whether each thing you ask for is a document or a question"),
                field="items",
            )
        if len(text) > MAX_ITEM_LENGTH:
            raise _refused(
                _("Each thing you ask for must be %(count)s characters or fewer")
                % {"count": MAX_ITEM_LENGTH},
                field="items",
            )
        checked.append({"kind": item["kind"], "text": text})
    if not checked:
        raise _refused(
            _("Enter at least one document or question you need from the person"), field="items"
        )
    if len(checked) > MAX_ITEMS:
        raise _refused(
            _("Ask for %(count)s things or fewer at once") % {"count": MAX_ITEMS}, field="items"
        )
    return checked


def information_needed_text(items: list[dict[str, str]], reason: str, language: str) -> str:
    """What we ask for, as lines for the notice, in the person's language."""
    with translation.override(language):
        lines = [
            "* "
            + (_("Send us: %(what)s") if item["kind"] == "document" else _("Tell us: %(what)s"))
            % {"what": item["text"]}
            for item in items
        ]
        if reason:
            lines.append("")
            lines.append(_("Why we need it: %(reason)s") % {"reason": reason})
    return "\n".join(lines)


def case_information_request(
    *,
    case_id: int,
    items: list[dict[str, str]],
    reason: str,
    by: User,
    revision: int | None,
) -> InformationRequest:
    """Ask the person for specific documents or answers. The clock stops (the case moves to
    the service's stage that waits for the person, if it has one), the request is on the
    timeline, and the person is told by their channels what we need. Refused when nothing is
    asked, the case is closed, or a request already waits; the same request again moments
    later (a double click) is the first one."""
    from . import services

    checked = information_items_checked(items)
    reason = (reason or "").strip()[:2000]
    with transaction.atomic():
        case = services._locked(case_id, None)
        waiting = InformationRequest.objects.filter(
            case=case, status=InformationRequest.Status.WAITING
        ).first()
        if (
            waiting is not None
            and waiting.asked_by_id == by.pk
            and waiting.items == checked
            and waiting.asked_at >= timezone.now() - REPEAT_WINDOW
        ):
            return waiting
        if revision is not None and case.revision != revision:
            raise services.StaleCase()
        services._require_open(case)
        if waiting is not None:
            raise _refused(
                _("We are already waiting for the person to answer a request on this case."),
                field="items",
            )
        request = InformationRequest.objects.create(
            case=case, items=checked, reason=reason, asked_by=by, asked_at=timezone.now()
        )
        _clock_stop_for_request(case, by, request)
        services.case_event_record(
            case=case,
            kind=CaseEvent.Kind.INFORMATION_REQUESTED,
            by=by,
            visible_to_person=True,
            data={"request": request.pk, "items": checked, "reason": reason},
        )
        services._tell_person(
            case,
            catalogue.definition_for(case.version),
            by,
            notice="more_information_needed",
            extra_for=lambda language: {
                "what_we_need": information_needed_text(checked, reason, language)
            },
        )
    return request


def _clock_stop_for_request(case: Case, by: User, request: InformationRequest) -> None:
    """The case waits for the person: at the service's waiting stage if it has one (which
    stops the clock), else where it is with the clock stopped."""
    from . import services

    definition = catalogue.definition_for(case.version)
    waiting_stage = next(
        (s for s in definition.stages if s.waiting_for_person and not s.final), None
    )
    if waiting_stage is not None and case.stage != waiting_stage.id:
        services._set_stage(
            case, definition, waiting_stage.id, by, data={"request": request.pk}, tell=False
        )
    elif case.clock_stopped_on is None:
        services._stop_clock(case, by, timezone.localdate())
    services._save(case, "stage", "due_date", "clock_stopped_on")


def case_information_answer(
    *,
    case_id: int,
    request_id: int,
    answers: list[dict[str, Any]],
    by: User,
    on_behalf_of: Person | None = None,
) -> InformationRequest:
    """The person's response to a request: every item answered (a question's text, a
    document's stored upload). The clock starts again (the due date moves on by the working
    days waited), the case goes back to the stage it came from, and whoever has the case
    (or, with nobody, the team) gets a task to look at it. Called by intake, which stores
    the files first, in this same transaction."""
    from . import services

    with transaction.atomic():
        case = services._locked(case_id, None)
        request = InformationRequest.objects.filter(pk=request_id, case=case).first()
        if request is None:
            raise _refused(_("This request is not on this case."))
        if request.status != InformationRequest.Status.WAITING:
            if request.answered_by_id == by.pk:
                return request  # a double click: the first one answered it
            raise _refused(_("This request has already been answered."))
        services._require_open(case)
        _answers_checked(request.items, answers)
        request.answers = answers
        request.status = InformationRequest.Status.ANSWERED
        request.answered_at = timezone.now()
        request.answered_by = by
        request.on_behalf_of = on_behalf_of
        request.save(
            update_fields=["answers", "status", "answered_at", "answered_by", "on_behalf_of"]
        )
        if case.clock_stopped_on is not None:
            services.clock_restart_on_reply(case, by, data={"request": request.pk})
            services._save(case, "stage", "due_date", "clock_stopped_on")
        services.case_event_record(
            case=case,
            kind=CaseEvent.Kind.INFORMATION_RECEIVED,
            by=by,
            on_behalf_of=on_behalf_of,
            visible_to_person=True,
            data={"request": request.pk},
        )
        _task_to_look(case, request)
    return request


def _answers_checked(items: list[dict[str, str]], answers: list[dict[str, Any]]) -> None:
    if len(answers) != len(items):
        raise _refused(_("Answer every question and send every document asked for."))
    for item, answer in zip(items, answers, strict=True):
        given = answer.get("upload") if item["kind"] == "document" else answer.get("text")
        if not (str(given or "").strip()):
            raise _refused(_("Answer every question and send every document asked for."))


def _task_to_look(case: Case, request: InformationRequest) -> None:
    from . import services

    due = add_working_days(timezone.localdate(), 1)
    task = Task.objects.create(
        case=case,
        # In English, as the platform's other tasks are (whatever language the person used).
        title="Look at the information the person sent",
        due_date=due,
        assigned_to_id=case.assigned_to_id,
        created_at=timezone.now(),
    )
    services.case_event_record(
        case=case,
        kind=CaseEvent.Kind.TASK_ADDED,
        visible_to_person=False,
        data={"task": task.pk, "title": task.title, "due": due.isoformat()},
    )


# Delays


def _delay_reason_default(language: str) -> str:
    with translation.override(language):
        return _(
            "We have not been able to finish looking at your application by the date we gave you."
        )


def _delay_extra(date: datetime.date, reason: str | None) -> Any:
    from commonweal.core.jinja import date_long

    def extra(language: str) -> dict[str, str]:
        with translation.override(language):
            return {
                "due_date": date_long(date),
                "reason": reason or _delay_reason_default(language),
            }

    return extra


def _delay_extra_many(date: datetime.date) -> Any:
    words_for = _delay_extra(date, None)
    return lambda case, language: words_for(language)


def case_expected_date_set(
    *, case_id: int, on: datetime.date, reason: str, by: User, revision: int | None
) -> bool:
    """A member of staff gives a new date the person can expect a decision by, and why, in
    plain words. The person is told, unless they were told of a delay in the last 7 days:
    then the date is recorded and shown but no second notice goes. Returns whether they
    were told."""
    from . import services

    reason = (reason or "").strip()
    if not reason:
        raise _refused(_("Enter why the decision will take longer"), field="reason")
    if len(reason) > 500:
        raise _refused(_("The reason must be 500 characters or fewer"), field="reason")
    today = timezone.localdate()
    if on <= today:
        raise _refused(_("The new expected date must be in the future"), field="date")
    if on > today + datetime.timedelta(days=MAX_EXPECTED_DAYS):
        raise _refused(_("The new expected date must be within a year"), field="date")
    with transaction.atomic():
        case = services._locked(case_id, revision)
        services._require_open(case)
        now = timezone.now()
        tell = case.delay_told_at is None or case.delay_told_at < now - DELAY_NOTICE_GAP
        case.expected_on = on
        fields = ["expected_on"]
        if tell:
            case.delay_told_at = now
            fields.append("delay_told_at")
        services._save(case, *fields)
        services.case_event_record(
            case=case,
            kind=CaseEvent.Kind.EXPECTED_DATE_SET,
            by=by,
            visible_to_person=True,
            data={"date": on.isoformat(), "reason": reason, "told": tell},
        )
        if tell:
            services._tell_person(
                case,
                catalogue.definition_for(case.version),
                by,
                notice="delay",
                extra_for=_delay_extra(on, reason),
            )
    return tell


def _overdue_q(today: datetime.date, now: datetime.datetime) -> Q:
    """Open cases with the clock running, past the date the person was last given, and
    not told of a delay in the last 7 days."""
    return Q(
        closed_at__isnull=True,
        clock_stopped_on__isnull=True,
        last_date__lt=today,
    ) & (Q(delay_told_at__isnull=True) | Q(delay_told_at__lt=now - DELAY_NOTICE_GAP))


def delays_tell(*, today: datetime.date | None = None, limit: int = 500) -> int:
    """For the worker: every open case past the date the person was given (the due date, or
    a later one we told them) and not told of a delay in the last 7 days gets a new
    expected date 10 working days on, a timeline entry and the `delay` notice. In batches
    of `limit`, each one transaction and a few statements; returns how many were told."""
    from . import services

    today = today or timezone.localdate()
    told = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            # The later of the due date and the date we last gave them (the due date moves
            # on after a pause, past an expected date set before it).
            overdue = Case.objects.annotate(
                last_date=Greatest(Coalesce("expected_on", "due_date"), "due_date")
            ).filter(_overdue_q(today, now))
            ids = list(
                overdue.select_for_update(skip_locked=True)
                .order_by("due_date", "id")
                .values_list("pk", flat=True)[:limit]
            )
            if not ids:
                return told
            new_date = add_working_days(today, DELAY_WORKING_DAYS)
            Case.objects.filter(pk__in=ids).update(
                expected_on=new_date, delay_told_at=now, revision=F("revision") + 1
            )
            services.case_events_record_many(
                kind=CaseEvent.Kind.EXPECTED_DATE_SET,
                visible_to_person=True,
                items=[(pk, {"date": new_date.isoformat(), "told": True}) for pk in ids],
            )
            cases = list(
                Case.objects.filter(pk__in=ids).select_related(
                    "person", "application", "version", "service"
                )
            )
            publish(
                ManyToBeTold(cases=cases, notice="delay", extra_for=_delay_extra_many(new_date))
            )
            told += len(ids)
        if len(ids) < limit:
            return told
