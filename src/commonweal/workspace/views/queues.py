"""The lists a member of staff works from: their own work, the team queue (with bulk
actions: views/bulk_actions.py), search, and the team leader's workload."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commonweal.cases import selectors as cases_selectors
from commonweal.cases import services as cases_services
from commonweal.organisations import selectors as organisations
from commonweal.privacy import services as privacy

from .. import bulk_choices, presenters
from .common import page as _page
from .common import record_people_read, staff_required


def _shown(rows) -> dict[int, int | None]:
    """The people a list of cases shows, each with the first of their cases in it."""
    people: dict[int, int | None] = {}
    for row in rows:
        people.setdefault(row.case.person_id, row.case.pk)
    return people


@require_http_methods(["GET", "HEAD"])
@staff_required
def my_work(request):
    work = cases_selectors.my_work(context=request.staff)
    # Everyone on the page: the people of their own cases (one INSERT), and of their
    # team's unassigned cases waiting for a reply (one more).
    mine = _shown(work.cases)
    record_people_read(
        request,
        mine,
        purpose=privacy.Purpose.ASSIGNED_CASE,
        categories=[privacy.Category.PERSON],
        via=privacy.Via.WORK_LIST,
    )
    record_people_read(
        request,
        {person: case for person, case in _shown(work.unanswered).items() if person not in mine},
        purpose=privacy.Purpose.TEAM_QUEUE,
        categories=[privacy.Category.PERSON],
        via=privacy.Via.WORK_LIST,
    )
    return _page(
        request,
        "workspace/my_work.html",
        work=work,
        rows=presenters.case_rows(work.cases),
        unanswered=presenters.case_rows(work.unanswered),
        page_title=_("My work"),
        nav="my-work",
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def queue(request):
    return queue_response(request)


def queue_response(request, *, errors: list[dict] | None = None, values=None) -> HttpResponse:
    """The team queue; with `errors` and the posted form (`values`), after a bulk action
    was refused for what was missing (views/bulk_actions.py), ticks and choices as they were."""
    context = request.staff
    errors = errors or []
    filters = cases_selectors.QueueFilters.from_query(request.GET)
    if "team" not in request.GET:
        # First visit: the person's own (first) team; "All your teams" is a choice.
        filters.team = next(iter(sorted(context.work_team_ids)), None)
    page = cases_selectors.queue_page(context=context, filters=filters)
    presenters.remember_case_list(request, page.rows)
    record_people_read(
        request,
        _shown(page.rows),
        purpose=privacy.Purpose.TEAM_QUEUE,
        categories=[privacy.Category.PERSON],
        via=privacy.Via.WORK_LIST,
    )
    members = organisations.team_members(
        team_ids=[filters.team] if filters.team else context.work_team_ids
    )
    rows = presenters.case_rows(page.rows)
    return _page(
        request,
        "workspace/queue.html",
        status=400 if errors else 200,
        errors=errors,
        page=page,
        rows=rows,
        filter_selects=presenters.queue_filter_selects(context, filters, members),
        members=members,
        pagination=presenters.pagination(request, page),
        bulk=bulk_choices.chooser(
            params=request.GET,
            filters=filters,
            members=members,
            stages=presenters.queue_choices(context, filters)["stages"],
            values=values if values is not None else request.GET,
            errors=errors,
            rows=rows,
        ),
        sorting=presenters.queue_sorting(filters),
        per_page=presenters.queue_per_page(filters),
        filter_query=filters.as_query(),
        saved_filters=presenters.saved_filter_links(
            cases_selectors.saved_filters(user_id=request.user.pk)
        ),
        page_title=_("Team queue"),
        nav="queue",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def queue_filter_save(request):
    """Save the queue's current filters under a name. The queue's own form posts here; on
    a problem this page asks again, with the filters kept in the form."""
    source = request.POST if request.method == "POST" else request.GET
    query = QueryDict(source.get("query", "")[:1000])
    errors = []
    name = source.get("name", "")
    if request.method == "POST":
        try:
            saved = cases_services.saved_filter_save(
                user_id=request.user.pk, name=name, query=query
            )
        except cases_services.SavedFilterRefused as refused:
            errors.append({"text": refused.message, "href": f"#{refused.field}"})
        else:
            presenters.flash(request, _("Filters saved as “%(name)s”.") % {"name": saved.name})
            return redirect(reverse("workspace:queue") + "?" + saved.query)
    return _page(
        request,
        "workspace/queue_filter_save.html",
        status=400 if errors else 200,
        errors=errors,
        name=name,
        query=cases_selectors.QueueFilters.from_query(query).as_query(),
        back_url=reverse("workspace:queue") + "?" + query.urlencode(),
        page_title=_("Save these filters"),
        nav="queue",
    )


@require_http_methods(["POST"])
@staff_required
def queue_filter_delete(request, filter_id: int):
    """Delete one of the person's own saved filters; anyone else's is not found."""
    if not cases_services.saved_filter_delete(user_id=request.user.pk, filter_id=filter_id):
        raise Http404("No such saved filter")
    presenters.flash(request, _("Saved filter deleted."))
    back = request.POST.get("next", "")
    if not back.startswith("?"):
        back = ""
    return redirect(reverse("workspace:queue") + back)


@require_http_methods(["GET", "HEAD"])
@staff_required
def search(request):
    result = cases_selectors.case_search(context=request.staff, text=request.GET.get("q", ""))
    errors = []
    if "q" in request.GET and result.kind == "empty":
        errors.append({"text": _("Enter at least 2 characters to search"), "href": "#q"})
    if result.rows:
        # One access record per person shown (one bulk INSERT).
        privacy.access_record_many(
            person_ids=[row.case.person_id for row in result.rows],
            case_ids={row.case.person_id: row.case.pk for row in reversed(result.rows)},
            purpose=privacy.Purpose.SEARCH,
            categories=[privacy.Category.PERSON],
            via=privacy.Via.SEARCH,
            by=request.user,
            context=request.staff,
        )
    return _page(
        request,
        "workspace/search.html",
        result=result,
        rows=presenters.case_rows(result.rows),
        errors=errors,
        page_title=_("Search cases"),
        nav="search",
    )


@require_http_methods(["GET", "HEAD"])
@staff_required
def workload(request):
    context = request.staff
    team_id = request.GET.get("team", "")
    led = sorted(
        context.led_team_ids | {team.pk for team in context.teams if context.leads(team.pk)}
    )
    if not led:
        raise PermissionDenied("Only team leaders see workload")
    chosen = int(team_id) if team_id.isdigit() and int(team_id) in led else led[0]
    load = cases_selectors.team_workload(context=context, team_id=chosen)
    return _page(
        request,
        "workspace/workload.html",
        load=load,
        teams=[team for team in context.teams if team.pk in led],
        chosen=chosen,
        due_rows=presenters.case_rows(load.due_this_week),
        page_title=_("Workload"),
        nav="workload",
    )
