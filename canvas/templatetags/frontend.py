"""Links to the canvas bundle that Vite built, found through its manifest."""

import json
from functools import cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

register = template.Library()
ENTRY = "src/main.tsx"


@cache
def _manifest_entry() -> dict:
    manifest_path = settings.FRONTEND_DIST / ".vite" / "manifest.json"
    try:
        return json.loads(manifest_path.read_text())[ENTRY]
    except (OSError, KeyError, ValueError):
        return {}


@register.simple_tag
def frontend_assets() -> str:
    """<link> and <script> tags for the canvas, or a visible note when it was never built."""
    entry = _manifest_entry()
    if not entry:
        return format_html('<p class="notice">The canvas is not built yet: run <code>make frontend</code>.</p>')
    styles = format_html_join("", '<link rel="stylesheet" href="{}">', ((static(css),) for css in entry.get("css", [])))
    script = format_html('<script type="module" src="{}"></script>', static(entry["file"]))
    return styles + script
