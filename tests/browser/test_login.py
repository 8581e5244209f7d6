"""The browser plumbing itself: Chromium reaches the Daphne server, logs in, and sees the home page."""

import pytest

from journeys.roles import MARKETERS
from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_logged_out_visitor_is_sent_to_login(page, live_server_url):
    page.goto(f"{live_server_url}/")
    assert "/login/" in page.url


def test_marketer_logs_in_and_sees_home(page, live_server_url, login, artifact_path):
    user = make_user(role=MARKETERS)
    login(page, user)
    assert "/login/" not in page.url
    page.screenshot(path=artifact_path("home.png"))
    assert artifact_path("home.png").stat().st_size > 0
