"""The person's page "Who has seen your data". The staff pages (break glass, oversight) are
in the workspace."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.people import selectors as people_selectors

from . import selectors


@login_required
@require_http_methods(["GET", "HEAD"])
def accesses(request):
    """Who has seen my data: reads of the signed-in person's record."""
    person = people_selectors.person_for_account_get(account=request.user)
    report = (
        selectors.accesses_for_person(person_id=person.pk, language=get_language())
        if person is not None
        else None
    )
    return render(
        request,
        "privacy/accesses.html",
        {"report": report, "page_title": _("Who has seen your data"), "nav": "applications"},
    )
