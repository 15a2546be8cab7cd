"""A service's paper form: every question of its definition laid out to print, fill in by
hand and post, made by WeasyPrint as letters are.

The form is made from the definition, so it always asks what the online journey asks:
"Check you can apply" with the answers that mean someone cannot, every page and question
with its hint, options as tick boxes, space to write, the pages only some people answer
("Only answer question 7 if you answered ‘Yes’ to question 6. If not, go to question 8."),
the declaration, and where to send it. It is made once per published version, language and
return address in each process, then served from memory.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .definition import Condition, Question, ServiceDefinition

_STYLESHEET = Path(__file__).resolve().parent / "paper_form.css"
_LOCK = threading.Lock()
_made: dict[tuple, bytes] = {}


@dataclass
class Item:
    """One numbered part of the form: a page of the journey, or an eligibility question."""

    number: int
    title: str
    hint: str = ""
    questions: list[dict] = field(default_factory=list)
    # "Only answer question 7 if …", for a page only some people see.
    route: str = ""
    # "If you ticked ‘Yes’: you cannot get …", for an eligibility question.
    stops: list[str] = field(default_factory=list)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _quoted(text: str) -> str:
    return f"‘{text}’"


def _value_words(question: Question, value, language: str) -> str:
    if isinstance(value, bool):
        return _quoted(_yes_no(value))
    option = question.option(str(value)) if question.options else None
    if option is not None:
        return _quoted(option.label.text(language))
    if question.type == "money":
        amount = Decimal(str(value))
        return f"£{amount:,.2f}".replace(".00", "")
    return _quoted(str(value))


def describe(condition: Condition, numbers: dict, definition, language: str) -> str:
    """A page's condition in words, naming questions by their number on the form."""
    if condition.all is not None:
        return _(" and ").join(describe(c, numbers, definition, language) for c in condition.all)
    if condition.any is not None:
        return _(" or ").join(describe(c, numbers, definition, language) for c in condition.any)
    if condition.not_ is not None:
        return _("this is not true: %(condition)s") % {
            "condition": describe(condition.not_, numbers, definition, language)
        }
    question = definition.question(condition.question)
    values = {"number": numbers[condition.question]}
    if condition.answered is not None:
        text = (
            _("you answered question %(number)s")
            if condition.answered
            else _("you left question %(number)s blank")
        )
        return text % values
    if condition.equals is not None:
        values["answer"] = _value_words(question, condition.equals, language)
        return _("you answered %(answer)s to question %(number)s") % values
    if condition.not_equals is not None:
        values["answer"] = _value_words(question, condition.not_equals, language)
        return _("you did not answer %(answer)s to question %(number)s") % values
    if condition.one_of is not None:
        values["answer"] = _(" or ").join(
            _value_words(question, value, language) for value in condition.one_of
        )
        return _("you answered %(answer)s to question %(number)s") % values
    if condition.includes is not None:
        values["answer"] = _value_words(question, condition.includes, language)
        return _("you ticked %(answer)s at question %(number)s") % values
    if condition.greater_than is not None:
        values["amount"] = _value_words(question, condition.greater_than, language).strip("‘’")
        return _("your answer to question %(number)s is more than %(amount)s") % values
    values["amount"] = _value_words(question, condition.less_than, language).strip("‘’")
    return _("your answer to question %(number)s is less than %(amount)s") % values


def _question(question: Question, language: str) -> dict:
    return {
        "id": question.id,
        "type": question.type,
        "label": question.label.text(language),
        "hint": question.hint.text(language) if question.hint else "",
        "required": question.required,
        "date_must_be": question.date_must_be,
        "options": [
            {
                "label": option.label.text(language),
                "hint": option.hint.text(language) if option.hint else "",
                "exclusive": option.exclusive,
            }
            for option in question.options or []
        ],
    }


def _eligibility_items(definition: ServiceDefinition, language: str) -> list[Item]:
    if definition.eligibility is None:
        return []
    items = []
    outcomes = {outcome.id: outcome for outcome in definition.eligibility.outcomes}
    for number, question in enumerate(definition.eligibility.questions, start=1):
        labels = dict(question.choices()) if question.type != "postcode" else {}
        stops = []
        for rule in question.not_eligible_when:
            answers = _(" or ").join(_quoted(labels[value].text(language)) for value in rule.answer)
            stops.append(
                _("If you ticked %(answer)s: %(outcome)s. Do not send this form.")
                % {"answer": answers, "outcome": outcomes[rule.outcome].title.text(language)}
            )
        if question.type == "postcode":
            stops.append(
                _("This service is for people whose postcode starts with: %(areas)s.")
                % {"areas": ", ".join(question.postcode_areas or [])}
            )
        items.append(
            Item(
                number=number,
                title=question.label.text(language),
                hint=question.hint.text(language) if question.hint else "",
                questions=[
                    {
                        "id": question.id,
                        "type": "postcode" if question.type == "postcode" else "radios",
                        "label": "",
                        "hint": "",
                        "options": [
                            {"label": text.text(language), "hint": "", "exclusive": False}
                            for _value, text in question.choices()
                        ]
                        if question.type != "postcode"
                        else [],
                    }
                ],
                stops=stops,
            )
        )
    return items


def _page_items(definition: ServiceDefinition, language: str, first: int) -> list[Item]:
    numbers = {
        question.id: first + index
        for index, page in enumerate(definition.pages)
        for question in page.questions
    }
    items = []
    last = first + len(definition.pages) - 1
    for index, page in enumerate(definition.pages):
        number = first + index
        single = len(page.questions) == 1
        title = page.title.text(language) if page.title else page.questions[0].label.text(language)
        route = ""
        if page.show_if is not None:
            condition = describe(page.show_if, numbers, definition, language)
            values = {"number": number, "condition": condition, "next": number + 1}
            if number < last:
                text = _(
                    "Only answer question %(number)s if %(condition)s. If not, go to "
                    "question %(next)s."
                )
            else:
                text = _(
                    "Only answer question %(number)s if %(condition)s. If not, go to the "
                    "declaration."
                )
            route = text % values
        questions = [_question(question, language) for question in page.questions]
        hint = ""
        if single and not page.title:
            # The question is the item's title, and its hint the item's.
            hint = questions[0]["hint"]
            questions[0] = {**questions[0], "label": "", "hint": ""}
        items.append(Item(number=number, title=title, hint=hint, questions=questions, route=route))
    return items


def _help_line(definition: ServiceDefinition, language: str) -> str:
    phone = next((way for way in definition.other_ways_to_apply if way.channel == "phone"), None)
    if phone is None or not phone.contact:
        return ""
    hours = phone.opening_hours.text(language) if phone.opening_hours else ""
    text = _("If you need help filling in this form, call %(number)s.") % {"number": phone.contact}
    return f"{text} {hours}." if hours else text


def form_html(definition: ServiceDefinition, *, version: int, language: str) -> str:
    """The form as HTML, in `language`, laid out by WeasyPrint's stylesheet."""
    with translation.override(language):
        eligibility = _eligibility_items(definition, language)
        pages = _page_items(definition, language, first=len(eligibility) + 1)
        organisation = (
            settings.COMMONWEAL_ORGANISATION_NAME_CY
            if language == "cy"
            else settings.COMMONWEAL_ORGANISATION_NAME
        )
        return render_to_string(
            "catalogue/paper_form.html",
            {
                "language": language,
                "title": definition.title.text(language),
                "version": version,
                "organisation": organisation,
                "address": [line for line in settings.COMMONWEAL_ORGANISATION_ADDRESS if line],
                "description": definition.summary.text(language),
                "before_you_start": definition.before_you_start.text(language)
                if definition.before_you_start
                else "",
                "help_line": _help_line(definition, language),
                "online_at": f"{settings.COMMONWEAL_BASE_URL}/services/{definition.slug}/",
                "eligibility": eligibility,
                "pages": pages,
                "declaration": definition.declaration.text(language),
                "what_happens_next": definition.what_happens_next.text(language),
                "past_example": _("For example, 27 3 2007"),
                "future_example": _("For example, 27 3 2027"),
            },
        )


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.cache
def _stylesheet():
    import weasyprint

    return weasyprint.CSS(
        string=_STYLESHEET.read_text(encoding="utf-8"), font_config=_font_config()
    )


def form_pdf(definition: ServiceDefinition, *, version_key: tuple, version: int, language: str):
    """The form as an A4 PDF and its page count, made once per version (`version_key` says
    which edit), language and return address, then kept in memory."""
    key = (version_key, language, tuple(settings.COMMONWEAL_ORGANISATION_ADDRESS))
    made = _made.get(key)
    if made is not None:
        return made
    import pypdf
    import weasyprint

    html = form_html(definition, version=version, language=language)
    with _LOCK:
        made = _made.get(key)
        if made is None:
            pdf = weasyprint.HTML(string=html).write_pdf(
                stylesheets=[_stylesheet()], font_config=_font_config()
            )
            pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
            if len(_made) > 64:
                _made.clear()
            made = _made[key] = (pdf, pages)
    return made


def forms_cache_clear() -> None:
    _made.clear()
