from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Journeys"

    def ready(self):
        # Imported here, not at the top: Django imports this module while it is still loading apps,
        # and these modules import models, which only works once the app registry is ready.
        from journeys import nodes
        from journeys.delivery import channels, checks  # noqa: F401  (checks registers the delivery settings checks)
        from journeys.governance import admin as governance_admin  # noqa: F401  (registers its admin pages)
        from journeys.governance import tracking

        tracking.connect()
        channels.autodiscover()
        nodes.autodiscover()

        from journeys.conditions import set_score_explainer
        from journeys.predictions.scoring import explain

        set_score_explainer(explain)
