"""The light select macro the busiest staff pages use (core/_select.html) renders the same
markup as GOV.UK Frontend's govukSelect for everything it is given."""

import re

import pytest
from django.template import engines

CASES = [
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


@pytest.mark.parametrize("params", CASES, ids=[case.get("id", case["name"]) for case in CASES])
def test_app_select_renders_what_govuk_select_renders(params):
    jinja = engines["jinja2"]
    ours = jinja.from_string(
        '{% from "core/_select.html" import appSelect %}{{ appSelect(params) }}'
    ).render({"params": params})
    theirs = jinja.from_string(
        '{% from "govuk_frontend_jinja/components/select/macro.html" import govukSelect %}'
        "{{ govukSelect(params) }}"
    ).render({"params": params})
    assert _normalised(ours) == _normalised(theirs)
    assert "&lt;Jones&gt; &amp; co" in ours or "Jones" not in ours
