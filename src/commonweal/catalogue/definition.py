"""The service definition language: what a ServiceVersion holds, validated by pydantic.

A definition is data (YAML in files, JSON in the database), never code. It says what the
service is, who can apply, what is asked and in what order, which stages the case moves
through, how long it should take and which checks run. Everything a person reads is held in
English and Welsh.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from commonweal.people.selectors import PERSON_FIELD_CHOICES, PERSON_FIELDS

from . import rule_language as rules_language

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=60)]

# Each has an AnswerType in answers.py and markup in portal/jinja2/portal/journey/questions.html.
QuestionType = Literal[
    "text",
    "long_text",
    "number",
    "money",
    "date",
    "yes_no",
    "radios",
    "checkboxes",
    "address",
    "email",
    "phone",
    "ni_number",
    "bank_details",
    "file",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Words a person reads, in English and Welsh. Both are required."""

    en: Annotated[str, Field(min_length=1)]
    cy: Annotated[str, Field(min_length=1)]

    def text(self, language: str | None) -> str:
        return self.cy if language == "cy" else self.en


CONDITION_TESTS = (
    "equals",
    "not_equals",
    "one_of",
    "includes",
    "greater_than",
    "less_than",
    "answered",
)


class Condition(Strict):
    """When a page is shown: a test of an earlier answer, or all/any/not of conditions."""

    question: Identifier | None = None
    equals: str | bool | None = None
    not_equals: str | bool | None = None
    one_of: list[str] | None = None
    includes: str | None = None
    greater_than: Decimal | None = None
    less_than: Decimal | None = None
    answered: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def one_kind(self) -> Condition:
        tests = [name for name in CONDITION_TESTS if getattr(self, name) is not None]
        combinators = [n for n in ("all", "any", "not_") if getattr(self, n) is not None]
        if self.question is not None:
            if combinators:
                raise ValueError("a condition on a question cannot also have all, any or not")
            if len(tests) != 1:
                raise ValueError(
                    "a condition on a question needs exactly one test: "
                    + ", ".join(CONDITION_TESTS)
                )
        else:
            if tests:
                raise ValueError(f"'{tests[0]}' needs the question it tests")
            if len(combinators) != 1:
                raise ValueError("a condition needs a question, or exactly one of all, any, not")
        return self

    def questions(self) -> set[str]:
        """Every question this condition looks at."""
        if self.question is not None:
            return {self.question}
        found: set[str] = set()
        for child in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            found |= child.questions()
        return found

    def holds(self, answers: dict[str, Any]) -> bool:
        if self.all is not None:
            return all(child.holds(answers) for child in self.all)
        if self.any is not None:
            return any(child.holds(answers) for child in self.any)
        if self.not_ is not None:
            return not self.not_.holds(answers)
        value = answers.get(self.question)
        if self.answered is not None:
            return (value not in (None, "", [], {})) == self.answered
        if value is None:
            return False
        if self.equals is not None:
            return value == self.equals
        if self.not_equals is not None:
            return value != self.not_equals
        if self.one_of is not None:
            return value in self.one_of
        if self.includes is not None:
            return isinstance(value, list) and self.includes in value
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            return False
        if self.greater_than is not None:
            return number > self.greater_than
        return number < self.less_than


class Option(Strict):
    value: Identifier
    label: Text
    hint: Text | None = None
    # For checkboxes: "None of these", which cannot be chosen with anything else.
    exclusive: bool = False


class ErrorTexts(Strict):
    """Question-specific error messages, following the GOV.UK pattern ("Enter your name")."""

    required: Text | None = None


class Question(Strict):
    id: Identifier
    type: QuestionType
    label: Text
    hint: Text | None = None
    required: bool = True
    options: list[Option] | None = None
    person_field: str | None = None
    errors: ErrorTexts | None = None
    # Limits: characters for text, values for numbers and money.
    max_length: Annotated[int, Field(gt=0, le=10_000)] | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    whole_number: bool = False
    # Addresses: offer "find address by postcode" before typing it in.
    lookup: bool = False
    # Dates: "past" (like a date of birth), "future", or any date.
    date_must_be: Literal["past", "future"] | None = None
    # The shorter label used on "Check your answers".
    summary_label: Text | None = None

    @model_validator(mode="after")
    def consistent(self) -> Question:
        if self.type in ("radios", "checkboxes"):
            if not self.options or len(self.options) < 2:
                raise ValueError(f"a {self.type} question needs at least two options")
            values = [option.value for option in self.options]
            if len(set(values)) != len(values):
                raise ValueError("option values must be different from each other")
        elif self.options is not None:
            raise ValueError(f"a {self.type} question cannot have options")
        if any(option.exclusive for option in self.options or []) and self.type != "checkboxes":
            raise ValueError("only checkboxes can have an exclusive option")
        if self.max_length is not None and self.type not in ("text", "long_text"):
            raise ValueError("max_length is only for text and long_text questions")
        if (self.min is not None or self.max is not None) and self.type not in ("number", "money"):
            raise ValueError("min and max are only for number and money questions")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be more than max")
        if self.whole_number and self.type != "number":
            raise ValueError("whole_number is only for number questions")
        if self.lookup and self.type != "address":
            raise ValueError("lookup is only for address questions")
        if self.date_must_be is not None and self.type != "date":
            raise ValueError("date_must_be is only for date questions")
        if self.person_field is not None:
            if self.person_field not in PERSON_FIELDS:
                raise ValueError(
                    f"unknown person_field '{self.person_field}'; "
                    f"use one of {', '.join(PERSON_FIELDS)}"
                )
            if self.type not in PERSON_FIELDS[self.person_field]:
                raise ValueError(
                    f"person_field '{self.person_field}' needs a question of type "
                    + " or ".join(PERSON_FIELDS[self.person_field])
                )
            allowed = PERSON_FIELD_CHOICES.get(self.person_field)
            if allowed is not None and not {o.value for o in self.options or []} <= allowed:
                raise ValueError(
                    f"person_field '{self.person_field}' can only offer the options "
                    + ", ".join(sorted(allowed))
                )
        return self

    def option(self, value: str) -> Option | None:
        return next((option for option in self.options or [] if option.value == value), None)


class Page(Strict):
    """One thing per page: usually one question; related parts (a name) may share a page."""

    id: Identifier
    title: Text | None = None
    questions: Annotated[list[Question], Field(min_length=1)]
    show_if: Condition | None = None

    @model_validator(mode="after")
    def titled_when_several(self) -> Page:
        if len(self.questions) > 1 and self.title is None:
            raise ValueError("a page with more than one question needs a title")
        if len(self.questions) > 1 and any(q.lookup or q.type == "file" for q in self.questions):
            raise ValueError("an address look-up or a file upload must be alone on its page")
        return self

    @property
    def lookup_question(self) -> Question | None:
        """The address question to look up by postcode, when this page is one."""
        first = self.questions[0]
        return first if first.lookup else None


class NotEligibleWhen(Strict):
    answer: list[str]
    outcome: Identifier


PostcodeArea = Annotated[str, Field(pattern=r"^[A-Z]{1,2}([0-9][0-9A-Z]?)?$")]


class EligibilityQuestion(Strict):
    """A "Check if you can apply" question: yes/no, a choice, or a postcode that must be in
    the areas the service covers."""

    id: Identifier
    type: Literal["yes_no", "radios", "postcode"]
    label: Text
    hint: Text | None = None
    options: list[Option] | None = None
    not_eligible_when: list[NotEligibleWhen] = []
    # For postcode questions: the postcode areas (CF) or districts (CF83) covered, and the
    # outcome for everyone else.
    postcode_areas: list[PostcodeArea] | None = None
    outside_outcome: Identifier | None = None
    errors: ErrorTexts | None = None

    @model_validator(mode="after")
    def consistent(self) -> EligibilityQuestion:
        if self.type == "radios" and (not self.options or len(self.options) < 2):
            raise ValueError("a radios question needs at least two options")
        if self.type != "radios" and self.options is not None:
            raise ValueError(f"a {self.type} question cannot have options")
        if self.type == "postcode":
            if not self.postcode_areas or not self.outside_outcome:
                raise ValueError("a postcode question needs postcode_areas and outside_outcome")
            if self.not_eligible_when:
                raise ValueError("a postcode question uses outside_outcome, not not_eligible_when")
            return self
        if self.postcode_areas is not None or self.outside_outcome is not None:
            raise ValueError("postcode_areas and outside_outcome are only for postcode questions")
        allowed = {"yes", "no"} if self.type == "yes_no" else {o.value for o in self.options}
        for rule in self.not_eligible_when:
            unknown = set(rule.answer) - allowed
            if unknown:
                raise ValueError(f"not_eligible_when names unknown answers: {', '.join(unknown)}")
        return self

    def covers(self, postcode: str) -> bool:
        """Whether a normalised postcode ("CF83 1JD") is in one of the covered areas."""
        outward = postcode.split(" ")[0]
        area = re.match(r"[A-Z]+", outward).group()
        return any(entry in (outward, area) for entry in self.postcode_areas or [])

    def outcome_for(self, answer: str) -> str | None:
        """The not-eligible outcome this answer leads to, if any."""
        if self.type == "postcode":
            return None if self.covers(answer) else self.outside_outcome
        for rule in self.not_eligible_when:
            if answer in rule.answer:
                return rule.outcome
        return None

    def choices(self) -> list[tuple[str, Text]]:
        if self.type == "yes_no":
            return [("yes", Text(en="Yes", cy="Ie")), ("no", Text(en="No", cy="Na"))]
        return [(option.value, option.label) for option in self.options]


class Link(Strict):
    text: Text
    url: Annotated[str, Field(pattern=r"^(https?://|/|tel:|mailto:)")]


class Outcome(Strict):
    """A plain-language page for someone who cannot apply: why, and where else to get help."""

    id: Identifier
    title: Text
    body: Text
    help_links: list[Link] = []


class Eligibility(Strict):
    questions: Annotated[list[EligibilityQuestion], Field(min_length=1)]
    outcomes: Annotated[list[Outcome], Field(min_length=1)]

    @model_validator(mode="after")
    def outcomes_exist(self) -> Eligibility:
        known = {outcome.id for outcome in self.outcomes}
        ids = [question.id for question in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("eligibility question ids must be different from each other")
        for question in self.questions:
            outcomes = [rule.outcome for rule in question.not_eligible_when]
            if question.outside_outcome:
                outcomes.append(question.outside_outcome)
            for outcome in outcomes:
                if outcome not in known:
                    raise ValueError(f"outcome '{outcome}' is not defined in outcomes")
        return self

    def question(self, question_id: str) -> EligibilityQuestion | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def outcome(self, outcome_id: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.id == outcome_id), None)


class OtherWay(Strict):
    """Another way to apply, for people who cannot or would rather not apply online."""

    channel: Literal["phone", "in_person", "paper", "text_relay", "email"]
    description: Text
    contact: str | None = None
    opening_hours: Text | None = None
    url: Annotated[str, Field(pattern=r"^(https?://|/)")] | None = None


class Stage(Strict):
    id: Identifier
    title: Text
    # What happens next, told to the person while their case is at this stage.
    description: Text
    # The time limit's clock stops while the case waits for the person.
    waiting_for_person: bool = False
    final: bool = False
    # A reopened case ("look at the decision again") starts here; at most one stage has it.
    review: bool = False
    # The stages a case may move to from here; left out, any stage that is not final.
    # Final stages are reached only by a decision.
    next: list[Identifier] | None = None
    # For a final stage: the decisions that end there; left out, any decision.
    outcomes: list[Literal["approved", "refused", "withdrawn"]] | None = None


class DecisionReason(Strict):
    """A reason staff can give for a decision, worded for the person who reads it. It
    belongs to one outcome: a decision may only give the reasons of its own outcome."""

    id: Identifier
    outcome: Literal["approved", "refused", "withdrawn"]
    text: Text


class DecisionAmount(Strict):
    """An approval of this service gives the person an amount of money. The caseworker
    confirms it on the decision, starting from the rules' entitlement; the person reads it
    with what they asked for, and the payment is made for it."""

    # The money question whose answer is what the person asked for.
    asked_for: Identifier | None = None
    # What the amount is called on the person's decision; left out, "What you will get".
    label: Text | None = None


class IndependentReview(Strict):
    """Where the person can go when they still think a decision is wrong after we looked
    at it again: a tribunal, an ombudsman or another body independent of the service."""

    name: Text
    # What they can ask it to do, and by when.
    text: Text
    url: Annotated[str, Field(pattern=r"^https://")]


# Rules as data: constants, decision tables, the entitlement and eligibility rules, written in
# CEL (see commonweal/catalogue/rule_language.py and docs/rules.md), and the automation policy.

ValueType = Literal["money", "number", "text", "yes_no"]
_VALUE_PYTHON_TYPES = {"money": (int,), "number": (int, float), "text": (str,), "yes_no": (bool,)}
Expression = Annotated[str, Field(min_length=1, max_length=2000)]


class LocatedError(ValueError):
    """A problem found by a check of the whole definition, with the place it is about
    (a pydantic location below the definition), so the YAML line can be named."""

    def __init__(self, message: str, location: tuple = ()):
        super().__init__(message)
        self.location = location


def _parses(source: str | None) -> str | None:
    """Refuse, at its own place in the definition, an expression that does not parse."""
    if source is not None:
        try:
            rules_language.compiled(source)
        except rules_language.ExpressionError as error:
            raise ValueError(f"the expression {error}") from None
    return source


def _value_fits(value: Any, value_type: str) -> bool:
    if isinstance(value, bool):
        return value_type == "yes_no"
    return isinstance(value, _VALUE_PYTHON_TYPES[value_type])


class Constant(Strict):
    """A fixed value rules read as constants.<id> (money in pence)."""

    id: Identifier
    type: ValueType = "number"
    value: bool | int | float | str

    @model_validator(mode="after")
    def value_has_type(self) -> Constant:
        if not _value_fits(self.value, self.type):
            raise ValueError(
                f"constant '{self.id}' is {self.type}"
                + (", in pence (a whole number)" if self.type == "money" else "")
                + f", but its value is {self.value!r}"
            )
        return self


class TableRow(Strict):
    """One row of a decision table: when its condition holds, its outputs apply. A row
    without a condition always holds (put it last, as the default)."""

    when: Expression | None = None
    then: dict[str, bool | int | float | str]
    # Said to the person when this row applies, with {placeholders}.
    text: Text | None = None

    _when_parses = field_validator("when")(_parses)


class DecisionTable(Strict):
    """Inputs, rows of conditions and outputs. Hit policy `first`: the first row that holds
    gives the outputs; `unique`: exactly one row may hold (two that hold is a fault in the
    table, and the case goes to a person)."""

    id: Identifier
    hit_policy: Literal["first", "unique"] = "first"
    # Named expressions the rows read as inputs.<id>.
    inputs: dict[Identifier, Expression] = {}
    outputs: Annotated[dict[Identifier, ValueType], Field(min_length=1)]
    rows: Annotated[list[TableRow], Field(min_length=1)]

    @field_validator("inputs")
    @classmethod
    def inputs_parse(cls, inputs: dict[str, str]) -> dict[str, str]:
        for name, source in inputs.items():
            try:
                rules_language.compiled(source)
            except rules_language.ExpressionError as error:
                raise ValueError(f"input '{name}': the expression {error}") from None
        return inputs

    @model_validator(mode="after")
    def rows_give_outputs(self) -> DecisionTable:
        for number, row in enumerate(self.rows, start=1):
            if set(row.then) != set(self.outputs):
                raise ValueError(
                    f"table '{self.id}' row {number} must give exactly the outputs "
                    + ", ".join(self.outputs)
                )
            for name, value in row.then.items():
                if not _value_fits(value, self.outputs[name]):
                    raise ValueError(
                        f"table '{self.id}' row {number}: output '{name}' is "
                        f"{self.outputs[name]}, but the row gives {value!r}"
                    )
        return self


class Entitlement(Strict):
    """What the person can get, in pence: the amount expression, never below nothing, and
    never more than the cap expression when there is one (for example what they asked for)."""

    amount: Expression
    cap: Expression | None = None
    # Said to the person, with {amount} (what they get) and {maximum} (before the cap).
    text: Text

    _parse = field_validator("amount", "cap")(_parses)


class Rule(Strict):
    """An eligibility rule. `eligible`: a condition that must hold; `ineligible`: when it
    holds the person cannot get this; `refer`: when it holds a person must look at it."""

    id: Identifier
    effect: Literal["eligible", "ineligible", "refer"]
    when: Expression
    # Said to the person when the expression holds; `text_otherwise` when it does not.
    text: Text
    text_otherwise: Text | None = None
    # The decision reason (an `approved` or `refused` one) that says this rule's reason to
    # the person, for the caseworker to give. A `refer` rule must name one: the case comes
    # to a person because of it, so they must be able to decide because of it.
    reason: Identifier | None = None

    _when_parses = field_validator("when")(_parses)


class Automation(Strict):
    """Straight-through processing. `automatic`: when every check is green and the rules
    say eligible, the policy approves the case itself; `one_click`: a caseworker approves
    as the rules suggest with one button. Nothing is ever refused automatically."""

    mode: Literal["off", "one_click", "automatic"] = "off"
    when: Literal["all_checks_green_and_eligible"] = "all_checks_green_and_eligible"
    version: Annotated[int, Field(ge=1)] = 1
    # The approval reason recorded with the decision (an `approved` decision reason).
    approve_reason: Identifier | None = None


class CheckSettings(Strict):
    """A service's own limits for a velocity check, instead of the site's settings."""

    limit: Annotated[int, Field(ge=2, le=10_000)] | None = None
    window_hours: Annotated[int, Field(ge=1, le=24 * 366)] | None = None
    window_days: Annotated[int, Field(ge=1, le=366)] | None = None


@dataclass(frozen=True)
class RepaymentPlan:
    """How a loan of `amount_pence` is paid back: `count` repayments every `every` (week or
    month) of `repayment_pence`, the last one `final_pence` (what is left, never more)."""

    every: str
    count: int
    repayment_pence: int
    final_pence: int
    amount_pence: int


class LoanTerms(Strict):
    """An offer of a loan, paid back in equal repayments (interest-free: the person pays
    back what they borrow). The repayment is the amount shared over `most_repayments`, but
    at least `smallest_repayment` (the last one is what is left), so a small loan is paid
    back sooner."""

    repay_every: Literal["week", "month"]
    # The loan is paid back within this many repayments (104 weeks is two years).
    most_repayments: Annotated[int, Field(ge=1, le=520)]
    # In pence.
    smallest_repayment: Annotated[int, Field(ge=1, le=10_000_000)] = 100

    def plan(self, amount_pence: int) -> RepaymentPlan:
        """The repayments for this amount: whole pence, rounded up, the last one smaller."""
        count = max(1, min(self.most_repayments, amount_pence // self.smallest_repayment))
        repayment = -(-amount_pence // count)
        count = -(-amount_pence // repayment)
        final = amount_pence - repayment * (count - 1)
        return RepaymentPlan(self.repay_every, count, repayment, final, amount_pence)


class OfferTerms(Strict):
    """An approval is an offer the person accepts or declines: nothing is paid until they
    accept. `terms` is what they agree to, `if_declined` what declining means; the offer
    ends unanswered after `accept_within_days`."""

    accept_within_days: Annotated[int, Field(ge=1, le=365)] = 28
    terms: Text
    if_declined: Text
    loan: LoanTerms | None = None


# Addresses the journey uses for its own pages, so no question page may take them.
RESERVED_PAGE_IDS = {"confirm-your-details", "use-details-we-hold", "check-your-answers", "saved"}


class ServiceDefinition(Strict):
    slug: Identifier
    reference_prefix: Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")]
    # The start page's heading, which names the task: "Apply for a Budgeting Loan".
    title: Text
    # The service's plain name as it reads in a sentence ("Budgeting Loan", "energy bills
    # grant"): messages say "your Budgeting Loan application", and the person's list of
    # applications names each by it (with its first letter capitalised there).
    name: Text
    summary: Text
    description: Text
    before_you_start: Text | None = None
    target_working_days: Annotated[int, Field(ge=1, le=365)]
    other_ways_to_apply: list[OtherWay] = []
    eligibility: Eligibility | None = None
    # Applying for someone else: when this holds, the person questions describe them and
    # nothing is filled in from the signed-in person's own record.
    on_behalf_when: Condition | None = None
    pages: Annotated[list[Page], Field(min_length=1)]
    declaration: Text
    what_happens_next: Text
    stages: Annotated[list[Stage], Field(min_length=1)]
    decision_reasons: list[DecisionReason] = []
    # Approvals carry an amount of money (a service with an entitlement rule always does).
    decision_amount: DecisionAmount | None = None
    # How long after a decision the person can ask for it to be looked at again.
    reconsideration_days: Annotated[int, Field(ge=0, le=365)] = 30
    # Where the person can go after we looked at a decision again (there is no second look).
    independent_review: IndependentReview | None = None
    # How long the words of messages about this service's cases are kept; the record that a
    # message was sent, when and how, stays.
    message_retention_days: Annotated[int, Field(ge=1, le=3650)] = 730
    # How long a closed case is kept before the nightly retention job anonymises it (the
    # person's details, answers, messages and history go; the reference, dates and outcome
    # stay for statistics). Six years after closing by default, as for most UK casework.
    retention_days: Annotated[int, Field(ge=30, le=36500)] = 2190
    checks: list[Identifier] = []
    constants: list[Constant] = []
    decision_tables: list[DecisionTable] = []
    entitlement: Entitlement | None = None
    rules: list[Rule] = []
    automation: Automation | None = None
    # Approvals are offers the person must accept before anything is paid (a loan).
    offer: OfferTerms | None = None
    # Per-check limits (contact-velocity: limit, window_hours; address-velocity: limit,
    # window_days); a check not named here uses the site's settings.
    check_settings: dict[Identifier, CheckSettings] = {}
    # How sure we must be of who the applicant is before they apply online (docs/sign-in.md);
    # left out, signing in with an emailed code is enough.
    identity_level: Literal["low", "medium", "high"] | None = None

    @field_validator("checks")
    @classmethod
    def checks_installed(cls, names: list[str], info: ValidationInfo) -> list[str]:
        # Checked when a definition is imported or edited (the caller passes the installed
        # checks as context), not when a stored version is read back, so removing a check
        # plugin never makes old cases unreadable: their runs record an error instead.
        if len(set(names)) != len(names):
            raise ValueError("each check can be listed only once")
        known = (info.context or {}).get("known_checks")
        if known is not None:
            unknown = [name for name in names if name not in known]
            if unknown:
                raise ValueError(
                    f"unknown check '{unknown[0]}'; the checks installed are: "
                    + ", ".join(sorted(known))
                )
        return names

    @model_validator(mode="after")
    def references_resolve(self) -> ServiceDefinition:
        for name in self.check_settings:
            if name not in self.checks:
                raise ValueError(f"check_settings names '{name}', which is not in checks")
        page_ids = [page.id for page in self.pages]
        if len(set(page_ids)) != len(page_ids):
            raise ValueError("page ids must be different from each other")
        reserved = set(page_ids) & RESERVED_PAGE_IDS
        if reserved:
            raise ValueError(f"page id '{reserved.pop()}' is reserved for the journey's own pages")
        stage_ids = [stage.id for stage in self.stages]
        if len(set(stage_ids)) != len(stage_ids):
            raise ValueError("stage ids must be different from each other")
        if self.stages[0].final:
            raise ValueError("the first stage is where new cases start, so it cannot be final")
        if sum(stage.review for stage in self.stages) > 1:
            raise ValueError("only one stage can be the review stage")
        for stage in self.stages:
            if stage.review and stage.final:
                raise ValueError(f"stage '{stage.id}': the review stage cannot be final")
            for target in stage.next or []:
                if target not in stage_ids:
                    raise ValueError(f"stage '{stage.id}': next stage '{target}' does not exist")
                if self.stage(target).final:
                    raise ValueError(
                        f"stage '{stage.id}': final stage '{target}' is reached by a decision,"
                        " not listed in next"
                    )
        reason_ids = [reason.id for reason in self.decision_reasons]
        if len(set(reason_ids)) != len(reason_ids):
            raise ValueError("decision reason ids must be different from each other")
        seen: dict[str, Question] = {}
        for page in self.pages:
            if page.show_if is not None:
                self._check_condition(page.show_if, seen, f"page '{page.id}'")
            for question in page.questions:
                if question.id in seen:
                    raise ValueError(f"question id '{question.id}' is used twice")
            for question in page.questions:
                seen[question.id] = question
        person_fields = [q.person_field for q in seen.values() if q.person_field]
        duplicates = {field for field in person_fields if person_fields.count(field) > 1}
        if duplicates:
            raise ValueError(
                f"person_field used by more than one question: {', '.join(duplicates)}"
            )
        if self.on_behalf_when is not None:
            self._check_condition(self.on_behalf_when, seen, "on_behalf_when")
        asked_for = self.decision_amount.asked_for if self.decision_amount else None
        if asked_for is not None and (asked_for not in seen or seen[asked_for].type != "money"):
            raise ValueError(f"decision_amount asked_for '{asked_for}' is not a money question")
        self._check_rules()
        return self

    @model_validator(mode="after")
    def automation_approves_with_a_reason(self, info: ValidationInfo) -> ServiceDefinition:
        # Every decision gives reasons of its outcome, the policy's approvals too. Checked
        # when a definition is imported or edited (the caller passes context), not when a
        # stored version is read back, so older versions stay readable.
        if (
            info.context is not None
            and self.automation is not None
            and self.automation.mode != "off"
            and self.automation.approve_reason is None
            and self.reasons_for("approved")
        ):
            raise LocatedError(
                "automation needs an approve_reason: the approved decision reason its "
                "approvals give",
                ("automation", "approve_reason"),
            )
        return self

    def _check_rules(self) -> None:
        """Every expression and placeholder reads only what this definition has, with the
        right types: a rule that refers to an unknown question is refused with its id."""
        for kind, field, items in (
            ("constant", "constants", self.constants),
            ("decision table", "decision_tables", self.decision_tables),
            ("rule", "rules", self.rules),
        ):
            ids = [item.id for item in items]
            repeated = [index for index, item in enumerate(ids) if ids.count(item) > 1]
            if repeated:
                raise LocatedError(
                    f"{kind} id '{ids[repeated[-1]]}' is used twice", (field, repeated[-1], "id")
                )
        scope = self.rules_scope()
        tables = scope.namespaces["tables"]
        for index, table in enumerate(self.decision_tables):
            where = f"decision table '{table.id}'"
            at = ("decision_tables", index)
            for name, source in table.inputs.items():
                _checked(f"{where} input '{name}'", source, scope, at=(*at, "inputs", name))
            # The rows are checked with what each input gives on the samples.
            inputs = {
                rules_language.cel_name(name): _samples(source, scope)
                for name, source in table.inputs.items()
            }
            row_scope = rules_language.Scope(
                namespaces={**scope.namespaces, "inputs": inputs}, plain=scope.plain
            )
            row_placeholders = _placeholder_scope(row_scope, outputs=table.outputs)
            for number, row in enumerate(table.rows, start=1):
                row_at = (*at, "rows", number - 1)
                if row.when is not None:
                    _checked(
                        f"{where} row {number}",
                        row.when,
                        row_scope,
                        returns=(bool,),
                        at=(*row_at, "when"),
                    )
                if row.text is not None:
                    _check_placeholders(
                        f"{where} row {number}", row.text, row_placeholders, at=(*row_at, "text")
                    )
            scope.changed()
            tables[rules_language.cel_name(table.id)] = {
                rules_language.cel_name(name): (table.rows[0].then[name], table.rows[-1].then[name])
                for name in table.outputs
            }
        if self.entitlement is not None:
            entitlement = self.entitlement
            _checked(
                "entitlement amount",
                entitlement.amount,
                scope,
                returns=(int,),
                at=("entitlement", "amount"),
            )
            if entitlement.cap is not None:
                _checked(
                    "entitlement cap",
                    entitlement.cap,
                    scope,
                    returns=(int,),
                    at=("entitlement", "cap"),
                )
            placeholders = _placeholder_scope(scope, entitlement=True)
            _check_placeholders(
                "entitlement", entitlement.text, placeholders, at=("entitlement", "text")
            )
            scope.plain["entitlement"] = (81_200, 0)
        scope.changed()
        placeholders = _placeholder_scope(scope, entitlement=self.entitlement is not None)
        for index, rule in enumerate(self.rules):
            at = ("rules", index)
            _checked(f"rule '{rule.id}'", rule.when, scope, returns=(bool,), at=(*at, "when"))
            for name in ("text", "text_otherwise"):
                text = getattr(rule, name)
                if text is not None:
                    _check_placeholders(f"rule '{rule.id}'", text, placeholders, at=(*at, name))
        self._check_rule_reasons()
        if self.automation is not None and self.automation.mode != "off" and not self.rules:
            raise LocatedError(
                "automation needs rules to follow: add rules, or set mode: off",
                ("automation", "mode"),
            )
        if self.automation is not None and self.automation.approve_reason is not None:
            reason = self.decision_reason(self.automation.approve_reason)
            if reason is None or reason.outcome != "approved":
                raise LocatedError(
                    f"automation approve_reason '{self.automation.approve_reason}' is not an "
                    "approved decision reason",
                    ("automation", "approve_reason"),
                )
        if self.offer is not None and self.offer.loan is not None and self.entitlement is None:
            raise LocatedError(
                "a loan offer needs an entitlement: the amount the loan is for",
                ("offer", "loan"),
            )

    def _check_rule_reasons(self) -> None:
        """Every kind of referral the rules make has a decision reason a caseworker can give:
        a `refer` rule names one, and a rule's reason is an approval or refusal reason."""
        for index, rule in enumerate(self.rules):
            if rule.reason is None:
                if rule.effect == "refer":
                    raise LocatedError(
                        f"rule '{rule.id}' refers cases to a person, so it needs a reason: name "
                        "the decision reason a caseworker gives when they decide because of it "
                        "(reason: <a decision reason id>)",
                        ("rules", index, "effect"),
                    )
                continue
            reason = self.decision_reason(rule.reason)
            if reason is None or reason.outcome == "withdrawn":
                raise LocatedError(
                    f"rule '{rule.id}': reason '{rule.reason}' is not an approved or refused "
                    "decision reason; the decision reasons are: "
                    + ", ".join(r.id for r in self.decision_reasons if r.outcome != "withdrawn"),
                    ("rules", index, "reason"),
                )

    def rules_scope(self) -> rules_language.Scope:
        """What expressions may read, with sample values of the right types."""
        answers = {
            rules_language.cel_name(q.id): rules_language.sample_pair(
                q.type,
                options=[o.value for o in q.options or []],
                whole_number=q.whole_number,
            )
            for q in self.questions()
        }
        eligibility = {}
        for question in self.eligibility.questions if self.eligibility else []:
            eligibility[rules_language.cel_name(question.id)] = rules_language.sample_pair(
                question.type,
                options=[value for value, _label in question.choices()]
                if question.type != "postcode"
                else None,
            )
        derived = {}
        if self.date_of_birth_question() is not None:
            derived["age"] = (70, 20)
        constants = {rules_language.cel_name(c.id): (c.value, c.value) for c in self.constants}
        return rules_language.Scope(
            namespaces={
                "answers": answers,
                "eligibility": eligibility,
                "derived": derived,
                "constants": constants,
                "tables": {},
            }
        )

    def date_of_birth_question(self) -> Question | None:
        """The question derived.age is worked out from."""
        return next(
            (q for q in self.questions() if q.type == "date" and q.person_field == "date_of_birth"),
            None,
        )

    @staticmethod
    def _check_condition(condition: Condition, earlier: dict[str, Question], where: str) -> None:
        for question_id in condition.questions():
            if question_id not in earlier:
                raise ValueError(
                    f"{where} depends on '{question_id}', which is not a question on an "
                    "earlier page"
                )
        ServiceDefinition._check_tests(condition, earlier, where)

    @staticmethod
    def _check_tests(condition: Condition, earlier: dict[str, Question], where: str) -> None:
        for child in (condition.all or []) + (condition.any or []):
            ServiceDefinition._check_tests(child, earlier, where)
        if condition.not_ is not None:
            ServiceDefinition._check_tests(condition.not_, earlier, where)
        if condition.question is None:
            return
        question = earlier[condition.question]
        values = [condition.equals, condition.not_equals, *(condition.one_of or [])]
        if question.type in ("radios",):
            for value in values:
                if value is not None and question.option(str(value)) is None:
                    raise ValueError(
                        f"{where} compares '{question.id}' with '{value}', which is not one of "
                        "its options"
                    )
        if question.type == "yes_no":
            for value in values:
                if value is not None and not isinstance(value, bool):
                    raise ValueError(
                        f"{where}: '{question.id}' is yes/no, compare with true or false"
                    )
        if condition.includes is not None:
            if question.type != "checkboxes":
                raise ValueError(f"{where}: 'includes' needs a checkboxes question")
            if question.option(condition.includes) is None:
                raise ValueError(
                    f"{where}: '{condition.includes}' is not an option of '{question.id}'"
                )
        if (condition.greater_than is not None or condition.less_than is not None) and (
            question.type not in ("number", "money")
        ):
            raise ValueError(f"{where}: greater_than and less_than need a number or money question")

    # Lookups used by the journey and the case.

    def page(self, page_id: str) -> Page | None:
        return next((page for page in self.pages if page.id == page_id), None)

    def questions(self) -> list[Question]:
        return [question for page in self.pages for question in page.questions]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)

    def stage(self, stage_id: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.id == stage_id), None)

    def next_stages(self, stage_id: str) -> list[Stage]:
        """Where a case at this stage may move to by hand (decisions end it separately)."""
        current = self.stage(stage_id)
        if current is None or current.final:
            return []
        if current.next is not None:
            return [self.stage(target) for target in current.next]
        return [stage for stage in self.stages if not stage.final and stage.id != stage_id]

    def final_stage_for(self, outcome: str) -> Stage | None:
        """Where a decision with this outcome ends the case (None: the service has no final
        stage, so the case closes where it is)."""
        finals = [stage for stage in self.stages if stage.final]
        return next(
            (stage for stage in finals if stage.outcomes is None or outcome in stage.outcomes),
            finals[0] if finals else None,
        )

    @property
    def review_stage(self) -> Stage:
        """Where a reconsidered case reopens: the review stage, or else the first stage."""
        return next((stage for stage in self.stages if stage.review), self.stages[0])

    def reasons_for(self, outcome: str) -> list[DecisionReason]:
        return [reason for reason in self.decision_reasons if reason.outcome == outcome]

    @property
    def carries_amount(self) -> bool:
        """Whether an approval gives the person an amount of money."""
        return self.decision_amount is not None or self.entitlement is not None

    def asked_for_pence(self, answers: dict[str, Any]) -> int | None:
        """What the person asked for, in pence, from the question the definition names."""
        question = self.decision_amount.asked_for if self.decision_amount else None
        value = (answers or {}).get(question) if question else None
        try:
            return int(Decimal(str(value)) * 100) if value not in (None, "") else None
        except ArithmeticError:
            return None

    def decision_reason(self, reason_id: str) -> DecisionReason | None:
        return next((r for r in self.decision_reasons if r.id == reason_id), None)

    def visible_pages(self, answers: dict[str, Any]) -> list[Page]:
        """The pages these answers lead to. Conditions only see answers on pages that are
        themselves shown, so hiding a page also hides the pages that depended on it."""
        visible: list[Page] = []
        effective: dict[str, Any] = {}
        for page in self.pages:
            if page.show_if is None or page.show_if.holds(effective):
                visible.append(page)
                for question in page.questions:
                    if question.id in answers:
                        effective[question.id] = answers[question.id]
        return visible

    def effective_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Only the answers on pages that are shown: what an application keeps."""
        keep = {q.id for page in self.visible_pages(answers) for q in page.questions}
        return {key: value for key, value in answers.items() if key in keep}

    def is_on_behalf(self, answers: dict[str, Any]) -> bool:
        if self.on_behalf_when is None:
            return False
        return self.on_behalf_when.holds(self.effective_answers(answers))


# Checking rules' expressions and placeholders (used by ServiceDefinition._check_rules).

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_.-]*)\}")


def _checked(where: str, source: str, scope, *, returns: tuple | None = None, at=()) -> None:
    try:
        rules_language.check(source, scope, returns=returns)
    except rules_language.ExpressionError as error:
        raise LocatedError(f"{where}: the expression {error}", at) from None


def _samples(source: str, scope) -> tuple[Any, Any]:
    program, _references = rules_language.compiled(source)
    return tuple(  # type: ignore[return-value]
        rules_language.run_sample(program, scope.context(which)) for which in (0, 1)
    )


def _placeholder_scope(scope, *, entitlement: bool = False, outputs: dict | None = None) -> set:
    names = set()
    for namespace in ("answers", "eligibility", "derived", "constants", "inputs"):
        names |= set(scope.namespaces.get(namespace, {}))
    for table, table_outputs in scope.namespaces.get("tables", {}).items():
        names |= {f"tables.{table}.{output}" for output in table_outputs}
    for namespace, entries in scope.namespaces.items():
        if namespace != "tables":
            names |= {f"{namespace}.{name}" for name in entries}
    if entitlement:
        names |= {"amount", "maximum"}
    names |= {rules_language.cel_name(name) for name in outputs or {}}
    return names


def _check_placeholders(where: str, text: Text, known: set, at=()) -> None:
    for language in ("en", "cy"):
        for name in PLACEHOLDER.findall(getattr(text, language)):
            if rules_language.cel_name(name) not in known:
                raise LocatedError(
                    f"{where}: the text has an unknown placeholder {{{name}}}", (*at, language)
                )
