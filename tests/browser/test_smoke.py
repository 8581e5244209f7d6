"""Smoke test of the served product with DEBUG on and off: the editor, a report and Django admin
load in Chromium with their styles and scripts, every static file answering.

With DEBUG off the server is what a deployment runs: pages name the hashed files of the manifest
that `manage.py collectstatic` wrote, and WhiteNoise serves them from STATIC_ROOT.
"""

import re

import pytest
from playwright.sync_api import expect

from journeys.roles import MARKETERS
from tests.browser.conftest import DEVELOPMENT, PRODUCTION
from tests.browser.helpers import open_editor
from tests.factories import make_graph, make_journey, make_user, node
from tests.reports.helpers import populated_journey

pytestmark = pytest.mark.browser

# The hash ManifestStaticFilesStorage puts before the extension: main-CVnY-clI.css -> main-CVnY-clI.0123456789ab.css
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js)$")


def watch_static(page) -> list[str]:
    """Every static file the page asked for, as "status url"; filled while the test runs."""
    seen: list[str] = []

    def answered(response):
        if "/static/" in response.url:
            seen.append(f"{response.status} {response.url}")

    def failed(request):
        # The browser fetches the favicon on its own schedule and drops it when the test moves to
        # the next page; a request the page abandoned says nothing about the server.
        if "/static/" in request.url and request.failure != "net::ERR_ABORTED":
            seen.append(f"failed {request.url} ({request.failure})")

    page.on("response", answered)
    page.on("requestfailed", failed)
    return seen


def loaded_stylesheets(page) -> dict[str, int]:
    """{path of each linked stylesheet: number of CSS rules the browser read from it}."""
    return page.evaluate(
        "() => Object.fromEntries([...document.styleSheets].filter(s => s.href)"
        ".map(s => [new URL(s.href).pathname, s.cssRules.length]))"
    )


def module_scripts(page) -> list[str]:
    return page.eval_on_selector_all("script[src]", "els => els.map(e => new URL(e.src).pathname)")


@pytest.mark.parametrize("live_server_url", [DEVELOPMENT, PRODUCTION], indirect=True, ids=str)
def test_the_editor_report_and_admin_load_with_their_static_files(
    request, transactional_db, page, live_server_url, login, artifact_path
):
    production = request.node.callspec.params["live_server_url"] is PRODUCTION
    requested = watch_static(page)
    journey, _ = populated_journey(customers=4, buyers=1)
    login(page, make_user(role=MARKETERS, is_staff=True, is_superuser=True))

    # The editor: the canvas bundle ran (the shell says it is ready) and its stylesheet applies.
    graph = make_graph([node("start", "api_trigger", label="Start"), node("done", "exit")], [("start", "next", "done")])
    open_editor(page, live_server_url, make_journey(graph=graph, publish=False))
    expect(page.locator('.react-flow__node[data-id="start"]')).to_be_visible()
    sheets = loaded_stylesheets(page)
    # The canvas's own sheet and the one of the chunk it shares with the forms' condition builder.
    canvas_css = [path for path in sheets if path.startswith("/static/assets/")]
    assert len(canvas_css) == 2 and all(sheets[path] > 0 for path in canvas_css), sheets
    page.screenshot(path=artifact_path(f"smoke-editor-{request.node.callspec.id}.png"))

    # A report: its chart script ran and drew.
    page.goto(f"{live_server_url}/reports/journeys/{journey.pk}/")
    page.wait_for_selector("canvas[data-chart=exits][data-drawn=true]")
    report_scripts = [path for path in module_scripts(page) if path.startswith("/static/assets/")]
    assert len(report_scripts) == 1, report_scripts

    # Django admin, styled by its own stylesheets.
    page.goto(f"{live_server_url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    admin_sheets = loaded_stylesheets(page)
    base_css = [path for path in admin_sheets if path.startswith("/static/admin/css/base")]
    assert len(base_css) == 1 and admin_sheets[base_css[0]] > 0, admin_sheets

    # The API docs page: Swagger UI from this server's static files drew the schema's operations.
    page.goto(f"{live_server_url}/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    # The prediction form: the condition builder's entry ran and its shared chunk's styles apply.
    page.goto(f"{live_server_url}/predictions/")
    expect(page.get_by_test_id("condition-field")).to_be_visible()
    form_sheets = loaded_stylesheets(page)
    form_css = [path for path in form_sheets if path.startswith("/static/assets/")]
    assert set(form_css) & set(canvas_css), (form_css, canvas_css)  # the chunk shared with the canvas
    assert all(form_sheets[path] > 0 for path in form_css), form_sheets

    named = [*canvas_css, *form_css, *report_scripts, *base_css]
    if production:
        assert all(HASHED.search(path) for path in named), named  # from the manifest, so cached for good
    else:
        assert not any(HASHED.search(path) for path in named), named
    # 304: a file fetched on an earlier page, revalidated (the development server's caching).
    assert requested and all(line.startswith(("200 ", "304 ")) for line in requested), [
        line for line in requested if not line.startswith(("200 ", "304 "))
    ]
