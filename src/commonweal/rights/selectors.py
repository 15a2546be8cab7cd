"""Every read for data rights that views, the API and other apps need: consents now and
before, correction requests, and the person's data download."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commonweal.core.uk import format_ni_number

from .documents import document_context as export_document_context  # noqa: F401 (for pages)
from .downloads import data_download_for as data_download_for
from .models import Consent, ConsentRequest, DataRequest, LegalHold
from .sections import data_sections
from .wording import answer_sentence as consent_answer_sentence  # noqa: F401 (for pages)
from .wording import scope_phrases
from .wording import wording as consent_wording  # noqa: F401 (for pages)

if TYPE_CHECKING:
    from commonweal.cases.selectors import Case
    from commonweal.intake.selectors import Application
    from commonweal.organisations.selectors import StaffContext
    from commonweal.people.selectors import Person

__all__ = [
    "GIVEN",
    "NOT_ASKED",
    "REFUSED",
    "answer_reuse_allowed",
    "answer_reuse_state",
    "case_sharing_consent",
    "data_sections",
    "person_export",
    "provider_sharing_allowed",
]

# Where a person stands on a purpose: they said yes, they said no (refused, or withdrew a
# yes), or nobody has asked them. Not asked counts as no for everything that needs consent:
# there is no default yes anywhere.
GIVEN, REFUSED, NOT_ASKED = "given", "refused", "not_asked"

# The purposes a person is asked about, as the pages name them.
CONSENT_PURPOSES = tuple(Consent.Purpose.values)


def _latest(person_id: int, purpose: str) -> Consent | None:
    return (
        Consent.objects.filter(person_id=person_id, purpose=purpose)
        .select_related("recorded_by")
        .order_by("-sequence")
        .first()
    )


def consent_given(*, person_id: int, purpose: str) -> bool:
    """Whether the person's latest answer for the purpose is yes (never asked is no)."""
    latest = _latest(person_id, purpose)
    return latest is not None and latest.given


def provider_sharing_allowed(*, person_id: int) -> bool:
    return consent_given(person_id=person_id, purpose=Consent.Purpose.PROVIDER_SHARING)


def answer_reuse_allowed(*, person_id: int) -> bool:
    return consent_given(person_id=person_id, purpose=Consent.Purpose.ANSWER_REUSE)


def answer_reuse_state(*, person_id: int) -> str:
    """GIVEN, REFUSED or NOT_ASKED: the journey asks the question only when not asked."""
    return _state_of(_latest(person_id, Consent.Purpose.ANSWER_REUSE))


def _state_of(latest: Consent | None) -> str:
    if latest is None:
        return NOT_ASKED
    return GIVEN if latest.given else REFUSED


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    label: str
    # The latest answer, or None when the person has not been asked.
    latest: Consent | None
    history: list[Consent]
    # Requests waiting for the person's answer (a referral waits on provider sharing).
    waiting: list[ConsentRequest] = field(default_factory=list)

    @property
    def state(self) -> str:
        return _state_of(self.latest)

    @property
    def given(self) -> bool:
        return self.state == GIVEN


def consents_for_person(*, person: Person) -> list[ConsentState]:
    """Each purpose with the person's answer now and every answer before: two queries."""
    rows = list(
        Consent.objects.filter(person=person)
        .select_related("recorded_by")
        .order_by("-sequence", "-id")
    )
    waiting = list(
        ConsentRequest.objects.filter(person=person, outcome=ConsentRequest.Outcome.WAITING)
        .select_related("organisation", "case")
        .order_by("asked_at", "id")
    )
    states = []
    for purpose, label in Consent.Purpose.choices:
        history = [row for row in rows if row.purpose == purpose]
        states.append(
            ConsentState(
                purpose=purpose,
                label=str(label),
                latest=history[0] if history else None,
                history=history,
                waiting=[request for request in waiting if request.purpose == purpose],
            )
        )
    return states


def consent_state(*, person: Person, purpose: str) -> ConsentState:
    return next(s for s in consents_for_person(person=person) if s.purpose == purpose)


_ANSWERS = {GIVEN: "yes", REFUSED: "no", NOT_ASKED: "not asked"}


def consents_for_export(*, person: Person) -> list[dict[str, Any]]:
    """Every answer the person gave, oldest first, with the words they said it to."""
    return [
        {
            "purpose": state.purpose,
            "description": state.label,
            "answer_now": _ANSWERS[state.state],
            "given_now": state.given,
            "history": [
                {
                    "answer": "yes" if row.given else "no",
                    "when": row.created_at.isoformat(),
                    "how": row.method,
                    "recorded_by": _recorder(row, person),
                    "words_shown": row.words,
                    "language": row.language,
                    "note": row.note,
                }
                for row in reversed(state.history)
            ],
        }
        for state in consents_for_person(person=person)
    ]


def _recorder(row: Consent, person: Person) -> str:
    """Who recorded an answer, as the person reads it: themselves, or the member of staff."""
    if row.recorded_by_id is None:
        return ""
    if row.recorded_by_id == person.account_id:
        return "you"
    assert row.recorded_by is not None  # recorded_by_id is set  # nosec B101
    return row.recorded_by.display_name or "a member of staff"


@dataclass(frozen=True)
class CaseSharingConsent:
    """For the case page: where the person stands on sharing with providers, and the
    referrals waiting for their answer."""

    state: str
    latest: Consent | None
    waiting: list[ConsentRequest]


def case_sharing_consent(*, case: Case) -> CaseSharingConsent:
    """Two queries: the latest answer and the requests waiting on this case."""
    latest = _latest(case.person_id, Consent.Purpose.PROVIDER_SHARING)
    waiting = list(
        ConsentRequest.objects.filter(case=case, outcome=ConsentRequest.Outcome.WAITING)
        .select_related("organisation", "asked_by")
        .order_by("asked_at", "id")
    )
    return CaseSharingConsent(state=_state_of(latest), latest=latest, waiting=waiting)


def case_consent_warning(*, case: Case) -> dict[str, datetime.datetime] | None:
    """For the team and any provider: the person said no to sharing with providers
    (referrals to providers ended then, and none can share their details until they say
    yes)."""
    latest = _latest(case.person_id, Consent.Purpose.PROVIDER_SHARING)
    if latest is None or latest.given:
        return None
    return {"withdrawn_at": latest.created_at}


def consent_request_context(request_row: ConsentRequest | None) -> dict[str, Any]:
    """The words about the referral a consent request waits for: to whom, for which
    application, what they would see, and how to reach them instead (for `consent_wording`)."""
    # (A row without an organisation has none to fetch: no query.)
    if request_row is None or request_row.organisation is None:
        return {}
    organisation = request_row.organisation
    welsh = translation.get_language() == "cy"
    return {
        "provider": (organisation.name_cy or organisation.name) if welsh else organisation.name,
        "reference": request_row.case.reference if request_row.case is not None else "",
        "parts": scope_phrases(request_row.scope),
        "contact": organisation.public_contact,
    }


def consent_request_for_staff(*, case: Case, request_id: int) -> ConsentRequest | None:
    """One of the case's consent requests, waiting or not (a second click on "Stop waiting"
    finds it answered, and is told so, rather than a missing page)."""
    return (
        ConsentRequest.objects.filter(pk=request_id, case=case)
        .select_related("organisation")
        .first()
    )


# Correction requests

# The parts of a person's record they can say are wrong, with how each is shown.
CORRECTABLE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "ni_number",
    "address",
    "email",
    "phone",
)


def field_labels() -> dict[str, str]:
    return {
        "given_name": _("First name"),
        "family_name": _("Last name"),
        "date_of_birth": _("Date of birth"),
        "ni_number": _("National Insurance number"),
        "address": _("Address"),
        "email": _("Email address"),
        "phone": _("Phone number"),
    }


def person_fields_shown(*, person: Person) -> list[dict[str, str]]:
    """The person's record, field by field, as they read it."""
    from commonweal.core.jinja import date_long

    address = ", ".join(
        part
        for part in (
            person.address_line_1,
            person.address_line_2,
            person.address_town,
            person.address_county,
            person.address_postcode,
        )
        if part
    )
    values = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": date_long(person.date_of_birth) if person.date_of_birth else "",
        "ni_number": format_ni_number(person.ni_number) if person.ni_number else "",
        "address": address,
        "email": person.email,
        "phone": person.phone,
    }
    labels = field_labels()
    return [{"field": f, "label": labels[f], "value": values[f]} for f in CORRECTABLE_FIELDS]


def application_answers_for_correction(
    *, person: Person, reference: str, language: str
) -> tuple[Application | None, list[dict[str, Any]]]:
    """The person's own submitted application and its answers as they read them; None
    for any reference that is not theirs."""
    from commonweal.catalogue import selectors as catalogue
    from commonweal.intake import selectors as intake

    application = intake.submitted_application_of_person(person=person, reference=reference)
    if application is None:
        return None, []
    definition = catalogue.definition_for(application.version)
    return application, intake.answers_shown(
        application=application, definition=definition, language=language
    )


def data_requests_for_person(*, person: Person) -> list[DataRequest]:
    return list(DataRequest.objects.filter(person=person).order_by("-created_at", "-id"))


def data_requests_of_case(*, case_id: int) -> list[DataRequest]:
    """The correction requests made on a case, oldest first (the API's list)."""
    return list(DataRequest.objects.filter(case_id=case_id).order_by("created_at", "id"))


def data_requests_for_export(*, person: Person) -> list[dict[str, Any]]:
    return [
        {
            "about": request.field_label,
            "application": (
                request.application.reference if request.application is not None else None
            ),
            "value_we_held": request.value_shown,
            "what_is_wrong": request.what_is_wrong,
            "should_be": request.should_be,
            "asked_at": request.created_at.isoformat(),
            "status": request.status,
            "answered_at": request.resolved_at.isoformat() if request.resolved_at else None,
            "kind": request.kind,
            "reason_kept": request.get_ground_display() if request.ground else None,
            "our_answer": request.outcome_reason,
            "corrected_to": request.corrected_value,
        }
        for request in DataRequest.objects.filter(person=person)
        .select_related("application")
        .order_by("created_at", "id")
    ]


def _staff_requests_q(context: StaffContext) -> Q:
    """The requests a member of staff works: their teams', or their organisation's."""
    return Q(team_id__in=context.work_team_ids) | Q(
        team__organisation_id__in=context.organisation_wide_ids
    )


def data_requests_for_staff(*, context: StaffContext, open_only: bool = True) -> list[DataRequest]:
    """Correction requests for the member of staff's teams, oldest first: two queries."""
    requests = DataRequest.objects.filter(_staff_requests_q(context)).select_related(
        "person", "case", "team", "application"
    )
    if open_only:
        requests = requests.filter(status=DataRequest.Status.OPEN)
    return list(requests.order_by("created_at", "id")[:500])


def data_request_for_staff(*, context: StaffContext, request_id: int) -> DataRequest | None:
    return (
        DataRequest.objects.filter(_staff_requests_q(context), pk=request_id)
        .select_related("person", "case", "team", "application", "resolved_by")
        .first()
    )


# Legal holds


def legal_holds_active(
    *, case: Case | None = None, person: Person | None = None
) -> list[LegalHold]:
    holds = LegalHold.objects.filter(lifted_at__isnull=True)
    if case is not None:
        holds = holds.filter(Q(case=case) | Q(person_id=case.person_id))
    elif person is not None:
        holds = holds.filter(person=person)
    return list(holds.order_by("placed_at"))


# The download


def person_export(*, person: Person, language: str) -> dict[str, Any]:
    """Everything held about the person, section by section, as plain JSON data."""
    return {
        "about": person.full_name,
        "generated_at": timezone.now().isoformat(),
        "organisation": settings.COMMONWEAL_ORGANISATION_NAME,
        "sections": {section.name: section.gather(person, language) for section in data_sections()},
    }


def export_filename(*, person: Person, extension: str) -> str:
    return f"your-data-{datetime.date.today():%Y-%m-%d}.{extension}"


# For the staff pages (the workspace): the choices and words of consents and requests.


def consent_purposes() -> list[str]:
    return list(Consent.Purpose.values)


def consent_method_labels(*, staff_recorded: bool = False) -> dict[str, str]:
    """How an answer was given; the ways staff record one leave out "online"."""
    return {
        value: str(label)
        for value, label in Consent.Method.choices
        if not (staff_recorded and value == Consent.Method.ONLINE)
    }


def data_request_status_labels() -> dict[str, str]:
    return {
        DataRequest.Status.OPEN: _("Being looked at"),
        DataRequest.Status.CORRECTED: _("Corrected"),
        DataRequest.Status.NOT_CORRECTED: _("Not corrected"),
        DataRequest.Status.ERASING: _("Being erased"),
        DataRequest.Status.ERASED: _("Erased"),
        DataRequest.Status.NOT_ERASED: _("Not erased"),
    }


def erasure_ground_labels() -> dict[str, str]:
    """The lawful reasons for keeping data a person asked us to erase, in their words."""
    return {value: str(label) for value, label in DataRequest.Ground.choices}
