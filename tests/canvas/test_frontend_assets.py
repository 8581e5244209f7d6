"""The tags that load Vite's bundles: an entry brings the stylesheets of the chunks it imports."""

import json

import pytest

from canvas.templatetags import frontend


@pytest.fixture
def manifest(tmp_path, settings):
    settings.FRONTEND_DIST = tmp_path
    (tmp_path / ".vite").mkdir()

    def write(entries: dict):
        (tmp_path / ".vite" / "manifest.json").write_text(json.dumps(entries))
        frontend._manifest.cache_clear()

    yield write
    frontend._manifest.cache_clear()


def test_an_entry_links_its_own_and_its_shared_chunks_stylesheets_and_preloads_the_chunks(manifest):
    manifest(
        {
            "src/main.tsx": {
                "file": "assets/main-1.js",
                "isEntry": True,
                "css": ["assets/main-1.css"],
                "imports": ["_shared-2.js"],
            },
            "_shared-2.js": {"file": "assets/shared-2.js", "css": ["assets/shared-2.css"], "imports": ["_deep-3.js"]},
            "_deep-3.js": {"file": "assets/deep-3.js", "imports": ["_shared-2.js"]},  # a cycle is read once
        }
    )

    html = frontend.frontend_assets("src/main.tsx")

    assert html.count('rel="stylesheet"') == 2
    assert 'href="/static/assets/main-1.css"' in html and 'href="/static/assets/shared-2.css"' in html
    assert html.count('rel="modulepreload"') == 2 and 'href="/static/assets/deep-3.js"' in html
    assert html.endswith('<script type="module" src="/static/assets/main-1.js"></script>')


def test_an_entry_never_built_says_how_to_build_it(manifest):
    manifest({})
    assert "make frontend" in frontend.frontend_assets("src/formFields/main.tsx")
