from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation


def site(request) -> dict:
    """What every page's layout needs: the organisation and the language switcher."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    here = request.get_full_path()
    language_links = [
        {
            "code": code,
            "name": name,
            "current": code == language,
            "href": reverse("portal:language", args=[code]) + "?" + urlencode({"next": here}),
        }
        for code, name in settings.LANGUAGES
    ]
    return {
        "organisation_name": settings.COMMONWEAL_ORGANISATION_NAME_CY
        if language == "cy"
        else settings.COMMONWEAL_ORGANISATION_NAME,
        "organisation_logo_url": settings.COMMONWEAL_ORGANISATION_LOGO_URL,
        "brand_colour": settings.COMMONWEAL_BRAND_COLOUR,
        "contact_phone": settings.COMMONWEAL_CONTACT_PHONE,
        "contact_email": settings.COMMONWEAL_CONTACT_EMAIL,
        "language": language,
        "language_links": language_links,
    }
