from django.apps import AppConfig


class CanvasConfig(AppConfig):
    name = "canvas"
    verbose_name = "Canvas"

    def ready(self):
        from canvas import checks  # noqa: F401  (registers the static files check)
