"""Who can apply: the "Check if you can apply" questions, the outcomes for those who
cannot, and the other ways to apply."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .questions import ErrorTexts, Identifier, Option, StaffWords, Strict, Text, staff_words_fit


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
    # How caseworkers read the answer in the rules' plain sentences (optional).
    caseworker: StaffWords | None = None

    @model_validator(mode="after")
    def consistent(self) -> EligibilityQuestion:
        staff_words_fit(self.caseworker, self.type)
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
