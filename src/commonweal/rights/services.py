"""Every write for data rights (one transaction each): consents given and withdrawn,
correction requests and their outcomes, legal holds, and the retention job."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.core import uk
from commonweal.messaging import services as messaging_services
from commonweal.organisations import selectors as organisations
from commonweal.people import services as people_services

from . import selectors
from .erasure import erasure_carry_out, erasure_request_create, erasure_request_decide
from .models import Consent, ConsentRequest, DataRequest, LegalHold
from .retention import (
    person_erase,
    retention_run,
    retention_run_claimed,
    retention_run_nightly,
)

if TYPE_CHECKING:
    from django.utils.translation import override

    from commonweal.accounts.selectors import User
    from commonweal.cases.selectors import Case
    from commonweal.intake.selectors import Application
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person

__all__ = [
    "consent_ask",
    "consent_record",
    "consent_request_cancel",
    "data_request_create",
    "data_request_resolve",
    "erasure_carry_out",
    "erasure_request_create",
    "erasure_request_decide",
    "legal_hold_lift",
    "legal_hold_place",
    "person_erase",
    "retention_run",
    "retention_run_claimed",
    "retention_run_nightly",
]


class RightsRefused(Exception):
    """A request that cannot be done as asked, with words for the person and the field."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Consent


def consent_record(
    *,
    person: Person,
    purpose: str,
    given: bool,
    method: str,
    by: User,
    note: str = "",
    words: str = "",
    language: str = "",
) -> Consent:
    """Record the person's answer for a purpose (yes or no), with how it came, who recorded
    it and the words they were shown or read, taking effect in this transaction. A no to
    sharing with providers ends every active referral of the person's cases to a provider
    at once. Requests waiting for this answer are settled with it: a yes makes the waiting
    referrals, a no tells the team. Giving the answer that already holds records nothing new
    (a double click)."""
    if purpose not in Consent.Purpose.values:
        raise RightsRefused(_("Choose what the consent is for."), "purpose")
    if method not in Consent.Method.values:
        raise RightsRefused(_("Choose how the consent was given."), "method")
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = (
                    Consent.objects.filter(person=person, purpose=purpose)
                    .order_by("-sequence")
                    .first()
                )
                if latest is not None and latest.given == given:
                    _settle_requests(person=person, purpose=purpose, consent=latest, by=by)
                    return latest
                consent = Consent.objects.create(
                    person=person,
                    purpose=purpose,
                    given=given,
                    method=method,
                    recorded_by=by,
                    note=(note or "")[:500],
                    words=words or "",
                    language=(language or "")[:2],
                    created_at=timezone.now(),
                    sequence=(latest.sequence + 1) if latest else 1,
                )
                if purpose == Consent.Purpose.PROVIDER_SHARING and not given:
                    cases_services.referrals_end_for_person(
                        person_id=person.pk, by=by, reason="consent_withdrawn"
                    )
                _settle_requests(person=person, purpose=purpose, consent=consent, by=by)
                return consent
        except IntegrityError:
            # Another request appended first: read again, and do nothing if it did this.
            continue
    raise RightsRefused(_("Your choice could not be saved. Try again."), "purpose")


def _settle_requests(*, person: Person, purpose: str, consent: Consent, by: User) -> None:
    """The requests that waited for this answer: a yes makes each waiting referral (as the
    member of staff who asked), a no leaves it unmade with a task for them saying so."""
    waiting = list(
        ConsentRequest.objects.select_for_update(of=("self",))
        .filter(person=person, purpose=purpose, outcome=ConsentRequest.Outcome.WAITING)
        .select_related("organisation")
        .order_by("asked_at", "id")
    )
    now = timezone.now()
    for request in waiting:
        if consent.given:
            referral = None
            if request.case_id and request.organisation_id:
                referral = cases_services.case_refer_after_consent(
                    case_id=request.case_id,
                    organisation_id=request.organisation_id,
                    scope=request.scope,
                    reason=request.reason,
                    by=request.asked_by,
                    consent_id=consent.pk,
                )
            request.outcome = (
                ConsentRequest.Outcome.REFERRED
                if referral is not None
                else ConsentRequest.Outcome.NOT_REFERRED
            )
        else:
            request.outcome = ConsentRequest.Outcome.REFUSED
            if request.case_id and request.organisation_id:
                _tell_team_refused(request, by)
        request.answer = consent
        request.closed_by = by
        request.closed_at = now
        request.save(update_fields=["outcome", "answer", "closed_by", "closed_at"])


def _tell_team_refused(request: ConsentRequest, by: User) -> None:
    """A task on the case for whoever asked: the person said no, so nothing was shared."""
    if request.case_id is None:
        return  # (as before: no case is found for no id)
    case = cases_selectors.case_by_id(case_id=request.case_id)
    if case is None or case.closed_at is not None:
        return
    assignee: int | None = request.asked_by_id
    if not (
        case.team_id
        and organisations.is_team_member(user_id=request.asked_by_id, team_id=case.team_id)
    ):
        assignee = None
    assert request.organisation is not None  # the caller checked organisation_id  # nosec B101
    cases_services.task_add(
        case_id=case.pk,
        title=(
            f"They said no to sharing their details with {request.organisation.name}: "
            "the referral was not made"
        )[:200],
        due_date=None,
        assignee_id=assignee,
        by=by,
        within_transaction=True,
    )


def consent_ask(
    *,
    case: Case,
    organisation_id: int,
    scope: list[str],
    reason: str,
    by: User,
    context: StaffContext,
) -> ConsentRequest:
    """Ask the person, in their account and by a notice through their usual channels,
    whether we may share their details with a provider; the referral (to whom, what it
    shares, why) waits for their answer. Asking twice while waiting asks once."""
    reason = (reason or "").strip()
    scope = [part for part in cases_selectors.REFERRAL_SCOPES if part in set(scope or [])]
    if not reason:
        raise RightsRefused(_("Say why you are referring the case."), "reason")
    target = organisations.organisation(organisation_id=organisation_id)
    if target is None or not target.is_provider or organisation_id in context.organisation_ids:
        raise RightsRefused(
            _("Choose a charity or contractor: only sharing with them needs the person's yes."),
            "organisation",
        )
    if not scope:
        raise RightsRefused(
            _("Choose what they would see: a referral of the summary only needs no consent."),
            "scope",
        )
    if case.closed_at is not None:
        raise RightsRefused(_("This case is closed: a decision has been made."), "organisation")
    if selectors.provider_sharing_allowed(person_id=case.person_id):
        raise RightsRefused(
            _("They have already said yes to sharing their details: refer the case."),
            "organisation",
        )
    if cases_selectors.case_referred_to(case_id=case.pk, organisation_id=organisation_id):
        raise RightsRefused(
            _("The case is already referred to %(organisation)s.") % {"organisation": target.name},
            "organisation",
        )
    person = case.person
    existing = ConsentRequest.objects.filter(
        case=case, organisation_id=organisation_id, outcome=ConsentRequest.Outcome.WAITING
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            request = ConsentRequest.objects.create(
                person=person,
                purpose=Consent.Purpose.PROVIDER_SHARING,
                case=case,
                organisation=target,
                scope=scope,
                reason=reason,
                asked_by=by,
                asked_at=timezone.now(),
            )
            cases_services.case_event_record(
                case=case,
                kind="note",
                by=by,
                visible_to_person=False,
                data={
                    "text": f"Asked them whether we may share their details with "
                    f"{target.name}; the referral waits for their answer.",
                    "consent_request": request.pk,
                },
            )
            language = person.language or case.application.language or "en"
            text_language = "cy" if language in ("cy", "both") else "en"
            provider = (target.name_cy or target.name) if text_language == "cy" else target.name
            messaging_services.notice_send(
                event="consent_asked",
                person=person,
                case=case,
                data=messaging_services.notice_data(
                    case=case,
                    person=person,
                    language=language,
                    extra={
                        "provider": provider,
                        "url": f"{settings.COMMONWEAL_BASE_URL}/account/your-data/consents/"
                        f"{Consent.Purpose.PROVIDER_SHARING}/",
                    },
                ),
                by=by,
            )
    except IntegrityError:
        # The same question from a second click, a moment earlier: that one stands.
        existing = ConsentRequest.objects.filter(
            case=case, organisation_id=organisation_id, outcome=ConsentRequest.Outcome.WAITING
        ).first()
        if existing is None:
            raise
        return existing
    return request


def consent_request_cancel(*, case: Case, request_id: int, by: User) -> ConsentRequest:
    """Stop waiting for the person's answer: the referral will not be made by it."""
    with transaction.atomic():
        request = (
            ConsentRequest.objects.select_for_update()
            .filter(pk=request_id, case=case, outcome=ConsentRequest.Outcome.WAITING)
            .first()
        )
        if request is None:
            raise RightsRefused(_("This request has already been answered."), "form")
        request.outcome = ConsentRequest.Outcome.CANCELLED
        request.closed_by = by
        request.closed_at = timezone.now()
        request.save(update_fields=["outcome", "closed_by", "closed_at"])
    return request


# Correction requests


def _default_team_id() -> int | None:
    """Where a correction to someone's record goes when they have no case: the team named
    by COMMONWEAL_DATA_REQUESTS_TEAM ("organisation-slug/team-slug"), or else the first
    team of the first organisation that is not a provider."""
    wanted = getattr(settings, "COMMONWEAL_DATA_REQUESTS_TEAM", "")
    everyone = organisations.organisations_for_referral(exclude_ids=[])
    if wanted and "/" in wanted:
        org_slug, team_slug = wanted.split("/", 1)
        organisation = organisations.organisation_by_slug(slug=org_slug)
        if organisation is not None:
            for team in organisations.teams_for_transfer(organisation_ids=[organisation.pk]):
                if team.slug == team_slug:
                    return team.pk
    public = sorted((o for o in everyone if not o.is_provider), key=lambda o: o.pk)
    for organisation in public:
        teams = organisations.teams_for_transfer(organisation_ids=[organisation.pk])
        if teams:
            return min(teams, key=lambda t: t.pk).pk
    return None


def _request_case(
    person: Person, application: Application | None, case_id: int | None
) -> Case | None:
    """Whose work a correction is: the application's case; the case named; or, for their
    record, their latest case."""
    if application is not None:
        return application.case
    if case_id is not None:
        return cases_selectors.cases().filter(pk=case_id, person_id=person.pk).first()
    return cases_selectors.latest_case_of_person(person_id=person.pk)


def data_request_create(
    *,
    person: Person,
    subject: str,
    field: str,
    what_is_wrong: str,
    should_be: str,
    by: User,
    application: Application | None = None,
    language: str = "en",
    case_id: int | None = None,
) -> tuple[DataRequest, bool]:
    """The person says a field of their record, or an answer on their application, is
    wrong. Makes the request and a task for the team on the case (the application's case;
    for their record, their latest case); with no case, the request waits in the default
    team's list; `case_id` names the case for a correction to their record instead (the
    case an integration works on). Returns the request and whether it is new: a request
    for the same field that is still open is returned as it is."""
    what_is_wrong = (what_is_wrong or "").strip()[:2000]
    should_be = (should_be or "").strip()[:2000]
    if subject == DataRequest.Subject.PERSON:
        shown = {row["field"]: row for row in selectors.person_fields_shown(person=person)}
        if field not in shown:
            raise RightsRefused(_("Choose which detail is wrong."), "field")
        label, value = str(shown[field]["label"]), shown[field]["value"]
        application = None
    elif subject == DataRequest.Subject.ANSWER:
        if (
            application is None
            or application.person_id != person.pk
            # A draft has no reference, and no answers to correct (refused as below).
            or application.reference is None
        ):
            raise RightsRefused(_("Choose which answer is wrong."), "field")
        _app, answers = selectors.application_answers_for_correction(
            person=person, reference=application.reference, language=language
        )
        row = next((a for a in answers if a["question_id"] == field), None)
        if row is None:
            raise RightsRefused(_("Choose which answer is wrong."), "field")
        label, value = row["question"], "\n".join(row["answer"])
    else:
        raise RightsRefused(_("Choose which detail is wrong."), "field")
    if not what_is_wrong:
        raise RightsRefused(_("Tell us what is wrong"), "what-is-wrong")
    if not should_be:
        raise RightsRefused(_("Tell us what it should be"), "should-be")
    field_key = f"{subject}:{application.pk if application else ''}:{field}"[:120]
    existing = DataRequest.objects.filter(
        person=person, field_key=field_key, status=DataRequest.Status.OPEN
    ).first()
    if existing is not None:
        return existing, False
    case = _request_case(person, application, case_id)
    try:
        with transaction.atomic():
            request = DataRequest.objects.create(
                person=person,
                subject=subject,
                field=field,
                field_key=field_key,
                field_label=label[:300],
                value_shown=value or "",
                application=application,
                case=case,
                what_is_wrong=what_is_wrong,
                should_be=should_be,
                team_id=case.team_id if case and case.team_id else _default_team_id(),
                created_by=by,
                created_at=timezone.now(),
            )
            if case is not None:
                task = cases_services.task_add(
                    case_id=case.pk,
                    title=f"Correction asked for: {label}"[:180] + f" (request {request.pk})",
                    due_date=None,
                    assignee_id=None,
                    by=by,
                    within_transaction=True,
                )
                request.task_id = task.pk
                request.save(update_fields=["task_id"])
                cases_services.case_publish(
                    case=case,
                    event_type="data_request.made",
                    data={"data_request": request.pk, "subject": subject, "field": field},
                )
    except IntegrityError:
        # The same request from a second click, a moment earlier: that one stands.
        existing = DataRequest.objects.filter(
            person=person, field_key=field_key, status=DataRequest.Status.OPEN
        ).first()
        if existing is None:
            raise
        return existing, False
    return request, True


def _parse_correction(request: DataRequest, values: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The record's new value from what the member of staff typed, and how it reads."""
    field = request.field
    if field == "address":
        parts = {part: (values.get(part) or "").strip()[:200] for part in _ADDRESS}
        postcode = uk.normalise_postcode(parts["postcode"])
        if not parts["line_1"] or postcode is None:
            raise RightsRefused(
                _("Enter the first line of the address and a real postcode"), "line_1"
            )
        parts["postcode"] = postcode
        return {"address": parts}, ", ".join(p for p in parts.values() if p)
    value = (values.get("value") or "").strip()[:200]
    if not value:
        raise RightsRefused(_("Enter the corrected value"), "value")
    if field == "date_of_birth":
        day = _parse_date(value)
        if day is None or day >= timezone.localdate():
            raise RightsRefused(_("Enter a real date of birth, like 27/3/1980"), "value")
        return {"date_of_birth": day.isoformat()}, day.isoformat()
    if field == "ni_number":
        normalised = uk.normalise_ni_number(value)
        if normalised is None:
            raise RightsRefused(_("Enter a real National Insurance number"), "value")
        return {"ni_number": normalised}, normalised
    if field == "phone":
        if uk.normalise_uk_phone(value) is None:
            raise RightsRefused(_("Enter a real UK phone number"), "value")
        return {"phone": value}, value
    if field == "email" and "@" not in value:
        raise RightsRefused(_("Enter a real email address"), "value")
    return {field: value}, value


_ADDRESS = ("line_1", "line_2", "town", "county", "postcode")


def _parse_date(value: str) -> datetime.date | None:
    for form in ("%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(value, form).date()
        except ValueError:
            continue
    return None


def data_request_resolve(
    *,
    request_id: int,
    corrected: bool,
    reason: str,
    values: dict[str, str],
    by: User,
    context: StaffContext,
) -> DataRequest:
    """Staff answer a correction request: corrected (the person's record changes through
    `people.services`, with its history row; a corrected answer is recorded on the case,
    the submitted answers staying as they were sent) or not corrected, with the reason.
    The task is marked done and the person is told by their usual channels."""
    reason = (reason or "").strip()[:2000]
    if not corrected and not reason:
        raise RightsRefused(_("Say why it is not being corrected"), "reason")
    with transaction.atomic():
        request = (
            DataRequest.objects.select_for_update()
            .filter(pk=request_id)
            .filter(selectors._staff_requests_q(context))
            .first()
        )
        if request is None or request.kind != DataRequest.Kind.CORRECTION:
            raise RightsRefused(_("This request does not exist."), "form")
        if request.status != DataRequest.Status.OPEN:
            raise RightsRefused(_("This request has already been answered."), "form")
        request = DataRequest.objects.select_related("person", "case", "application").get(
            pk=request.pk
        )
        person = request.person
        if corrected:
            if request.subject == DataRequest.Subject.PERSON:
                details, shown = _parse_correction(request, values)
                people_services.person_update(
                    person=person,
                    details=details,
                    by=by,
                    reason=f"Corrected at the person's request (data request {request.pk})",
                )
            else:
                shown = (values.get("value") or "").strip()[:2000]
                if not shown:
                    raise RightsRefused(_("Enter the corrected answer"), "value")
                assert request.case is not None  # a submitted application has its case  # nosec B101
                cases_services.case_event_record(
                    case=request.case,
                    kind="update",
                    by=by,
                    visible_to_person=True,
                    data={
                        "text": _(
                            "We corrected your answer to “%(question)s”: it is now “%(value)s”."
                        )
                        % {"question": request.field_label, "value": shown},
                        "data_request": request.pk,
                        "question": request.field,
                        "was": request.value_shown,
                        "now": shown,
                    },
                )
            request.status = DataRequest.Status.CORRECTED
            request.corrected_value = shown
        else:
            request.status = DataRequest.Status.NOT_CORRECTED
        request.outcome_reason = reason
        request.resolved_by = by
        request.resolved_at = timezone.now()
        request.save(
            update_fields=[
                "status",
                "corrected_value",
                "outcome_reason",
                "resolved_by",
                "resolved_at",
            ]
        )
        if request.task_id:
            # Someone may already have ticked the task off on the case page.
            with contextlib.suppress(cases_services.CaseActionRefused):
                cases_services.task_complete(
                    task_id=request.task_id,
                    outcome=(
                        f"Corrected to: {request.corrected_value}"
                        if corrected
                        else f"Not corrected: {reason}"
                    ),
                    by=by,
                )
        if request.case is not None:
            cases_services.case_publish(
                case=request.case,
                event_type="data_request.answered",
                data={"data_request": request.pk, "status": request.status},
            )
        _tell_person(request, by)
    return request


def _tell_person(request: DataRequest, by: User) -> None:
    def outcome_words() -> str:
        if request.status == DataRequest.Status.CORRECTED:
            outcome = _("We have corrected it to: %(value)s.") % {"value": request.corrected_value}
            if request.outcome_reason:
                outcome += " " + request.outcome_reason
            return outcome
        return _("We have not changed it, because: %(reason)s") % {"reason": request.outcome_reason}

    outcome_notice_send(request=request, field=request.field_label, outcome=outcome_words, by=by)


def outcome_notice_send(
    *,
    request: DataRequest,
    field: str | Callable[[], str],
    outcome: Callable[[], str],
    by: User | None,
) -> None:
    """Tell the person what became of their request, in their language: `outcome` (and
    `field`, when it is one) are called with that language active."""
    person = request.person
    language = "cy" if person.language in ("cy", "both") else "en"
    with _in_language(language):
        words = outcome()
        field_text = field() if callable(field) else field
        name = person.full_name or _("Sir or Madam")
    messaging_services.notice_send(
        event="data_request_outcome",
        person=person,
        case=request.case,
        data={
            "name": name,
            "organisation": settings.COMMONWEAL_ORGANISATION_NAME_CY
            if language == "cy"
            else settings.COMMONWEAL_ORGANISATION_NAME,
            "url": f"{settings.COMMONWEAL_BASE_URL}/account/your-data/",
            "field": field_text,
            "outcome": words,
        },
        by=by,
    )


def _in_language(language: str) -> override:
    from django.utils import translation

    return translation.override(language)


# Legal holds


def legal_hold_place(
    *, reason: str, by: User | None, case: Case | None = None, person: Person | None = None
) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise RightsRefused(_("Say why the data must be kept"), "reason")
    if (case is None) == (person is None):
        raise RightsRefused(_("Choose a case or a person to hold"), "case")
    with transaction.atomic():
        return LegalHold.objects.create(
            case=case, person=person, reason=reason, placed_by=by, placed_at=timezone.now()
        )


def legal_hold_lift(*, hold_id: int, reason: str, by: User | None) -> LegalHold:
    reason = (reason or "").strip()
    if not reason:
        raise RightsRefused(_("Say why the hold can be lifted"), "reason")
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise RightsRefused(_("This hold does not exist."), "hold")
        if hold.lifted_at is not None:
            return hold
        hold.lifted_at = timezone.now()
        hold.lifted_by = by
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return hold


# The data download as a PDF, made in the background (downloads.py).
from .downloads import data_download_request as data_download_request  # noqa: E402
from .downloads import data_downloads_expire as data_downloads_expire  # noqa: E402
