from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The staff workspace at /staff/: pages only. It reads and writes through the other
    apps' selectors and services."""

    name = "commonweal.workspace"
    label = "workspace"
    verbose_name = "Staff workspace"
