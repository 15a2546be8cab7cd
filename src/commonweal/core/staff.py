"""The door to staff pages, for every app that has some: signed in (or off to the staff
sign-in page), allowed in (or 403), and who they are at work on `request.staff`, read once."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from commonweal.organisations import selectors as organisations


def staff_required(view=None, *, allowed=None, refused: str = "Not a member of any team"):
    """Signed in and a member of a team; `allowed(context)` narrows who may come in."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("workspace:sign-in"))
            context = organisations.staff_context(user=request.user)
            if not context.is_staff or (allowed is not None and not allowed(context)):
                raise PermissionDenied(refused)
            request.staff = context
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def staff_page(request, template: str, *, nav: str = "", status: int = 200, **context):
    """A page in the workspace's frame (its menu, with `nav` marked as the current item)."""
    context.setdefault("workspace", request.staff)
    context.setdefault("flashes", [str(m) for m in messages.get_messages(request)])
    context.setdefault("service_name", _("Casework"))
    context.setdefault("service_url", reverse("workspace:my-work"))
    context.setdefault("nav", nav)
    return render(request, template, context, status=status)
