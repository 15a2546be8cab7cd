from django.apps import apps
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Commonweal administration"
admin.site.site_title = "Commonweal"

urlpatterns = [
    # Every citizen page.
    path("", include("commonweal.portal.urls")),
    path("", include("commonweal.api.urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/", include("commonweal.workspace.urls")),
]

# The development mailbox and the benches' floors: only where the development tools are
# installed (never in production; see settings.DEVTOOLS).
if apps.is_installed("commonweal.devtools"):
    urlpatterns.append(path("", include("commonweal.devtools.urls")))

handler400 = "commonweal.portal.views.errors.bad_request"
handler403 = "commonweal.portal.views.errors.permission_denied"
handler404 = "commonweal.portal.views.errors.page_not_found"
handler500 = "commonweal.portal.views.errors.server_error"
