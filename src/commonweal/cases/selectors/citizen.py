"""Reads of cases for the person and whoever acts for them: the timeline, the status check,
the decision, and their download. (The secure messages thread is messaging's.)"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Case, CaseEvent, Decision, Offer
from ..registry import CASE_EXPORT_PARTS

if TYPE_CHECKING:
    from commonweal.accounts.selectors import User
    from commonweal.catalogue.selectors import ServiceDefinition
    from commonweal.people.selectors import Person


@dataclass(frozen=True)
class TimelineEntry:
    title: str
    when: datetime.datetime
    description: str


# Who is reading a timeline changes how its entries are worded.
VIEWER_PERSON = "person"  # the person the case is about
VIEWER_REPRESENTATIVE = "representative"  # someone who applied or acts for them
VIEWER_UNKNOWN = "unknown"  # the status check without signing in


def _outcome_sentence(outcome: str, viewer: str) -> str:
    sentences: dict[str, str]
    if viewer == VIEWER_PERSON:
        sentences = {
            Decision.Outcome.APPROVED: _("Your application was approved."),
            Decision.Outcome.REFUSED: _("Your application was not successful."),
            Decision.Outcome.WITHDRAWN: _("Your application was withdrawn."),
        }
    else:
        sentences = {
            Decision.Outcome.APPROVED: _("The application was approved."),
            Decision.Outcome.REFUSED: _("The application was not successful."),
            Decision.Outcome.WITHDRAWN: _("The application was withdrawn."),
        }
    return sentences.get(outcome, _("We have made a decision."))


def _notice_title(notice: str) -> str:
    """What a message on the timeline was about, from the notice it carried."""
    titles = {
        "application_received": _("We confirmed we have your application"),
        "decision_made": _("We told you about our decision"),
        "decision_corrected": _("We told you we corrected our decision"),
        "reconsideration_decided": _("We told you what we found when we looked again"),
        "consent_asked": _("We asked if we may share your details"),
        "offer_made": _("We told you about our offer"),
        "offer_accepted": _("We confirmed you accepted our offer"),
        "offer_declined": _("We confirmed you declined our offer"),
        "offer_expired": _("We told you our offer has ended"),
        "contact_details_changed": _("We told you your contact details changed"),
        "data_request_outcome": _("We answered what you asked us to correct"),
        "new_secure_message": _("We told you about a new message"),
        "more_information_needed": _("We asked you for more information"),
        "delay": _("We told you about a delay"),
        "stage_changed": _("We told you your application moved on"),
        "appointment": _("We told you about an appointment"),
        "service_update": _("We sent you an update"),
    }
    return titles.get(notice, _("Message sent"))


def _entry(
    event: CaseEvent,
    definition: ServiceDefinition,
    language: str,
    viewer: str,
    account_id: int | None = None,
) -> TimelineEntry:
    data = event.data
    kind = event.kind
    by_viewer = account_id is not None and event.actor_id == account_id
    if kind == CaseEvent.Kind.SUBMITTED:
        return _submitted_entry(event, viewer, account_id, by_viewer)
    if kind == CaseEvent.Kind.STAGE_CHANGED:
        stage = definition.stage(data.get("stage", ""))
        title = stage.title.text(language) if stage else data.get("stage", "")
        return TimelineEntry(
            title, event.created_at, stage.description.text(language) if stage else ""
        )
    if kind == CaseEvent.Kind.MESSAGE_SENT:
        return _message_sent_entry(event)
    if kind in (CaseEvent.Kind.DECIDED, CaseEvent.Kind.DECISION_CORRECTED):
        return _decision_entry(event, viewer)
    if kind == CaseEvent.Kind.UPDATE:
        # What staff wrote for the person; without signing in, only that there is one.
        text = (
            _("We added an update. Sign in to read it.")
            if viewer == VIEWER_UNKNOWN
            else data.get("text", "")
        )
        return TimelineEntry(_("Update from us"), event.created_at, text)
    if kind == CaseEvent.Kind.RECONSIDERATION:
        description = (
            _("You asked us to look at the decision again.")
            if viewer != VIEWER_UNKNOWN and (account_id is None or by_viewer)
            else _("We were asked to look at the decision again.")
        )
        return TimelineEntry(_("Decision to be looked at again"), event.created_at, description)
    if kind == CaseEvent.Kind.THREAD_MESSAGE:
        return _thread_message_entry(event, viewer, account_id, by_viewer)
    if kind == CaseEvent.Kind.REFERRED:
        return TimelineEntry(
            _("Another organisation is helping"),
            event.created_at,
            _("We have asked %(organisation)s to help with your application.")
            % {"organisation": data.get("organisation_name", "")},
        )
    if kind == CaseEvent.Kind.REFERRAL_ENDED:
        return TimelineEntry(
            _("Help from another organisation ended"),
            event.created_at,
            _("%(organisation)s is no longer helping with your application.")
            % {"organisation": data.get("organisation_name", "")},
        )
    if kind.startswith("offer_"):
        return _offer_entry(event, viewer, by_viewer)
    if kind in _UPDATE_KINDS:
        return _update_entry(event)
    return TimelineEntry(event.get_kind_display(), event.created_at, "")


_UPDATE_KINDS = (
    CaseEvent.Kind.INFORMATION_REQUESTED,
    CaseEvent.Kind.INFORMATION_RECEIVED,
    CaseEvent.Kind.EXPECTED_DATE_SET,
)


def _update_entry(event: CaseEvent) -> TimelineEntry:
    """We asked for more information, it arrived, or the date to expect a decision moved."""
    data = event.data
    if event.kind == CaseEvent.Kind.INFORMATION_REQUESTED:
        return TimelineEntry(
            _("We asked for more information"),
            event.created_at,
            _("The time we take to decide is paused until we have it."),
        )
    if event.kind == CaseEvent.Kind.INFORMATION_RECEIVED:
        return TimelineEntry(
            _("More information received"),
            event.created_at,
            _("We have what we asked for and have carried on with the application."),
        )
    from commonweal.core.jinja import date_long

    description = _("We now aim to make a decision by %(date)s.") % {
        "date": date_long(data.get("date", ""))
    }
    if data.get("reason"):
        description = f"{description} {data['reason']}"
    return TimelineEntry(_("The decision will take longer"), event.created_at, description)


def _submitted_entry(
    event: CaseEvent, viewer: str, account_id: int | None, by_viewer: bool
) -> TimelineEntry:
    """The application arrived: whose it was depends on who made it and who reads it."""
    data = event.data
    if not data.get("on_behalf"):
        someone_elses = viewer == VIEWER_UNKNOWN or (
            viewer == VIEWER_REPRESENTATIVE and account_id is not None and not by_viewer
        )
        description = (
            _("We received the application.")
            if someone_elses
            else _("We received your application.")
        )
    elif viewer == VIEWER_REPRESENTATIVE and (account_id is None or by_viewer):
        description = _("We received the application you made for %(name)s.") % {
            "name": event.case.person.full_name
        }
    elif viewer == VIEWER_PERSON:
        description = _("Your application was made for you by someone acting on your behalf.")
    else:
        description = _("We received the application, made by someone acting for the person.")
    return TimelineEntry(_("Application received"), event.created_at, description)


def _message_sent_entry(event: CaseEvent) -> TimelineEntry:
    """A notice went out: by which channel, and what it was about."""
    data = event.data
    channel = data.get("channel")
    descriptions = {
        "email": _("We sent you an email."),
        "letter": _("We sent you a letter."),
        "sms": _("We sent you a text message."),
        "portal": _("We left you a message in your account."),
        "phone": _("We phoned you."),
    }
    # Each message says what it was about, so two emails (the receipt and the decision)
    # do not read as the same entry twice.
    return TimelineEntry(
        _notice_title(data.get("notice", "")),
        event.created_at,
        descriptions.get(channel, _("We sent you a message.")),
    )


def _decision_entry(event: CaseEvent, viewer: str) -> TimelineEntry:
    """A decision made, looked at again, or corrected."""
    data = event.data
    kind = event.kind
    if kind == CaseEvent.Kind.DECIDED and data.get("reconsiders"):
        changed = (
            _("We have changed our decision.")
            if data.get("changed")
            else _("Our decision has not changed.")
        )
        return TimelineEntry(
            _("Decision looked at again"),
            event.created_at,
            changed + " " + _outcome_sentence(data.get("outcome", ""), viewer),
        )
    if kind == CaseEvent.Kind.DECIDED:
        return TimelineEntry(
            _("Decision made"),
            event.created_at,
            _outcome_sentence(data.get("outcome", ""), viewer),
        )
    # A corrected decision.
    return TimelineEntry(
        _("Decision corrected"),
        event.created_at,
        _("We corrected a mistake in our decision. The new decision replaces the earlier one.")
        + " "
        + _outcome_sentence(data.get("outcome", ""), viewer),
    )


def _thread_message_entry(
    event: CaseEvent, viewer: str, account_id: int | None, by_viewer: bool
) -> TimelineEntry:
    """A secure message: who sent it, as the reader knows them."""
    data = event.data
    if data.get("from_staff"):
        return TimelineEntry(_("We sent you a message"), event.created_at, "")
    if viewer == VIEWER_UNKNOWN:
        return TimelineEntry(_("Message received"), event.created_at, "")
    if account_id is not None and not by_viewer and event.on_behalf_of_id:
        if viewer == VIEWER_PERSON:
            title = _("Someone acting for you sent us a message")
        else:
            title = _("Someone acting for %(name)s sent us a message") % {
                "name": event.case.person.full_name
            }
        return TimelineEntry(title, event.created_at, "")
    if account_id is not None and not by_viewer:
        return TimelineEntry(
            _("%(name)s sent us a message") % {"name": event.case.person.full_name},
            event.created_at,
            "",
        )
    return TimelineEntry(_("You sent a message"), event.created_at, "")


def _offer_entry(event: CaseEvent, viewer: str, by_viewer: bool) -> TimelineEntry:
    """An offer's events, without its amounts (the status check shows them too)."""
    from commonweal.core.jinja import date_long

    data = event.data
    last_day = date_long(data["accept_by"]) if data.get("accept_by") else ""
    kind = event.kind
    if kind == CaseEvent.Kind.OFFER_MADE:
        return TimelineEntry(
            _("Offer made"),
            event.created_at,
            _("We made an offer. It can be accepted or declined until %(date)s.")
            % {"date": last_day},
        )
    if kind in (CaseEvent.Kind.OFFER_ACCEPTED, CaseEvent.Kind.OFFER_DECLINED):
        accepted = kind == CaseEvent.Kind.OFFER_ACCEPTED
        if viewer != VIEWER_UNKNOWN and by_viewer:
            text = _("You accepted the offer.") if accepted else _("You declined the offer.")
        else:
            text = _("The offer was accepted.") if accepted else _("The offer was declined.")
        title = _("Offer accepted") if accepted else _("Offer declined")
        return TimelineEntry(title, event.created_at, text)
    if kind == CaseEvent.Kind.OFFER_EXPIRED:
        return TimelineEntry(
            _("Offer ended"),
            event.created_at,
            _("The offer ended because it was not accepted by %(date)s.") % {"date": last_day},
        )
    return TimelineEntry(
        _("Offer withdrawn"),
        event.created_at,
        _("The offer was withdrawn because we corrected our decision.")
        if data.get("corrected")
        else _("The offer was withdrawn while the decision is looked at again."),
    )


def case_timeline(
    *,
    case: Case,
    definition: ServiceDefinition,
    language: str,
    viewer: str,
    visible_only: bool = True,
    account: User | None = None,
) -> list[TimelineEntry]:
    """What has happened on the case, newest first; only what the person may see by default.
    `account` is who is reading, so what they did themselves is worded as theirs."""
    events = case.events.select_related("case__person")
    if visible_only:
        events = events.filter(visible_to_person=True)
    account_id = account.pk if account is not None else None
    return [
        _entry(event, definition, language, viewer, account_id)
        for event in events.order_by("-created_at", "-id")
    ]


def case_for_status_check(*, reference: str, date_of_birth: date, postcode: str) -> Case | None:
    """The case when all three match; None otherwise, whichever of them is wrong."""
    return (
        Case.objects.select_related("person", "version", "service")
        .defer("version__definition", "version__source_yaml")
        .filter(
            reference=reference,
            person__date_of_birth=date_of_birth,
            person__address_postcode=postcode,
        )
        .first()
    )


# The decision, as the person reads it


@dataclass(frozen=True)
class DecisionForPerson:
    """A decision as the person reads it: on their application page, and in the preview
    the caseworker reads before sending it (both render `intake/_decision.html`)."""

    outcome: str
    # The outcome in a plain sentence ("Your application was approved.").
    sentence: str
    # Each reason as the service words it for the person, in the page's language.
    reasons: list
    explanation: str
    decided_at: datetime.datetime
    # The decision still stands (the case is closed on it); False while it is looked at again.
    current: bool
    # The last moment the person can ask online for it to be looked at again, or None when
    # this kind of decision cannot be (withdrawn, or already looked at again).
    reconsider_until: datetime.datetime | None
    # (label, value) rows about the money: what they asked for, what they get. A service
    # with more to say (a loan's repayments) adds rows here.
    details: list = field(default_factory=list)
    amount_pence: int | None = None
    # The answer to their request to look at the decision again: whether it changed.
    after_review: bool = False
    changed: bool = False
    # After a review: what the decision looked at again said, in a sentence.
    before_review: str = ""
    # A correction: the date of the decision it replaced, and why.
    replaces_decision_of: datetime.datetime | None = None
    correction_reason: str = ""

    @property
    def can_reconsider(self) -> bool:
        return (
            self.current
            and self.reconsider_until is not None
            and timezone.now() <= self.reconsider_until
        )


def _money(pence: int) -> str:
    from decimal import Decimal

    from commonweal.core.jinja import money

    return money(Decimal(pence) / 100)


def _decision_details(
    decision: Decision, definition: ServiceDefinition, answers: dict[str, Any], language: str
) -> list[tuple[str, str]]:
    """What the person asked for and (when approved) what they get, for a service whose
    approvals carry an amount."""
    if not definition.carries_amount or decision.outcome == Decision.Outcome.WITHDRAWN:
        return []
    rows = []
    asked_for = definition.asked_for_pence(answers)
    if asked_for is not None:
        rows.append((_("You asked for"), _money(asked_for)))
    if decision.outcome == Decision.Outcome.APPROVED and decision.amount_pence is not None:
        label = definition.decision_amount.label if definition.decision_amount else None
        rows.append(
            (
                label.text(language) if label else _("What you will get"),
                _money(decision.amount_pence),
            )
        )
    return rows


def _before_review(earlier: Decision, viewer: str) -> str:
    sentence = _outcome_sentence(earlier.outcome, viewer)
    if earlier.amount_pence is not None:
        sentence += " " + _("Amount: %(amount)s") % {"amount": _money(earlier.amount_pence)}
    return sentence


def decision_for_person(
    decision: Decision,
    *,
    case: Case,
    definition: ServiceDefinition,
    language: str,
    viewer: str,
    current: bool,
) -> DecisionForPerson:
    """Any decision, recorded or about to be, worded for the person in `language`."""
    from ..decisions import decision_changed

    reasons = []
    for reason_id in decision.reasons or []:
        reason = definition.decision_reason(reason_id)
        if reason is not None:
            reasons.append(reason.text.text(language))
    after_review = decision.reconsiders is not None
    reconsider_until = None
    if not after_review and decision.outcome in (
        Decision.Outcome.APPROVED,
        Decision.Outcome.REFUSED,
    ):
        reconsider_until = decision.decided_at + datetime.timedelta(
            days=definition.reconsideration_days
        )
    superseded = decision.supersedes
    return DecisionForPerson(
        outcome=decision.outcome,
        sentence=_outcome_sentence(decision.outcome, viewer),
        reasons=reasons,
        explanation=decision.explanation,
        decided_at=decision.decided_at,
        current=current,
        reconsider_until=reconsider_until,
        details=_decision_details(decision, definition, case.application.answers, language),
        amount_pence=decision.amount_pence,
        after_review=after_review,
        changed=after_review and decision_changed(decision, decision.reconsiders),
        before_review=(
            _before_review(decision.reconsiders, viewer) if decision.reconsiders is not None else ""
        ),
        replaces_decision_of=superseded.decided_at if superseded is not None else None,
        correction_reason=decision.correction_reason,
    )


def case_decision_for_person(
    *, case: Case, definition: ServiceDefinition, language: str, viewer: str = VIEWER_PERSON
) -> DecisionForPerson | None:
    """The latest decision on the case, worded for the person; None before any decision.
    One query, with the decision it looked at again or replaced."""
    decision = (
        Decision.objects.filter(case_id=case.pk)
        .select_related("reconsiders", "supersedes")
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is None:
        return None
    return decision_for_person(
        decision,
        case=case,
        definition=definition,
        language=language,
        viewer=viewer,
        current=case.closed_at is not None,
    )


# Secure messages


# The person's own download (the rights app gathers it)


def cases_for_export(*, person: Person, language: str) -> list[dict[str, Any]]:
    """Every case about the person, with what they can see of it: the timeline they see,
    every decision with its reasons, the secure messages and who it was shared with. A
    fixed number of queries however many cases there are."""
    from commonweal.catalogue import selectors as catalogue

    cases = list(
        catalogue.without_bulky_version_fields(
            Case.objects.select_related("version", "service").filter(person=person)
        ).order_by("opened_at", "id")
    )
    if not cases:
        return []
    catalogue.definitions_for([case.version for case in cases])
    for case in cases:
        case.person = person  # the timeline's wording reads the person's name
    held = _held_for_export(cases)
    exported = []
    for case in cases:
        definition = catalogue.definition_for(case.version)
        stage = definition.stage(case.stage)
        exported.append(
            {
                "reference": case.reference,
                "service": definition.name.text(language),
                "stage": stage.title.text(language) if stage else case.stage,
                "opened_at": _iso(case.opened_at),
                "closed_at": _iso(case.closed_at),
                "outcome": case.outcome,
                "timeline": [
                    {
                        "when": _iso(entry.when),
                        "what": entry.title,
                        "description": entry.description,
                    }
                    for entry in (
                        _entry(event, definition, language, VIEWER_PERSON)
                        for event in held.events[case.pk]
                    )
                ],
                "decisions": [
                    _decision_for_export(decision, definition, held.offers, language)
                    for decision in held.decisions[case.pk]
                ],
                **{name: parts[case.pk] for name, parts in held.parts.items()},
                "shared_with": [
                    {
                        "organisation": referral.organisation.name,
                        "what": list(referral.scope or []),
                        "from": _iso(referral.created_at),
                        "until": _iso(referral.ended_at),
                    }
                    for referral in held.referrals[case.pk]
                ],
            }
        )
    return exported


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class _HeldForExport:
    """What the export shows of each case, by case id (offers by decision id)."""

    events: dict[int, list]
    decisions: dict[int, list]
    offers: dict
    # What other apps add to each case (CASE_EXPORT_PARTS), by part name, then case id.
    parts: dict[str, dict[int, list]]
    referrals: dict[int, list]


def _held_for_export(cases: list[Case]) -> _HeldForExport:
    """The cases' visible events, decisions, offers, referrals and what other apps add (the
    secure messages): a fixed number of queries however many cases there are."""
    from ..models import Referral

    by_id = {case.pk: case for case in cases}
    held = _HeldForExport(
        events={case.pk: [] for case in cases},
        decisions={case.pk: [] for case in cases},
        offers={},
        parts={name: gather(case_ids=list(by_id)) for name, gather in CASE_EXPORT_PARTS.items()},
        referrals={case.pk: [] for case in cases},
    )
    for event in (
        CaseEvent.objects.filter(case_id__in=by_id, visible_to_person=True)
        .order_by("created_at", "id")
        .iterator(chunk_size=2000)
    ):
        event.case = by_id[event.case_id]
        held.events[event.case_id].append(event)
    for decision in Decision.objects.filter(case_id__in=by_id).order_by("decided_at", "id"):
        held.decisions[decision.case_id].append(decision)
    held.offers = {
        offer.decision_id: offer
        for offer in Offer.objects.filter(case_id__in=by_id).select_related(
            "decision__superseded_by"
        )
    }
    for referral in (
        Referral.objects.filter(case_id__in=by_id)
        .select_related("organisation")
        .order_by("created_at", "id")
    ):
        held.referrals[referral.case_id].append(referral)
    return held


def _decision_for_export(
    decision: Decision, definition: ServiceDefinition, offers: dict[int, Offer], language: str
) -> dict[str, Any]:
    return {
        "decided_at": _iso(decision.decided_at),
        "outcome": decision.outcome,
        "reasons": [
            reason.text.text(language)
            for reason in (
                definition.decision_reason(reason_id) for reason_id in decision.reasons or []
            )
            if reason is not None
        ],
        "explanation": decision.explanation,
        "amount": _money(decision.amount_pence) if decision.amount_pence is not None else None,
        # A decision after a reconsideration, or one correcting an error.
        "after_looking_again": True if decision.reconsiders_id else None,
        "corrects_an_earlier_decision": True if decision.supersedes_id else None,
        "why_corrected": decision.correction_reason or None,
        "offer": _offer_for_export(offers.get(decision.pk), language),
    }


def _offer_for_export(offer: Offer | None, language: str) -> dict[str, Any] | None:
    """An approval's offer in the person's download: what it was, and their answer."""
    from django.utils import translation

    from .offers import offer_answer_sentence, offer_sentences

    if offer is None:
        return None
    with translation.override(language):
        return {
            "offered": " ".join(offer_sentences(offer)),
            "last_day_to_answer": offer.accept_by.isoformat(),
            "status": offer.status,
            "answer": offer_answer_sentence(offer),
            "answered_at": offer.answered_at.isoformat() if offer.answered_at else None,
            "how": offer.how,
            "what_you_said": offer.words,
        }


def latest_case_of_person(*, person_id: int) -> Case | None:
    """The person's most recent open case, or else their most recent case: the team that
    knows them best, for work about the person rather than one case."""
    return (
        Case.objects.filter(person_id=person_id)
        .only("id", "team_id", "person_id", "reference", "application_id", "closed_at")
        .order_by(F("closed_at").asc(nulls_first=True), "-opened_at", "-id")  # open first
        .first()
    )


def case_by_reference(*, reference: str) -> Case | None:
    """For operators' commands (a legal hold): the case with this reference."""
    return Case.objects.filter(reference=reference).only("id", "person_id", "reference").first()
