from django.apps import AppConfig

from canvas import metrics
from journeys.engine import hooks


class CanvasConfig(AppConfig):
    name = "canvas"
    verbose_name = "Canvas"

    def ready(self):
        # Imported for its side effect, which Django wants at start-up rather than at app loading.
        from canvas import checks  # noqa: F401  (registers the static files check)

        # Live canvases hear of counter changes through the engine's hook, so the engine never imports canvas.
        hooks.on_counters_changed(metrics.metrics_changed)
