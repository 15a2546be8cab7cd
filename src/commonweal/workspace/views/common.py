"""What the staff pages share: the workspace's frame, the case a member of staff may see (or
404), the access log's record of reading it, and the small parsers of posted values."""

import datetime
from collections.abc import Collection
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commonweal.cases import selectors as cases_selectors
from commonweal.intake import selectors as intake_selectors
from commonweal.messaging import selectors as messaging_selectors
from commonweal.organisations import selectors as organisations
from commonweal.privacy import services as privacy

from .. import presenters

__all__ = [
    "case_or_404",
    "page",
    "posted_date",
    "posted_revision",
    "record_people_read",
    "record_read",
    "staff_page",
    "staff_required",
]


def staff_required(view=None, *, allowed=None, refused: str = "Not a member of any team"):
    """The door to staff pages: signed in (or off to the staff sign-in page), a member of a
    team (or 403), and who they are at work on `request.staff`, read once; `allowed(context)`
    narrows who may come in."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("workspace:sign-in"))
            context = organisations.staff_context(user=request.user)
            if not context.is_staff or (allowed is not None and not allowed(context)):
                raise PermissionDenied(refused)
            request.staff = context
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def staff_page(request, template: str, *, nav: str = "", status: int = 200, **context):
    """A page in the workspace's frame (its menu, with `nav` marked as the current item),
    with the flashes of Django's messages."""
    context.setdefault("workspace", request.staff)
    context.setdefault("flashes", presenters.flashes(request))
    context.setdefault("service_name", _("Casework"))
    context.setdefault("service_url", reverse("workspace:my-work"))
    context.setdefault("nav", nav)
    return render(request, template, context, status=status)


def page(request, template: str, status: int = 200, **context):
    """A page in the workspace's frame, with the flashes the workspace's own pages keep."""
    context.setdefault("workspace", request.staff)
    context.setdefault("flashes", presenters.flashes(request))
    context.setdefault("service_name", _("Casework"))
    context.setdefault("service_url", reverse("workspace:my-work"))
    return render(request, template, context, status=status)


def case_or_404(
    request, reference: str, loads: Collection[str] | None = None
) -> cases_selectors.CasePage:
    """The case page: the case as cases holds it, with what messaging and intake hold about
    it in the parts this member of staff may see. `loads` names what a section of the page
    shows (see `case.SECTIONS`), and nothing else is read; None reads everything, for the
    changes made from the page."""
    found = cases_selectors.case_for_staff(
        context=request.staff, reference=reference.upper(), parts=loads
    )
    if found is None:
        # The same answer whether the case does not exist or is not one they may see.
        raise Http404("No such case")

    def wanted(part: str) -> bool:
        return loads is None or part in loads

    case_id = found.case.pk
    if found.sees("messages") and wanted("messages"):
        found.thread = messaging_selectors.case_thread_for_staff(case_id=case_id)
    if found.sees("evidence") and wanted("evidence"):
        found.uploads = intake_selectors.application_uploads_for_staff(
            application_id=found.case.application_id
        )
    if found.sees("timeline") and wanted("messages-sent"):
        found.messages = messaging_selectors.case_messages_sent(case_id=case_id)
    return found


def record_read(request, case_page, via=privacy.Via.CASE_PAGE, categories=None):
    """The access log's record of this read (one INSERT): the whole case, or the
    `categories` a page of the case shows. A case outside the reader's own work needs their
    reason first: the answer is then the break-glass page."""
    try:
        privacy.case_read_record(
            context=request.staff,
            by=request.user,
            case=case_page.case,
            scope=case_page.scope,
            session=request.session,
            via=via,
            categories=categories,
        )
    except privacy.BreakGlassNeeded:
        url = reverse("workspace:break-glass", args=[case_page.case.reference])
        return redirect(f"{url}?next={request.path}")
    return None


def record_people_read(
    request, people: dict[int, int | None], *, purpose: str, categories, via: str
) -> None:
    """The access log's record of a page that shows several people (or one outside a case
    page): `people` maps each person shown to their case (or None). One INSERT for the
    page, whatever it shows; nothing when it shows no one."""
    if not people:
        return
    privacy.access_record_many(
        person_ids=list(people),
        case_ids={person: case for person, case in people.items() if case},
        purpose=purpose,
        categories=categories,
        via=via,
        by=request.user,
        context=request.staff,
    )


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
