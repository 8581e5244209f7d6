"""The favicon is served in both server modes: no 404 (and console error) on a session's first page."""

import pytest

from tests.browser.conftest import DEVELOPMENT, PRODUCTION

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("live_server_url", [DEVELOPMENT, PRODUCTION], indirect=True, ids=str)
def test_pages_and_the_admin_find_their_icon(transactional_db, page, live_server_url):
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))

    for path in ("/login/", "/admin/login/"):
        page.goto(f"{live_server_url}{path}")
        page.wait_for_load_state("networkidle")

    icon = page.request.get(f"{live_server_url}/favicon.ico")  # what the admin's pages fall back to
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    linked = page.request.get(f"{live_server_url}/static/favicon.svg")
    assert linked.ok and linked.text().startswith("<svg")
    assert failed == []
