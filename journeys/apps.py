from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"

    def ready(self):
        from journeys import nodes
        from journeys.delivery import channels, checks  # noqa: F401  (checks registers the delivery settings checks)

        channels.autodiscover()
        nodes.autodiscover()
