"""Reads of offers (an approval the person must accept before anything is paid), and an
offer in words: what is offered, the repayments, the answer. The person's page, the
notices and the workspace all word an offer here, so they say the same thing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commonweal.core.jinja import date_long, money

from ..models import Case, Decision, Offer

if TYPE_CHECKING:
    from commonweal.catalogue.selectors import ServiceDefinition

__all__ = [
    "OfferView",
    "live_payment_source_set",
    "offer_answer_sentence",
    "offer_draft",
    "offer_for_case",
    "offer_for_decision",
    "offer_in_force",
    "offer_placeholders",
    "offer_promise",
    "offer_sentences",
    "offer_view",
    "offer_withdrawn_for_correction",
    "pounds_text",
    "waiting_offer_accept_by",
    "what_happens_next",
]


def pounds_text(pence: int | None) -> str:
    """£812 or £7.81, as GOV.UK writes money."""
    return "" if pence is None else money(Decimal(pence) / 100)


def offer_for_case(*, case_id: int) -> Offer | None:
    """The case's latest offer (a case decided again after a reconsideration has several).
    With whether its decision was corrected since, for the words of a withdrawn one."""
    return (
        Offer.objects.filter(case_id=case_id)
        .select_related("decision__superseded_by")
        .order_by("-made_at", "-id")
        .first()
    )


def offer_in_force(*, case_id: int, outcome: str, amount_pence: int | None) -> Offer | None:
    """The offer that goes with the decision in force (`outcome`, `amount_pence`): the
    case's latest offer, while that decision is an approval of the amount it offered. An
    offer whose approval was corrected to a refusal, or to an amount already paid out
    otherwise, is history (the timeline and the download keep it), not an offer."""
    if outcome != Decision.Outcome.APPROVED:
        return None
    offer = offer_for_case(case_id=case_id)
    if offer is None or offer.amount_pence != amount_pence:
        return None
    return offer


class LivePaymentSource(Protocol):
    def __call__(self, *, case_id: int) -> str | None: ...


# The status of a case's live payment (awaiting, held, pending, batched, paid) or None: the
# payments app sets it in its ready() (payments read cases, so cases do not import payments).
_live_payment_source: LivePaymentSource | None = None


def live_payment_source_set(source: LivePaymentSource) -> None:
    """`source(case_id=)` gives the status of the case's live payment, or None."""
    global _live_payment_source
    _live_payment_source = source


def _live_payment(case_id: int) -> str | None:
    return _live_payment_source(case_id=case_id) if _live_payment_source else None


def offer_draft(*, case: Case, decision: Decision, definition: ServiceDefinition) -> Offer | None:
    """The offer recording `decision` (saved or not) makes, unsaved: for `offer_make` to
    save, and for the caseworker's preview. None when it makes none: the service's
    approvals are not offers; the decision is not an approval; a loan without an amount;
    or the decision replaces one whose accepted offer stands: its payment is still live
    and for this very amount (nothing to answer again), or its money has gone to the bank
    (it cannot be offered again; the team puts it right by hand). An accepted offer whose
    payment was cancelled (a refusal in between, a team's cancel) is asked again."""
    terms = definition.offer
    if terms is None or decision.outcome != Decision.Outcome.APPROVED:
        return None
    amount = decision.amount_pence
    if terms.loan is not None and not amount:
        return None
    if decision.supersedes_id or decision.reconsiders_id:
        latest = Offer.objects.filter(case_id=case.pk).order_by("-made_at", "-id").first()
        if latest is not None and latest.status == Offer.Status.ACCEPTED:
            payment = _live_payment(case.pk)
            sent = payment in ("batched", "paid")
            if sent or (payment is not None and latest.amount_pence == (amount or None)):
                return None
    # A loan has an amount here (one without was refused above).
    plan = terms.loan.plan(amount) if terms.loan is not None and amount else None
    now = timezone.now()
    return Offer(
        case=case,
        decision=decision if decision.pk else None,
        amount_pence=amount or None,
        repay_every=plan.every if plan else "",
        repayment_count=plan.count if plan else None,
        repayment_pence=plan.repayment_pence if plan else None,
        final_repayment_pence=plan.final_pence if plan else None,
        made_at=now,
        accept_by=timezone.localdate(now) + datetime.timedelta(days=terms.accept_within_days),
    )


def offer_withdrawn_for_correction(offer: Offer) -> bool:
    """Whether a withdrawn offer gave way to a correction of its decision (otherwise the
    person asked for the decision to be looked at again)."""
    if offer.status != Offer.Status.WITHDRAWN:
        return False
    try:
        offer.decision.superseded_by  # noqa: B018 (the reverse link, loaded or read)
    except Decision.superseded_by.RelatedObjectDoesNotExist:
        return False
    return True


def waiting_offer_accept_by(case_path: str = "pk") -> Subquery:
    """An expression for annotating a query: the last day to answer the offer waiting on
    the case (at `case_path` from the query's model), or None."""
    return Subquery(
        Offer.objects.filter(case_id=OuterRef(case_path), status=Offer.Status.WAITING).values(
            "accept_by"
        )[:1]
    )


def offer_for_decision(*, decision_id: int) -> Offer | None:
    return Offer.objects.filter(decision_id=decision_id).first()


def _repayments_sentence(offer: Offer) -> str:
    count = offer.repayment_count or 0
    values = {
        "repayment": pounds_text(offer.repayment_pence),
        "final": pounds_text(offer.final_repayment_pence),
        "count": count,
        "before": count - 1,
        "amount": pounds_text(offer.amount_pence),
    }
    if count <= 1:
        return _("You will repay %(amount)s in one repayment.") % values
    weekly = offer.repay_every == "week"
    if offer.final_repayment_pence == offer.repayment_pence:
        if weekly:
            text = ngettext(
                "You will repay %(repayment)s a week for %(count)s week.",
                "You will repay %(repayment)s a week for %(count)s weeks.",
                count,
            )
        else:
            text = ngettext(
                "You will repay %(repayment)s a month for %(count)s month.",
                "You will repay %(repayment)s a month for %(count)s months.",
                count,
            )
    elif weekly:
        text = ngettext(
            "You will repay %(repayment)s a week for %(before)s week, then %(final)s in the "
            "last week.",
            "You will repay %(repayment)s a week for %(before)s weeks, then %(final)s in the "
            "last week.",
            count - 1,
        )
    else:
        text = ngettext(
            "You will repay %(repayment)s a month for %(before)s month, then %(final)s in "
            "the last month.",
            "You will repay %(repayment)s a month for %(before)s months, then %(final)s in "
            "the last month.",
            count - 1,
        )
    return text % values


def offer_sentences(offer: Offer) -> list[str]:
    """What is offered, in the active language: the amount and, for a loan, the repayments
    ("We can lend you £812. You will repay £7.81 a week for 103 weeks, then £7.57 in the
    last week. In all you will repay £812.")."""
    amount = pounds_text(offer.amount_pence)
    if offer.repayment_count:
        return [
            _("We can lend you %(amount)s.") % {"amount": amount},
            _repayments_sentence(offer),
            _("In all you will repay %(amount)s.") % {"amount": amount},
        ]
    if offer.amount_pence:
        return [_("We can pay you %(amount)s.") % {"amount": amount}]
    return []


def offer_answer_sentence(offer: Offer) -> str:
    """What became of the offer, in the active language ("" while it waits)."""
    when = date_long(offer.answered_at) if offer.answered_at else ""
    hows: dict[str, str] = {
        Offer.How.PHONE: _("by phone"),
        Offer.How.IN_PERSON: _("in person"),
        Offer.How.LETTER: _("by letter"),
    }
    how = hows.get(offer.how, "")
    if offer.status == Offer.Status.ACCEPTED:
        if how:
            return _("The offer was accepted %(how)s on %(date)s.") % {"how": how, "date": when}
        return _("The offer was accepted on %(date)s.") % {"date": when}
    if offer.status == Offer.Status.DECLINED:
        if how:
            return _("The offer was declined %(how)s on %(date)s.") % {"how": how, "date": when}
        return _("The offer was declined on %(date)s.") % {"date": when}
    if offer.status == Offer.Status.EXPIRED:
        return _("The offer ended on %(date)s because it was not accepted by %(last)s.") % {
            "date": when,
            "last": date_long(offer.accept_by),
        }
    if offer.status == Offer.Status.WITHDRAWN:
        if offer_withdrawn_for_correction(offer):
            return _("The offer was withdrawn on %(date)s because we corrected our decision.") % {
                "date": when
            }
        return _(
            "The offer was withdrawn on %(date)s because we are looking at the decision again."
        ) % {"date": when}
    return ""


def offer_placeholders(offer: Offer) -> dict[str, Any]:
    """A notice's placeholders about the offer, in the active language."""
    return {
        "offer": " ".join(offer_sentences(offer)),
        "accept_by": date_long(offer.accept_by),
        "answer": offer_answer_sentence(offer),
    }


@dataclass(frozen=True)
class OfferView:
    """An offer as a page shows it, in the page's language."""

    offer: Offer
    status: str
    sentences: list[str]
    terms: str
    if_declined: str
    accept_by: datetime.date
    # Waiting, and its last day has not passed: it can be accepted or declined now.
    answerable: bool
    answer: str

    @property
    def amount(self) -> str:
        return pounds_text(self.offer.amount_pence)


def offer_view(
    *, offer: Offer | None, definition: ServiceDefinition, language: str
) -> OfferView | None:
    if offer is None:
        return None
    terms = definition.offer
    waiting = offer.status == Offer.Status.WAITING
    return OfferView(
        offer=offer,
        status=offer.status,
        sentences=offer_sentences(offer),
        terms=terms.terms.text(language) if terms else "",
        if_declined=terms.if_declined.text(language) if terms else "",
        accept_by=offer.accept_by,
        answerable=waiting and timezone.localdate() <= offer.accept_by,
        answer=offer_answer_sentence(offer),
    )


def offer_promise(definition: ServiceDefinition) -> str:
    """What the person is told before a decision about a service whose approvals are
    offers, in the active language (the confirmation page and email say it)."""
    assert definition.offer is not None  # asked only when approvals are offers  # nosec B101
    return _(
        "If we approve your application, we will make you an offer. You will have %(days)s "
        "days to accept or decline it, in your account or by phone. We pay nothing until "
        "you accept."
    ) % {"days": definition.offer.accept_within_days}


def what_happens_next(*, definition: ServiceDefinition, language: str) -> str:
    """What the confirmation email says happens next, in `language`: the service's own
    words and, when its approvals are offers, the promise about the offer."""
    text = definition.what_happens_next.text(language)
    if definition.offer is not None:
        with translation.override(language):
            text += "\n\n" + offer_promise(definition)
    return text
