"""Configuration checks (`commonweal check`, and every start): the providers' JSON and the
client key they need, so a mistake shows when the site starts rather than at someone's
sign-in."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def oidc_configuration(app_configs, **kwargs):
    from . import oidc

    try:
        providers = oidc.providers()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="accounts.E001")]
    if not providers:
        return []
    try:
        oidc.client_key()
    except (ImproperlyConfigured, OSError, ValueError) as error:
        return [
            Error(
                f"OpenID Connect providers are configured but the client key cannot be read: "
                f"{error}",
                hint="Set COMMONWEAL_OIDC_CLIENT_KEY or COMMONWEAL_OIDC_CLIENT_KEY_FILE (PEM).",
                id="accounts.E002",
            )
        ]
    return []
