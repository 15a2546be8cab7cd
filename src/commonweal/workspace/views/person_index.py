"""The person index's staff page: the queue of uncertain pairs a caseworker decides."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from commonweal.personindex import selectors, services
from commonweal.privacy import services as privacy

from .. import presenters
from .common import staff_required

SHOWN = (
    "given_name",
    "family_name",
    "date_of_birth",
    "ni_number",
    "address_line_1",
    "town",
    "postcode",
    "email",
    "phone",
)


# Signed-in staff of the organisation's own teams; provider staff work only on what is
# referred to them and never see the index.
_caseworker_required = staff_required(
    allowed=lambda context: bool(context.work_team_ids),
    refused="Only the organisation's own staff review the person index",
)


def _labels() -> dict[str, str]:
    return {
        "given_name": _("Given name"),
        "family_name": _("Family name"),
        "date_of_birth": _("Date of birth"),
        "ni_number": _("National Insurance number"),
        "address_line_1": _("Address"),
        "town": _("Town"),
        "postcode": _("Postcode"),
        "email": _("Email"),
        "phone": _("Phone"),
    }


def _set_aside(record, field: str) -> dict | None:
    """A field the import could not use: the text as given and why it was set aside (the
    reason is stored in the words the import used, and shown in the page's language)."""
    held = (record.set_aside or {}).get(field)
    if not held:
        return None
    return {
        "raw": held.get("raw", ""),
        "note": _("set aside: %(reason)s") % {"reason": _(held.get("reason", ""))},
    }


def _rows(pair) -> list[dict]:
    labels = _labels()
    rows = []
    for field in SHOWN:
        a = getattr(pair.record_a, field)
        b = getattr(pair.record_b, field)
        rows.append(
            {
                "label": labels[field],
                "a": "" if a is None else str(a),
                "b": "" if b is None else str(b),
                "a_set_aside": _set_aside(pair.record_a, field),
                "b_set_aside": _set_aside(pair.record_b, field),
                "same": a is not None and a == b,
            }
        )
    return rows


def _page(request, *, errors=None, status=200):
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    page = selectors.review_queue(page=number)
    # The platform's people among the records shown (one query), in one INSERT.
    privacy.access_record_many(
        person_ids=selectors.review_people(pairs=page.pairs),
        purpose=privacy.Purpose.IDENTITY_REVIEW,
        categories=[privacy.Category.PERSON, privacy.Category.OTHER_RECORDS],
        via=privacy.Via.PERSON_INDEX,
        by=request.user,
        context=request.staff,
    )
    pagination = None
    if page.pages > 1:
        pagination = {"items": []}
        if page.page > 1:
            pagination["previous"] = {"href": f"?page={page.page - 1}"}
        if page.page < page.pages:
            pagination["next"] = {"href": f"?page={page.page + 1}"}
        for n in sorted({1, page.page - 1, page.page, page.page + 1, page.pages}):
            if 1 <= n <= page.pages:
                pagination["items"].append(
                    {"number": n, "href": f"?page={n}", "current": n == page.page}
                )
    return render(
        request,
        "workspace/person_index/review.html",
        {
            "workspace": request.staff,
            "flashes": presenters.flashes(request),
            "service_name": _("Casework"),
            "service_url": reverse("workspace:my-work"),
            "page_title": _("Records to review"),
            "nav": "person-index",
            "page": page,
            "pairs": [{"pair": pair, "rows": _rows(pair)} for pair in page.pairs],
            "pagination": pagination,
            "errors": errors or [],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@_caseworker_required
def review(request):
    return _page(request)


@require_POST
@_caseworker_required
def review_decide(request, pair_id: int):
    decision = request.POST.get("decision", "")
    if decision not in ("same", "different"):
        return _page(
            request,
            errors=[{"text": _("Choose whether the records are the same person"),
                     "href": f"#pair-{pair_id}"}],
            status=400,
        )  # fmt: skip
    try:
        services.review_decide(pair_id=pair_id, same_person=decision == "same", by=request.user)
    except services.ReviewRefused as refused:
        return _page(request, errors=[{"text": str(refused), "href": "#pairs"}], status=409)
    messages.success(
        request,
        _("Recorded: the same person. The next linkage run keeps them together.")
        if decision == "same"
        else _("Recorded: different people. The next linkage run keeps them apart."),
    )
    page = request.GET.get("page", "")
    return redirect(
        reverse("workspace:person-index-review") + (f"?page={page}" if page.isdigit() else "")
    )
