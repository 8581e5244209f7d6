"""Links to the bundles that Vite built (the canvas, the report charts), found through its manifest."""

import json
from functools import cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

register = template.Library()
ENTRY = "src/main.tsx"


@cache
def _manifest_entry(name: str = ENTRY) -> dict:
    manifest_path = settings.FRONTEND_DIST / ".vite" / "manifest.json"
    try:
        return json.loads(manifest_path.read_text())[name]
    except (OSError, KeyError, ValueError):
        return {}


@register.simple_tag
def frontend_assets(entry_name: str = ENTRY) -> str:
    """<link> and <script> tags for a bundle entry (the canvas by default), or a note when it was never built."""
    entry = _manifest_entry(entry_name)
    if not entry:
        what = "canvas" if entry_name == ENTRY else "page's script"
        return format_html('<p class="notice">The {} is not built yet: run <code>make frontend</code>.</p>', what)
    styles = format_html_join("", '<link rel="stylesheet" href="{}">', ((static(css),) for css in entry.get("css", [])))
    script = format_html('<script type="module" src="{}"></script>', static(entry["file"]))
    return styles + script
