from django.apps import AppConfig

from journeys.engine import hooks


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"

    def ready(self):
        # Imported here, not at the top: Django imports this module while it is still loading apps,
        # and these modules import models, which only works once the app registry is ready.
        from journeys import nodes, tasks
        from journeys.delivery import channels, checks  # noqa: F401  (checks registers the delivery settings checks)

        channels.autodiscover()
        nodes.autodiscover()
        # The engine queues deliveries and the task queue sends them; the hook keeps the engine below the tasks.
        hooks.on_deliveries_pending(tasks.deliveries_kick)
