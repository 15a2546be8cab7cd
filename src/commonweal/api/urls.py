from django.urls import path

from . import notify
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("messaging/notify/callback/", notify.notify_callback, name="notify-callback"),
]
