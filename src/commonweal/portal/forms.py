"""The sign-in forms: an email address, then the code sent to it."""

from django import forms
from django.utils.translation import gettext_lazy as _


class EmailForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
            "max_length": _("Email address must be 254 characters or less"),
        },
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        error_messages={
            "required": _("Enter the code from the email"),
            "max_length": _("The code must be 6 numbers"),
        },
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("The code must be 6 numbers"))
        return code
