"""Rules as data (issue 6): eligibility rules, decision tables and entitlements written in CEL
and stored with each service version, their explanations, and straight-through processing
by a service's automation policy."""

import datetime
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from commonweal.accounts.models import User
from commonweal.cases.models import Case, CaseEvent, Decision
from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue import services as catalogue_services
from commonweal.catalogue.yaml_io import DefinitionError, parse_definition
from commonweal.checks import services as checks_services
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.intake import services as intake_services
from commonweal.intake.models import Application
from commonweal.organisations import services as organisations
from commonweal.organisations.models import Role
from commonweal.rules import engine, selectors, services
from commonweal.rules.checks import eligibility_rules_check
from commonweal.rules.models import AutomationRecord, RuleEvaluation
from tests.test_catalogue import BUDGETING_LOAN, line_of
from tests.workspace import make_staff

pytestmark = pytest.mark.django_db

ELIGIBLE = {
    "universal-credit": "no",
    "qualifying-benefit": "yes",
    "existing-debt": "no",
    "industrial-action": "no",
}
TODAY = datetime.date(2026, 11, 26)


def definition():
    return parse_definition(BUDGETING_LOAN)[0]


def evaluate(answers=None, eligibility=None, text=None, today=TODAY):
    used = parse_definition(text)[0] if text else definition()
    return engine.evaluate(
        used,
        answers={**BUDGETING_LOAN_ANSWERS, **(answers or {})},
        eligibility_answers={**ELIGIBLE, **(eligibility or {})},
        today=today,
    )


def make_case(account, *, answers=None, eligibility=None, language="en") -> Case:
    """A Budgeting Loan sent with these answers (the demo answers by default)."""
    published = catalogue.published_service(slug="budgeting-loan")
    answers = {**BUDGETING_LOAN_ANSWERS, **(answers or {})}
    pages = [page.id for page in published.definition.visible_pages(answers)]
    Application.objects.create(
        account=account,
        service=published.service,
        version=published.version,
        answers=answers,
        eligibility_answers=ELIGIBLE if eligibility is None else eligibility,
        completed_pages=pages,
    )
    application = intake_services.application_submit(
        account=account, service=published.service, language=language
    )
    return Case.objects.get(application=application)


def finish_checks(case, **statuses):
    """Every check the service lists gets a result: the rules' own check is run for real,
    the others are green unless given (check_name with underscores=status)."""
    for name in catalogue.definition_for(case.version).checks:
        status = statuses.get(name.replace("-", "_"))
        if name == "eligibility-rules" and status is None:
            found = eligibility_rules_check(case)
        else:
            status = status or "green"
            found = {"status": status, "reasons": [f"{name} found {status}"], "evidence": {}}
        checks_services.check_result_record(case=case, check_name=name, **found)


def page_text(response) -> str:
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def service_owner(staff):
    user = User.objects.create_user(
        "owner@council.example", display_name="Owen Owner", is_staff=True
    )
    organisations.membership_ensure(
        user=user, team=staff.teams["financial-support"], role=Role.SERVICE_OWNER
    )
    return user


def use_policy(mode: str) -> None:
    catalogue_services.service_import(
        yaml_text=BUDGETING_LOAN.replace("mode: automatic", f"mode: {mode}")
    )
    catalogue.published_cache_clear()


# Rules that cannot work are refused when saved, with the rule's id and the reason.


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("when: eligibility.qualifying_benefit", "when: answers.household_size > 2"),
            "rule 'qualifying-benefit': the expression refers to unknown question 'household_size'",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: eligibility.qualifying_benefit &&"),
            "the expression does not parse (column 34)",
        ),
        (
            ("when: eligibility.qualifying_benefit", 'when: answers.savings + "x" == 1'),
            "rule 'qualifying-benefit': the expression has a type problem",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: answers.savings"),
            "rule 'qualifying-benefit': the expression must give true or false, but gives a "
            "whole number",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: answers.has-partner"),
            "write hyphens in ids as underscores",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: lookup(answers.savings)"),
            "'lookup' is not a function CEL knows",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: eligibility.on_benefits"),
            "refers to unknown eligibility question 'on_benefits'",
        ),
        (
            ("{smallest_loan}", "{overdraft}"),
            "rule 'smallest-loan': the text has an unknown placeholder {overdraft}",
        ),
        (
            ("tables.loan_band.maximum -", "tables.loan_bands.maximum -"),
            "entitlement amount: the expression refers to unknown table 'loan_bands'",
        ),
        (
            ("then: {maximum: 81200}", 'then: {maximum: "lots"}'),
            "table 'loan-band' row 1: output 'maximum' is money, but the row gives 'lots'",
        ),
        (
            ("when: inputs.partner", "when: inputs.partner + 1"),
            "decision table 'loan-band' row 3: the expression has a type problem",
        ),
        (
            ("approve_reason: loan-approved", "approve_reason: no-reply"),
            "automation approve_reason 'no-reply' is not an approved decision reason",
        ),
    ],
)
def test_rules_that_do_not_work_are_refused_with_their_id_and_reason(change, message):
    text = BUDGETING_LOAN.replace(*change, 1)
    assert text != BUDGETING_LOAN
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    assert message in str(caught.value)


def test_a_refused_rule_is_reported_on_its_own_line():
    text = BUDGETING_LOAN.replace(
        "when: eligibility.qualifying_benefit", "when: answers.household_size > 2"
    )
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    [problem] = caught.value.problems
    assert problem.line == line_of(text, "when: answers.household_size > 2")
    assert problem.where == "rules[0].when"


def test_every_kind_of_referral_has_a_reason_a_caseworker_can_give():
    """The finding: the strike case was referred for industrial action, but no decision
    reason said so. The demo's referral names its reason, in English and Welsh..."""
    parsed = definition()
    refer_rules = [rule for rule in parsed.rules if rule.effect == "refer"]
    assert [rule.id for rule in refer_rules] == ["industrial-action"]
    reason = parsed.decision_reason(refer_rules[0].reason)
    assert reason.outcome == "refused"
    assert "industrial action" in reason.text.en
    assert "weithredu diwydiannol" in reason.text.cy
    # ... and a definition whose rules refer without one is refused, at the rule's line.
    text = BUDGETING_LOAN.replace("    reason: involved-in-industrial-action\n", "", 1)
    assert text != BUDGETING_LOAN
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    [problem] = caught.value.problems
    assert "rule 'industrial-action' refers cases to a person, so it needs a reason" in str(
        caught.value
    )
    assert problem.where == "rules[3].effect"
    assert problem.line == line_of(text, "effect: refer")
    # A reason that is not one of the service's, or is only for withdrawing, is refused too.
    for wrong in ("strike", "no-reply"):
        text = BUDGETING_LOAN.replace(
            "reason: involved-in-industrial-action", f"reason: {wrong}", 1
        )
        with pytest.raises(DefinitionError) as caught:
            parse_definition(text)
        [problem] = caught.value.problems
        assert f"reason '{wrong}' is not an approved or refused decision reason" in str(
            caught.value
        )
        assert problem.line == line_of(text, f"reason: {wrong}")


def test_the_caseworker_can_give_the_referral_reason_for_the_strike_case(client, citizen, staff):
    case = make_case(citizen, eligibility={**ELIGIBLE, "industrial-action": "yes"})
    finish_checks(case)
    assert services.automation_consider(case_id=case.pk).action == "to_person"
    client.force_login(staff.caseworker)
    page = page_text(client.get(f"/staff/cases/{case.reference}/decision/"))
    assert "You are involved in industrial action (a strike or other trade dispute)" in page


def test_a_question_id_inside_a_string_is_not_a_reference():
    text = BUDGETING_LOAN.replace(
        "when: eligibility.qualifying_benefit",
        "when: eligibility.qualifying_benefit && 'answers.nothing' != ''",
    )
    assert parse_definition(text)[0].rules[0].id == "qualifying-benefit"


def test_validate_and_import_refuse_a_rule_on_an_unknown_question(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        BUDGETING_LOAN.replace(
            "when: eligibility.qualifying_benefit", "when: answers.household_size > 2"
        )
    )
    with pytest.raises(CommandError):
        call_command("services", "validate", str(broken))
    error = capsys.readouterr().err
    assert "rule 'qualifying-benefit'" in error
    assert "unknown question 'household_size'" in error
    versions = catalogue.versions_of(slug="budgeting-loan")
    with pytest.raises(CommandError):
        call_command("services", "import", str(broken))
    assert len(catalogue.versions_of(slug="budgeting-loan")) == len(versions)


def test_the_admin_refuses_a_rule_that_does_not_parse(admin_client):
    version = catalogue.published_service(slug="budgeting-loan").version
    draft = catalogue_services.service_version_draft_from(version=version)
    response = admin_client.post(
        f"/staff/admin/catalogue/serviceversion/{draft.pk}/change/",
        {"source_yaml": BUDGETING_LOAN.replace("effect: refer", "effect: maybe", 1)},
    )
    assert response.status_code == 200
    assert "effect" in response.content.decode()
    response = admin_client.post(
        f"/staff/admin/catalogue/serviceversion/{draft.pk}/change/",
        {"source_yaml": BUDGETING_LOAN.replace("entitlement >= ", "entitlement >=> ", 1)},
    )
    assert response.status_code == 200
    assert "does not parse" in unescape(response.content.decode())


# Decision tables, entitlements and outcomes.


@pytest.mark.parametrize(
    ("answers", "maximum", "amount"),
    [
        # Someone on their own is asked about themselves alone (single-* questions).
        (
            {"has-partner": False, "single-child-benefit": False, "single-savings": "0"}
            | {"amount": "812.00"},
            34800,
            34800,
        ),
        ({"has-partner": True, "child-benefit": False, "amount": "812.00"}, 46400, 46400),
        # First hit: Child Benefit is checked before a partner.
        ({"has-partner": True, "child-benefit": True, "amount": "812.00"}, 81200, 81200),
        (
            {"has-partner": False, "single-child-benefit": True, "single-savings": "0"}
            | {"amount": "300.00"},
            81200,
            30000,
        ),
        # £1,200 of savings: £200 over the £1,000 allowance comes off.
        ({"has-partner": True, "savings": "1200.00", "amount": "812.00"}, 26400, 26400),
        # From 63 the allowance is £2,000.
        (
            {"savings": "1200.00", "amount": "812.00", "date-of-birth": "1960-01-01"},
            46400,
            46400,
        ),
    ],
)
def test_entitlement_from_household_and_savings(answers, maximum, amount):
    found = evaluate(answers)
    assert found["outcome"] == "eligible"
    assert found["entitlement"]["maximum"] == maximum
    assert found["entitlement"]["amount"] == amount


def test_first_hit_policy_records_the_row_that_matched():
    found = evaluate({"has-partner": True, "child-benefit": True})
    band = found["tables"][0]
    assert band["id"] == "loan-band"
    assert band["row"] == 1
    assert band["outputs"] == {"maximum": 81200}
    assert band["text"]["en"] == (
        "you or your partner get Child Benefit, so the most you can borrow is £812"
    )


def test_a_unique_table_with_two_matching_rows_goes_to_a_person():
    overlapping = BUDGETING_LOAN.replace(
        'when: "!inputs.older && inputs.savings <= 100000"', 'when: "inputs.savings <= 100000"'
    )
    found = evaluate({"date-of-birth": "1950-01-01", "savings": "10.00"}, text=overlapping)
    allowance = found["tables"][1]
    assert allowance["error"] == "table 'savings-allowance' is unique, but rows 1 and 3 all match"
    assert found["outcome"] == "refer"
    assert found["entitlement"]["amount"] is None


def test_savings_that_leave_less_than_the_smallest_loan_make_it_ineligible():
    found = evaluate(
        {"has-partner": False, "single-child-benefit": False, "single-savings": "1300.00"}
    )
    assert found["entitlement"]["amount"] == 4800
    assert found["outcome"] == "ineligible"
    smallest = next(rule for rule in found["rules"] if rule["id"] == "smallest-loan")
    assert smallest["result"] is False
    assert smallest["decides"] == "ineligible"
    assert smallest["values"]["entitlement"]["shown"]["en"] == "£48"
    assert "less than the smallest loan of £100" in found["explanation"]["en"]


def test_a_missing_answer_is_referred_to_a_person_never_refused():
    found = engine.evaluate(
        definition(), answers=BUDGETING_LOAN_ANSWERS, eligibility_answers={}, today=TODAY
    )
    assert found["outcome"] == "refer"
    rule = found["rules"][0]
    assert rule["result"] is None
    assert rule["error"] == "no value for eligibility.qualifying_benefit"


def test_the_explanation_is_plain_language_in_english_and_welsh():
    found = evaluate()
    assert found["explanation"]["en"].startswith(
        "You can borrow up to £464. We can lend you £400. This is because:\n\n"
        "- you live with a partner, so the most you can borrow is £464\n"
        "- your savings of £250 are not over £1,000, so they do not reduce the loan\n"
    )
    assert found["explanation"]["cy"].startswith(
        "Gallwch fenthyg hyd at £464. Gallwn fenthyg £400 i chi."
    )
    rule = found["rules"][0]
    assert rule["values"]["eligibility.qualifying_benefit"]["value"] is True


# Evaluations are kept, and shown to the caseworker and the person.


def test_an_evaluation_is_stored_append_only_with_its_explanation(citizen):
    case = make_case(citizen)
    evaluation = services.rules_evaluate(case=case)
    assert evaluation.outcome == "eligible"
    assert evaluation.entitlement_pence == 40000
    assert evaluation.version_id == case.version_id
    assert len(evaluation.ruleset_hash) == 64
    assert evaluation.inputs["answers"]["savings"] == 25000
    assert evaluation.inputs["derived"]["age"] >= 46
    assert [rule["id"] for rule in evaluation.results["rules"]] == [
        "qualifying-benefit",
        "universal-credit",
        "existing-debt",
        "industrial-action",
        "smallest-loan",
    ]
    assert "You can borrow up to £464" in evaluation.explanation["en"]
    assert evaluation.created_by is None
    assert selectors.entitlement_for_case(case.pk) == 40000
    evaluation.outcome = "ineligible"
    with pytest.raises(ValueError, match="appended"):
        evaluation.save()


def test_what_rules_and_policies_found_cannot_be_edited_or_deleted(citizen):
    case = make_case(citizen)
    finish_checks(case, duplicate_ni_number="amber")
    services.automation_consider(case_id=case.pk)
    for table in (RuleEvaluation, AutomationRecord):
        assert table.objects.filter(case=case).count() == 1
        with pytest.raises(DatabaseError), transaction.atomic():
            table.objects.update(created_at=case.opened_at)
        with pytest.raises(DatabaseError), transaction.atomic():
            table.objects.all().delete()
        assert table.objects.filter(case=case).count() == 1


def test_the_rules_check_is_green_amber_or_red(citizen):
    eligible = eligibility_rules_check(make_case(citizen))
    assert eligible["status"] == "green"
    assert eligible["evidence"]["entitlement_pence"] == 40000
    referred = eligibility_rules_check(
        make_case(citizen, eligibility={**ELIGIBLE, "industrial-action": "yes"})
    )
    assert referred["status"] == "amber"
    assert "The person is involved in industrial action" in referred["reasons"]
    refused = eligibility_rules_check(
        make_case(citizen, eligibility={**ELIGIBLE, "existing-debt": "yes"})
    )
    assert refused["status"] == "red"
    assert (
        "The person owes more than £1,500 in Crisis Loans and Budgeting Loans" in refused["reasons"]
    )
    assert selectors.entitlement_for_case(0) is None


def test_the_caseworker_sees_each_rule_its_values_and_result(client, citizen, staff):
    case = make_case(citizen, eligibility={**ELIGIBLE, "industrial-action": "yes"})
    services.rules_evaluate(case=case)
    client.force_login(staff.caseworker)
    text = page_text(client.get(f"/staff/cases/{case.reference}/checks/"))
    assert "Eligibility rules" in text
    assert "A person must decide" in text
    assert "Entitlement: £400" in text
    assert "Rule qualifying-benefit eligibility.qualifying_benefit" in text
    assert "eligibility.industrial_action = yes" in text
    assert "answers.savings = £250" in text
    assert "Table loan-band" in text
    assert "row 3" in text  # lives with a partner, no Child Benefit
    assert "could not be worked out" not in text
    assert "you said you are involved in industrial action" in text
    # Nobody outside the team sees it.
    client.force_login(staff.other_team)
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 404


# Straight-through processing.


def test_all_green_and_eligible_is_approved_by_the_policy(citizen, citizen_client, client, staff):
    case = make_case(citizen)
    finish_checks(case)
    record = services.automation_consider(case_id=case.pk)
    assert record.action == "approved"
    assert record.policy_version == 1
    # The evaluation the rules' check made is the one the policy followed.
    assert RuleEvaluation.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.closed_at is not None
    assert case.outcome == "approved"
    decision = Decision.objects.get(case=case)
    assert record.decision_id == decision.pk
    assert decision.reasons == ["loan-approved"]
    assert str(decision.decided_by) == "Automation policy: budgeting-loan, version 1"
    assert not decision.decided_by.is_active
    assert decision.explanation.startswith("You can borrow up to £464. We can lend you £400.")
    event = CaseEvent.objects.get(case=case, kind="decided")
    assert event.data["policy"]["version"] == 1
    assert event.data["policy"]["mode"] == "automatic"
    assert event.data["policy"]["evaluation"] == record.evaluation_id
    # The person reads why, in plain language, with the decision.
    text = page_text(citizen_client.get(f"/applications/{case.reference}/"))
    assert "Your application was approved." in text
    assert "You can borrow up to £464. We can lend you £400. This is because:" in text
    assert "you live with a partner, so the most you can borrow is £464" in text
    # The caseworker sees who decided, and why.
    client.force_login(staff.caseworker)
    text = page_text(client.get(f"/staff/cases/{case.reference}/"))
    assert "By Automation policy: budgeting-loan, version 1" in text
    # The rules' panel is in the case page's checks section.
    text = page_text(client.get(f"/staff/cases/{case.reference}/checks/"))
    assert "Approved by the automation policy (version 1)" in text
    # Checks running again change nothing.
    assert services.automation_consider(case_id=case.pk) is None
    assert Decision.objects.filter(case=case).count() == 1


def test_a_welsh_speaker_is_told_why_in_welsh(citizen):
    case = make_case(citizen, answers={"language": "cy"})
    finish_checks(case)
    services.automation_consider(case_id=case.pk)
    decision = Decision.objects.get(case=case)
    assert decision.explanation.startswith("Gallwch fenthyg hyd at £464.")


@pytest.mark.parametrize(
    ("statuses", "eligibility", "reason"),
    [
        ({"duplicate_ni_number": "amber"}, None, "Same NI number on another application: amber"),
        ({"shared_bank_account": "red"}, None, "Bank account used by other people: red"),
        ({}, {**ELIGIBLE, "existing-debt": "yes"}, "The rules say: Not eligible"),
        ({}, {**ELIGIBLE, "industrial-action": "yes"}, "The rules say: A person must decide"),
    ],
)
def test_anything_not_green_or_not_eligible_goes_to_a_person(
    citizen, statuses, eligibility, reason
):
    case = make_case(citizen, eligibility=eligibility)
    finish_checks(case, **statuses)
    record = services.automation_consider(case_id=case.pk)
    assert record.action == "to_person"
    assert any(item.startswith(reason) for item in record.reasons)
    case.refresh_from_db()
    assert case.closed_at is None
    assert not Decision.objects.filter(case=case).exists()
    note = CaseEvent.objects.get(case=case, kind="note")
    assert not note.visible_to_person
    assert reason in note.data["text"]
    # Nothing new is noted when the checks run again and find the same.
    assert services.automation_consider(case_id=case.pk) == record
    assert AutomationRecord.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("not_run", "Matches in the person index: not run (The person index is not built.)"),
        ("error", "Matches in the person index: could not run (The person index is not built.)"),
    ],
)
def test_a_check_that_did_not_run_is_never_taken_as_passed(citizen, status, words):
    """The finding: "person index not built" showed green and the policy approved. A check
    that did not look at anything leaves the case with a person, saying which and why."""
    case = make_case(citizen)
    finish_checks(case)
    checks_services.check_result_record(
        case=case,
        check_name="person-match",
        status=status,
        reasons=["The person index is not built."],
    )
    record = services.automation_consider(case_id=case.pk)
    assert record.action == "to_person"
    assert record.reasons == [words]
    case.refresh_from_db()
    assert case.closed_at is None
    assert not Decision.objects.filter(case=case).exists()
    assert words in CaseEvent.objects.get(case=case, kind="note").data["text"]


def test_a_check_from_an_older_version_that_is_not_green_holds_the_case_too(citizen):
    case = make_case(citizen)
    finish_checks(case)
    checks_services.check_result_record(
        case=case, check_name="companies-house", status="not_run", reasons=["No number."]
    )
    record = services.automation_consider(case_id=case.pk)
    assert record.action == "to_person"
    assert record.reasons == ["Companies House: not run (No number.)"]


def test_one_click_is_not_offered_while_a_check_has_not_run(citizen):
    use_policy("one_click")
    case = make_case(citizen)
    finish_checks(case, bank_details_format="not_run")
    assert services.automation_consider(case_id=case.pk).action == "to_person"


def test_nothing_happens_until_every_check_has_a_result(citizen):
    case = make_case(citizen)
    checks_services.check_result_record(
        case=case, check_name="duplicate-ni-number", status="green", reasons=[]
    )
    assert services.automation_consider(case_id=case.pk) is None
    assert not AutomationRecord.objects.filter(case=case).exists()
    assert not RuleEvaluation.objects.filter(case=case).exists()


def test_policy_off_does_nothing(citizen):
    use_policy("off")
    case = make_case(citizen)
    finish_checks(case)
    assert services.automation_consider(case_id=case.pk) is None
    assert not Decision.objects.filter(case=case).exists()


def test_one_click_approval_as_the_rules_suggest(citizen, client, staff):
    use_policy("one_click")
    case = make_case(citizen)
    finish_checks(case)
    record = services.automation_consider(case_id=case.pk)
    assert record.action == "offered"
    case.refresh_from_db()
    assert case.closed_at is None
    client.force_login(staff.caseworker)
    page = client.get(f"/staff/cases/{case.reference}/checks/")
    assert "Approve as the rules suggest" in page_text(page)
    assert "suggests approving" in page_text(page)

    response = client.post(
        f"/staff/cases/{case.reference}/approve-as-rules-suggest/", {"revision": case.revision}
    )
    assert response.status_code == 302
    decision = Decision.objects.get(case=case)
    assert decision.outcome == "approved"
    assert decision.decided_by == staff.caseworker
    assert decision.explanation.startswith("You can borrow up to £464.")
    event = CaseEvent.objects.get(case=case, kind="decided")
    assert event.data["policy"]["mode"] == "one_click"
    assert AutomationRecord.objects.filter(case=case).first().action == "one_click_approved"
    text = page_text(client.get(f"/staff/cases/{case.reference}/checks/"))
    assert "Approved as the rules suggest by Casey Worker" in text
    assert "Approve as the rules suggest" not in text.replace("Approved as the rules suggest", "")

    # A second click (or a replayed form) approves nothing twice.
    again = client.post(
        f"/staff/cases/{case.reference}/approve-as-rules-suggest/", {"revision": case.revision}
    )
    assert again.status_code == 409
    assert "The rules do not suggest approving this case now" in page_text(again)
    assert Decision.objects.filter(case=case).count() == 1


def test_one_click_is_refused_when_a_check_turned_red_since(citizen, client, staff):
    use_policy("one_click")
    case = make_case(citizen)
    finish_checks(case)
    services.automation_consider(case_id=case.pk)
    checks_services.check_result_record(
        case=case, check_name="shared-bank-account", status="red", reasons=["shared"]
    )
    client.force_login(staff.caseworker)
    response = client.post(
        f"/staff/cases/{case.reference}/approve-as-rules-suggest/", {"revision": case.revision}
    )
    assert response.status_code == 409
    assert "changed since the rules suggested approving" in page_text(response)
    assert not Decision.objects.filter(case=case).exists()


def test_one_click_needs_the_team_and_a_post(citizen, client, staff):
    use_policy("one_click")
    case = make_case(citizen)
    finish_checks(case)
    services.automation_consider(case_id=case.pk)
    url = f"/staff/cases/{case.reference}/approve-as-rules-suggest/"
    client.force_login(staff.other_team)
    assert client.post(url, {"revision": case.revision}).status_code == 404
    client.force_login(staff.caseworker)
    assert client.get(url).status_code == 405
    assert not Decision.objects.filter(case=case).exists()


# Trying rules on sample answers.


def test_a_service_owner_tries_rules_on_sample_answers(client, service_owner):
    version = catalogue.published_service(slug="budgeting-loan").version
    client.force_login(service_owner)
    assert 'href="/staff/rules/"' in client.get("/staff/").content.decode()
    listing = client.get("/staff/rules/")
    assert listing.status_code == 200
    url = f"/staff/rules/budgeting-loan/v{version.number}/"
    assert url in listing.content.decode()
    page = client.get(url)
    assert page.status_code == 200
    assert "&#34;savings&#34;: &#34;250.00&#34;" in page.content.decode() or (
        '"savings": "250.00"' in unescape(page.content.decode())
    )
    sample = (
        '{"answers": {"has-partner": false, "single-child-benefit": true,'
        ' "single-savings": "1500.00", "amount": "812.00", "date-of-birth": "1980-01-01"},'
        ' "eligibility": {"universal-credit": "no", "qualifying-benefit": "yes",'
        ' "existing-debt": "no", "industrial-action": "no"}}'
    )
    response = client.post(url, {"sample": sample})
    assert response.status_code == 200
    text = page_text(response)
    assert "Outcome Eligible" in text
    assert "Entitlement £312" in text
    assert "answers.single_savings = £1,500" in text
    assert "row 2" in text  # Child Benefit, for someone on their own
    assert "You can borrow up to £312. We can lend you £312." in text
    assert not RuleEvaluation.objects.exists()


@pytest.mark.parametrize(
    ("sample", "message"),
    [
        ("{not json", "The sample answers are not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"answers": []}', '"answers" and "eligibility" must each be a JSON object'),
        ('{"answer": {}}', 'can only have "answers" and "eligibility", not answer'),
        (
            '{"answers": {"given-name": "\\ud800"}}',
            "have a character that cannot be used (a lone surrogate or a null character)",
        ),
    ],
)
def test_bad_sample_answers_are_refused_clearly(client, service_owner, sample, message):
    version = catalogue.published_service(slug="budgeting-loan").version
    client.force_login(service_owner)
    response = client.post(f"/staff/rules/budgeting-loan/v{version.number}/", {"sample": sample})
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text
    assert message in text


def test_odd_values_in_a_sample_are_unknown_not_errors(client, service_owner):
    version = catalogue.published_service(slug="budgeting-loan").version
    client.force_login(service_owner)
    response = client.post(
        f"/staff/rules/budgeting-loan/v{version.number}/",
        {"sample": '{"answers": {"savings": {"a": 1}, "has-partner": "maybe"}, "eligibility": {}}'},
    )
    assert response.status_code == 200
    assert "A person must decide" in page_text(response)


def test_only_service_owners_try_rules(client, staff):
    client.force_login(staff.caseworker)
    assert 'href="/staff/rules/"' not in client.get("/staff/").content.decode()
    assert client.get("/staff/rules/").status_code == 403
    assert client.get("/staff/rules/budgeting-loan/v1/").status_code == 403


# Reading expressions.


def test_what_an_expression_reads_is_found_from_its_tokens():
    from commonweal.catalogue import rule_language as language

    assert language.references(
        'answers.purpose.exists(p, p == "rent") && has(answers.phone) '
        "&& answers['savings'] < constants.limit // answers.in_a_comment\n"
        "&& r'answers.in_a_string' != '' && tables.band.maximum > 0"
    ) == (
        ("answers", "purpose"),
        ("answers", "phone"),
        ("answers", "savings"),
        ("constants", "limit"),
        ("tables", "band", "maximum"),
    )
    # A name bound by a macro is not a namespace.
    assert language.references("[1, 2].all(answers, answers > 0)") == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                'amount: "tables.loan_band.maximum',
                'amount: "entitlement + tables.loan_band.maximum',
            ),
            "'entitlement' cannot be used here",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: size(answers) > 0"),
            "name what to read from answers",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: answers[answers.purpose[0]] == 1"),
            "read answers by name",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: person.age > 18"),
            "'person' is not something a rule can read",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: tables.savings_allowance == 1"),
            "name the output of table 'savings_allowance'",
        ),
        (
            ("when: eligibility.qualifying_benefit", "when: tables.loan_band.minimum > 1"),
            "table 'loan_band' has no output 'minimum'",
        ),
        (
            ("when: inputs.children", "when: tables.savings_allowance.allowance > 1"),
            "refers to unknown table 'savings_allowance' (tables: none before this point)",
        ),
        (
            ("cap: answers.amount", "cap: double(answers.amount)"),
            "entitlement cap: the expression must give a whole number, but gives a number",
        ),
    ],
)
def test_more_expressions_that_cannot_work_are_refused(change, message):
    text = BUDGETING_LOAN.replace(*change, 1)
    assert text != BUDGETING_LOAN
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text)
    assert message in str(caught.value)
