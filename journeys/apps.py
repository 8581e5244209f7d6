from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"

    def ready(self):
        from journeys import nodes
        from journeys.delivery import checks  # noqa: F401  (registers the delivery settings checks)

        nodes.autodiscover()
