"""The whole definition of a service, checked as one (its pages, stages, reasons and rules
refer to each other), with the lookups the journey and the case use."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .. import rule_language as rules_language
from .casework import (
    CheckSettings,
    DecisionAmount,
    DecisionReason,
    IndependentReview,
    OfferTerms,
    Stage,
)
from .eligibility import Eligibility, OtherWay
from .questions import Condition, Identifier, Page, Question, Strict, Text
from .rules import (
    Automation,
    Constant,
    DecisionTable,
    Entitlement,
    LocatedError,
    Rule,
    check_rules,
)

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
            if stage.tell_person and stage.final:
                raise ValueError(
                    f"stage '{stage.id}': a final stage is reached by a decision, whose own"
                    " notice tells the person, so it cannot also tell_person"
                )
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
        check_rules(self)
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
