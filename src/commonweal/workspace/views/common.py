"""What the staff pages share: the workspace's frame, the case a member of staff may see (or
404), the access log's record of reading it, and the small parsers of posted values."""

import datetime

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.core.staff import staff_page, staff_required
from commonweal.privacy import services as privacy

from .. import presenters

__all__ = [
    "case_or_404",
    "page",
    "posted_date",
    "posted_revision",
    "record_read",
    "staff_page",
    "staff_required",
]


def page(request, template: str, status: int = 200, **context):
    """A page in the workspace's frame, with the flashes the workspace's own pages keep."""
    context.setdefault("workspace", request.staff)
    context.setdefault("flashes", presenters.flashes(request))
    context.setdefault("service_name", _("Casework"))
    context.setdefault("service_url", reverse("workspace:my-work"))
    return render(request, template, context, status=status)


def case_or_404(request, reference: str) -> cases_selectors.CasePage:
    found = cases_selectors.case_for_staff(context=request.staff, reference=reference.upper())
    if found is None:
        # The same answer whether the case does not exist or is not one they may see.
        raise Http404("No such case")
    return found


def record_read(request, case_page, via=privacy.Via.CASE_PAGE):
    """The access log's record of this read (one INSERT). A case outside the reader's own
    work needs their reason first: the answer is then the break-glass page."""
    try:
        privacy.case_read_record(
            context=request.staff,
            actor=request.user,
            case=case_page.case,
            scope=case_page.scope,
            session=request.session,
            via=via,
        )
    except privacy.BreakGlassNeeded:
        url = reverse("workspace:break-glass", args=[case_page.case.reference])
        return redirect(f"{url}?next={request.path}")
    return None


def posted_revision(request) -> int | None:
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() else -1  # a missing revision is always stale


def posted_date(post, prefix: str) -> tuple[datetime.date | None, str | None]:
    """A GOV.UK date input's day, month and year: (the date or None, an error or None)."""
    parts = [post.get(f"{prefix}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None, None
    try:
        day, month, year = (int(part) for part in parts)
        return datetime.date(year, month, day), None
    except ValueError:
        return None, _("Enter a real date, like 27 3 2027")
