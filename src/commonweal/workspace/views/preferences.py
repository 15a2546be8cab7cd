"""Changing how a case's person hears from us, for example after they phone in. The same
form as the person's own page, plus why it is being changed (kept in their history). A new
email address or phone number waits for a check (a code to the old one, or a team leader)
on the page that follows."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.people.forms import contact_preferences_form
from commonweal.privacy import services as privacy

from .. import presenters
from .common import case_or_404 as _case_or_404
from .common import page as _page
from .common import record_read, staff_required


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def change(request, reference):
    page = _case_or_404(request, reference)
    if not page.can_act or not page.sees("person"):
        raise PermissionDenied("Referral access is read-only")
    shown = [privacy.Category.PERSON, privacy.Category.CONTACT_PREFERENCES]
    if (reason_first := record_read(request, page, categories=shown)) is not None:
        return reason_first
    case = page.case
    saved, form = contact_preferences_form(
        request, case.person, by=request.user, case_reference=case.reference
    )
    if saved and form["contact_change"] is not None:
        # A new email address or phone number waits for a check, which comes next.
        presenters.flash(
            request,
            _("Contact preferences saved. Check the new contact details before we use them."),
        )
        return redirect("workspace:assisted-contact-change", case.reference)
    if saved:
        presenters.flash(request, _("Contact preferences saved."))
        return redirect("workspace:case", reference=case.reference)
    return _page(
        request,
        "workspace/preferences.html",
        status=400 if form["errors"] else 200,
        form=form,
        errors=form["errors"],
        case=case,
        person=case.person,
        page_title=_("How should we contact %(name)s?")
        % {"name": case.person.full_name or _("Name not given")},
        back_url=reverse("workspace:case", args=[case.reference]),
    )
