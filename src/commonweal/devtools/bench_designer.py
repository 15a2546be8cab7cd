"""`commonweal bench designer`: the service designer's preview of the largest demo page.

The preview is requested through Django's whole stack in this process (middleware, session,
the staff sign-in with its second factor, the designer's access check, the workspace frame
and the journey's own question templates), timed from request to rendered response. The
largest demo page is the one whose preview renders the most HTML. The floor is the same
URL, in the same run, with the page's preview left out (everything else the request does
stays). The two alternate, in turn first, so that drift on a shared machine falls on both.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import close_old_connections

from commonweal.devtools import bench
from commonweal.devtools.bench_workspace import Timing

DEMO_DIR = Path(__file__).resolve().parents[1] / "catalogue" / "demo"
# The target (issue 16): the preview's p95 at most this.
PREVIEW_P95_TARGET_MS = 100


@contextlib.contextmanager
def preview_off() -> Iterator[None]:
    """The preview URL without the page's preview (the floor)."""
    from commonweal.workspace.views import designer_pages

    original = designer_pages.cached_preview
    designer_pages.cached_preview = lambda *args, **kwargs: ""
    try:
        yield
    finally:
        designer_pages.cached_preview = original


def prepare() -> tuple[object, str, str, object, object]:
    """The demo services, a service owner, and a new draft of the service with the largest
    page: (the owner, the preview's URL, a description of the page, its definition, the
    page)."""
    from commonweal.accounts.models import User
    from commonweal.catalogue import selectors as catalogue
    from commonweal.catalogue import services as catalogue_services
    from commonweal.devtools import organisations as demo_organisations
    from commonweal.organisations import services as organisations
    from commonweal.workspace.views.designer_pages import preview_html

    for path in sorted(DEMO_DIR.glob("*.yaml")):
        catalogue_services.service_import(yaml_text=path.read_text(encoding="utf-8"))
    teams = demo_organisations.organisations_demo_ensure()
    owner, _created = User.objects.get_or_create(
        email="bench-owner@seed.example", defaults={"display_name": "Bench Owner"}
    )
    for team in ("financial-support", "adaptations"):
        organisations.membership_ensure(user=owner, team=teams[team], role="service_owner")
    sizes = []
    for published in catalogue.published_services():
        for page in published.definition.pages:
            size = len(preview_html(published.definition, page, "cy"))
            sizes.append((size, published.version, page.id, published.definition, page))
    size, version, page_id, definition, page = max(sizes, key=lambda item: item[0])
    draft = catalogue_services.service_version_draft_from(version=version, by=owner)
    url = f"/staff/services/{version.service.slug}/v{draft.number}/pages/{page_id}/preview/"
    described = f"{version.service.slug} page '{page_id}' ({size:,} characters in Welsh)"
    return owner, url, described, definition, page


def run(*, requests: int, out) -> dict[str, Timing]:
    from commonweal.workspace.views.designer_pages import preview_html

    owner, url, described, definition, page = prepare()
    client = bench.staff_client(owner)
    out(f"Largest demo page: {described}")
    urls = [url, url + "?lang=cy"]

    def check(response) -> None:
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code} from {url} during the bench")

    def timed(target: str, timing: Timing) -> None:
        started = time.perf_counter()
        response = client.get(target)
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
        check(response)

    warm = Timing("warm-up", [])
    for index in range(20):
        timed(urls[index % 2], warm)
        with preview_off():
            timed(urls[index % 2], warm)
    preview = Timing("preview", [])
    floor = Timing("floor", [])
    out(f"Timing {requests} previews and {requests} floor requests (English and Welsh)…")
    for index in range(requests):
        target = urls[index % 2]
        for kind in ("preview", "floor") if index % 4 < 2 else ("floor", "preview"):
            if kind == "preview":
                timed(target, preview)
            else:
                with preview_off():
                    timed(target, floor)
        if index % 100 == 99:
            close_old_connections()
    # The preview itself, rendered afresh each time (as the first preview after an edit is):
    # the journey's templates alone, without the request around them.
    rendering = Timing("render afresh", [])
    for index in range(requests):
        started = time.perf_counter()
        preview_html(definition, page, ("en", "cy")[index % 2])
        rendering.samples_ms.append((time.perf_counter() - started) * 1000)
    return {"preview": preview, "floor": floor, "render": rendering}
