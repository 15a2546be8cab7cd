from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo, seed, benches and the development mailbox: the top layer, for a developer's
    own machine. Installed only outside production (settings.py), so nothing else may
    import it."""

    name = "commonweal.devtools"
    label = "devtools"
    verbose_name = "Development tools"

    def ready(self) -> None:
        from commonweal.messaging import channels

        # The benches' "sink" provider, which takes messages and keeps nothing.
        channels.register("sink", "commonweal.devtools.channels.SinkChannel")
