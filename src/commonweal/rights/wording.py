"""The words a person is asked each consent question in: online, and read to them by staff.

One place, because the exact words they answered are kept with their answer (`Consent.words`)
and shown back to them on their data page. Each function returns the words in the active
language; callers that ask in the person's language wrap it in `translation.override`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from .models import Consent


@dataclass(frozen=True)
class Wording:
    # The card's name for the purpose on the data page.
    title: str
    # The question, as the page's heading (the radios' legend).
    question: str
    # What it means, and what happens if they say no.
    paragraphs: list[str]
    yes: str
    no: str

    def text(self) -> str:
        """The words as they are kept with the answer."""
        return "\n\n".join([self.question, *self.paragraphs])


def _change_later() -> str:
    return _(
        "You can change your answer at any time in your account, under Your data, or by "
        "contacting us."
    )


def provider_sharing(*, provider: str = "", reference: str = "", parts=(), contact: str = ""):
    """Sharing their case with providers; naming the provider and what it would see when a
    referral is waiting for the answer."""
    paragraphs = []
    if provider:
        paragraphs.append(
            _(
                "We would like %(provider)s to help with your application %(reference)s. "
                "To ask them, we need to share some of your details with them."
            )
            % {"provider": provider, "reference": reference}
        )
        if parts:
            paragraphs.append(
                _("They would see: %(parts)s.") % {"parts": get_text_list(list(parts), _("and"))}
            )
        no = (
            _(
                "If you say no, we will not share your details with %(provider)s. You can "
                "contact them yourself: %(contact)s. Saying no does not change the decision "
                "on your application."
            )
            % {"provider": provider, "contact": contact}
            if contact
            else _(
                "If you say no, we will not share your details with %(provider)s, and you can "
                "contact them yourself. Saying no does not change the decision on your "
                "application."
            )
            % {"provider": provider}
        )
    else:
        paragraphs.append(
            _(
                "Sometimes a charity or another organisation can help with your application, "
                "for example with furniture, repairs or advice. To ask them, we need to share "
                "some of your details with them, such as your name, contact details and "
                "answers."
            )
        )
        no = _(
            "If you say no, we will not share your details with them, and you can contact them "
            "yourself. Saying no does not change the decision on your application."
        )
    paragraphs += [
        _(
            "If you say yes, we will only share the parts of your case they need, and you will "
            "see on your application when another organisation is helping."
        ),
        no,
        _change_later() + " " + _("If you change it to no, any sharing ends at once."),
    ]
    return Wording(
        title=_("Sharing your details with organisations that help"),
        question=_("Can we share your details with organisations that help?"),
        paragraphs=paragraphs,
        yes=_("Yes, you can share my details"),
        no=_("No, do not share my details"),
    )


def detail_phrases(fields) -> list[str]:
    """Person fields (`people.selectors.PERSON_FIELDS`) as a person reads them, once each."""
    phrases = {
        "given_name": _("your name"),
        "family_name": _("your name"),
        "date_of_birth": _("your date of birth"),
        "ni_number": _("your National Insurance number"),
        "address": _("your address"),
        "email": _("your email address"),
        "phone": _("your phone number"),
        "language": _("the language you use with us"),
        "preferred_contact": _("how you like us to contact you"),
        "accessibility_needs": _("what you need to use our services"),
    }
    named = []
    for field in fields:
        phrase = str(phrases.get(field, field))
        if phrase not in named:
            named.append(phrase)
    return named


def answer_reuse(*, fields=()):
    """Reusing details they gave before, naming the details held when the journey asks."""
    paragraphs = []
    details = detail_phrases(fields)
    if details:
        paragraphs.append(
            _("We already hold some details you gave us before: %(details)s.")
            % {"details": get_text_list(list(details), _("and"))}
        )
    else:
        paragraphs.append(
            _(
                "When you apply for something, we can use the details you gave us before, such "
                "as your name, date of birth and address."
            )
        )
    paragraphs += [
        _(
            "If you say yes, we will show them to you to check instead of asking for them "
            "again, in this application and in any others you make."
        ),
        _(
            "If you say no, we will ask you for them again in every application. Saying no "
            "does not change what you can get."
        ),
        _change_later(),
    ]
    return Wording(
        title=_("Using details you gave us before"),
        question=_("Can we use the details we already hold about you?"),
        paragraphs=paragraphs,
        yes=_("Yes, use the details you hold"),
        no=_("No, ask me again each time"),
    )


def research_contact():
    return Wording(
        title=_("Being contacted for research"),
        question=_("Can we contact you to take part in research?"),
        paragraphs=[
            _(
                "We may invite you to tell us what it was like to use our services, so that we "
                "can make them better."
            ),
            _(
                "If you say no, we will not contact you about research. It makes no difference "
                "to your applications."
            ),
            _change_later(),
        ],
        yes=_("Yes, you can contact me"),
        no=_("No, do not contact me"),
    )


def wording(purpose: str, **context) -> Wording:
    if purpose == Consent.Purpose.PROVIDER_SHARING:
        return provider_sharing(**context)
    if purpose == Consent.Purpose.ANSWER_REUSE:
        return answer_reuse(**context)
    return research_contact()


def _how(consent: Consent) -> str:
    return {
        Consent.Method.ONLINE: _("online"),
        Consent.Method.PHONE: _("by phone"),
        Consent.Method.IN_PERSON: _("in person"),
        Consent.Method.PAPER: _("on paper"),
    }.get(consent.method, consent.method)


def answer_sentence(consent: Consent | None, *, person=None) -> str:
    """What someone said and when, in a sentence: to the person themselves ("You said yes on
    3 December 2026 at 2:14pm, online.") when `person` is given, else to staff ("They said
    no on …, by phone (recorded by Casey Worker)."). None is "not asked"."""
    from commonweal.core.jinja import datetime_long

    to_person = person is not None
    if consent is None:
        return _("We have not asked you.") if to_person else _("They have not been asked.")
    values = {"when": datetime_long(consent.created_at), "how": _how(consent)}
    if to_person:
        sentence = (
            _("You said yes on %(when)s, %(how)s.")
            if consent.given
            else _("You said no on %(when)s, %(how)s.")
        ) % values
    else:
        sentence = (
            _("They said yes on %(when)s, %(how)s.")
            if consent.given
            else _("They said no on %(when)s, %(how)s.")
        ) % values
    recorder = consent.recorded_by
    if recorder is not None and (not to_person or recorder.pk != person.account_id):
        sentence += " " + _("Recorded by %(name)s.") % {
            "name": recorder.display_name or recorder.email
        }
    return sentence


def scope_phrases(scope) -> list[str]:
    """What a referral shares, as the person reads it, in the order referrals list it."""
    phrases = {
        "person": _("your name and contact details"),
        "answers": _("your answers on the application"),
        "evidence": _("the evidence you sent"),
        "timeline": _("the notes about your case"),
        "messages": _("your secure messages with us"),
    }
    return [str(phrases[part]) for part in phrases if part in set(scope or [])]
