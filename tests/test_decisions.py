"""A decision says what was decided and cannot be recorded wrong: its amount, reasons that
match its outcome, the preview of what the person will read, corrections that supersede,
and what the person reads after a reconsideration. Through the pages as staff and people
use them, and through the services the API and automation call."""

import re
from html import unescape

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from commonweal.cases import services as cases_services
from commonweal.cases.models import Case, CaseEvent, Decision, Offer
from commonweal.messaging.models import Message
from commonweal.organisations.selectors import staff_context
from commonweal.payments.models import PaymentInstruction
from tests.workspace import make_staff, submit_case

pytestmark = pytest.mark.django_db

SAVINGS = "You or your partner have more savings than the limit for this loan."
LOAN_APPROVED = "You can get a Budgeting Loan."


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def case(citizen, staff):
    return submit_case(citizen)


def signed_in(client, user):
    client.force_login(user)
    return client


def text_of(response, start: str = "<main", end: str = "</main>") -> str:
    html = response.content.decode()
    part = html[html.index(start) : html.index(end, html.index(start))]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", part)).split())


def decision_url(case) -> str:
    return f"/staff/cases/{case.reference}/decision/"


def approval(case, **extra) -> dict:
    """The decision form as a caseworker fills it in to approve the £400 loan."""
    return {
        "outcome": "approved",
        "reasons": ["loan-approved"],
        "amount": "400.00",
        "explanation": "You can borrow what you asked for.",
        "revision": case.revision,
        "step": "send",
        **extra,
    }


def refusal(case, **extra) -> dict:
    return {
        "outcome": "refused",
        "reasons": ["savings-too-high"],
        "explanation": "Your savings were £1,800 on the day you applied.",
        "revision": case.revision,
        "step": "send",
        **extra,
    }


def refresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


# The amount


def test_the_decision_page_starts_from_the_rules_entitlement(client, staff, case):
    page = signed_in(client, staff.caseworker).get(decision_url(case))
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<input[^>]*id="amount"[^>]*value="400.00"', html)
    assert "govuk-input__prefix" in html and "£" in html
    assert "The rules worked out £400" in text_of(page)


def test_an_amount_other_than_the_rules_needs_a_reason(client, staff, case):
    c = signed_in(client, staff.caseworker)
    refused = c.post(decision_url(case), approval(case, amount="350"))
    assert refused.status_code == 400
    assert "Say why the amount is not the £400 the rules worked out" in text_of(refused)
    assert not Decision.objects.exists()
    sent = c.post(
        decision_url(case),
        approval(case, amount="350", amount_reason="They need £350 for the cooker."),
    )
    assert sent.status_code == 302
    decision = Decision.objects.get(case=case)
    assert (decision.amount_pence, decision.entitlement_pence) == (35_000, 40_000)
    assert decision.amount_reason == "They need £350 for the cooker."
    event = CaseEvent.objects.get(case=case, kind="decided")
    assert event.data["amount_pence"] == 35_000
    assert event.data["amount_reason"] == "They need £350 for the cooker."
    # The case page shows the amount and why it is not the rules'.
    page = text_of(c.get(f"/staff/cases/{case.reference}/"))
    assert "Amount: £350" in page and "They need £350 for the cooker." in page


def test_the_payment_is_made_for_the_decisions_amount(client, staff, case):
    signed_in(client, staff.caseworker).post(
        decision_url(case), approval(case, amount="350.50", amount_reason="Agreed on the phone")
    )
    instruction = PaymentInstruction.objects.get(case=case)
    assert instruction.amount_pence == 35_050
    assert instruction.decision == Decision.objects.get(case=case)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter the amount the person will get"),
        ("12.345", "Enter the amount in pounds and pence, like 450 or 450.50"),
        ("four hundred", "Enter the amount in pounds and pence, like 450 or 450.50"),
        ("0", "The amount must be more than £0"),
    ],
)
def test_an_approval_needs_a_real_amount(client, staff, case, amount, message):
    response = signed_in(client, staff.caseworker).post(
        decision_url(case), approval(case, amount=amount, amount_reason="Typed by hand")
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert 'href="#amount"' in response.content.decode()
    assert not Decision.objects.exists()


def test_only_an_approval_of_a_service_with_amounts_carries_one(staff, case, citizen_client):
    context = staff_context(user=staff.caseworker)
    with pytest.raises(cases_services.CaseActionRefused, match="Only an approval gives"):
        cases_services.case_decide(
            case_id=case.pk,
            outcome="refused",
            reasons=["savings-too-high"],
            explanation="Over the limit.",
            amount_pence=40_000,
            by=staff.caseworker,
            context=context,
            revision=None,
        )
    from tests.journeys import HOME_ADAPTATION, apply

    apply(citizen_client, "home-adaptation", HOME_ADAPTATION)
    adaptation = Case.objects.get(service__slug="home-adaptation")
    with pytest.raises(cases_services.CaseActionRefused, match="do not give an amount"):
        cases_services.case_decide(
            case_id=adaptation.pk,
            outcome="approved",
            reasons=["adaptation-approved"],
            explanation="We will fit the rails.",
            amount_pence=40_000,
            by=staff.other_team,
            context=staff_context(user=staff.other_team),
            revision=None,
        )
    assert not Decision.objects.exists()
    # Without an amount it is an ordinary approval, and nothing is paid.
    cases_services.case_decide(
        case_id=adaptation.pk,
        outcome="approved",
        reasons=["adaptation-approved"],
        explanation="We will fit the rails.",
        by=staff.other_team,
        context=staff_context(user=staff.other_team),
        revision=None,
    )
    assert Decision.objects.get(case=adaptation).amount_pence is None
    assert not PaymentInstruction.objects.exists()


# Reasons and the explanation


def test_a_reason_of_another_outcome_is_refused_and_named(client, staff, case):
    response = signed_in(client, staff.caseworker).post(
        decision_url(case), approval(case, reasons=["loan-approved", "savings-too-high"])
    )
    assert response.status_code == 400
    text = text_of(response)
    assert f"“{SAVINGS}” is a reason for a refusal. It cannot be given for an approval." in text
    # The summary leads to that very reason's box.
    assert 'href="#reason-savings-too-high"' in response.content.decode()
    assert not Decision.objects.exists()


def test_every_outcome_needs_its_reasons(client, staff, case):
    c = signed_in(client, staff.caseworker)
    for outcome, message in (
        ("approved", "Choose at least one reason for approving"),
        ("refused", "Choose at least one reason for refusing"),
        ("withdrawn", "Choose at least one reason for withdrawing the application"),
    ):
        response = c.post(decision_url(case), approval(case, outcome=outcome, reasons=[]))
        assert response.status_code == 400, outcome
        assert message in text_of(response)
    assert not Decision.objects.exists()


def test_the_explanation_for_the_person_is_required(client, staff, case):
    response = signed_in(client, staff.caseworker).post(
        decision_url(case), refusal(case, explanation="  ")
    )
    assert response.status_code == 400
    assert "Write the explanation the person will read" in text_of(response)
    assert not Decision.objects.exists()


def test_every_problem_is_listed_at_once_each_leading_to_its_field(client, staff, case):
    response = signed_in(client, staff.caseworker).post(
        decision_url(case),
        approval(case, reasons=["savings-too-high"], amount="300", explanation=""),
    )
    html = response.content.decode()
    summary = html[
        html.index("govuk-error-summary") : html.index("</ul>", html.index("govuk-error-summary"))
    ]
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets == [
        "reason-savings-too-high",
        "reason-loan-approved",
        "amount_reason",
        "explanation",
    ]
    assert all(f'id="{target}"' in html for target in targets)


def test_the_api_refuses_a_reason_of_another_outcome(client, staff, case):
    import json

    from commonweal.api import services as api_services

    _key, token = api_services.api_key_create(
        organisation=staff.teams["financial-support"].organisation,
        name="Case system",
        scopes=["cases:read", "cases:update"],
    )
    response = client.post(
        f"/api/v1/cases/{case.reference}/decision/",
        json.dumps(
            {
                "outcome": "approved",
                "reasons": ["savings-too-high"],
                "explanation": "Approved",
                "amount_pence": 40_000,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="d-1",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {error["field"] for error in errors} == {"reasons"}
    assert any(SAVINGS in error["message"] for error in errors)
    assert not Decision.objects.exists()


# The preview


def _panel_text(html: str, section: str = '<section class="app-decision') -> str:
    start = html.index(section)
    part = html[start : html.index("</section>", start)]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", part)).split())


def test_the_preview_shows_what_the_person_will_read_and_sends_nothing(
    client, staff, case, citizen
):
    c = signed_in(client, staff.caseworker)
    form = approval(case, amount="350", amount_reason="Agreed on the phone", step="preview")
    before = Message.objects.count()
    preview = c.post(decision_url(case), form)
    assert preview.status_code == 200
    text = text_of(preview)
    assert "Check the decision before you send it" in text
    assert "Your application was approved." in text
    assert "You asked for £400" in text and "Loan amount £350" in text
    assert LOAN_APPROVED in text and "You can borrow what you asked for." in text
    # The approval is a loan offer: the offer they will be asked to accept, with the
    # repayments worked out from the amount, and the message that tells them of it, as it
    # will be sent (the offer, not only "a decision").
    assert "Your offer We can lend you £350." in text
    assert "You will repay £5 a week for 70 weeks." in text
    assert "Your offer: Budgeting Loan" in text
    assert "A decision has been made" not in text
    assert "sam.evans@example.com" in text
    # For staff only: the rules' amount and why it changed.
    assert "Agreed on the phone" in text
    assert not Decision.objects.exists() and Message.objects.count() == before
    # "Change" goes back to the form with everything kept.
    change = c.post(decision_url(case), {**form, "step": "change"})
    html = change.content.decode()
    assert change.status_code == 200
    assert re.search(r'<input[^>]*id="amount"[^>]*value="350"', html)
    assert "Agreed on the phone" in html and 'value="loan-approved" checked' in html
    # Sent, the person's page shows the same decision, word for word.
    assert c.post(decision_url(case), {**form, "step": "send"}).status_code == 302
    client.force_login(citizen)
    page = client.get(f"/applications/{case.reference}/")
    assert _panel_text(page.content.decode()) == _panel_text(preview.content.decode())
    offer_section = '<section class="app-offer"'
    assert _panel_text(page.content.decode(), offer_section) == _panel_text(
        preview.content.decode(), offer_section
    )
    assert Message.objects.filter(case=case, event="offer_made").exists()


def test_the_preview_is_in_the_persons_language(client, staff, case):
    from commonweal.people.models import Person

    Person.objects.filter(pk=case.person_id).update(language="cy")
    preview = signed_in(client, staff.caseworker).post(
        decision_url(case), refusal(case, step="preview")
    )
    html = preview.content.decode()
    assert 'lang="cy"' in html
    assert "Mae gennych chi neu'ch partner fwy o gynilion" in unescape(html)
    # The caseworker can read it in English too.
    assert "Read it in English" in html and SAVINGS in unescape(html)


def test_a_stale_preview_is_refused_when_sent(client, staff, case):
    c = signed_in(client, staff.caseworker)
    form = refusal(case, step="preview")
    assert c.post(decision_url(case), form).status_code == 200
    # Someone else works on the case meanwhile.
    cases_services.case_note_add(
        case_id=case.pk, text="Phoned the person", for_person=False, by=staff.colleague
    )
    sent = c.post(decision_url(case), {**form, "step": "send"})
    assert sent.status_code == 409
    assert "Someone else changed this case" in text_of(sent)
    assert not Decision.objects.exists()
    # The form now carries the case's current revision, and what they wrote.
    assert f'name="revision" value="{refresh(case).revision}"' in sent.content.decode()
    assert "Your savings were £1,800" in sent.content.decode()


def test_sending_twice_records_once(client, staff, case):
    c = signed_in(client, staff.caseworker)
    for _ in range(2):
        response = c.post(decision_url(case), refusal(case))
        assert response.status_code == 302
    assert Decision.objects.filter(case=case).count() == 1
    assert Message.objects.filter(case=case, event="decision_made").count() == 1
    # Another decision on the closed case is refused, and the summary leads somewhere real.
    other = c.post(
        decision_url(case), refusal(refresh(case), explanation="Something else entirely.")
    )
    html = other.content.decode()
    assert other.status_code == 400 and "This case is closed" in text_of(other)
    targets = re.findall(r'govuk-error-summary__list.*?href="#([^"]+)"', html, re.S)
    assert targets and all(f'id="{target}"' in html for target in targets), targets
    assert Decision.objects.filter(case=case).count() == 1


# Corrections


def _correct_url(case) -> str:
    return f"/staff/cases/{case.reference}/decision/correct/"


def test_a_team_leader_corrects_a_decision_with_a_new_one(client, staff, case, citizen):
    c = signed_in(client, staff.caseworker)
    assert c.post(decision_url(case), refusal(case)).status_code == 302
    first = Decision.objects.get(case=case)
    # A caseworker cannot correct; a team leader can.
    assert c.get(_correct_url(case)).status_code == 403
    leader = signed_in(client, staff.leader)
    page = leader.get(_correct_url(case))
    assert page.status_code == 200
    assert "The decision you are correcting" in text_of(page)
    case = refresh(case)
    no_reason = leader.post(_correct_url(case), approval(case))
    assert no_reason.status_code == 400
    assert "Say why the decision is being corrected" in text_of(no_reason)
    same = leader.post(_correct_url(case), refusal(case, correction_reason="Typo"))
    assert "The corrected decision is the same as the one it replaces" in text_of(same)
    sent = leader.post(
        _correct_url(case),
        approval(case, correction_reason="We read the savings of £180 as £1,800."),
    )
    assert sent.status_code == 302
    corrected = Decision.objects.get(case=case, supersedes=first)
    assert Decision.objects.filter(case=case).count() == 2  # the old one stays
    assert corrected.outcome == "approved" and corrected.amount_pence == 40_000
    assert corrected.correction_reason == "We read the savings of £180 as £1,800."
    case = refresh(case)
    assert case.outcome == "approved" and case.closed_at is not None
    event = CaseEvent.objects.get(case=case, kind="decision_corrected")
    assert event.visible_to_person and event.data["supersedes"] == first.pk
    assert Message.objects.filter(case=case, event="decision_corrected").exists()
    assert PaymentInstruction.objects.get(case=case).amount_pence == 40_000
    # The person reads the current decision, and that it replaced an earlier one.
    client.force_login(citizen)
    text = text_of(client.get(f"/applications/{case.reference}/"))
    assert "Your application was approved." in text
    assert "We corrected a mistake in our decision of" in text
    assert "We read the savings of £180 as £1,800." in text
    assert "Decision corrected" in text  # on the timeline
    # Both are in the person's own download, the correction saying what it corrected.
    from commonweal.cases import selectors as cases_selectors

    exported = cases_selectors.cases_for_export(person=case.person, language="en")[0]
    assert [d["outcome"] for d in exported["decisions"]] == ["refused", "approved"]
    assert exported["decisions"][1]["corrects_an_earlier_decision"] is True
    assert exported["decisions"][1]["amount"] == "£400"
    # Staff see both decisions in the case's history.
    staff_page = text_of(signed_in(client, staff.leader).get(f"/staff/cases/{case.reference}/"))
    assert "Corrected decision" in staff_page and "1 earlier decision" in staff_page


def test_correcting_an_approval_cancels_its_payment_or_leaves_it_to_the_team(staff, case):
    leader, context = staff.leader, staff_context(user=staff.leader)
    first = cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You can borrow £400.",
        amount_pence=40_000,
        by=leader,
        context=context,
        revision=None,
    )
    # The loan is an offer: its payment waits for the person's answer.
    waiting = PaymentInstruction.objects.get(case=case)
    assert waiting.status == "awaiting"
    cases_services.case_decision_correct(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You can borrow £300.",
        amount_pence=30_000,
        amount_reason="They already had £100 from the council's crisis fund.",
        correction_reason="We missed the crisis payment.",
        by=leader,
        context=context,
        revision=None,
    )
    waiting.refresh_from_db()
    assert waiting.status == "cancelled" and waiting.decision == first
    # One live payment, for the corrected amount, waiting for the corrected offer's answer.
    live = PaymentInstruction.objects.get(case=case, status__in=["awaiting", "pending"])
    assert (live.amount_pence, live.status) == (30_000, "awaiting")
    assert Offer.objects.get(case=case, status="waiting").amount_pence == 30_000
    cases_services.offer_answer(case_id=case.pk, accept=True, by=case.person.account)
    live.refresh_from_db()
    assert live.status == "pending"
    # Once the bank has it, a correction never pays again: the team is told to sort it out.
    PaymentInstruction.objects.filter(pk=live.pk).update(status="paid", batch_id=_batch(live).pk)
    cases_services.case_decision_correct(
        case_id=case.pk,
        outcome="refused",
        reasons=["existing-debt-too-high"],
        explanation="You already owe too much.",
        correction_reason="The debt check was wrong.",
        by=leader,
        context=context,
        revision=None,
    )
    assert (
        PaymentInstruction.objects.filter(case=case, status__in=["pending", "batched"]).count() == 0
    )
    assert case.tasks.filter(title__contains="£300.00 was already sent").exists()


def _batch(instruction):
    from commonweal.payments.models import PaymentBatch

    return PaymentBatch.objects.create(
        organisation_id=instruction.organisation_id,
        day=timezone.localdate(),
        format="csv",
        created_at=timezone.now(),
    )


def test_only_a_closed_case_with_a_decision_can_be_corrected(staff, case):
    with pytest.raises(cases_services.CaseActionRefused, match="no decision in force"):
        cases_services.case_decision_correct(
            case_id=case.pk,
            outcome="refused",
            reasons=["savings-too-high"],
            explanation="No.",
            correction_reason="Mistake",
            by=staff.leader,
            context=staff_context(user=staff.leader),
            revision=None,
        )


def test_decisions_stay_append_only(staff, case):
    decision = cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Over the limit.",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=None,
    )
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_decision SET outcome = 'approved' WHERE id = %s", [decision.pk]
        )
    assert Decision.objects.get(pk=decision.pk).outcome == "refused"


# After a reconsideration


def _reconsidered(case, staff, citizen, **decision):
    context = staff_context(user=staff.caseworker)
    cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Your savings were over the limit.",
        by=staff.caseworker,
        context=context,
        revision=None,
    )
    cases_services.case_reconsideration_request(
        case_id=case.pk, by=citizen, reason="My savings are £180, not £1,800."
    )
    return cases_services.case_decide(
        case_id=case.pk,
        by=staff.leader,
        context=staff_context(user=staff.leader),
        revision=None,
        **decision,
    )


def test_after_a_reconsideration_the_person_reads_that_it_changed_and_where_to_go_next(
    citizen_client, staff, case, citizen
):
    review = _reconsidered(
        case,
        staff,
        citizen,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="We checked your bank statement: your savings are £180.",
        amount_pence=40_000,
    )
    first = Decision.objects.get(case=case, outcome="refused")
    assert review.reconsiders == first
    assert Message.objects.filter(case=case, event="reconsideration_decided").exists()
    response = citizen_client.get(f"/applications/{case.reference}/")
    html = response.content.decode()
    text = text_of(response)
    assert "We have looked at our decision again" in text
    assert "We have changed our decision." in text
    assert "Your application was approved." in text and "Loan amount £400" in text
    assert "What we decided before Your application was not successful." in text
    assert LOAN_APPROVED in text and "your savings are £180" in text
    assert "If you still think the decision is wrong" in text
    assert 'href="https://www.ombudsman.wales/"' in html
    assert "Public Services Ombudsman for Wales" in text
    # No second look: no link to ask again, and asking is refused.
    assert f"/applications/{case.reference}/reconsideration/" not in html
    again = citizen_client.get(f"/applications/{case.reference}/reconsideration/")
    assert "We have already looked at this decision again" in text_of(again)
    assert "Public Services Ombudsman for Wales" in text_of(again)
    with pytest.raises(cases_services.CaseActionRefused, match="already looked"):
        cases_services.case_reconsideration_request(
            case_id=case.pk, by=citizen, reason="Still wrong"
        )


def test_after_a_reconsideration_the_person_reads_that_it_did_not_change(
    citizen_client, staff, case, citizen
):
    _reconsidered(
        case,
        staff,
        citizen,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Your statement shows £1,800 in savings.",
    )
    text = text_of(citizen_client.get(f"/applications/{case.reference}/"))
    assert "Our decision has not changed." in text
    assert "Your application was not successful." in text and SAVINGS in text
    assert "Your statement shows £1,800 in savings." in text
    assert "Public Services Ombudsman for Wales" in text


# What the person reads


def test_the_persons_decision_says_what_they_asked_for_and_what_they_get(
    citizen_client, staff, case
):
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="We can lend you £350: the rest is over your limit.",
        amount_pence=35_000,
        amount_reason="Limit after the earlier loan",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=None,
    )
    text = text_of(citizen_client.get(f"/applications/{case.reference}/"))
    assert "You asked for £400" in text
    assert "Loan amount £350" in text
    # Why the amount differs is kept for staff, not shown as the person's explanation.
    assert "Limit after the earlier loan" not in text


def test_the_answers_stay_on_the_page_after_a_decision(citizen_client, staff, case):
    cases_services.case_decide(
        case_id=case.pk,
        outcome="refused",
        reasons=["savings-too-high"],
        explanation="Over the limit.",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=None,
    )
    response = citizen_client.get(f"/applications/{case.reference}/")
    answers = text_of(response, "Your answers", "</main>")
    # The answers, not the decision's rows, under "Your answers".
    assert "Amount asked for £400" in answers
    assert "First name Sam" in answers
    assert SAVINGS not in answers


def test_automation_approves_with_its_reason_and_the_rules_amount(citizen, staff):
    from commonweal.rules import services as rules_services
    from tests.test_rules import finish_checks, make_case

    case = make_case(citizen)
    finish_checks(case)
    record = rules_services.automation_consider(case_id=case.pk)
    assert record.action == "approved", record.reasons
    decision = Decision.objects.get(case=case)
    assert decision.reasons == ["loan-approved"]
    assert decision.amount_pence == decision.entitlement_pence == 40_000
    assert decision.explanation.startswith("You can borrow up to")
    assert PaymentInstruction.objects.get(case=case).amount_pence == 40_000


# The definition


def test_the_definition_names_the_amount_question_and_automation_gives_a_reason():
    from commonweal.catalogue.yaml_io import DefinitionError, parse_definition
    from tests.conftest import DEMO_DIR

    loan = (DEMO_DIR / "budgeting-loan.yaml").read_text(encoding="utf-8")
    definition, _data = parse_definition(loan)
    assert definition.decision_amount.asked_for == "amount"
    assert definition.asked_for_pence({"amount": "400.00"}) == 40_000
    with pytest.raises(DefinitionError, match="'purpose' is not a money question"):
        parse_definition(loan.replace("  asked_for: amount", "  asked_for: purpose"))
    with pytest.raises(DefinitionError, match="automation needs an approve_reason"):
        parse_definition(loan.replace("  approve_reason: loan-approved\n", ""))
    with pytest.raises(DefinitionError):
        parse_definition(
            loan.replace("url: https://www.ombudsman.wales/", "url: http://ombudsman.example/")
        )


def test_subscribed_systems_are_told_the_amount_and_what_a_decision_replaced(staff, case):
    from commonweal.webhooks import services as webhooks
    from commonweal.webhooks.models import WebhookDelivery

    webhooks.subscription_create(
        organisation=staff.teams["financial-support"].organisation,
        url="http://127.0.0.1:9/hook",
        event_types=["decision.made"],
        by=staff.leader,
    )
    webhooks.subscribers_cache_clear()
    context = staff_context(user=staff.leader)
    first = cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You can borrow £400.",
        amount_pence=40_000,
        by=staff.leader,
        context=context,
        revision=None,
    )
    corrected = cases_services.case_decision_correct(
        case_id=case.pk,
        outcome="refused",
        reasons=["existing-debt-too-high"],
        explanation="You already owe too much.",
        correction_reason="The debt check was wrong.",
        by=staff.leader,
        context=context,
        revision=None,
    )
    made, correction = (
        delivery.payload["data"]
        for delivery in WebhookDelivery.objects.order_by("created_at", "id")
    )
    assert made["decision"] == first.pk and made["amount_pence"] == 40_000
    assert correction["decision"] == corrected.pk and correction["supersedes"] == first.pk
    assert correction["outcome"] == "refused" and "amount_pence" not in correction
    # Why it was corrected is for the person and staff, not sent to other systems.
    assert "reason" not in correction


def test_a_changed_amount_after_a_reconsideration_replaces_the_waiting_payment(
    staff, case, citizen
):
    context = staff_context(user=staff.leader)
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="We can lend you £350.",
        amount_pence=35_000,
        amount_reason="The cooker costs £350.",
        by=staff.caseworker,
        context=staff_context(user=staff.caseworker),
        revision=None,
    )
    first = PaymentInstruction.objects.get(case=case)
    cases_services.case_reconsideration_request(
        case_id=case.pk, by=citizen, reason="The cooker costs £400."
    )
    cases_services.case_decide(
        case_id=case.pk,
        outcome="approved",
        reasons=["loan-approved"],
        explanation="You sent the price: we can lend you £400.",
        amount_pence=40_000,
        by=staff.leader,
        context=context,
        revision=None,
    )
    first.refresh_from_db()
    assert first.status == "cancelled"
    # The new amount is a new loan offer: its payment waits for the person's answer.
    replacing = PaymentInstruction.objects.get(case=case, status="awaiting")
    assert replacing.amount_pence == 40_000
    assert Offer.objects.get(case=case, status="waiting").amount_pence == 40_000
    cases_services.offer_answer(case_id=case.pk, accept=True, by=citizen)
    replacing.refresh_from_db()
    assert replacing.status == "pending"
    assert PaymentInstruction.objects.filter(case=case).exclude(status="cancelled").count() == 1
