"""System checks for the operator's settings that Django cannot check for us."""

import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .working_days import BANK_HOLIDAY_REGIONS


def _relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@register(Tags.compatibility)
def check_branding(app_configs, **kwargs):
    colour = settings.COMMONWEAL_BRAND_COLOUR
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        return [
            Error(
                f"COMMONWEAL_BRAND_COLOUR must be a colour like #1d70b8, not {colour!r}",
                id="commonweal.E001",
            )
        ]
    # White header text must stay readable on the brand colour (WCAG 2.2 AA, 4.5:1).
    contrast = 1.05 / (_relative_luminance(colour) + 0.05)
    if contrast < 4.5:
        return [
            Warning(
                f"COMMONWEAL_BRAND_COLOUR {colour} gives white text a contrast of "
                f"{contrast:.1f}:1; WCAG 2.2 AA needs 4.5:1. Choose a darker colour.",
                id="commonweal.W001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_bank_holiday_region(app_configs, **kwargs):
    region = settings.COMMONWEAL_BANK_HOLIDAY_REGION
    if region not in BANK_HOLIDAY_REGIONS:
        return [
            Error(
                f"COMMONWEAL_BANK_HOLIDAY_REGION must be one of "
                f"{', '.join(BANK_HOLIDAY_REGIONS)}, not {region!r}",
                id="commonweal.E002",
            )
        ]
    return []
