"""Bulk actions on the team queue (assign, move to a stage, send a saved message), through
the pages as staff use them, and the cases and messaging services behind them."""

import re

import pytest

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent
from commonweal.messaging import services as messaging
from commonweal.messaging.models import Message, SavedReply, ThreadMessage
from commonweal.organisations.selectors import staff_context
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db

CONFIRM = "/staff/queue/confirm/"


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def cases(citizen, other_citizen):
    return [submit_case(citizen), submit_case(other_citizen)]


@pytest.fixture
def leader(client, staff):
    client.force_login(staff.leader)
    return client


def ids(cases) -> list[str]:
    return [str(case.pk) for case in cases]


def token_of(html: str) -> str:
    return re.search(r'name="batch" value="([0-9a-f]{32})"', html).group(1)


def confirm_form(html: str) -> dict:
    """What the confirmation page's form posts when Confirm is pressed."""
    form = html[html.index('name="step"') - 200 :]
    data: dict = {}
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form):
        data.setdefault(name, []).append(value)
    return data


def table(html: str, caption: str) -> str:
    start = html.index(caption)
    return html[start : html.index("</table>", start)]


# The queue's chooser


def test_the_queue_offers_the_three_actions_without_javascript(leader, cases, staff):
    html = leader.get(f"/staff/queue/?team={staff.teams['financial-support'].pk}").content
    html = html.decode()
    start = html.index(f'<form method="post" action="{CONFIRM}?team=')
    form = html[start : html.index("</form>", start)]
    assert "csrfmiddlewaretoken" in form
    # One button per action, each after its one choice: plain HTML, no script needed.
    for value in ("assign", "move", "message"):
        assert re.search(rf'<button type="submit" value="{value}" name="action"', form), value
    for name in ("assignee", "to_stage", "reply"):
        assert re.search(rf'<select [^>]*name="{name}"', form), name
    assert "Col League" in form
    assert "Checking your application" in form
    assert "<script" not in form


def test_nothing_ticked_no_action_or_no_choice_is_said_in_the_queue(leader, cases):
    for data, words in (
        ({"action": "assign", "assignee": "1"}, "Select at least one case"),
        ({"cases": ids(cases)}, "Choose what to do with the selected cases"),
        ({"cases": ids(cases), "action": "assign"}, "Choose who to assign the cases to"),
        ({"cases": ids(cases), "action": "move"}, "Choose the stage to move the cases to"),
        ({"cases": ids(cases), "action": "message"}, "Choose the saved message to send"),
    ):
        response = leader.post(CONFIRM + "?assigned=nobody", data)
        html = response.content.decode()
        assert response.status_code == 400, data
        assert "There is a problem" in html and words in html, data
        assert "Team queue" in html
        # The ticks and the filters are kept.
        for pk in data.get("cases", []):
            assert f'value="{pk}" checked' in html
        assert f'action="{CONFIRM}?assigned=nobody"' in html
    assert not CaseEvent.objects.filter(kind__in=["assigned", "stage_changed"]).exists()


# Assign


def test_assign_lists_the_changes_then_confirm_does_them_once(leader, cases, staff):
    cases_services.case_assign(
        case_id=cases[1].pk, assignee_id=staff.colleague.pk, by=staff.leader, revision=None
    )
    response = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "assign", "assignee": str(staff.colleague.pk)}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Check before you assign these cases" in html
    assert "1 case will be assigned to Col League." in html
    changing = table(html, "What will change")
    assert cases[0].reference in changing and "Sam Evans" in changing
    assert "Nobody" in changing and "Col League" in changing
    staying = table(html, "Will not change")
    assert cases[1].reference in staying and "Already assigned to them." in staying
    # Nothing is done until Confirm.
    assert Case.objects.get(pk=cases[0].pk).assigned_to_id is None

    form = confirm_form(html)
    assert form["cases"] == [str(cases[0].pk)]
    done = leader.post(CONFIRM, form)
    assert done.status_code == 302 and done["Location"] == "/staff/queue/"
    assert Case.objects.get(pk=cases[0].pk).assigned_to == staff.colleague
    event = CaseEvent.objects.get(case=cases[0], kind="assigned")
    assert event.actor == staff.leader
    assert event.data == {
        "from": None,
        "to": staff.colleague.pk,
        "bulk": True,
        "batch": form["batch"][0],
    }
    assert "1 case assigned to Col League." in leader.get("/staff/queue/").content.decode()

    # A second click on Confirm does nothing again, and says so.
    again = leader.post(CONFIRM, form)
    assert again.status_code == 302
    assert CaseEvent.objects.filter(kind="assigned", data__bulk=True).count() == 1
    assert "already made" in leader.get("/staff/queue/").content.decode()


def test_cancel_goes_back_to_the_queue_with_its_filters_and_ticks(leader, cases, staff):
    team = staff.teams["financial-support"].pk
    html = leader.post(
        f"{CONFIRM}?team={team}&sort=-due",
        {"cases": ids(cases), "action": "assign", "assignee": str(staff.colleague.pk)},
    ).content.decode()
    cancel = re.search(r'href="([^"]+)" id="bulk-cancel"', html).group(1).replace("&amp;", "&")
    assert cancel.startswith(f"/staff/queue/?team={team}&sort=-due&cases=")
    queue = leader.get(cancel).content.decode()
    for case in cases:
        assert f'value="{case.pk}" checked' in queue
    assert not Case.objects.filter(assigned_to__isnull=False).exists()
    assert not CaseEvent.objects.filter(kind="assigned").exists()
    # The queue's own links, followed from the confirmation address, go back to the queue.
    assert leader.get(f"{CONFIRM}?team={team}&page=2")["Location"] == (
        f"/staff/queue/?team={team}&page=2"
    )


def test_another_teams_case_is_refused_and_never_shown(client, leader, cases, staff, citizen):
    theirs = submit_case(citizen)
    Case.objects.filter(pk=theirs.pk).update(team=staff.teams["adaptations"])
    posted = {"action": "assign", "assignee": str(staff.colleague.pk)}
    html = leader.post(CONFIRM, {**posted, "cases": ids([cases[0], theirs])}).content.decode()
    assert cases[0].reference in html
    assert theirs.reference not in html
    assert "1 of the cases you selected is not listed" in html
    # Only theirs: the queue says nothing can be changed.
    only = leader.post(CONFIRM, {**posted, "cases": ids([theirs])})
    assert only.status_code == 400
    assert theirs.reference not in only.content.decode()
    # Slipped into the confirmation form: left out, nothing done to it.
    form = confirm_form(html)
    form["cases"].append(str(theirs.pk))
    leader.post(CONFIRM, form)
    assert Case.objects.get(pk=cases[0].pk).assigned_to == staff.colleague
    assert Case.objects.get(pk=theirs.pk).assigned_to_id is None
    assert not CaseEvent.objects.filter(case=theirs, kind="assigned").exists()
    # Nor can a caseworker of the other team act on ours.
    client.force_login(staff.other_team)
    other = client.post(CONFIRM, {"cases": ids(cases), "action": "move", "to_stage": "checking"})
    assert other.status_code == 400
    assert cases[1].reference not in other.content.decode()


def test_csrf_is_needed(client, staff, cases):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff.leader)
    response = strict.post(CONFIRM, {"cases": ids(cases), "action": "move", "to_stage": "checking"})
    assert response.status_code == 403


# Move


def test_move_lists_who_moves_and_who_cannot_then_moves_them(leader, cases, staff):
    cases_services.case_move(
        case_id=cases[1].pk, stage_id="checking", by=staff.leader, revision=None
    )
    html = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "move", "to_stage": "checking"}
    ).content.decode()
    assert "1 case will move to Checking your application." in html
    changing = table(html, "What will change")
    assert cases[0].reference in changing and "Application received" in changing
    staying = table(html, "Will not change")
    assert cases[1].reference in staying and "It is already at this stage." in staying

    leader.post(CONFIRM, confirm_form(html))
    leader.post(CONFIRM, confirm_form(html))  # a double click
    assert Case.objects.get(pk=cases[0].pk).stage == "checking"
    event = CaseEvent.objects.get(case=cases[0], kind="stage_changed", data__bulk=True)
    assert event.actor == staff.leader
    assert event.data["from"] == "received" and event.data["stage"] == "checking"
    assert event.visible_to_person


def test_a_final_stage_is_not_reached_by_a_bulk_move(leader, cases):
    html = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "move", "to_stage": "decided"}
    ).content.decode()
    assert "0 cases will move" in html
    assert html.count("by a decision: use Make a decision") == 2
    assert 'id="bulk-confirm"' not in html


def test_bulk_move_follows_the_single_moves_rules(staff, cases):
    context = staff_context(user=staff.caseworker)
    before = {case.pk: case.due_date for case in cases}
    revisions = {case.pk: case.revision for case in Case.objects.filter(pk__in=ids_int(cases))}
    done = cases_services.cases_bulk_move(
        case_ids=ids_int(cases), stage_id="more-information", by=staff.caseworker, context=context
    )
    assert sorted(done.changed) == ids_int(cases) and not done.unchanged
    for case in Case.objects.filter(pk__in=ids_int(cases)):
        assert case.stage == "more-information"
        assert case.clock_stopped_on is not None
        assert case.revision == revisions[case.pk] + 1
    assert CaseEvent.objects.filter(kind="clock_stopped", data__bulk=True).count() == 2
    # Back to checking: the clock restarts, the due date moves on by the days waited (none).
    again = cases_services.cases_bulk_move(
        case_ids=ids_int(cases),
        stage_id="checking",
        by=staff.caseworker,
        context=context,
        batch="b" * 32,
    )
    assert sorted(again.changed) == ids_int(cases)
    assert CaseEvent.objects.filter(kind="clock_restarted", data__batch="b" * 32).count() == 2
    for case in Case.objects.filter(pk__in=ids_int(cases)):
        assert case.clock_stopped_on is None and case.due_date == before[case.pk]
    # The same token again: nothing more.
    repeat = cases_services.cases_bulk_move(
        case_ids=ids_int(cases),
        stage_id="received",
        by=staff.caseworker,
        context=context,
        batch="b" * 32,
    )
    assert repeat.repeated and not repeat.changed
    assert Case.objects.filter(stage="checking").count() == 2


def test_bulk_services_refuse_cases_outside_the_teams(staff, cases):
    context = staff_context(user=staff.other_team)
    with pytest.raises(cases_services.CaseActionRefused):
        cases_services.cases_bulk_move(
            case_ids=ids_int(cases), stage_id="checking", by=staff.other_team, context=context
        )
    with pytest.raises(messaging.ThreadMessageRefused):
        messaging.thread_messages_post_many(
            case_ids=ids_int(cases), reply_id=0, by=staff.other_team, context=context
        )
    assert not Case.objects.filter(stage="checking").exists()


def ids_int(cases) -> list[int]:
    return sorted(case.pk for case in cases)


# A saved message


def test_a_saved_message_is_shown_once_then_sent_on_each_case(leader, cases, staff):
    reply = SavedReply.objects.create(
        service=cases[0].service,
        title="Bank statement",
        body_en="Please send your latest bank statement.",
        body_cy="Anfonwch eich cyfriflen banc ddiweddaraf.",
    )
    html = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "message", "reply": str(reply.pk)}
    ).content.decode()
    assert "Check before you send this message" in html
    assert html.count("Please send your latest bank statement.") == 1
    assert html.count("Anfonwch eich cyfriflen banc ddiweddaraf.") == 1
    changing = table(html, "What will change")
    assert all(case.reference in changing for case in cases)
    assert not ThreadMessage.objects.exists()

    form = confirm_form(html)
    leader.post(CONFIRM, form)
    leader.post(CONFIRM, form)  # a double click
    for case in cases:
        [message] = ThreadMessage.objects.filter(case=case)
        assert message.body == "Please send your latest bank statement."
        assert message.from_staff and message.author == staff.leader
        event = CaseEvent.objects.get(case=case, kind="thread_message")
        assert event.data["message"] == message.pk and event.data["batch"] == form["batch"][0]
        assert Message.objects.filter(case=case, event="new_secure_message").count() == 1
    assert "“Bank statement” sent on 2 cases." in leader.get("/staff/queue/").content.decode()


def test_a_saved_message_goes_in_the_persons_language(staff, cases):
    reply = SavedReply.objects.create(
        service=cases[0].service,
        title="Bank statement",
        body_en="In English.",
        body_cy="Yn Gymraeg.",
    )
    cases[1].person.language = "cy"
    cases[1].person.save(update_fields=["language"])
    done = messaging.thread_messages_post_many(
        case_ids=ids_int(cases),
        reply_id=reply.pk,
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        batch="c" * 32,
    )
    assert sorted(done.changed) == ids_int(cases)
    assert ThreadMessage.objects.get(case=cases[0]).body == "In English."
    assert ThreadMessage.objects.get(case=cases[1]).body == "Yn Gymraeg."


def test_a_case_changed_before_confirm_is_left_as_it_is_and_counted(leader, cases, staff):
    html = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "move", "to_stage": "checking"}
    ).content.decode()
    assert "2 cases will move to" in html
    # Someone else moves one of them before Confirm.
    cases_services.case_move(
        case_id=cases[1].pk, stage_id="checking", by=staff.colleague, revision=None
    )
    leader.post(CONFIRM, confirm_form(html))
    queue = leader.get("/staff/queue/").content.decode()
    assert "1 case moved to Checking your application. 1 case did not change." in queue
    assert CaseEvent.objects.filter(kind="stage_changed", data__bulk=True).count() == 1
    assert CaseEvent.objects.get(case=cases[1], kind="stage_changed").actor == staff.colleague


def test_at_most_500_cases_at_once(leader, cases, staff):
    too_many = [str(pk) for pk in range(1, 502)]
    # The site takes at most 500 fields a form: more is refused before the page is reached.
    response = leader.post(CONFIRM, {"cases": too_many, "action": "move", "to_stage": "checking"})
    assert response.status_code == 400
    # The services hold the same limit for any other caller.
    with pytest.raises(cases_services.CaseActionRefused, match="500 cases or fewer"):
        cases_services.cases_bulk_move(
            case_ids=[int(pk) for pk in too_many],
            stage_id="checking",
            by=staff.leader,
            context=staff_context(user=staff.leader),
        )
    assert not CaseEvent.objects.filter(kind="stage_changed").exists()


def test_the_confirmation_page_in_welsh(leader, cases, staff):
    leader.get("/language/cy/")
    html = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "assign", "assignee": str(staff.colleague.pk)}
    ).content.decode()
    assert "Gwiriwch cyn i chi neilltuo&#39;r achosion hyn" in html
    assert "Bydd 2 achos yn cael eu neilltuo i Col League." in html
    leader.post(CONFIRM, confirm_form(html))
    assert (
        "2 achos wedi&#39;u neilltuo i Col League." in leader.get("/staff/queue/").content.decode()
    )


def test_a_refusal_at_the_last_moment_shows_the_page_again(leader, cases, staff, monkeypatch):
    """A case changed between Confirm's look at the cases and the write: the service refuses
    the lot, and the confirmation page comes back with why; nothing is changed."""
    html = leader.post(
        CONFIRM, {"cases": ids(cases), "action": "assign", "assignee": str(staff.colleague.pk)}
    ).content.decode()

    def refuse(**kwargs):
        raise cases_services.CaseActionRefused("Some of the selected cases are closed.")

    monkeypatch.setattr(cases_services, "cases_bulk_assign", refuse)
    response = leader.post(CONFIRM, confirm_form(html))
    page = response.content.decode()
    assert response.status_code == 409
    assert "There is a problem" in page and "Some of the selected cases are closed." in page
    assert "Check before you assign these cases" in page
    assert token_of(page) != token_of(html)
    assert not Case.objects.filter(assigned_to__isnull=False).exists()
