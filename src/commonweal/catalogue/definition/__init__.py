"""The service definition language: what a ServiceVersion holds, validated by pydantic.

A definition is data (YAML in files, JSON in the database), never code. It says what the
service is, who can apply, what is asked and in what order, which stages the case moves
through, how long it should take and which checks run. Everything a person reads is held in
English and Welsh.

By area: the questions and pages (`questions`), who can apply (`eligibility`), how a case
moves and what a decision or offer gives (`casework`), rules as data and their checks
(`rules`), and the whole definition (`service`). Import from here:
`from commonweal.catalogue.definition import ServiceDefinition`.
"""

from .casework import (
    CheckSettings,
    DecisionAmount,
    DecisionReason,
    IndependentReview,
    LoanTerms,
    OfferTerms,
    RepaymentPlan,
    Stage,
)
from .eligibility import (
    Eligibility,
    EligibilityQuestion,
    Link,
    NotEligibleWhen,
    OtherWay,
    Outcome,
    PostcodeArea,
)
from .questions import (
    CONDITION_TESTS,
    Condition,
    ErrorTexts,
    Identifier,
    Option,
    Page,
    Question,
    QuestionType,
    Strict,
    Text,
)
from .rules import (
    PLACEHOLDER,
    Automation,
    Constant,
    DecisionTable,
    Entitlement,
    Expression,
    LocatedError,
    Rule,
    TableRow,
    ValueType,
)
from .service import RESERVED_PAGE_IDS, ServiceDefinition

__all__ = [
    "CONDITION_TESTS",
    "PLACEHOLDER",
    "RESERVED_PAGE_IDS",
    "Automation",
    "CheckSettings",
    "Condition",
    "Constant",
    "DecisionAmount",
    "DecisionReason",
    "DecisionTable",
    "Eligibility",
    "EligibilityQuestion",
    "Entitlement",
    "ErrorTexts",
    "Expression",
    "Identifier",
    "IndependentReview",
    "Link",
    "LoanTerms",
    "LocatedError",
    "NotEligibleWhen",
    "OfferTerms",
    "Option",
    "OtherWay",
    "Outcome",
    "Page",
    "PostcodeArea",
    "Question",
    "QuestionType",
    "RepaymentPlan",
    "Rule",
    "ServiceDefinition",
    "Stage",
    "Strict",
    "TableRow",
    "Text",
    "ValueType",
]
