"""How a case moves: its stages, the reasons and amounts of decisions, where a person can
go after a second look, per-check limits, and offers (loans) the person accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from .questions import Identifier, Strict, Text


class Stage(Strict):
    id: Identifier
    title: Text
    # What happens next, told to the person while their case is at this stage.
    description: Text
    # The time limit's clock stops while the case waits for the person.
    waiting_for_person: bool = False
    final: bool = False
    # Moving a case here tells the person (the `stage_changed` notice), unless they chose
    # not to hear about stage changes. Not for a final stage: its decision tells them.
    tell_person: bool = False
    # A reopened case ("look at the decision again") starts here; at most one stage has it.
    review: bool = False
    # The stages a case may move to from here; left out, any stage that is not final.
    # Final stages are reached only by a decision.
    next: list[Identifier] | None = None
    # For a final stage: the decisions that end there; left out, any decision.
    outcomes: list[Literal["approved", "refused", "withdrawn"]] | None = None


class DecisionReason(Strict):
    """A reason staff can give for a decision, worded for the person who reads it. It
    belongs to one outcome: a decision may only give the reasons of its own outcome."""

    id: Identifier
    outcome: Literal["approved", "refused", "withdrawn"]
    text: Text


class DecisionAmount(Strict):
    """An approval of this service gives the person an amount of money. The caseworker
    confirms it on the decision, starting from the rules' entitlement; the person reads it
    with what they asked for, and the payment is made for it."""

    # The money question whose answer is what the person asked for.
    asked_for: Identifier | None = None
    # What the amount is called on the person's decision; left out, "What you will get".
    label: Text | None = None


class IndependentReview(Strict):
    """Where the person can go when they still think a decision is wrong after we looked
    at it again: a tribunal, an ombudsman or another body independent of the service."""

    name: Text
    # What they can ask it to do, and by when.
    text: Text
    url: Annotated[str, Field(pattern=r"^https://")]


class CheckSettings(Strict):
    """A service's own limits for a velocity check, instead of the site's settings."""

    limit: Annotated[int, Field(ge=2, le=10_000)] | None = None
    window_hours: Annotated[int, Field(ge=1, le=24 * 366)] | None = None
    window_days: Annotated[int, Field(ge=1, le=366)] | None = None


@dataclass(frozen=True)
class RepaymentPlan:
    """How a loan of `amount_pence` is paid back: `count` repayments every `every` (week or
    month) of `repayment_pence`, the last one `final_pence` (what is left, never more)."""

    every: str
    count: int
    repayment_pence: int
    final_pence: int
    amount_pence: int


class LoanTerms(Strict):
    """An offer of a loan, paid back in equal repayments (interest-free: the person pays
    back what they borrow). The repayment is the amount shared over `most_repayments`, but
    at least `smallest_repayment` (the last one is what is left), so a small loan is paid
    back sooner."""

    repay_every: Literal["week", "month"]
    # The loan is paid back within this many repayments (104 weeks is two years).
    most_repayments: Annotated[int, Field(ge=1, le=520)]
    # In pence.
    smallest_repayment: Annotated[int, Field(ge=1, le=10_000_000)] = 100

    def plan(self, amount_pence: int) -> RepaymentPlan:
        """The repayments for this amount: whole pence, rounded up, the last one smaller."""
        count = max(1, min(self.most_repayments, amount_pence // self.smallest_repayment))
        repayment = -(-amount_pence // count)
        count = -(-amount_pence // repayment)
        final = amount_pence - repayment * (count - 1)
        return RepaymentPlan(self.repay_every, count, repayment, final, amount_pence)


class OfferTerms(Strict):
    """An approval is an offer the person accepts or declines: nothing is paid until they
    accept. `terms` is what they agree to, `if_declined` what declining means; the offer
    ends unanswered after `accept_within_days`."""

    accept_within_days: Annotated[int, Field(ge=1, le=365)] = 28
    terms: Text
    if_declined: Text
    loan: LoanTerms | None = None
