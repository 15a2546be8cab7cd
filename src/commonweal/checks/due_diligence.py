"""Due-diligence checks on organisations, against the public registers' own APIs.

- Companies House Public Data API: `GET {url}/company/{number}`, HTTP basic auth with the
  API key as the user name and no password; JSON with `company_name`, `company_status`,
  `date_of_cessation`. Unknown numbers answer 404.
- Charity Commission Register of Charities API:
  `GET {url}/allcharitydetailsV2/{number}/0` with the key in `Ocp-Apim-Subscription-Key`;
  JSON with `charity_name`, `reg_status` ("R" registered, "RM" removed), `date_of_removal`.

The number comes from the application's answer to the question `company-number` or
`charity-number`, and the name (if asked) from `organisation-name`. With no number given, or
no API key set, nothing is sent anywhere and the result is "not run": a person must look the
organisation up by hand, and nothing (automation above all) treats it as checked. A register that
is down, slow or limiting us (429, 5xx, time-out) raises, so the runner records an error
and tells the team."""

from __future__ import annotations

import re

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy

from .reasons import message as _
from .registry import register_check

COMPANY_NUMBER_QUESTION = "company-number"
CHARITY_NUMBER_QUESTION = "charity-number"
ORGANISATION_NAME_QUESTION = "organisation-name"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# Companies House company_status values that mean the company has ended or is insolvent.
ENDED = {"dissolved", "converted-closed", "removed", "closed"}
INSOLVENT = {
    "liquidation",
    "receivership",
    "administration",
    "voluntary-arrangement",
    "insolvency-proceedings",
}


class RegisterUnavailable(Exception):
    """The register did not answer usefully (rate limit, server error)."""


def _answer(case, question_id: str) -> str:
    value = (case.application.answers or {}).get(question_id)
    return str(value).strip() if value not in (None, "") else ""


def normalise_company_number(value: str) -> str | None:
    """'1234567' -> '01234567'; 'sc123456' -> 'SC123456'; None if it cannot be one."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if compact.isdigit() and len(compact) <= 8:
        return compact.rjust(8, "0")
    return compact if re.fullmatch(r"[A-Z]{2}[0-9]{6}", compact) else None


def _name_key(name: str) -> str:
    name = re.sub(r"[^A-Z0-9 ]+", " ", (name or "").upper())
    name = re.sub(r"\bLIMITED\b", "LTD", name)
    name = re.sub(r"\bPUBLIC LIMITED COMPANY\b", "PLC", name)
    return " ".join(name.split())


def _not_run(register) -> dict:
    return {
        "status": "not_run",
        "reasons": [
            _(
                "No API key is set for %(register)s, so nothing was looked up. Look the "
                "organisation up by hand."
            )
            % {"register": register}
        ],
        "evidence": {"not_run": "no_api_key"},
    }


def _nothing_given(reason) -> dict:
    return {"status": "not_run", "reasons": [reason], "evidence": {"not_run": "nothing_given"}}


def _raise_for_trouble(response: httpx.Response, register: str) -> None:
    if response.status_code == 429:
        raise RegisterUnavailable(f"{register} is limiting our requests (429)")
    if response.status_code >= 500:
        raise RegisterUnavailable(f"{register} answered {response.status_code}")
    if response.status_code in (401, 403):
        raise RegisterUnavailable(f"{register} refused the API key ({response.status_code})")


def _name_reason(case, registered_name: str) -> str | None:
    given = _answer(case, ORGANISATION_NAME_QUESTION)
    if given and registered_name and _name_key(given) != _name_key(registered_name):
        return _("The name given, %(given)s, is not the registered name, %(registered)s.") % {
            "given": given,
            "registered": registered_name,
        }
    return None


def _verdict(case, *, name: str, evidence: dict, ended, standing, good: str) -> dict:
    """What a register's record says of the organisation, the same for every register: red
    when it has ended (`ended` says how); amber when the name given is not the registered
    one, or its status is not the good one (`standing` says what it is); else green."""
    if ended:
        return {"status": "red", "reasons": [ended], "evidence": evidence}
    mismatch = _name_reason(case, name)
    if standing is not None or mismatch:
        reasons = [mismatch] if mismatch else []
        if standing is not None:
            reasons.append(standing)
        return {"status": "amber", "reasons": reasons, "evidence": evidence}
    return {"status": "green", "reasons": [good], "evidence": evidence}


def companies_house_company(number: str) -> httpx.Response:
    return httpx.get(
        f"{settings.COMMONWEAL_COMPANIES_HOUSE_URL.rstrip('/')}/company/{number}",
        auth=(settings.COMMONWEAL_COMPANIES_HOUSE_API_KEY, ""),
        headers={"Accept": "application/json"},
        timeout=TIMEOUT,
    )


@register_check("companies-house", label=gettext_lazy("Companies House"))
def companies_house(case) -> dict:
    given = _answer(case, COMPANY_NUMBER_QUESTION)
    if not given:
        return _nothing_given(_("No company number was given, so there was nothing to look up."))
    number = normalise_company_number(given)
    if number is None:
        return {
            "status": "red",
            "reasons": [_("%(number)s is not a company number.") % {"number": given}],
            "evidence": {"company_number": given},
        }
    if not settings.COMMONWEAL_COMPANIES_HOUSE_API_KEY:
        return _not_run(_("Companies House"))
    response = companies_house_company(number)
    if response.status_code == 404:
        return {
            "status": "red",
            "reasons": [
                _("Companies House has no company numbered %(number)s.") % {"number": number}
            ],
            "evidence": {"company_number": number, "found": False},
        }
    _raise_for_trouble(response, "Companies House")
    response.raise_for_status()
    company = response.json()
    name = company.get("company_name", "")
    status = company.get("company_status", "")
    evidence = {
        "company_number": company.get("company_number", number),
        "company_name": name,
        "company_status": status,
        "date_of_creation": company.get("date_of_creation"),
        "date_of_cessation": company.get("date_of_cessation"),
    }
    ended = None
    if status in ENDED or company.get("date_of_cessation"):
        when = company.get("date_of_cessation") or _("an unknown date")
        ended = _("%(name)s (%(number)s) has closed: its status is %(status)s, since %(date)s.") % {
            "name": name,
            "number": number,
            "status": status,
            "date": when,
        }
    elif status in INSOLVENT:
        ended = _("%(name)s (%(number)s) is insolvent: its status is %(status)s.") % {
            "name": name,
            "number": number,
            "status": status,
        }
    return _verdict(
        case,
        name=name,
        evidence=evidence,
        ended=ended,
        standing=None
        if status == "active"
        else _("Companies House gives the status of %(name)s as %(status)s.")
        % {"name": name, "status": status or _("unknown")},
        good=_("%(name)s (%(number)s) is an active company.") % {"name": name, "number": number},
    )


def charity_commission_charity(number: str) -> httpx.Response:
    return httpx.get(
        f"{settings.COMMONWEAL_CHARITY_COMMISSION_URL.rstrip('/')}/allcharitydetailsV2/{number}/0",
        headers={
            "Ocp-Apim-Subscription-Key": settings.COMMONWEAL_CHARITY_COMMISSION_API_KEY,
            "Accept": "application/json",
        },
        timeout=TIMEOUT,
    )


@register_check("charity-commission", label=gettext_lazy("Charity Commission"))
def charity_commission(case) -> dict:
    given = _answer(case, CHARITY_NUMBER_QUESTION)
    if not given:
        return _nothing_given(_("No charity number was given, so there was nothing to look up."))
    number = re.sub(r"\s+", "", given)
    if not re.fullmatch(r"[0-9]{6,8}", number):
        return {
            "status": "red",
            "reasons": [_("%(number)s is not a charity number.") % {"number": given}],
            "evidence": {"charity_number": given},
        }
    if not settings.COMMONWEAL_CHARITY_COMMISSION_API_KEY:
        return _not_run(_("the Charity Commission"))
    response = charity_commission_charity(number)
    charity = response.json() if response.status_code == 200 and response.content else None
    if response.status_code == 404 or (response.status_code == 200 and not charity):
        return {
            "status": "red",
            "reasons": [
                _("The Charity Commission has no charity numbered %(number)s.") % {"number": number}
            ],
            "evidence": {"charity_number": number, "found": False},
        }
    _raise_for_trouble(response, "the Charity Commission")
    response.raise_for_status()
    name = charity.get("charity_name", "")
    status = charity.get("reg_status", "")
    evidence = {
        "charity_number": number,
        "charity_name": name,
        "reg_status": status,
        "date_of_registration": charity.get("date_of_registration"),
        "date_of_removal": charity.get("date_of_removal"),
    }
    ended = None
    if status == "RM" or charity.get("date_of_removal"):
        ended = _(
            "%(name)s (%(number)s) was removed from the register of charities on %(date)s."
        ) % {
            "name": name,
            "number": number,
            "date": charity.get("date_of_removal") or _("an unknown date"),
        }
    return _verdict(
        case,
        name=name,
        evidence=evidence,
        ended=ended,
        standing=None
        if status == "R"
        else _("The Charity Commission gives the status of %(name)s as %(status)s.")
        % {"name": name, "status": status or _("unknown")},
        good=_("%(name)s (%(number)s) is a registered charity.") % {"name": name, "number": number},
    )
