"""The team queue as a caseworker works through it all day: one line a case with short
dates and the days left, sortable columns, 50 or 100 a page, saved filters of their own,
and the previous and next case of the queue on the case page."""

import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone, translation

from commonweal.cases.models import Case, SavedQueueFilter
from commonweal.cases.selectors import PAGE_SIZE, QueueFilters
from commonweal.core.jinja import date_short
from commonweal.workspace.presenters import days_left_label
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<a class="govuk-link app-reference" href="/staff/cases/([A-Z0-9-]+)/"')


@pytest.fixture
def staff(db):
    return make_staff()


def signed_in(client, user) -> Client:
    client.force_login(user)
    return client


def references(html: str) -> list[str]:
    return ROW.findall(html)


def _three_cases(citizen) -> list[Case]:
    """Three cases due in 3, 10 and 1 days, received 1, 3 and 2 days ago."""
    today = timezone.localdate()
    now = timezone.now()
    cases = [submit_case(citizen) for _ in range(3)]
    for case, due, received in zip(cases, (3, 10, 1), (1, 3, 2), strict=True):
        Case.objects.filter(pk=case.pk).update(
            due_date=today + datetime.timedelta(days=due),
            opened_at=now - datetime.timedelta(days=received),
        )
    return cases


# Short dates and the days left


def test_short_dates_leave_out_this_years_year_and_speak_welsh():
    today = datetime.date(2026, 6, 1)
    assert date_short(datetime.date(2026, 12, 12), today) == "12 Dec"
    assert date_short(datetime.date(2027, 12, 12), today) == "12 Dec 2027"
    assert date_short(datetime.date(2025, 1, 3), today) == "3 Jan 2025"
    with translation.override("cy"):
        assert date_short(datetime.date(2026, 12, 12), today) == "12 Rhag"
        assert date_short(datetime.date(2027, 12, 12), today) == "12 Rhag 2027"


def test_days_left_labels():
    today = datetime.date(2026, 12, 7)
    assert days_left_label(datetime.date(2026, 12, 10), today) == "3 days left"
    assert days_left_label(datetime.date(2026, 12, 8), today) == "1 day left"
    assert days_left_label(today, today) == "Due today"
    assert days_left_label(datetime.date(2026, 12, 6), today) == "1 day overdue"
    assert days_left_label(datetime.date(2026, 12, 5), today) == "2 days overdue"
    with translation.override("cy"):
        assert days_left_label(datetime.date(2026, 12, 9), today) == "2 ddiwrnod ar ôl"
        assert days_left_label(today, today) == "Dyddiad cau heddiw"


def test_a_queue_row_is_one_line_with_short_dates_and_the_days_left(client, staff, citizen):
    today = timezone.localdate()
    overdue, soon = submit_case(citizen), submit_case(citizen)
    Case.objects.filter(pk=overdue.pk).update(due_date=today - datetime.timedelta(days=2))
    Case.objects.filter(pk=soon.pk).update(due_date=today)
    html = signed_in(client, staff.caseworker).get("/staff/queue/").content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    assert "<br" not in table
    assert "2 days overdue" in table
    assert "Due today" in table
    assert f'<time datetime="{today.isoformat()}">{date_short(today)}</time>' in table
    assert '<time datetime="1979-11-04">4 Nov 1979</time>' in table  # born: with the year
    assert "govuk-tag--red" in table


def test_my_work_and_search_use_the_same_one_line_rows(client, staff, citizen):
    case = submit_case(citizen)
    Case.objects.filter(pk=case.pk).update(assigned_to=staff.caseworker)
    c = signed_in(client, staff.caseworker)
    for url in ("/staff/", "/staff/search/?q=Evans"):
        html = c.get(url).content.decode()
        table = html[html.index("<table") : html.index("</table>")]
        assert case.reference in table, url
        assert "<br" not in table, url
        assert "days left" in table, url
        # Only the queue sorts: elsewhere the headers are not links.
        assert "aria-sort" not in table and "app-sort-link" not in table, url


# Sorting


def test_column_headers_sort_the_queue_server_side(client, staff, citizen):
    soon_3, later_10, soonest_1 = _three_cases(citizen)
    c = signed_in(client, staff.caseworker)

    html = c.get("/staff/queue/").content.decode()
    assert references(html) == [soonest_1.reference, soon_3.reference, later_10.reference]
    # The sorted column says so; following its link turns the order round.
    due_header = re.search(r'<th[^>]*aria-sort="ascending"[^>]*>\s*<a[^>]*href="([^"]+)"', html)
    assert due_header and "sort=-due" in due_header.group(1).replace("&amp;", "&")
    assert html.count("aria-sort=") == 1

    html = c.get("/staff/queue/?sort=-due").content.decode()
    assert references(html) == [later_10.reference, soon_3.reference, soonest_1.reference]
    assert 'aria-sort="descending"' in html

    html = c.get("/staff/queue/?sort=opened").content.decode()
    assert references(html) == [later_10.reference, soonest_1.reference, soon_3.reference]
    html = c.get("/staff/queue/?sort=-opened").content.decode()
    assert references(html) == [soon_3.reference, soonest_1.reference, later_10.reference]

    by_reference = sorted(case.reference for case in (soon_3, later_10, soonest_1))
    assert references(c.get("/staff/queue/?sort=reference").content.decode()) == by_reference
    assert references(c.get("/staff/queue/?sort=-reference").content.decode()) == list(
        reversed(by_reference)
    )


def test_sort_links_keep_the_filters_and_filters_keep_the_sort(client, staff, citizen):
    _three_cases(citizen)
    html = (
        signed_in(client, staff.caseworker)
        .get("/staff/queue/?team=&due=on_track&sort=-opened&per_page=100")
        .content.decode()
    )
    links = [
        parse_qs(urlparse(href.replace("&amp;", "&")).query, keep_blank_values=True)
        for href in re.findall(r'class="[^"]*app-sort-link[^"]*" href="([^"]+)"', html)
    ]
    assert len(links) == 3
    for query in links:
        assert query["due"] == ["on_track"] and query["per_page"] == ["100"]
        assert query["team"] == [""]  # "All your teams" stays chosen
    assert {query["sort"][0] for query in links} == {"reference", "opened", "due"}
    # The filters' form carries the sort and page size along.
    assert '<input type="hidden" name="sort" value="-opened">' in html
    assert '<input type="hidden" name="per_page" value="100">' in html


def test_an_unknown_sort_or_page_size_is_ignored():
    filters = QueueFilters.from_query({"sort": "person; drop", "per_page": "1000"})
    assert filters.sort == "due"
    assert filters.per_page == PAGE_SIZE
    assert QueueFilters.from_query({"per_page": "100"}).per_page == 100
    assert QueueFilters.from_query({"per_page": "75"}).per_page == 50


# 50 or 100 a page


def test_fifty_a_page_unless_a_hundred_is_chosen(client, staff, citizen):
    first = submit_case(citizen)
    # 50 more open cases for the same team, copied in SQL (submitting 50 takes a minute).
    from commonweal.intake.models import Application

    application = Application.objects.get(pk=first.application_id)
    for number in range(50):
        application.pk = None
        application.id = None
        application.reference = f"BL-TEST-{number:04d}"
        application.save()
        Case.objects.create(
            reference=f"BL-T{number:03d}-QQQQ",
            application=application,
            person_id=first.person_id,
            service_id=first.service_id,
            version_id=first.version_id,
            stage=first.stage,
            opened_at=first.opened_at,
            due_date=first.due_date,
            team_id=first.team_id,
        )
    c = signed_in(client, staff.caseworker)
    html = c.get("/staff/queue/").content.decode()
    assert len(references(html)) == 50
    assert "51 open cases" in html
    assert 'class="govuk-pagination' in html
    html = c.get("/staff/queue/?per_page=100").content.decode()
    assert len(references(html)) == 51
    assert 'class="govuk-pagination' not in html
    assert '<strong aria-current="true">100</strong>' in html
    # Anything else is 50.
    assert len(references(c.get("/staff/queue/?per_page=51").content.decode())) == 50


def test_a_big_queue_counts_up_to_its_limit_and_says_more_than(client, staff, citizen, monkeypatch):
    from commonweal.cases.selectors import staff as staff_selectors

    cases = [submit_case(citizen) for _ in range(4)]
    monkeypatch.setattr(staff_selectors, "QUEUE_COUNT_LIMIT", 3)
    c = signed_in(client, staff.caseworker)
    html = c.get("/staff/queue/?per_page=50").content.decode()
    assert "More than 3 open cases" in html
    # The page still lists what it holds; only the count stops.
    assert len(references(html)) == len(cases)
    monkeypatch.setattr(staff_selectors, "QUEUE_COUNT_LIMIT", 4)
    assert "4 open cases" in c.get("/staff/queue/").content.decode()


# Saved filters


def test_a_caseworker_saves_filters_and_sees_them_above_the_queue(client, staff, citizen):
    submit_case(citizen)
    c = signed_in(client, staff.caseworker)
    query = "team=&due=overdue&assigned=nobody&sort=-opened&per_page=100&page=3"
    response = c.post(
        "/staff/queue/saved-filters/", {"name": "  Overdue,   unassigned ", "query": query}
    )
    assert response.status_code == 302
    saved = SavedQueueFilter.objects.get(user=staff.caseworker)
    assert saved.name == "Overdue, unassigned"
    kept = parse_qs(saved.query, keep_blank_values=True)
    # What the queue understands, without the page number.
    assert kept == {
        "team": [""],
        "due": ["overdue"],
        "assigned": ["nobody"],
        "sort": ["-opened"],
        "per_page": ["100"],
    }
    assert response["Location"] == "/staff/queue/?" + saved.query
    html = c.get("/staff/queue/").content.decode()
    nav = html[html.index('aria-label="Your saved filters"') :]
    nav = nav[: nav.index("</nav>")]
    assert f'href="/staff/queue/?{saved.query.replace("&", "&amp;")}"' in nav
    assert "Overdue, unassigned" in nav


def test_saving_twice_under_one_name_keeps_one(client, staff):
    c = signed_in(client, staff.caseworker)
    for due in ("overdue", "at_risk"):
        c.post("/staff/queue/saved-filters/", {"name": "Mine", "query": f"due={due}"})
    [saved] = SavedQueueFilter.objects.filter(user=staff.caseworker)
    assert "due=at_risk" in saved.query


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Enter a name for these filters"), ("x" * 61, "60 characters or fewer")],
)
def test_a_name_that_is_empty_or_too_long_is_asked_again(client, staff, name, message):
    c = signed_in(client, staff.caseworker)
    response = c.post("/staff/queue/saved-filters/", {"name": name, "query": "due=overdue"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert 'href="#filter-name"' in html
    # The filters are kept for the next try.
    assert 'name="query" value="team=&amp;due=overdue"' in html
    assert not SavedQueueFilter.objects.exists()


def test_saving_needs_the_csrf_token(staff):
    c = Client(enforce_csrf_checks=True)
    c.force_login(staff.caseworker)
    response = c.post("/staff/queue/saved-filters/", {"name": "Mine", "query": ""})
    assert response.status_code == 403
    assert not SavedQueueFilter.objects.exists()


def test_someone_elses_saved_filter_is_never_shown_or_deleted(staff):
    # Each in their own browser.
    colleague = signed_in(Client(), staff.colleague)
    c = colleague
    c.post("/staff/queue/saved-filters/", {"name": "Colleague's own", "query": "due=overdue"})
    theirs = SavedQueueFilter.objects.get(user=staff.colleague)

    c = signed_in(Client(), staff.caseworker)
    assert "Colleague&#39;s own" not in c.get("/staff/queue/").content.decode()
    assert "Colleague's own" not in c.get("/staff/queue/").content.decode()
    response = c.post(f"/staff/queue/saved-filters/{theirs.pk}/delete/")
    assert response.status_code == 404
    assert SavedQueueFilter.objects.filter(pk=theirs.pk).exists()

    c = colleague
    assert c.get(f"/staff/queue/saved-filters/{theirs.pk}/delete/").status_code == 405
    response = c.post(f"/staff/queue/saved-filters/{theirs.pk}/delete/", {"next": "?due=overdue"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/queue/?due=overdue"
    assert not SavedQueueFilter.objects.exists()


def test_delete_goes_back_to_the_queue_only(client, staff):
    c = signed_in(client, staff.caseworker)
    c.post("/staff/queue/saved-filters/", {"name": "Mine", "query": ""})
    saved = SavedQueueFilter.objects.get()
    response = c.post(f"/staff/queue/saved-filters/{saved.pk}/delete/", {"next": "//evil.example/"})
    assert response["Location"] == "/staff/queue/"


# Previous and next case


def test_the_case_page_links_the_previous_and_next_case_of_the_queue(client, staff, citizen):
    soon_3, later_10, soonest_1 = _three_cases(citizen)
    c = signed_in(client, staff.caseworker)
    c.get("/staff/queue/")  # soonest_1, soon_3, later_10
    html = c.get(f"/staff/cases/{soon_3.reference}/").content.decode()
    assert f'href="/staff/cases/{soonest_1.reference}/" rel="prev"' in html
    assert f'href="/staff/cases/{later_10.reference}/" rel="next"' in html
    assert "Case 2 of 3 on this page of the queue" in html
    assert "Keyboard shortcuts" in html
    first = c.get(f"/staff/cases/{soonest_1.reference}/").content.decode()
    assert 'rel="prev"' not in first and 'rel="next"' in first

    # Sorted the other way, the queue's order is the one followed.
    c.get("/staff/queue/?sort=-due")
    html = c.get(f"/staff/cases/{soon_3.reference}/").content.decode()
    assert f'href="/staff/cases/{later_10.reference}/" rel="prev"' in html
    assert 'href="/staff/queue/?sort=-due"' in html  # back to that queue


def test_a_case_not_on_the_last_queue_page_has_no_pager(client, staff, citizen):
    case = submit_case(citizen)
    c = signed_in(client, staff.caseworker)
    html = c.get(f"/staff/cases/{case.reference}/").content.decode()
    assert 'rel="next"' not in html and "Cases in your queue" not in html


# The staff layout


def test_staff_pages_are_full_width_and_citizen_pages_are_not(client, staff):
    assert "app-staff" in signed_in(client, staff.caseworker).get("/staff/queue/").content.decode()
    client.logout()
    assert "app-staff" not in client.get("/").content.decode()


def test_leaders_tools_are_under_more(client, staff):
    html = signed_in(client, staff.leader).get("/staff/workload/").content.decode()
    more = html[html.index('class="app-nav-more__list"') :]
    more = more[: more.index("</ul>")]
    assert 'href="/staff/workload/" aria-current="true"' in more
    assert 'href="/staff/payments/"' in more
    worker = signed_in(client, staff.caseworker).get("/staff/queue/").content.decode()
    assert "app-nav-more" not in worker  # nothing of a leader's: no "More"


# Queries


def test_the_queue_keeps_a_constant_number_of_queries_in_every_sort_and_size(
    client, staff, citizen
):
    from tests.test_workspace import _queries

    c = signed_in(client, staff.caseworker)
    c.post("/staff/queue/saved-filters/", {"name": "Overdue", "query": "due=overdue"})
    urls = [
        "/staff/queue/?sort=-due",
        "/staff/queue/?sort=opened&per_page=100",
        "/staff/queue/?sort=-reference",
    ]
    submit_case(citizen)
    before = {url: _queries(c, url) for url in urls}
    for _ in range(4):
        submit_case(citizen)
    c.post("/staff/queue/saved-filters/", {"name": "Another", "query": "due=at_risk"})
    assert {url: _queries(c, url) for url in urls} == before
