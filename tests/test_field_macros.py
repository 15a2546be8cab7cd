"""The light select macro the busiest staff pages use (core/_fields.html) renders the same
markup as GOV.UK Frontend's govukSelect for everything it is given."""

import re

import pytest
from django.template import engines

SELECTS = [
    {"id": "filter-team", "name": "team", "label": {"text": "Team"}, "items": []},
    {
        "id": "assign-assignee",
        "name": "assignee",
        "label": {"text": "Assigned to", "classes": "govuk-label--s"},
        "items": [
            {"value": "", "text": "Nobody"},
            {"value": "7", "text": "Ann <Jones> & co", "selected": True},
            {"value": "8", "text": "Bea", "selected": False},
        ],
    },
    {
        "id": "bulk-stage",
        "name": "to_stage",
        "label": {"text": "Move them to"},
        "hint": {"text": "Only open stages"},
        "classes": "govuk-!-width-full",
        "errorMessage": {"text": "Choose a stage", "visuallyHiddenText": "Gwall"},
        "items": [{"value": "review", "text": "Review"}],
    },
    {
        "name": "reply",
        "label": {"text": "Send"},
        "errorMessage": {"text": "Choose a message"},
        "items": [{"value": "a", "text": "A"}],
    },
]


def _normalised(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


INPUTS = [
    {"id": "representative-name", "name": "name", "value": "", "label": {"text": "Full name"}},
    {
        "id": "representative-email",
        "name": "email",
        "type": "email",
        "value": "ann@example.com",
        "label": {"text": "Email <address>"},
        "errorMessage": {"text": "Enter an email address", "visuallyHiddenText": "Gwall"},
    },
    {
        "id": "filter-name",
        "name": "name",
        "label": {"text": "Name", "classes": "govuk-label--s"},
        "hint": {"text": "Up to 60 characters"},
        "classes": "govuk-!-width-full",
        "spellcheck": False,
        "autocomplete": "off",
        "attributes": {"maxlength": "60"},
    },
    {
        "name": "amount",
        "value": None,
        "label": {"text": "Amount"},
        "hint": {"text": "In pounds"},
        "errorMessage": {"text": "Enter an amount"},
        "inputmode": "decimal",
        "spellcheck": True,
    },
]

DATE_INPUTS = [
    {
        "id": "representative-rep-ends",
        "namePrefix": "rep-ends",
        "fieldset": {"legend": {"text": "Until (optional)"}},
        "items": [
            {"name": "day", "label": "Day", "classes": "govuk-input--width-2"},
            {"name": "month", "label": "Month", "classes": "govuk-input--width-2", "value": ""},
            {"name": "year", "label": "Year", "classes": "govuk-input--width-4", "value": "2027"},
        ],
    },
    {
        "id": "expected",
        "namePrefix": "expected",
        "fieldset": {"legend": {"text": "New date", "classes": "govuk-fieldset__legend--s"}},
        "hint": {"text": "For example, 27 3 2027"},
        "errorMessage": {"text": "Enter a real date"},
        "items": [
            {"name": "day", "label": "Day", "classes": "govuk-input--width-2", "value": "31"},
            {"name": "month", "label": "Month", "classes": "govuk-input--width-2"},
            {"name": "year", "label": "Year", "classes": "govuk-input--width-4"},
        ],
    },
]

GOVUK = {
    "appSelect": ("select", "govukSelect"),
    "appInput": ("input", "govukInput"),
    "appDateInput": ("date-input", "govukDateInput"),
}


def _both(ours_name: str, params: dict) -> tuple[str, str]:
    jinja = engines["jinja2"]
    folder, theirs_name = GOVUK[ours_name]
    ours = jinja.from_string(
        f'{{% from "core/_fields.html" import {ours_name} %}}{{{{ {ours_name}(params) }}}}'
    ).render({"params": params})
    theirs = jinja.from_string(
        f'{{% from "govuk_frontend_jinja/components/{folder}/macro.html" import {theirs_name} %}}'
        f"{{{{ {theirs_name}(params) }}}}"
    ).render({"params": params})
    return ours, theirs


def _ids(cases):
    return [case.get("id", case.get("name")) for case in cases]


@pytest.mark.parametrize("params", SELECTS, ids=_ids(SELECTS))
def test_app_select_renders_what_govuk_select_renders(params):
    ours, theirs = _both("appSelect", params)
    assert _normalised(ours) == _normalised(theirs)
    assert "&lt;Jones&gt; &amp; co" in ours or "Jones" not in ours


@pytest.mark.parametrize("params", INPUTS, ids=_ids(INPUTS))
def test_app_input_renders_what_govuk_input_renders(params):
    ours, theirs = _both("appInput", params)
    assert _normalised(ours) == _normalised(theirs)


@pytest.mark.parametrize("params", DATE_INPUTS, ids=_ids(DATE_INPUTS))
def test_app_date_input_renders_what_govuk_date_input_renders(params):
    ours, theirs = _both("appDateInput", params)
    assert _normalised(ours) == _normalised(theirs)
