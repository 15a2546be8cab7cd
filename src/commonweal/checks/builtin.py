"""The built-in checks. Each one reads the case's own answers (`facts.case_facts`) and asks
the match-key index a fixed number of questions (one or two SQL aggregates on the
`match_key_find` index), so a check costs the same on the first case and the millionth.

A red or amber result is a referral to a person, never a refusal: nothing here changes the
case. Green means the check looked and found nothing wrong; a check with nothing to look at
(the application gave no NI number, no bank details…) or without what it needs (no modulus
table) is "not run", with the reason, never green. Reasons are plain sentences for a
caseworker, kept as messages so each reader sees them in their own language (reasons.py);
evidence holds what they would look up (other cases' references, counts, the limits used)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from commonweal.core import uk

from . import modulus, names
from .facts import case_facts, digest
from .reasons import message as _
from .reasons import message_plural as ngettext
from .registry import register_check

# Other cases named in a result's evidence, newest first.
EVIDENCE_LIMIT = 10


def _green(*reasons: str, **evidence) -> dict:
    return {"status": "green", "reasons": list(reasons), "evidence": evidence}


def not_run(*reasons: str, **evidence) -> dict:
    """The check did not look at anything: the reasons say why."""
    return {"status": "not_run", "reasons": list(reasons), "evidence": evidence}


def _matches(case, kind_digests: dict[str, list[str]], *, since=None, until=None, **filters):
    """The other cases sharing any of these keys: a count of cases and of other people, and
    the newest few references. Two queries, both starting from the (kind, digest) index."""
    from .models import MatchKey

    match = Q()
    for kind, digests in kind_digests.items():
        if digests:
            match |= Q(kind=kind, digest__in=digests)
    keys = MatchKey.objects.filter(match, **filters).exclude(case_id=case.pk)
    if since is not None:
        keys = keys.filter(submitted_at__gte=since)
    if until is not None:
        keys = keys.filter(submitted_at__lte=until)
    totals = keys.aggregate(
        cases=Count("case", distinct=True),
        other_people=Count("person", distinct=True, filter=~Q(person_id=case.person_id)),
    )
    newest = list(
        keys.order_by("-submitted_at", "-case_id").values_list("case__reference", "person_id")[
            : EVIDENCE_LIMIT * 3
        ]
    )
    references: list[str] = []
    for reference, person_id in newest:
        label = reference if person_id != case.person_id else f"{reference} (same person)"
        if label not in references:
            references.append(label)
    return totals["cases"], totals["other_people"], references[:EVIDENCE_LIMIT]


@register_check("duplicate-ni-number", label=gettext_lazy("Same NI number on another application"))
def duplicate_ni_number(case) -> dict:
    """The same NI number on another open case of the same service."""
    facts = case_facts(case)
    if not facts.ni_numbers:
        return not_run(_("No National Insurance number was given, so there was nothing to match."))
    cases, other_people, references = _matches(
        case,
        {"ni": [digest("ni", value) for value in facts.ni_numbers]},
        service_id=case.service_id,
        case__closed_at__isnull=True,
    )
    evidence = {"open_cases": cases, "other_people": other_people, "cases": references}
    if not cases:
        return _green(
            _("No other open application for this service has this NI number."), **evidence
        )
    if other_people:
        reason = ngettext(
            "Another person's open application for this service has the same NI number.",
            "%(count)s other people's open applications for this service have the same NI number.",
            other_people,
        ) % {"count": other_people}
        return {
            "status": "red",
            "reasons": [reason, _("Check who the number belongs to.")],
            "evidence": evidence,
        }
    reason = ngettext(
        "This person already has an open application for this service.",
        "This person already has %(count)s open applications for this service.",
        cases,
    ) % {"count": cases}
    return {
        "status": "amber",
        "reasons": [reason, _("It may be sent twice: check before deciding both.")],
        "evidence": evidence,
    }


@register_check("shared-bank-account", label=gettext_lazy("Bank account used by other people"))
def shared_bank_account(case) -> dict:
    """The same sort code and account number given by different people, on any application."""
    facts = case_facts(case)
    accounts = facts.valid_bank_accounts()
    if not accounts and facts.bank_accounts:
        return not_run(
            _(
                "The sort code or account number is not in the right form, so the account "
                "could not be compared with others."
            )
        )
    if not accounts:
        return not_run(_("This application has no bank details to compare."))
    cases, other_people, references = _matches(
        case,
        {"bank": [digest("bank", f"{sort}{number}") for sort, number in accounts]},
    )
    evidence = {"other_people": other_people, "applications": cases, "cases": references}
    if not other_people:
        return _green(_("Nobody else has given this bank account."), **evidence)
    reason = ngettext(
        "%(count)s other person has given the same bank account.",
        "%(count)s other people have given the same bank account.",
        other_people,
    ) % {"count": other_people}
    if other_people >= 2:
        return {
            "status": "red",
            "reasons": [reason, _("Check the account belongs to the person before paying.")],
            "evidence": evidence,
        }
    return {
        "status": "amber",
        "reasons": [reason, _("It may be a partner's or a representative's account: check.")],
        "evidence": evidence,
    }


def _limits(case, name: str, limit: int, window: int, window_field: str) -> tuple[int, int]:
    """The service's own limit and window for this check, or the site's."""
    from commonweal.catalogue import selectors as catalogue

    own = catalogue.definition_for(case.version).check_settings.get(name)
    if own is None:
        return limit, window
    return own.limit or limit, getattr(own, window_field) or window


def _velocity(case, kinds: dict[str, list[str]], limit: int, window: datetime.timedelta):
    submitted = case.application.submitted_at or case.opened_at
    cases, other_people, references = _matches(
        case, kinds, since=submitted - window, until=submitted + window
    )
    # This application counts towards the limit too.
    return cases + 1, other_people, references


@register_check("contact-velocity", label=gettext_lazy("Same phone or email on many applications"))
def contact_velocity(case) -> dict:
    facts = case_facts(case)
    if not facts.phones and not facts.emails:
        return not_run(
            _("No phone number or email address was given, so there was nothing to count.")
        )
    limit, hours = _limits(
        case,
        "contact-velocity",
        settings.COMMONWEAL_CHECK_CONTACT_LIMIT,
        settings.COMMONWEAL_CHECK_CONTACT_WINDOW_HOURS,
        "window_hours",
    )
    total, other_people, references = _velocity(
        case,
        {
            "phone": [digest("phone", value) for value in facts.phones],
            "email": [digest("email", value) for value in facts.emails],
        },
        limit,
        datetime.timedelta(hours=hours),
    )
    evidence = {
        "applications": total,
        "other_people": other_people,
        "limit": limit,
        "window_hours": hours,
        "cases": references,
    }
    if total < limit:
        return _green(
            ngettext(
                "The phone number and email address are on %(count)s application within "
                "%(hours)s hours, below the limit of %(limit)s.",
                "The phone number and email address are on %(count)s applications within "
                "%(hours)s hours, below the limit of %(limit)s.",
                total,
            )
            % {"count": total, "hours": hours, "limit": limit},
            **evidence,
        )
    reason = _(
        "The same phone number or email address is on %(count)s applications within %(hours)s "
        "hours (the limit is %(limit)s)."
    ) % {"count": total, "hours": hours, "limit": limit}
    return _over_the_limit(
        reason, other_people, _("They are for different people: check who is applying."), evidence
    )


def _over_the_limit(reason: str, other_people: int, when_others: str, evidence: dict) -> dict:
    """Red when the applications over the limit are for different people; amber when they
    are all for this person (perhaps the same request twice)."""
    if other_people:
        return {"status": "red", "reasons": [reason, when_others], "evidence": evidence}
    return {
        "status": "amber",
        "reasons": [
            reason,
            _("They are all for this person: check they are not the same request twice."),
        ],
        "evidence": evidence,
    }


@register_check("address-velocity", label=gettext_lazy("Many applications from one address"))
def address_velocity(case) -> dict:
    facts = case_facts(case)
    if not facts.addresses:
        return not_run(_("No address was given, so there was nothing to count."))
    limit, days = _limits(
        case,
        "address-velocity",
        settings.COMMONWEAL_CHECK_ADDRESS_LIMIT,
        settings.COMMONWEAL_CHECK_ADDRESS_WINDOW_DAYS,
        "window_days",
    )
    total, other_people, references = _velocity(
        case,
        {"address": [digest("address", value) for value in facts.addresses]},
        limit,
        datetime.timedelta(days=days),
    )
    evidence = {
        "applications": total,
        "other_people": other_people,
        "limit": limit,
        "window_days": days,
        "cases": references,
    }
    if total < limit:
        return _green(
            ngettext(
                "%(count)s application from this address within %(days)s days, below the "
                "limit of %(limit)s.",
                "%(count)s applications from this address within %(days)s days, below the "
                "limit of %(limit)s.",
                total,
            )
            % {"count": total, "days": days, "limit": limit},
            **evidence,
        )
    reason = _(
        "%(count)s applications from this address within %(days)s days (the limit is %(limit)s)."
    ) % {"count": total, "days": days, "limit": limit}
    return _over_the_limit(
        reason,
        other_people,
        _("They are for different people: check they all live there."),
        evidence,
    )


@register_check("bank-details-format", label=gettext_lazy("Bank details"))
def bank_details_format(case) -> dict:
    """Sort code of 6 digits, account number of 8, and the modulus check the banks publish,
    with the Vocalink (Pay.UK) table. Without the table only the format can be checked, so
    details in the right format are "not run": the number itself was not checked."""
    facts = case_facts(case)
    if not facts.bank_accounts:
        return not_run(_("This application has no bank details to check."))
    path = settings.COMMONWEAL_SORT_CODE_FILE
    table = (
        modulus.load_table(path, settings.COMMONWEAL_SORT_CODE_SUBSTITUTIONS_FILE) if path else None
    )
    reasons, status, evidence = [], "green", {"accounts": []}
    for raw_sort_code, raw_account in facts.bank_accounts:
        sort_code = uk.normalise_sort_code(raw_sort_code)
        account = raw_account if raw_account.isdigit() and len(raw_account) == 8 else None
        shown = uk.format_sort_code(sort_code or raw_sort_code)
        entry = {"sort_code": shown, "account_ends": raw_account[-4:]}
        evidence["accounts"].append(entry)
        if sort_code is None:
            status = "red"
            reasons.append(_("The sort code %(sort_code)s is not 6 digits.") % {"sort_code": shown})
            continue
        if account is None:
            status = "red"
            reasons.append(_("The account number is not 8 digits."))
            continue
        if table is None:
            entry["modulus"] = "not configured"
            if status == "green":
                status = "not_run"
            reasons.append(
                _(
                    "The modulus check is not set up, so the account number itself was not "
                    "checked. The sort code and account number are in the right format."
                )
            )
            continue
        valid = modulus.check(table, sort_code, account)
        if valid is None:
            entry["modulus"] = "sort code not in table"
            reasons.append(
                _(
                    "Sort code %(sort_code)s is not in the modulus table, so the account number "
                    "cannot be checked; the banks say to treat it as valid."
                )
                % {"sort_code": shown}
            )
        elif valid:
            entry["modulus"] = "pass"
            reasons.append(
                _("The account number passes the banks' modulus check for sort code %(sort_code)s.")
                % {"sort_code": shown}
            )
        else:
            entry["modulus"] = "fail"
            status = "red"
            reasons.append(
                _(
                    "The account number does not pass the banks' modulus check for sort code "
                    "%(sort_code)s. It may have been typed wrongly: check it with the person."
                )
                % {"sort_code": shown}
            )
    return {"status": status, "reasons": reasons, "evidence": evidence}


# Representatives who may manage the person's money, so an account in their name is the
# person's money in safe hands, not someone else's.
MONEY_AUTHORITIES = {"appointee", "power_of_attorney"}
AUTHORITY_WORDS = {
    "appointee": _("appointee"),
    "power_of_attorney": _("power of attorney"),
}


def _money_representatives(person) -> list:
    """The person's appointees and attorneys whose authority is in force today."""
    from django.utils import timezone

    from commonweal.people import selectors as people_selectors

    today = timezone.localdate()
    return [
        representative
        for representative in people_selectors.representatives_of(person=person)
        if representative.revoked_at is None
        and (representative.ends_on is None or representative.ends_on >= today)
        and (representative.relationship in MONEY_AUTHORITIES or representative.legal_authority)
    ]


def _account_name_verdict(account_name: str, applicant_names, representatives) -> tuple[str, dict]:
    """Whose name the account is in: "applicant", "representative" or "nobody"."""
    for given, family in applicant_names:
        if names.name_on_account_matches(account_name, given_names=given, family_name=family):
            return "applicant", {}
    for representative in representatives:
        given, family = names.split_full_name(representative.name)
        if names.name_on_account_matches(account_name, given_names=given, family_name=family):
            return "representative", {
                "representative": representative.name,
                "relationship": AUTHORITY_WORDS.get(
                    representative.relationship, _("legal authority")
                ),
            }
    return "nobody", {}


@register_check("account-holder-name", label=gettext_lazy("Name on the bank account"))
def account_holder_name(case) -> dict:
    """The name on the bank account is the applicant's, or their appointee's or attorney's,
    allowing for initials, titles, order and joint accounts (names.py). Amber when it is
    nobody's of theirs: money may be about to go to someone else."""
    facts = case_facts(case)
    if not facts.bank_account_names:
        return not_run(_("This application has no bank details, so there is no name to compare."))
    given, family = facts.applicant_names[0] if facts.applicant_names else ("", "")
    applicant = " ".join(part for part in (given, family) if part)
    if not given or not family:
        return not_run(
            _("The applicant's name is not known, so the name on the account was not compared.")
        )
    representatives = _money_representatives(case.person)
    status, reasons, accounts = "green", [], []
    for account_name in facts.bank_account_names:
        whose, found = _account_name_verdict(account_name, facts.applicant_names, representatives)
        accounts.append({"name_on_account": account_name, "matches": whose, **found})
        values = {"account": account_name, "applicant": applicant}
        if whose == "applicant":
            reasons.append(
                _("The name on the account, %(account)s, matches the applicant, %(applicant)s.")
                % values
            )
        elif whose == "representative":
            reasons.append(
                _(
                    "The name on the account, %(account)s, matches %(representative)s, who is "
                    "recorded as acting for the applicant (%(relationship)s)."
                )
                % {**values, **found}
            )
        else:
            status = "amber"
            reasons.append(
                _(
                    "The name on the account, %(account)s, does not match the applicant, "
                    "%(applicant)s, or anyone recorded as managing their money. Check the "
                    "account is theirs before paying."
                )
                % values
            )
    evidence = {"accounts": accounts, "applicant": applicant}
    if representatives:
        evidence["representatives"] = [representative.name for representative in representatives]
    return {"status": status, "reasons": reasons, "evidence": evidence}
