"""Recording, on a case, that a member of staff saw the person's identity documents in person."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.people import selectors as people_selectors
from commonweal.people import services as people_services
from commonweal.privacy import services as privacy

from .common import record_read, staff_required


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def identity_in_person(request, reference):
    """A member of staff records that they saw a case's person's identity documents in
    person, which proves their identity (the highest level). Kept in the person's history."""
    context = request.staff
    page = cases_selectors.case_for_staff(context=context, reference=reference.upper())
    if page is None:
        raise Http404("No such case")
    if not page.can_act or not page.sees("person"):
        raise PermissionDenied("Referral access is read-only")
    reason_first = record_read(request, page, categories=[privacy.Category.PERSON])
    if reason_first is not None:
        return reason_first
    person = page.case.person
    documents = (request.POST.get("documents") or "").strip()[:300]
    errors = []
    if request.method == "POST":
        if not documents:
            errors.append({"text": _("Say which documents you saw"), "href": "#documents"})
        if request.POST.get("seen") != "yes":
            errors.append(
                {
                    "text": _("Confirm you saw the original documents and they match the person"),
                    "href": "#seen",
                }
            )
        if not errors:
            people_services.person_identity_seen_in_person(
                person=person, by=request.user, documents=documents
            )
            return redirect("workspace:case", reference=page.case.reference)
    return render(
        request,
        "workspace/identity_in_person.html",
        {
            "errors": errors,
            "documents": documents,
            "case": page.case,
            "person": person,
            "level": people_selectors.identity_described(
                level=person.identity_level, source=person.identity_source
            ),
            "page_title": _("Record identity documents seen in person"),
            "back_url": reverse("workspace:case", args=[page.case.reference]),
            "service_url": reverse("workspace:my-work"),
            "service_name": _("Casework"),
        },
        status=400 if errors else 200,
    )
