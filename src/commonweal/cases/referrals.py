"""Referrals of a case to another organisation (a council team elsewhere, a charity or a
contractor) with a sharing scope, and their end. Part of `services`' interface (re-exported
there); the shared helpers are services'.

A provider sees only what the person agreed to share: the consent is the rights app's,
asked through the `sharing-consent` registry (`registry.py`), so cases does not import it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commonweal.organisations import selectors as organisations

from . import services as _cases
from .models import Case, CaseEvent, Referral
from .registry import SHARING_CONSENT


def case_refer(
    *, case_id: int, organisation_id: int, scope: list[str], reason: str, by, context, revision
) -> Referral:
    """Share the case with another organisation, limited to the parts in `scope`. A
    provider (a charity or contractor) sees any of the person's details only once the person
    has said yes to sharing; without it, only the summary can go."""
    reason = (reason or "").strip()
    scope = [part for part in Referral.Scope.values if part in set(scope or [])]
    if not reason:
        raise _cases.CaseActionRefused(_("Say why you are referring the case."), field="reason")
    with transaction.atomic():
        case = _cases._locked(case_id, revision)
        _cases._require_open(case)
        target = organisations.organisation(organisation_id=organisation_id)
        if target is None or organisation_id in context.organisation_ids:
            raise _cases.CaseActionRefused(_("Choose another organisation."), field="organisation")
        if target.is_provider and scope and not _provider_sharing_allowed(case.person_id):
            raise _cases.CaseActionRefused(
                _(
                    "The person has not said yes to sharing their details with organisations "
                    "that help, so %(organisation)s can be sent the summary only. Record their "
                    "answer, or ask them first."
                )
                % {"organisation": target.name},
                field="organisation",
            )
        if Referral.objects.filter(
            case=case, organisation_id=organisation_id, ended_at__isnull=True
        ).exists():
            raise _cases.CaseActionRefused(
                _("The case is already referred to %(organisation)s.")
                % {"organisation": target.name},
                field="organisation",
            )
        referral = _referral_create(case, target, scope, reason, by)
    return referral


def _referral_create(case: Case, target, scope: list[str], reason: str, by, **extra) -> Referral:
    referral = Referral.objects.create(
        case=case,
        organisation_id=target.pk,
        scope=scope,
        reason=reason,
        referred_by=by,
        created_at=timezone.now(),
    )
    _cases._save(case)
    _cases.case_event_record(
        case=case,
        kind=CaseEvent.Kind.REFERRED,
        by=by,
        # The person sees that another organisation is helping with their case.
        visible_to_person=True,
        data={
            "organisation": target.pk,
            "organisation_name": target.name,
            "scope": scope,
            "reason": reason,
            "referral": referral.pk,
            **extra,
        },
    )
    _cases.case_publish(
        case=case,
        event_type="referral.started",
        data={"referral": referral.pk, "organisation": target.slug, "scope": scope},
    )
    return referral


def case_refer_after_consent(
    *, case_id: int, organisation_id: int, scope: list[str], reason: str, by, consent_id: int
) -> Referral | None:
    """The referral that waited for the person's yes, made in the transaction that records
    it, as the member of staff who asked (`by`). None when it can no longer be made: the
    case has closed, or it is already referred there."""
    with transaction.atomic(savepoint=False):
        case = _cases._locked(case_id, None)
        target = organisations.organisation(organisation_id=organisation_id)
        if case.closed_at is not None or target is None:
            return None
        if Referral.objects.filter(
            case=case, organisation_id=organisation_id, ended_at__isnull=True
        ).exists():
            return None
        scope = [part for part in Referral.Scope.values if part in set(scope or [])]
        return _referral_create(case, target, scope, reason, by, after_consent=consent_id)


def referral_end(*, referral_id: int, by, revision) -> Referral:
    with transaction.atomic():
        referral = Referral.objects.select_related("organisation").get(pk=referral_id)
        case = _cases._locked(referral.case_id, revision)
        if referral.ended_at is not None:
            raise _cases.CaseActionRefused(_("This referral has already ended."))
        referral.ended_at = timezone.now()
        referral.ended_by = by
        referral.save(update_fields=["ended_at", "ended_by"])
        _cases._save(case)
        _cases.case_event_record(
            case=case,
            kind=CaseEvent.Kind.REFERRAL_ENDED,
            by=by,
            visible_to_person=True,
            data={
                "organisation": referral.organisation_id,
                "organisation_name": referral.organisation.name,
                "referral": referral.pk,
            },
        )
        _ended_publish(case, referral)
    return referral


def _ended_publish(case: Case, referral: Referral) -> None:
    _cases.case_publish(
        case=case,
        event_type="referral.ended",
        data={"referral": referral.pk, "organisation": referral.organisation.slug},
    )


def _provider_sharing_allowed(person_id: int) -> bool:
    """Whether the person agreed to their details going to a provider (the rights app, which
    keeps consents, answers through the `sharing-consent` registry); nobody to ask, no."""
    consent = SHARING_CONSENT.find("provider")
    return bool(consent is not None and consent(person_id))


def referrals_end_for_person(*, person_id: int, by, reason: str) -> int:
    """End, at once, every active referral of the person's cases to a provider (a charity
    or contractor), for example because they withdrew their consent to sharing: the
    providers lose access in this transaction. Each case records why, for its team and
    the person. A few statements however many there are; returns how many ended."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        active = list(
            Referral.objects.select_for_update(of=("self",))
            .filter(case__person_id=person_id, ended_at__isnull=True)
            .filter(organisation__kind__in=["charity", "contractor"])
            .select_related("organisation", "case")
        )
        if not active:
            return 0
        Referral.objects.filter(pk__in=[r.pk for r in active]).update(ended_at=now, ended_by=by)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=referral.case_id,
                    kind=CaseEvent.Kind.REFERRAL_ENDED,
                    created_at=now,
                    actor=by,
                    visible_to_person=True,
                    data={
                        "organisation": referral.organisation_id,
                        "organisation_name": referral.organisation.name,
                        "referral": referral.pk,
                        "reason": reason,
                    },
                )
                for referral in active
            ]
        )
        Case.objects.filter(pk__in={r.case_id for r in active}).update(revision=F("revision") + 1)
        for referral in active:
            _ended_publish(referral.case, referral)
    return len(active)
