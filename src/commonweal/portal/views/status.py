"""Where an application is, without signing in: reference, date of birth and postcode,
with the number of attempts limited."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.catalogue import selectors as catalogue
from commonweal.core import services as core_services
from commonweal.core import uk
from commonweal.core.clients import client_key
from commonweal.core.references import normalise_reference
from commonweal.intake import selectors as intake_selectors

from . import common


def _status_check_allowed(request, reference: str) -> bool:
    """Counts the attempt; False when a limit is used up. Guesses are counted per client, per
    reference from that client, and per reference from every client together (a much higher
    ceiling), so someone guessing elsewhere does not lock the owner out; and an owner who is
    signed in is let through without counting, whatever others have tried."""
    if intake_selectors.status_check_is_own(account=request.user, reference=reference):
        return True
    hour = datetime.timedelta(hours=1)
    client = client_key(request)
    limits = [
        (
            f"check-status:client:{client}",
            settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_CLIENT_PER_HOUR,
        ),
        (
            f"check-status:reference:{reference}:client:{client}",
            settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_PER_HOUR,
        ),
        (
            f"check-status:reference:{reference}",
            settings.COMMONWEAL_CHECK_STATUS_ATTEMPTS_PER_REFERENCE_ALL_CLIENTS_PER_HOUR,
        ),
    ]
    return all(
        core_services.rate_limit_hit(key=key, limit=limit, window=hour) for key, limit in limits
    )


def _parsed(raw: dict) -> tuple[str | None, datetime.date | None, str | None, list[dict]]:
    """The reference, date of birth and postcode typed, and what is wrong with them."""
    errors = []
    reference = normalise_reference(raw["reference"])
    postcode = uk.normalise_postcode(raw["postcode"])
    try:
        date_of_birth = datetime.date(
            int(raw["dob-year"]), int(raw["dob-month"]), int(raw["dob-day"])
        )
    except (ValueError, OverflowError):
        date_of_birth = None
    if not raw["reference"]:
        errors.append({"text": _("Enter your application reference"), "href": "#reference"})
    elif reference is None:
        errors.append(
            {
                "text": _("Enter your reference as it appears in your email, like BL-7KQ4-M2XD"),
                "href": "#reference",
            }
        )
    if date_of_birth is None or not date_of_birth.year >= 1900:
        errors.append({"text": _("Enter a real date of birth"), "href": "#dob-day"})
    if not raw["postcode"]:
        errors.append({"text": _("Enter your postcode"), "href": "#postcode"})
    elif postcode is None:
        errors.append({"text": _("Enter a real postcode"), "href": "#postcode"})
    return reference, date_of_birth, postcode, errors


def _result(case) -> dict:
    """What the page shows of the application found: where it is, and what happened."""
    definition = catalogue.definition_for(case.version)
    return {
        "case": case,
        "definition": definition,
        "stage": definition.stage(case.stage),
        "timeline": cases_selectors.case_timeline(
            case=case,
            definition=definition,
            language=common.language(),
            viewer=cases_selectors.VIEWER_UNKNOWN,
        ),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def check_status(request):
    """Where an application is, without signing in: reference, date of birth and postcode.

    A wrong combination gets the same answer whether or not the reference exists, and
    attempts are limited per client and per reference (see _status_check_allowed).
    """
    raw = {"reference": "", "dob-day": "", "dob-month": "", "dob-year": "", "postcode": ""}
    errors = []
    result = None
    status = 200
    if request.method == "POST":
        raw = {key: (request.POST.get(key) or "").strip()[:40] for key in raw}
        reference, date_of_birth, postcode, errors = _parsed(raw)
        if not errors:
            if not _status_check_allowed(request, reference):
                status = 429
                errors.append(
                    {
                        "text": _(
                            "You have tried too many times. Wait an hour and try again, or "
                            "contact us."
                        ),
                        "href": "#reference",
                    }
                )
            else:
                case = cases_selectors.case_for_status_check(
                    reference=reference, date_of_birth=date_of_birth, postcode=postcode
                )
                if case is None:
                    status = 404
                    errors.append(
                        {
                            "text": _(
                                "We could not find an application with those details. Check "
                                "them and try again."
                            ),
                            "href": "#reference",
                        }
                    )
                else:
                    result = _result(case)
        if errors and status == 200:
            status = 400
    return render(
        request,
        "portal/applications/check_status.html",
        {
            "raw": raw,
            "errors": errors,
            "result": result,
            "page_title": _("Check the status of an application"),
            "nav": "check-status",
        },
        status=status,
    )
