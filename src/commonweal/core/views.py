"""Development pages: the development mailbox and the benches' endpoints. (The pages every
installation has, and the error pages, are the portal's; the API's error shape is
core/errors.py.)"""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .clients import development_pages_allowed


@never_cache
@require_http_methods(["GET", "HEAD"])
def dev_mailbox(request):
    """Emails the development mailbox kept, newest first (only when it is switched on)."""
    if not settings.DEV_MAILBOX or not development_pages_allowed():
        raise Http404("The development mailbox is switched off")
    # It shows everyone's sign-in codes: only to someone on the same machine, even if an
    # installation is exposed without COMMONWEAL_ENV=production. The connection's own
    # address, never a header: behind a proxy this page is not served at all.
    if request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1"):
        raise Http404("The development mailbox is only shown on this machine")
    return render(
        request,
        "core/dev_mailbox.html",
        {"mails": selectors.dev_mailbox_list(), "page_title": _("Development mailbox")},
    )


@require_http_methods(["POST"])
def bench_bare_insert(request):
    """The floor for `commonweal bench intake`: the same request path (session, sign-in, CSRF)
    that inserts one row of the same payload and nothing else. Off unless the bench asks."""
    if (
        not settings.COMMONWEAL_BENCH_ENDPOINTS
        or not development_pages_allowed()
        or not request.user.is_authenticated
    ):
        raise Http404("Not available")
    services.bench_insert(payload=request.POST.dict())
    return HttpResponseRedirect("/bench/done/")


@csrf_exempt  # a bench-only endpoint, off (404) unless the bench turns it on
@require_http_methods(["POST"])
def bench_registration_inserts(request):
    """The floor for `commonweal bench api`: the rows one registration writes, inserted with
    nothing read or checked (see core/bench_api.py). Off unless the bench asks."""
    if not settings.COMMONWEAL_BENCH_ENDPOINTS or not development_pages_allowed():
        raise Http404("Not available")
    from . import bench_api

    bench_api.registration_rows_insert(
        sample_reference=request.GET.get("sample", ""), body=request.body
    )
    return HttpResponse(status=201)
