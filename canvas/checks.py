"""Start-up check: with DEBUG off, pages link to the hashed static files that collectstatic listed
in STATIC_ROOT's manifest, so a missing or stale collection would turn every page that links a
stylesheet into a 500 (`Missing staticfiles manifest entry`). Say so when the server starts."""

import json

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core import checks
from django.core.files.storage import storages

HINT = "Run `python manage.py collectstatic --noinput` (`make setup` does) with the same STATIC_ROOT."


def _frontend_files() -> set[str]:
    """The files of every bundle Vite built, as its manifest names them (empty when never built)."""
    try:
        entries = json.loads((settings.FRONTEND_DIST / ".vite" / "manifest.json").read_text()).values()
    except (OSError, ValueError):
        return set()
    return {name for entry in entries for name in [entry["file"], *entry.get("css", [])]}


@checks.register("staticfiles_collected")
def static_files_collected_check(app_configs=None, **kwargs):
    storage = storages["staticfiles"]
    # Only the manifest storage, and only with DEBUG off, looks names up in the manifest.
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return []
    if not storage.manifest_storage.exists(storage.manifest_name):
        return [
            checks.Warning(
                f"Static files are not collected: {settings.STATIC_ROOT}/{storage.manifest_name} is missing, "
                "so with DEBUG off every page that links a stylesheet answers 500.",
                hint=HINT,
                id="canvas.W001",
            )
        ]
    missing = sorted(_frontend_files() - set(storage.hashed_files))
    if missing:
        return [
            checks.Warning(
                f"The collected static files predate the canvas build: {', '.join(missing)} are not in "
                f"{settings.STATIC_ROOT}/{storage.manifest_name}, so the editor and report pages answer 500.",
                hint=HINT,
                id="canvas.W002",
            )
        ]
    return []
