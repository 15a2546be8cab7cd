"""The lists of cases staff work from, as the templates show them: one line a case (queue,
my work, search, workload), the queue's filters, sorting, page sizes and saved filters,
its pages, and the previous and next case of the queue a caseworker came from.
Re-exported by `presenters`, which the views use."""

import datetime
import functools
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commonweal.core.jinja import date_short, local_name, localised

from .presenters import DUE_STATE_LABELS, FLAG_LABELS


def days_left_label(due: datetime.date, today: datetime.date) -> str:
    """How long is left before a case's time limit, as a number: "3 days left", "Due today",
    "2 days overdue"."""
    days = (due - today).days
    if days > 0:
        return ngettext("%(num)s day left", "%(num)s days left", days) % {"num": days}
    if days == 0:
        return _("Due today")
    return ngettext("%(num)s day overdue", "%(num)s days overdue", -days) % {"num": -days}


def case_rows(rows) -> list[dict]:
    """One line a case for the lists of cases (queue, my work, search, workload)."""
    language = None
    today = timezone.localdate()
    # Many cases share a day: each is written once a page (the queue shows 100 at most).
    short = functools.cache(lambda day: date_short(day, today))
    days_left = functools.cache(lambda day: days_left_label(day, today))
    # One reverse() for the page rather than one a row (references are letters, digits and
    # hyphens, which a URL carries as they are).
    case_href = reverse("workspace:case", args=["REFERENCE"]).replace("REFERENCE", "{}")
    shaped = []
    for row in rows:
        case = row.case
        label, tag = DUE_STATE_LABELS[row.due_state]
        born = case.person.date_of_birth
        received = timezone.localtime(case.opened_at).date()
        shaped.append(
            {
                "id": case.pk,
                "reference": case.reference,
                "href": case_href.format(case.reference),
                "name": case.person.full_name or _("Name not given"),
                # A date of birth always with its year.
                "date_of_birth": formats.date_format(born, "j M Y") if born else "",
                "date_of_birth_iso": born.isoformat() if born else "",
                "postcode": case.person.address_postcode,
                "service": capfirst(localised(row.service_name, language)),
                "stage": localised(row.stage_title, language) if row.stage_title else case.stage,
                "received": short(received),
                "received_iso": received.isoformat(),
                "due_date": short(case.due_date),
                "due_date_iso": case.due_date.isoformat(),
                # While the clock runs, the days left (or overdue); otherwise why it does not.
                "due_label": label
                if row.due_state in ("paused", "closed")
                else days_left(case.due_date),
                "due_tag": tag,
                "assigned": str(case.assigned_to) if case.assigned_to_id else "",
                "flags": [FLAG_LABELS.get(flag, flag) for flag in row.flags],
            }
        )
    return shaped


def queue_filter_selects(context, filters, members) -> list[dict]:
    """The queue's filters as GOV.UK selects, with the current choice selected."""
    choices = queue_choices(context, filters)
    assigned = [("me", _("To me")), ("nobody", _("To nobody")), ("anyone", _("To anyone"))]
    assigned += [(str(m.user_id), str(m.user)) for m in members]
    fields = [
        ("team", _("Team"), choices["teams"], filters.team or "", _("All your teams")),
        ("service", _("Service"), choices["services"], filters.service, _("All services")),
        ("stage", _("Stage"), choices["stages"], filters.stage, _("All stages")),
        ("due", _("Time limit"), choices["due"], filters.due, _("Any")),
        ("assigned", _("Assigned"), assigned, filters.assigned, _("Any")),
        ("flag", _("Flag"), choices["flags"], filters.flag, _("Any")),
    ]
    selects = []
    for name, label, pairs, selected, any_text in fields:
        items = [{"value": "", "text": any_text}] if any_text else []
        items += [
            {"value": str(value), "text": str(text), "selected": str(value) == str(selected)}
            for value, text in pairs
        ]
        selects.append(
            {"id": f"filter-{name}", "name": name, "label": {"text": label}, "items": items}
        )
    return selects


def queue_choices(context, filters) -> dict:
    """The options of the queue's filters: teams, services and stages of those services."""
    from commonweal.catalogue import selectors as catalogue_selectors

    teams = [team for team in context.teams if team.pk in context.work_team_ids]
    services = catalogue_selectors.published_services()
    stages = []
    seen = set()
    for published in services:
        if filters.service and published.service.slug != filters.service:
            continue
        for stage in published.definition.stages:
            if stage.id not in seen and not stage.final:
                seen.add(stage.id)
                stages.append((stage.id, localised(stage.title, None)))
    return {
        "teams": [(team.pk, local_name(team)) for team in teams],
        "services": [
            (p.service.slug, capfirst(localised(p.definition.name, None))) for p in services
        ],
        "stages": stages,
        "due": [(key, label) for key, (label, _tag) in DUE_STATE_LABELS.items() if key != "closed"],
        "flags": list(FLAG_LABELS.items()),
    }


SORTABLE_COLUMNS = ("reference", "opened", "due")


def _queue_href(query: dict[str, str]) -> str:
    return reverse("workspace:queue") + "?" + urlencode(query)


def queue_sorting(filters) -> dict:
    """The queue's sortable column headers: each a link that sorts by its column (the
    sorted one turns the order round), and which is sorted which way, for aria-sort."""
    sorting = {}
    for column in SORTABLE_COLUMNS:
        if filters.sort == column:
            order, next_sort = "ascending", f"-{column}"
        elif filters.sort == f"-{column}":
            order, next_sort = "descending", column
        else:
            order, next_sort = None, column
        sorting[column] = {
            "order": order,
            "href": _queue_href({**filters.as_query(), "sort": next_sort}),
        }
    return sorting


def queue_per_page(filters) -> list[dict]:
    """Links to show 50 or 100 cases a page, the current choice marked."""
    from commonweal.cases.selectors import PER_PAGE_CHOICES

    return [
        {
            "number": number,
            "href": _queue_href({**filters.as_query(), "per_page": str(number)}),
            "current": number == filters.per_page,
        }
        for number in PER_PAGE_CHOICES
    ]


def saved_filter_links(saved) -> list[dict]:
    """A person's saved filters as links to the queue they show."""
    return [
        {
            "id": item.pk,
            "name": item.name,
            "href": reverse("workspace:queue") + "?" + item.query,
            "delete": reverse("workspace:queue-filter-delete", args=[item.pk]),
        }
        for item in saved
    ]


CASE_LIST_SESSION_KEY = "workspace_case_list"


def remember_case_list(request, rows) -> None:
    """Keep the order of the queue page just shown in the session: the case page's
    previous and next links follow it. Written only when it changed."""
    kept = {"references": [row.case.reference for row in rows], "href": request.get_full_path()}
    if request.session.get(CASE_LIST_SESSION_KEY) != kept:
        request.session[CASE_LIST_SESSION_KEY] = kept


def case_pager(request, reference: str) -> dict | None:
    """Where this case is in the queue page the caseworker came from, with the cases
    before and after it; none when it is not on that page."""
    kept = request.session.get(CASE_LIST_SESSION_KEY)
    if not kept or reference not in kept.get("references", []):
        return None
    references = kept["references"]
    index = references.index(reference)
    before = references[index - 1] if index > 0 else None
    after = references[index + 1] if index + 1 < len(references) else None
    return {
        "position": index + 1,
        "count": len(references),
        "queue_href": kept["href"],
        "previous": reverse("workspace:case", args=[before]) if before else None,
        "previous_reference": before,
        "next": reverse("workspace:case", args=[after]) if after else None,
        "next_reference": after,
    }


def pagination(request, page) -> dict | None:
    if page.pages <= 1:
        return None

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    result = {"items": []}
    if page.page > 1:
        result["previous"] = {"href": link(page.page - 1)}
    if page.page < page.pages:
        result["next"] = {"href": link(page.page + 1)}
    for number in sorted({1, page.page - 1, page.page, page.page + 1, page.pages}):
        if 1 <= number <= page.pages:
            result["items"].append(
                {"number": number, "href": link(number), "current": number == page.page}
            )
    return result
