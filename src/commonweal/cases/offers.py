"""Offers: an approval the person must accept before anything is paid (a loan).

A service whose definition has `offer` makes one with every approval, in the decision's
transaction: the amount, and for a loan the repayments its terms work out (a correction or
a second look that keeps the amount of an offer the person accepted while its payment is
live, or comes after its money went to the bank, makes none: the accepted offer stands).
The person
accepts or declines it in their account (or someone acting for them does), or staff record
the answer they gave by phone, in person or by letter. An offer not answered by its last
day ends when the worker's housekeeping next runs; one still waiting when the person asks
for the decision to be looked at again, or when a team leader corrects the decision, is
withdrawn (a corrected approval makes its own offer). Each change is one transaction with
its case event, its webhook event and, for an answer or an ending, a notice to the person;
what follows in other apps (the payment waits, is released or cancelled) is done by the
listeners they add with `offer_listener_add`.

These functions are part of `cases.services` (other apps call them from there)."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.core.events import publish
from commonweal.core.jinja import date_long

from . import selectors
from .events import OfferChanged
from .models import Case, CaseEvent, Decision, Offer

logger = logging.getLogger("commonweal.cases")

MAX_WORDS = 5000

# What follows an offer's answer or ending in other apps (the payment released or
# cancelled) subscribe to `events.OfferChanged`, published inside the offer's transaction.


def decision_amount_pence(*, decision: Decision) -> int | None:
    """What an approval gives, in pence: the amount recorded on the decision (None when the
    service's decisions carry no amount). The one place offers read the amount."""
    return decision.amount_pence


def offer_make(*, case: Case, decision: Decision, definition, by) -> Offer | None:
    """Inside `case_decide`'s transaction: the offer for an approval of a service whose
    approvals are offers (see `selectors.offer_draft` for when there is none: a loan
    needs an amount to work the repayments out from, and an offer the person already
    accepted for this amount, or whose money has gone, stands)."""
    offer = selectors.offer_draft(case=case, decision=decision, definition=definition)
    if offer is None:
        if (
            definition.offer is not None
            and definition.offer.loan is not None
            and decision.outcome == Decision.Outcome.APPROVED
            and not decision.amount_pence
        ):
            logger.warning("Case %s approved without an amount: no loan offer made", case.reference)
        return None
    # An offer still waiting from an earlier decision gives way to this one.
    _end_waiting(case, by, Offer.Status.WITHDRAWN, decision=decision)
    offer.save()
    data = _event_data(offer)
    _record(case, CaseEvent.Kind.OFFER_MADE, by, data)
    _publish(case, "offer.made", data)
    return offer


def _event_data(offer: Offer) -> dict:
    data = {"offer": offer.pk, "accept_by": offer.accept_by.isoformat()}
    if offer.amount_pence:
        data["amount_pence"] = offer.amount_pence
        data["amount"] = selectors.pounds_text(offer.amount_pence)
    if offer.repayment_count:
        data["repayments"] = {
            "every": offer.repay_every,
            "count": offer.repayment_count,
            "amount_pence": offer.repayment_pence,
            "last_pence": offer.final_repayment_pence,
        }
    return data


def _record(case, kind, by, data, on_behalf_of=None) -> CaseEvent:
    from . import services

    return services.case_event_record(
        case=case,
        kind=kind,
        by=by,
        on_behalf_of=on_behalf_of,
        visible_to_person=True,
        data=data,
    )


def _publish(case, event_type: str, data: dict) -> None:
    from . import services

    services.case_publish(case=case, event_type=event_type, data=data)


def offer_notice_data(offer: Offer):
    """The notice's placeholders about the offer, for `_tell_person` to fill in the
    person's language."""

    def extra(_language: str) -> dict:
        return selectors.offer_placeholders(offer)

    return extra


def _tell(case, offer, by, notice: str) -> None:
    from . import services

    services._tell_person(case, None, by, notice=notice, extra_for=offer_notice_data(offer))


def _refusal(offer: Offer | None) -> str | None:
    """Why this offer cannot be answered now, or None when it can."""
    if offer is None:
        return _("There is no offer on this application to answer.")
    if offer.status == Offer.Status.WAITING and timezone.localdate() > offer.accept_by:
        return _("The offer ended on %(date)s: it can no longer be accepted.") % {
            "date": date_long(offer.accept_by)
        }
    if offer.status != Offer.Status.WAITING:
        return selectors.offer_answer_sentence(offer) + " " + _("It cannot be answered again.")
    return None


def offer_answer(
    *,
    case_id: int,
    accept: bool,
    by,
    on_behalf_of=None,
    how: str = Offer.How.ONLINE,
    told_by: str = "",
    words: str = "",
) -> Offer:
    """The person accepts or declines the case's offer: online (`by` is the account that
    answered, `on_behalf_of` the person when someone acts for them), or recorded by staff
    (`by` the member of staff, `how` phone, in person or letter, `told_by` who gave the
    answer, `words` what they said, optional). Answered once: a second answer, even the
    same one a moment later, is refused and nothing is written. Accepting releases the
    payment; declining cancels it and closes the offer (the listeners)."""
    from . import services

    told_by = (told_by or "").strip()
    words = (words or "").strip()
    if how not in Offer.How.values:
        raise services.CaseActionRefused(_("Choose how the person gave their answer."), field="how")
    if how != Offer.How.ONLINE and not told_by:
        raise services.CaseActionRefused(
            _("Say who gave the answer: the person, or who is acting for them."),
            field="told_by",
        )
    if len(told_by) > 200:
        raise services.CaseActionRefused(
            _("Who gave the answer must be 200 characters or fewer."), field="told_by"
        )
    if len(words) > MAX_WORDS:
        raise services.CaseActionRefused(
            _("What they said must be 5,000 characters or fewer."), field="words"
        )
    with transaction.atomic():
        case = services._locked(case_id, None)
        offer = (
            Offer.objects.select_for_update()
            .filter(case_id=case.pk)
            .order_by("-made_at", "-id")
            .first()
        )
        refusal = _refusal(offer)
        if refusal is not None:
            raise services.CaseActionRefused(refusal, field="answer")
        offer.status = Offer.Status.ACCEPTED if accept else Offer.Status.DECLINED
        offer.answered_at = timezone.now()
        offer.answered_by = by
        offer.on_behalf_of = on_behalf_of
        offer.how = how
        offer.told_by = told_by
        offer.words = words
        offer.save(
            update_fields=[
                "status",
                "answered_at",
                "answered_by",
                "on_behalf_of",
                "how",
                "told_by",
                "words",
            ]
        )
        data = {**_event_data(offer), "how": how}
        if told_by:
            data["told_by"] = told_by
        if words:
            data["words"] = words
        kind = CaseEvent.Kind.OFFER_ACCEPTED if accept else CaseEvent.Kind.OFFER_DECLINED
        _record(case, kind, by, data, on_behalf_of=on_behalf_of)
        # Subscribed systems get what happened, not who said what (no personal data).
        _publish(
            case,
            "offer.accepted" if accept else "offer.declined",
            {key: value for key, value in data.items() if key not in ("words", "told_by")},
        )
        publish(OfferChanged(offer=offer, case=case, by=by))
        _tell(case, offer, by, "offer_accepted" if accept else "offer_declined")
    return offer


def _end_waiting(case: Case, by, status: str, *, decision=None) -> Offer | None:
    """Inside a transaction holding the case: end the case's waiting offer (withdrawn, or
    ended unanswered), with its event and the listeners. None when nothing was waiting."""
    offer = Offer.objects.select_for_update().filter(case_id=case.pk, status="waiting").first()
    if offer is None:
        return None
    offer.status = status
    offer.answered_at = timezone.now()
    offer.save(update_fields=["status", "answered_at"])
    data = _event_data(offer)
    if decision is not None:
        data["replaced_by_decision"] = decision.pk
        if decision.supersedes_id:
            data["corrected"] = True
    expired = status == Offer.Status.EXPIRED
    kind = CaseEvent.Kind.OFFER_EXPIRED if expired else CaseEvent.Kind.OFFER_WITHDRAWN
    _record(case, kind, by, data)
    _publish(case, "offer.expired" if expired else "offer.withdrawn", data)
    publish(OfferChanged(offer=offer, case=case, by=by))
    return offer


def offer_withdraw_waiting(*, case: Case, by, decision: Decision | None = None) -> Offer | None:
    """Inside the transaction of a reconsideration request (the offer still waiting is
    withdrawn, its payment cancelled, until the case is decided again) or of a correction
    (`decision`, the correction: the offer of the decision it replaces gives way)."""
    return _end_waiting(case, by, Offer.Status.WITHDRAWN, decision=decision)


def offers_expire(*, today: datetime.date | None = None, limit: int = 500) -> int:
    """For the worker's housekeeping: every offer still waiting after its last day ends
    unanswered; its payment is cancelled and the person is told. Each in its own
    transaction, so two workers never end one twice. Returns how many ended."""
    from . import services

    today = today or timezone.localdate()
    due = list(
        Offer.objects.filter(status=Offer.Status.WAITING, accept_by__lt=today)
        .order_by("accept_by", "id")
        .values_list("case_id", flat=True)[:limit]
    )
    ended = 0
    for case_id in due:
        with transaction.atomic():
            case = services._locked(case_id, None)
            offer = _end_waiting(case, None, Offer.Status.EXPIRED)
            if offer is None or offer.accept_by >= today:
                # Answered (or replaced) since the list was read: leave it.
                transaction.set_rollback(True)
                continue
            _tell(case, offer, None, "offer_expired")
            ended += 1
    return ended


def offers_erase(case_ids: list[int]) -> int:
    """For the retention job, inside its transaction: delete these cases' offers."""
    queryset = Offer.objects.filter(case_id__in=case_ids)
    return queryset._raw_delete(queryset.db)
