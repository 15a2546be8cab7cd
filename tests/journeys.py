"""Answers that walk each demo service from its first question to "Check your answers",
and a helper that drives the journey through the Django test client as a browser would."""

import re
from urllib.parse import urlparse

from django.urls import resolve, reverse

BUDGETING_LOAN = {
    "eligibility": {
        "universal-credit": "no",
        "qualifying-benefit": "yes",
        "existing-debt": "no",
        "industrial-action": "no",
    },
    "pages": {
        "name": {"given-name": "Sam", "family-name": "Evans"},
        "date-of-birth": {
            "date-of-birth-day": "4",
            "date-of-birth-month": "11",
            "date-of-birth-year": "1979",
        },
        "ni-number": {"ni-number": "AB 12 34 56 C"},
        "address": {
            "address-line-1": "2 High Street",
            "address-town": "Caerphilly",
            "address-postcode": "cf83 1aa",
        },
        "phone": {"phone": "07700 900982"},
        "partner": {"has-partner": "yes"},
        "partner-name": {"partner-name": "Jo Evans"},
        "child-benefit": {"child-benefit": "no"},
        "savings": {"savings": "250"},
        # Asked instead of the two above of someone who does not live with a partner.
        "single-child-benefit": {"single-child-benefit": "no"},
        "single-savings": {"single-savings": "100"},
        "purpose": {"purpose": ["furniture", "clothes"]},
        "amount": {"amount": "400"},
        "bank-details": {
            "bank-details-name": "S Evans",
            "bank-details-sort-code": "30-94-30",
            "bank-details-account-number": "00733445",
        },
        "contact-preference": {"preferred-contact": "email"},
        "language": {"language": "en"},
        "accessibility": {"accessibility-needs": ""},
    },
}

# A family carer applies for her mother: the on-behalf pages are asked, and the person's
# details go to a new record, not to the carer's own.
HOME_ADAPTATION = {
    "eligibility": {
        "home-in-area": "yes",
        "difficulty-at-home": "yes",
    },
    "pages": {
        "applying-for": {"applying-for": "someone-else"},
        "your-name": {"applicant-name": "Sam Evans"},
        "your-relationship": {"applicant-relationship": "family-member"},
        "your-phone": {"applicant-phone": "07700 900982"},
        "name": {"given-name": "Margaret", "family-name": "Evans"},
        "date-of-birth": {
            "date-of-birth-day": "12",
            "date-of-birth-month": "3",
            "date-of-birth-year": "1941",
        },
        "address": {
            "address-line-1": "14 Station Road",
            "address-town": "Caerphilly",
            "address-postcode": "CF83 1AB",
        },
        "phone": {"phone": "07700 900457"},
        "home-owner": {"home-owner": "private-landlord"},
        "landlord-agrees": {"landlord-agrees": "yes"},
        "adaptations-needed": {"adaptations-needed": ["grab-rails", "stair-rail"]},
        "difficulties": {
            "difficulties": "She cannot get in or out of the bath and fell on the stairs twice."
        },
        "ot-assessment": {"had-ot-assessment": "yes"},
        # The report is optional: the Django tests send none; a browser test uploads one.
        "ot-report": {},
        "applicant-contact-preference": {"applicant-preferred-contact": "phone"},
        "applicant-language": {"applicant-language": "cy"},
        "accessibility": {"accessibility-needs": "Please call the day before you visit."},
    },
}

ENERGY_SUPPORT = {
    "eligibility": {
        "postcode": "CF83 1JD",
        "pays-energy-bills": "yes",
    },
    "pages": {
        "name": {"given-name": "Sam", "family-name": "Evans"},
        "date-of-birth": {
            "date-of-birth-day": "4",
            "date-of-birth-month": "11",
            "date-of-birth-year": "1979",
        },
        "ni-number": {"ni-number": "AB 12 34 56 C"},
        # The address is found by postcode, then chosen from the list.
        "address": {"lookup": {"postcode": "CF83 1JD", "choice": "DEMO100000003"}},
        # Only asked if the email address held (the one signed in with) is not confirmed.
        "email": {"email": "sam.evans@example.com"},
        "phone": {"phone": ""},
        "heating": {"heating": "gas"},
        "prepayment-meter": {"prepayment-meter": "yes"},
        "energy-supplier": {"energy-supplier": "octopus-energy"},
        "household-size": {"household-size": "3"},
        "household-income": {"household-income": "1250"},
        "benefits": {"benefits": ["universal-credit", "council-tax-reduction"]},
        "bank-details": {
            "bank-details-name": "S Evans",
            "bank-details-sort-code": "30-94-30",
            "bank-details-account-number": "00733445",
        },
        "contact-preference": {"preferred-contact": "email"},
        "language": {"language": "en"},
        "accessibility": {"accessibility-needs": ""},
    },
}

CARERS_GRANT = {
    "eligibility": {
        "aged-16-or-over": "yes",
        "care-hours-band": "at-least-35",
        "lives-in-area": "yes",
        "had-grant-recently": "no",
    },
    "pages": {
        "name": {"given-name": "Sam", "family-name": "Evans"},
        "date-of-birth": {
            "date-of-birth-day": "4",
            "date-of-birth-month": "11",
            "date-of-birth-year": "1979",
        },
        "address": {"lookup": {"postcode": "CF83 1JD", "choice": "DEMO100000001"}},
        "email": {"email": "sam.evans@example.com"},
        "phone": {"phone": "07700 900982"},
        "cared-for-relationship": {"cared-for-relationship": "parent"},
        "cared-for-name": {"cared-for-name": "Margaret Evans"},
        "care-tasks": {"care-tasks": ["personal-care", "medicines", "appointments-and-paperwork"]},
        "care-hours": {"care-hours": "40"},
        "carers-allowance": {"carers-allowance": "yes"},
        "grant-use": {"grant-use": "A short break away and a laptop to keep in touch."},
        # Optional: the Django tests send no file; a browser test uploads one.
        "evidence": {},
        "bank-details": {
            "bank-details-name": "S Evans",
            "bank-details-sort-code": "30-94-30",
            "bank-details-account-number": "00733445",
        },
        "contact-preference": {"preferred-contact": "email"},
        "language": {"language": "en"},
        "accessibility": {"accessibility-needs": "Large print letters, please."},
    },
}

# Every demo service in src/commonweal/catalogue/demo/, by slug.
DEMO_JOURNEYS = {
    "budgeting-loan": BUDGETING_LOAN,
    "home-adaptation": HOME_ADAPTATION,
    "energy-support": ENERGY_SUPPORT,
    "carers-grant": CARERS_GRANT,
}

# The postcode field of an address look-up page names the question it looks up.
LOOKUP_POSTCODE_FIELD = re.compile(r'name="([\w-]+)-lookup-postcode"')


def path_of(response) -> str:
    return response.request["PATH_INFO"]


def answer_eligibility(client, slug: str, answers: dict):
    response = None
    for question_id, value in answers.items():
        response = client.post(
            reverse("portal:eligibility", args=[slug, question_id]), {"answer": value}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    return response


def lookup_question_id(html: str) -> str | None:
    """The address question an address look-up page is finding, or None for other pages."""
    match = LOOKUP_POSTCODE_FIELD.search(html)
    return match.group(1) if match else None


def answer_address_lookup(client, path: str, question_id: str, answers: dict):
    """Answer an address look-up page: find by postcode, then choose an address from the
    list. Answers without "lookup" are typed in by hand, through "Enter the address
    manually". Returns the response after the address is given, redirects followed."""
    lookup = answers.get("lookup")
    if lookup is None:
        return client.post(f"{path}?address=manual", answers, follow=True)
    postcode_field = f"{question_id}-lookup-postcode"
    found = client.post(path, {postcode_field: lookup["postcode"], "action": "find"})
    html = found.content.decode()
    assert found.status_code == 200, html[:3000]
    assert f'value="{lookup["choice"]}"' in html, f"{lookup['choice']} is not in the list"
    return client.post(
        path,
        {
            postcode_field: lookup["postcode"],
            f"{question_id}-choice": lookup["choice"],
            "action": "choose",
        },
        follow=True,
    )


def complete_pages(client, slug: str, pages: dict, max_steps: int = 60, reuse: str = "yes"):
    """Follow the journey from /apply/, answering each page it asks, saying `reuse` ("yes"
    or "no") when asked whether the details held may be used, confirming held details,
    until "Check your answers". Returns the check-answers response.

    A page's answers are the form fields it posts; for an address look-up page they can be
    {"lookup": {"postcode": ..., "choice": <address id>}} to find the address by postcode."""
    response = client.get(reverse("portal:apply", args=[slug]), follow=True)
    for _step in range(max_steps):
        assert response.status_code == 200, response.content.decode()[:3000]
        match = resolve(path_of(response))
        if match.url_name == "check-answers":
            return response
        if match.url_name == "use-details":
            response = client.post(path_of(response), {"reuse": reuse}, follow=True)
            continue
        if match.url_name == "confirm-details":
            response = client.post(path_of(response), follow=True)
            continue
        assert match.url_name == "page", f"unexpected page {path_of(response)}"
        page_id = match.kwargs["page_id"]
        assert page_id in pages, f"no answers given for page {page_id}"
        question_id = lookup_question_id(response.content.decode())
        if question_id is not None:
            response = answer_address_lookup(client, path_of(response), question_id, pages[page_id])
        else:
            response = client.post(path_of(response), pages[page_id], follow=True)
        if response.status_code != 200:
            raise AssertionError(f"page {page_id}: {response.content.decode()[:3000]}")
    raise AssertionError("the journey did not reach check your answers")


def apply(client, slug: str, journey: dict):
    """Eligibility, every page, then "Accept and send". Returns the confirmation response."""
    answer_eligibility(client, slug, journey["eligibility"])
    complete_pages(client, slug, journey["pages"])
    response = client.post(reverse("portal:check-answers", args=[slug]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "/confirmation/" in urlparse(response["Location"]).path
    return client.get(response["Location"])


def postcode_given(journey: dict) -> str:
    """The postcode of the address given in the journey, looked up or typed in."""
    address = journey["pages"]["address"]
    if "lookup" in address:
        return address["lookup"]["postcode"]
    return address["address-postcode"]


def status_check_details(journey: dict, reference: str) -> dict:
    """What "Check the status of an application" asks, from the journey's own answers."""
    birth = journey["pages"]["date-of-birth"]
    return {
        "reference": reference,
        "dob-day": birth["date-of-birth-day"],
        "dob-month": birth["date-of-birth-month"],
        "dob-year": birth["date-of-birth-year"],
        "postcode": postcode_given(journey),
    }


def complete_draft(account, slug: str = "budgeting-loan"):
    """A draft with every answer given, made directly (for tests about what happens next)."""
    from commonweal.catalogue import selectors as catalogue
    from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
    from commonweal.intake.models import Application

    assert slug == "budgeting-loan", "only the Budgeting Loan has ready-made answers"
    published = catalogue.published_service(slug=slug)
    pages = [page.id for page in published.definition.visible_pages(BUDGETING_LOAN_ANSWERS)]
    Application.objects.create(
        account=account,
        service=published.service,
        version=published.version,
        answers=BUDGETING_LOAN_ANSWERS,
        completed_pages=pages,
    )
    return published
