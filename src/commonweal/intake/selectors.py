"""Reads of applications, each filtered in the query to what the asker may see.

An account sees the applications it made (for itself or for someone else) and those made for
its own person record. Someone a person has given authority to act for them (a
`Representative` whose email is the account's, not revoked, not ended) also sees that
person's submitted applications, as far as the authority's scope allows: "view" to see them,
"messages" to read and send secure messages, "act" to ask for a decision to be looked at
again. The account's authorities are read once per request and become a list of person ids
in the query, so a changed URL reveals nothing and a list costs the same whatever its length.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict
from uuid import UUID

from django.db.models import F, Q, QuerySet

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.core.quarantine import scan_status_of
from commonweal.messaging import selectors as messaging_selectors
from commonweal.people import selectors as people_selectors

from . import registry as reuse_consent
from .journey import HeldDetails
from .models import Application as Application  # the type other apps' hints name
from .models import Upload

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

    from commonweal.accounts.selectors import User
    from commonweal.catalogue.definition import Stage
    from commonweal.catalogue.selectors import Service, ServiceDefinition
    from commonweal.people.selectors import Person

SCOPE_VIEW = "view"
SCOPE_MESSAGES = "messages"
SCOPE_ACT = "act"


def person_details_for(*, account: User) -> HeldDetails:
    """What the record already holds for the signed-in person, as answers: offered when
    they said yes to reusing their details, awaiting their answer when nobody has asked."""
    person = people_selectors.person_for_account_get(account=account)
    return _held(person)


def person_details_of(*, person_id: int) -> HeldDetails:
    """What the record holds for a person a member of staff is applying for."""
    return _held(people_selectors.person_get(person_id=person_id))


def assisted_person_details(*, draft: Application) -> HeldDetails:
    """What a member of staff taking an application is offered from the person's record:
    for a record that existed before, only what their identity check justifies (and, as for
    the person themselves, only with their yes to reusing their details)."""
    from . import assisted

    if not draft.person_id:
        return HeldDetails()
    held = person_details_of(person_id=draft.person_id)
    if not draft.existing_record:
        return held
    level = assisted.disclosure(draft.identity_check)
    return HeldDetails(
        assisted.shown_details(dict(held), level),
        awaiting_answer=assisted.shown_details(held.awaiting_answer, level),
    )


def _held(person: Person | None) -> HeldDetails:
    """Their consent to reusing answers decides: yes offers the details, not asked keeps
    them until the journey has asked, no (refused or withdrawn) asks every question again."""
    if person is None:
        return HeldDetails()
    state = reuse_consent.answer_reuse_state(person.pk)
    if state == reuse_consent.REFUSED:
        return HeldDetails()
    details = people_selectors.person_details(person=person)
    if state == reuse_consent.GIVEN:
        return HeldDetails(details)
    return HeldDetails(awaiting_answer=details)


def draft_get(*, account: User, service: Service) -> Application | None:
    return (
        catalogue.without_bulky_version_fields(
            Application.objects.select_related("version", "service")
        )
        .filter(account=account, service=service, status=Application.Status.DRAFT)
        # A member of staff's own drafts exclude those they are taking for other people.
        .exclude(taken_by=F("account"))
        .first()
    )


def assisted_draft_get(*, taken_by: User, application_id: UUID | str) -> Application | None:
    """A draft a member of staff is taking for someone (by phone, in person, on paper);
    `application_id` as the session keeps it (a string) will do."""
    return (
        catalogue.without_bulky_version_fields(
            Application.objects.select_related("version", "service", "person")
        )
        .filter(
            pk=application_id,
            account=taken_by,
            taken_by=taken_by,
            status=Application.Status.DRAFT,
        )
        .first()
    )


def latest_submitted(*, account: User, service: Service) -> Application | None:
    return (
        Application.objects.filter(
            account=account, service=service, status=Application.Status.SUBMITTED
        )
        .order_by("-submitted_at")
        .first()
    )


@dataclass(frozen=True)
class Authorities:
    """The people an account may act for now, with what it may do for each (person id to
    scopes). Read once per request."""

    scopes_by_person: dict[int, frozenset[str]] = field(default_factory=dict)
    names_by_person: dict[int, str] = field(default_factory=dict)

    def person_ids(self, scope: str) -> list[int]:
        return sorted(pid for pid, scopes in self.scopes_by_person.items() if scope in scopes)


def authorities_for_account(*, account: User) -> Authorities:
    """One query: the account's active authorities to act for other people."""
    if not getattr(account, "email", ""):
        return Authorities()
    scopes: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for representative in people_selectors.representations_for_account(account=account):
        scopes.setdefault(representative.person_id, set()).update(representative.scope or [])
        names[representative.person_id] = representative.person.full_name
    return Authorities(
        scopes_by_person={pid: frozenset(parts) for pid, parts in scopes.items()},
        names_by_person=names,
    )


def _mine(account: User, person_ids: Sequence[int] = ()) -> Q:
    # Applications this account made (for themselves or for someone), or made for them, and
    # the submitted applications of people it has authority to act for.
    mine = Q(account=account) | Q(person__account=account)
    if person_ids:
        mine |= Q(person_id__in=list(person_ids), status=Application.Status.SUBMITTED)
    return mine


@dataclass(frozen=True)
class Access:
    """What the signed-in account may do with one application."""

    # It made the application, or the application is about its own person record.
    own: bool
    # Otherwise, what the person's authority lets it do ("view", "messages", "act").
    scopes: frozenset[str] = frozenset()
    # Whom it writes for in the case's thread (a representative, or whoever applied for them).
    on_behalf_of: Person | None = None
    # It made the application for someone else, or acts for them with their authority.
    for_someone_else: bool = False

    def can(self, scope: str) -> bool:
        return self.own or scope in self.scopes


def _access(application: Application, account: User, authorities: Authorities) -> Access:
    person = application.person
    about_me = person is not None and person.account_id == account.pk
    made_it = application.account_id == account.pk
    own = about_me or made_it
    # An application without a person yet (a draft) is nobody's to act for.
    scopes: frozenset[str] = frozenset()
    if application.person_id is not None:
        scopes = authorities.scopes_by_person.get(application.person_id, frozenset())
    if about_me:
        return Access(own=True)
    if made_it:
        # Someone who applied for another person writes for them.
        on_behalf = person if application.on_behalf else None
        return Access(own=True, on_behalf_of=on_behalf, for_someone_else=on_behalf is not None)
    return Access(own=own, scopes=scopes, on_behalf_of=person, for_someone_else=True)


@dataclass(frozen=True)
class ApplicationSummary:
    application: Application
    definition: ServiceDefinition
    stage: Stage | None
    access: Access | None = None
    # Secure messages from the team the person has not read yet.
    unread_messages: int = 0
    # A draft a member of staff started with the person (by phone, say) and that the person
    # can carry on with online.
    taken_by_staff: bool = False

    @property
    def service_state(self) -> str:
        """Where the service is in its life ("open", "paused", "closed", "not_yet_open",
        "retired"): a draft goes on only while it is open."""
        return catalogue.service_state(self.application.service)

    @property
    def acting_for(self) -> str:
        """The name of the person a representative sees this application for, or ''."""
        access = self.access
        if access is None or access.own or self.application.person is None:
            return ""
        return self.application.person.full_name


class CaseReads(TypedDict):
    """What `_with_case_reads` adds to each application read with its case."""

    unread_messages: int | None
    offer_accept_by: datetime.date | None


def _with_case_reads(
    queryset: QuerySet[Application],
) -> QuerySet[WithAnnotations[Application, CaseReads]]:
    return catalogue.without_bulky_version_fields(
        queryset.select_related("version", "service", "case", "person")
    ).annotate(
        unread_messages=messaging_selectors.unread_staff_messages_count("case"),
        # An offer waiting for the person's answer: its last day.
        offer_accept_by=cases_selectors.waiting_offer_accept_by("case"),
    )


def applications_for_account(*, account: User) -> list[ApplicationSummary]:
    """The account's applications and those of the people it acts for, newest first, in the
    same few queries whatever their number."""
    authorities = authorities_for_account(account=account)
    applications = list(
        _with_case_reads(
            Application.objects.filter(_mine(account, authorities.person_ids(SCOPE_VIEW)))
        ).order_by("-updated_at")
    )
    catalogue.definitions_for([application.version for application in applications])
    summaries = []
    for application in applications:
        definition = catalogue.definition_for(application.version)
        case = getattr(application, "case", None)
        stage = definition.stage(case.stage) if case else None
        access = _access(application, account, authorities)
        summaries.append(
            ApplicationSummary(
                application,
                definition,
                stage,
                access=access,
                unread_messages=(application.unread_messages or 0)
                if access.can(SCOPE_MESSAGES)
                else 0,
                taken_by_staff=application.status == Application.Status.DRAFT
                and application.taken_by_id is not None
                and application.account_id != account.pk,
            )
        )
    return summaries


def submitted_application_for_account(
    *, account: User, reference: str, scope: str = SCOPE_VIEW
) -> Application | None:
    """The submitted application with this reference, when the account may use it for
    `scope`; None otherwise (whether it does not exist or is someone else's). The
    application's `access` says what else the account may do with it; `unread_messages`
    counts the team's messages not yet read."""
    authorities = authorities_for_account(account=account)
    application = (
        _with_case_reads(
            Application.objects.filter(
                _mine(account, authorities.person_ids(scope)),
                reference=reference,
                status=Application.Status.SUBMITTED,
            )
        )
        .order_by()
        .first()
    )
    if application is None:
        return None
    access = _access(application, account, authorities)
    if not access.can(scope):
        return None
    application.access = access  # type: ignore[attr-defined]  # for the caller, not a column
    return application


def taken_draft_for_account(*, account: User, application_id: UUID) -> Application | None:
    """A draft staff took for the account's person, not yet handed to them."""
    return (
        Application.objects.select_related("service")
        .filter(
            pk=application_id,
            person__account=account,
            status=Application.Status.DRAFT,
            taken_by__isnull=False,
        )
        .exclude(account=account)
        .first()
    )


def upload_for_account(*, account: User, upload_id: UUID) -> Upload | None:
    """An upload the account may see: its own applications' files. Staff open evidence
    from the case page, which checks their access to the case."""
    return (
        Upload.objects.select_related("application")
        .filter(Q(application__account=account) | Q(application__person__account=account))
        .filter(pk=upload_id)
        .first()
    )


# The person's own download, and the answers they can say are wrong (the rights app)


def answers_shown(
    *, application: Application, definition: ServiceDefinition, language: str
) -> list[dict[str, Any]]:
    """Each answered question of an application with its label and the answer as the
    person reads it (one line per part), in the order the questions are asked."""
    shown = []
    for question in definition.questions():
        if question.id not in application.answers:
            continue
        lines = catalogue.answer_type(question).display(
            question, application.answers[question.id], language
        )
        shown.append(
            {
                "question_id": question.id,
                "question": (question.summary_label or question.label).text(language),
                "answer": [str(line) for line in lines],
            }
        )
    return shown


def applications_for_export(*, person: Person, language: str) -> list[dict[str, Any]]:
    """The person's submitted applications, and the drafts their own account has started
    for themselves, with every answer: two queries whatever their number."""
    applications = list(
        catalogue.without_bulky_version_fields(
            Application.objects.select_related("version", "service")
            .filter(
                Q(person=person, status=Application.Status.SUBMITTED)
                | Q(
                    account_id=person.account_id,
                    status=Application.Status.DRAFT,
                    on_behalf=False,
                    taken_by__isnull=True,
                )
                if person.account_id
                else Q(person=person, status=Application.Status.SUBMITTED)
            )
            .order_by("created_at")
        )
    )
    catalogue.definitions_for([application.version for application in applications])
    exported = []
    for application in applications:
        definition = catalogue.definition_for(application.version)
        exported.append(
            {
                "reference": application.reference,
                "service": definition.name.text(language),
                "status": application.status,
                "channel": application.channel,
                "made_for_you_by_someone_else": application.on_behalf,
                "started_at": application.created_at.isoformat(),
                "sent_at": application.submitted_at.isoformat()
                if application.submitted_at
                else None,
                "answers": answers_shown(
                    application=application, definition=definition, language=language
                ),
            }
        )
    return exported


def submitted_application_of_person(*, person: Person, reference: str) -> Application | None:
    """The person's own submitted application with this reference (None for anyone
    else's), with its case."""
    return (
        catalogue.without_bulky_version_fields(
            Application.objects.select_related("version", "service", "case")
        )
        .filter(person=person, reference=reference, status=Application.Status.SUBMITTED)
        .first()
    )


def status_check_is_own(*, account: User | AnonymousUser, reference: str) -> bool:
    """Whether a signed-in account may see this submitted application anyway (it is theirs,
    or they have authority to view it): the status check then lets them through whatever
    others have guessed at the reference."""
    if not account.is_authenticated:
        return False
    authorities = authorities_for_account(account=account)
    return Application.objects.filter(
        _mine(account, authorities.person_ids(SCOPE_VIEW)),
        reference=reference,
        status=Application.Status.SUBMITTED,
    ).exists()


def application_uploads_for_staff(*, application_id: UUID) -> list[Upload]:
    """An application's evidence as the case page lists it, oldest first, with whether the
    virus scanner still holds each file (in the same query)."""
    return list(
        Upload.objects.filter(application_id=application_id)
        .annotate(scan_status=scan_status_of("file"))
        .order_by("created_at")
    )
