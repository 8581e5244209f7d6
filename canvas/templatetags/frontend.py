"""Links to the bundles that Vite built (the canvas, the report charts, the canvas's inputs on
server-rendered forms), found through its manifest."""

import json
from functools import cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

register = template.Library()
ENTRY = "src/main.tsx"


@cache
def _manifest() -> dict:
    manifest_path = settings.FRONTEND_DIST / ".vite" / "manifest.json"
    try:
        return json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        return {}


def _chunks(name: str) -> list[dict]:
    """The entry and every chunk it imports, each once, the entry first.

    Code the entries share (the condition builder) is split into a chunk of its own, and its
    stylesheet is listed on that chunk, not on the entries: a page needs the styles of them all.
    """
    manifest, seen, order = _manifest(), set(), []
    pending = [name]
    while pending:
        key = pending.pop(0)
        if key in seen or key not in manifest:
            continue
        seen.add(key)
        order.append(manifest[key])
        pending.extend(manifest[key].get("imports", []))
    return order


@register.simple_tag
def frontend_assets(entry_name: str = ENTRY) -> str:
    """<link> and <script> tags for a bundle entry (the canvas by default), or a note when it was never built."""
    chunks = _chunks(entry_name)
    if not chunks:
        what = "canvas" if entry_name == ENTRY else "page's script"
        return format_html('<p class="notice">The {} is not built yet: run <code>make frontend</code>.</p>', what)
    entry, imported = chunks[0], chunks[1:]
    sheets = dict.fromkeys(css for chunk in chunks for css in chunk.get("css", []))
    styles = format_html_join("", '<link rel="stylesheet" href="{}">', ((static(css),) for css in sheets))
    # The browser would find the imported chunks only after running the entry; preloading saves a round trip.
    preloads = format_html_join(
        "", '<link rel="modulepreload" href="{}">', ((static(chunk["file"]),) for chunk in imported)
    )
    script = format_html('<script type="module" src="{}"></script>', static(entry["file"]))
    return styles + preloads + script
