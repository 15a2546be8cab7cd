"""Rules in caseworker words (issue 15): each rule, table and amount as a sentence that names
the person and the facts with their values and limits, negations stated as facts about the
person, in English and Welsh; the engine's trace behind "Show the rules' working"."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commonweal.catalogue import selectors as catalogue
from commonweal.catalogue.yaml_io import DefinitionError, parse_definition
from commonweal.devtools.management.commands.bench import BUDGETING_LOAN_ANSWERS
from commonweal.rules import engine, plain, services
from tests.test_catalogue import BUDGETING_LOAN
from tests.test_rules import (
    ELIGIBLE,
    TODAY,
    evaluate,
    make_case,
    page_text,
    service_owner,
    staff,
)

__all__ = ["service_owner", "staff"]  # fixtures

# The Budgeting Loan's caseworker words for "Do you live with a partner?" (the demo's).
PARTNER_WORDS = """        caseworker:
          yes:
            en: "{name} lives with a partner"
            cy: "Mae {name} yn byw gyda phartner"
          no:
            en: "{name} does not live with a partner"
            cy: "Nid yw {name} yn byw gyda phartner"
"""


def with_rules(*rules: str, text: str = BUDGETING_LOAN) -> str:
    """The Budgeting Loan with these rules added (YAML list items)."""
    added = "".join(rules)
    return text.replace("automation:\n  mode: automatic", added + "automation:\n  mode: automatic")


def rule(rule_id: str, when: str, effect: str = "eligible") -> str:
    # A rule that refers names a decision reason (any refusal reason will do here).
    reason = "    reason: savings-too-high\n" if effect == "refer" else ""
    return (
        f"  - id: {rule_id}\n    effect: {effect}\n{reason}    when: '{when}'\n"
        f"    text:\n      en: said to the person\n      cy: dywedir wrth y person\n"
    )


def sentences(found, *, text=BUDGETING_LOAN, name="Jordan", language="en"):
    return [
        line.text
        for line in plain.plain_lines(
            parse_definition(text)[0],
            results=found,
            inputs=found["inputs"],
            name=name,
            language=language,
        )
    ]


def rule_sentence(found, rule_id, *, text=BUDGETING_LOAN, name="Jordan", language="en"):
    """The sentence for one rule (what decided against the person comes first)."""
    lines = plain.plain_lines(
        parse_definition(text)[0],
        results=found,
        inputs=found["inputs"],
        name=name,
        language=language,
    )
    rule_lines = [line for line in lines if line.kind == "rule"]
    ordered = sorted(found["rules"], key=lambda item: item["decides"] is None)
    assert len(rule_lines) == len(ordered)
    return rule_lines[[item["id"] for item in ordered].index(rule_id)].text


# Sentences.


def test_the_demo_rules_read_as_facts_about_the_person():
    said = sentences(evaluate())
    assert "Jordan does not get Universal Credit." in said
    assert "Jordan owes £1,500 or less in Crisis Loans and Budgeting Loans." in said
    assert (
        "The most they can borrow is £464, because neither Jordan nor their partner gets Child "
        "Benefit and Jordan lives with a partner."
    ) in said
    assert (
        "The savings allowance is £1,000, because Jordan's age of 47 is under the age for the "
        "higher savings allowance of 63 and Jordan's household savings of £250 are under the "
        "£1,000 limit."
    ) in said
    assert "The amount worked out, £400, is over the smallest loan of £100." in said
    words = " ".join(said)
    assert not re.search(r"\bholds?\b|hit policy|tables\.|answers\.|eligibility\.|true", words)


def test_a_negation_is_stated_positively_whichever_way_the_rule_is_written():
    text = with_rules(rule("not-on-uc", "!eligibility.universal_credit"))
    found = evaluate(text=text)
    assert rule_sentence(found, "not-on-uc", text=text) == "Jordan does not get Universal Credit."
    found = evaluate(eligibility={"universal-credit": "yes"}, text=text)
    assert rule_sentence(found, "not-on-uc", text=text) == "Jordan gets Universal Credit."
    # The ineligible rule that holds says the same fact, and decides.
    assert rule_sentence(found, "universal-credit", text=text) == "Jordan gets Universal Credit."
    lines = plain.plain_lines(
        parse_definition(text)[0],
        results=found,
        inputs=found["inputs"],
        name="Jordan",
        language="en",
    )
    assert lines[0].decides == "ineligible"  # what decided comes first


@pytest.mark.parametrize(
    ("savings", "words"),
    [
        ("250.00", "Jordan's savings of £250 are under the £1,000 limit"),
        ("1000.00", "Jordan's savings of £1,000 are exactly the £1,000 limit"),
        ("1300.00", "Jordan's savings of £1,300 are over the £1,000 limit"),
    ],
)
def test_comparisons_say_how_the_value_stands_to_the_limit(savings, words):
    text = with_rules(rule("savings-limit", "answers.single_savings <= 100000"))
    found = evaluate(
        {"has-partner": False, "single-child-benefit": False, "single-savings": savings},
        text=text,
    )
    assert rule_sentence(found, "savings-limit", text=text) == words + "."


def test_a_limit_written_first_is_still_said_about_the_person():
    text = with_rules(rule("rich", "100000 < answers.savings", effect="refer"))
    found = evaluate({"savings": "2000.00"}, text=text)
    said = rule_sentence(found, "rich", text=text)
    assert said == "Jordan's household savings of £2,000 are over the £1,000 limit."


def test_dates_read_as_dates():
    text = with_rules(
        rule("born-before", 'answers.date_of_birth < timestamp("2000-01-01T00:00:00Z")')
    )
    found = evaluate({"date-of-birth": "1979-11-04"}, text=text)
    assert rule_sentence(found, "born-before", text=text) == (
        "Jordan's date of birth of 4 November 1979 is before 1 January 2000."
    )


def test_a_yes_or_no_without_caseworker_words_says_the_question_and_answer():
    text = with_rules(
        rule("partner", "answers.has_partner"), text=BUDGETING_LOAN.replace(PARTNER_WORDS, "")
    )
    found = evaluate({"has-partner": True}, text=text)
    assert rule_sentence(found, "partner", text=text) == (
        "Jordan answered yes to “Do you live with a partner?”"
    )


def test_of_an_or_only_what_held_is_said_and_of_an_and_only_what_failed():
    text = with_rules(
        rule("either", "eligibility.universal_credit || eligibility.existing_debt", "ineligible"),
        rule("both", "eligibility.qualifying_benefit && eligibility.universal_credit", "refer"),
    )
    found = evaluate(eligibility={"existing-debt": "yes"}, text=text)
    assert rule_sentence(found, "either", text=text) == (
        "Jordan owes more than £1,500 in Crisis Loans and Budgeting Loans."
    )
    assert rule_sentence(found, "both", text=text) == "Jordan does not get Universal Credit."
    found = evaluate(text=text)
    assert rule_sentence(found, "either", text=text) == (
        "Jordan does not get Universal Credit. "
        "Jordan owes £1,500 or less in Crisis Loans and Budgeting Loans."
    )


def test_without_a_name_it_is_the_person():
    said = sentences(evaluate(), name=None)
    assert "The person does not get Universal Credit." in said
    assert any("the person's household savings of £250 are under" in line for line in said)


def test_in_welsh_with_the_definitions_welsh_words():
    said = sentences(evaluate(), language="cy")
    assert "Nid yw Jordan yn cael Credyd Cynhwysol." in said
    assert any("mae cynilion aelwyd Jordan o £250 o dan y terfyn o £1,000" in line for line in said)
    assert "Mae'r swm a gyfrifwyd, £400, dros y benthyciad lleiaf o £100." in said
    said = sentences(evaluate(), language="cy", name=None)
    assert "Nid yw'r person yn cael Credyd Cynhwysol." in said


def test_a_missing_answer_names_the_question_and_a_person_decides():
    found = engine.evaluate(
        parse_definition(BUDGETING_LOAN)[0],
        answers=BUDGETING_LOAN_ANSWERS,
        eligibility_answers={k: v for k, v in ELIGIBLE.items() if k != "qualifying-benefit"},
        today=TODAY,
    )
    assert rule_sentence(found, "qualifying-benefit") == (
        "There is no answer to “Have you or your partner been getting any of these benefits "
        "for the last 6 months?”, so a person must decide."
    )


def test_a_condition_it_cannot_read_falls_back_to_the_persons_words():
    text = with_rules(rule("something", "size(answers.purpose) > 0"))
    found = evaluate(text=text)
    assert rule_sentence(found, "something", text=text) == (
        "As the person is told: said to the person."
    )


# The definition's caseworker words.


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda text: text.replace(
                "        caseworker:\n          label:\n            en: request",
                '        caseworker:\n          yes: {en: "{name} asked", cy: "{name}"}\n'
                '          no: {en: "{name} did not", cy: "{name}"}\n          label:\n'
                "            en: request",
            ),
            "yes and no are only for yes_no questions",
        ),
        (
            lambda text: text.replace('en: "{name} gets Universal Credit"', 'en: "{who} gets UC"'),
            "the only placeholder a fact may have is {name}, not {who}",
        ),
        (
            lambda text: text.replace(
                '        no:\n          en: "{name} does not get Universal Credit"\n'
                '          cy: "Nid yw {name} yn cael Credyd Cynhwysol"\n',
                "",
            ),
            "give both yes and no, or neither",
        ),
        (
            lambda text: text.replace("    labels:\n      maximum:", "    labels:\n      most:"),
            "table 'loan-band' labels 'most', which is not an output",
        ),
    ],
)
def test_caseworker_words_that_cannot_work_are_refused(change, message):
    changed = change(BUDGETING_LOAN)
    assert changed != BUDGETING_LOAN
    with pytest.raises(DefinitionError) as refused:
        parse_definition(changed)
    assert message in str(refused.value)


def test_caseworker_words_do_not_change_the_rules_fingerprint():
    bare = re.sub(r"\n( *)caseworker:\n(?:\1  .*\n)+", "\n", BUDGETING_LOAN)
    bare = re.sub(r"\n    labels:\n(?: {6,}.*\n)+", "\n", bare)
    bare = re.sub(r"\n    label:\n(?: {6}.*\n){2}", "\n", bare)
    assert "caseworker:" not in bare and "labels:" not in bare
    assert engine.ruleset_hash(parse_definition(bare)[0]) == engine.ruleset_hash(
        parse_definition(BUDGETING_LOAN)[0]
    )


# On the case page and in the tester.


@pytest.mark.django_db
def test_the_case_page_says_it_plainly_first_and_the_working_behind_details(client, citizen, staff):
    case = make_case(citizen, eligibility={**ELIGIBLE, "industrial-action": "yes"})
    services.rules_evaluate(case=case)
    client.force_login(staff.caseworker)
    html = client.get(f"/staff/cases/{case.reference}/checks/").content.decode()
    panel = html[html.index('id="rules"') :]
    plain_at = panel.index('id="rules-plain"')
    working_at = panel.index('<details class="govuk-details" id="rules-working">')
    assert plain_at < working_at
    said = page_text_of(panel[plain_at:working_at])
    assert "Sam is involved in industrial action. A person must decide" in said
    assert "Sam's household savings of £250 are under the £1,000 limit" in said
    assert "Sam does not get Universal Credit." in said
    working = panel[working_at : panel.index("</details>", working_at)]
    assert "Show the rules&#39; working" in working or "Show the rules' working" in working
    assert "answers.savings</code> = £250" in working
    assert "hit policy" in working
    assert "answers.savings" not in panel[:working_at]


@pytest.mark.django_db
def test_the_plain_sentences_cost_the_case_page_no_query(client, citizen, staff, monkeypatch):
    case = make_case(citizen)
    services.rules_evaluate(case=case)
    client.force_login(staff.caseworker)

    def queries() -> int:
        catalogue.published_cache_clear()
        catalogue.definitions_cache_clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/staff/cases/{case.reference}/checks/").status_code == 200
        return len(captured.captured_queries)

    with_sentences = queries()
    from commonweal.rules import selectors

    monkeypatch.setattr(selectors, "plain_lines", lambda *args, **kwargs: [])
    assert queries() == with_sentences


@pytest.mark.django_db
def test_the_tester_says_it_plainly_first_and_the_working_behind_details(client, service_owner):
    version = catalogue.published_service(slug="budgeting-loan").version
    client.force_login(service_owner)
    sample = (
        '{"answers": {"given-name": "Jordan", "has-partner": false,'
        ' "single-child-benefit": true, "single-savings": "1500.00", "amount": "812.00",'
        ' "date-of-birth": "1980-01-01"},'
        ' "eligibility": {"universal-credit": "no", "qualifying-benefit": "yes",'
        ' "existing-debt": "no", "industrial-action": "no"}}'
    )
    response = client.post(f"/staff/rules/budgeting-loan/v{version.number}/", {"sample": sample})
    html = response.content.decode()
    plain_at = html.index('id="rules-plain"')
    working_at = html.index('<details class="govuk-details" id="rules-working">')
    assert plain_at < working_at
    said = page_text_of(html[plain_at:working_at])
    assert (
        "The most they can borrow is £812, because Jordan does not live with a partner and "
        "Jordan gets Child Benefit."
    ) in said
    assert "Jordan's savings of £1,500 are over the £1,000 limit" in said
    assert "Jordan does not get Universal Credit." in said
    working = html[working_at : html.index("</details>", working_at)]
    assert "answers.single_savings</code> = £1,500" in working
    assert "Outcome Eligible" in page_text(response)


def page_text_of(html: str) -> str:
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.django_db
def test_the_rules_check_gives_its_reasons_in_caseworker_words_in_both_languages(citizen):
    from commonweal.rules.checks import eligibility_rules_check

    found = eligibility_rules_check(
        make_case(citizen, eligibility={**ELIGIBLE, "universal-credit": "yes"})
    )
    assert found["status"] == "red"
    [reason] = found["reasons"]
    assert reason == "The person gets Universal Credit"
    assert reason.text("cy") == "Mae'r person yn cael Credyd Cynhwysol"


def test_a_choice_reads_by_its_label():
    text = with_rules(rule("by-email", 'answers.preferred_contact == "letter"'))
    found = evaluate({"preferred-contact": "email"}, text=text)
    assert rule_sentence(found, "by-email", text=text) == (
        "Jordan's contact by is Email, not Letter."
    )
