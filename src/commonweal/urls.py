from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Commonweal administration"
admin.site.site_title = "Commonweal"

urlpatterns = [
    path("", include("commonweal.core.urls")),
    path("", include("commonweal.accounts.urls")),
    path("", include("commonweal.intake.urls")),
    path("", include("commonweal.api.urls")),
    path("", include("commonweal.privacy.urls")),
    path("", include("commonweal.rights.urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/", include("commonweal.workspace.urls")),
]

handler400 = "commonweal.core.views.bad_request"
handler403 = "commonweal.core.views.permission_denied"
handler404 = "commonweal.core.views.page_not_found"
handler500 = "commonweal.core.views.server_error"
