"""Answers that walk each demo service from its first question to "Check your answers",
and a helper that drives the journey through the Django test client as a browser would."""

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


def path_of(response) -> str:
    return response.request["PATH_INFO"]


def answer_eligibility(client, slug: str, answers: dict):
    response = None
    for question_id, value in answers.items():
        response = client.post(
            reverse("intake:eligibility", args=[slug, question_id]), {"answer": value}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    return response


def complete_pages(client, slug: str, pages: dict, max_steps: int = 60):
    """Follow the journey from /apply/, answering each page it asks, confirming held details,
    until "Check your answers". Returns the check-answers response."""
    response = client.get(reverse("intake:apply", args=[slug]), follow=True)
    for _step in range(max_steps):
        assert response.status_code == 200, response.content.decode()[:3000]
        match = resolve(path_of(response))
        if match.url_name == "check-answers":
            return response
        if match.url_name == "confirm-details":
            response = client.post(path_of(response), follow=True)
            continue
        assert match.url_name == "page", f"unexpected page {path_of(response)}"
        page_id = match.kwargs["page_id"]
        assert page_id in pages, f"no answers given for page {page_id}"
        response = client.post(path_of(response), pages[page_id], follow=True)
        if response.status_code != 200:
            raise AssertionError(f"page {page_id}: {response.content.decode()[:3000]}")
    raise AssertionError("the journey did not reach check your answers")


def apply(client, slug: str, journey: dict):
    """Eligibility, every page, then "Accept and send". Returns the confirmation response."""
    answer_eligibility(client, slug, journey["eligibility"])
    complete_pages(client, slug, journey["pages"])
    response = client.post(reverse("intake:check-answers", args=[slug]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "/confirmation/" in urlparse(response["Location"]).path
    return client.get(response["Location"])
