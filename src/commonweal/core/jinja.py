"""The Jinja2 environment for every page: GOV.UK Frontend macros, Django i18n and helpers."""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, TemplateNotFound
from markupsafe import Markup, escape

from . import languages, uk

# Every page names the same links (the navigation, the footer): each is reversed once per
# process and URL configuration, not on every page. Bounded, as case references are many.
_reversed: dict[tuple, str] = {}
_REVERSED_LIMIT = 5_000


def url(name: str, *args, **kwargs) -> str:
    if kwargs or not all(isinstance(arg, str | int) for arg in args):
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), name, args)
    found = _reversed.get(key)
    if found is None:
        found = reverse(name, args=args or None)
        if len(_reversed) < _REVERSED_LIMIT:
            _reversed[key] = found
    return found


def date_long(value) -> str:
    """A date as GOV.UK writes it ("3 May 2026"), in the active language."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return formats.date_format(value, "j F Y")


def date_short(value, today: datetime.date | None = None) -> str:
    """A date where space is short: "12 Dec" this year, "12 Dec 2027" in any other, with
    the month's short name in the active language ("12 Rhag" in Welsh)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    today = today or timezone.localdate()
    return formats.date_format(value, "j M" if value.year == today.year else "j M Y")


def datetime_long(value) -> str:
    """A moment as GOV.UK writes it ("3 May 2026 at 2:15pm")."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    suffix = (
        translation.pgettext("time of day", "am")
        if local.hour < 12
        else translation.pgettext("time of day", "pm")
    )
    time = f"{local.hour % 12 or 12}:{local.minute:02d}{suffix}"
    # Translators: a date followed by a time, as in "3 May 2026 at 2:15pm".
    return translation.gettext("%(date)s at %(time)s") % {
        "date": date_long(local.date()),
        "time": time,
    }


def money(value) -> str:
    """Pounds and pence as GOV.UK writes them: £1,250 or £75.50."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def paragraphs(text: str) -> Markup:
    """Plain text as GOV.UK body text: blank lines separate paragraphs, and a block whose
    lines all start with "- " is a bulleted list."""
    if not text:
        return Markup("")
    blocks = [block.strip() for block in str(text).split("\n\n") if block.strip()]
    html = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n")]
        if all(line.startswith("- ") for line in lines):
            items = Markup("").join(Markup("<li>{}</li>").format(line[2:]) for line in lines)
            html.append(Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(items))
        else:
            body = Markup("<br>").join(escape(line) for line in lines)
            # A paragraph in Arabic or Urdu (a help line in an English message) runs right
            # to left.
            if languages.text_direction(block) == "rtl":
                html.append(Markup('<p class="govuk-body" dir="rtl">{}</p>').format(body))
            else:
                html.append(Markup('<p class="govuk-body">{}</p>').format(body))
    return Markup("").join(html)


def localised(value, language: str | None = None) -> str:
    """Pick the active language from a {"en": ..., "cy": ...} text held by the catalogue."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    language = language or translation.get_language() or "en"
    if hasattr(value, "get"):
        return value.get(language) or value.get("en") or ""
    return value.text(language)


def local_name(thing, language: str | None = None) -> str:
    """A team's or organisation's name in the reader's language: its Welsh name (`name_cy`)
    under Welsh when it has one, otherwise its name."""
    if thing is None:
        return ""
    language = (language or translation.get_language() or "en").split("-")[0]
    welsh = getattr(thing, "name_cy", "") if language == "cy" else ""
    return welsh or thing.name


def govuk_error(text: str | None) -> dict | None:
    """A GOV.UK error message with its visually hidden prefix in the active language."""
    if not text:
        return None
    return {"text": text, "visuallyHiddenText": translation.gettext("Error")}


# GOV.UK Frontend's page template adds the `js-enabled` class with an inline script, which
# our Content Security Policy refuses. The same line is served as a static file instead;
# the template is otherwise used as published, so upgrades keep working.
GOVUK_INLINE_SCRIPT = re.compile(r"<script[^>]*>\s*document\.body\.className[^<]*</script>")
EXTERNAL_SCRIPT = "<script src=\"{{ static('commonweal/js-enabled.js') }}\"></script>"


class GovukFrontendLoader(PackageLoader):
    def __init__(self):
        super().__init__("govuk_frontend_jinja")

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if template == "template.html":
            source, found = GOVUK_INLINE_SCRIPT.subn(EXTERNAL_SCRIPT, source)
            if found != 1:
                # Fail loudly rather than serve a page the policy would break.
                raise TemplateNotFound(
                    "govuk_frontend_jinja/template.html: its inline script has changed; "
                    "update GOVUK_INLINE_SCRIPT in commonweal.core.jinja"
                )
        return source, filename, uptodate


def environment(**options) -> Environment:
    base_loader = options.pop("loader", None)
    options.pop("autoescape", None)  # always on, whatever the settings say
    loaders = [base_loader] if base_loader else []
    loaders.append(PrefixLoader({"govuk_frontend_jinja": GovukFrontendLoader()}))
    env = Environment(
        loader=ChoiceLoader(loaders),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        autoescape=True,
        **options,
    )
    env.install_gettext_callables(
        gettext=translation.gettext,
        ngettext=translation.ngettext,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
        newstyle=True,
    )
    env.globals.update(
        url=url,
        static=staticfiles_storage.url,
        localised=localised,
        local_name=local_name,
        get_language=translation.get_language,
        govuk_error=govuk_error,
        # "rtl" or "ltr" for a message in a person's language (core.languages).
        language_direction=languages.direction,
    )
    env.filters.update(
        date_long=date_long,
        datetime_long=datetime_long,
        money=money,
        paragraphs=paragraphs,
        localised=localised,
        # The first letter only ("Energy bills grant"); Jinja's capitalize lowers the rest.
        capfirst=lambda value: capfirst(str(value)) if value else "",
        local_name=local_name,
        phone=lambda value: uk.format_phone(value) if value else "",
        ni_number=lambda value: uk.format_ni_number(value) if value else "",
    )
    return env
